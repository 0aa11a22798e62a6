package hist

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestCDF checks the CDF against the exact empirical distribution: each
// point is a recorded value and the exact fraction of values at most it.
func TestCDF(t *testing.T) {
	var h Histogram
	if h.CDF() != nil {
		t.Fatal("empty histogram: want nil CDF")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var waits []sim.Time
	for range 5000 {
		var d sim.Time
		switch r.IntN(3) {
		case 0: // at the first ADD
		case 1:
			d = sim.Jitter(r, 10*sim.Second, 0.5)
		default:
			d = sim.Time(r.Int64N(int64(300 * sim.Second)))
		}
		h.Add(d)
		waits = append(waits, d)
	}
	slices.Sort(waits)
	exact := func(at sim.Time) float64 {
		i, _ := slices.BinarySearch(waits, at+1)
		return float64(i) / float64(len(waits))
	}
	cdf := h.CDF()
	if last := cdf[len(cdf)-1]; last.Wait != h.Max() || last.Fraction != 1 {
		t.Fatalf("last point %+v, want (%v, 1)", last, h.Max())
	}
	for i, p := range cdf {
		if i > 0 && (p.Wait <= cdf[i-1].Wait || p.Fraction <= cdf[i-1].Fraction) {
			t.Fatalf("point %d %+v does not rise from %+v", i, p, cdf[i-1])
		}
		if _, found := slices.BinarySearch(waits, p.Wait); !found {
			t.Fatalf("point %d %+v: not a recorded value", i, p)
		}
		if d := p.Fraction - exact(p.Wait); d > 1e-9 || d < -1e-9 {
			t.Fatalf("point %d %+v: exact fraction %v", i, p, exact(p.Wait))
		}
	}
}
