package ipam

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"

	"ipamsim/ipam/catalog"
	"ipamsim/sim"
)

// Config describes one node: its instance type, the VPC CNI settings, and the
// environment the simulation gives it.
type Config struct {
	Name     string               // node name; also names its random streams
	Instance catalog.InstanceType // the instance's ENI limits (§5)
	Settings Settings
	// MaxPods is the kubelet's max pods (the Node's capacity.pods, §2 "Too low").
	// 0 means the eni-max-pods.txt figure for the type (§5).
	MaxPods int
	Order   AssignOrder
	Profile Profile
	// Account is the EC2 account shared with other nodes; nil gives the node its own.
	Account *Account
	// Subnet is where ENIs and their addresses come from; nil gives the node a
	// private 10.0.0.0/16.
	Subnet *Subnet
	// ENISubnets are further subnets tagged kubernetes.io/role/cni in the node's
	// zone that subnet discovery may create ENIs in (§1 ENABLE_SUBNET_DISCOVERY).
	ENISubnets []*Subnet
	// PodSubnet is the ENIConfig subnet for new ENIs under custom networking
	// (§1); nil means Subnet.
	PodSubnet *Subnet
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
	// U[0, Profile.KubeletJitter)) later (§3: 10 s). Zero means 10 s.
	KubeletBackoff sim.Time
}

// Counters are the node's running totals. Names follow aws-node's metrics where
// it has them (§6).
type Counters struct {
	AddRequests     uint64 // awscni_add_ip_req_count: AddNetwork calls, retries included
	DelRequests     uint64 // awscni_del_ip_req_count{reason="PodDeleted"}
	NoAvailableIP   uint64 // awscni_no_available_ip_addresses: ADDs that found no free address
	AddsBeforeReady uint64 // ADDs refused because ipamd had not finished start-up (§2)
	PodsAdded       uint64 // pods that asked for an address (first ADD)
	PodsAssigned    uint64 // pods that got one
	PodsWaited      uint64 // pods that got one after at least one failed ADD
	PodsCancelled   uint64 // pods deleted while still waiting
	EC2Requests     [NumAPIs]uint64
	EC2Errors       [NumAPIs]uint64
	EC2Throttled    [NumAPIs]uint64 // attempts answered RequestLimitExceeded
	EC2Latency      map[LatencyKey]*LatencySum
	IpamdErrors     map[string]uint64 // awscni_ipamd_error_count{fn}
	IMDSWait        LatencySum        // waitForENIAndIPsAttached
	Wait            WaitHistogram     // pod IP wait: first ADD to the ADD that got an address
	ENIsAttached    uint64
	ENIsFreed       uint64
	PeakENIs        int
	PeakTotalIPs    int
	PeakAssigned    int
	PeakIdle        int // most addresses held but assigned to no pod at once
	PeakWaiting     int
	HeldIPSeconds   float64 // ∫ total addresses dt
	IdleIPSeconds   float64 // ∫ (total − assigned) dt
}

// LatencyKey labels awscni_aws_api_latency_ms (§6).
type LatencyKey struct {
	API    API
	Status ErrCode
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
	cfg    Config
	eng    *sim.Engine
	lim    Limits
	set    Settings
	policy Policy
	ds     *Datastore
	acct   *Account
	subnet *Subnet
	pods   podTable

	rngEC2, rngKubelet *rand.Rand

	ready       bool
	nextENIID   ENIID
	devices     []bool // device indexes attached in EC2's view
	eniSubnet   map[ENIID]*Subnet
	eniAddrs    map[ENIID][]netip.Prefix // EC2's view of each ENI's addresses (primary first)
	lastPassEnd sim.Time
	passPending bool
	dormant     bool
	passEvent   sim.EventID
	nextPassAt  sim.Time

	// Loop state (the pool loop is synchronous: one operation at a time).
	call      *ec2Call
	quotaUsed int
	sleepFn   func()
	lastObs   sim.Time
	Counters  Counters

	// Per-pass memory of the VPC CNI policy.
	lastDecrease         sim.Time
	hasDecreased         bool
	lastInsufficient     sim.Time
	hasInsufficient      bool
	lastNodeIPPoolAction sim.Time
	warnings             []string
	terminated           bool
}

type ec2Call struct {
	api      API
	attempt  int
	retried  bool
	started  sim.Time
	effect   func() ErrCode
	done     func(ErrCode)
	throttle bool
}

// Event kinds carried in the low byte of a Fire arg.
const (
	evInit = iota
	evPass
	evCallAttempt
	evCallFinish
	evPodRetry
	evSleep
)

