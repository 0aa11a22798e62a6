package ipam

import (
	"fmt"
	"testing"
	"testing/quick"
)

// Expectations in this file are worked out by hand from docs/model.md (§2
// "Too low"/"Too high", §4), with the arithmetic next to each row.

// m5.large: L=10, S=9, N=3 (instance-limits.csv).
var limM5Large = Limits{MaxENIs: 3, IPv4PerENI: 10}

// t3.small in PD: L=4, P=3, N=3, 16·P = 48 addresses per ENI.
var limT3SmallPD = Limits{MaxENIs: 3, IPv4PerENI: 4, PD: true}

// t3.medium in PD: L=6, P=5, N=3.
var limT3MediumPD = Limits{MaxENIs: 3, IPv4PerENI: 6, PD: true}

// sipStats is a secondary-IP datastore with total addresses, assigned to pods.
func sipStats(total, assigned int) Stats {
	return Stats{TotalIPs: total, AssignedIPs: assigned}
}

// pdStats is a PD datastore with prefixes /28s, assigned addresses and free
// (wholly unassigned) prefixes.
func pdStats(prefixes, assigned, free int) Stats {
	return Stats{TotalIPs: 16 * prefixes, TotalPrefixes: prefixes, AssignedIPs: assigned, FreePrefixes: free}
}

func settingsWith(f func(s *Settings)) Settings {
	s := DefaultSettings()
	if f != nil {
		f(&s)
	}
	return s
}

func warmIP(w, m int) Settings {
	return settingsWith(func(s *Settings) { s.WarmIPTarget, s.MinimumIPTarget = w, m })
}

func TestLimits(t *testing.T) {
	if got := limM5Large.cidrsPerENI(); got != 9 { // S = L-1 = 10-1
		t.Errorf("m5.large S = %d, want 9", got)
	}
	if got := limM5Large.IPsPerENI(); got != 9 {
		t.Errorf("m5.large maxIPsPerENI = %d, want 9", got)
	}
	if got := limT3SmallPD.cidrsPerENI(); got != 3 { // P = L-1 = 4-1
		t.Errorf("t3.small P = %d, want 3", got)
	}
	if got := limT3SmallPD.IPsPerENI(); got != 48 { // 16·P = 16·3
		t.Errorf("t3.small PD maxIPsPerENI = %d, want 48", got)
	}
}

func TestStatsAvailableCountsCooldown(t *testing.T) {
	// § notation: avail = total − assigned; cooling IPs count as available.
	st := Stats{TotalIPs: 9, AssignedIPs: 3, CooldownIPs: 4}
	if got := st.available(); got != 6 { // 9 − 3, the 4 cooling ones not subtracted
		t.Errorf("Available = %d, want 6", got)
	}
}

