// Package cluster models many EKS nodes drawing addresses from shared VPC
// subnets and making EC2 calls against one account's request budget: node
// groups that join, leave and autoscale, a scheduler that places pods on ready
// nodes by their max pods and CPU and memory requests, and the subnets' free
// space, reservations and fragmentation (docs/model.md §1 subnet discovery,
// §4 subnet exhaustion, §7 account-wide throttling, §8 #405/#2294/#2730/#2749,
// §10 node resources, scheduling and autoscaling).
package cluster

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// SubnetSpec is one VPC subnet.
type SubnetSpec struct {
	Name string
	CIDR netip.Prefix
	// PrefixReservations are subnet CIDR reservations of type prefix: /28
	// prefixes come from them first and single addresses never do (§4, #2749).
	PrefixReservations []netip.Prefix
	// ForeignEvery, if > 0, marks every k-th usable address as held by
	// something outside the cluster (other instances, load balancers), the
	// way a long-lived shared subnet ends up fragmented.
	ForeignEvery int
	// CNI marks a subnet tagged kubernetes.io/role/cni: subnet discovery may
	// create ENIs in it (§1 ENABLE_SUBNET_DISCOVERY).
	CNI bool
}

// Autoscale adds nodes to a group while pods are unschedulable, the way the
// cluster autoscaler does (§10.7): every ScanInterval, enough nodes for the
// pending pods that a node of the group could take (packed first-fit, after
// filling the nodes already on their way), up to Max, each ready for ipamd
// after BootDelay. It never removes nodes.
type Autoscale struct {
	Max          int
	BootDelay    sim.Time
	ScanInterval sim.Time // default 10 s
}

// GroupSpec is a node group: nodes of one type and settings.
type GroupSpec struct {
	Name     string
	Instance catalog.InstanceType
	Count    int // nodes at JoinAt
	Settings ipam.Settings
	MaxPods  int // kubelet max pods; 0 = MaxPodsFrom's figure (catalog.NodeMaxPods)
	// MaxPodsFrom is the max-pods rule when MaxPods is 0 ("": eks).
	MaxPodsFrom catalog.MaxPodsFrom
	// DaemonSetPods are the host-network pods every node runs (aws-node,
	// kube-proxy: the +2 of eni-max-pods.txt, §5); they count against max pods
	// but need no address. Negative means 2.
	DaemonSetPods int
	Subnets       []string // node subnets; nodes are spread over them in turn
	PodSubnet     string   // ENIConfig subnet under custom networking
	JoinAt        sim.Time
	JoinStagger   sim.Time // delay between successive nodes joining
	LeaveAt       sim.Time // 0: never
	Autoscale     *Autoscale
	Policy        ipam.Policy // nil: the VPC CNI

	// DaemonSetRequests are the daemonset pods' CPU and memory requests
	// together, counted on every node (§10.3); nil means
	// DefaultDaemonSetRequests.
	DaemonSetRequests *Requests
}

// Placement is how the scheduler picks a node for a pod without one, among
// the ready nodes the pod fits on (§10.5, §10.6).
type Placement uint8

// Placement policies.
const (
	// LeastAllocated scores nodes as kube-scheduler's NodeResourcesFit
	// LeastAllocated strategy does (its default): most CPU and memory left.
	LeastAllocated Placement = iota
	// MostAllocated scores them as its MostAllocated strategy (bin-packing).
	MostAllocated
	// RoundRobin takes the nodes in turn.
	RoundRobin
)

// ParsePlacement parses "least-allocated", "most-allocated" or "round-robin".
func ParsePlacement(s string) (Placement, error) {
	switch s {
	case "least-allocated", "":
		return LeastAllocated, nil
	case "most-allocated", "bin-pack":
		return MostAllocated, nil
	case "round-robin":
		return RoundRobin, nil
	}
	return 0, fmt.Errorf("unknown placement %q (want least-allocated, most-allocated or round-robin)", s)
}

func (p Placement) String() string {
	return [...]string{"least-allocated", "most-allocated", "round-robin"}[p]
}

// Spec describes a cluster.
type Spec struct {
	Subnets   []SubnetSpec
	Groups    []GroupSpec
	Placement Placement
	Order     ipam.AssignOrder
	Profile   ec2.Profile
	Seed      uint64
	// Events, if not nil, receives every node's event log
	// (ipam.Config.Events) and the scheduler's placements (ipam.EvPlace).
	Events func(ipam.Event)
}

