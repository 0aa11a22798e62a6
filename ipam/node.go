package ipam

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// Config describes one node: its instance type, the VPC CNI settings, and the
// environment the simulation gives it.
type Config struct {
	Name     string               // node name; also names its random streams
	Instance catalog.InstanceType // the instance's ENI limits (§5)
	Settings Settings
	// MaxPods is the kubelet's max pods (the Node's capacity.pods, §2.9),
	// when set explicitly; 0 means the figure MaxPodsFrom gives for the type
	// and the CNI mode (catalog.NodeMaxPods, §5.13).
	MaxPods int
	// MaxPodsFrom names the rule that decides max pods when MaxPods is 0:
	// "" or catalog.FromEKS (what an EKS managed node group sets),
	// catalog.FromENIMaxPods or catalog.FromNodeadm.
	MaxPodsFrom catalog.MaxPodsFrom
	Order       AssignOrder
	Profile     ec2.Profile
	// Account is the EC2 account shared with other nodes; nil gives the node its own.
	Account *ec2.Account
	// Subnet is where ENIs and their addresses come from; nil gives the node a
	// private 10.0.0.0/16.
	Subnet *vpc.Subnet
	// ENISubnets are further subnets tagged kubernetes.io/role/cni in the node's
	// zone that subnet discovery may create ENIs in (§1 ENABLE_SUBNET_DISCOVERY).
	ENISubnets []*vpc.Subnet
	// PodSubnet is the ENIConfig subnet for new ENIs under custom networking
	// (§1); nil means Subnet.
	PodSubnet *vpc.Subnet
	Seed      uint64
	// OnReady, if not nil, is called when ipamd finishes start-up and the node
	// answers ADDs.
	OnReady func(n *Node)
	// AlwaysTick runs every pool pass at its 5 s cadence even when nothing can
	// change (no dormancy). Results are identical in first-fit order; it
	// exists to test exactly that.
	AlwaysTick bool
	// Policy manages the pool; nil is the AWS VPC CNI's ipamd.
	Policy Policy
	// KubeletBackoff sets the kubelet's retry of a failed ADD: backoff·(1 +
	// U[0, Profile.KubeletJitter)) later (§3.11: 10 s), at the next sync tick
	// (§3.17). Zero means 10 s.
	KubeletBackoff sim.Time
	// Events, if not nil, receives every event of the node as it happens
	// (the event log, Event). Nil turns the log off at no cost.
	Events func(Event)
}

// Counters are the node's running totals. Names follow aws-node's metrics where
// it has them (§6).
type Counters struct {
	// The totals most events update come first, next to the node's hot
	// fields (see Node).
	AddRequests     uint64 // awscni_add_ip_req_count: AddNetwork calls, retries included
	DelRequests     uint64 // awscni_del_ip_req_count{reason="PodDeleted"}
	NoAvailableIP   uint64 // awscni_no_available_ip_addresses: ADDs that found no free address
	AddsBeforeReady uint64 // ADDs refused because ipamd had not finished start-up (§2)
	PodsAdded       uint64 // pods that asked for an address (first ADD)
	PodsAssigned    uint64 // pods that got one
	PodsWaited      uint64 // pods that got one after at least one failed ADD
	PodsCancelled   uint64 // pods deleted while still waiting
	PeakENIs        int
	PeakTotalIPs    int
	PeakAssigned    int
	PeakIdle        int // most addresses held but assigned to no pod at once
	PeakWaiting     int
	HeldIPSeconds   float64 // ∫ total addresses dt
	IdleIPSeconds   float64 // ∫ (total − assigned) dt
	// PodsUnschedulable counts the pods never bound to the node because it
	// ran max pods already (§5.14): deleted so, or still so. They sent no ADD.
	PodsUnschedulable uint64
	ENIsAttached      uint64
	ENIsFreed         uint64
	EC2Requests       [ec2.NumAPIs]uint64
	EC2Errors         [ec2.NumAPIs]uint64
	EC2Throttled      [ec2.NumAPIs]uint64 // attempts answered RequestLimitExceeded
	EC2Latency        map[LatencyKey]*LatencySum
	IpamdErrors       map[string]uint64 // awscni_ipamd_error_count{fn}
	IMDSWait          LatencySum        // waitForENIAndIPsAttached
	Wait              hist.Histogram    // pod IP wait of pods that got an address: first ADD to the ADD that got it
	// CensoredWait holds the waits of pods deleted before they got an
	// address: first ADD to DEL, right-censored (Node.Waits adds the pods
	// still waiting).
	CensoredWait hist.Histogram
}

// LatencyKey labels awscni_aws_api_latency_ms (§6).
type LatencyKey struct {
	API    ec2.API
	Status ec2.ErrCode
}