func TestTargetState(t *testing.T) {
	tests := []struct {
		name    string
		s       Settings
		pd      bool
		st      Stats
		short   int
		over    int
		enabled bool
		tooLow  bool
		tooHigh bool
		release int
		limits  Limits
		maxPods int
		comment string
	}{
		{name: "default mode is not warm-IP", s: DefaultSettings(), st: sipStats(9, 0), enabled: false, limits: limM5Large, maxPods: 29},
		// WARM_IP=2 MIN=10, SIP m5.large.
		{name: "wip2 min10 empty", s: warmIP(2, 10), st: sipStats(0, 0), enabled: true,
			short: 10, over: 0, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "short = max(2−0, 10−0, 0) = 10; over = max(min(0−2, 0−10), 0) = 0"},
		{name: "wip2 min10 at 9", s: warmIP(2, 10), st: sipStats(9, 0), enabled: true,
			short: 1, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "short = max(2−9, 10−9) = 1"},
		{name: "wip2 min10 at 10 idle", s: warmIP(2, 10), st: sipStats(10, 0), enabled: true,
			short: 0, over: 0, limits: limM5Large, maxPods: 29,
			comment: "short = max(2−10, 10−10, 0) = 0; over = max(min(10−2, 10−10), 0) = 0"},
		{name: "wip2 min10 10 on 10", s: warmIP(2, 10), st: sipStats(10, 10), enabled: true,
			short: 2, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "avail 0: short = max(2−0, 10−10) = 2"},
		{name: "wip2 min10 9 on 10", s: warmIP(2, 10), st: sipStats(10, 9), enabled: true,
			short: 1, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "avail 1: short = max(2−1, 0) = 1"},
		{name: "wip2 min10 10 on 12", s: warmIP(2, 10), st: sipStats(12, 10), enabled: true,
			short: 0, over: 0, limits: limM5Large, maxPods: 29,
			comment: "avail 2: short 0; over = min(2−2, 12−10) = 0"},
		{name: "wip2 min10 10 on 15", s: warmIP(2, 10), st: sipStats(15, 10), enabled: true,
			short: 0, over: 3, tooHigh: true, release: 3, limits: limM5Large, maxPods: 29,
			comment: "avail 5: over = min(5−2, 15−10) = 3"},
		{name: "wip2 min10 5 on 20", s: warmIP(2, 10), st: sipStats(20, 5), enabled: true,
			short: 0, over: 10, tooHigh: true, release: 10, limits: limM5Large, maxPods: 29,
			comment: "avail 15: over = min(15−2, 20−10) = 10 (MIN bounds it)"},
		{name: "wip2 min10 18 on 27", s: warmIP(2, 10), st: sipStats(27, 18), enabled: true,
			short: 0, over: 7, tooHigh: true, release: 7, limits: limM5Large, maxPods: 29,
			comment: "avail 9: over = min(9−2, 27−10) = 7 (WARM_IP bounds it)"},
		// MINIMUM only: never grows past MIN (§1).
		{name: "min10 only, full", s: warmIP(0, 10), st: sipStats(10, 10), enabled: true,
			short: 0, over: 0, limits: limM5Large, maxPods: 29,
			comment: "short = max(0−0, 10−10, 0) = 0: no growth past MIN although avail is 0"},
		{name: "min10 only, 5 held", s: warmIP(0, 10), st: sipStats(5, 0), enabled: true,
			short: 5, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "short = max(0−5, 10−5) = 5"},
		{name: "min10 only, 14 held 3 used", s: warmIP(0, 10), st: sipStats(14, 3), enabled: true,
			over: 4, tooHigh: true, release: 4, limits: limM5Large, maxPods: 29,
			comment: "over = min(11−0, 14−10) = 4"},
		{name: "wip5 only", s: warmIP(5, 0), st: sipStats(9, 6), enabled: true,
			short: 2, tooLow: true, limits: limM5Large, maxPods: 29,
			comment: "avail 3: short = 5−3 = 2; over = max(min(3−5, 9−0), 0) = 0"},
		// PD warm-IP (§4): short in prefixes = ceil(short/16); over in prefixes.
		{name: "pd wip5: 10 used on 3 prefixes", s: warmIP(5, 0), pd: true, st: pdStats(3, 10, 2), enabled: true,
			short: 0, over: 2, tooHigh: true, release: 2, limits: limT3SmallPD, maxPods: 110,
			comment: "avail 38 ≥ 5: short 0; over = min(free 2, 3 − ceil((10+5)/16)=3−1=2) = 2; MIN: 3 − ceil(0/16) = 3 → 2"},
		{name: "pd wip5 min40", s: warmIP(5, 40), pd: true, st: pdStats(3, 10, 2), enabled: true,
			short: 0, over: 0, limits: limT3SmallPD, maxPods: 110,
			comment: "over = min(2, 3−1) = 2, limited by 3 − ceil(40/16)=3−3 = 0 → 0"},
		{name: "pd wip20: 10 used on 3 prefixes", s: warmIP(20, 0), pd: true, st: pdStats(3, 10, 2), enabled: true,
			short: 0, over: 1, tooHigh: true, release: 1, limits: limT3SmallPD, maxPods: 110,
			comment: "over = min(2, 3 − ceil(30/16)=3−2 = 1) = 1"},
		{name: "pd wip20: 10 used on 1 prefix", s: warmIP(20, 0), pd: true, st: pdStats(1, 10, 0), enabled: true,
			short: 1, tooLow: true, limits: limT3SmallPD, maxPods: 110,
			comment: "avail 6: short = 20−6 = 14 IPs → ceil(14/16) = 1 prefix"},
		{name: "pd wip40: 10 used on 1 prefix", s: warmIP(40, 0), pd: true, st: pdStats(1, 10, 0), enabled: true,
			short: 3, tooLow: true, limits: limT3SmallPD, maxPods: 200,
			comment: "avail 6: short = 34 IPs → ceil(34/16) = 3 prefixes"},
		{name: "pd min64 empty", s: warmIP(0, 64), pd: true, st: pdStats(0, 0, 0), enabled: true,
			short: 4, tooLow: true, limits: limT3SmallPD, maxPods: 200,
			comment: "short = 64−0 = 64 → 4 prefixes"},
		{name: "pd wip1: cooling-only prefixes are free", s: warmIP(1, 0), pd: true,
			st: Stats{TotalIPs: 48, TotalPrefixes: 3, AssignedIPs: 0, CooldownIPs: 20, FreePrefixes: 3}, enabled: true,
			over: 2, tooHigh: true, release: 2, limits: limT3SmallPD, maxPods: 110,
			comment: "over = min(3, 3 − ceil(1/16)=2) = 2; cooling addresses are not assigned (§4)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			short, over, enabled := targetState(tc.s, tc.pd, tc.st)
			if short != tc.short || over != tc.over || enabled != tc.enabled {
				t.Errorf("TargetState = (short %d, over %d, %v), want (%d, %d, %v)  [%s]",
					short, over, enabled, tc.short, tc.over, tc.enabled, tc.comment)
			}
			lim := tc.limits
			lim.PD = tc.pd
			if got := tooLow(tc.s, lim, tc.st, tc.maxPods); got != tc.tooLow {
				t.Errorf("TooLow = %v, want %v  [%s]", got, tc.tooLow, tc.comment)
			}
			if got := tooHigh(tc.s, tc.pd, tc.st); got != tc.tooHigh {
				t.Errorf("TooHigh = %v, want %v  [%s]", got, tc.tooHigh, tc.comment)
			}
			if got := releaseCount(tc.s, tc.pd, tc.st); got != tc.release {
				t.Errorf("ReleaseCount = %d, want %d  [%s]", got, tc.release, tc.comment)
			}
		})
	}
}