// NewNode builds a node. It returns warnings for settings upstream accepts with
// a warning (e.g. prefix delegation on a non-nitro type, §1).
func NewNode(eng *sim.Engine, cfg Config) (*Node, []string, error) {
	it := cfg.Instance
	if it.MaxENIs < 1 || it.IPv4PerENI < 2 {
		return nil, nil, fmt.Errorf("instance %q: needs at least 1 ENI and 2 IPv4 addresses per ENI", it.Name)
	}
	n := &Node{cfg: cfg, eng: eng, set: cfg.Settings}
	// The policy's agent may hand addresses out differently from ipamd's
	// datastore (no reuse cooldown, blocks kept as /28s): PolicySettings.
	for _, kv := range PolicySettings(cfg.Policy) {
		k, v, _ := ParseAssignment("policy", kv)
		if err := n.set.Set("policy "+cfg.Policy.Name(), k, v); err != nil {
			return nil, nil, err
		}
	}
	if n.set.PrefixDelegation && !it.SupportsPrefixDelegation() {
		// §1: isConfigValid falls back to secondary IPs on non-nitro types.
		n.warnings = append(n.warnings, fmt.Sprintf("prefix delegation is not supported on non-nitro instance %s; falling back to secondary IP mode", it.Name))
		n.set.PrefixDelegation = false
	}
	maxENI := it.MaxENIs
	if n.set.MaxENI >= 1 && n.set.MaxENI < maxENI { // §1 getMaxENI
		maxENI = n.set.MaxENI
	}
	n.lim = Limits{MaxENIs: maxENI, IPv4PerENI: it.IPv4PerENI, PD: n.set.PrefixDelegation}
	if n.cfg.MaxPods <= 0 {
		// §5: the kubelet's max pods from eni-max-pods.txt; with prefix
		// delegation the max-pods calculator's PD figure with its cap, 110
		// (vCPU counts are not in the data, so the 250 cap of >30 vCPU types
		// is not applied; the oracle cases use the same convention).
		n.cfg.MaxPods = catalog.MaxPods(it, catalog.MaxPodsOptions{})
		if n.lim.PD {
			n.cfg.MaxPods = catalog.MaxPods(it, catalog.MaxPodsOptions{PrefixDelegation: true, Cap: 110})
		}
	}
	if n.cfg.KubeletBackoff == 0 {
		n.cfg.KubeletBackoff = 10 * sim.Second
	}
	n.acct = cfg.Account
	if n.acct == nil {
		n.acct = NewAccount(cfg.Profile.Unlimited)
	}
	n.subnet = cfg.Subnet
	if n.subnet == nil {
		n.subnet = MustSubnet("10.0.0.0/16")
	}
	if n.cfg.PodSubnet == nil {
		n.cfg.PodSubnet = n.subnet
	}
	n.rngEC2 = sim.NewRand(cfg.Seed, cfg.Name+"/ec2")
	n.rngKubelet = sim.NewRand(cfg.Seed, cfg.Name+"/kubelet")
	n.ds = NewDatastore(n.lim.PD, n.set.IPCooldown, cfg.Order, sim.NewRand(cfg.Seed, cfg.Name+"/mapwalk"))
	n.devices = make([]bool, maxENI)
	if it.MaxENIs > maxENI {
		n.devices = make([]bool, it.MaxENIs)
	}
	n.eniSubnet = map[ENIID]*Subnet{}
	n.eniAddrs = map[ENIID][]netip.Prefix{}
	n.pods.byName = map[string]int32{}
	n.Counters.EC2Latency = map[LatencyKey]*LatencySum{}
	n.Counters.IpamdErrors = map[string]uint64{}
	n.policy = cfg.Policy
	if n.policy == nil {
		n.policy = VPCCNI{}
	}
	n.warnings = append(n.warnings, n.set.EntrypointWarnings()...)
	return n, n.warnings, nil
}

// PolicyName is the --policy name of the node's pool policy.
func (n *Node) PolicyName() string { return n.policy.Name() }

// Limits returns the node's capacities after MAX_ENI and the PD fallback.
func (n *Node) Limits() Limits { return n.lim }

// Settings returns the settings in effect (after the PD fallback).
func (n *Node) Settings() Settings { return n.set }

// MaxPods is the kubelet max pods the node runs with.
func (n *Node) MaxPods() int { return n.cfg.MaxPods }

// Datastore exposes the node's datastore for observers and tests.
func (n *Node) Datastore() *Datastore { return n.ds }

// Subnet is the node's primary subnet.
func (n *Node) Subnet() *Subnet { return n.subnet }

// Ready reports whether ipamd has finished start-up and answers ADDs.
func (n *Node) Ready() bool { return n.ready }

// Waiting is the number of pods whose ADD has failed and who wait for a retry.
func (n *Node) Waiting() int { return n.pods.waiting }

// Stats returns the datastore's counts now.
func (n *Node) Stats() Stats {
	n.ds.Advance(n.eng.Now())
	return n.ds.Stats()
}

// Start runs ipamd's start-up now: the primary ENI is discovered, then one
// pre-scaling growth step, then ADDs are answered and the pool loop starts (§2).
func (n *Node) Start() { n.eng.After(0, n, evInit) }

