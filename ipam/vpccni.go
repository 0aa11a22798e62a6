package ipam

import "github.com/ipamsim/ipamsim/sim"

// Policy decides how a node's pool of addresses grows and shrinks. It runs
// inside the node's pool loop and acts through the node's EC2-backed actions
// (AssignToENI, AllocENI, ReleaseCIDRs, FreeENI), so every policy pays the same
// EC2 latencies and throttling.
type Policy interface {
	// Name is the policy's --policy spelling.
	Name() string
	// PreScale runs once at start-up, before the node answers ADDs; false
	// means start-up failed and is retried. It may block the pool loop.
	PreScale(n *Node) (ok bool)
	// Pass is one pool-loop pass. idle reports that the pass did nothing and
	// would do nothing again until pods change. It may block the pool loop.
	Pass(n *Node) (idle bool)
}

// VPCCNI is the AWS VPC CNI's ipamd (ipamd-behaviour.md §2–§4), the default
// policy.
type VPCCNI struct{}

func (VPCCNI) Name() string { return "vpc-cni" }

// PreScale is upstream handlePreScaling (§2 Startup): one growth step if the
// pool is low; under custom networking an empty pool fails start-up.
func (p VPCCNI) PreScale(n *Node) (ok bool) {
	if n.set.DisableProvisioning || !TooLow(n.set, n.lim, n.ds.Stats(), n.cfg.MaxPods) {
		return true
	}
	if _, err := p.increase(n); err {
		return false
	}
	return !(n.set.CustomNetworking && n.ds.Stats().TotalIPs == 0)
}

// Pass is upstream updateIPPoolIfRequired (§2 "Per cycle"): grow if too low,
// else shrink if too high and the 30 s decrease gate is open; then,
// independently, maybe free one ENI. The stats are taken once, before any
// action, as upstream does. It reports an idle pass: no EC2 call and no
// decrease held back by the gate.
func (p VPCCNI) Pass(n *Node) (idle bool) {
	if n.set.DisableProvisioning {
		return true
	}
	st := n.ds.Stats()
	acted, gated, decreased := false, false, false
	switch {
	case TooLow(n.set, n.lim, st, n.cfg.MaxPods):
		acted, _ = p.increase(n)
	case TooHigh(n.set, n.lim.PD, st):
		if n.hasDecreased && n.eng.Now()-n.lastDecrease <= decreaseInterval {
			gated = true // shouldSkipDataStorePoolDecrease
			break
		}
		acted = p.decrease(n)
		decreased = true
	}
	if ShouldRemoveExtraENIs(n.set, n.lim, st, n.ds.FreeableENIExists()) {
		// tryFreeENI → RemoveUnusedENIFromStore (§2 "Freeing an ENI").
		if e := n.ds.DeletableENI(n.set.WarmIPTarget, n.set.MinimumIPTarget, n.set.WarmPrefixTarget, n.eng.Now()); e != nil {
			n.ds.RemoveENI(e)
			n.FreeENI(e)
			acted = true
		}
	}
	if decreased {
		n.lastDecrease = n.eng.Now()
		n.hasDecreased = true
		n.lastNodeIPPoolAction = n.eng.Now()
	}
	return !gated && !acted
}

// decreaseInterval is upstream decreaseIPPoolInterval (§2).
const decreaseInterval = 30 * sim.Second

// increase is upstream increaseDatastorePool (§2 "Growing the pool"): top up an
// existing ENI first (one AssignPrivateIpAddresses on the first ENI with room),
// and only if none had room, attach a new ENI. err is the error upstream
// returns (a failed top-up other than an insufficient-address one); acted
// reports an EC2 call.
func (p VPCCNI) increase(n *Node) (acted, err bool) {
	if n.InInsufficientPause() {
		return false, false
	}
	st := n.ds.Stats()
	toAllocate := 0
	perENI := n.lim.CIDRsPerENI()
	if n.lim.PD {
		toAllocate = PrefixesNeeded(n.set, st) // tryAssignPrefixes
	} else {
		toAllocate = ToAllocateIPs(n.set, n.lim, st) // tryAssignIPs
	}
	var enis []*ENI
	if toAllocate > 0 {
		enis = n.ds.AllocatableENIs(perENI, n.set.CustomNetworking)
	}
	for _, e := range enis {
		count := min(perENI-len(e.CIDRs()), toAllocate)
		grew, code := n.AssignToENI(e, count)
		acted = true
		switch {
		case grew:
			n.lastNodeIPPoolAction = n.eng.Now()
			return true, false
		case n.set.SubnetDiscovery && code.insufficient():
			continue // §2: with subnet discovery, try the next ENI
		case code.insufficient():
			n.noteInsufficient(code)
			return true, false
		}
		return true, true
	}
	if !n.HasRoomForENI() {
		return acted, false
	}
	res := ENIResources(n.set, n.lim, n.ds.Stats())
	if res <= 0 {
		return acted, false
	}
	if code := n.AllocENI(res); code != OK {
		n.noteInsufficient(code)
		return true, false
	}
	n.lastNodeIPPoolAction = n.eng.Now()
	return true, false
}

