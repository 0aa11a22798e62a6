package plan

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
	"github.com/ipamsim/ipamsim/sim"
)

// Defaults of a plan's autoscaled group (a trace or a single-node scenario).
const (
	// DefaultBootDelay is the time from an autoscaler's launch to the node
	// joining: an assumption (EC2 launch, boot and kubelet registration
	// typically take about a minute); --boot-delay sets one's own.
	DefaultBootDelay = time.Minute
	// GroupName names the autoscaled group.
	GroupName = "nodes"
)

// Spec is a plan as the command line gives it.
type Spec struct {
	// Workload is a scenario (single node or cluster) or a trace.
	Workload *sweep.Workload
	// Subnets are the autoscaled group's subnets for a trace (required) or a
	// single-node scenario (default 10.0.0.0/16); a cluster scenario has its
	// own and takes none.
	Subnets []netip.Prefix
	// Candidates are instance type names (ExpandCandidates resolves globs).
	Candidates []string
	// Grid holds --grid KEY=ITEMS arguments and Settings --set KEY=VALUE
	// ones, as sweep takes them.
	Grid, Settings []string
	EC2            string         // EC2 profile; "": the scenario's, else default
	EC2ProfileFile string         // --ec2-profile: latencies laid over EC2's; "": none
	Seed           uint64         // the plan's seed (sweep.PointSeed)
	Drain          *time.Duration // nil: the scenario's, else replay.DefaultDrain
	// DaemonSet are the daemonset pods' requests on every node; nil: the
	// groups' own (cluster.DefaultDaemonSetRequests).
	DaemonSet *cluster.Requests
	// BootDelay (0: DefaultBootDelay) and MaxNodes (0: as many as the
	// subnets have addresses) shape the autoscaled group.
	BootDelay time.Duration
	MaxNodes  int
	// Prices prices the candidates (catalog.PricesFor).
	Prices    *catalog.PriceTable
	Objective Objective
}

// Objective is what a candidate must meet to be recommended.
type Objective struct {
	// MaxP99Wait is the highest p99 pod IP wait; 0: no objective (no
	// recommendation).
	MaxP99Wait time.Duration
	// MinFreeAddresses is the fewest free addresses any subnet may be left
	// with at any time; 0: no such limit.
	MinFreeAddresses int
}

type objectiveJSON struct {
	MaxP99Wait       string `json:"max_p99_wait,omitempty"`
	MinFreeAddresses int    `json:"min_free_addresses,omitempty"`
}