// Fire implements sim.Handler.
func (n *Node) Fire(now sim.Time, arg int64) {
	if n.terminated {
		return
	}
	n.observe(now)
	n.ds.Advance(now)
	switch arg & 0xff {
	case evInit:
		n.nodeInit()
	case evPass:
		n.passEvent = 0
		n.runPass()
	case evCallAttempt:
		n.callAttempt()
	case evCallFinish:
		n.callFinish()
	case evPodRetry:
		n.podRetry(int32(arg >> 8))
	case evSleep:
		f := n.sleepFn
		n.sleepFn = nil
		f()
	}
	n.afterEvent()
}

// observe integrates held and idle addresses up to now (values are constant
// between events).
func (n *Node) observe(now sim.Time) {
	if dt := now - n.lastObs; dt > 0 {
		st := n.ds.Stats()
		s := dt.Seconds()
		n.Counters.HeldIPSeconds += float64(st.TotalIPs) * s
		n.Counters.IdleIPSeconds += float64(st.TotalIPs-st.AssignedIPs) * s
		n.lastObs = now
	}
}

// Observe brings the time integrals up to now (call before reading Counters).
func (n *Node) Observe() { n.observe(n.eng.Now()) }

func (n *Node) afterEvent() {
	st := n.ds.Stats()
	c := &n.Counters
	c.PeakENIs = max(c.PeakENIs, st.ENIs)
	c.PeakTotalIPs = max(c.PeakTotalIPs, st.TotalIPs)
	c.PeakAssigned = max(c.PeakAssigned, st.AssignedIPs)
	c.PeakIdle = max(c.PeakIdle, st.TotalIPs-st.AssignedIPs)
	c.PeakWaiting = max(c.PeakWaiting, n.pods.waiting)
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
	for i := range n.pods.pods {
		p := &n.pods.pods[i]
		if p.state == podWaiting && p.retry != 0 {
			n.eng.Cancel(p.retry)
		}
		if p.state != podFree {
			*p = pod{}
			n.pods.free = append(n.pods.free, int32(i))
		}
	}
	clear(n.pods.byName)
	n.pods.live, n.pods.waiting = 0, 0
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
	for len(n.ds.ENIs()) > 0 {
		e := n.ds.ENIs()[0]
		for _, c := range e.CIDRs() {
			for c.assigned != 0 {
				b := uint8(bits.TrailingZeros16(c.assigned))
				n.ds.Unassign(c, b, n.eng.Now())
			}
		}
		n.ds.RemoveENI(e)
	}
}

// Terminated reports whether Terminate was called.
func (n *Node) Terminated() bool { return n.terminated }

// Pods is the number of live pods on the node, waiting ones included.
func (n *Node) Pods() int { return n.pods.live }

// PodNames returns the live pods' names, sorted.
func (n *Node) PodNames() []string {
	names := make([]string, 0, n.pods.live)
	for _, p := range n.pods.pods {
		if p.state != podFree {
			names = append(names, p.name)
		}
	}
	slices.Sort(names)
	return names
}

// ---- EC2 calls ----

// ec2 makes one EC2 call through the SDK's standard retryer. effect, if not
// nil, runs when EC2 answers and may turn the answer into an API error; done
// gets the final outcome.
func (n *Node) ec2(api API, effect func() ErrCode, done func(ErrCode)) {
	if n.call != nil {
		panic("ipam: overlapping EC2 calls in the pool loop")
	}
	n.call = &ec2Call{api: api, attempt: 1, effect: effect, done: done}
	n.callAttempt()
}

func (n *Node) callAttempt() {
	c := n.call
	now := n.eng.Now()
	c.started = now
	p := &n.cfg.Profile
	if n.acct.take(c.api, now) {
		c.throttle = false
		n.eng.After(p.Latency[c.api].draw(n.rngEC2), n, evCallFinish)
	} else {
		c.throttle = true
		n.eng.After(p.Throttled.draw(n.rngEC2), n, evCallFinish)
	}
}

func (n *Node) callFinish() {
	c := n.call
	now := n.eng.Now()
	code := OK
	if c.throttle {
		code = RequestLimitExceeded
	} else if c.effect != nil {
		code = c.effect()
	}
	cn := &n.Counters
	cn.EC2Requests[c.api]++
	key := LatencyKey{c.api, code}
	ls := cn.EC2Latency[key]
	if ls == nil {
		ls = &LatencySum{}
		cn.EC2Latency[key] = ls
	}
	ls.add(now - c.started)
	if code != OK {
		cn.EC2Errors[c.api]++
	}
	if code == RequestLimitExceeded {
		cn.EC2Throttled[c.api]++
		if c.attempt < sdkMaxAttempts && n.retryQuota() >= sdkRetryCost {
			n.spendQuota(sdkRetryCost)
			c.retried = true
			c.attempt++
			n.eng.After(sdkBackoff(n.rngEC2, c.attempt-1), n, evCallAttempt)
			return
		}
	} else if code == OK {
		if c.retried {
			n.spendQuota(-sdkRetryCost)
		} else {
			n.spendQuota(-sdkNoRetryRefund)
		}
	}
	n.call = nil
	c.done(code)
}

