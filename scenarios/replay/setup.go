package replay

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// This file is the one way from a workload and a user's overrides to a
// runnable simulation, used by every command (run, compare, sweep, recommend)
// and the shipped scenarios' golden test: Prepare resolves what a scenario
// says, what its variant adds and what the command line overrides into one
// Setup (a single node or a cluster), and the Setup runs it. It lives here,
// not in package scenarios, because it builds replay.Spec and cluster.Spec,
// which scenarios (imported by replay) cannot name.

// DefaultDrain is how long a run goes on after the last trace event when
// neither the scenario nor an override says (docs/model.md §9.4: 10m).
const DefaultDrain = 10 * time.Minute

// MaxDrain is the longest drain a run takes: far longer than any pool needs
// to settle, and short enough that the end of a run cannot overflow
// simulated time (a scenario's drain: has the same bound).
const MaxDrain = scenarios.MaxDuration

// DefaultInstanceType is the node of a plain trace without --instance-type.
const DefaultInstanceType = "m5.large"

// maxOverrideCount bounds --enis and --ipv4-per-eni as catalog.Custom bounds
// a custom type's.
const maxOverrideCount = 4096

// MaxMaxPods bounds the kubelet's max pods (--max-pods, a scenario's
// max-pods: and a group's max-pods=): far above any instance type's
// eni-max-pods.txt figure (the largest is in the hundreds).
const MaxMaxPods = scenarios.MaxMaxPods

// Overrides are a run's changes to what its scenario says, as the flags of
// `ipamsim run` give them; errors name an override by that flag. The zero
// value changes nothing (Seed aside: it is always the run's seed).
//
// A single-node run takes every override. A cluster run (a scenario with
// subnet: and group: lines) applies the node overrides to every node group:
// InstanceType replaces each group's type=, ENIs and IPv4PerENI then
// override that type's limits, MaxPods replaces each group's max-pods=,
// EnvFile and Settings apply on top of each group's own set= values, and
// Policy runs on every node (a fresh policy per group). Order, EC2,
// KubeletJitter, Seed, Drain and StrictEntrypoint apply to the whole
// cluster. Subnet is refused: a cluster's subnets are its subnet: lines.
type Overrides struct {
	InstanceType string // "": the scenario's, or DefaultInstanceType for a trace
	ENIs         int    // the type's max ENIs (1..4096); 0: the type's own
	IPv4PerENI   int    // the type's IPv4 addresses per ENI, primary included (2..4096); 0: the type's own
	EnvFile      string // a file of KEY=VALUE lines, applied after the scenario's settings
	Settings     []string
	MaxPods      int // the kubelet's max pods; 0: the scenario's, else MaxPodsFrom's figure
	// MaxPodsFrom names the max-pods rule (catalog.MaxPodsFromNames); "":
	// the scenario's, else eks.
	MaxPodsFrom string
	// Policy names the pool policy (ipam.PolicyNames) and PolicyParams its
	// parameters; "": the VPC CNI.
	Policy       string
	PolicyParams map[string]string
	Order        string // assign order (ipam.ParseAssignOrder); "": go-map
	EC2          string // EC2 profile (ec2.ProfileByName); "": the scenario's, else "default"
	// EC2ProfileFile is a CSV of api,p50_ms,p99_ms rows laid over the EC2
	// profile's latencies (ec2.ReadEC2ProfileFile; §7.14); "": none.
	EC2ProfileFile string
	KubeletJitter  *float64 // the kubelet's retry jitter, 0..10; nil: the EC2 profile's
	Seed           uint64
	Drain          *time.Duration // nil: the scenario's, else DefaultDrain
	WarmUp         *time.Duration // nil: the scenario's, else 0 (a cold node, §9.15)
	Subnet         string         // the node's subnet CIDR; "": 10.0.0.0/16
	// StrictEntrypoint refuses settings the aws-node entrypoint refuses
	// (ipam.Settings.EntrypointWarnings) instead of warning.
	StrictEntrypoint bool
}