// LatencySum is a summary without quantiles (§6 #3480).
type LatencySum struct {
	Count uint64
	SumMS float64
}

func (l *LatencySum) add(d sim.Time) {
	l.Count++
	l.SumMS += float64(d) / float64(sim.Millisecond)
}

// Node is one EKS node: its ENIs and datastore, ipamd's start-up and pool loop,
// the kubelet's ADD/DEL and retries, and its EC2 calls. It implements
// sim.Handler; all its work happens in engine events.
type Node struct {
	// What a pod ADD/DEL and a pool pass touch comes first, with the
	// running totals at the start of Counters right after it, so that on a
	// randomly chosen node of a large cluster they share a few cache lines
	// (Counters' EC2 arrays and wait histograms, and cfg, come later).
	eng         *sim.Engine
	ds          *datastore
	pods        podTable
	lastObs     sim.Time
	ready       bool
	passPending bool
	dormant     bool
	terminated  bool
	passEvent   sim.EventID
	nextPassAt  sim.Time
	lastPassEnd sim.Time
	events      func(Event) // cfg.Events
	Counters    Counters
	loop        loop // ipamd's pool loop (node_loop.go)
	policy      Policy
	ctrl        Controller // the policy's controller of this node
	lim         Limits
	set         Settings

	acct   *ec2.Account
	subnet *vpc.Subnet

	rngEC2, rngKubelet *rand.Rand
	kubeletStart       sim.Time // the phase of the kubelet's 1 s sync ticker (§3.17)

	nextENIID ENIID
	devices   []bool // device indexes attached in EC2's view
	eniSubnet map[ENIID]*vpc.Subnet
	eniAddrs  map[ENIID][]netip.Prefix // EC2's view of each ENI's addresses (primary first)
	retryer   ec2.Retryer              // the SDK's, with its retry quota (one EC2 client per aws-node)

	cfg           Config
	warnings      []string
	maxPodsSource string
	restoreSink   Counters // what running pods' restores would count (nothing reads it)
}

// Event kinds carried in the low byte of a Fire arg.
const (
	evInit     = iota // start the pool loop
	evPass            // the pool loop's next pass
	evResume          // the end of what the pool loop waits for (an EC2 answer, a sleep)
	evPodRetry        // the kubelet retries a pod's ADD
)

// maxIPv4PerENI is the most addresses per ENI the datastore can hold: one
// primary plus 64 secondary IPs or prefixes (a bit each in a uint64).
const maxIPv4PerENI = 65

// LaunchError is an instance EC2 could not launch: its subnet has no free
// address for the primary ENI (InsufficientFreeAddressesInSubnet).
type LaunchError struct {
	Node   string
	Subnet netip.Prefix
}

func (e *LaunchError) Error() string {
	return fmt.Sprintf("node %s: subnet %s has no free address for the instance's primary ENI (InsufficientFreeAddressesInSubnet)", e.Node, e.Subnet)
}