// The SDK client's retry quota (per node: one EC2 client per aws-node).
func (n *Node) retryQuota() int  { return sdkQuota - n.quotaUsed }
func (n *Node) spendQuota(k int) { n.quotaUsed = max(0, min(sdkQuota, n.quotaUsed+k)) }

// sleep resumes f after d of simulated time.
func (n *Node) sleep(d sim.Time, f func()) {
	if n.sleepFn != nil {
		panic("ipam: overlapping sleeps in the pool loop")
	}
	n.sleepFn = f
	n.eng.After(d, n, evSleep)
}

func (n *Node) ipamdErr(fn string) { n.Counters.IpamdErrors[fn]++ }

// ---- start-up and loop ----

// nodeInit is upstream nodeInit (§2 Startup): discover the primary ENI
// (DescribeNetworkInterfaces), tag it (CreateTags), then one pre-scaling step;
// the gRPC server answers ADDs only after that.
func (n *Node) nodeInit() {
	now := n.eng.Now()
	if len(n.ds.ENIs()) == 0 {
		ip, ok := n.subnet.AllocAddr()
		if !ok {
			panic("ipam: the node's subnet has no address for its primary ENI")
		}
		n.nextENIID++
		id := n.nextENIID
		n.devices[0] = true
		n.eniSubnet[id] = n.subnet
		n.eniAddrs[id] = []netip.Prefix{netip.PrefixFrom(ip, 32)}
		n.ds.AddENI(id, 0, true, ip, now)
		n.Counters.ENIsAttached++
	}
	n.ec2(DescribeNetworkInterfaces, nil, func(ErrCode) {
		n.ec2(CreateTags, nil, func(ErrCode) {
			n.policy.PreScale(n, func(ok bool) {
				if !ok {
					// handlePreScaling failed (custom networking with an empty
					// pool): aws-node exits and is restarted.
					n.ipamdErr("nodeInit")
					n.sleep(10*sim.Second, n.nodeInit)
					return
				}
				n.ready = true
				n.lastPassEnd = n.eng.Now()
				n.schedulePass(n.eng.Now() + n.LoopPeriod()/2)
				if n.cfg.OnReady != nil {
					n.cfg.OnReady(n)
				}
			})
		})
	})
}

// PeriodPolicy is a Policy whose pool loop runs at its own period instead of
// ipamd's 5 s ipPoolMonitorInterval (other-policies.md A1–A3, A6).
type PeriodPolicy interface{ Period() sim.Time }

// ADDAllocator is a Policy that can add addresses inside the CNI ADD itself,
// before the ADD fails (Calico claims a block in its ADD, other-policies.md A6).
type ADDAllocator interface{ AllocateOnADD(n *Node) bool }

// LoopPeriod is the pool loop's period: the policy's own, or ipamd's 5 s.
func (n *Node) LoopPeriod() sim.Time {
	if pp, ok := n.policy.(PeriodPolicy); ok && pp.Period() > 0 {
		return pp.Period()
	}
	return 2 * passHalf
}

// passHalf is half of ipPoolMonitorInterval: the loop sleeps 2.5 s, updates the
// pool, sleeps 2.5 s, reconciles (§2 Cadence).
const passHalf = 2500 * sim.Millisecond

func (n *Node) schedulePass(at sim.Time) {
	n.dormant = false
	n.passPending = true
	n.nextPassAt = at
	n.passEvent = n.eng.Schedule(at, n, evPass)
}

func (n *Node) runPass() {
	n.passPending = false
	n.dormant = false // a pass is running: pod events must not start another
	n.policy.Pass(n, func(idle bool) {
		n.lastPassEnd = n.eng.Now()
		period := n.LoopPeriod()
		if idle && !n.cfg.AlwaysTick {
			at, pending := n.nextTimer()
			if !pending {
				// Nothing the pass looks at can change until a pod arrives or
				// leaves: sleep without ticking, keeping the loop's phase.
				n.dormant = true
				return
			}
			if at > n.lastPassEnd+period {
				// Skip the passes that would find nothing to do: the first
				// one that can act is the first on the loop's phase at or
				// after the timer.
				k := (at - n.lastPassEnd + period - 1) / period
				n.schedulePass(n.lastPassEnd + k*period)
				n.dormant = true // a pod event may still pull the pass earlier
				return
			}
		}
		n.schedulePass(n.lastPassEnd + period)
	})
}

// TimerPolicy is a Policy that can tell when, with no pod arriving or leaving,
// its next pass could first act: pure timers such as cooldown expiry, the ENI
// minimum age or a decrease gate. Policies without it keep the loop ticking
// while any such timer runs.
type TimerPolicy interface {
	NextTimer(n *Node) (at sim.Time, pending bool)
}