func TestTooLowSIPDefault(t *testing.T) {
	def := DefaultSettings()
	eni0 := settingsWith(func(s *Settings) { s.WarmENITarget = 0 })
	eni2 := settingsWith(func(s *Settings) { s.WarmENITarget = 2 })
	const maxPods = 29 // 3·(10−1)+2
	tests := []struct {
		name string
		s    Settings
		st   Stats
		want bool
		why  string
	}{
		{"empty primary", def, sipStats(0, 0), true, "avail 0 < 1·9"},
		{"idle node with 9 IPs", def, sipStats(9, 0), false, "avail 9, not < 9"},
		{"first pod", def, sipStats(9, 1), true, "avail 8 < 9: ENI 2 is attached"},
		{"9 pods on 18", def, sipStats(18, 9), false, "avail 9, not < 9"},
		{"10 pods on 18", def, sipStats(18, 10), true, "avail 8 < 9: ENI 3 is attached"},
		{"10 pods on 27", def, sipStats(27, 10), false, "avail 17"},
		{"cooldown counts as available", def, Stats{TotalIPs: 9, AssignedIPs: 0, CooldownIPs: 9}, false, "avail 9 (all cooling) not < 9"},
		{"WARM_ENI=0 full", eni0, sipStats(9, 9), true, "WARM_ENI=0 and avail == 0"},
		{"WARM_ENI=0 one free", eni0, sipStats(9, 8), false, "avail 1: 1 < 0·9 false, avail != 0"},
		{"WARM_ENI=0 empty", eni0, sipStats(0, 0), true, "avail 0"},
		{"WARM_ENI=2 at 17", eni2, sipStats(18, 1), true, "avail 17 < 2·9 = 18"},
		{"WARM_ENI=2 at 18", eni2, sipStats(18, 0), false, "avail 18 not < 18"},
		{"max pods stop", def, sipStats(29, 29), false, "total 29 ≥ maxPods 29"},
		{"below max pods", def, sipStats(27, 27), true, "total 27 < 29 and avail 0 < 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tooLow(tc.s, limM5Large, tc.st, maxPods); got != tc.want {
				t.Errorf("TooLow(%+v) = %v, want %v (%s)", tc.st, got, tc.want, tc.why)
			}
			if got := tooHigh(tc.s, false, tc.st); got {
				t.Errorf("TooHigh in SIP default mode = true; §2 says never")
			}
			if got := releaseCount(tc.s, false, tc.st); got != 0 {
				t.Errorf("ReleaseCount in SIP default mode = %d, want 0", got)
			}
		})
	}
}

