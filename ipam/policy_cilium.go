package ipam

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// Cilium's ENI IPAM (docs/policies.md A1): the cilium-operator keeps
// pre-allocate addresses available on each node, computed from what the
// agent last reported in its CiliumNode, and talks to EC2 on its own cadence
// instead of ipamd's 5 s loop. Upstream: cilium/cilium pkg/ipam/node.go
// (@0013798), pkg/ipam/node_manager.go, pkg/aws/eni/node.go,
// Documentation/network/concepts/ipam/eni.rst.

var ciliumParams = []ParamSpec{
	{"pre-allocate", "8", "spec.ipam.pre-allocate: addresses kept available for pods (A1)"},
	{"min-allocate", "0", "spec.ipam.min-allocate: floor on the addresses a node holds, 0 off (A1)"},
	{"max-allocate", "0", "spec.ipam.max-allocate: ceiling, 0 = the instance's secondary-IP limit, prefix delegation ignored (A1, cilium#32205)"},
	{"max-above-watermark", "0", "spec.ipam.max-above-watermark: extra addresses asked for per allocation (A1)"},
	{"first-interface-index", "0", "spec.eni.first-interface-index: ENIs at a lower device index hold no pod addresses (A1)"},
	{"aws-release-excess-ips", "false", "operator: release excess addresses (A1 shrink rule)"},
	{"excess-ip-release-delay", "180", "operator: seconds an address must stay excess before the release handshake (A1)"},
	{"aws-enable-prefix-delegation", "false", "operator: allocate /28 prefixes instead of /32s (A1); the node runs in prefix mode"},
	{"ipam-cilium-node-update-rate", "15s", "agent: CiliumNode status (addresses in use) is written at most this often (crd-allocator-node-refresher)"},
	{"ipam-node-interval-refresh", "1m", "operator: interval scan of the EC2 cache and every node (A1 'a scan once a minute')"},
	{"ipam-node-manager-resync", "1s", "operator: cache resync after an allocation at most this often (A1 'at most once per second', eni.rst)"},
}

// cilium is the cilium-operator's ENI allocator with its agent's reporting:
// its parameters.
type cilium struct {
	PreAllocate       int
	MinAllocate       int
	MaxAllocate       int // 0: the instance limit
	MaxAboveWatermark int
	FirstIfaceIndex   int
	ReleaseExcessIPs  bool
	ReleaseDelay      sim.Time
	PrefixDelegation  bool
	NodeUpdateRate    sim.Time // agent: --ipam-cilium-node-update-rate
	IntervalRefresh   sim.Time // operator: ipam-node-interval-refresh
	ResyncInterval    sim.Time // operator: resync trigger after a mutation
}

func buildCilium(v *paramValues) policyKind {
	return &cilium{
		PreAllocate:       v.int("pre-allocate", 0, 1<<20),
		MinAllocate:       v.int("min-allocate", 0, 1<<20),
		MaxAllocate:       v.int("max-allocate", 0, 1<<20),
		MaxAboveWatermark: v.int("max-above-watermark", 0, 1<<20),
		FirstIfaceIndex:   v.int("first-interface-index", 0, 64),
		ReleaseExcessIPs:  v.bool("aws-release-excess-ips"),
		ReleaseDelay:      sim.Time(v.int("excess-ip-release-delay", 0, 1<<30)) * sim.Second,
		PrefixDelegation:  v.bool("aws-enable-prefix-delegation"),
		NodeUpdateRate:    v.duration("ipam-cilium-node-update-rate", true),
		IntervalRefresh:   v.duration("ipam-node-interval-refresh", false),
		ResyncInterval:    v.duration("ipam-node-manager-resync", true),
	}
}

// settings: the agent hands a released address out again at once (no reuse
// cooldown in A1), and --aws-enable-prefix-delegation puts the node's ENIs in
// prefix mode (A1).
func (c *cilium) settings() []string {
	s := []string{"IP_COOLDOWN_PERIOD=0"}
	if c.PrefixDelegation {
		s = append(s, "ENABLE_PREFIX_DELEGATION=true", "WARM_PREFIX_TARGET=1")
	}
	return s
}

