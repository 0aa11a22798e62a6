package ipam

// The EC2-backed pool actions policies use: top up an ENI, attach a new one,
// release CIDRs, free an ENI (docs/model.md §2, §4, §7). Each blocks the
// pool loop for as long as its EC2 calls take.

import (
	"net/netip"
	"slices"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// takeAddrs takes count secondary IPs or /28 prefixes from s for an ENI, or
// none at all, returning the code EC2 answers when the subnet cannot: no
// aligned /28 is InsufficientCidrBlocks, no address
// InsufficientFreeAddressesInSubnet (§2 errors, §4 subnet exhaustion).
func (n *Node) takeAddrs(s *vpc.Subnet, count int) ([]netip.Prefix, ec2.ErrCode) {
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
				return nil, ec2.InsufficientCidrBlocks
			}
			return nil, ec2.InsufficientFreeAddressesInSubnet
		}
		out = append(out, p)
	}
	return out, ec2.OK
}

// assignIPs is one AssignPrivateIpAddresses for count IPs or prefixes on an
// existing ENI, with upstream's fallback to a single one on failure
// (§2 step 1, §7). It returns OK if the pool grew, else the last error.
func (l *loop) assignIPs(e *ENI, count int) ec2.ErrCode {
	n := l.n
	r := ec2Request{api: ec2.AssignPrivateIpAddresses, eni: e.ID, count: count}
	if code := l.ec2(&r); code != ec2.OK {
		r.count = 1
		if code := l.ec2(&r); code != ec2.OK {
			n.ipamdErr("increaseIPPoolAllocIPAddressesFailed")
			return code
		}
	}
	for _, p := range r.cidrs {
		n.ds.addCIDR(e, p)
	}
	n.eniAddrs[e.ID] = append(n.eniAddrs[e.ID], r.cidrs...)
	if n.events != nil {
		n.emit(Event{Kind: EvCIDRsAssigned, ENI: e.ID, CIDRs: r.cidrs})
	}
	return ec2.OK
}

// allocENI creates and attaches a new ENI pre-loaded with count IPs or
// prefixes (upstream tryAllocateENI → AllocENI → waitForENIAndIPsAttached →
// setupENI; §2 step 2, §7). If the attach fails, the ENI is deleted (§7).
func (l *loop) allocENI(count int) ec2.ErrCode {
	n := l.n
	create, code := l.createENI(count)
	if code != ec2.OK {
		n.ipamdErr("increaseIPPoolAllocENI")
		return code
	}
	subnet := create.subnet
	primary := n.eniAddrs[create.eni][0].Addr()
	if n.events != nil {
		n.emit(Event{Kind: EvENICreated, ENI: create.eni, Subnet: subnet.Prefix(), Addr: primary, CIDRs: create.cidrs})
	}
	describe := ec2Request{api: ec2.DescribeInstances}
	code = l.ec2(&describe)
	if code == ec2.OK {
		code = l.ec2(&ec2Request{api: ec2.AttachNetworkInterface, eni: create.eni, device: describe.device})
	}
	if code != ec2.OK {
		l.ec2(&ec2Request{api: ec2.DeleteNetworkInterface, eni: create.eni})
		n.ipamdErr("increaseIPPoolAllocENI")
		return code
	}
	l.ec2(&ec2Request{api: ec2.ModifyNetworkInterfaceAttribute, eni: create.eni})
	l.waitIMDS(create.eni)
	e := n.ds.addENI(create.eni, describe.device, false, primary, subnet, n.eng.Now())
	for _, p := range create.cidrs {
		n.ds.addCIDR(e, p)
	}
	n.Counters.ENIsAttached++
	if n.events != nil {
		n.emit(Event{Kind: EvENIAttached, ENI: e.ID, N: e.Device})
	}
	return ec2.OK
}

// createENI is upstream createENI (§2.20, §7.1): under custom networking one
// CreateNetworkInterface in the ENIConfig subnet. Otherwise a DescribeSubnets
// (GetVpcSubnets, also made with subnet discovery off, by IsSubnetExcluded);
// with discovery on, CreateNetworkInterface in each candidate subnet in
// descending free-address order until one succeeds, and if DescribeSubnets
// failed, a second DescribeSubnets (IsSubnetExcluded) and then the node's own
// subnet, or nothing if that one failed too. It returns the request that
// created the ENI, or the last error.
func (l *loop) createENI(count int) (*ec2Request, ec2.ErrCode) {
	n := l.n
	try := func(s *vpc.Subnet) (*ec2Request, ec2.ErrCode) {
		r := &ec2Request{api: ec2.CreateNetworkInterface, subnet: s, count: count}
		return r, l.ec2(r)
	}
	if n.set.CustomNetworking {
		return try(n.cfg.PodSubnet)
	}
	describe := l.ec2(&ec2Request{api: ec2.DescribeSubnets})
	if !n.set.SubnetDiscovery {
		// IsSubnetExcluded: a failed describe is only logged; the node's
		// subnet is never tagged kubernetes.io/role/cni=0 in the model.
		return try(n.subnet)
	}
	if describe != ec2.OK {
		// Fallback to the primary subnet, after IsSubnetExcluded's own
		// GetVpcSubnets, whose failure ends the attempt.
		if code := l.ec2(&ec2Request{api: ec2.DescribeSubnets}); code != ec2.OK {
			return nil, code
		}
		return try(n.subnet)
	}
	var r *ec2Request
	code := ec2.OK
	for _, s := range n.discoveredSubnets() {
		if r, code = try(s); code == ec2.OK {
			return r, code
		}
	}
	return nil, code
}