// Request is a run to prepare: a scenario (and one of its runs) or a plain
// trace, and the overrides.
type Request struct {
	// Scenario is the scenario to run; nil for a plain trace.
	Scenario *scenarios.Scenario
	// Variant is the scenario's run: "" or scenarios.BaseName for the base,
	// or one of its variants (Scenario.RunNames).
	Variant string
	// Trace opens a plain trace (Scenario nil); TraceName is how outputs
	// name it.
	Trace     func() (scenarios.Reader, error)
	TraceName string
	Overrides
}

// Setup is one runnable simulation: a single node or a cluster, its
// workload, and what to tell the user about it. A Setup runs once: Prepare
// another for another run.
type Setup struct {
	Scenario  *scenarios.Scenario // nil for a plain trace
	Variant   string              // the scenario's run (scenarios.BaseName or a variant); "" for a trace
	TraceName string              // a plain trace's name
	// Node describes a single-node run; nil for a cluster.
	Node *Spec
	// Cluster describes a cluster run; nil for a single node.
	Cluster *cluster.Spec
	Drain   sim.Time
	WarmUp  sim.Time // every node boots this long before trace time 0 (§9.15)
	Seed    uint64
	// Overridden lists the overrides that changed the node (or the cluster's
	// nodes), settings or policy the scenario's question is about, as flags:
	// "--instance-type c5.xlarge", "--set WARM_IP_TARGET=5".
	Overridden []string
	// Warnings are remarks about the setup for the user: for a cluster, the
	// aws-node entrypoint's refusals of each group's settings and an
	// --instance-type that replaces groups of different types (a single
	// node's own warnings come with the run's outcome).
	Warnings []string
	open     func() (scenarios.Reader, error)
}