// Member is one node of the cluster.
type Member struct {
	Name   string
	Group  int
	Node   *ipam.Node
	Subnet string
	// Launched is when EC2 launched the node: its join, less the group's
	// boot delay for a node the autoscaler added. Left is when it was
	// terminated (0 while it runs). NodeSeconds bills from one to the other.
	Launched, Left sim.Time
	idx            int32
	cap            int      // pods that fit: max pods − daemonset pods
	pods           int      // pods placed here (waiting ones included)
	requested      Requests // requests of its pods, daemonset pods included (§10.5)
	nonZero        Requests // the same as the scoring counts them (§10.4)
	inTree         bool     // in the room queue
	left           bool
}

// Group is a node group's running state.
type Group struct {
	Spec      GroupSpec
	Members   []*Member
	booting   int
	PeakNodes int
	live      int
	// LaunchFailures counts nodes EC2 could not launch for want of an
	// address in their subnet.
	LaunchFailures int
	shape          Shape
}

// Shape is what the scheduler knows of the group's nodes (§10.2, §10.3).
func (g *Group) Shape() Shape { return g.shape }

// NodeSeconds is the time the group's nodes have run by now (from launch to
// termination, or to now), summed over its nodes: what EC2 bills.
func (g *Group) NodeSeconds(now sim.Time) float64 {
	var t sim.Time
	for _, m := range g.Members {
		end := now
		if m.left {
			end = m.Left
		}
		t += max(end-max(m.Launched, 0), 0) // from trace time 0: a warm-up is not counted (§9.15)
	}
	return t.Seconds()
}

// Subnet is a subnet's running state.
type Subnet struct {
	Spec  SubnetSpec
	Space *vpc.Subnet
}

// Cluster is a running cluster. It implements sim.Handler for its own timers
// (joins, leaves, autoscaler scans).
type Cluster struct {
	eng     *sim.Engine
	spec    Spec
	account *ec2.Account
	subnets []*Subnet
	byName  map[string]*Subnet
	groups  []*Group
	members []*Member
	nodeIdx map[string]int32

	pods    map[string]podRef // live pods: where each is
	pending []string          // unschedulable pods in arrival order (lazily cleaned)
	npend   int
	rr      int
	room    bucketQueue // ready members with room, bucketed by pods placed

	// The scheduler's knowledge (§10.5, §10.6): resources says whether every
	// group's shape is known (else it places by max pods alone); sameShape
	// whether all groups have one shape; firstReq is the first pod's requests
	// and mixedReq whether any pod has asked for other requests since. With
	// one shape and one pod size, scores follow the pods placed, and the room
	// queue's order answers the scheduler without scoring every node.
	resources, sameShape bool
	firstReq             Requests
	haveReq, mixedReq    bool

	Unplaced uint64 // pods deleted before any node could take them
	// Unschedulable counts pods that no node of any group could ever take,
	// for their CPU or memory requests (§10.7): they stay pending.
	Unschedulable uint64
	PeakPending   int
	PodsPlaced    uint64
	Rescheduled   uint64
	PlacementWait hist.Histogram // time from add to placement, for pods that waited
	pendingSince  map[string]sim.Time
	restoring     bool // placing a running pod (AddRunningPod, placePending)
}

// podRef is where a live pod is: a member and its handle there, or member -1
// while no node can take it; and what it requests.
type podRef struct {
	member int32
	handle ipam.PodHandle
	req    Requests
	never  bool // fits no group's nodes (counted in Unschedulable)
	// running: a pod running when the trace starts (§9.13), restored on
	// the node it is placed on instead of ADDed
	running bool
}

// Timer kinds in the low byte of a Fire arg.
const (
	evJoin = iota
	evLeave
	evScan
	evScaleJoin // a join the autoscaler asked for
)