func TestTooHighNeverInSIPDefault(t *testing.T) {
	for _, wet := range []int{0, 1, 2, 5} {
		s := settingsWith(func(s *Settings) { s.WarmENITarget = wet })
		for total := 0; total <= 27; total++ {
			for assigned := 0; assigned <= total; assigned++ {
				if tooHigh(s, false, sipStats(total, assigned)) {
					t.Fatalf("WARM_ENI=%d total %d assigned %d: TooHigh true in SIP default mode", wet, total, assigned)
				}
			}
		}
	}
}

func TestTooLowMaxPodsStop(t *testing.T) {
	// §2: total ≥ maxPods → never low, whatever the mode.
	// Oracle rule: PD t3.medium, max pods 110, stops at 7 prefixes = 112 addresses.
	wpt1 := settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 })
	if tooLow(wpt1, limT3MediumPD, pdStats(7, 112, 0), 110) {
		t.Errorf("PD t3.medium, 112 addresses, 112 used, max pods 110: low; want not (112 ≥ 110)")
	}
	if tooLow(wpt1, limT3MediumPD, pdStats(7, 100, 0), 110) {
		t.Errorf("PD t3.medium, 112 addresses, 100 used, max pods 110: low; want not (112 ≥ 110)")
	}
	if !tooLow(wpt1, limT3MediumPD, pdStats(6, 81, 0), 110) {
		t.Errorf("PD t3.medium, 96 addresses, 81 used: not low; want low (96 < 110, avail 15 < 16)")
	}
	// warm-IP mode is stopped too.
	if tooLow(warmIP(5, 0), limM5Large, sipStats(20, 20), 20) {
		t.Errorf("warm-IP, total 20 ≥ maxPods 20: low")
	}
	if !tooLow(warmIP(5, 0), limM5Large, sipStats(19, 19), 20) {
		t.Errorf("warm-IP, total 19 < maxPods 20, avail 0 < 5: not low")
	}
	// TooHigh ignores max pods (§2).
	if !tooHigh(warmIP(1, 0), false, sipStats(30, 0)) {
		t.Errorf("TooHigh must ignore max pods: warm-IP with 30 idle addresses not high")
	}
}

func TestTooLowTooHighPDDefault(t *testing.T) {
	pd := func(wpt int) Settings {
		return settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, wpt })
	}
	tests := []struct {
		name       string
		wpt        int
		st         Stats
		low, high  bool
		release    int
		needed     int
		why        string
		maxPodsArg int
	}{
		{"wpt1 empty", 1, pdStats(0, 0, 0), true, false, 0, 1, "avail 0 < 16; needed max(1, 1−0)=1", 110},
		{"wpt1 one idle prefix", 1, pdStats(1, 0, 1), false, false, 0, 1, "avail 16 not < 16; free 1 not > 1", 110},
		{"wpt1 5 pods on 1", 1, pdStats(1, 5, 0), true, false, 0, 1, "avail 11 < 16; needed max(1, 1−0)=1", 110},
		{"wpt1 16 pods on 2", 1, pdStats(2, 16, 1), false, false, 0, 1, "avail 16", 110},
		{"wpt1 17 pods on 2", 1, pdStats(2, 17, 0), true, false, 0, 1, "avail 15 < 16", 110},
		{"wpt1 two free prefixes", 1, pdStats(3, 5, 2), false, true, 1, 1, "free 2 > 1: release 2−1 = 1", 110},
		{"wpt2 1 free", 2, pdStats(2, 5, 1), true, false, 0, 1, "avail 27 < 16·2 = 32 → low; needed max(1, 2−1) = 1", 110},
		{"wpt0 one free prefix", 0, pdStats(1, 0, 1), false, true, 1, 1, "WPT=0: free 1 > 0 → high (oscillation)", 110},
		{"wpt0 full", 0, pdStats(1, 16, 0), true, false, 0, 1, "WPT=0 and avail 0", 110},
		{"wpt0 one left", 0, pdStats(1, 15, 0), false, false, 0, 1, "avail 1 ≠ 0, 1 < 0 false", 110},
		{"wpt3 needs 3", 3, pdStats(1, 1, 0), true, false, 0, 3, "needed max(1, 3−0) = 3", 110},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pd(tc.wpt)
			if got := tooLow(s, limT3SmallPD, tc.st, tc.maxPodsArg); got != tc.low {
				t.Errorf("TooLow = %v, want %v (%s)", got, tc.low, tc.why)
			}
			if got := tooHigh(s, true, tc.st); got != tc.high {
				t.Errorf("TooHigh = %v, want %v (%s)", got, tc.high, tc.why)
			}
			if got := releaseCount(s, true, tc.st); got != tc.release {
				t.Errorf("ReleaseCount = %d, want %d (%s)", got, tc.release, tc.why)
			}
			if got := prefixesNeeded(s, tc.st); got != tc.needed {
				t.Errorf("PrefixesNeeded = %d, want %d (%s)", got, tc.needed, tc.why)
			}
		})
	}
}

