package ipam

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ipamsim/ipamsim/sim"
)

// Cilium's ENI IPAM (other-policies.md A1): the cilium-operator keeps
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

// Cilium is the cilium-operator's ENI allocator with its agent's reporting.
type Cilium struct {
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

	nodes map[*Node]*ciliumNode
}

func buildCilium(v *paramValues) Policy {
	return &Cilium{
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

// Name implements Policy.
func (*Cilium) Name() string { return "cilium-eni" }

// Period is the operator's allocation queue: handled on demand but at most
// once per second (A1 Timing).
func (*Cilium) Period() sim.Time { return sim.Second }

// nodeSettings: the agent hands a released address out again at once (no
// reuse cooldown in A1), and --aws-enable-prefix-delegation puts the node's
// ENIs in prefix mode (A1).
func (c *Cilium) nodeSettings() []string {
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

// ciliumSurge is determineMaintenanceAction's surge: pending pods beyond the
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

// ciliumNode is one node's state: what the agent last reported and the
// operator's per-node bookkeeping.
type ciliumNode struct {
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

func (c *Cilium) state(n *Node) *ciliumNode {
	if c.nodes == nil {
		c.nodes = map[*Node]*ciliumNode{}
	}
	s := c.nodes[n]
	if s == nil {
		now := n.eng.Now()
		s = &ciliumNode{lastUpdate: now, lastResync: now - c.ResyncInterval, nextScan: now + c.IntervalRefresh,
			marks: map[netip.Prefix]*releaseMark{}, changesSeen: podChanges(n)}
		c.nodes[n] = s
	}
	return s
}

// PreScale: the agent creates its CiliumNode; the operator's UpdatedResource
// resolves the initial deficit (A1: pre-allocate on an empty node) before the
// agent hands out addresses.
func (c *Cilium) PreScale(n *Node) bool {
	c.maintain(n, c.state(n), false)
	return true
}

// Pass is one turn of the operator's queue (A1 Timing): the agent's status
// write if due, then a resync (after a mutation, at most once per
// ipam-node-manager-resync, or the once-a-minute scan) with maintenance, or
// the maintenance a CiliumNode update triggers.
func (c *Cilium) Pass(n *Node) (idle bool) {
	s := c.state(n)
	now := n.eng.Now()
	acted := c.agentUpdate(n, s)
	scan := now >= s.nextScan
	if scan || (s.resyncPending && now >= s.lastResync+c.ResyncInterval) {
		if scan {
			for s.nextScan <= now {
				s.nextScan += c.IntervalRefresh
			}
		}
		s.cnUpdated = false // the resync recalculates from the latest report
		c.resync(n, s)
		c.maintain(n, s, true)
		return false
	}
	if s.cnUpdated {
		s.cnUpdated = false
		c.maintain(n, s, false)
		return false
	}
	return !acted
}

// agentUpdate is the agent's rate-limited CiliumNode status write: addresses
// in use, and its answers in the release handshake (A1 shrink rule). The
// operator's UpdatedResource runs on it (A1 Timing: "every CiliumNode
// update"). The rate is the agent's --ipam-cilium-node-update-rate.
func (c *Cilium) agentUpdate(n *Node, s *ciliumNode) bool {
	now := n.eng.Now()
	dirty := podChanges(n) != s.changesSeen
	for _, m := range s.marks {
		dirty = dirty || m.state == relMarked
	}
	if !dirty || now < s.lastUpdate+c.NodeUpdateRate {
		return false
	}
	s.lastUpdate = now
	s.changesSeen = podChanges(n)
	s.reportedUsed = n.ds.Stats().AssignedIPs
	for p, m := range s.marks {
		if m.state != relMarked {
			continue
		}
		if c.cidrFree(n, p) {
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
func (c *Cilium) resync(n *Node, s *ciliumNode) {
	s.lastResync = n.eng.Now()
	s.resyncPending = false
	n.loop.ec2(&ec2Request{api: DescribeNetworkInterfaces})
	n.loop.ec2(&ec2Request{api: DescribeSubnets})
	s.resyncNeeded = false
}

// maxAllocate is max-allocate, or the instance limit: (adapters − first
// interface index) × (IPv4 per adapter − 1), which ignores prefix delegation
// (A1, cilium#32205).
func (c *Cilium) maxAllocate(n *Node) int {
	if c.MaxAllocate > 0 {
		return c.MaxAllocate
	}
	return max(n.lim.MaxENIs-c.FirstIfaceIndex, 0) * (n.lim.IPv4PerENI - 1)
}

// maintain is resyncNode/UpdatedResource deciding on maintenance and
// MaintainIPPool doing it (A1): release when excess is to be released, else
// one allocation for needed + max-above-watermark + surge. withRelease is
// false on a CiliumNode update, where upstream checks only allocation.
func (c *Cilium) maintain(n *Node, s *ciliumNode, withRelease bool) {
	st := n.ds.Stats()
	needed := calculateNeededIPs(st.TotalIPs, s.reportedUsed, c.PreAllocate, c.MinAllocate, c.maxAllocate(n))
	excess := calculateExcessIPs(st.TotalIPs, s.reportedUsed, c.PreAllocate, c.MinAllocate, c.MaxAboveWatermark)
	allocationNeeded := !s.resyncNeeded && needed > 0
	releaseNeeded := c.ReleaseExcessIPs && withRelease && (!s.resyncNeeded && excess > 0 || len(s.marks) > 0)
	if !allocationNeeded && !releaseNeeded {
		return
	}
	mutated, failed := false, false
	switch {
	case c.ReleaseExcessIPs && excess > 0:
		mutated = c.release(n, s, excess)
	case needed == 0:
		clear(s.marks) // abortNoLongerExcessIPs
	default:
		clear(s.marks)
		mutated, failed = c.allocate(n, needed+c.MaxAboveWatermark+ciliumSurge(n.Waiting(), needed))
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
func (c *Cilium) allocate(n *Node, maxToAllocate int) (mutated, failed bool) {
	per := n.lim.addrsPerCIDR()
	slots := n.lim.CIDRsPerENI()
	for _, e := range n.ds.AllocatableENIs(slots, false) {
		if e.Device < c.FirstIfaceIndex {
			continue
		}
		room := (slots - len(e.CIDRs())) * per
		free := n.eniSubnet[e.ID].Free()
		if room > 0 && free > 0 {
			k := min(room, free, maxToAllocate)
			if grew, _ := n.AssignToENI(e, divCeil(k, per)); grew {
				return true, false
			}
			break
		}
	}
	if len(n.ds.ENIs()) >= n.lim.MaxENIs {
		return false, false // out of interfaces: not a failure upstream
	}
	k := min(maxToAllocate, n.lim.IPv4PerENI-1)
	if k <= 0 {
		return false, false
	}
	code := n.AllocENI(min(divCeil(k, per), slots))
	return code == OK, code != OK
}

// release is PrepareIPRelease plus handleIPRelease (A1 shrink rule): the ENI
// with the most free addresses (in ID order, ENIs with prefixes skipped)
// offers min(free, excess) of them; each must stay excess for
// excess-ip-release-delay, is then marked for release, and goes once the agent
// has answered ready-for-release. It reports whether addresses were released.
func (c *Cilium) release(n *Node, s *ciliumNode, excess int) bool {
	now := n.eng.Now()
	var best *ENI
	var offer []*CIDR
	enis := append([]*ENI(nil), n.ds.ENIs()...)
	slices.SortFunc(enis, func(a, b *ENI) int { return cmp.Compare(a.ID, b.ID) })
	for _, e := range enis {
		if e.Device < c.FirstIfaceIndex {
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
		case now < m.since+c.ReleaseDelay:
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
	n.ReleaseCIDRs(best, ready)
	for _, cd := range ready {
		delete(s.marks, cd.Prefix)
	}
	return true
}

func (c *Cilium) cidrFree(n *Node, p netip.Prefix) bool {
	for _, e := range n.ds.ENIs() {
		for _, cd := range e.CIDRs() {
			if cd.Prefix == p {
				return cd.Assigned() == 0
			}
		}
	}
	return false
}

// NextTimer implements TimerPolicy (A1 Timing): the agent's next status write
// if pods changed, the pending resync, and the interval scan.
func (c *Cilium) NextTimer(n *Node) (sim.Time, bool) {
	s := c.state(n)
	t := soonest{now: n.eng.Now()}
	dirty := podChanges(n) != s.changesSeen
	for _, m := range s.marks {
		dirty = dirty || m.state == relMarked
	}
	if dirty {
		t.add(s.lastUpdate + c.NodeUpdateRate)
	}
	if s.cnUpdated {
		t.add(t.now)
	}
	if s.resyncPending {
		t.add(s.lastResync + c.ResyncInterval)
	}
	t.add(s.nextScan)
	return t.at, t.pending
}