// New builds a cluster; nothing happens until Start.
func New(eng *sim.Engine, spec Spec) (*Cluster, error) {
	c := &Cluster{eng: eng, spec: spec, account: ec2.NewAccount(spec.Profile.Unlimited),
		byName: map[string]*Subnet{}, nodeIdx: map[string]int32{}, pods: map[string]podRef{},
		pendingSince: map[string]sim.Time{}}
	if len(spec.Subnets) == 0 {
		return nil, fmt.Errorf("cluster: no subnets")
	}
	for _, ss := range spec.Subnets {
		if _, dup := c.byName[ss.Name]; dup {
			return nil, fmt.Errorf("subnet %q: defined twice", ss.Name)
		}
		space, err := vpc.NewSubnet(ss.CIDR)
		if err != nil {
			return nil, fmt.Errorf("subnet %q: %v", ss.Name, err)
		}
		for _, r := range ss.PrefixReservations {
			if err := space.ReservePrefixes(r); err != nil {
				return nil, fmt.Errorf("subnet %q: %v", ss.Name, err)
			}
		}
		if ss.ForeignEvery < 0 {
			return nil, fmt.Errorf("subnet %q: foreign-every must not be negative", ss.Name)
		}
		if k := ss.ForeignEvery; k > 0 {
			// Every k-th address, starting with the k-th usable one.
			a := space.Prefix().Addr()
			for i := 0; i < space.Size(); i++ {
				if i%k == k-1 {
					space.Take(a)
				}
				a = a.Next()
			}
		}
		sn := &Subnet{Spec: ss, Space: space}
		c.subnets = append(c.subnets, sn)
		c.byName[ss.Name] = sn
	}
	if len(spec.Groups) == 0 {
		return nil, fmt.Errorf("cluster: no node groups")
	}
	seen := map[string]bool{}
	for gi, gs := range spec.Groups {
		if seen[gs.Name] || gs.Name == "" {
			return nil, fmt.Errorf("node group %q: empty or defined twice", gs.Name)
		}
		seen[gs.Name] = true
		if gs.Count < 0 {
			return nil, fmt.Errorf("node group %q: count must not be negative", gs.Name)
		}
		if len(gs.Subnets) == 0 {
			return nil, fmt.Errorf("node group %q: no subnets", gs.Name)
		}
		for _, s := range gs.Subnets {
			if c.byName[s] == nil {
				return nil, fmt.Errorf("node group %q: unknown subnet %q", gs.Name, s)
			}
		}
		if s := gs.PodSubnet; s != "" {
			if c.byName[s] == nil {
				return nil, fmt.Errorf("node group %q: unknown subnet %q", gs.Name, s)
			}
		}
		if gs.DaemonSetPods < 0 {
			spec.Groups[gi].DaemonSetPods = 2
		}
		if a := gs.Autoscale; a != nil && a.ScanInterval <= 0 {
			a.ScanInterval = 10 * sim.Second
		}
		g := &Group{Spec: spec.Groups[gi]}
		if err := g.initShape(spec.Profile); err != nil {
			return nil, err
		}
		c.groups = append(c.groups, g)
	}
	c.resources, c.sameShape = true, true
	for _, g := range c.groups {
		c.resources = c.resources && g.shape.Known
		s0, s := c.groups[0].shape, g.shape
		c.sameShape = c.sameShape && s.Allocatable == s0.Allocatable && s.DaemonSet == s0.DaemonSet
	}
	return c, nil
}

// Start schedules the node groups' joins, leaves and autoscaler scans.
func (c *Cluster) Start() {
	scan := false
	for gi, g := range c.groups {
		for k := 0; k < g.Spec.Count; k++ {
			at := g.Spec.JoinAt + sim.Time(k)*g.Spec.JoinStagger
			if g.Spec.JoinAt == 0 {
				at += c.eng.Now() // §9.15: the first nodes boot at the warm-up's start
			}
			c.eng.Schedule(at, c, evJoin|int64(gi)<<8)
			g.booting++
		}
		if g.Spec.LeaveAt > 0 {
			c.eng.Schedule(g.Spec.LeaveAt, c, evLeave|int64(gi)<<8)
		}
		if g.Spec.Autoscale != nil {
			scan = true
		}
	}
	if scan {
		c.eng.After(c.scanInterval(), c, evScan)
	}
}

func (c *Cluster) scanInterval() sim.Time {
	iv := sim.Time(0)
	for _, g := range c.groups {
		if a := g.Spec.Autoscale; a != nil && (iv == 0 || a.ScanInterval < iv) {
			iv = a.ScanInterval
		}
	}
	return iv
}

// Fire implements sim.Handler.
func (c *Cluster) Fire(now sim.Time, arg int64) {
	switch arg & 0xff {
	case evJoin:
		c.join(int(arg>>8), false)
	case evScaleJoin:
		c.join(int(arg>>8), true)
	case evLeave:
		c.leave(int(arg >> 8))
	case evScan:
		c.autoscale()
		c.eng.After(c.scanInterval(), c, evScan)
	}
}

