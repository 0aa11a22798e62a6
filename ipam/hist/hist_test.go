package hist

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// refQuantile is the nearest-rank q-quantile of sorted values: the
// ceil(q·n)-th smallest (q = k/1000, computed in integers).
func refQuantile(sorted []sim.Time, k int) sim.Time {
	n := len(sorted)
	rank := (k*n + 999) / 1000
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func TestWaitHistogramQuantiles(t *testing.T) {
	type gen struct {
		name string
		f    func(r *rand.Rand) sim.Time
	}
	gens := []gen{
		// Log-uniform from 1 µs to 200 s: exercises the sub-ms, exact and log ranges.
		{"loguniform", func(r *rand.Rand) sim.Time {
			return sim.Time(math.Exp(r.Float64()*math.Log(2e14)) * 1e0)
		}},
		// Kubelet-like waits: 10–15 s steps.
		{"kubelet", func(r *rand.Rand) sim.Time {
			return sim.Time(1+r.IntN(4)) * sim.Jitter(r, 10*sim.Second, 0.5)
		}},
		{"uniform0-120s", func(r *rand.Rand) sim.Time { return sim.Time(r.Int64N(int64(120 * sim.Second))) }},
		{"small", func(r *rand.Rand) sim.Time { return sim.Time(r.Int64N(int64(200 * sim.Millisecond))) }},
	}
	ks := []int{1, 10, 100, 250, 500, 750, 900, 950, 990, 999, 1000}
	for _, g := range gens {
		for _, n := range []int{1, 2, 7, 100, 1000, 12345} {
			r := rand.New(rand.NewPCG(uint64(n), 5))
			var h Histogram
			vals := make([]sim.Time, n)
			var sum sim.Time
			for i := range vals {
				vals[i] = g.f(r)
				sum += vals[i]
				h.Add(vals[i])
			}
			slices.Sort(vals)
			if h.Count() != uint64(n) || h.Sum() != sum || h.Max() != vals[n-1] {
				t.Fatalf("%s n=%d: count %d sum %v max %v, want %d %v %v", g.name, n, h.Count(), h.Sum(), h.Max(), n, sum, vals[n-1])
			}
			if q := h.Quantile(1); q != vals[n-1] {
				t.Errorf("%s n=%d: Quantile(1) = %v, want the exact max %v", g.name, n, q, vals[n-1])
			}
			for _, k := range ks {
				want := refQuantile(vals, k)
				got := h.Quantile(float64(k) / 1000)
				// Within 1.6 % (64 sub-buckets per octave: < 1/64 = 1.5625 %),
				// and, below 64 ms where buckets are 1 ms wide, within 1 ms.
				tol := max(sim.Time(0.016*float64(want)), sim.Millisecond)
				if d := got - want; d > tol || -d > tol {
					t.Errorf("%s n=%d: Quantile(%.3f) = %v, reference %v (tolerance %v)", g.name, n, float64(k)/1000, got, want, tol)
				}
				if got > want {
					// The histogram reports a bucket's lower bound: never above the truth.
					t.Errorf("%s n=%d: Quantile(%.3f) = %v above the reference %v", g.name, n, float64(k)/1000, got, want)
				}
			}
		}
	}
}

func TestWaitHistogramEmptyAndExactSmall(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Count() != 0 || h.Max() != 0 {
		t.Error("empty histogram is not all zero")
	}
	// Whole milliseconds below 64 ms are exact.
	for _, ms := range []int{0, 1, 5, 17, 63} {
		var h Histogram
		h.Add(sim.Time(ms) * sim.Millisecond)
		h.Add(100 * sim.Second)
		if got := h.Quantile(0.5); got != sim.Time(ms)*sim.Millisecond {
			t.Errorf("median of {%d ms, 100 s} = %v, want %d ms", ms, got, ms)
		}
	}
	// A single value: every quantile is it (top rank = exact max).
	var one Histogram
	one.Add(12345678 * sim.Microsecond)
	for _, q := range []float64{0.01, 0.5, 1} {
		if got := one.Quantile(q); got != 12345678*sim.Microsecond {
			t.Errorf("Quantile(%v) of one value = %v", q, got)
		}
	}
	// Very long waits do not overflow the buckets.
	var long Histogram
	for i := 0; i < 10; i++ {
		long.Add(sim.Time(i+1) * 1000 * sim.Hour)
	}
	if got, want := long.Quantile(0.5), 5000*sim.Hour; got > want || float64(want-got) > 0.016*float64(want) {
		t.Errorf("median of 1000..10000 h = %v, want ≈ %v", got, want)
	}
}

func TestWaitHistogramBucketCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var h Histogram
	var vals []sim.Time
	for i := 0; i < 5000; i++ {
		var v sim.Time
		switch r.IntN(4) {
		case 0: // exactly on a bucket bound: "le" includes it
			v = sim.Seconds(Buckets[r.IntN(len(Buckets))])
		case 1: // one ns above a bound
			v = sim.Seconds(Buckets[r.IntN(len(Buckets))]) + 1
		default:
			v = sim.Time(r.Int64N(int64(150 * sim.Second)))
		}
		vals = append(vals, v)
		h.Add(v)
	}
	got := h.BucketCounts()
	for i, b := range Buckets {
		var want uint64
		for _, v := range vals {
			if v <= sim.Seconds(b) {
				want++
			}
		}
		if got[i] != want {
			t.Errorf("bucket le=%v: %d, want %d", b, got[i], want)
		}
		if i > 0 && got[i] < got[i-1] {
			t.Errorf("BucketCounts not cumulative at %v", b)
		}
	}
	if last := got[len(got)-1]; last > h.Count() {
		t.Errorf("last bucket %d > count %d", last, h.Count())
	}
}

// TestWaitHistogramMerge: merging histograms equals recording all their waits
// in one.
func TestWaitHistogramMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var a, b, all Histogram
	for i := 0; i < 3000; i++ {
		v := sim.Time(math.Exp(r.Float64() * math.Log(3e11)))
		if i%3 == 0 {
			a.Add(v)
		} else {
			b.Add(v)
		}
		all.Add(v)
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	if m != all {
		t.Errorf("merged histogram differs from the direct one: count %d/%d sum %v/%v max %v/%v",
			m.Count(), all.Count(), m.Sum(), all.Sum(), m.Max(), all.Max())
	}
	var empty Histogram
	m.Merge(&empty)
	if m != all {
		t.Error("merging an empty histogram changed it")
	}
}
