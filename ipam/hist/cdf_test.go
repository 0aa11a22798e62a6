package hist

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestWaitHistogramCDF checks the CDF against the exact empirical
// distribution: at every point, the fraction of waits at most Wait lies between
// the exact fraction at Wait and at Wait plus the bucket's 1/64 relative width.
func TestWaitHistogramCDF(t *testing.T) {
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
	if cdf[0].Wait != 0 || cdf[0].Fraction != exact(0) {
		t.Fatalf("first point %+v, want (0, %v)", cdf[0], exact(0))
	}
	for i, p := range cdf {
		if i > 0 && (p.Wait <= cdf[i-1].Wait || p.Fraction <= cdf[i-1].Fraction) {
			t.Fatalf("point %d %+v does not rise from %+v", i, p, cdf[i-1])
		}
		lo := exact(p.Wait - p.Wait/64 - sim.Millisecond)
		hi := exact(p.Wait)
		if p.Fraction < lo-1e-9 || p.Fraction > hi+1e-9 {
			t.Fatalf("point %d %+v: exact fraction %v at the point, %v a bucket below", i, p, hi, lo)
		}
	}
	before := h
	h.CDF()
	if h != before {
		t.Fatal("CDF modified the histogram")
	}
}