// Prepare resolves a request into a Setup. Input errors (a bad override,
// setting, instance type, policy or variant) are *SpecError,
// *ipam.SettingError, *ipam.PolicyError or *catalog.UnknownTypeError.
func Prepare(req Request) (*Setup, error) {
	sc, ov := req.Scenario, &req.Overrides
	s := &Setup{Scenario: sc, Seed: ov.Seed}
	switch {
	case sc == nil && req.Trace == nil:
		return nil, errors.New("replay.Prepare: no scenario and no trace")
	case sc != nil && req.Trace != nil:
		return nil, errors.New("replay.Prepare: a scenario and a trace")
	case sc != nil:
		s.Variant = req.Variant
		if s.Variant == "" {
			s.Variant = scenarios.BaseName
		}
		if runs := sc.RunNames(); !slices.Contains(runs, s.Variant) {
			return nil, specErrorf("--variant %q: scenario %s has %s", req.Variant, sc.Name, strings.Join(runs, ", "))
		}
		s.open = func() (scenarios.Reader, error) { return sc.Workload(ov.Seed) }
	default:
		if req.Variant != "" {
			return nil, specErrorf("--variant needs a scenario")
		}
		s.TraceName, s.open = req.TraceName, req.Trace
	}

	order := ipam.GoMapOrder // the node as shipped (§3.7)
	if ov.Order != "" {
		o, err := ipam.ParseAssignOrder(ov.Order)
		if err != nil {
			return nil, specErrorf("--assign-order: %v", err)
		}
		order = o
	}
	profileName := ov.EC2
	if profileName == "" && sc != nil {
		profileName = sc.EC2
	}
	if profileName == "" {
		profileName = "default"
	}
	profile, err := ec2.ProfileByName(profileName)
	if err != nil {
		return nil, specErrorf("--ec2: %v", err)
	}
	if f := ov.EC2ProfileFile; f != "" {
		if profile.Latencies, err = ec2.ReadEC2ProfileFile(f, profile.Latencies); err != nil {
			return nil, specErrorf("--ec2-profile: %v", err)
		}
		profile.Name += " + " + f
	}
	if j := ov.KubeletJitter; j != nil {
		if math.IsNaN(*j) || *j < 0 || *j > 10 {
			return nil, specErrorf("--kubelet-jitter %g: want 0 to 10", *j)
		}
		profile.KubeletJitter = *j
	}
	drain := DefaultDrain
	if sc != nil && sc.Drain > 0 {
		drain = sc.Drain
	}
	if ov.Drain != nil {
		if *ov.Drain < 0 || *ov.Drain > MaxDrain {
			return nil, specErrorf("--drain %s: want 0 to %s", *ov.Drain, MaxDrain)
		}
		drain = *ov.Drain
	}
	s.Drain = sim.Time(drain)
	warm := time.Duration(0)
	if sc != nil {
		warm = sc.WarmUp
	}
	if ov.WarmUp != nil {
		if *ov.WarmUp < 0 || *ov.WarmUp > MaxDrain {
			return nil, specErrorf("--warm-up %s: want 0 to %s", *ov.WarmUp, MaxDrain)
		}
		warm = *ov.WarmUp
	}
	s.WarmUp = sim.Time(warm)
	if ov.MaxPodsFrom != "" {
		if _, err := catalog.ParseMaxPodsFrom(ov.MaxPodsFrom); err != nil {
			return nil, specErrorf("--max-pods-from: %v", err)
		}
	}
	if ov.MaxPods < 0 || ov.MaxPods > MaxMaxPods {
		return nil, specErrorf("--max-pods %d: want 1 to %d", ov.MaxPods, MaxMaxPods)
	}
	if ov.ENIs < 0 || ov.ENIs > maxOverrideCount {
		return nil, specErrorf("--enis %d: want 1 to %d", ov.ENIs, maxOverrideCount)
	}
	if ov.IPv4PerENI < 0 || ov.IPv4PerENI == 1 || ov.IPv4PerENI > maxOverrideCount {
		return nil, specErrorf("--ipv4-per-eni %d: want 2 to %d (the primary address included)", ov.IPv4PerENI, maxOverrideCount)
	}
	if ov.Policy == "" && len(ov.PolicyParams) > 0 {
		return nil, specErrorf("--policy-set needs --policy")
	}
	if ov.Policy != "" {
		// Check the policy and its parameters once, before any node.
		if err := CheckPolicyParams(ov.PolicyParams); err != nil {
			return nil, err
		}
		if _, err := ipam.NewPolicy(ov.Policy, ov.PolicyParams); err != nil {
			if _, perr := ipam.PolicyParams(ov.Policy); perr != nil {
				return nil, fmt.Errorf("--policy: %w", err)
			}
			return nil, fmt.Errorf("--policy-set: %w", err)
		}
	}
	env, err := readEnvFile(ov.EnvFile)
	if err != nil {
		return nil, err
	}
	b := builder{req: &req, env: env}
	s.Overridden = b.overridden()
	if sc != nil && sc.IsCluster() {
		if ov.Subnet != "" {
			return nil, specErrorf("--subnet: scenario %s is a cluster: its subnets are its subnet: lines", sc.Name)
		}
		spec, err := b.cluster(s.Variant, order, profile)
		if err != nil {
			return nil, err
		}
		s.Cluster = spec
		s.Warnings = clusterWarnings(sc, spec, ov.InstanceType)
		return s, nil
	}
	spec, err := b.node(s.Variant, order, profile)
	if err != nil {
		return nil, err
	}
	spec.Drain, spec.WarmUp = s.Drain, s.WarmUp
	s.Node = spec
	return s, nil
}

// builder turns a request into node and cluster specs.
type builder struct {
	req *Request
	env []byte // the --env-file's body; nil without one
}

// settings applies the scenario's part (scenario), then the env file, then
// each --set, checking the aws-node entrypoint's refusals under
// StrictEntrypoint.
func (b *builder) settings(scenario func(*ipam.Settings) error) (ipam.Settings, error) {
	ov := &b.req.Overrides
	st := ipam.DefaultSettings()
	if err := scenario(&st); err != nil {
		return st, err
	}
	if b.env != nil {
		if err := ipam.ParseEnvFile(ov.EnvFile, string(b.env), &st); err != nil {
			return st, err
		}
	}
	for _, kv := range ov.Settings {
		k, v, err := ipam.ParseAssignment("--set", kv)
		if err != nil {
			return st, err
		}
		if err := st.Set("--set", k, v); err != nil {
			return st, err
		}
	}
	if w := st.EntrypointWarnings(); len(w) > 0 && ov.StrictEntrypoint {
		return st, specErrorf("--strict-entrypoint: %s", w[0])
	}
	return st, nil
}