// join boots one node of group gi: ipamd starts now and the node takes pods
// once it is ready (§2 Startup). scaled says the autoscaler launched it, a
// boot delay ago.
func (c *Cluster) join(gi int, scaled bool) {
	g := c.groups[gi]
	g.booting--
	k := len(g.Members)
	name := fmt.Sprintf("%s-%03d", g.Spec.Name, k+1)
	sn := g.Spec.Subnets[k%len(g.Spec.Subnets)]
	cfg := ipam.Config{Name: name, Instance: g.Spec.Instance, Settings: g.Spec.Settings, MaxPods: g.Spec.MaxPods,
		MaxPodsFrom: g.Spec.MaxPodsFrom, Order: c.spec.Order, Profile: c.spec.Profile, Account: c.account, Subnet: c.byName[sn].Space,
		Seed: c.spec.Seed, Policy: g.Spec.Policy, Events: c.spec.Events}
	if g.Spec.PodSubnet != "" {
		cfg.PodSubnet = c.byName[g.Spec.PodSubnet].Space
	}
	for _, s := range c.subnets {
		if s.Spec.CNI && s.Spec.Name != sn {
			cfg.ENISubnets = append(cfg.ENISubnets, s.Space)
		}
	}
	m := &Member{Name: name, Group: gi, Subnet: sn, idx: int32(len(c.members)), Launched: c.eng.Now(),
		requested: g.shape.DaemonSet, nonZero: daemonSetNonZero(g)}
	if scaled {
		m.Launched -= g.Spec.Autoscale.BootDelay
	}
	cfg.OnReady = func(*ipam.Node) { c.ready(m) }
	node, _, err := ipam.NewNode(c.eng, cfg)
	var le *ipam.LaunchError
	if errors.As(err, &le) {
		// EC2 cannot launch the instance: its subnet has no address left for
		// the primary ENI. The node never joins (an autoscaler retries).
		g.LaunchFailures++
		return
	}
	if err != nil {
		panic(fmt.Sprintf("cluster: node %s: %v", name, err)) // New checked every group's node config
	}
	m.Node = node
	m.cap = max(node.MaxPods()-g.Spec.DaemonSetPods, 0)
	c.members = append(c.members, m)
	c.nodeIdx[name] = m.idx
	g.Members = append(g.Members, m)
	g.live++
	g.PeakNodes = max(g.PeakNodes, g.live)
	node.Start()
}

// ready makes a node schedulable and places waiting pods on it.
func (c *Cluster) ready(m *Member) {
	if m.left {
		return
	}
	c.treeUpdate(m)
	c.drainPending()
}

func (c *Cluster) treeUpdate(m *Member) {
	if m.inTree {
		c.room.remove(m.idx)
		m.inTree = false
	}
	if !m.left && m.Node.Ready() && m.pods < m.cap {
		c.room.add(m.idx, m.pods)
		m.inTree = true
	}
}

// leave terminates every node of group gi: their addresses return to the
// subnets and their pods are rescheduled.
func (c *Cluster) leave(gi int) {
	g := c.groups[gi]
	for _, m := range g.Members {
		if m.left {
			continue
		}
		names := m.Node.PodNames()
		m.left = true
		m.Left = c.eng.Now()
		c.treeUpdate(m)
		m.Node.Terminate()
		g.live--
		for _, p := range names {
			c.pods[p] = podRef{member: -1, req: c.pods[p].req}
			c.pending = append(c.pending, p)
			c.pendingSince[p] = c.eng.Now()
			c.npend++
			c.Rescheduled++
		}
	}
	c.PeakPending = max(c.PeakPending, c.npend)
	c.drainPending()
}

// AddRunningPod schedules a pod that already runs when the trace starts
// (§9.13) as AddPodRequests does; the node it is placed on restores it
// (ipam.Node.AddRunningPod), now or when a node has room.
func (c *Cluster) AddRunningPod(name, node []byte, req Requests) error {
	c.restoring = true
	defer func() { c.restoring = false }()
	return c.AddPodRequests(name, node, req)
}

// AddPod schedules a pod that requests nothing (AddPodRequests).
func (c *Cluster) AddPod(name, node []byte) error { return c.AddPodRequests(name, node, Requests{}) }

