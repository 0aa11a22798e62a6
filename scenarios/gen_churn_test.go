package scenarios

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestGenChurnStats checks the arrival rate and the mean lifetime over
// seeds 1..5, each with about 25 k arrivals. Tolerance ±5% (the standard
// error is about 0.6% for the rate and below 1% for the lifetimes).
func TestGenChurnStats(t *testing.T) {
	const tol = 0.05
	for _, dist := range []LifetimeDist{LifetimeExponential, LifetimeLognormal, LifetimeFixed} {
		for seed := uint64(1); seed <= 5; seed++ {
			p := ChurnParams{
				Rate:          50,
				LifetimeDist:  dist,
				MeanLifetime:  30 * sim.Second,
				LifetimeSigma: 0.5,
				Duration:      500 * sim.Second,
				Drain:         true,
			}
			evs := genDrain(t, genMust[*Churn](t)(NewChurn(p, seed)))
			added := map[string]sim.Time{}
			var n int
			var lastAdd sim.Time
			var sumLife float64
			for _, e := range evs {
				if e.op == OpAdd {
					added[e.pod] = e.at
					n++
					lastAdd = e.at
					if e.at >= p.Duration {
						t.Fatalf("arrival at %v past duration", e.at)
					}
					continue
				}
				life := e.at - added[e.pod]
				if dist == LifetimeFixed && life != p.MeanLifetime {
					t.Fatalf("fixed lifetime %v, want %v", life, p.MeanLifetime)
				}
				sumLife += life.Seconds()
			}
			if n < 20000 {
				t.Fatalf("only %d arrivals", n)
			}
			// With Drain every pod is deleted.
			if 2*n != len(evs) {
				t.Fatalf("%d adds, %d events: not all drained", n, len(evs))
			}
			rate := float64(n) / lastAdd.Seconds()
			mean := sumLife / float64(n)
			t.Logf("%-11s seed %d: %d arrivals, rate %.3f/s (want %g), mean lifetime %.3fs (want %g)",
				dist, seed, n, rate, p.Rate, mean, p.MeanLifetime.Seconds())
			if math.Abs(rate/p.Rate-1) > tol {
				t.Errorf("%s seed %d: rate %.3f, want %g ±5%%", dist, seed, rate, p.Rate)
			}
			if math.Abs(mean/p.MeanLifetime.Seconds()-1) > tol {
				t.Errorf("%s seed %d: mean lifetime %.3fs, want %v ±5%%", dist, seed, mean, p.MeanLifetime)
			}
		}
	}
}

// TestGenChurnEnd checks start pods and the end of the trace: start pods are
// running events at 0, and without Drain nothing happens at or after
// Duration.
func TestGenChurnEnd(t *testing.T) {
	for _, dist := range []LifetimeDist{LifetimeExponential, LifetimeLognormal, LifetimeFixed} {
		p := ChurnParams{Rate: 2, LifetimeDist: dist, MeanLifetime: 100 * sim.Second,
			LifetimeSigma: 0.5, Duration: 300 * sim.Second, StartPods: 400, Prefix: "bg"}
		evs := genDrain(t, genMust[*Churn](t)(NewChurn(p, 9)))
		for i := 0; i < p.StartPods; i++ {
			if evs[i].at != 0 || evs[i].op != OpRunning {
				t.Fatalf("%s: event %d = %+v, want a start pod running at 0", dist, i, evs[i])
			}
		}
		if evs[p.StartPods].op == OpRunning {
			t.Fatalf("%s: %d running events, want %d", dist, p.StartPods+1, p.StartPods)
		}
		if evs[0].pod != "bg-000000" {
			t.Fatalf("first pod %q, want bg-000000", evs[0].pod)
		}
		var startDels int
		var sumResidual float64
		for _, e := range evs {
			if e.at >= p.Duration {
				t.Fatalf("%s: event at %v, past duration %v", dist, e.at, p.Duration)
			}
			// Start pods are ids < 400; their residual lifetime is at most
			// the fixed lifetime.
			if e.op == OpDel && e.pod < "bg-000400" {
				startDels++
				sumResidual += e.at.Seconds()
				if dist == LifetimeFixed && e.at > p.MeanLifetime {
					t.Fatalf("fixed: start pod deleted at %v", e.at)
				}
			}
		}
		// The stationary residual life has mean E[L²]/(2E[L]): 100s for the
		// exponential, 50s for fixed, 100·e^σ²/2 ≈ 64s for the lognormal.
		// Most start pods end before Duration, so the mean of those that
		// did is a loose check that residuals are not fresh lifetimes.
		t.Logf("%s: %d of %d start pods ended before %v, mean residual %.1fs",
			dist, startDels, p.StartPods, p.Duration, sumResidual/float64(startDels))
		if dist == LifetimeFixed && startDels != p.StartPods {
			t.Fatalf("fixed: %d start pods ended, want all", startDels)
		}
	}
}

// TestDelHeapOrderAsEvHeap checks the churn generator's 4-ary delete heap
// against the binary heap of (time, sequence) it replaced: random pushes
// (ids in push order, as the generator pushes them) and pops, with many
// equal times, times before those already popped, and heaps from empty to
// thousands of entries. Every pop must give the same delete as evHeap's.
func TestDelHeapOrderAsEvHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 200 {
		var q delHeap
		var h evHeap
		now := sim.Time(0)
		spread := sim.Time(1 + r.Int64N(1_000_000))
		pushBias := 2 + r.IntN(3) // pushes per pop: 1 in 2 up to 3 in 4
		var id uint64
		for step := range 5000 + r.IntN(20000) {
			if h.len() == 0 || r.IntN(pushBias) != 0 {
				var at sim.Time
				switch r.IntN(4) {
				case 0: // a time already used: the one just popped
					at = now
				case 1: // before the deletes already popped
					at = max(now-sim.Time(r.Int64N(int64(spread))), 0)
				default:
					at = now + sim.Time(r.Int64N(int64(spread)))
				}
				h.push(at, id)
				q.push(at, id)
				id++
			} else {
				want := h.pop()
				if got := q.peek(); got.at != want.at || got.id != want.id {
					t.Fatalf("trial %d step %d: peek %+v, evHeap's earliest %+v", trial, step, got, want)
				}
				if got := q.pop(); got.at != want.at || got.id != want.id {
					t.Fatalf("trial %d step %d: pop %+v, evHeap's earliest %+v", trial, step, got, want)
				}
				now = want.at
			}
			if q.len() != h.len() {
				t.Fatalf("trial %d step %d: len %d, evHeap's %d", trial, step, q.len(), h.len())
			}
		}
		for h.len() > 0 {
			if got, want := q.pop(), h.pop(); got.at != want.at || got.id != want.id {
				t.Fatalf("trial %d draining: pop %+v, evHeap's %+v", trial, got, want)
			}
		}
		if q.len() != 0 {
			t.Fatalf("trial %d: %d left after evHeap drained", trial, q.len())
		}
	}
}

// TestDelHeapGivesMemoryBack checks that the delete heap's memory follows the
// pods live, not the most ever live: a burst of 100,000 drained to 10 leaves
// at most a few thousand entries' room.
func TestDelHeapGivesMemoryBack(t *testing.T) {
	var q delHeap
	for i := range 100_000 {
		q.push(sim.Time(i%977)*sim.Second, uint64(i))
	}
	for q.len() > 10 {
		q.pop()
	}
	if c := cap(q.items); c > 4096 {
		t.Fatalf("capacity %d entries with %d live", c, q.len())
	}
}