// calculateNeededIPs is upstream calculateNeededIPs (A1 grow rule): available
// is every address the node holds, used those pods hold.
func calculateNeededIPs(available, used, preAllocate, minAllocate, maxAllocate int) int {
	needed := preAllocate - (available - used)
	if minAllocate > 0 {
		needed = max(needed, minAllocate-available)
	}
	if maxAllocate > 0 && available+needed > maxAllocate {
		needed = maxAllocate - available
	}
	return max(needed, 0)
}

// calculateExcessIPs is upstream calculateExcessIPs as stored at @0013798 (A1
// shrink rule; the newer three-case form in the unreleased eni.rst is not
// used).
func calculateExcessIPs(available, used, preAllocate, minAllocate, maxAboveWatermark int) int {
	if used <= minAllocate+maxAboveWatermark && available <= minAllocate+maxAboveWatermark {
		return 0
	}
	return max(available-used-preAllocate-maxAboveWatermark, 0)
}

// ciliumSurge is determineMaintenanceAction's surge: pending pods (A1.14) beyond the
// deficit (A1 grow rule).
func ciliumSurge(pending, needed int) int { return max(pending-needed, 0) }

// releaseState is an address's place in the operator–agent release handshake
// (A1 shrink rule: marked, then ready-for-release or do-not-release, then
// released).
type releaseState uint8

const (
	relTracked releaseState = iota // excess, waiting out excess-ip-release-delay
	relMarked                      // marked-for-release written to the CiliumNode
	relReady                       // the agent answered ready-for-release
)

type releaseMark struct {
	since sim.Time
	state releaseState
}

// attach: the operator's allocation queue is handled on demand but at most
// once per second (A1 Timing), the loop's period.
func (c *cilium) attach(o Ops) Controller {
	n := &ciliumNode{cilium: c, ops: o, info: o.Node()}
	return Controller{Period: sim.Second, PreScale: n.preScale, Pass: n.pass, NextTimer: n.nextTimer}
}

// ciliumNode is one node's state: what the agent last reported and the
// operator's per-node bookkeeping.
type ciliumNode struct {
	*cilium
	ops  Ops
	info NodeInfo

	// Agent side (status.ipam.used, written at most every NodeUpdateRate).
	reportedUsed int
	changesSeen  uint64
	lastUpdate   sim.Time
	// Operator side.
	cnUpdated     bool // a CiliumNode update not yet acted on (UpdatedResource)
	resyncNeeded  bool // requireResync: allocation waits for the next resync
	resyncPending bool // the resync trigger fired (an EC2 mutation)
	lastResync    sim.Time
	nextScan      sim.Time
	marks         map[netip.Prefix]*releaseMark
}

// preScale: the agent creates its CiliumNode; the operator's UpdatedResource
// resolves the initial deficit (A1: pre-allocate on an empty node) before the
// agent hands out addresses.
func (s *ciliumNode) preScale() bool {
	now := s.ops.Now()
	s.lastUpdate, s.lastResync, s.nextScan = now, now-s.ResyncInterval, now+s.IntervalRefresh
	s.marks = map[netip.Prefix]*releaseMark{}
	s.changesSeen = s.ops.PodChanges()
	s.maintain(false)
	return true
}

// pass is one turn of the operator's queue (A1 Timing): the agent's status
// write if due, then a resync (after a mutation, at most once per
// ipam-node-manager-resync, or the once-a-minute scan) with maintenance, or
// the maintenance a CiliumNode update triggers.
func (s *ciliumNode) pass() (idle bool) {
	now := s.ops.Now()
	acted := s.agentUpdate()
	scan := now >= s.nextScan
	if scan || (s.resyncPending && now >= s.lastResync+s.ResyncInterval) {
		if scan {
			for s.nextScan <= now {
				s.nextScan += s.IntervalRefresh
			}
		}
		s.cnUpdated = false // the resync recalculates from the latest report
		s.resync()
		s.maintain(true)
		return false
	}
	if s.cnUpdated {
		s.cnUpdated = false
		s.maintain(false)
		return false
	}
	return !acted
}