// TestPDWarmPrefixWorkedExample replays docs/prefix-and-ip-target.md (t3.small,
// P=3, WPT=1): 0, 5 and 17 pods give 1, 2 and 3 prefixes. The pool is driven
// by the pure rules: pods are added one at a time, each into the first prefix
// with room, and after each pod the pool grows by PrefixesNeeded while TooLow.
func TestPDWarmPrefixWorkedExample(t *testing.T) {
	s := settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 })
	var used []int // assigned addresses per prefix
	stats := func() Stats {
		st := Stats{TotalPrefixes: len(used), TotalIPs: 16 * len(used)}
		for _, u := range used {
			st.AssignedIPs += u
			if u == 0 {
				st.FreePrefixes++
			}
		}
		return st
	}
	settle := func() {
		for i := 0; i < 10 && tooLow(s, limT3SmallPD, stats(), 110); i++ {
			k := prefixesNeeded(s, stats())
			for j := 0; j < k && len(used) < limT3SmallPD.MaxENIs*limT3SmallPD.cidrsPerENI(); j++ {
				used = append(used, 0)
			}
		}
	}
	settle()
	want := map[int]int{0: 1, 5: 2, 17: 3}
	if got := len(used); got != want[0] {
		t.Fatalf("0 pods: %d prefixes, want 1", got)
	}
	for pod := 1; pod <= 17; pod++ {
		placed := false
		for i := range used {
			if used[i] < 16 {
				used[i]++
				placed = true
				break
			}
		}
		if !placed {
			t.Fatalf("pod %d found no address", pod)
		}
		settle()
		if w, ok := want[pod]; ok && len(used) != w {
			t.Errorf("%d pods: %d prefixes, want %d", pod, len(used), w)
		}
	}
}

func TestShouldRemoveExtraENIs(t *testing.T) {
	def := DefaultSettings()
	pd1 := settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 })
	pd0 := settingsWith(func(s *Settings) { s.PrefixDelegation = true })
	tests := []struct {
		name     string
		s        Settings
		l        Limits
		st       Stats
		freeable bool
		want     bool
		why      string
	}{
		{"sip default at 18 free", def, limM5Large, sipStats(27, 9), false, true, "avail 18 ≥ (1+1)·9"},
		{"sip default at 17 free", def, limM5Large, sipStats(27, 10), false, false, "avail 17 < 18"},
		{"sip default freeable ENI is ignored", def, limM5Large, sipStats(27, 10), true, false, "only PD looks at freeable ENIs"},
		{"sip WARM_ENI=0 at 9", settingsWith(func(s *Settings) { s.WarmENITarget = 0 }), limM5Large, sipStats(18, 9), false, true, "avail 9 ≥ (0+1)·9"},
		{"sip WARM_ENI=0 at 8", settingsWith(func(s *Settings) { s.WarmENITarget = 0 }), limM5Large, sipStats(18, 10), false, false, "avail 8 < 9"},
		{"warm-IP always", warmIP(2, 10), limM5Large, sipStats(10, 10), false, true, "warm-IP mode: every cycle"},
		{"min-only always", warmIP(0, 10), limM5Large, sipStats(0, 0), false, true, "MINIMUM alone is warm-IP mode"},
		{"pd wpt1 at 96", pd1, limT3SmallPD, pdStats(6, 0, 6), false, true, "avail 96 ≥ (1+1)·48"},
		{"pd wpt1 at 95", pd1, limT3SmallPD, pdStats(6, 1, 5), false, false, "avail 95 < 96, no freeable ENI"},
		{"pd wpt1 freeable", pd1, limT3SmallPD, pdStats(6, 1, 5), true, true, "a freeable ENI exists"},
		{"pd wpt0 at 48", pd0, limT3SmallPD, pdStats(3, 0, 3), false, true, "avail 48 ≥ (0+1)·48"},
		{"pd wpt0 at 47", pd0, limT3SmallPD, pdStats(3, 1, 2), false, false, "avail 47 < 48"},
		{"pd WARM_ENI ignored", settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmENITarget, s.WarmPrefixTarget = true, 5, 1 }),
			limT3SmallPD, pdStats(6, 0, 6), false, true, "WARM_ENI is ignored in PD: (WPT+1)·48 = 96"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shouldRemoveExtraENIs(tc.s, tc.l, tc.st, tc.freeable); got != tc.want {
				t.Errorf("ShouldRemoveExtraENIs = %v, want %v (%s)", got, tc.want, tc.why)
			}
		})
	}
}

