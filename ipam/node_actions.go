package ipam

// The EC2-backed pool actions policies use: top up an ENI, attach a new one,
// release CIDRs, free an ENI (ipamd-behaviour.md §2, §4, §7).

import (
	"net/netip"
	"slices"

	"github.com/ipamsim/ipamsim/sim"
)

// takeAddrs takes count secondary IPs or /28 prefixes from s for an ENI, or
// none at all, returning the code EC2 answers when the subnet cannot: no
// aligned /28 is InsufficientCidrBlocks, no address
// InsufficientFreeAddressesInSubnet (§2 errors, §4 subnet exhaustion).
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

// noteInsufficient starts the 120 s growth pause after either
// insufficient-address code (§2 "Errors"; lastInsufficientCidrError).
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
