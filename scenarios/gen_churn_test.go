package scenarios

import (
	"math"
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
