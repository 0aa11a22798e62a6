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

// TestTerwayReclaim: docs/idle-ip-reclaim.md's example (max 10, min 2, after
// 30m, batch 3): nothing before 30 min without growth, then up to 3 per check,
// never below min_pool_size (A3).
func TestTerwayReclaim(t *testing.T) {
	m := sim.Minute
	cases := []struct {
		since, after            sim.Time
		batch, minPool, idle, k int
	}{
		{29 * m, 30 * m, 3, 2, 10, 0},
		{30 * m, 30 * m, 3, 2, 10, 3},
		{45 * m, 30 * m, 3, 2, 4, 2},
		{45 * m, 30 * m, 3, 2, 2, 0},
		{45 * m, 0, 3, 2, 10, 0}, // reclaim off
	}
	for _, c := range cases {
		if got := terwayToReclaim(c.since, c.after, c.batch, c.minPool, c.idle); got != c.k {
			t.Errorf("terwayToReclaim(since %v, after %v, batch %d, min %d, idle %d) = %d, want %d", c.since, c.after, c.batch, c.minPool, c.idle, got, c.k)
		}
	}
}

// TestTerwayJitter: the reclaim interval with ±factor jitter from the node's
// seeded RNG: within bounds, and the same draws for the same seed and node.
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
	lo, hi := 9*sim.Minute, 11*sim.Minute
	spread := false
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different jitter")
		}
		if a[i] < lo || a[i] > hi {
			t.Errorf("jittered interval %v outside [9m, 11m]", a[i])
		}
		spread = spread || a[i] < 10*sim.Minute-sim.Second || a[i] > 10*sim.Minute+sim.Second
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
//   - idle_ip_reclaim_after 5m, interval 10m, jitter 0: the check at 600 s
//     finds no growth since 100 s (> 5 min) and reclaims min(5, 5 − 0) = 5.
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
	h.expect(599, 2, 5, 0)
	h.expect(602, 2, 0, 0)
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
