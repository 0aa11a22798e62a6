package ipam

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// The policies' registry, their parameters' parsing, and the machinery the
// other CNIs' policies share (docs/policies.md A1–A6).

// ParamSpec is one parameter of a policy: its name as the project spells it,
// the project's default, and where the rule comes from.
type ParamSpec struct {
	Name    string
	Default string
	Help    string
}

// policyKind is a policy's parsed parameters: the settings its nodes need and
// how it attaches to one node.
type policyKind interface {
	settings() []string
	attach(o Ops) Controller
}

type policyDef struct {
	params []ParamSpec
	build  func(v *paramValues) policyKind
}

var policyRegistry = map[string]policyDef{
	"vpc-cni":    {build: buildVPCCNI},
	"cilium-eni": {params: ciliumParams, build: buildCilium},
	"azure-cns":  {params: azureParams, build: buildAzure},
	"terway":     {params: terwayParams, build: buildTerway},
	"static":     {params: staticParams, build: buildStatic},
	"calico":     {params: calicoParams, build: buildCalico},
}

// policy is a Policy from the registry.
type policy struct {
	name string
	desc string // the name and every parameter's value
	kind policyKind
}

func (p *policy) Name() string            { return p.name }
func (p *policy) Settings() []string      { return p.kind.settings() }
func (p *policy) Attach(o Ops) Controller { return p.kind.attach(o) }

// String is the policy's name and its parameters' values, in the order the
// policy declares them.
func (p *policy) String() string { return p.desc }

// PolicySettings is p.Settings(), or nil for a nil p (the VPC CNI, which
// needs none): the VPC CNI variables a node under p runs with.
func PolicySettings(p Policy) []string {
	if p == nil {
		return nil
	}
	return p.Settings()
}

// defaultPolicy is the AWS VPC CNI's ipamd.
func defaultPolicy() Policy { return &policy{name: "vpc-cni", desc: "vpc-cni", kind: vpcCNI{}} }