// AddPodRequests schedules a pod requesting req: on the named node if node is
// not empty, else on a ready node chosen by the placement policy among those
// it fits on (§10.5, §10.6); with none it waits unschedulable (and may make
// the autoscaler add nodes, §10.7).
func (c *Cluster) AddPodRequests(name, node []byte, req Requests) error {
	if req.CPUMilli < 0 || req.MemoryBytes < 0 {
		return &ipam.PodError{Msg: fmt.Sprintf("pod %q: negative requests %+v", name, req)}
	}
	c.noteRequests(req)
	if len(node) > 0 {
		if _, dup := c.pods[string(name)]; dup {
			return &ipam.PodError{Msg: fmt.Sprintf("add of pod %q, which is already live", name)}
		}
		i, ok := c.nodeIdx[string(node)]
		if !ok {
			return &NodeError{&ipam.PodError{Msg: fmt.Sprintf("pod %q names node %q, which the cluster does not have (yet)", name, node)}}
		}
		return c.place(string(name), c.members[i], req)
	}
	// One map operation for the common case: insert, and detect a duplicate
	// by the map not growing.
	p := string(name)
	n := len(c.pods)
	c.pods[p] = podRef{member: -1, req: req, running: c.restoring}
	if len(c.pods) == n {
		return &ipam.PodError{Msg: fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	m := c.pick(req)
	if m == nil {
		if !c.fitsSomeGroup(req) {
			c.pods[p] = podRef{member: -1, req: req, never: true, running: c.restoring}
			c.Unschedulable++
		}
		c.pending = append(c.pending, p)
		c.pendingSince[p] = c.eng.Now()
		c.npend++
		c.PeakPending = max(c.PeakPending, c.npend)
		c.logPending(p, ipam.EvPending, "no node has room")
		return nil
	}
	return c.place(p, m, req)
}

func (c *Cluster) place(name string, m *Member, req Requests) error {
	if m.left {
		return &NodeError{&ipam.PodError{Msg: fmt.Sprintf("pod %q names node %q, which has left the cluster", name, m.Name)}}
	}
	if c.spec.Events != nil {
		c.spec.Events(ipam.Event{At: c.eng.Now(), Node: m.Name, Kind: ipam.EvPlace, Pod: name})
	}
	c.pods[name] = podRef{member: m.idx, handle: m.Node.AddPodHandle(name, c.restoring), req: req}
	m.requested = m.requested.add(req)
	m.nonZero = m.nonZero.add(req.nonZero())
	m.pods++
	c.PodsPlaced++
	c.treeUpdate(m)
	return nil
}

// DelPod deletes a pod wherever it is.
func (c *Cluster) DelPod(name []byte) error {
	r, ok := c.pods[string(name)]
	if !ok {
		return &ipam.PodError{Msg: fmt.Sprintf("del of pod %q, which is not live", name)}
	}
	if r.member == -1 {
		delete(c.pods, string(name))
		delete(c.pendingSince, string(name))
		c.npend--
		c.Unplaced++
		c.logPending(string(name), ipam.EvDel, "unschedulable")
		return nil
	}
	m := c.members[r.member]
	delete(c.pods, string(name))
	m.Node.DelPodHandle(r.handle)
	m.requested = m.requested.sub(r.req)
	m.nonZero = m.nonZero.sub(r.req.nonZero())
	m.pods--
	c.treeUpdate(m)
	c.drainPending()
	return nil
}

// logPending logs an event of a pod no node holds (node "-").
func (c *Cluster) logPending(pod string, kind ipam.EventKind, detail string) {
	if c.spec.Events != nil {
		c.spec.Events(ipam.Event{At: c.eng.Now(), Node: "-", Kind: kind, Pod: pod, Detail: detail})
	}
}

// NodeError is a pod event whose node (the trace's node column) the cluster
// cannot place it on: a node it does not have, or one that has left. It
// wraps the *ipam.PodError that describes it.
type NodeError struct{ Err *ipam.PodError }

func (e *NodeError) Error() string { return e.Err.Error() }
func (e *NodeError) Unwrap() error { return e.Err }

// Close ends every node's pool loop (ipam.Node.Close) when the run is over.
func (c *Cluster) Close() {
	for _, m := range c.members {
		m.Node.Close()
	}
}

// Pending is the number of unschedulable pods.
func (c *Cluster) Pending() int { return c.npend }

// Groups returns the node groups in spec order.
func (c *Cluster) Groups() []*Group { return c.groups }

// Members returns every node that joined, in join order.
func (c *Cluster) Members() []*Member { return c.members }

// Subnets returns the subnets in spec order.
func (c *Cluster) Subnets() []*Subnet { return c.subnets }

// Account is the EC2 account all nodes share.
func (c *Cluster) Account() *ec2.Account { return c.account }

// Describe is a one-line description of the cluster for summaries.
func (c *Cluster) Describe() string {
	var parts []string
	for _, g := range c.groups {
		parts = append(parts, fmt.Sprintf("%s: %d×%s", g.Spec.Name, g.Spec.Count, g.Spec.Instance.Name))
	}
	var sn []string
	for _, s := range c.subnets {
		sn = append(sn, fmt.Sprintf("%s %s", s.Spec.Name, s.Spec.CIDR))
	}
	sort.Strings(sn)
	return strings.Join(parts, ", ") + "; subnets " + strings.Join(sn, ", ")
}