// MarshalJSON spells the wait as a Go duration ("5s").
func (o Objective) MarshalJSON() ([]byte, error) {
	j := objectiveJSON{MinFreeAddresses: o.MinFreeAddresses}
	if o.MaxP99Wait > 0 {
		j.MaxP99Wait = o.MaxP99Wait.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (o *Objective) UnmarshalJSON(b []byte) error {
	var j objectiveJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Objective{MinFreeAddresses: j.MinFreeAddresses}
	if j.MaxP99Wait != "" {
		d, err := time.ParseDuration(j.MaxP99Wait)
		if err != nil || d <= 0 {
			return fmt.Errorf("objective max_p99_wait %q is not a positive duration", j.MaxP99Wait)
		}
		o.MaxP99Wait = d
	}
	if o.MinFreeAddresses < 0 {
		return fmt.Errorf("objective min_free_addresses %d is negative", o.MinFreeAddresses)
	}
	return nil
}

// Set reports whether there is an objective.
func (o Objective) Set() bool { return o.MaxP99Wait > 0 }

// String spells the objective: "p99 pod IP wait <= 5s, >= 50 free addresses".
func (o Objective) String() string {
	s := "p99 pod IP wait <= " + o.MaxP99Wait.String()
	if o.MinFreeAddresses > 0 {
		s += fmt.Sprintf(", every subnet keeps >= %d free addresses", o.MinFreeAddresses)
	}
	return s + ", every pod placed and given an address"
}

// Error is a plan that cannot run as specified (an input error); Flag names
// the flag at fault.
type Error struct {
	Flag string
	Msg  string
}

func (e *Error) Error() string { return e.Flag + ": " + e.Msg }

func errorf(flag, format string, a ...any) error {
	return &Error{Flag: flag, Msg: fmt.Sprintf(format, a...)}
}

// MaxCandidates bounds the instance types of one plan, and MaxPoints its
// runs (candidates × grid settings).
const (
	MaxCandidates = 200
	MaxPoints     = 100_000
)

// ExpandCandidates resolves instance type names and globs (path.Match
// patterns such as m6i.*) into candidates, in the order given, each once. A
// name must be a known type with vCPU and memory data and a price in prices;
// a glob takes the matching types that have both, smallest first (by vCPUs,
// then memory), and must match at least one. Errors are *Error or *catalog.UnknownTypeError.
func ExpandCandidates(args []string, prices *catalog.PriceTable) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, arg := range args {
		for _, a := range strings.Split(arg, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				return nil, errorf("--instance-types", "an empty name in %q", arg)
			}
			if !strings.ContainsAny(a, "*?[") {
				t, err := catalog.Lookup(a)
				if err != nil {
					return nil, err
				}
				if err := usable(t, prices); err != nil {
					return nil, errorf("--instance-types", "%v", err)
				}
				add(a)
				continue
			}
			if _, err := path.Match(a, ""); err != nil {
				return nil, errorf("--instance-types", "%q is not a glob: %v", a, err)
			}
			var match []catalog.InstanceType
			for _, t := range catalog.All() {
				if ok, _ := path.Match(a, t.Name); ok && usable(t, prices) == nil {
					match = append(match, t)
				}
			}
			// Smallest first: by vCPUs, memory, then name.
			slices.SortStableFunc(match, func(x, y catalog.InstanceType) int {
				return cmp.Or(cmp.Compare(x.VCPUs, y.VCPUs), cmp.Compare(x.MemoryMiB, y.MemoryMiB), strings.Compare(x.Name, y.Name))
			})
			for _, t := range match {
				add(t.Name)
			}
			if len(match) == 0 {
				return nil, errorf("--instance-types", "%q matches no instance type with vCPU, memory and price data", a)
			}
		}
	}
	if len(out) == 0 {
		return nil, errorf("--instance-types", "no candidates: give instance types or globs, e.g. m5.large,m6i.*")
	}
	if len(out) > MaxCandidates {
		return nil, errorf("--instance-types", "%d candidates, at most %d", len(out), MaxCandidates)
	}
	return out, nil
}

// usable says why a type cannot be a candidate ("" error: it can).
func usable(t catalog.InstanceType, prices *catalog.PriceTable) error {
	if !t.HasResources {
		return &catalog.NoResourceDataError{Type: t.Name}
	}
	if _, err := prices.Price(t.Name); err != nil {
		return fmt.Errorf("%v (give it in a --prices file)", err)
	}
	return nil
}

// Plan is a validated plan, ready to run.
type Plan struct {
	Header
	// Progress, if not nil, gets a progress line (internal/progress) while
	// Run runs: candidates done of the total, rate and ETA.
	Progress io.Writer
	spec     Spec
	points   []sweep.Point
	drain    time.Duration
}

// Header is what defines a plan's points and figures: it heads every
// document, and shards merge only when theirs are identical.
type Header struct {
	Workload sweep.WorkloadRef `json:"workload"`
	// Group describes the autoscaled group a trace or single-node scenario
	// runs as; "" for a cluster scenario.
	Group        string     `json:"autoscaled_group,omitempty"`
	Subnets      []string   `json:"subnets"`
	SubnetFree   int        `json:"subnet_free_addresses"` // free when the run starts, all subnets
	EC2Profile   string     `json:"ec2_profile"`
	Seed         uint64     `json:"seed"`
	Drain        string     `json:"drain"`
	BaseSettings []string   `json:"base_settings"`
	Grid         sweep.Grid `json:"grid"`
	DaemonSet    Size       `json:"daemonset_requests"`
	Prices       string     `json:"prices"`
	Objective    Objective  `json:"objective"`
	// PodSize is the workload's most common pod size, which pods per node
	// and the steady-state addresses are worked out for.
	PodSize PodSize `json:"pod_size"`
	// Rows are the candidates' static figures, one per type and setting
	// combination in point order.
	Rows []Row `json:"rows"`
}

// Size is a CPU and memory request.
type Size struct {
	CPUMilli    int64 `json:"cpu_millicores"`
	MemoryBytes int64 `json:"memory_bytes"`
}

