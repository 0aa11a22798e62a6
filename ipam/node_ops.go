package ipam

// The policies' view of a node: its pool loop implements Ops.

import (
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

var _ Ops = (*loop)(nil)

// Node implements Ops.
func (l *loop) Node() NodeInfo {
	n := l.n
	return NodeInfo{Name: n.cfg.Name, Seed: n.cfg.Seed, Instance: n.cfg.Instance, Settings: n.set,
		Limits: n.lim, MaxPods: n.cfg.MaxPods, Subnet: n.subnet}
}

// Now implements Ops.
func (l *loop) Now() sim.Time { return l.n.eng.Now() }

// Stats implements Ops.
func (l *loop) Stats() Stats { return l.n.ds.stats() }

// Waiting implements Ops.
func (l *loop) Waiting() int { return l.n.pods.waiting }

// PodChanges implements Ops.
func (l *loop) PodChanges() uint64 {
	c := &l.n.Counters
	return c.PodsAssigned + c.DelRequests - c.PodsCancelled
}

// ENIs implements Ops.
func (l *loop) ENIs() []*ENI { return l.n.ds.enis }

// WalkENIs implements Ops.
func (l *loop) WalkENIs() []*ENI { return l.n.ds.walkOrder() }

// WalkENIInfos implements Ops.
func (l *loop) WalkENIInfos() []*ENI { return l.n.ds.infosOrder() }

// FreeableCIDRs implements Ops.
func (l *loop) FreeableCIDRs(e *ENI) []*CIDR { return l.n.ds.freeableCIDRs(e) }

// DeletableENI implements Ops.
func (l *loop) DeletableENI() *ENI {
	s := &l.n.set
	return l.n.ds.deletableENI(s.WarmIPTarget, s.MinimumIPTarget, s.WarmPrefixTarget, l.n.eng.Now())
}

// NextExpiry implements Ops.
func (l *loop) NextExpiry() (sim.Time, bool) { return l.n.ds.nextExpiry() }

// AssignIPs implements Ops.
func (l *loop) AssignIPs(e *ENI, count int) ec2.ErrCode { return l.assignIPs(e, count) }

// AllocENI implements Ops.
func (l *loop) AllocENI(count int) ec2.ErrCode { return l.allocENI(count) }

// ReleaseCIDRs implements Ops.
func (l *loop) ReleaseCIDRs(e *ENI, cs []*CIDR) { l.releaseCIDRs(e, cs) }

// FreeENI implements Ops: upstream RemoveUnusedENIFromStore, then the EC2
// calls (§2 "Freeing an ENI").
func (l *loop) FreeENI(e *ENI) {
	l.n.ds.removeENI(e)
	if l.n.events != nil {
		l.n.emit(Event{Kind: EvENIRemoved, ENI: e.ID})
	}
	l.freeENI(e)
}

// Logging implements Ops.
func (l *loop) Logging() bool { return l.n.events != nil }

// Log implements Ops.
func (l *loop) Log(e Event) {
	if l.n.events != nil {
		l.n.emit(e)
	}
}

// Describe implements Ops.
func (l *loop) Describe(api ec2.API) ec2.ErrCode { return l.ec2(&ec2Request{api: api}) }

// Sleep implements Ops.
func (l *loop) Sleep(d sim.Time) { l.sleep(d) }

// maxCIDRsPerENI is the datastore's limit on CIDRs per ENI (one bit each in
// ENI.freeMask).
const maxCIDRsPerENI = 64

// HoldBlock implements Ops. The addresses are recorded as the primary ENI's,
// so Terminate returns them to the subnet (A5: released when the node is
// deleted).
func (l *loop) HoldBlock(size int) ([]*CIDR, bool) {
	n := l.n
	e := n.primaryENI()
	if e == nil {
		return nil, false
	}
	var ps []netip.Prefix
	if n.ds.pd {
		for k := 0; k < divCeil(size, 16); k++ {
			p, ok := n.subnet.AllocPrefix28()
			if !ok {
				releasePrefixes(n.subnet, ps)
				return nil, false
			}
			ps = append(ps, p)
		}
	} else {
		for k := 0; k < size; k++ {
			a, ok := n.subnet.AllocAddr()
			if !ok {
				releasePrefixes(n.subnet, ps)
				return nil, false
			}
			ps = append(ps, netip.PrefixFrom(a, 32))
		}
	}
	if len(e.CIDRs())+len(ps) > maxCIDRsPerENI {
		releasePrefixes(n.subnet, ps)
		return nil, false
	}
	cs := make([]*CIDR, len(ps))
	for i, p := range ps {
		cs[i] = n.ds.addCIDR(e, p)
	}
	n.eniAddrs[e.ID] = append(n.eniAddrs[e.ID], ps...)
	if n.events != nil {
		n.emit(Event{Kind: EvCIDRsAssigned, ENI: e.ID, CIDRs: ps})
	}
	return cs, true
}

// DropBlock implements Ops.
func (l *loop) DropBlock(cs []*CIDR) {
	n := l.n
	e := n.primaryENI()
	ps := make([]netip.Prefix, 0, len(cs))
	for _, c := range cs {
		if err := n.ds.delCIDR(c); err != nil {
			panic("ipam: dropping a block a pod still uses")
		}
		ps = append(ps, c.Prefix)
	}
	releasePrefixes(n.subnet, ps)
	if e != nil {
		n.eniAddrs[e.ID] = removePrefixes(n.eniAddrs[e.ID], ps)
		if n.events != nil {
			n.emit(Event{Kind: EvCIDRsReleased, ENI: e.ID, CIDRs: ps})
		}
	}
}

func releasePrefixes(s *vpc.Subnet, ps []netip.Prefix) {
	for _, p := range ps {
		s.Release(p)
	}
}

func (n *Node) primaryENI() *ENI {
	for _, e := range n.ds.enis {
		if e.Primary {
			return e
		}
	}
	return nil
}