// WakePolicy is a Policy that can tell, cheaply and without side effects,
// whether a pass now could act at all. A dormant loop is not woken for a pod
// event after which NeedsPass is false: such a pass would be idle, so skipping
// it changes nothing but the event count.
type WakePolicy interface {
	NeedsPass(n *Node) bool
}

// nextTimer returns when a timer could first change what an idle pass does.
func (n *Node) nextTimer() (sim.Time, bool) {
	if tp, ok := n.policy.(TimerPolicy); ok {
		return tp.NextTimer(n)
	}
	if n.quiescent() {
		return 0, false
	}
	return n.eng.Now(), true
}

// quiescent reports that no timer the pool rules depend on is running: no
// address in cooldown, no ENI younger than 60 s, no 120 s pause.
func (n *Node) quiescent() bool {
	now := n.eng.Now()
	if n.ds.Stats().CooldownIPs > 0 {
		return false
	}
	if n.hasInsufficient && now-n.lastInsufficient <= insufficientCooldown {
		return false
	}
	for _, e := range n.ds.ENIs() {
		if !e.Primary && now-e.CreatedAt < minENILifetime {
			return false
		}
	}
	return true
}

// wake brings a dormant loop back to its next pass instant (a pod arrived or
// left, so the pool may need to act).
func (n *Node) wake() {
	if !n.dormant || !n.ready {
		return
	}
	if w, ok := n.policy.(WakePolicy); ok && !w.NeedsPass(n) {
		return // the pass would find nothing to do; the loop stays asleep
	}
	now := n.eng.Now()
	period := n.LoopPeriod()
	k := (now - n.lastPassEnd + period - 1) / period
	if k < 1 {
		k = 1
	}
	at := n.lastPassEnd + k*period
	if n.passPending {
		if n.passEvent != 0 && at >= n.nextPassAt {
			return
		}
		n.eng.Cancel(n.passEvent)
	}
	n.schedulePass(at)
}

// ---- pods ----

type podState uint8

const (
	podFree podState = iota
	podWaiting
	podRunning
)

type pod struct {
	name     string
	state    podState
	firstAdd sim.Time
	cidr     *CIDR
	bit      uint8
	retry    sim.EventID
	failed   bool
}

type podTable struct {
	pods    []pod
	free    []int32
	byName  map[string]int32 // pods added by name (not by handle)
	live    int
	waiting int
}

// PodStatus is what the kubelet sees of a pod.
type PodStatus uint8

const (
	PodUnknown PodStatus = iota
	PodWaiting           // ContainerCreating: no address yet
	PodRunning           // has an address
)

// PodInfo describes a live pod.
type PodInfo struct {
	Status   PodStatus
	Addr     netip.Addr
	ENI      ENIID
	Waited   bool // its first ADD failed
	FirstAdd sim.Time
}

// Pod returns what the node knows of a live pod.
func (n *Node) Pod(name string) PodInfo {
	i, ok := n.pods.byName[name]
	if !ok {
		return PodInfo{}
	}
	p := &n.pods.pods[i]
	info := PodInfo{Waited: p.failed, FirstAdd: p.firstAdd}
	switch p.state {
	case podWaiting:
		info.Status = PodWaiting
	case podRunning:
		info.Status = PodRunning
		info.Addr = p.cidr.Addr(int(p.bit))
		info.ENI = p.cidr.eni.ID
	}
	return info
}

// PodError is a trace that does not fit the node's pods.
type PodError struct{ Msg string }

func (e *PodError) Error() string { return e.Msg }