// maxPodsFrom is the max-pods rule: the override's, else the scenario's
// (checked by Prepare and the scenario parser).
func (b *builder) maxPodsFrom() catalog.MaxPodsFrom {
	from := b.req.MaxPodsFrom
	if from == "" && b.req.Scenario != nil {
		from = b.req.Scenario.MaxPodsFrom
	}
	return catalog.MaxPodsFrom(from)
}

// policy returns a fresh policy (nil: the VPC CNI).
func (b *builder) policy() ipam.Policy {
	ov := &b.req.Overrides
	if ov.Policy == "" {
		return nil
	}
	p, _ := ipam.NewPolicy(ov.Policy, ov.PolicyParams) // checked by Prepare
	return p
}

func (b *builder) node(variant string, order ipam.AssignOrder, profile ec2.Profile) (*Spec, error) {
	sc, ov := b.req.Scenario, &b.req.Overrides
	typeName, maxPods := DefaultInstanceType, 0
	if sc != nil {
		typeName, maxPods = sc.InstanceType, sc.MaxPods
	}
	if ov.InstanceType != "" {
		typeName = ov.InstanceType
	}
	if ov.MaxPods > 0 {
		maxPods = ov.MaxPods
	}
	inst, err := instanceType(typeName, ov.ENIs, ov.IPv4PerENI)
	if err != nil {
		switch {
		case ov.InstanceType != "":
			return nil, fmt.Errorf("--instance-type: %w", err)
		case sc != nil:
			return nil, fmt.Errorf("%s: instance-type: %w", sc.Source, err)
		}
		return nil, err
	}
	settings, err := b.settings(func(st *ipam.Settings) error {
		if sc == nil {
			return nil
		}
		return sc.ApplySettings(st, variant)
	})
	if err != nil {
		return nil, err
	}
	spec := &Spec{Instance: inst, Settings: settings, MaxPods: maxPods, MaxPodsFrom: b.maxPodsFrom(), Order: order,
		Profile: profile, Seed: ov.Seed, Policy: b.policy()}
	if ov.Subnet != "" {
		p, err := netip.ParsePrefix(ov.Subnet)
		if err == nil {
			_, err = vpc.NewSubnet(p)
		}
		if err != nil {
			return nil, specErrorf("--subnet: %v", err)
		}
		if p != p.Masked() {
			return nil, specErrorf("--subnet %s: host bits set (the subnet is %s)", ov.Subnet, p.Masked())
		}
		spec.Subnet = p
	}
	return spec, nil
}

func (b *builder) cluster(variant string, order ipam.AssignOrder, profile ec2.Profile) (*cluster.Spec, error) {
	sc, ov := b.req.Scenario, &b.req.Overrides
	placement, err := cluster.ParsePlacement(sc.Placement)
	if err != nil {
		return nil, &SpecError{err}
	}
	spec := &cluster.Spec{Placement: placement, Order: order, Profile: profile, Seed: ov.Seed}
	for _, sn := range sc.Subnets {
		spec.Subnets = append(spec.Subnets, cluster.SubnetSpec{Name: sn.Name, CIDR: sn.CIDR,
			PrefixReservations: sn.Reserve, ForeignEvery: sn.ForeignEvery, CNI: sn.CNI})
	}
	for _, g := range sc.Groups {
		typeName := g.InstanceType
		if ov.InstanceType != "" {
			typeName = ov.InstanceType
		}
		inst, err := instanceType(typeName, ov.ENIs, ov.IPv4PerENI)
		if err != nil {
			if ov.InstanceType != "" {
				return nil, fmt.Errorf("--instance-type: %w", err)
			}
			return nil, fmt.Errorf("%s:%d: group %s: %w", sc.Source, g.Line(), g.Name, err)
		}
		settings, err := b.settings(func(st *ipam.Settings) error { return sc.GroupSettings(st, variant, g) })
		if err != nil {
			return nil, err
		}
		gs := cluster.GroupSpec{Name: g.Name, Instance: inst, Count: g.Count, Settings: settings,
			MaxPods: g.MaxPods, MaxPodsFrom: b.maxPodsFrom(), DaemonSetPods: g.DaemonSetPods, Subnets: g.Subnets, PodSubnet: g.PodSubnet,
			JoinAt: sim.Time(g.Join), JoinStagger: sim.Time(g.Stagger), LeaveAt: sim.Time(g.Leave),
			Policy: b.policy()}
		if ov.MaxPods > 0 {
			gs.MaxPods = ov.MaxPods
		}
		if g.AutoscaleMax > 0 {
			gs.Autoscale = &cluster.Autoscale{Max: g.AutoscaleMax, BootDelay: sim.Time(g.BootDelay)}
		}
		spec.Groups = append(spec.Groups, gs)
	}
	return spec, nil
}