func sizeOf(r cluster.Requests) Size { return Size{r.CPUMilli, r.MemoryBytes} }

func (s Size) requests() cluster.Requests {
	return cluster.Requests{CPUMilli: s.CPUMilli, MemoryBytes: s.MemoryBytes}
}

// String spells the size as Kubernetes quantities: "500m CPU, 512Mi memory".
func (s Size) String() string {
	if s.CPUMilli == 0 && s.MemoryBytes == 0 {
		return "nothing"
	}
	cpu, mem := "no CPU", "no memory"
	if s.CPUMilli > 0 {
		cpu = cpuText(s.CPUMilli) + " CPU"
	}
	if s.MemoryBytes > 0 {
		mem = memText(s.MemoryBytes) + " memory"
	}
	return cpu + ", " + mem
}

func cpuText(m int64) string {
	if m%1000 == 0 {
		return fmt.Sprint(m / 1000)
	}
	return fmt.Sprintf("%dm", m)
}

func memText(b int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b >= u.n && b%u.n == 0 {
			return fmt.Sprintf("%d%s", b/u.n, u.s)
		}
	}
	return fmt.Sprint(b)
}

// PodSize is the pod request a plan sizes nodes for.
type PodSize struct {
	Size
	Pods  int `json:"pods"`  // pods of this size in the workload
	Total int `json:"total"` // pods in the workload
}

// Row is a candidate's figures that do not need a run: its type, price,
// pods per node and steady-state addresses.
type Row struct {
	InstanceType string   `json:"instance_type"`
	Settings     []string `json:"settings"`
	VCPUs        int      `json:"vcpus"`
	MemoryMiB    int      `json:"memory_mib"`
	USDPerNode   float64  `json:"usd_per_node_hour"`
	MaxPods      int      `json:"max_pods"`
	// Allocatable is the kubelet's allocatable CPU and memory (before the
	// daemonset pods).
	Allocatable Size `json:"allocatable"`
	// PodsPerNode pods of PodSize fit on one node, limited by Limit.
	PodsPerNode int    `json:"pods_per_node"`
	Limit       string `json:"pods_per_node_limit"`
	// AddressesPerNode is what one node holds of its subnet with
	// PodsPerNode pods once its pool settles (ENI primary addresses, pods'
	// and warm addresses or prefixes); SubnetNodes how many such nodes the
	// subnets' free addresses hold.
	AddressesPerNode int `json:"addresses_per_node"`
	SubnetNodes      int `json:"subnet_capacity_nodes"`
}