// NewNode builds a node. It returns warnings for settings upstream accepts with
// a warning (e.g. prefix delegation on a non-nitro type, §1).
func NewNode(eng *sim.Engine, cfg Config) (*Node, []string, error) {
	it := cfg.Instance
	if it.MaxENIs < 1 || it.IPv4PerENI < 2 {
		return nil, nil, fmt.Errorf("instance %q: needs at least 1 ENI and 2 IPv4 addresses per ENI", it.Name)
	}
	if it.IPv4PerENI > maxIPv4PerENI {
		// The datastore keeps an ENI's CIDRs in a 64-bit mask; the largest
		// EC2 type has 64 addresses per ENI (63 secondary).
		return nil, nil, fmt.Errorf("instance %q: %d IPv4 addresses per ENI; ipamsim models at most %d (the largest EC2 type has 64)", it.Name, it.IPv4PerENI, maxIPv4PerENI)
	}
	n := &Node{cfg: cfg, eng: eng, set: cfg.Settings, events: cfg.Events}
	n.loop.n = n
	n.policy = cfg.Policy
	if n.policy == nil {
		n.policy = defaultPolicy()
	}
	// The policy's agent may hand addresses out differently from ipamd's
	// datastore (no reuse cooldown, blocks kept as /28s): Policy.Settings.
	for _, kv := range n.policy.Settings() {
		k, v, _ := ParseAssignment("policy", kv)
		if err := n.set.Set("policy "+n.policy.Name(), k, v); err != nil {
			return nil, nil, err
		}
	}
	pdSet := n.set.PrefixDelegation // as set, before ipamd's fallback: what the calculator reads
	if n.set.PrefixDelegation && !it.SupportsPrefixDelegation() {
		// §1: isConfigValid falls back to secondary IPs on non-nitro types.
		n.warnings = append(n.warnings, fmt.Sprintf("prefix delegation is not supported on non-nitro instance %s; falling back to secondary IP mode", it.Name))
		n.set.PrefixDelegation = false
	}
	maxENI := it.MaxENIs
	if n.set.MaxENI >= 1 && n.set.MaxENI < maxENI { // §1 getMaxENI
		maxENI = n.set.MaxENI
	}
	n.lim = Limits{MaxENIs: maxENI, IPv4PerENI: it.IPv4PerENI, PD: n.set.PrefixDelegation, trunk: it.TrunkCompatible()}
	if n.cfg.MaxPods > 0 {
		n.maxPodsSource = "set explicitly"
	} else {
		// §5.13: the one rule every command shares (catalog.NodeMaxPods),
		// from the settings as the user gave them: the calculator counts
		// prefix delegation on nitro types only, whatever ipamd does.
		mp, src, err := catalog.NodeMaxPods(it, catalog.NodeMaxPodsOptions{From: cfg.MaxPodsFrom,
			PrefixDelegation: pdSet, CustomNetworking: n.set.CustomNetworking, MaxENI: n.set.MaxENI})
		if err != nil {
			return nil, nil, err
		}
		n.cfg.MaxPods, n.maxPodsSource = mp, src
	}
	if n.cfg.KubeletBackoff == 0 {
		n.cfg.KubeletBackoff = 10 * sim.Second
	}
	n.acct = cfg.Account
	if n.acct == nil {
		n.acct = ec2.NewAccount(cfg.Profile.Unlimited)
	}
	n.subnet = cfg.Subnet
	if n.subnet == nil {
		n.subnet = vpc.MustSubnet("10.0.0.0/16")
	}
	if n.cfg.PodSubnet == nil {
		n.cfg.PodSubnet = n.subnet
	}
	n.rngEC2 = sim.NewRand(cfg.Seed, cfg.Name+"/ec2")
	n.rngKubelet = sim.NewRand(cfg.Seed, cfg.Name+"/kubelet")
	n.kubeletStart = eng.Now()
	n.ds = newDatastore(n.lim.PD, n.set.IPCooldown, cfg.Order, sim.NewRand(cfg.Seed, cfg.Name+"/mapwalk"))
	n.devices = make([]bool, maxENI)
	if it.MaxENIs > maxENI {
		n.devices = make([]bool, it.MaxENIs)
	}
	n.eniSubnet = map[ENIID]*vpc.Subnet{}
	n.eniAddrs = map[ENIID][]netip.Prefix{}
	// The instance launches with its primary ENI and primary address; with
	// none left in the subnet EC2 refuses to launch it.
	ip, ok := n.subnet.AllocAddr()
	if !ok {
		return nil, nil, &LaunchError{Node: cfg.Name, Subnet: n.subnet.Prefix()}
	}
	n.nextENIID++
	id := n.nextENIID
	n.devices[0] = true
	n.eniSubnet[id] = n.subnet
	n.eniAddrs[id] = []netip.Prefix{netip.PrefixFrom(ip, 32)}
	n.ds.addENI(id, 0, true, ip, n.subnet, eng.Now())
	n.Counters.ENIsAttached++
	n.Counters.EC2Latency = map[LatencyKey]*LatencySum{}
	n.Counters.IpamdErrors = map[string]uint64{}
	n.ctrl = n.policy.Attach(&n.loop)
	n.warnings = append(n.warnings, n.set.EntrypointWarnings()...)
	return n, n.warnings, nil
}

// PolicyName is the --policy name of the node's pool policy.
func (n *Node) PolicyName() string { return n.policy.Name() }

// Limits returns the node's capacities after MAX_ENI and the PD fallback.
func (n *Node) Limits() Limits { return n.lim }

// Settings are the settings the node runs with: Config.Settings with its
// policy's own (Policy.Settings) and the prefix-delegation fallback (§1.5)
// applied.
func (n *Node) Settings() Settings { return n.set }

// MaxPods is the kubelet max pods the node runs with.
func (n *Node) MaxPods() int { return n.cfg.MaxPods }

// MaxPodsSource says where MaxPods comes from: "set explicitly", or the
// catalog.NodeMaxPods rule and its arithmetic, e.g. "eks-mng: calculator
// PD figure 434 capped at 110 (2 vCPUs <= 30)".
func (n *Node) MaxPodsSource() string { return n.maxPodsSource }

// ENIs returns the ENIs in the datastore, in attach order (the primary
// first). The slice must not be modified.
func (n *Node) ENIs() []*ENI { return n.ds.enis }