// clusterWarnings says what a cluster run would otherwise keep quiet about:
// the groups' settings that the aws-node entrypoint refuses (a cluster's
// nodes do not report their own warnings), and an --instance-type that makes
// groups of different types one type.
func clusterWarnings(sc *scenarios.Scenario, spec *cluster.Spec, override string) []string {
	var out []string
	types := map[string]bool{}
	for i, g := range spec.Groups {
		for _, w := range g.Settings.EntrypointWarnings() {
			out = append(out, fmt.Sprintf("group %s: %s", g.Name, w))
		}
		types[sc.Groups[i].InstanceType] = true
	}
	if override != "" && len(types) > 1 {
		var names []string
		for _, g := range sc.Groups {
			names = append(names, g.Name+" "+g.InstanceType)
		}
		out = append(out, fmt.Sprintf("--instance-type %s replaces the types of every group (%s)", override, strings.Join(names, ", ")))
	}
	return out
}

// overridden lists the overrides that change what the scenario's question is
// about: its node (type, limits, max pods), its settings or its policy.
func (b *builder) overridden() []string {
	sc, ov := b.req.Scenario, &b.req.Overrides
	if sc == nil {
		return nil
	}
	var out []string
	add := func(flag string, v any) { out = append(out, fmt.Sprintf("%s %v", flag, v)) }
	if t := ov.InstanceType; t != "" {
		differs := !sc.IsCluster() && t != sc.InstanceType
		for _, g := range sc.Groups {
			differs = differs || t != g.InstanceType
		}
		if differs {
			add("--instance-type", t)
		}
	}
	if ov.ENIs > 0 {
		add("--enis", ov.ENIs)
	}
	if ov.IPv4PerENI > 0 {
		add("--ipv4-per-eni", ov.IPv4PerENI)
	}
	if ov.MaxPods > 0 && ov.MaxPods != sc.MaxPods {
		add("--max-pods", ov.MaxPods)
	}
	if f := ov.MaxPodsFrom; f != "" && f != cmp.Or(sc.MaxPodsFrom, string(catalog.FromEKS)) {
		add("--max-pods-from", f)
	}
	if ov.EnvFile != "" {
		add("--env-file", ov.EnvFile)
	}
	for _, kv := range ov.Settings {
		add("--set", kv)
	}
	if ov.Policy != "" && ov.Policy != "vpc-cni" {
		add("--policy", ov.Policy)
	}
	return out
}

// instanceType looks a type up and applies the --enis and --ipv4-per-eni
// overrides; with both, an unknown name describes a custom type.
func instanceType(name string, enis, ipv4PerENI int) (catalog.InstanceType, error) {
	inst, err := catalog.Lookup(name)
	if err != nil {
		if enis > 0 && ipv4PerENI > 0 {
			it, cerr := catalog.Custom(name, enis, ipv4PerENI)
			if cerr != nil {
				return it, &SpecError{cerr}
			}
			return it, nil
		}
		return inst, err
	}
	if enis > 0 {
		inst.MaxENIs = enis
	}
	if ipv4PerENI > 0 {
		inst.IPv4PerENI = ipv4PerENI
	}
	return inst, nil
}

// maxEnvFile is the largest --env-file read, in bytes.
const maxEnvFile = 1 << 20

