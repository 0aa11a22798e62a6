package replay

import (
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// NodeLog is one node as its event log tells it (docs/events.md): the counts
// the timeline, the run report and compare's samples show, kept from the
// node's events alone, so that everything that describes what happened in a
// run has that one source. Init takes the few facts no event carries (the
// node's limits and cooldown, its state before its first event); Add takes
// every event of the node, in order (ipam.Config.Events). Execute does both
// for Options.Log.
type NodeLog struct {
	inited   bool
	maxENIs  int
	maxPods  int
	pd       bool
	cooldown sim.Time

	enis, total, prefixes, assigned int
	perENI                          map[ipam.ENIID]*cidrCounts
	created                         map[ipam.ENIID]cidrCounts // eni-create's, until eni-attach
	cooling                         map[netip.Addr]coolMark
	coolQ                           []coolMark
	coolHead                        int
	pods                            map[string]podMark
	waiting                         int

	noIP, beforeReady, eniCreates, enisAttached, enisFreed, assignCalls, ec2Calls, throttled uint64
}

// cidrCounts are the addresses pods may use on an ENI (16 per prefix in PD)
// and its prefixes.
type cidrCounts struct{ total, prefixes int }

// coolMark is an address a pod gave up at `at`, cooling (§1.9).
type coolMark struct {
	addr netip.Addr
	eni  ipam.ENIID
	at   sim.Time
}

// podMark is a live pod: whether it holds an address, and whether an ADD of
// it failed.
type podMark struct{ running, failed bool }

// NodeCounts are a node's counts at an instant, from its event log. Counters
// (the uint64s) count from trace time 0 (after a warm-up, §9.15).
type NodeCounts struct {
	ENIs     int // in the datastore, the primary included
	Prefixes int // /28s held (0 in SIP)
	Total    int // addresses pods may use, 16 per prefix (awscni_total_ip_addresses)
	Assigned int // addresses held by pods
	Cooling  int // held addresses in cooldown
	Waiting  int // pods whose ADD failed, waiting for the kubelet's retry
	MaxENIs  int // the most ENIs the node may attach
	MaxPods  int // the kubelet's max pods

	NoIP         uint64 // ADDs that found no free address
	BeforeReady  uint64 // ADDs refused before ipamd was ready
	ENICreates   uint64 // CreateNetworkInterface attempts
	ENIsAttached uint64
	ENIsFreed    uint64
	AssignCalls  uint64 // AssignPrivateIpAddresses attempts
	EC2Calls     uint64 // EC2 attempts, throttled ones included
	Throttled    uint64 // attempts answered RequestLimitExceeded
}

// Init takes what no event says: the node's limits, max pods and cooldown,
// and its ENIs, addresses and pods before its first event (a new node: the
// primary ENI, nothing else). Call it once, after ipam.NewNode and before
// the node's first event.
func (l *NodeLog) Init(n *ipam.Node) {
	lim := n.Limits()
	st := n.Stats()
	*l = NodeLog{inited: true, maxENIs: lim.MaxENIs, maxPods: n.MaxPods(), pd: lim.PD, cooldown: n.Settings().IPCooldown,
		enis: st.ENIs, total: st.TotalIPs, prefixes: st.TotalPrefixes, assigned: st.AssignedIPs,
		perENI: map[ipam.ENIID]*cidrCounts{}, created: map[ipam.ENIID]cidrCounts{}, cooling: map[netip.Addr]coolMark{},
		pods: map[string]podMark{}}
	for _, e := range n.ENIs() {
		c := &cidrCounts{}
		for _, cidr := range e.CIDRs() {
			c.add(cidr.Prefix, l.pd, 1)
		}
		l.perENI[e.ID] = c
	}
}

// add counts p if it is of the mode in use (/28s in PD, /32s otherwise; the
// other kind is never used for pods, §4.8) and returns the change in
// addresses.
func (c *cidrCounts) add(p netip.Prefix, pd bool, sign int) (addrs, prefixes int) {
	switch {
	case pd && p.Bits() == 28:
		addrs, prefixes = 16*sign, sign
	case !pd && p.Bits() == 32:
		addrs = sign
	}
	c.total += addrs
	c.prefixes += prefixes
	return addrs, prefixes
}

func (l *NodeLog) eni(id ipam.ENIID) *cidrCounts {
	c := l.perENI[id]
	if c == nil {
		c = &cidrCounts{}
		l.perENI[id] = c
	}
	return c
}

// Add takes the node's next event.
func (l *NodeLog) Add(e ipam.Event) {
	switch e.Kind {
	case ipam.EvEC2:
		l.ec2Calls++
		if e.Code == ec2.RequestLimitExceeded {
			l.throttled++
		}
		switch e.API {
		case ec2.CreateNetworkInterface:
			l.eniCreates++
		case ec2.AssignPrivateIpAddresses:
			l.assignCalls++
		case ec2.DeleteNetworkInterface:
			delete(l.created, e.ENI) // created, never attached
		}
	case ipam.EvENICreated:
		var c cidrCounts
		for _, p := range e.CIDRs {
			c.add(p, l.pd, 1)
		}
		l.created[e.ENI] = c
	case ipam.EvENIAttached:
		c := l.created[e.ENI]
		delete(l.created, e.ENI)
		*l.eni(e.ENI) = c
		l.enis++
		l.enisAttached++
		l.total += c.total
		l.prefixes += c.prefixes
	case ipam.EvENIRemoved:
		if c := l.perENI[e.ENI]; c != nil {
			l.total -= c.total
			l.prefixes -= c.prefixes
			delete(l.perENI, e.ENI)
		}
		l.enis--
		for a, m := range l.cooling {
			if m.eni == e.ENI {
				delete(l.cooling, a) // its cooling addresses go with it
			}
		}
	case ipam.EvENIFreed:
		l.enisFreed++
	case ipam.EvCIDRsAssigned, ipam.EvCIDRsReleased:
		sign := 1
		if e.Kind == ipam.EvCIDRsReleased {
			sign = -1
		}
		c := l.eni(e.ENI)
		for _, p := range e.CIDRs {
			addrs, prefixes := c.add(p, l.pd, sign)
			l.total += addrs
			l.prefixes += prefixes
			if sign < 0 {
				for a, k := p.Addr(), 0; k < 1<<(32-p.Bits()); a, k = a.Next(), k+1 {
					delete(l.cooling, a) // a released address stops cooling
				}
			}
		}
	case ipam.EvAdd:
		p := l.pods[e.Pod]
		if e.Addr.IsValid() {
			l.assigned++
			if p.failed {
				l.waiting--
			}
			delete(l.cooling, e.Addr)
			l.pods[e.Pod] = podMark{running: true, failed: p.failed}
			return
		}
		if e.Detail == "before-ready" {
			l.beforeReady++
		} else {
			l.noIP++
		}
		if !p.failed {
			l.waiting++
			l.pods[e.Pod] = podMark{failed: true}
		}
	case ipam.EvDel:
		if e.Addr.IsValid() {
			l.assigned--
			m := coolMark{addr: e.Addr, eni: e.ENI, at: e.At}
			l.cooling[e.Addr] = m
			l.coolQ = append(l.coolQ, m)
		} else if l.pods[e.Pod].failed {
			l.waiting-- // not an unschedulable pod, nor a running pod still being restored (§5.14, §9.13)
		}
		delete(l.pods, e.Pod)
	}
}

// traceStart zeroes the counters at trace time 0, after a warm-up (§9.15).
func (l *NodeLog) traceStart() {
	l.noIP, l.beforeReady, l.eniCreates, l.enisAttached, l.enisFreed, l.assignCalls, l.ec2Calls, l.throttled = 0, 0, 0, 0, 0, 0, 0, 0
}

// expire forgets the addresses whose cooldown is over at now (an address
// cools while now − unassigned_at ≤ IP_COOLDOWN_PERIOD, §1.9).
func (l *NodeLog) expire(now sim.Time) {
	for l.coolHead < len(l.coolQ) {
		m := l.coolQ[l.coolHead]
		if now-m.at <= l.cooldown {
			break
		}
		if l.cooling[m.addr] == m {
			delete(l.cooling, m.addr)
		}
		l.coolQ[l.coolHead] = coolMark{}
		l.coolHead++
	}
	if l.coolHead == len(l.coolQ) {
		l.coolQ, l.coolHead = l.coolQ[:0], 0
	} else if l.coolHead > 32 && 2*l.coolHead > len(l.coolQ) {
		k := copy(l.coolQ, l.coolQ[l.coolHead:])
		l.coolQ, l.coolHead = l.coolQ[:k], 0
	}
}

// Counts returns the node's counts at now, no earlier than its last event.
func (l *NodeLog) Counts(now sim.Time) NodeCounts {
	l.expire(now)
	return NodeCounts{ENIs: l.enis, Prefixes: l.prefixes, Total: l.total, Assigned: l.assigned, Cooling: len(l.cooling),
		Waiting: l.waiting, MaxENIs: l.maxENIs, MaxPods: l.maxPods,
		NoIP: l.noIP, BeforeReady: l.beforeReady, ENICreates: l.eniCreates, ENIsAttached: l.enisAttached,
		ENIsFreed: l.enisFreed, AssignCalls: l.assignCalls, EC2Calls: l.ec2Calls, Throttled: l.throttled}
}

// Waiting is the number of pods waiting for an address now.
func (l *NodeLog) Waiting() int { return l.waiting }

// Pod tells whether a pod is live, whether it holds an address, and whether
// an ADD of it failed.
func (l *NodeLog) Pod(name string) (live, running, failed bool) {
	p, ok := l.pods[name]
	return ok, p.running, p.failed
}
