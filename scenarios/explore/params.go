package explore

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
)

// The /api/run query parameters besides the VPC CNI variables, named as the
// `ipamsim run` flags they stand for.
const (
	paramScenario = "scenario"
	paramVariant  = "variant"
	paramInstance = "instance-type"
	paramOrder    = "assign-order"
	paramSeed     = "seed"
	paramPolicy   = "policy"
)

var flagParams = []string{paramScenario, paramVariant, paramInstance, paramOrder, paramSeed, paramPolicy}

// The CLI's defaults for the flags a scenario does not set (cmd/ipamsim run.go).
const (
	defaultOrder  = "go-map"
	defaultSeed   = 1
	defaultPolicy = "vpc-cni"
)

// Bounds on a query, so that a hostile one costs nothing to refuse.
const (
	maxQueryBytes = 4096
	maxParams     = 64
)

// FieldError is a bad input: the query parameter it belongs to (a VPC CNI
// variable such as WARM_IP_TARGET, or a flag name such as instance-type) and
// the error, worded as `ipamsim run` words it.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) *FieldError { return &FieldError{Field: field, Err: err} }

// assignment is one VPC CNI variable from the query.
type assignment struct{ key, value string }

// request is a parsed /api/run query. Empty strings stand for "the
// scenario's or the CLI's default"; present marks the flags the query gave.
type request struct {
	flags   map[string]string
	sets    []assignment // in canonical order: the inputs' order, then by name
	present map[string]bool
}

func (r request) flag(name, def string) string {
	if r.present[name] {
		return r.flags[name]
	}
	return def
}