// discoveredSubnets are the subnets subnet discovery may create an ENI in
// (§1.12), most free addresses first (GetVpcSubnets' stable sort): the node's
// own subnet and the kubernetes.io/role/cni-tagged ones. *Model choice:*
// DescribeSubnets lists the node's subnet first, then the tagged ones in the
// order configured, so the node's own subnet wins ties.
func (n *Node) discoveredSubnets() []*vpc.Subnet {
	out := append([]*vpc.Subnet{n.subnet}, n.cfg.ENISubnets...)
	slices.SortStableFunc(out, func(a, b *vpc.Subnet) int { return b.Free() - a.Free() })
	return out
}

// waitIMDS polls instance metadata until the new ENI and its addresses show:
// first poll at once, then after 100 ms doubling with 15 % jitter, at most 12
// attempts (§7 waitForENIAndIPsAttached).
func (l *loop) waitIMDS(eni ENIID) {
	n := l.n
	start := n.eng.Now()
	visible := start + n.cfg.Profile.Latencies.IMDSVisible.Draw(n.rngEC2)
	backoff := 100 * sim.Millisecond
	for attempt := 1; ; attempt++ {
		now := n.eng.Now()
		if now >= visible || attempt >= 12 {
			n.Counters.IMDSWait.add(now - start)
			if n.events != nil {
				n.emit(Event{Kind: EvIMDS, ENI: eni, Took: now - start})
			}
			return
		}
		d := backoff + sim.Time(n.rngEC2.Float64()*0.15*float64(backoff))
		backoff = min(2*backoff, 60*sim.Second)
		l.sleep(d)
	}
}

// releaseCIDRs returns CIDRs that no pod holds on one ENI: they leave the
// datastore first, then one UnassignPrivateIpAddresses for the prefixes and one
// for the /32s, each only if non-empty (§2 "Releasing", upstream DeallocCidrs).
func (l *loop) releaseCIDRs(e *ENI, cs []*CIDR) {
	n := l.n
	var ips, prefixes []netip.Prefix
	for _, c := range cs {
		if err := n.ds.delCIDR(c); err != nil {
			n.ipamdErr("decreaseIPPool")
			continue
		}
		if c.IsPrefix() {
			prefixes = append(prefixes, c.Prefix)
		} else {
			ips = append(ips, c.Prefix)
		}
	}
	for _, ps := range [][]netip.Prefix{prefixes, ips} {
		if len(ps) == 0 {
			continue
		}
		if n.events != nil {
			n.emit(Event{Kind: EvCIDRsReleased, ENI: e.ID, CIDRs: ps})
		}
		l.ec2(&ec2Request{api: ec2.UnassignPrivateIpAddresses, eni: e.ID, cidrs: ps})
	}
}

func removePrefixes(all, gone []netip.Prefix) []netip.Prefix {
	out := all[:0]
	for _, p := range all {
		if !slices.Contains(gone, p) {
			out = append(out, p)
		}
	}
	return out
}

// freeENI detaches and deletes an ENI that already left the datastore:
// DescribeNetworkInterfaces, DetachNetworkInterface, a fixed 2 s sleep, then
// DeleteNetworkInterface, each retried up to 12 times (§2 "Freeing an ENI").
func (l *loop) freeENI(e *ENI) {
	n := l.n
	l.ec2(&ec2Request{api: ec2.DescribeNetworkInterfaces, eni: e.ID})
	if !l.retry(&ec2Request{api: ec2.DetachNetworkInterface, eni: e.ID, device: e.Device}, 200*sim.Millisecond) {
		n.ipamdErr("decreaseIPPoolFreeENIFailed")
		return
	}
	l.sleep(n.cfg.Profile.DetachSettle)
	if !l.retry(&ec2Request{api: ec2.DeleteNetworkInterface, eni: e.ID}, 500*sim.Millisecond) {
		n.ipamdErr("decreaseIPPoolFreeENIFailed")
		return
	}
	n.Counters.ENIsFreed++
	if n.events != nil {
		n.emit(Event{Kind: EvENIFreed, ENI: e.ID})
	}
}

// retry makes a request up to 12 times until EC2 answers OK, sleeping first
// first, then doubling up to 60 s (ipamd's retry of detach and delete, §2).
func (l *loop) retry(r *ec2Request, first sim.Time) bool {
	backoff := first
	for k := 1; ; k++ {
		if l.ec2(r) == ec2.OK {
			return true
		}
		if k >= 12 {
			return false
		}
		l.sleep(backoff)
		backoff = min(2*backoff, 60*sim.Second)
	}
}

// EC2Addresses calls f for every address or prefix EC2 has given the node's
// ENIs (primary IPs included), with the subnet it came from: EC2's view, which
// includes ENIs that already left the datastore but are not deleted yet.
func (n *Node) EC2Addresses(f func(s *vpc.Subnet, p netip.Prefix)) {
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
