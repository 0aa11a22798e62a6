package replay

import (
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// ClusterOptions control a cluster replay.
type ClusterOptions struct {
	Drain sim.Time
	// WarmUp: every node boots this long before trace time 0 (§9.15).
	WarmUp sim.Time
	// SampleEvery is how often the cluster-wide series (addresses held, subnet
	// free space, fragmentation) are sampled; 0 means 60 s.
	SampleEvery sim.Time
	// OnSample, if not nil, receives every sample.
	OnSample func(s ClusterSample)
	// MaxSamples and OnCoarsen bound the samples of a long run as
	// Options.MaxSamples does: the interval doubles after MaxSamples.
	MaxSamples int
	OnCoarsen  func(every sim.Time)
	// OnStart, if not nil, is called with the cluster before the replay
	// starts (a series writer's header names its subnets).
	OnStart func(c *cluster.Cluster)
}

// ClusterSample is the cluster's state at one instant.
type ClusterSample struct {
	At          sim.Time
	Nodes       int
	ENIs        int
	Held        int
	Assigned    int
	Waiting     int // pods whose ADD failed, waiting for a retry
	Pending     int // pods no node could take
	SubnetFree  []int
	SubnetFree8 []int     // free aligned /28 blocks
	SubnetFrag  []float64 // share of free addresses no free /28 can use
}

// GroupSummary is one node group's figures.
type GroupSummary struct {
	Name              string  `json:"name"`
	InstanceType      string  `json:"instance_type"`
	MaxPods           int     `json:"max_pods"`
	MaxPodsSource     string  `json:"max_pods_source"`
	PeakNodes         int     `json:"peak_nodes"`
	FinalNodes        int     `json:"final_nodes"`
	NodeHours         float64 `json:"node_hours"` // launch to termination or the end of the run, summed (§10.7)
	LaunchFailures    int     `json:"launch_failures"`
	PodsAdded         uint64  `json:"pods_added"`
	PodsWaited        uint64  `json:"pods_waited"`
	PodsNeverAssigned uint64  `json:"pods_never_assigned"`
	WaitP50Seconds    float64 `json:"wait_p50_seconds"`
	WaitP99Seconds    float64 `json:"wait_p99_seconds"`
	WaitMaxSeconds    float64 `json:"wait_max_seconds"`
	NoIPAddFailures   uint64  `json:"no_ip_add_failures"`
	AddsBeforeReady   uint64  `json:"adds_before_ready"`
	MeanAddressesHeld float64 `json:"mean_addresses_held"`
	IdleIPSeconds     float64 `json:"idle_ip_seconds"`
	FinalHeld         int     `json:"final_addresses_held"`
	FinalAssigned     int     `json:"final_addresses_assigned"`
	EC2CallsTotal     uint64  `json:"ec2_calls_total"`
	ThrottledCalls    uint64  `json:"throttled_calls"`
}

// SubnetSummary is one subnet's figures.
type SubnetSummary struct {
	Name               string  `json:"name"`
	CIDR               string  `json:"cidr"`
	Size               int     `json:"size"`
	Reserved           int     `json:"prefix_reserved"`
	MinFree            int     `json:"min_free_addresses"`
	FinalFree          int     `json:"final_free_addresses"`
	FinalFreeAligned28 int     `json:"final_free_aligned_28"`
	MinFreeAligned28   int     `json:"min_free_aligned_28"`
	MaxFragmentation   float64 `json:"max_fragmentation"`
	FinalFragmentation float64 `json:"final_fragmentation"`
	InsufficientErrors uint64  `json:"insufficient_errors"`
}

// ClusterSummary is a cluster run's figures.
type ClusterSummary struct {
	Cluster           string            `json:"cluster"`
	Placement         string            `json:"placement"`
	Seed              uint64            `json:"seed"`
	WarmUpSeconds     float64           `json:"warm_up_seconds"` // every node booted this long before trace time 0 (§9.15)
	EC2Profile        string            `json:"ec2_profile"`
	PeakNodes         int               `json:"peak_nodes"`
	NodeHours         float64           `json:"node_hours"`
	PodsAdded         uint64            `json:"pods_added"`
	PodsWaited        uint64            `json:"pods_waited"`
	WaitP50Seconds    float64           `json:"wait_p50_seconds"`
	WaitP99Seconds    float64           `json:"wait_p99_seconds"`
	WaitMaxSeconds    float64           `json:"wait_max_seconds"`
	PodsNeverAssigned uint64            `json:"pods_never_assigned"`
	NoIPAddFailures   uint64            `json:"no_ip_add_failures"`
	PodsUnplaced      uint64            `json:"pods_unplaced"`
	PodsUnschedulable uint64            `json:"pods_unschedulable"` // fit no group's nodes (§10.7)
	PodsPendingAtEnd  int               `json:"pods_pending_at_end"`
	PeakPending       int               `json:"peak_pending"`
	PlacementWaitMax  float64           `json:"placement_wait_max_seconds"`
	Rescheduled       uint64            `json:"pods_rescheduled"`
	PeakHeldSampled   int               `json:"peak_addresses_held_sampled"`
	MeanAddressesHeld float64           `json:"mean_addresses_held"`
	IdleIPSeconds     float64           `json:"idle_ip_seconds"`
	EC2Calls          map[string]uint64 `json:"ec2_calls"`
	EC2CallsTotal     uint64            `json:"ec2_calls_total"`
	ThrottledCalls    uint64            `json:"throttled_calls"`
	Groups            []GroupSummary    `json:"groups"`
	Subnets           []SubnetSummary   `json:"subnets"`
	TraceEvents       uint64            `json:"trace_events"`
	EventsProcessed   uint64            `json:"events_processed"`
	SimulatedSeconds  float64           `json:"simulated_seconds"`
}

type clusterTarget struct{ c *cluster.Cluster }

func (t clusterTarget) Start()                        { t.c.Start() }
func (t clusterTarget) AddPod(pod, node []byte) error { return t.c.AddPod(pod, node) }
func (t clusterTarget) DelPod(pod []byte) error       { return t.c.DelPod(pod) }

// requestTarget is a target that schedules pods by their CPU and memory
// requests (docs/model.md §10.1): the feeder hands it the whole event.
type requestTarget interface {
	addPodRequests(ev *scenarios.Event) error
}

func (t clusterTarget) addPodRequests(ev *scenarios.Event) error {
	return t.c.AddPodRequests(ev.Pod, ev.Node, cluster.Requests{CPUMilli: ev.CPUMilli, MemoryBytes: ev.MemoryBytes})
}

// sampler records the cluster-wide series at a fixed simulated interval.
type sampler struct {
	eng    *sim.Engine
	c      *cluster.Cluster
	tick   sampleTicker // the interval and its doubling
	onS    func(ClusterSample)
	peak   int
	min28  []int
	maxFrg []float64
}

func (s *sampler) Fire(now sim.Time, _ int64) {
	s.sample(now)
	s.eng.After(s.tick.next(now), s, 0)
}

func (s *sampler) sample(now sim.Time) {
	cs := ClusterSample{At: now}
	for _, m := range s.c.Members() {
		if m.Node.Terminated() {
			continue
		}
		st := m.Node.Stats()
		cs.Nodes++
		cs.ENIs += st.ENIs
		cs.Held += st.TotalIPs
		cs.Assigned += st.AssignedIPs
		cs.Waiting += m.Node.Waiting()
	}
	cs.Pending = s.c.Pending()
	for i, sn := range s.c.Subnets() {
		f28 := sn.Space.FreeAligned28()
		cs.SubnetFree = append(cs.SubnetFree, sn.Space.Free()+sn.Space.ReservedFree())
		cs.SubnetFree8 = append(cs.SubnetFree8, f28)
		cs.SubnetFrag = append(cs.SubnetFrag, sn.Space.Fragmentation())
		s.min28[i] = min(s.min28[i], f28)
		s.maxFrg[i] = max(s.maxFrg[i], sn.Space.Fragmentation())
	}
	s.peak = max(s.peak, cs.Held)
	if s.onS != nil {
		s.onS(cs)
	}
}

// RunCluster replays src against a cluster and summarises it. When it
// returns the nodes' pool loops are closed; their state stays readable.
func RunCluster(eng *sim.Engine, c *cluster.Cluster, src scenarios.Reader, opt ClusterOptions, profile string, placement string, seed uint64) (ClusterSummary, error) {
	every := opt.SampleEvery
	if every <= 0 {
		every = sim.Minute
	}
	sm := &sampler{eng: eng, c: c, tick: sampleTicker{every: every, max: opt.MaxSamples, coarsen: opt.OnCoarsen}, onS: opt.OnSample}
	for range c.Subnets() {
		sm.min28 = append(sm.min28, 1<<62)
		sm.maxFrg = append(sm.maxFrg, 0)
	}
	if opt.OnStart != nil {
		opt.OnStart(c)
	}
	eng.Schedule(0, sm, 0)
	defer c.Close()
	res, err := Replay(eng, clusterTarget{c}, nil, src, Options{Drain: opt.Drain})
	if err != nil {
		return ClusterSummary{}, err
	}
	sm.sample(eng.Now())
	res.WarmUp = opt.WarmUp
	return summarizeCluster(c, sm, res, profile, placement, seed), nil
}

func summarizeCluster(c *cluster.Cluster, sm *sampler, res Result, profile, placement string, seed uint64) ClusterSummary {
	s := ClusterSummary{Cluster: c.Describe(), Placement: placement, Seed: seed, EC2Profile: profile, WarmUpSeconds: res.WarmUp.Seconds(),
		PodsUnplaced: c.Unplaced, PodsUnschedulable: c.Unschedulable, PodsPendingAtEnd: c.Pending(), PeakPending: c.PeakPending,
		PlacementWaitMax: c.PlacementWait.Max().Seconds(), Rescheduled: c.Rescheduled,
		PeakHeldSampled: sm.peak, EC2Calls: map[string]uint64{},
		TraceEvents: res.TraceEvents, EventsProcessed: res.Events, SimulatedSeconds: res.End.Seconds()}
	var all hist.Histogram
	var held float64
	insufficient := map[*vpc.Subnet]uint64{}
	for _, g := range c.Groups() {
		gs := GroupSummary{Name: g.Spec.Name, InstanceType: g.Spec.Instance.Name, MaxPods: g.Shape().MaxPods,
			MaxPodsSource: g.Shape().MaxPodsSource, PeakNodes: g.PeakNodes, LaunchFailures: g.LaunchFailures}
		var gw hist.Histogram
		for _, m := range g.Members {
			n := m.Node
			n.Observe()
			k := &n.Counters
			gw.Merge(n.Waits())
			gs.PodsAdded += k.PodsAdded
			gs.PodsWaited += k.PodsWaited
			gs.PodsNeverAssigned += k.PodsCancelled + uint64(n.Waiting())
			gs.NoIPAddFailures += k.NoAvailableIP
			gs.AddsBeforeReady += k.AddsBeforeReady
			gs.IdleIPSeconds += k.IdleIPSeconds
			held += k.HeldIPSeconds
			gs.MeanAddressesHeld += k.HeldIPSeconds
			if !n.Terminated() {
				gs.FinalNodes++
				st := n.Stats()
				gs.FinalHeld += st.TotalIPs
				gs.FinalAssigned += st.AssignedIPs
			}
			for api := ec2.API(0); api < ec2.NumAPIs; api++ {
				gs.EC2CallsTotal += k.EC2Requests[api]
				gs.ThrottledCalls += k.EC2Throttled[api]
				if v := k.EC2Requests[api]; v > 0 {
					s.EC2Calls[api.String()] += v
				}
			}
			for key, ls := range k.EC2Latency {
				if key.Status == ec2.InsufficientCidrBlocks || key.Status == ec2.InsufficientFreeAddressesInSubnet || key.Status == ec2.InvalidParameterValue {
					insufficient[n.Subnet()] += ls.Count
				}
			}
		}
		if res.End > 0 {
			gs.MeanAddressesHeld = round3(gs.MeanAddressesHeld / res.End.Seconds())
		}
		gs.IdleIPSeconds = round3(gs.IdleIPSeconds)
		gs.NodeHours = round3(g.NodeSeconds(res.End) / 3600)
		gs.WaitP50Seconds = gw.Quantile(0.5).Seconds()
		gs.WaitP99Seconds = gw.Quantile(0.99).Seconds()
		gs.WaitMaxSeconds = gw.Max().Seconds()
		all.Merge(&gw)
		s.PeakNodes += g.PeakNodes
		s.NodeHours += gs.NodeHours
		s.PodsAdded += gs.PodsAdded
		s.PodsWaited += gs.PodsWaited
		s.PodsNeverAssigned += gs.PodsNeverAssigned
		s.NoIPAddFailures += gs.NoIPAddFailures
		s.IdleIPSeconds += gs.IdleIPSeconds
		s.EC2CallsTotal += gs.EC2CallsTotal
		s.ThrottledCalls += gs.ThrottledCalls
		s.Groups = append(s.Groups, gs)
	}
	s.IdleIPSeconds = round3(s.IdleIPSeconds)
	s.NodeHours = round3(s.NodeHours)
	if res.End > 0 {
		s.MeanAddressesHeld = round3(held / res.End.Seconds())
	}
	s.WaitP50Seconds = all.Quantile(0.5).Seconds()
	s.WaitP99Seconds = all.Quantile(0.99).Seconds()
	s.WaitMaxSeconds = all.Max().Seconds()
	for i, sn := range c.Subnets() {
		sp := sn.Space
		s.Subnets = append(s.Subnets, SubnetSummary{Name: sn.Spec.Name, CIDR: sp.Prefix().String(), Size: sp.Size(),
			Reserved: sp.Reserved(), MinFree: sp.MinFree(), FinalFree: sp.Free() + sp.ReservedFree(),
			FinalFreeAligned28: sp.FreeAligned28(), MinFreeAligned28: sm.min28[i],
			MaxFragmentation: round3(sm.maxFrg[i]), FinalFragmentation: round3(sp.Fragmentation()),
			InsufficientErrors: insufficient[sp]})
	}
	return s
}

// Totals returns the cluster's figures under the names of a single node's
// Summary, over all its nodes: pods, waits (pooled over every pod), ADD
// failures, mean addresses held, idle IP-seconds and EC2 calls, with
// PeakAddressesHeld the sampled peak; what sweeps rank and tables compare.
// The figures a cluster summary does not keep (the node's type, mode and
// limits, per-node peaks, ENI counts, EC2 errors) are zero.
func (s ClusterSummary) Totals() Summary {
	t := Summary{EC2Profile: s.EC2Profile, Seed: s.Seed, WarmUpSeconds: s.WarmUpSeconds,
		PodsAdded: s.PodsAdded, PodsWaited: s.PodsWaited,
		WaitP50Seconds: s.WaitP50Seconds, WaitP99Seconds: s.WaitP99Seconds, WaitMaxSeconds: s.WaitMaxSeconds,
		PodsNeverAssigned: s.PodsNeverAssigned, NoIPAddFailures: s.NoIPAddFailures,
		PeakAddressesHeld: s.PeakHeldSampled, MeanAddressesHeld: s.MeanAddressesHeld, IdleIPSeconds: s.IdleIPSeconds,
		EC2Calls: maps.Clone(s.EC2Calls), EC2CallsTotal: s.EC2CallsTotal, ThrottledCalls: s.ThrottledCalls,
		TraceEvents: s.TraceEvents, EventsProcessed: s.EventsProcessed, SimulatedSeconds: s.SimulatedSeconds}
	for _, g := range s.Groups {
		t.AddsBeforeReady += g.AddsBeforeReady
	}
	return t
}

// WriteText prints a cluster summary for a person to read.
func (s ClusterSummary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster       %s; %s placement\n", s.Cluster, s.Placement)
	fmt.Fprintf(&b, "run           %s simulated, %d trace events, %d engine events, seed %d, EC2 %s, %s\n",
		time.Duration(sim.Seconds(s.SimulatedSeconds)).Round(time.Millisecond), s.TraceEvents, s.EventsProcessed, s.Seed, s.EC2Profile, startLine(s.WarmUpSeconds))
	fmt.Fprintf(&b, "pods          %s (%d no-IP ADD failures)\n", podsLine(s.PodsNeverAssigned, s.PodsAdded, s.PodsWaited), s.NoIPAddFailures)
	fmt.Fprintf(&b, "scheduling    %d pods never placed, %d pending at the end (peak %d), %d rescheduled, max wait for a node %.1fs\n",
		s.PodsUnplaced, s.PodsPendingAtEnd, s.PeakPending, s.Rescheduled, s.PlacementWaitMax)
	if s.PodsUnschedulable > 0 {
		fmt.Fprintf(&b, "unschedulable %d pods request more CPU or memory than any group's node has\n", s.PodsUnschedulable)
	}
	fmt.Fprintf(&b, "pod IP wait   %s\n", waitLine(s.WaitP50Seconds, s.WaitP99Seconds, s.WaitMaxSeconds, s.PodsAdded, s.PodsNeverAssigned))
	fmt.Fprintf(&b, "addresses     mean %.1f held (peak %d sampled), %.0f idle IP-seconds\n", s.MeanAddressesHeld, s.PeakHeldSampled, s.IdleIPSeconds)
	fmt.Fprintf(&b, "EC2           %d calls, %d throttled\n", s.EC2CallsTotal, s.ThrottledCalls)
	for _, g := range s.Groups {
		if g.LaunchFailures > 0 {
			fmt.Fprintf(&b, "group %-8s %d node(s) could not launch: no address left in their subnet\n", g.Name, g.LaunchFailures)
		}
		never := ""
		if g.PodsNeverAssigned > 0 {
			never = fmt.Sprintf("%d NEVER GOT AN ADDRESS, ", g.PodsNeverAssigned)
		}
		fmt.Fprintf(&b, "group %-8s %s, max pods %d (%s), peak %d nodes: %s%d pods, %d waited (p99 %.1fs), %d no-IP failures, mean %.1f addresses held, %d EC2 calls, %d throttled\n",
			g.Name, g.InstanceType, g.MaxPods, g.MaxPodsSource, g.PeakNodes, never, g.PodsAdded, g.PodsWaited, g.WaitP99Seconds, g.NoIPAddFailures, g.MeanAddressesHeld, g.EC2CallsTotal, g.ThrottledCalls)
	}
	for _, sn := range s.Subnets {
		fmt.Fprintf(&b, "subnet %-7s %s: min %d free of %d, final %d free, %d free /28s (min %d), fragmentation max %.2f, %d insufficient-address errors\n",
			sn.Name, sn.CIDR, sn.MinFree, sn.Size, sn.FinalFree, sn.FinalFreeAligned28, sn.MinFreeAligned28, sn.MaxFragmentation, sn.InsufficientErrors)
	}
	writeCalls(&b, s.EC2Calls)
	_, err := io.WriteString(w, b.String())
	return err
}