// AddPod is the kubelet creating a pod's sandbox: a CNI ADD now (§3). A pod
// that gets no address is retried after the kubelet's back-off.
func (n *Node) AddPod(name []byte) error {
	if _, dup := n.pods.byName[string(name)]; dup {
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	return n.AddPodNamed(string(name))
}

// AddPodNamed is AddPod for a caller that already holds the name as a string
// (no copy is made).
func (n *Node) AddPodNamed(name string) error {
	l := len(n.pods.byName)
	n.pods.byName[name] = -1
	if len(n.pods.byName) == l {
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	n.pods.byName[name] = n.addPod(name)
	return nil
}

// PodHandle names a live pod on a node without a name lookup (cluster mode,
// where the cluster keeps the index).
type PodHandle int32

// AddPodHandle is AddPod for a caller that tracks its pods itself: the node
// keeps no name index for it, so Pod(name) does not find it. The caller must
// not add the same name twice.
func (n *Node) AddPodHandle(name string) PodHandle { return PodHandle(n.addPod(name)) }

func (n *Node) addPod(name string) int32 {
	n.observe(n.eng.Now())
	n.ds.Advance(n.eng.Now())
	var i int32
	if k := len(n.pods.free); k > 0 {
		i = n.pods.free[k-1]
		n.pods.free = n.pods.free[:k-1]
	} else {
		n.pods.pods = append(n.pods.pods, pod{})
		i = int32(len(n.pods.pods) - 1)
	}
	n.pods.pods[i] = pod{name: name, state: podWaiting, firstAdd: n.eng.Now()}
	n.pods.live++
	n.pods.waiting++
	n.Counters.PodsAdded++
	n.tryAssign(i)
	n.afterEvent()
	n.wake()
	return i
}

func (n *Node) tryAssign(i int32) {
	p := &n.pods.pods[i]
	n.Counters.AddRequests++
	now := n.eng.Now()
	if n.ready {
		c, b, ok := n.ds.Assign()
		if !ok {
			if a, isA := n.policy.(ADDAllocator); isA && a.AllocateOnADD(n) {
				c, b, ok = n.ds.Assign()
			}
		}
		if ok {
			p.state = podRunning
			p.cidr, p.bit = c, b
			n.pods.waiting--
			n.Counters.PodsAssigned++
			if p.failed {
				n.Counters.PodsWaited++
			}
			n.Counters.Wait.Add(now - p.firstAdd)
			return
		}
		n.Counters.NoAvailableIP++ // ErrNoAvailableIPInDataStore (§3)
	} else {
		n.Counters.AddsBeforeReady++
	}
	p.failed = true
	// §3: the kubelet requeues the pod after 10 s with jitter 0.5 (none in the
	// zero profile).
	d := n.cfg.KubeletBackoff
	if j := n.cfg.Profile.KubeletJitter; j > 0 {
		d = sim.Jitter(n.rngKubelet, d, j)
	}
	p.retry = n.eng.After(d, n, evPodRetry|int64(i)<<8)
}

func (n *Node) podRetry(i int32) {
	p := &n.pods.pods[i]
	if p.state != podWaiting {
		return
	}
	p.retry = 0
	n.tryAssign(i)
	n.wake()
}

// DelPod is the kubelet tearing a pod's sandbox down: a CNI DEL (§3). The
// address starts its cooldown; no EC2 call is made. Deleting a pod that still
// waits cancels its retries.
func (n *Node) DelPod(name []byte) error {
	i, ok := n.pods.byName[string(name)]
	if !ok {
		return &PodError{fmt.Sprintf("del of pod %q, which is not live", name)}
	}
	delete(n.pods.byName, n.pods.pods[i].name)
	n.delPod(i)
	return nil
}

// DelPodHandle is DelPod for a pod added with AddPodHandle.
func (n *Node) DelPodHandle(h PodHandle) { n.delPod(int32(h)) }

func (n *Node) delPod(i int32) {
	n.observe(n.eng.Now())
	n.ds.Advance(n.eng.Now())
	p := &n.pods.pods[i]
	if p.state == podFree {
		panic("ipam: deleting a pod slot that is free")
	}
	n.Counters.DelRequests++
	switch p.state {
	case podWaiting:
		n.eng.Cancel(p.retry)
		n.pods.waiting--
		n.Counters.PodsCancelled++
	case podRunning:
		n.ds.Unassign(p.cidr, p.bit, n.eng.Now())
	}
	*p = pod{}
	n.pods.live--
	n.pods.free = append(n.pods.free, i)
	n.afterEvent()
	n.wake()
}

// ---- EC2-backed pool actions (used by policies) ----

// takeAddrs takes count secondary IPs or /28 prefixes from s for an ENI, or
// none at all, returning the code EC2 answers when the subnet cannot.
func (n *Node) takeAddrs(s *Subnet, count int) ([]netip.Prefix, ErrCode) {
	out := make([]netip.Prefix, 0, count)
	for k := 0; k < count; k++ {
		var p netip.Prefix
		ok := false
		if n.lim.PD {
			p, ok = s.AllocPrefix28()
		} else {
			var a netip.Addr
			a, ok = s.AllocAddr()
			p = netip.PrefixFrom(a, 32)
		}
		if !ok {
			for _, q := range out {
				s.Release(q)
			}
			if n.lim.PD {
				return nil, InsufficientCidrBlocks
			}
			return nil, InsufficientFreeAddressesInSubnet
		}
		out = append(out, p)
	}
	return out, OK
}

// AssignToENI is one AssignPrivateIpAddresses for count IPs or prefixes on an
// existing ENI, with upstream's fallback to a single one on failure
// (§2 step 1, §7). done reports whether the pool grew and the last error.
func (n *Node) AssignToENI(e *ENI, count int, done func(grew bool, code ErrCode)) {
	var got []netip.Prefix
	effect := func(k int) func() ErrCode {
		return func() ErrCode {
			var code ErrCode
			got, code = n.takeAddrs(n.eniSubnet[e.ID], k)
			return code
		}
	}
	add := func() {
		for _, p := range got {
			n.ds.AddCIDR(e, p)
		}
		n.eniAddrs[e.ID] = append(n.eniAddrs[e.ID], got...)
	}
	n.ec2(AssignPrivateIpAddresses, effect(count), func(code ErrCode) {
		if code == OK {
			add()
			done(true, OK)
			return
		}
		n.ec2(AssignPrivateIpAddresses, effect(1), func(code ErrCode) {
			if code == OK {
				add()
				done(true, OK)
				return
			}
			n.ipamdErr("increaseIPPoolAllocIPAddressesFailed")
			done(false, code)
		})
	})
}

// AllocENI creates and attaches a new ENI pre-loaded with count IPs or
// prefixes (upstream tryAllocateENI → AllocENI → waitForENIAndIPsAttached →
// setupENI; §2 step 2, §7). done reports the outcome.
func (n *Node) AllocENI(count int, done func(code ErrCode)) {
	subnet := n.eniSubnetChoice()
	var primary netip.Addr
	var addrs []netip.Prefix
	var id ENIID
	device := -1
	fail := func(code ErrCode) {
		n.ipamdErr("increaseIPPoolAllocENI")
		done(code)
	}
	create := func() {
		n.ec2(CreateNetworkInterface, func() ErrCode {
			a, ok := subnet.AllocAddr()
			if !ok {
				return InsufficientFreeAddressesInSubnet
			}
			var code ErrCode
			addrs, code = n.takeAddrs(subnet, count)
			if code != OK {
				subnet.Release(netip.PrefixFrom(a, 32))
				return InvalidParameterValue // §2: not matched by ipamd (#3105)
			}
			primary = a
			// The ENI exists in EC2 from here on, holding its addresses.
			n.nextENIID++
			id = n.nextENIID
			n.eniSubnet[id] = subnet
			n.eniAddrs[id] = append([]netip.Prefix{netip.PrefixFrom(primary, 32)}, addrs...)
			return OK
		}, func(code ErrCode) {
			if code != OK {
				fail(code)
				return
			}
			// If the attach fails, the ENI is deleted (§7).
			deleteENI := func(code ErrCode) {
				n.ec2(DeleteNetworkInterface, func() ErrCode {
					for _, p := range n.eniAddrs[id] {
						subnet.Release(p)
					}
					delete(n.eniAddrs, id)
					delete(n.eniSubnet, id)
					return OK
				}, func(ErrCode) { fail(code) })
			}
			n.ec2(DescribeInstances, func() ErrCode {
				for d := 1; d < len(n.devices); d++ {
					if !n.devices[d] {
						device = d
						return OK
					}
				}
				return OK
			}, func(code ErrCode) {
				if code != OK {
					deleteENI(code)
					return
				}
				n.ec2(AttachNetworkInterface, func() ErrCode {
					if device < 0 || n.devices[device] {
						return AttachmentLimitExceeded
					}
					n.devices[device] = true
					return OK
				}, func(code ErrCode) {
					if code != OK {
						deleteENI(code)
						return
					}
					n.ec2(ModifyNetworkInterfaceAttribute, nil, func(ErrCode) {
						n.waitIMDS(func() {
							e := n.ds.AddENI(id, device, false, primary, n.eng.Now())
							for _, p := range addrs {
								n.ds.AddCIDR(e, p)
							}
							n.Counters.ENIsAttached++
							done(OK)
						})
					})
				})
			})
		})
	}
	if n.set.SubnetDiscovery {
		n.ec2(DescribeSubnets, nil, func(code ErrCode) {
			if code != OK {
				fail(code)
				return
			}
			create()
		})
		return
	}
	create()
}

// eniSubnetChoice is the subnet a new ENI is created in (§1): the ENIConfig
// subnet under custom networking; with subnet discovery, the candidate with the
// most free addresses (the node's subnet first on ties); else the node's subnet.
func (n *Node) eniSubnetChoice() *Subnet {
	if n.set.CustomNetworking {
		return n.cfg.PodSubnet
	}
	best := n.subnet
	if n.set.SubnetDiscovery {
		for _, s := range n.cfg.ENISubnets {
			if s.Free() > best.Free() {
				best = s
			}
		}
	}
	return best
}

// waitIMDS polls instance metadata until the new ENI and its addresses show:
// first poll at once, then after 100 ms doubling with 15 % jitter, at most 12
// attempts (§7 waitForENIAndIPsAttached).
func (n *Node) waitIMDS(done func()) {
	start := n.eng.Now()
	visible := start + n.cfg.Profile.IMDSVisible.draw(n.rngEC2)
	backoff := 100 * sim.Millisecond
	var poll func(attempt int)
	poll = func(attempt int) {
		now := n.eng.Now()
		if now >= visible || attempt >= 12 {
			n.Counters.IMDSWait.add(now - start)
			done()
			return
		}
		d := backoff + sim.Time(n.rngEC2.Float64()*0.15*float64(backoff))
		backoff = min(2*backoff, 60*sim.Second)
		n.sleep(d, func() { poll(attempt + 1) })
	}
	poll(1)
}

// ReleaseCIDRs returns CIDRs that no pod holds on one ENI: they leave the
// datastore first, then one UnassignPrivateIpAddresses for the prefixes and one
// for the /32s, each only if non-empty (§2 "Releasing", upstream DeallocCidrs).
func (n *Node) ReleaseCIDRs(e *ENI, cs []*CIDR, done func()) {
	var ips, prefixes []netip.Prefix
	for _, c := range cs {
		if err := n.ds.DelCIDR(c); err != nil {
			n.ipamdErr("decreaseIPPool")
			continue
		}
		if c.IsPrefix() {
			prefixes = append(prefixes, c.Prefix)
		} else {
			ips = append(ips, c.Prefix)
		}
	}
	sub := n.eniSubnet[e.ID]
	unassign := func(ps []netip.Prefix, next func()) {
		if len(ps) == 0 {
			next()
			return
		}
		n.ec2(UnassignPrivateIpAddresses, func() ErrCode {
			for _, p := range ps {
				sub.Release(p)
			}
			n.eniAddrs[e.ID] = removePrefixes(n.eniAddrs[e.ID], ps)
			return OK
		}, func(ErrCode) { next() })
	}
	unassign(prefixes, func() { unassign(ips, done) })
}

func removePrefixes(all, gone []netip.Prefix) []netip.Prefix {
	out := all[:0]
	for _, p := range all {
		keep := true
		for _, g := range gone {
			if p == g {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

// FreeENI detaches and deletes an ENI that already left the datastore:
// DescribeNetworkInterfaces, DetachNetworkInterface, a fixed 2 s sleep, then
// DeleteNetworkInterface, each retried up to 12 times (§2 "Freeing an ENI").
func (n *Node) FreeENI(e *ENI, done func()) {
	sub := n.eniSubnet[e.ID]
	retry := func(api API, effect func() ErrCode, first sim.Time, next func(ok bool)) {
		backoff := first
		var try func(k int)
		try = func(k int) {
			n.ec2(api, effect, func(code ErrCode) {
				if code == OK {
					next(true)
					return
				}
				if k >= 12 {
					next(false)
					return
				}
				d := backoff
				backoff = min(2*backoff, 60*sim.Second)
				n.sleep(d, func() { try(k + 1) })
			})
		}
		try(1)
	}
	n.ec2(DescribeNetworkInterfaces, nil, func(ErrCode) {
		retry(DetachNetworkInterface, func() ErrCode {
			n.devices[e.Device] = false
			return OK
		}, 200*sim.Millisecond, func(ok bool) {
			if !ok {
				n.ipamdErr("decreaseIPPoolFreeENIFailed")
				done()
				return
			}
			n.sleep(n.cfg.Profile.DetachSettle, func() {
				retry(DeleteNetworkInterface, func() ErrCode {
					for _, p := range n.eniAddrs[e.ID] {
						sub.Release(p)
					}
					delete(n.eniAddrs, e.ID)
					delete(n.eniSubnet, e.ID)
					n.Counters.ENIsFreed++
					return OK
				}, 500*sim.Millisecond, func(ok bool) {
					if !ok {
						n.ipamdErr("decreaseIPPoolFreeENIFailed")
					}
					done()
				})
			})
		})
	})
}

// HasRoomForENI is upstream hasRoomForEni (§2 step 2): ENIs below the limit,
// one slot kept for the trunk ENI with ENABLE_POD_ENI.
func (n *Node) HasRoomForENI() bool {
	trunk := 0
	if n.set.PodENI {
		trunk = 1
	}
	return len(n.ds.ENIs()) < n.lim.MaxENIs-trunk
}

// insufficientCooldown is the 120 s growth pause after an insufficient-address
// error (§2).
const insufficientCooldown = 120 * sim.Second

// InInsufficientPause reports whether growth is paused (§2).
func (n *Node) InInsufficientPause() bool {
	return n.hasInsufficient && n.eng.Now()-n.lastInsufficient <= insufficientCooldown
}

func (n *Node) noteInsufficient(code ErrCode) {
	if code.insufficient() {
		n.hasInsufficient = true
		n.lastInsufficient = n.eng.Now()
	}
}

func (c *Counters) totalEC2() uint64 {
	var t uint64
	for _, v := range c.EC2Requests {
		t += v
	}
	return t
}

// EC2Addresses calls f for every address or prefix EC2 has given the node's
// ENIs (primary IPs included), with the subnet it came from: EC2's view, which
// includes ENIs that already left the datastore but are not deleted yet.
func (n *Node) EC2Addresses(f func(s *Subnet, p netip.Prefix)) {
	ids := make([]ENIID, 0, len(n.eniAddrs))
	for id := range n.eniAddrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, p := range n.eniAddrs[id] {
			f(n.eniSubnet[id], p)
		}
	}
}