// readEnvFile reads the env file ("": none) with a size cap: a regular
// file (a FIFO or a device could block, or never end).
func readEnvFile(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, specErrorf("--env-file: %v", err)
	}
	if st.IsDir() {
		return nil, specErrorf("--env-file: %s is a directory, not a file of KEY=VALUE lines", path)
	}
	if !st.Mode().IsRegular() {
		return nil, specErrorf("--env-file: %s is not a regular file (%s); want a file of KEY=VALUE lines", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, specErrorf("--env-file: %v", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err != nil {
		return nil, specErrorf("--env-file: %v", err)
	}
	if len(body) > maxEnvFile {
		return nil, specErrorf("--env-file: %s is larger than %d bytes; want KEY=VALUE lines", path, maxEnvFile)
	}
	return body, nil
}

func specErrorf(format string, a ...any) error { return &SpecError{fmt.Errorf(format, a...)} }

// IsCluster reports whether the setup runs a cluster.
func (s *Setup) IsCluster() bool { return s.Cluster != nil }

// Workload names what the run replays: "scenario NAME" or "trace PATH".
func (s *Setup) Workload() string {
	if s.Scenario != nil {
		return "scenario " + s.Scenario.Name
	}
	return "trace " + s.TraceName
}

// Question returns the scenario's question, or "" when there is no scenario
// or overrides changed what it asks about (Overridden): a question naming
// the scenario's m5.large must not head a run on a c5.xlarge.
func (s *Setup) Question() string {
	if s.Scenario == nil || len(s.Overridden) > 0 {
		return ""
	}
	return s.Scenario.Question
}

// Heading is the line that introduces a scenario's run: "NAME: QUESTION",
// or "NAME, overridden: FLAGS..." when Question is "". "" for a trace.
func (s *Setup) Heading() string {
	switch {
	case s.Scenario == nil:
		return ""
	case s.Question() != "":
		return s.Scenario.Name + ": " + s.Question()
	}
	return s.Scenario.Name + ", overridden: " + strings.Join(s.Overridden, " ")
}

// Open returns a fresh reader of the run's workload (the scenario's,
// generated from the setup's seed, or the trace). Close it if it is an
// io.Closer and the run stops early.
func (s *Setup) Open() (scenarios.Reader, error) { return s.open() }

// Execute runs a single-node setup with opt (opt.Drain 0: the setup's).
func (s *Setup) Execute(opt Options) (*Outcome, error) {
	if s.Node == nil {
		return nil, errors.New("replay: Execute of a cluster setup")
	}
	src, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer closeReader(src)
	if opt.Drain == 0 {
		opt.Drain = s.Drain
	}
	return Execute(*s.Node, src, opt)
}

// ExecuteCluster runs a cluster setup with opt (opt.Drain 0: the setup's).
func (s *Setup) ExecuteCluster(opt ClusterOptions) (*ClusterOutcome, error) {
	if s.Cluster == nil {
		return nil, errors.New("replay: ExecuteCluster of a single-node setup")
	}
	src, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer closeReader(src)
	if opt.Drain == 0 {
		opt.Drain = s.Drain
	}
	if opt.WarmUp == 0 {
		opt.WarmUp = s.WarmUp
	}
	return ExecuteCluster(*s.Cluster, src, opt)
}

func closeReader(r scenarios.Reader) {
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}

// ClusterOutcome is a finished cluster run.
type ClusterOutcome struct {
	Cluster *cluster.Cluster
	Summary ClusterSummary
}

// ExecuteCluster builds the cluster a spec describes and replays src against
// it. Errors in the spec are *SpecError; errors in the trace are
// *scenarios.ParseError or *Error.
func ExecuteCluster(spec cluster.Spec, src scenarios.Reader, opt ClusterOptions) (*ClusterOutcome, error) {
	eng := sim.NewEngineAt(-opt.WarmUp)
	c, err := cluster.New(eng, spec)
	if err != nil {
		return nil, &SpecError{err}
	}
	sum, err := RunCluster(eng, c, src, opt, spec.Profile.Name, spec.Placement.String(), spec.Seed)
	if err != nil {
		return nil, err
	}
	return &ClusterOutcome{Cluster: c, Summary: sum}, nil
}

// CheckPolicyParams refuses policy parameter values that are NaN or
// infinite: a policy's numbers are finite, and a NaN compares false with
// every bound its policy checks (a jitter factor of NaN looped forever).
func CheckPolicyParams(params map[string]string) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if f, err := strconv.ParseFloat(strings.TrimSpace(params[k]), 64); (err == nil || errors.Is(err, strconv.ErrRange)) && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return specErrorf("--policy-set %s=%s: want a finite number", k, params[k])
		}
	}
	return nil
}
