package ipam

// The pool controller's arithmetic: pure functions over integers, each the
// rule of docs/model.md it names.

// Limits are the node's fixed capacities (§ notation).
type Limits struct {
	MaxENIs    int  // N: the instance's default-card ENIs, capped by MAX_ENI (§1)
	IPv4PerENI int  // L: IPv4 addresses per ENI, primary included
	PD         bool // prefix delegation in effect (after the nitro fallback, §1)
	trunk      bool // the type takes a trunk ENI (IsTrunkingCompatible, §1.13)
}

// cidrsPerENI is S = L−1 secondary IPs, or P = L−1 prefixes in PD
// (aws GetENIIPv4Limit; ipamd GetIPv4Limit).
func (l Limits) cidrsPerENI() int { return l.IPv4PerENI - 1 }

// IPsPerENI is upstream maxIPsPerENI: S, or 16·P in PD.
func (l Limits) IPsPerENI() int {
	if l.PD {
		return 16 * l.cidrsPerENI()
	}
	return l.cidrsPerENI()
}

// addrsPerCIDR is 16 for a prefix, 1 for a secondary IP.
func (l Limits) addrsPerCIDR() int {
	if l.PD {
		return 16
	}
	return 1
}

// targetState is upstream datastoreTargetState (§2 "Too low", "Too high"; §4
// for the prefix variant): with WARM_IP or MINIMUM set, how many addresses
// (prefixes in PD) the pool is short of and over its targets.
func targetState(s Settings, pd bool, st Stats) (short, over int, enabled bool) {
	if !s.warmIPMode() {
		return 0, 0, false
	}
	avail := st.available()
	short = max(s.WarmIPTarget-avail, 0)
	short = max(short, s.MinimumIPTarget-st.TotalIPs)
	over = max(avail-s.WarmIPTarget, 0)
	over = max(min(over, st.TotalIPs-s.MinimumIPTarget), 0)
	if pd {
		shortPrefix := divCeil(short, 16)
		neededForWarm := divCeil(st.AssignedIPs+s.WarmIPTarget, 16)
		neededForMin := divCeil(s.MinimumIPTarget, 16)
		overPrefix := max(min(st.FreePrefixes, st.TotalPrefixes-neededForWarm), 0)
		overPrefix = max(min(overPrefix, st.TotalPrefixes-neededForMin), 0)
		return shortPrefix, overPrefix, true
	}
	return short, over, true
}

// prefixShort is upstream datastorePrefixTargetState: prefixes short of
// WARM_PREFIX_TARGET free prefixes (PD only; §4 getPrefixesNeeded).
func prefixShort(s Settings, st Stats) int { return max(s.WarmPrefixTarget-st.FreePrefixes, 0) }

// tooLow is upstream isDatastorePoolTooLow (§2 "Too low").
func tooLow(s Settings, l Limits, st Stats, maxPods int) bool {
	if st.TotalIPs >= maxPods {
		return false // the max-pods stop (§2, §4, PR #2745)
	}
	if short, _, ok := targetState(s, l.PD, st); ok {
		return short > 0
	}
	avail := st.available()
	target, per := s.WarmENITarget, l.cidrsPerENI()
	if l.PD {
		target, per = s.WarmPrefixTarget, 16
	}
	return avail < per*target || (target == 0 && avail == 0)
}

// tooHigh is upstream isDatastorePoolTooHigh (§2 "Too high"): never in SIP
// default mode; it ignores max pods.
func tooHigh(s Settings, pd bool, st Stats) bool {
	if _, over, ok := targetState(s, pd, st); ok {
		return over > 0
	}
	if pd {
		return st.FreePrefixes > s.WarmPrefixTarget
	}
	return false
}

// releaseCount is how many CIDRs a decrease returns (§2 "Releasing"): `over` in
// warm-IP mode, else free prefixes beyond WARM_PREFIX_TARGET in PD (upstream
// computeExtraPrefixesOverWarmTarget), else nothing.
func releaseCount(s Settings, pd bool, st Stats) int {
	if _, over, ok := targetState(s, pd, st); ok {
		return over
	}
	if pd {
		return max(st.FreePrefixes-s.WarmPrefixTarget, 0)
	}
	return 0
}

// shouldRemoveExtraENIs is upstream shouldRemoveExtraENIs (§2 "Freeing an
// ENI"): always in warm-IP mode; else available ≥ (target+1)·maxIPsPerENI; in PD
// also whenever a non-primary ENI without pods exists.
func shouldRemoveExtraENIs(s Settings, l Limits, st Stats, freeableENIExists bool) bool {
	if s.warmIPMode() {
		return true
	}
	target := s.WarmENITarget + 1
	if l.PD {
		target = s.WarmPrefixTarget + 1
	}
	if st.available() >= target*l.IPsPerENI() {
		return true
	}
	return l.PD && freeableENIExists
}

// toAllocateIPs is how many secondary IPs one AssignPrivateIpAddresses asks
// for before the per-ENI room cap (upstream tryAssignIPs, §2 step 1): S to fill
// the ENI in default mode, `short` in warm-IP mode. Zero means skip.
func toAllocateIPs(s Settings, l Limits, st Stats) int {
	if short, _, ok := targetState(s, false, st); ok {
		return short
	}
	return l.cidrsPerENI()
}

// prefixesNeeded is upstream getPrefixesNeeded (§4): max(1, short prefixes) in
// warm-IP mode, else max(1, WARM_PREFIX_TARGET − free prefixes).
func prefixesNeeded(s Settings, st Stats) int {
	if short, _, ok := targetState(s, true, st); ok {
		return max(1, short)
	}
	return max(1, prefixShort(s, st))
}

// eniResources is how many IPs or prefixes a new ENI is created with (upstream
// GetENIResourcesToAllocate, §2 step 2): S in default mode, min(short, S) in
// warm-IP mode, min(prefixes needed, P) in PD.
func eniResources(s Settings, l Limits, st Stats) int {
	if l.PD {
		return min(prefixesNeeded(s, st), l.cidrsPerENI())
	}
	if short, _, ok := targetState(s, false, st); ok {
		return min(short, l.cidrsPerENI())
	}
	return l.cidrsPerENI()
}