// agentUpdate is the agent's rate-limited CiliumNode status write: addresses
// in use, and its answers in the release handshake (A1 shrink rule). The
// operator's UpdatedResource runs on it (A1 Timing: "every CiliumNode
// update"). The rate is the agent's --ipam-cilium-node-update-rate.
func (s *ciliumNode) agentUpdate() bool {
	now := s.ops.Now()
	dirty := s.ops.PodChanges() != s.changesSeen
	for _, m := range s.marks {
		dirty = dirty || m.state == relMarked
	}
	if !dirty || now < s.lastUpdate+s.NodeUpdateRate {
		return false
	}
	s.lastUpdate = now
	s.changesSeen = s.ops.PodChanges()
	s.reportedUsed = s.ops.Stats().AssignedIPs
	for p, m := range s.marks {
		if m.state != relMarked {
			continue
		}
		if s.cidrFree(p) {
			m.state = relReady
		} else {
			delete(s.marks, p) // do-not-release: in use
		}
	}
	s.cnUpdated = true
	return true
}

// resync is the EC2 cache refresh (A1 Timing: once a minute, and after an
// allocation; instancesAPIResync's DescribeNetworkInterfaces and
// DescribeSubnets, of the describes eni.rst lists) followed by the node's
// recalculation; it clears requireResync.
func (s *ciliumNode) resync() {
	s.lastResync = s.ops.Now()
	s.resyncPending = false
	s.ops.Describe(ec2.DescribeNetworkInterfaces)
	s.ops.Describe(ec2.DescribeSubnets)
	s.resyncNeeded = false
}

// maxAllocate is max-allocate, or the instance limit: (adapters − first
// interface index) × (IPv4 per adapter − 1), which ignores prefix delegation
// (A1, cilium#32205).
func (s *ciliumNode) maxAllocate() int {
	if s.MaxAllocate > 0 {
		return s.MaxAllocate
	}
	return max(s.info.Limits.MaxENIs-s.FirstIfaceIndex, 0) * (s.info.Limits.IPv4PerENI - 1)
}

// maintain is resyncNode/UpdatedResource deciding on maintenance and
// MaintainIPPool doing it (A1): release when excess is to be released, else
// one allocation for needed + max-above-watermark + surge. withRelease is
// false on a CiliumNode update, where upstream checks only allocation.
func (s *ciliumNode) maintain(withRelease bool) {
	st := s.ops.Stats()
	needed := calculateNeededIPs(st.TotalIPs, s.reportedUsed, s.PreAllocate, s.MinAllocate, s.maxAllocate())
	excess := calculateExcessIPs(st.TotalIPs, s.reportedUsed, s.PreAllocate, s.MinAllocate, s.MaxAboveWatermark)
	allocationNeeded := !s.resyncNeeded && needed > 0
	releaseNeeded := s.ReleaseExcessIPs && withRelease && (!s.resyncNeeded && excess > 0 || len(s.marks) > 0)
	if !allocationNeeded && !releaseNeeded {
		return
	}
	if s.ops.Logging() {
		s.ops.Log(Event{Kind: EvPass, Detail: fmt.Sprintf("needed %d, excess %d: pre-allocate %d, available %d, used %d, min-allocate %d, max-allocate %d",
			needed, excess, s.PreAllocate, st.TotalIPs, s.reportedUsed, s.MinAllocate, s.maxAllocate())})
	}
	mutated, failed := false, false
	switch {
	case s.ReleaseExcessIPs && excess > 0:
		mutated = s.release(excess)
	case needed == 0:
		clear(s.marks) // abortNoLongerExcessIPs
	default:
		clear(s.marks)
		mutated, failed = s.allocate(needed + s.MaxAboveWatermark + ciliumSurge(s.ops.Waiting(), needed))
	}
	if !failed {
		s.resyncNeeded = true // requireResync
	}
	if mutated || failed {
		s.resyncPending = true // resyncTrigger
	}
}