func TestToAllocateAndENIResources(t *testing.T) {
	def := DefaultSettings()
	pd1 := settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 })
	pd3 := settingsWith(func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 3 })
	pdWIP := func(w, m int) Settings {
		return settingsWith(func(s *Settings) {
			s.PrefixDelegation, s.WarmIPTarget, s.MinimumIPTarget = true, w, m
		})
	}
	tests := []struct {
		name         string
		s            Settings
		l            Limits
		st           Stats
		toAlloc      int // ToAllocateIPs (SIP only; -1 = not checked)
		needed       int // PrefixesNeeded (-1 = not checked)
		eniResources int
		why          string
	}{
		{"sip default fills the ENI", def, limM5Large, sipStats(9, 1), 9, -1, 9, "S = 9"},
		{"sip default empty", def, limM5Large, sipStats(0, 0), 9, -1, 9, "S = 9"},
		{"wip2 min10 empty", warmIP(2, 10), limM5Large, sipStats(0, 0), 10, -1, 9, "short 10; new ENI min(10, 9) = 9"},
		{"wip2 min10 at 9", warmIP(2, 10), limM5Large, sipStats(9, 0), 1, -1, 1, "short = max(2−9, 10−9) = 1"},
		{"wip2 min10 at 10 idle", warmIP(2, 10), limM5Large, sipStats(10, 0), 0, -1, 0, "short 0"},
		{"wip20 at 10/10", warmIP(20, 0), limM5Large, sipStats(10, 10), 20, -1, 9, "short 20; min(20, 9) = 9"},
		{"pd wpt1 empty", pd1, limT3SmallPD, pdStats(0, 0, 0), -1, 1, 1, "max(1, 1−0) = 1"},
		{"pd wpt1 one free", pd1, limT3SmallPD, pdStats(1, 0, 1), -1, 1, 1, "max(1, 1−1=0) = 1"},
		{"pd wpt3 empty", pd3, limT3SmallPD, pdStats(0, 0, 0), -1, 3, 3, "max(1, 3) = 3 = P"},
		{"pd wpt3 one free", pd3, limT3SmallPD, pdStats(1, 0, 1), -1, 2, 2, "3−1 = 2"},
		{"pd wip64 empty", pdWIP(64, 0), limT3SmallPD, pdStats(0, 0, 0), -1, 4, 3, "ceil(64/16) = 4; ENI min(4, P=3) = 3"},
		{"pd wip17 empty", pdWIP(17, 0), limT3SmallPD, pdStats(0, 0, 0), -1, 2, 2, "ceil(17/16) = 2"},
		{"pd wip5 satisfied", pdWIP(5, 0), limT3SmallPD, pdStats(1, 0, 1), -1, 1, 1, "short 0 → max(1, 0) = 1"},
		{"pd min20 wip5 at 1 prefix", pdWIP(5, 20), limT3SmallPD, pdStats(1, 3, 0), -1, 1, 1, "short = max(5−13, 20−16) = 4 → 1 prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.toAlloc >= 0 {
				if got := toAllocateIPs(tc.s, tc.l, tc.st); got != tc.toAlloc {
					t.Errorf("ToAllocateIPs = %d, want %d (%s)", got, tc.toAlloc, tc.why)
				}
			}
			if tc.needed >= 0 {
				if got := prefixesNeeded(tc.s, tc.st); got != tc.needed {
					t.Errorf("PrefixesNeeded = %d, want %d (%s)", got, tc.needed, tc.why)
				}
			}
			if got := eniResources(tc.s, tc.l, tc.st); got != tc.eniResources {
				t.Errorf("ENIResources = %d, want %d (%s)", got, tc.eniResources, tc.why)
			}
		})
	}
}