// Build checks a spec and works out every candidate's static figures.
// Errors are input errors: *Error, *sweep.GridError, *catalog.UnknownTypeError,
// *replay.SpecError, *ipam.SettingError or a scenario's *scenarios.ParseError.
func Build(spec Spec) (*Plan, error) {
	w := spec.Workload
	if w == nil || w.Scenario == nil && w.Trace == nil {
		return nil, errors.New("plan: no workload")
	}
	if spec.Prices == nil {
		return nil, errors.New("plan: no prices")
	}
	switch {
	case w.IsCluster() && len(spec.Subnets) > 0:
		return nil, errorf("--subnet", "scenario %s is a cluster: its subnets are its subnet: lines", w.Scenario.Name)
	case w.Trace != nil && len(spec.Subnets) == 0:
		return nil, errorf("--subnet", "a trace needs the subnets its nodes draw addresses from, e.g. --subnet 10.0.0.0/23")
	case !w.IsCluster() && len(spec.Subnets) == 0:
		spec.Subnets = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}
	}
	for i, p := range spec.Subnets {
		if _, err := vpc.NewSubnet(p); err != nil {
			return nil, errorf("--subnet", "%v", err)
		}
		for _, q := range spec.Subnets[:i] {
			if p.Overlaps(q) {
				return nil, errorf("--subnet", "%s overlaps %s", p, q)
			}
		}
	}
	if spec.BootDelay < 0 || spec.BootDelay > scenarios.MaxDuration {
		return nil, errorf("--boot-delay", "%s: want 0 to %s", spec.BootDelay, scenarios.MaxDuration)
	}
	if spec.BootDelay == 0 {
		spec.BootDelay = DefaultBootDelay
	}
	if spec.MaxNodes < 0 {
		return nil, errorf("--max-nodes", "%d: must not be negative", spec.MaxNodes)
	}
	if d := spec.DaemonSet; d != nil && (d.CPUMilli < 0 || d.MemoryBytes < 0) {
		return nil, errorf("--daemonset-cpu", "daemonset requests must not be negative")
	}
	if o := spec.Objective; o.MaxP99Wait < 0 || o.MinFreeAddresses < 0 {
		return nil, errorf("--max-p99-wait", "the objective must not be negative")
	}
	if spec.Objective.MinFreeAddresses > 0 && !spec.Objective.Set() {
		return nil, errorf("--min-free-addresses", "needs --max-p99-wait")
	}
	for _, c := range spec.Candidates {
		t, err := catalog.Lookup(c)
		if err != nil {
			return nil, err
		}
		if err := usable(t, spec.Prices); err != nil {
			return nil, errorf("--instance-types", "%v", err)
		}
	}
	g, err := sweep.ParseGrid(sweep.GridSpec{Grid: spec.Grid, InstanceTypes: spec.Candidates, Base: spec.Settings})
	if err != nil {
		return nil, err
	}
	if n := g.Len(); n > MaxPoints {
		return nil, errorf("--grid", "%d candidates × settings, at most %d", n, MaxPoints)
	}
	pl := &Plan{spec: spec}
	pl.Workload, pl.Seed, pl.Grid = w.Ref, spec.Seed, *g
	pl.Objective = spec.Objective
	pl.Prices = spec.Prices.Source()
	for _, kv := range spec.Settings {
		k, v, _ := ipam.ParseAssignment("--set", kv)
		pl.BaseSettings = append(pl.BaseSettings, k+"="+v)
	}
	pl.points = g.Points(spec.Seed)

	// The first point settles what every point shares: the EC2 profile, the
	// drain, the subnets; its workload gives the pod size.
	first, err := pl.prepare(&pl.points[0])
	if err != nil {
		return nil, err
	}
	pl.drain = time.Duration(first.Drain)
	pl.Drain = pl.drain.String()
	pl.EC2Profile = first.Cluster.Profile.Name
	if !w.IsCluster() {
		a := first.Cluster.Groups[0].Autoscale
		pl.Group = fmt.Sprintf("one group (%q) from 0 nodes, autoscaled up to %d, %s from launch to joining; least-allocated placement",
			GroupName, a.Max, time.Duration(a.BootDelay))
	}
	ds := cluster.DefaultDaemonSetRequests
	if spec.DaemonSet != nil {
		ds = *spec.DaemonSet
	}
	pl.DaemonSet = sizeOf(ds)
	free, err := subnetsFree(first.Cluster)
	if err != nil {
		return nil, err
	}
	for _, sn := range first.Cluster.Subnets {
		pl.Subnets = append(pl.Subnets, sn.CIDR.String())
	}
	for _, f := range free {
		pl.SubnetFree += f
	}
	if pl.PodSize, err = podSize(first); err != nil {
		return nil, err
	}
	// One row per combination: the points in order (one repetition each).
	for i := range pl.points {
		s := first
		if i > 0 {
			if s, err = pl.prepare(&pl.points[i]); err != nil {
				return nil, err
			}
		}
		r, err := pl.row(&pl.points[i], s, free)
		if err != nil {
			return nil, err
		}
		pl.Rows = append(pl.Rows, r)
	}
	return pl, nil
}

// prepare builds a point's run as a cluster: the scenario's cluster with the
// point's type, or the single node as an autoscaled group.
func (pl *Plan) prepare(p *sweep.Point) (*replay.Setup, error) {
	sp, w := &pl.spec, pl.spec.Workload
	ov := replay.Overrides{InstanceType: p.InstanceType, EC2: sp.EC2, EC2ProfileFile: sp.EC2ProfileFile, Seed: p.Seed, Drain: sp.Drain,
		Settings: append(append(make([]string, 0, len(sp.Settings)+len(p.Settings)), sp.Settings...), p.Settings...)}
	req := replay.Request{Overrides: ov}
	if w.Scenario != nil {
		req.Scenario, req.Variant = w.Scenario, w.Ref.Variant
	} else {
		req.Trace, req.TraceName = w.Trace.Open, w.Trace.Name
	}
	s, err := replay.Prepare(req)
	if err != nil {
		return nil, err
	}
	if s.Node != nil {
		s.Cluster = pl.autoscaledGroup(s.Node)
		s.Node = nil
	}
	if sp.DaemonSet != nil {
		for i := range s.Cluster.Groups {
			d := *sp.DaemonSet
			s.Cluster.Groups[i].DaemonSetRequests = &d
		}
	}
	return s, nil
}

