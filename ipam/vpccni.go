package ipam

import "github.com/ipamsim/ipamsim/sim"

// Policy decides how a node's pool of addresses grows and shrinks. It runs
// inside the node's pool loop and acts through the node's EC2-backed actions
// (AssignToENI, AllocENI, ReleaseCIDRs, FreeENI), so every policy pays the same
// EC2 latencies and throttling.
type Policy interface {
	// Name is the policy's --policy spelling.
	Name() string
	// PreScale runs once at start-up, before the node answers ADDs; done(false)
	// means start-up failed and is retried.
	PreScale(n *Node, done func(ok bool))
	// Pass is one pool-loop pass. done(idle) reports that the pass did nothing
	// and would do nothing again until pods change.
	Pass(n *Node, done func(idle bool))
}

// VPCCNI is the AWS VPC CNI's ipamd (ipamd-behaviour.md §2–§4), the default
// policy.
type VPCCNI struct{}

func (VPCCNI) Name() string { return "vpc-cni" }

// PreScale is upstream handlePreScaling (§2 Startup): one growth step if the
// pool is low; under custom networking an empty pool fails start-up.
func (p VPCCNI) PreScale(n *Node, done func(ok bool)) {
	if n.set.DisableProvisioning {
		done(true)
		return
	}
	st := n.ds.Stats()
	if !TooLow(n.set, n.lim, st, n.cfg.MaxPods) {
		done(true)
		return
	}
	p.increase(n, func(err bool) {
		if err {
			done(false)
			return
		}
		if n.set.CustomNetworking && n.ds.Stats().TotalIPs == 0 {
			done(false)
			return
		}
		done(true)
	})
}

// Pass is upstream updateIPPoolIfRequired (§2 "Per cycle"): grow if too low,
// else shrink if too high and the 30 s decrease gate is open; then,
// independently, maybe free one ENI. The stats are taken once, before any
// action, as upstream does.
func (p VPCCNI) Pass(n *Node, done func(idle bool)) {
	if n.set.DisableProvisioning {
		done(true)
		return
	}
	st := n.ds.Stats()
	calls := n.Counters.totalEC2()
	gated := false
	finish := func(decreased bool) {
		if decreased {
			n.lastDecrease = n.eng.Now()
			n.hasDecreased = true
			n.lastNodeIPPoolAction = n.eng.Now()
		}
		done(!gated && n.Counters.totalEC2() == calls)
	}
	freeENI := func(decreased bool) {
		if !ShouldRemoveExtraENIs(n.set, n.lim, st, n.ds.FreeableENIExists()) {
			finish(decreased)
			return
		}
		// tryFreeENI → RemoveUnusedENIFromStore (§2 "Freeing an ENI").
		e := n.ds.DeletableENI(n.set.WarmIPTarget, n.set.MinimumIPTarget, n.set.WarmPrefixTarget, n.eng.Now())
		if e == nil {
			finish(decreased)
			return
		}
		n.ds.RemoveENI(e)
		n.FreeENI(e, func() { finish(decreased) })
	}
	switch {
	case TooLow(n.set, n.lim, st, n.cfg.MaxPods):
		p.increase(n, func(bool) { freeENI(false) })
	case TooHigh(n.set, n.lim.PD, st):
		if n.hasDecreased && n.eng.Now()-n.lastDecrease <= decreaseInterval {
			gated = true // shouldSkipDataStorePoolDecrease
			freeENI(false)
			return
		}
		p.decrease(n, func() { freeENI(true) })
	default:
		freeENI(false)
	}
}

// decreaseInterval is upstream decreaseIPPoolInterval (§2).
const decreaseInterval = 30 * sim.Second

// increase is upstream increaseDatastorePool (§2 "Growing the pool"): top up an
// existing ENI first (one AssignPrivateIpAddresses on the first ENI with room),
// and only if none had room, attach a new ENI. done(true) reports the error
// upstream returns (a failed top-up other than an insufficient-address one).
func (p VPCCNI) increase(n *Node, done func(err bool)) {
	if n.InInsufficientPause() {
		done(false)
		return
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
	grew := func() {
		n.lastNodeIPPoolAction = n.eng.Now()
		done(false)
	}
	newENI := func() {
		if !n.HasRoomForENI() {
			done(false)
			return
		}
		res := ENIResources(n.set, n.lim, n.ds.Stats())
		if res <= 0 {
			done(false)
			return
		}
		n.AllocENI(res, func(code ErrCode) {
			if code == OK {
				grew()
				return
			}
			n.noteInsufficient(code)
			done(false)
		})
	}
	var try func(k int)
	try = func(k int) {
		if k >= len(enis) {
			newENI()
			return
		}
		e := enis[k]
		count := min(perENI-len(e.CIDRs()), toAllocate)
		n.AssignToENI(e, count, func(ok bool, code ErrCode) {
			if ok {
				grew()
				return
			}
			if n.set.SubnetDiscovery && code.insufficient() {
				try(k + 1) // §2: with subnet discovery, try the next ENI
				return
			}
			if code.insufficient() {
				n.noteInsufficient(code)
				done(false)
				return
			}
			done(true)
		})
	}
	try(0)
}

// decrease is upstream decreaseDatastorePool → tryUnassignCidrsFromAll (§2
// "Releasing"): walk the ENIs, on each take the CIDRs no pod holds up to the
// remaining count, cooldown not checked.
func (p VPCCNI) decrease(n *Node, done func()) {
	over := ReleaseCount(n.set, n.lim.PD, n.ds.Stats())
	if over <= 0 {
		done()
		return
	}
	var enis []*ENI
	n.ds.walkENIs(func(e *ENI) bool { enis = append(enis, e); return true })
	var step func(k int)
	step = func(k int) {
		if k >= len(enis) || over <= 0 {
			done()
			return
		}
		e := enis[k]
		cs := n.ds.FreeableCIDRs(e)
		cs = cs[:min(over, len(cs))]
		if len(cs) == 0 {
			step(k + 1)
			return
		}
		over -= len(cs)
		n.ReleaseCIDRs(e, cs, func() { step(k + 1) })
	}
	step(0)
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