// Subnet is the node's primary subnet.
func (n *Node) Subnet() *vpc.Subnet { return n.subnet }

// Ready reports whether ipamd has finished start-up and answers ADDs.
func (n *Node) Ready() bool { return n.ready }

// Waiting is the number of pods whose ADD has failed and who wait for a
// retry (running pods being restored are not counted, §9.13).
func (n *Node) Waiting() int { return n.pods.waiting - n.pods.restoring }

// Stats returns the datastore's counts now. It changes nothing.
func (n *Node) Stats() Stats { return n.ds.statsAt(n.eng.Now()) }

// Start runs ipamd's start-up now: the primary ENI is discovered, then one
// pre-scaling growth step, then ADDs are answered and the pool loop starts (§2).
func (n *Node) Start() { n.eng.After(0, n, evInit) }

// Fire implements sim.Handler.
func (n *Node) Fire(now sim.Time, arg int64) {
	if n.terminated {
		return
	}
	n.observe(now)
	n.ds.advance(now)
	switch arg & 0xff {
	case evInit:
		n.loop.start()
	case evPass:
		n.passEvent = 0
		n.loop.resume()
	case evResume:
		n.loop.resume()
	case evPodRetry:
		n.podRetry(int32(arg >> 8))
	}
	n.afterEvent()
}

// observe integrates held and idle addresses up to now (values are constant
// between events).
func (n *Node) observe(now sim.Time) {
	if dt := now - n.lastObs; dt > 0 {
		st := n.ds.stats()
		s := dt.Seconds()
		n.Counters.HeldIPSeconds += float64(st.TotalIPs) * s
		n.Counters.IdleIPSeconds += float64(st.TotalIPs-st.AssignedIPs) * s
		n.lastObs = now
	}
}

// Observe brings the time integrals up to now (call before reading Counters).
func (n *Node) Observe() { n.observe(n.eng.Now()) }

func (n *Node) afterEvent() {
	st := n.ds.stats()
	c := &n.Counters
	c.PeakENIs = max(c.PeakENIs, st.ENIs)
	c.PeakTotalIPs = max(c.PeakTotalIPs, st.TotalIPs)
	c.PeakAssigned = max(c.PeakAssigned, st.AssignedIPs)
	c.PeakIdle = max(c.PeakIdle, st.TotalIPs-st.AssignedIPs)
	c.PeakWaiting = max(c.PeakWaiting, n.Waiting())
}

// Terminate ends the instance: its pool loop stops and EC2 deletes its ENIs
// (DeleteOnTermination), so every address it held returns to its subnet. Pods
// still on the node are dropped; the caller reschedules them.
func (n *Node) Terminate() {
	if n.terminated {
		return
	}
	n.observe(n.eng.Now())
	n.terminated = true
	n.ready = false
	n.loop.close()
	for i := range n.pods.pods {
		p := &n.pods.pods[i]
		if p.state == podWaiting && p.retry != 0 {
			n.eng.Cancel(p.retry)
		}
		if p.state != podFree {
			*p = pod{nameBuf: p.nameBuf[:0]}
			n.pods.free = append(n.pods.free, int32(i))
		}
	}
	n.pods.index.reset()
	n.pods.live, n.pods.waiting, n.pods.restoring, n.pods.npending, n.pods.pending = 0, 0, 0, 0, nil
	if n.passEvent != 0 {
		n.eng.Cancel(n.passEvent)
	}
	ids := make([]ENIID, 0, len(n.eniAddrs))
	for id := range n.eniAddrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, p := range n.eniAddrs[id] {
			n.eniSubnet[id].Release(p)
		}
	}
	n.eniAddrs = map[ENIID][]netip.Prefix{}
	for len(n.ds.enis) > 0 {
		e := n.ds.enis[0]
		for _, c := range e.CIDRs() {
			for c.assigned != 0 {
				b := uint8(bits.TrailingZeros16(c.assigned))
				n.ds.unassignPod(c, b, n.eng.Now())
			}
		}
		n.ds.removeENI(e)
	}
}

// Close ends the node's pool loop, which otherwise waits for its next event
// for as long as the program runs. Call it when the run is over; the node's
// state stays readable.
func (n *Node) Close() { n.loop.close() }

// Terminated reports whether Terminate was called.
func (n *Node) Terminated() bool { return n.terminated }

// PodNames returns the live pods' names, sorted.
func (n *Node) PodNames() []string {
	names := make([]string, 0, n.pods.live)
	for _, p := range n.pods.pods {
		if p.state != podFree {
			names = append(names, p.retainedName())
		}
	}
	slices.Sort(names)
	return names
}
