package ipam

import (
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestTerwayBand: allocate max(0, min_pool_size + pending − idle); keep at
// most max_pool_size idle (A3).
func TestTerwayBand(t *testing.T) {
	add := []struct{ minPool, pending, idle, want int }{
		{0, 3, 0, 3}, {0, 3, 5, 0}, {2, 0, 0, 2}, {2, 3, 1, 4}, {5, 0, 5, 0},
	}
	for _, c := range add {
		if got := terwayToAdd(c.minPool, c.pending, c.idle); got != c.want {
			t.Errorf("terwayToAdd(min %d, pending %d, idle %d) = %d, want %d", c.minPool, c.pending, c.idle, got, c.want)
		}
	}
	trim := []struct{ maxPool, idle, want int }{{5, 10, 5}, {5, 5, 0}, {5, 2, 0}, {0, 3, 3}}
	for _, c := range trim {
		if got := terwayToTrim(c.maxPool, c.idle); got != c.want {
			t.Errorf("terwayToTrim(max %d, idle %d) = %d, want %d", c.maxPool, c.idle, got, c.want)
		}
	}
}

// TestTerwayReclaim: calculateToDel's reclaim timer (A3.8), by hand with
// docs/idle-ip-reclaim.md's example (max 10, min 2, after 30m, batch 3) and
// interval 10m without jitter: while the pool was modified less than 30 min
// ago nothing is reclaimed and the timer is disarmed; the first check after
// that only arms it (10 min ahead); a check at or after it takes up to 3
// more, never below min_pool_size, and re-arms it.
func TestTerwayReclaim(t *testing.T) {
	m := sim.Minute
	s := &terwayNode{terway: &terway{MaxPoolSize: 10, MinPoolSize: 2, ReclaimAfter: 30 * m, ReclaimEvery: 10 * m, ReclaimBatch: 3}}
	steps := []struct {
		now       sim.Time
		idle, del int
		armed     bool
		next      sim.Time
	}{
		{29 * m, 12, 2, false, 0},         // modified 29 min ago: the max_pool_size trim only
		{31 * m, 10, 0, true, 41 * m},     // first check after 30 min: arms the timer
		{40 * m, 10, 0, true, 41 * m},     // not yet due
		{41 * m, 10, 3, true, 51 * m},     // due: 3 more, re-armed
		{51 * m, 12, 2 + 3, true, 61 * m}, // due: the trim's 2 and 3 more
		{61 * m, 4, 2, true, 71 * m},      // due: only 2 above min_pool_size
		{71 * m, 2, 0, true, 81 * m},      // due: nothing above min_pool_size
	}
	for _, st := range steps {
		if got := s.toDel(st.now, st.idle); got != st.del || s.armed != st.armed || (s.armed && s.nextReclaim != st.next) {
			t.Errorf("at %v, idle %d: toDel %d, armed %v for %v; want %d, %v for %v", st.now, st.idle, got, s.armed, s.nextReclaim, st.del, st.armed, st.next)
		}
	}
	s.lastMod = 80 * m // a pod got an address: disarmed until 110 min
	if got := s.toDel(81*m, 10); got != 0 || s.armed {
		t.Errorf("after a modification: toDel %d, armed %v; want 0, disarmed", got, s.armed)
	}
	s.ReclaimAfter = 0 // reclaim off: the trim only
	if got := s.toDel(200*m, 14); got != 4 {
		t.Errorf("reclaim off: toDel %d, want the trim's 4", got)
	}
}

// TestTerwayJitter: the reclaim interval with wait.Jitter's one-sided jitter
// (d to d·(1+factor), A3.8) from the node's seeded RNG: within bounds, and
// the same draws for the same seed and node.
func TestTerwayJitter(t *testing.T) {
	draw := func(seed uint64) []sim.Time {
		r := sim.NewRand(seed, "node-1/terway-reclaim")
		var out []sim.Time
		for i := 0; i < 200; i++ {
			out = append(out, terwayJitter(r, 10*sim.Minute, 0.1))
		}
		return out
	}
	a, b := draw(7), draw(7)
	lo, hi := 10*sim.Minute, 11*sim.Minute
	spread := false
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different jitter")
		}
		if a[i] < lo || a[i] > hi {
			t.Errorf("jittered interval %v outside [10m, 11m]", a[i])
		}
		spread = spread || a[i] > 10*sim.Minute+sim.Second
	}
	if !spread {
		t.Error("no jitter drawn")
	}
	if got := terwayJitter(sim.NewRand(1, "x"), 10*sim.Minute, 0); got != 10*sim.Minute {
		t.Errorf("factor 0 gives %v", got)
	}
}

// TestTerwayScenario, by hand (m5.large; max_pool_size 5, min_pool_size 0;
// a reconcile within a second of each pod change, the trim in a reconcile at
// least 2 min after the previous trim):
//   - start: nothing held (no warm-up, no floor).
//   - 30 s: 3 pods find no address and wait; the reconcile adds 3 − 0 = 3 to
//     ENI 0 (and runs the first trim: nothing idle); they start on the
//     kubelet's retry at 40 s.
//   - 60 s: they go: 3 idle ≤ 5, kept.
//   - 100 s: 10 pods: 3 start on the idle addresses, 7 wait; the reconcile adds
//     7 + 0 − 0 = 7 (ENI 0's 6 free slots, a new ENI with 1) → 10; the 7 start
//     at 110 s.
//   - 200 s: they go: 10 idle; more than 2 min since the trim at 30 s, so this
//     reconcile's trim releases 10 − 5 = 5 → 5.
//   - idle_ip_reclaim_after 5m, interval 10m, jitter 0: the pool was last
//     modified at 110 s (the 7 pods given addresses), so the checks with the
//     trims at 200, 320 s leave the reclaim timer off; the one at 440 s
//     (330 s ≥ 5 min since) arms it for 1040 s; the check at 1040 s reclaims
//     min(5, 5 − 0) = 5 (A3.8; the old rule, growth only, 600 s).
func TestTerwayScenario(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "terway", map[string]string{
		"idle_ip_reclaim_after": "5m", "idle_ip_reclaim_interval": "10m", "idle_ip_reclaim_jitter_factor": "0"}))
	h.expect(0.1, 1, 0, 0)
	h.add(30, "a", 3)
	h.expect(35, 1, 3, 0)
	h.expect(41, 1, 3, 3)
	h.del(60, "a", 3)
	h.expect(90, 1, 3, 0)
	h.add(100, "b", 10)
	h.expect(105, 2, 10, 3)
	h.expect(111, 2, 10, 10)
	h.del(200, "b", 10)
	h.expect(199, 2, 10, 10)
	h.expect(202, 2, 5, 0)
	h.expect(1039, 2, 5, 0)
	h.expect(1042, 2, 0, 0)
	if w := h.n.Counters.PodsWaited; w != 10 {
		t.Errorf("%d pods waited, want 10 (min_pool_size 0 keeps nothing spare)", w)
	}
}

// TestTerwayWarmUp: ip_warm_up_size 12 at start (A3): ENI 0's 9, then a new
// ENI with 3 (at most 10 per call). As docs/warm-up.md warns for a warm-up
// above max_pool_size, the first reconcile's trim then keeps only 5 idle.
func TestTerwayWarmUp(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "terway", map[string]string{"ip_warm_up_size": "12"}))
	h.expect(0.1, 2, 12, 0)
	h.expect(5, 2, 5, 0)
}