// isSettingName reports whether a parameter names a VPC CNI variable: upper
// case letters, digits and underscores, starting with a letter. (The
// variables' own spelling, e.g. ENABLE_IPv6, is checked by Settings.Set.)
func isSettingName(k string) bool {
	if k == "" || k[0] < 'A' || k[0] > 'Z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseQuery reads a raw /api/run query. It checks the form only; values are
// checked against the scenario by resolve.
func parseQuery(raw string) (request, error) {
	req := request{flags: map[string]string{}, present: map[string]bool{}}
	if len(raw) > maxQueryBytes {
		return req, fieldErr("query", fmt.Errorf("query is %d bytes; at most %d are accepted", len(raw), maxQueryBytes))
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return req, fieldErr("query", err)
	}
	if len(vals) > maxParams {
		return req, fieldErr("query", fmt.Errorf("%d parameters; at most %d are accepted", len(vals), maxParams))
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := vals[k]
		field := k
		if !isSettingName(k) && !slices.Contains(flagParams, k) {
			field = "query"
		}
		if len(v) != 1 {
			return req, fieldErr(field, fmt.Errorf("parameter %q is given %d times", k, len(v)))
		}
		switch {
		case isSettingName(k):
			req.sets = append(req.sets, assignment{k, v[0]})
		case slices.Contains(flagParams, k):
			req.flags[k], req.present[k] = v[0], true
		default:
			return req, fieldErr("query", fmt.Errorf("unknown parameter %q (want a VPC CNI variable such as WARM_IP_TARGET, or one of %s)", k, strings.Join(flagParams, ", ")))
		}
	}
	slices.SortStableFunc(req.sets, func(a, b assignment) int { return inputRank(a.key) - inputRank(b.key) })
	return req, nil
}

// inputRank orders the page's inputs first, in the page's order; other
// variables follow (sorted by name by the caller).
func inputRank(key string) int {
	for i, in := range settingInputs {
		if in.Name == key {
			return i
		}
	}
	return len(settingInputs)
}

// runInput is a query checked against its scenario: everything one run needs.
type runInput struct {
	scenario  *offered
	variant   string // scenarios.BaseName when the query names none
	settings  ipam.Settings
	sets      []string // the --set KEY=VALUE of the command line
	instance  catalog.InstanceType
	order     ipam.AssignOrder
	orderName string
	seed      uint64
	policy    string
	args      []string // the equivalent command line, after "ipamsim"
}

// resolve checks a request with the parsers `ipamsim run` uses, so every
// error reads as the CLI's. It also builds the equivalent command line:
// `ipamsim run --scenario S`, plus only what differs from the scenario's
// (and the CLI's) defaults.
func (s *Server) resolve(req request) (*runInput, error) {
	in := &runInput{}
	id := req.flag(paramScenario, s.defaultScenario)
	if in.scenario = s.scenario(id); in.scenario == nil {
		return nil, fieldErr(paramScenario, fmt.Errorf("unknown scenario %q (this server offers %s)", id, strings.Join(s.scenarioIDs(), ", ")))
	}
	sc := in.scenario.sc
	args := []string{"run", "--scenario", id}

	variants := []string{scenarios.BaseName}
	for _, v := range sc.Variants {
		variants = append(variants, v.Name)
	}
	in.variant = req.flag(paramVariant, scenarios.BaseName)
	if !slices.Contains(variants, in.variant) {
		return nil, fieldErr(paramVariant, fmt.Errorf("--variant %q: scenario %s has %s", in.variant, sc.Name, strings.Join(variants, ", ")))
	}
	if len(variants) > 1 {
		// Without --variant the CLI runs every variant; name the one shown.
		args = append(args, "--variant", in.variant)
	}

	in.settings = ipam.DefaultSettings()
	if err := sc.ApplySettings(&in.settings, in.variant); err != nil {
		return nil, fieldErr(paramScenario, err)
	}
	for _, a := range req.sets {
		// As `ipamsim run --set KEY=VALUE` reads it (cmd/ipamsim applySettings).
		k, v, err := ipam.ParseAssignment("--set", a.key+"="+a.value)
		if err != nil {
			return nil, fieldErr(a.key, err)
		}
		next := in.settings
		if err := next.Set("--set", k, v); err != nil {
			return nil, fieldErr(a.key, err)
		}
		if next != in.settings { // a value equal to the scenario's needs no --set
			args = append(args, "--set", a.key+"="+a.value)
			in.sets = append(in.sets, a.key+"="+a.value)
			in.settings = next
		}
	}

	inst := req.flag(paramInstance, sc.InstanceType)
	var err error
	if in.instance, err = catalog.Lookup(inst); err != nil {
		return nil, fieldErr(paramInstance, fmt.Errorf("--instance-type: %w", err))
	}
	if inst != sc.InstanceType {
		args = append(args, "--instance-type", inst)
	}

	in.orderName = req.flag(paramOrder, defaultOrder)
	if in.order, err = ipam.ParseAssignOrder(in.orderName); err != nil {
		return nil, fieldErr(paramOrder, fmt.Errorf("--assign-order: %w", err))
	}
	if in.orderName != defaultOrder {
		args = append(args, "--assign-order", in.orderName)
	}

	in.seed = defaultSeed
	if req.present[paramSeed] {
		if in.seed, err = parseSeed(req.flags[paramSeed]); err != nil {
			return nil, fieldErr(paramSeed, err)
		}
	}
	if in.seed != defaultSeed {
		args = append(args, "--seed", strconv.FormatUint(in.seed, 10))
	}

	in.policy = req.flag(paramPolicy, defaultPolicy)
	if _, err := ipam.NewPolicy(in.policy, nil); err != nil {
		return nil, fieldErr(paramPolicy, fmt.Errorf("--policy: %w", err))
	}
	if in.policy != defaultPolicy {
		args = append(args, "--policy", in.policy)
	}
	in.args = args
	return in, nil
}

// parseSeed reads a seed as `ipamsim run --seed` does: with pflag, so the
// error is the CLI's word for word.
func parseSeed(v string) (uint64, error) {
	fs := pflag.NewFlagSet("ipamsim run", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.Uint64("seed", defaultSeed, "")
	if err := fs.Parse([]string{"--seed=" + v}); err != nil {
		return 0, err
	}
	return *seed, nil
}

// commandLine spells args as a POSIX shell command line.
func commandLine(args []string) string {
	var b strings.Builder
	b.WriteString("ipamsim")
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_=./:,+@%", c))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