// PolicyNames lists the --policy names, sorted.
func PolicyNames() []string {
	names := make([]string, 0, len(policyRegistry))
	for k := range policyRegistry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// PolicyError is an unknown policy or a parameter it does not accept.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }

// PolicyParams returns a policy's parameters with their defaults.
func PolicyParams(name string) ([]ParamSpec, error) {
	d, ok := policyRegistry[name]
	if !ok {
		return nil, unknownPolicy(name)
	}
	return append([]ParamSpec(nil), d.params...), nil
}

func unknownPolicy(name string) error {
	return &PolicyError{fmt.Sprintf("unknown policy %q (valid: %s)", name, strings.Join(PolicyNames(), ", "))}
}

// validParams is "name=default, ..." for error messages.
func validParams(name string, ps []ParamSpec) string {
	if len(ps) == 0 {
		return fmt.Sprintf("%s takes no parameters", name)
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Default
	}
	return fmt.Sprintf("valid parameters of %s, with their defaults: %s", name, strings.Join(parts, ", "))
}

// NewPolicy builds the named policy with params (name → value, the project's
// spelling); parameters not given take the project's defaults. An unknown
// policy, an unknown parameter or a value that does not parse is a
// *PolicyError naming what is valid. "vpc-cni" takes no parameters (its
// knobs are the VPC CNI variables, --set).
func NewPolicy(name string, params map[string]string) (Policy, error) {
	d, ok := policyRegistry[name]
	if !ok {
		return nil, unknownPolicy(name)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, p := range d.params {
			found = found || p.Name == k
		}
		if !found {
			return nil, &PolicyError{fmt.Sprintf("policy %s: unknown parameter %q (%s)", name, k, validParams(name, d.params))}
		}
	}
	v := &paramValues{policy: name, specs: d.params, given: params}
	k := d.build(v)
	if v.err != nil {
		return nil, v.err
	}
	desc := name
	for _, ps := range d.params {
		desc += " " + ps.Name + "=" + v.raw(ps.Name)
	}
	return &policy{name: name, desc: desc, kind: k}, nil
}

// paramValues parses a policy's parameters, keeping the first error.
type paramValues struct {
	policy string
	specs  []ParamSpec
	given  map[string]string
	err    error
}

func (v *paramValues) raw(name string) string {
	if s, ok := v.given[name]; ok {
		return strings.TrimSpace(s)
	}
	for _, p := range v.specs {
		if p.Name == name {
			return p.Default
		}
	}
	panic("ipam: policy parameter " + name + " not declared")
}

func (v *paramValues) fail(name, value, why string) {
	if v.err == nil {
		v.err = &PolicyError{fmt.Sprintf("policy %s: %s=%q: %s (%s)", v.policy, name, value, why, validParams(v.policy, v.specs))}
	}
}

// int parses a whole number in [lo, hi].
func (v *paramValues) int(name string, lo, hi int) int {
	s := v.raw(name)
	n, err := strconv.Atoi(s)
	if err != nil {
		v.fail(name, s, "not a whole number")
		return 0
	}
	if n < lo || n > hi {
		v.fail(name, s, fmt.Sprintf("must be between %d and %d", lo, hi))
		return 0
	}
	return n
}

func (v *paramValues) bool(name string) bool {
	s := v.raw(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.fail(name, s, "not a boolean (true/false)")
	}
	return b
}

func (v *paramValues) float(name string, lo, hi float64) float64 {
	s := v.raw(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi {
		v.fail(name, s, fmt.Sprintf("want a number from %g to %g", lo, hi))
		return 0
	}
	return f
}

// duration parses a Go duration ("15s", "10m"); "" (unset) is 0 when
// allowUnset.
func (v *paramValues) duration(name string, allowUnset bool) sim.Time {
	s := v.raw(name)
	if s == "" && allowUnset {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !allowUnset) {
		v.fail(name, s, "want a positive duration such as 30s or 10m")
		return 0
	}
	return sim.Time(d)
}

// soonest keeps the earliest of several timers for Controller.NextTimer.
type soonest struct {
	now     sim.Time
	at      sim.Time
	pending bool
}

func (s *soonest) add(t sim.Time) {
	if t <= s.now {
		t = s.now + 1
	}
	if !s.pending || t < s.at {
		s.at, s.pending = t, true
	}
}

// ---- EC2-backed growth and release shared by the operator-style policies ----

// growBy is how the operator-style policies (A1–A3) turn an address count
// into EC2 actions: it adds at least want addresses with one EC2 action per
// ENI, as the VPC CNI's primitives do them: existing ENIs first, in walk
// order, each topped up with at most perCall addresses (0: no cap); only when
// none has room, new ENIs with at most perCall each. It reports whether every
// call succeeded and whether any EC2 call was made.
func growBy(o Ops, want, perCall int) (ok, called bool) {
	info := o.Node()
	per := info.Limits.addrsPerCIDR()
	slots := info.Limits.cidrsPerENI()
	if perCall <= 0 {
		perCall = want
	}
	for _, e := range allocatable(o.WalkENIs(), slots, info.Settings.CustomNetworking) {
		if want <= 0 {
			return true, called
		}
		room := slots - len(e.CIDRs())
		if room <= 0 {
			continue
		}
		k := min(room, divCeil(min(want, perCall), per))
		called = true
		if o.AssignIPs(e, k) != ec2.OK {
			return false, true
		}
		want -= k * per
	}
	for want > 0 {
		if !hasRoomForENI(info.Settings, info.Limits, len(o.ENIs())) {
			return false, called
		}
		k := min(slots, divCeil(min(want, perCall), per))
		called = true
		if o.AllocENI(k) != ec2.OK {
			return false, true
		}
		want -= k * per
	}
	return true, called
}

// allocatable returns the ENIs holding fewer than max CIDRs, skipping the
// primary ENI under custom networking (upstream GetAllocatableENIs, §2 "Add
// to an existing ENI first").
func allocatable(enis []*ENI, max int, skipPrimary bool) []*ENI {
	var out []*ENI
	for _, e := range enis {
		if len(e.CIDRs()) < max && !(skipPrimary && e.Primary) {
			out = append(out, e)
		}
	}
	return out
}

// releaseFree is their release (A2 PendingRelease, A3 trim and reclaim): it
// returns up to count addresses that no pod holds (whole CIDRs only), walking
// ENIs from the last attached back to the primary so the newest ENIs empty
// first, with at most perCall CIDRs per UnassignPrivateIpAddresses (0: no
// cap). It returns how many addresses left.
func releaseFree(o Ops, count, perCall int) (released int) {
	lim := o.Node().Limits
	per := lim.addrsPerCIDR()
	cidrs := count / per
	enis := slices.Clone(o.ENIs())
	for i := len(enis) - 1; i >= 0 && cidrs > 0; {
		e := enis[i]
		cs := freeCIDRs(e, lim.PD)
		// Highest addresses first: the lowest ones are the ones first-fit
		// hands out.
		slices.Reverse(cs)
		k := min(len(cs), cidrs)
		if perCall > 0 {
			k = min(k, perCall)
		}
		if k == 0 {
			i--
			continue
		}
		cidrs -= k
		released += k * per
		o.ReleaseCIDRs(e, cs[:k])
	}
	return released
}

// freeCIDRs returns an ENI's CIDRs of the mode in use (prefixes in PD) that
// no pod holds, in address order.
func freeCIDRs(e *ENI, pd bool) []*CIDR {
	var cs []*CIDR
	for _, c := range e.CIDRs() {
		if c.Assigned() == 0 && c.IsPrefix() == pd {
			cs = append(cs, c)
		}
	}
	return cs
}

// freeCIDRAddrs is the addresses in CIDRs no pod holds, which a release can
// return.
func freeCIDRAddrs(o Ops) int {
	lim := o.Node().Limits
	k := 0
	for _, e := range o.ENIs() {
		k += len(freeCIDRs(e, lim.PD)) * lim.addrsPerCIDR()
	}
	return k
}