// autoscaledGroup is the cluster a single node's run becomes: one group of
// its type and settings, from 0 nodes, autoscaled in the plan's subnets
// (nodes spread over them in turn), least-allocated placement.
func (pl *Plan) autoscaledGroup(n *replay.Spec) *cluster.Spec {
	sp := &pl.spec
	spec := &cluster.Spec{Placement: cluster.LeastAllocated, Order: n.Order, Profile: n.Profile, Seed: n.Seed}
	var names []string
	room := 0
	for i, p := range sp.Subnets {
		name := fmt.Sprintf("subnet-%d", i+1)
		names = append(names, name)
		spec.Subnets = append(spec.Subnets, cluster.SubnetSpec{Name: name, CIDR: p})
		room += 1 << (32 - p.Bits())
	}
	maxNodes := sp.MaxNodes
	if maxNodes == 0 {
		maxNodes = room // every node needs an address; the subnets run out first
	}
	spec.Groups = []cluster.GroupSpec{{Name: GroupName, Instance: n.Instance, Settings: n.Settings, MaxPods: n.MaxPods,
		DaemonSetPods: 2, Subnets: names, Policy: n.Policy,
		Autoscale: &cluster.Autoscale{Max: maxNodes, BootDelay: sim.Time(sp.BootDelay)}}}
	return spec
}

// subnetsFree returns each subnet's free addresses when the run starts
// (after reservations and foreign addresses are taken).
func subnetsFree(spec *cluster.Spec) ([]int, error) {
	c, err := cluster.New(sim.NewEngine(), *spec)
	if err != nil {
		return nil, &replay.SpecError{Err: err}
	}
	var free []int
	for _, sn := range c.Subnets() {
		free = append(free, sn.Space.Free()+sn.Space.ReservedFree())
	}
	return free, nil
}

// podSize reads the workload once and returns its most common pod size (of
// equal counts the larger CPU, then memory).
func podSize(s *replay.Setup) (PodSize, error) {
	src, err := s.Open()
	if err != nil {
		return PodSize{}, err
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	count := map[Size]int{}
	total := 0
	for {
		ev, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return PodSize{}, err
		}
		if ev.Op == scenarios.OpDel {
			continue
		}
		count[Size{ev.CPUMilli, ev.MemoryBytes}]++
		total++
	}
	var best PodSize
	for sz, n := range count {
		if n > best.Pods || n == best.Pods && (sz.CPUMilli > best.CPUMilli || sz.CPUMilli == best.CPUMilli && sz.MemoryBytes > best.MemoryBytes) {
			best = PodSize{Size: sz, Pods: n}
		}
	}
	best.Total = total
	return best, nil
}

// row works out a candidate's static figures from its point's setup.
func (pl *Plan) row(p *sweep.Point, s *replay.Setup, free []int) (Row, error) {
	gs := s.Cluster.Groups[0]
	shape, err := cluster.GroupShape(gs, s.Cluster.Profile)
	if err != nil {
		return Row{}, &replay.SpecError{Err: err}
	}
	price, err := pl.spec.Prices.Price(p.InstanceType)
	if err != nil {
		return Row{}, errorf("--instance-types", "%v", err)
	}
	n, limit := shape.PodsPerNode(pl.PodSize.requests())
	r := Row{InstanceType: p.InstanceType, Settings: p.Settings, VCPUs: gs.Instance.VCPUs, MemoryMiB: gs.Instance.MemoryMiB,
		USDPerNode: price, MaxPods: shape.MaxPods, Allocatable: sizeOf(shape.Allocatable), PodsPerNode: n, Limit: string(limit)}
	if r.AddressesPerNode, err = steadyAddresses(gs, s.Cluster, n); err != nil {
		return Row{}, err
	}
	for _, f := range free {
		r.SubnetNodes += f / max(r.AddressesPerNode, 1)
	}
	return r, nil
}