// allocate is handleIPAllocation (A1 grow rule: capped by the chosen ENI's
// and the subnet's free slots; a new ENI only when none has room): the first
// attached ENI (walk order) with room whose subnet has free addresses gets
// min(room, subnet, maxToAllocate) in one AssignPrivateIpAddresses; if none
// qualifies or that call fails ("Unable to assign additional IPs to
// interface, will create new interface"), a new ENI is created with
// min(maxToAllocate, L−1) addresses, if a slot is free.
func (s *ciliumNode) allocate(maxToAllocate int) (mutated, failed bool) {
	o, lim := s.ops, s.info.Limits
	per := lim.addrsPerCIDR()
	slots := lim.cidrsPerENI()
	for _, e := range allocatable(o.WalkENIs(), slots, false) {
		if e.Device < s.FirstIfaceIndex {
			continue
		}
		room := (slots - len(e.CIDRs())) * per
		free := e.Subnet.Free()
		if room > 0 && free > 0 {
			k := min(room, free, maxToAllocate)
			if o.AssignIPs(e, divCeil(k, per)) == ec2.OK {
				return true, false
			}
			break
		}
	}
	if len(o.ENIs()) >= lim.MaxENIs {
		return false, false // out of interfaces: not a failure upstream
	}
	k := min(maxToAllocate, lim.IPv4PerENI-1)
	if k <= 0 {
		return false, false
	}
	code := o.AllocENI(min(divCeil(k, per), slots))
	return code == ec2.OK, code != ec2.OK
}

// release is PrepareIPRelease plus handleIPRelease (A1 shrink rule): the ENI
// with the most free addresses (in ID order, ENIs with prefixes skipped)
// offers min(free, excess) of them; each must stay excess for
// excess-ip-release-delay, is then marked for release, and goes once the agent
// has answered ready-for-release. It reports whether addresses were released.
func (s *ciliumNode) release(excess int) bool {
	now := s.ops.Now()
	var best *ENI
	var offer []*CIDR
	enis := slices.Clone(s.ops.ENIs())
	slices.SortFunc(enis, func(a, b *ENI) int { return cmp.Compare(a.ID, b.ID) })
	for _, e := range enis {
		if e.Device < s.FirstIfaceIndex {
			continue
		}
		hasPrefix := false
		var free []*CIDR
		for _, cd := range e.CIDRs() {
			hasPrefix = hasPrefix || cd.IsPrefix()
			if cd.Assigned() == 0 && !cd.IsPrefix() {
				free = append(free, cd)
			}
		}
		if hasPrefix || len(free) == 0 {
			continue // prefix release is not supported upstream
		}
		if k := min(len(free), excess); best == nil || k > len(offer) {
			best, offer = e, free[:k]
		}
	}
	want := map[netip.Prefix]bool{}
	for _, cd := range offer {
		want[cd.Prefix] = true
		if s.marks[cd.Prefix] == nil {
			s.marks[cd.Prefix] = &releaseMark{since: now}
		}
	}
	var ready []*CIDR
	for _, cd := range offer {
		m := s.marks[cd.Prefix]
		switch {
		case now < m.since+s.ReleaseDelay:
		case m.state == relTracked:
			m.state = relMarked
		case m.state == relReady:
			ready = append(ready, cd)
		}
	}
	for p := range s.marks {
		if !want[p] {
			delete(s.marks, p) // no longer excess, or another ENI was picked
		}
	}
	if len(ready) == 0 {
		return false
	}
	s.ops.ReleaseCIDRs(best, ready)
	for _, cd := range ready {
		delete(s.marks, cd.Prefix)
	}
	return true
}

func (s *ciliumNode) cidrFree(p netip.Prefix) bool {
	for _, e := range s.ops.ENIs() {
		for _, cd := range e.CIDRs() {
			if cd.Prefix == p {
				return cd.Assigned() == 0
			}
		}
	}
	return false
}

// nextTimer (A1 Timing): the agent's next status write if pods changed, the
// pending resync, and the interval scan.
func (s *ciliumNode) nextTimer() (sim.Time, bool) {
	t := soonest{now: s.ops.Now()}
	dirty := s.ops.PodChanges() != s.changesSeen
	for _, m := range s.marks {
		dirty = dirty || m.state == relMarked
	}
	if dirty {
		t.add(s.lastUpdate + s.NodeUpdateRate)
	}
	if s.cnUpdated {
		t.add(t.now)
	}
	if s.resyncPending {
		t.add(s.lastResync + s.ResyncInterval)
	}
	t.add(s.nextScan)
	return t.at, t.pending
}