// decrease is upstream decreaseDatastorePool → tryUnassignCidrsFromAll (§2
// "Releasing"): walk the ENIs, on each take the CIDRs no pod holds up to the
// remaining count, cooldown not checked. It reports an EC2 call.
func (p VPCCNI) decrease(n *Node) (acted bool) {
	over := ReleaseCount(n.set, n.lim.PD, n.ds.Stats())
	if over <= 0 {
		return false
	}
	for _, e := range n.ds.walkOrder() {
		if over <= 0 {
			break
		}
		cs := n.ds.FreeableCIDRs(e)
		cs = cs[:min(over, len(cs))]
		if len(cs) == 0 {
			continue
		}
		over -= len(cs)
		n.ReleaseCIDRs(e, cs)
		acted = true
	}
	return acted
}

// NextTimer implements TimerPolicy: with no pod arriving or leaving, an idle
// VPC CNI pass can only start acting when the 120 s growth pause ends (§2),
// the 30 s decrease gate opens, or — while shouldRemoveExtraENIs holds — an ENI
// reaches its 60 s minimum age or an address leaves cooldown (§2 "Freeing an
// ENI").
func (VPCCNI) NextTimer(n *Node) (sim.Time, bool) {
	now := n.eng.Now()
	st := n.ds.Stats()
	at, pending := sim.Time(0), false
	soonest := func(t sim.Time) {
		if t <= now {
			t = now + 1
		}
		if !pending || t < at {
			at, pending = t, true
		}
	}
	if n.InInsufficientPause() && TooLow(n.set, n.lim, st, n.cfg.MaxPods) {
		soonest(n.lastInsufficient + insufficientCooldown + 1)
	}
	if TooHigh(n.set, n.lim.PD, st) && n.hasDecreased {
		soonest(n.lastDecrease + decreaseInterval + 1)
	}
	if ShouldRemoveExtraENIs(n.set, n.lim, st, n.ds.FreeableENIExists()) {
		for _, e := range n.ds.ENIs() {
			if !e.Primary && now-e.CreatedAt < minENILifetime {
				soonest(e.CreatedAt + minENILifetime)
			}
		}
		if t, ok := n.ds.NextExpiry(); ok {
			soonest(t)
		}
	}
	return at, pending
}

// NeedsPass implements WakePolicy: a VPC CNI pass acts only if the pool is too
// low and can still grow (an ENI with room for more CIDRs, or room for another
// ENI, and no 120 s pause), or is too high, or shouldRemoveExtraENIs holds
// (§2 "Per cycle").
func (VPCCNI) NeedsPass(n *Node) bool {
	if n.set.DisableProvisioning {
		return false
	}
	st := n.ds.Stats()
	if TooHigh(n.set, n.lim.PD, st) {
		return true
	}
	if TooLow(n.set, n.lim, st, n.cfg.MaxPods) && !n.InInsufficientPause() && n.canGrow() {
		return true
	}
	return ShouldRemoveExtraENIs(n.set, n.lim, st, n.ds.FreeableENIExists())
}

// canGrow reports whether an increase could do anything: room for another
// ENI, or an ENI (not the primary under custom networking) with room for more
// CIDRs (§2 "Growing the pool": GetAllocatableENIs, hasRoomForEni).
func (n *Node) canGrow() bool {
	if n.HasRoomForENI() {
		return true
	}
	if n.ds.CIDRCount() >= len(n.ds.ENIs())*n.lim.CIDRsPerENI() {
		return false // every ENI is full
	}
	for _, e := range n.ds.ENIs() {
		if len(e.CIDRs()) < n.lim.CIDRsPerENI() && !(n.set.CustomNetworking && e.Primary) {
			return true
		}
	}
	return false
}