// steadyAddresses runs one node of the group alone with pods pods, added at
// once, EC2 instant, until its pool settles (10 minutes), and returns the
// addresses it then holds of its subnet: its ENIs' primary addresses and
// the secondary addresses or /28 prefixes for its pods and warm pool.
func steadyAddresses(gs cluster.GroupSpec, cs *cluster.Spec, pods int) (int, error) {
	prof, err := ec2.ProfileByName("zero")
	if err != nil {
		return 0, err
	}
	var evs []scenarios.Event
	for i := range pods {
		evs = append(evs, scenarios.Event{At: sim.Second, Op: scenarios.OpAdd, PodName: fmt.Sprintf("pod-%d", i)})
	}
	for i := range evs {
		evs[i].Pod = []byte(evs[i].PodName)
	}
	subnet := netip.MustParsePrefix("10.0.0.0/16")
	out, err := replay.Execute(replay.Spec{Instance: gs.Instance, Settings: gs.Settings, MaxPods: gs.MaxPods,
		Order: cs.Order, Profile: prof, Subnet: subnet, Seed: cs.Seed, Drain: 10 * sim.Minute}, (*eventList)(&evs), replay.Options{})
	if err != nil {
		return 0, err
	}
	sp := out.Node.Subnet()
	fresh, _ := vpc.NewSubnet(subnet)
	return fresh.Free() - sp.Free() - sp.ReservedFree(), nil
}

// eventList replays events held in memory.
type eventList []scenarios.Event

func (l *eventList) Next() (scenarios.Event, error) {
	if len(*l) == 0 {
		return scenarios.Event{}, io.EOF
	}
	ev := (*l)[0]
	*l = (*l)[1:]
	return ev, nil
}

// Points returns the plan's points (candidate type × grid setting), in order.
func (pl *Plan) Points() []sweep.Point { return slices.Clone(pl.points) }

// PointResult is one point's run.
type PointResult struct {
	Index        int                   `json:"index"`
	InstanceType string                `json:"instance_type"`
	Settings     []string              `json:"settings"`
	Seed         uint64                `json:"seed"`
	Warnings     []string              `json:"warnings,omitempty"`
	Summary      replay.ClusterSummary `json:"summary"`
}

// Run runs the points of the shard (the zero Shard: all) on workers
// goroutines (0: one per CPU) and returns the document, its points in index
// order whatever the scheduling. The first failing point (lowest index)
// stops the run.
func (pl *Plan) Run(workers int, shard sweep.Shard) (*Document, error) {
	if !shard.Whole() {
		if err := shard.Validate("--shard"); err != nil {
			return nil, err
		}
	}
	var pts []sweep.Point
	for _, p := range pl.points {
		if shard.Contains(p.Index) {
			pts = append(pts, p)
		}
	}
	results := make([]PointResult, len(pts))
	errs := make([]error, len(pts))
	run := func(i int) error {
		p := &pts[i]
		s, err := pl.prepare(p)
		if err != nil {
			return err
		}
		out, err := s.ExecuteCluster(replay.ClusterOptions{})
		if err != nil {
			return err
		}
		results[i] = PointResult{Index: p.Index, InstanceType: p.InstanceType, Settings: p.Settings, Seed: p.Seed,
			Warnings: s.Warnings, Summary: out.Summary}
		return nil
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, len(pts)))
	var next, done atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(pts) {
					return
				}
				if err := sweep.RunRecovered(run, i); err != nil {
					errs[i] = err
					failed.Store(true)
				}
				done.Add(1)
			}
		}()
	}
	line := progress.Start(pl.Progress, progress.Bar("plan", "runs", len(pts), &done))
	wg.Wait()
	line.Stop()
	// Points are handed out in index order, so every point before the first
	// failure has run: the lowest failing index does not depend on timing.
	for i, err := range errs {
		if err != nil {
			return nil, &sweep.PointError{Index: pts[i].Index, Point: pts[i].Canonical(), Err: err}
		}
	}
	doc := &Document{Format: FormatVersion, Header: pl.Header, PointsTotal: len(pl.points), Points: results}
	if !shard.Whole() {
		sh := shard
		doc.Shard = &sh
	}
	doc.finish()
	return doc, nil
}

// finite guards figures that reach JSON.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
