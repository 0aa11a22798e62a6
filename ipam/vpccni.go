package ipam

import (
	"fmt"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// The AWS VPC CNI's ipamd (docs/model.md §2–§4), the default policy:
// upstream's pool loop rules, one controller per node.

// vpcCNI is the policy; it takes no parameters (its knobs are the VPC CNI
// variables, Settings).
type vpcCNI struct{}

func buildVPCCNI(*paramValues) policyKind { return vpcCNI{} }

func (vpcCNI) settings() []string { return nil }

func (vpcCNI) attach(o Ops) Controller {
	info := o.Node()
	c := &ipamd{ops: o, set: info.Settings, lim: info.Limits, maxPods: info.MaxPods}
	return Controller{PreScale: c.preScale, Pass: c.pass, NextTimer: c.nextTimer, NeedsPass: c.needsPass}
}

// ipamd is one node's ipamd: its settings and the memory its pool loop keeps
// from pass to pass.
type ipamd struct {
	ops     Ops
	set     Settings
	lim     Limits
	maxPods int

	lastDecrease     sim.Time // lastDecreaseIPPool
	hasDecreased     bool
	lastInsufficient sim.Time // lastInsufficientCidrError
	hasInsufficient  bool
}

// preScale is upstream handlePreScaling (§2 Startup): one growth step if the
// pool is low; under custom networking an empty pool fails start-up.
func (c *ipamd) preScale() (ok bool) {
	st := c.ops.Stats()
	if c.set.DisableProvisioning || !tooLow(c.set, c.lim, st, c.maxPods) {
		return true
	}
	if c.ops.Logging() {
		c.explain("start-up " + c.tooLowWhy(st))
	}
	if _, err := c.increase(); err {
		return false
	}
	return !(c.set.CustomNetworking && c.ops.Stats().TotalIPs == 0)
}

// pass is upstream updateIPPoolIfRequired (§2 "Per cycle"): grow if too low,
// else shrink if too high and the 30 s decrease gate is open; then,
// independently, maybe free one ENI. The stats are taken once, before any
// action, as upstream does. It reports an idle pass: no EC2 call and no
// decrease held back by the gate.
func (c *ipamd) pass() (idle bool) {
	if c.set.DisableProvisioning {
		return true
	}
	o := c.ops
	st := o.Stats()
	acted, gated, decreased := false, false, false
	switch {
	case tooLow(c.set, c.lim, st, c.maxPods):
		c.explain(c.tooLowWhy(st))
		acted, _ = c.increase()
	case tooHigh(c.set, c.lim.PD, st):
		if c.hasDecreased && o.Now()-c.lastDecrease <= decreaseInterval {
			gated = true // shouldSkipDataStorePoolDecrease
			if o.Logging() {
				c.explain(fmt.Sprintf("%s; decrease waits: the last was %s ago ≤ 30s", c.tooHighWhy(st), o.Now()-c.lastDecrease))
			}
			break
		}
		c.explain(c.tooHighWhy(st))
		acted = c.decrease()
		decreased = true
	}
	if shouldRemoveExtraENIs(c.set, c.lim, st, c.lim.PD && freeableENIExists(o.ENIs())) {
		// tryFreeENI → RemoveUnusedENIFromStore (§2 "Freeing an ENI").
		if e := o.DeletableENI(); e != nil {
			if o.Logging() {
				c.explain(fmt.Sprintf("free %s: %s", e.ID, c.removeWhy(st)))
			}
			o.FreeENI(e)
			acted = true
		}
	}
	if decreased {
		c.lastDecrease = o.Now()
		c.hasDecreased = true
	}
	return !gated && !acted
}

// decreaseInterval is upstream decreaseIPPoolInterval (§2).
const decreaseInterval = 30 * sim.Second

// insufficientCooldown is the 120 s growth pause after an insufficient-address
// error (§2).
const insufficientCooldown = 120 * sim.Second

// inInsufficientPause reports whether growth is paused (§2).
func (c *ipamd) inInsufficientPause() bool {
	return c.hasInsufficient && c.ops.Now()-c.lastInsufficient <= insufficientCooldown
}

// noteInsufficient starts the 120 s growth pause after either
// insufficient-address code (§2 "Errors"; lastInsufficientCidrError).
func (c *ipamd) noteInsufficient(code ec2.ErrCode) {
	if code.Insufficient() {
		c.hasInsufficient = true
		c.lastInsufficient = c.ops.Now()
	}
}

// increase is upstream increaseDatastorePool (§2 "Growing the pool"): top up an
// existing ENI first (one AssignPrivateIpAddresses on the first ENI with room),
// and only if none had room, attach a new ENI. err is the error upstream
// returns (a failed top-up other than an insufficient-address one); acted
// reports an EC2 call.
func (c *ipamd) increase() (acted, err bool) {
	if c.inInsufficientPause() {
		if c.ops.Logging() {
			c.explain(fmt.Sprintf("growth paused: an insufficient-address error %s ago ≤ 120s", c.ops.Now()-c.lastInsufficient))
		}
		return false, false
	}
	o := c.ops
	st := o.Stats()
	toAllocate := 0
	perENI := c.lim.cidrsPerENI()
	if c.lim.PD {
		toAllocate = prefixesNeeded(c.set, st) // tryAssignPrefixes
	} else {
		toAllocate = toAllocateIPs(c.set, c.lim, st) // tryAssignIPs
	}
	var enis []*ENI
	if toAllocate > 0 {
		enis = allocatable(o.WalkENIs(), perENI, c.set.CustomNetworking)
	}
	for _, e := range enis {
		code := o.AssignIPs(e, min(perENI-len(e.CIDRs()), toAllocate))
		acted = true
		switch {
		case code == ec2.OK:
			return true, false
		case c.set.SubnetDiscovery && code.Insufficient():
			continue // §2: with subnet discovery, try the next ENI
		case code.Insufficient():
			c.noteInsufficient(code)
			return true, false
		}
		return true, true
	}
	if !hasRoomForENI(c.set, c.lim, len(o.ENIs())) {
		if !acted && o.Logging() {
			c.explain(fmt.Sprintf("cannot grow: no ENI has room and %d of %d are attached", len(o.ENIs()), c.lim.MaxENIs))
		}
		return acted, false
	}
	res := eniResources(c.set, c.lim, o.Stats())
	if res <= 0 {
		return acted, false
	}
	if code := o.AllocENI(res); code != ec2.OK {
		c.noteInsufficient(code)
	}
	return true, false
}

// decrease is upstream decreaseDatastorePool → tryUnassignCidrsFromAll (§2
// "Releasing"): walk the ENIs, on each take the CIDRs no pod holds up to the
// remaining count, cooldown not checked. It reports an EC2 call.
func (c *ipamd) decrease() (acted bool) {
	o := c.ops
	over := releaseCount(c.set, c.lim.PD, o.Stats())
	if over <= 0 {
		return false
	}
	for _, e := range o.WalkENIInfos() { // GetENIInfos().ENIs (§2.28)
		if over <= 0 {
			break
		}
		cs := o.FreeableCIDRs(e)
		cs = cs[:min(over, len(cs))]
		if len(cs) == 0 {
			continue
		}
		over -= len(cs)
		o.ReleaseCIDRs(e, cs)
		acted = true
	}
	return acted
}

// nextTimer: with no pod arriving or leaving, an idle VPC CNI pass can only
// start acting when the 120 s growth pause ends (§2), the 30 s decrease gate
// opens, or — while shouldRemoveExtraENIs holds — an ENI reaches its 60 s
// minimum age or an address leaves cooldown (§2 "Freeing an ENI").
func (c *ipamd) nextTimer() (sim.Time, bool) {
	o := c.ops
	st := o.Stats()
	t := soonest{now: o.Now()}
	if c.inInsufficientPause() && tooLow(c.set, c.lim, st, c.maxPods) {
		t.add(c.lastInsufficient + insufficientCooldown + 1)
	}
	if tooHigh(c.set, c.lim.PD, st) && c.hasDecreased {
		t.add(c.lastDecrease + decreaseInterval + 1)
	}
	if shouldRemoveExtraENIs(c.set, c.lim, st, c.lim.PD && freeableENIExists(o.ENIs())) {
		for _, e := range o.ENIs() {
			if !e.Primary && t.now-e.CreatedAt < minENILifetime {
				t.add(e.CreatedAt + minENILifetime)
			}
		}
		if at, ok := o.NextExpiry(); ok {
			t.add(at)
		}
	}
	return t.at, t.pending
}

// needsPass: a VPC CNI pass acts only if the pool is too low and can still
// grow (an ENI with room for more CIDRs, or room for another ENI, and no 120 s
// pause), or is too high, or shouldRemoveExtraENIs holds (§2 "Per cycle").
func (c *ipamd) needsPass() bool {
	if c.set.DisableProvisioning {
		return false
	}
	st := c.ops.Stats()
	if tooHigh(c.set, c.lim.PD, st) {
		return true
	}
	enis := c.ops.ENIs()
	if tooLow(c.set, c.lim, st, c.maxPods) && !c.inInsufficientPause() && c.canGrow(enis) {
		return true
	}
	// CheckFreeableENIexists matters only in PD; it walks the ENIs, and this
	// runs for every pod event of a sleeping loop.
	return shouldRemoveExtraENIs(c.set, c.lim, st, c.lim.PD && freeableENIExists(enis))
}

// canGrow reports whether an increase could do anything: room for another
// ENI, or an ENI (not the primary under custom networking) with room for more
// CIDRs (§2 "Growing the pool": GetAllocatableENIs, hasRoomForEni).
func (c *ipamd) canGrow(enis []*ENI) bool {
	if hasRoomForENI(c.set, c.lim, len(enis)) {
		return true
	}
	for _, e := range enis {
		if len(e.CIDRs()) < c.lim.cidrsPerENI() && !(c.set.CustomNetworking && e.Primary) {
			return true
		}
	}
	return false
}

// hasRoomForENI is upstream hasRoomForEni (§2 step 2): ENIs below the limit,
// one slot kept for the trunk ENI with ENABLE_POD_ENI on a type that takes
// one (IsTrunkingCompatible, §1.13).
func hasRoomForENI(s Settings, l Limits, enis int) bool {
	trunk := 0
	if s.PodENI && l.trunk {
		trunk = 1
	}
	return enis < l.MaxENIs-trunk
}

// freeableENIExists is upstream CheckFreeableENIexists (used in PD, §2): a
// non-primary ENI without pods. Callers evaluate it only in PD (c.lim.PD &&
// freeableENIExists(...)), the only mode shouldRemoveExtraENIs reads it in:
// it walks the ENIs, for nothing in secondary-IP mode.
func freeableENIExists(enis []*ENI) bool {
	for _, e := range enis {
		if !e.Primary && e.AssignedCount() == 0 {
			return true
		}
	}
	return false
}

// explain logs a pass's verdict, if the node keeps a log. Callers that
// format it check Logging first, so that a node without a log formats
// nothing.
func (c *ipamd) explain(why string) {
	if c.ops.Logging() {
		c.ops.Log(Event{Kind: EvPass, Detail: why})
	}
}

// tooLowWhy is the arithmetic of TooLow (§2 "Too low"), when it holds.
func (c *ipamd) tooLowWhy(st Stats) string {
	if !c.ops.Logging() {
		return ""
	}
	s := c.set
	if short, _, ok := targetState(s, c.lim.PD, st); ok {
		unit := ""
		if c.lim.PD {
			unit = " prefixes"
		}
		return fmt.Sprintf("too-low: short %d%s: WARM_IP_TARGET %d − avail %d, MINIMUM_IP_TARGET %d − total %d",
			short, unit, s.WarmIPTarget, st.available(), s.MinimumIPTarget, st.TotalIPs)
	}
	target, per, name := s.WarmENITarget, c.lim.cidrsPerENI(), "WARM_ENI_TARGET"
	if c.lim.PD {
		target, per, name = s.WarmPrefixTarget, 16, "WARM_PREFIX_TARGET"
	}
	if target == 0 {
		return fmt.Sprintf("too-low: avail 0 with %s 0", name)
	}
	return fmt.Sprintf("too-low: avail %d < %d = %d×%d (%s)", st.available(), target*per, target, per, name)
}

// tooHighWhy is the arithmetic of TooHigh (§2 "Too high").
func (c *ipamd) tooHighWhy(st Stats) string {
	if !c.ops.Logging() {
		return ""
	}
	s := c.set
	if _, over, ok := targetState(s, c.lim.PD, st); ok {
		unit := ""
		if c.lim.PD {
			unit = " prefixes"
		}
		return fmt.Sprintf("too-high: over %d%s: avail %d − WARM_IP_TARGET %d, total %d − MINIMUM_IP_TARGET %d",
			over, unit, st.available(), s.WarmIPTarget, st.TotalIPs, s.MinimumIPTarget)
	}
	return fmt.Sprintf("too-high: free prefixes %d > WARM_PREFIX_TARGET %d", st.FreePrefixes, s.WarmPrefixTarget)
}

// removeWhy is why shouldRemoveExtraENIs holds (§2 "Freeing an ENI").
func (c *ipamd) removeWhy(st Stats) string {
	s := c.set
	if s.warmIPMode() {
		return "WARM_IP_TARGET or MINIMUM_IP_TARGET set"
	}
	target, name := s.WarmENITarget, "WARM_ENI_TARGET"
	if c.lim.PD {
		target, name = s.WarmPrefixTarget, "WARM_PREFIX_TARGET"
	}
	if need := (target + 1) * c.lim.IPsPerENI(); st.available() >= need {
		return fmt.Sprintf("avail %d ≥ %d = (%s %d + 1)×%d", st.available(), need, name, target, c.lim.IPsPerENI())
	}
	return "an ENI without pods (prefix delegation)"
}