// quickStats is a consistent datastore state for testing/quick.
type quickStats struct {
	S  Settings
	PD bool
	St Stats
}

func (q quickStats) String() string {
	return fmt.Sprintf("WARM_IP=%d MIN=%d PD=%v %+v", q.S.WarmIPTarget, q.S.MinimumIPTarget, q.PD, q.St)
}

func genQuickStats(warmIPMin int, a, b, c, d, e uint16, pdBit bool) quickStats {
	s := DefaultSettings()
	s.WarmIPTarget = warmIPMin + int(a%64)
	s.MinimumIPTarget = int(b % 128)
	q := quickStats{S: s, PD: pdBit}
	if pdBit {
		s.PrefixDelegation = true
		q.S = s
		prefixes := int(c % 40)
		assigned := 0
		if prefixes > 0 {
			assigned = int(d) % (16*prefixes + 1)
		}
		// Prefixes with a pod: at least ceil(assigned/16), at most min(prefixes, assigned).
		lo := divCeil(assigned, 16)
		hi := min(prefixes, assigned)
		used := lo
		if hi > lo {
			used += int(e) % (hi - lo + 1)
		}
		q.St = Stats{TotalIPs: 16 * prefixes, TotalPrefixes: prefixes, AssignedIPs: assigned, FreePrefixes: prefixes - used}
	} else {
		total := int(c % 300)
		q.St = Stats{TotalIPs: total, AssignedIPs: int(d) % (total + 1)}
	}
	return q
}

// TestQuickNeverLowAndHigh: with WARM_IP > 0, TooLow and TooHigh are never both
// true (short > 0 means avail < WARM_IP or total < MIN, and either makes over 0).
func TestQuickNeverLowAndHigh(t *testing.T) {
	f := func(a, b, c, d, e uint16, pdBit bool, mp uint16) bool {
		q := genQuickStats(1, a, b, c, d, e, pdBit)
		l := limM5Large
		if q.PD {
			l = Limits{MaxENIs: 15, IPv4PerENI: 50, PD: true}
		}
		maxPods := 1 + int(mp%2000)
		low := tooLow(q.S, l, q.St, maxPods)
		high := tooHigh(q.S, q.PD, q.St)
		if low && high {
			t.Logf("both low and high: %v maxPods %d", q, maxPods)
			return false
		}
		short, over, ok := targetState(q.S, q.PD, q.St)
		if !ok || short < 0 || over < 0 || (short > 0 && over > 0) {
			t.Logf("TargetState(%v) = %d, %d, %v", q, short, over, ok)
			return false
		}
		// Release never exceeds what is free: addresses in SIP, free prefixes in PD.
		rel := releaseCount(q.S, q.PD, q.St)
		if q.PD && rel > q.St.FreePrefixes || !q.PD && rel > q.St.available() {
			t.Logf("ReleaseCount %d exceeds free (%v)", rel, q)
			return false
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
}

// TestQuickReleaseKeepsTargets: releasing ReleaseCount addresses (SIP warm-IP)
// leaves the pool neither low nor high (§2: over = max(min(avail−WARM, total−MIN), 0)).
func TestQuickReleaseKeepsTargets(t *testing.T) {
	f := func(a, b, c, d uint16) bool {
		q := genQuickStats(0, a, b, c, d, 0, false)
		if !q.S.warmIPMode() {
			return true
		}
		rel := releaseCount(q.S, false, q.St)
		after := Stats{TotalIPs: q.St.TotalIPs - rel, AssignedIPs: q.St.AssignedIPs}
		if rel > 0 && (tooHigh(q.S, false, after) || tooLow(q.S, limM5Large, after, 1<<20)) {
			t.Logf("%v: after releasing %d: %+v low=%v high=%v", q, rel, after,
				tooLow(q.S, limM5Large, after, 1<<20), tooHigh(q.S, false, after))
			return false
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
}
