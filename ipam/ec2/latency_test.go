package ec2

import (
	"math"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// z99 is Φ⁻¹(0.99), worked out independently through the inverse error
// function; the docs' 2.3263 is its rounding.
func TestZ99IsTheNormal99thPercentile(t *testing.T) {
	if got := math.Sqrt2 * math.Erfinv(0.98); math.Abs(got-z99) > 1e-12 {
		t.Fatalf("Φ⁻¹(0.99) = %.16f, z99 = %.16f", got, z99)
	}
	if math.Abs(z99-2.3263) > 5e-5 {
		t.Fatalf("z99 %.6f does not round to the documented 2.3263", z99)
	}
}

// The quantile function passes exactly through both defining points, and its
// σ is (ln p99 − ln p50)/2.3263 as docs/ec2-latency.md states.
func TestLogNormalQuantileThroughBothPoints(t *testing.T) {
	for _, d := range []LogNormal{lnMS(150, 600), lnMS(400, 1600), lnMS(1500, 20000), lnMS(1, 3_600_000),
		{P50: 1, P99: 2}, {P50: 510 * sim.Millisecond, P99: 511 * sim.Millisecond}} {
		if got := d.Quantile(0.5); got != d.P50 {
			t.Errorf("%+v: Quantile(0.5) = %d, want %d", d, got, d.P50)
		}
		if got := d.Quantile(0.99); got != d.P99 {
			t.Errorf("%+v: Quantile(0.99) = %d, want %d", d, got, d.P99)
		}
		want := (math.Log(float64(d.P99)) - math.Log(float64(d.P50))) / 2.3263
		if got := d.sigma(); math.Abs(got-want) > 1e-4*want {
			t.Errorf("%+v: σ = %g, want %g", d, got, want)
		}
		// Monotone between the points and beyond.
		prev := sim.Time(-1)
		for _, p := range []float64{0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999} {
			q := d.Quantile(p)
			if q < prev {
				t.Errorf("%+v: Quantile(%g) = %d < previous %d", d, p, q, prev)
			}
			prev = q
		}
	}
}

// The mean of a lognormal is exp(μ + σ²/2), worked out here from the two
// points by hand for the 650/2600 ms row: σ = ln 4/2.3263479 = 0.5959102,
// mean = 650 ms × exp(σ²/2 = 0.1775545) = 776.29 ms.
func TestLogNormalMean(t *testing.T) {
	if got := lnMS(650, 2600).Mean(); math.Abs(float64(got)/1e6-776.29) > 0.01 {
		t.Fatalf("mean = %v, want 776.29 ms", got)
	}
	if got := lnMS(3, 3).Mean(); got != 3*sim.Millisecond {
		t.Fatalf("constant mean = %v", got)
	}
}

// drawStats draws n latencies of d from a fixed seed and returns the
// fraction at or below each of the given latencies.
func drawStats(d LogNormal, n int, at ...sim.Time) []float64 {
	r := sim.NewRand(1, "latency-test")
	below := make([]int, len(at))
	for range n {
		x := d.Draw(r)
		for i, a := range at {
			if x <= a {
				below[i]++
			}
		}
	}
	frac := make([]float64, len(at))
	for i := range below {
		frac[i] = float64(below[i]) / float64(n)
	}
	return frac
}

// shapes returns one row of the built-in table per distinct spread σ, with
// its name. Draws of one seed scale with P50, so rows of equal σ give the
// same relative results and one of them stands for all.
func shapes() (names []string, ds []LogNormal) {
	l := DefaultEC2Latencies()
	var seen []float64
	for i, name := range LatencyNames() {
		d := *l.row(i)
		if d.Constant() {
			continue
		}
		s := d.sigma()
		dup := false
		for _, o := range seen {
			dup = dup || math.Abs(o-s) < 1e-12
		}
		if !dup {
			seen = append(seen, s)
			names, ds = append(names, name), append(ds, d)
		}
	}
	return names, ds
}

// Over 1e5 draws of a fixed seed, half fall at or below P50 and 99 % at or
// below P99, to within 3.2 binomial standard errors (0.005 and 0.001).
func TestLogNormalDrawHitsBothQuantiles(t *testing.T) {
	const n = 100_000
	names, ds := shapes()
	if len(ds) < 2 {
		t.Fatalf("only %d shapes in the built-in table", len(ds))
	}
	for i, d := range ds {
		f := drawStats(d, n, d.P50, d.P99)
		t.Logf("%s (σ %.3f): %.4f of %d draws ≤ p50, %.4f ≤ p99", names[i], d.sigma(), f[0], n, f[1])
		if math.Abs(f[0]-0.5) > 0.005 || math.Abs(f[1]-0.99) > 0.001 {
			t.Errorf("%s %+v: %.4f of draws ≤ p50, %.4f ≤ p99", names[i], d, f[0], f[1])
		}
	}
}

// The empirical p50 and p99 of a fixed seed's draws are within 1 % of P50
// and P99. The empirical p-quantile lies in [0.99 Q, 1.01 Q] exactly when
// fewer than a fraction p of draws fall below 0.99 Q and at least p at or
// below 1.01 Q, so counting is enough. The number of draws (at least 1e5) is
// chosen so that 1 % is four standard errors of the quantile estimate,
// σ·√(p(1−p)/n)/φ(z_p): with 1e5 draws the p99 of a row with σ ≥ 0.6 would
// land within 1 % only by luck of the seed.
func TestLogNormalEmpiricalQuantilesWithin1Percent(t *testing.T) {
	names, ds := shapes()
	for i, d := range ds {
		n := 100_000
		for _, p := range []float64{0.5, 0.99} {
			z := math.Sqrt2 * math.Erfinv(2*p-1)
			phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
			need := math.Pow(4*d.sigma()*math.Sqrt(p*(1-p))/phi/0.01, 2)
			n = max(n, int(need)+1)
		}
		if testing.Short() {
			n = 100_000
		}
		lo50, hi50 := sim.Time(float64(d.P50)*0.99), sim.Time(float64(d.P50)*1.01)
		lo99, hi99 := sim.Time(float64(d.P99)*0.99), sim.Time(float64(d.P99)*1.01)
		f := drawStats(d, n, lo50-1, hi50, lo99-1, hi99)
		t.Logf("%s (σ %.3f, %d draws): below ±1%% of p50 %.4f/%.4f, of p99 %.4f/%.4f", names[i], d.sigma(), n, f[0], f[1], f[2], f[3])
		if f[0] >= 0.5 || f[1] < 0.5 {
			t.Errorf("%s: empirical p50 of %d draws outside %v ± 1%% (%.4f below %v, %.4f at or below %v)", names[i], n, d.P50, f[0], lo50, f[1], hi50)
		}
		if f[2] >= 0.99 || f[3] < 0.99 {
			t.Errorf("%s: empirical p99 of %d draws outside %v ± 1%% (%.4f below %v, %.4f at or below %v)", names[i], n, d.P99, f[2], lo99, f[3], hi99)
		}
	}
}

// A given seed gives the same draws; another stream gives others.
func TestLogNormalDrawDeterministic(t *testing.T) {
	d := lnMS(400, 1600)
	a, b, c := sim.NewRand(7, "NODE/ec2"), sim.NewRand(7, "NODE/ec2"), sim.NewRand(7, "other")
	same, differ := true, false
	for range 1000 {
		x, y, z := d.Draw(a), d.Draw(b), d.Draw(c)
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("same stream same draws: %v; other stream differs: %v", same, differ)
	}
}

// p99 == p50 is a constant and draws nothing; both zero is instant.
func TestLogNormalConstantDrawsNothing(t *testing.T) {
	for _, d := range []LogNormal{lnMS(20000, 20000), {}, {P50: 1, P99: 1}} {
		r, ref := sim.NewRand(3, "s"), sim.NewRand(3, "s")
		for range 10 {
			if got := d.Draw(r); got != d.P50 {
				t.Fatalf("%+v: draw %v", d, got)
			}
		}
		if r.Uint64() != ref.Uint64() {
			t.Fatalf("%+v: a constant consumed randomness", d)
		}
		if d.Quantile(0.001) != d.P50 || d.Quantile(0.999) != d.P50 || d.Mean() != d.P50 {
			t.Fatalf("%+v: quantiles of a constant", d)
		}
	}
}

func TestNewLogNormalRefusesNonsense(t *testing.T) {
	ms := sim.Millisecond
	for _, c := range []struct {
		p50, p99 sim.Time
		want     string // "" = accepted
	}{
		{500 * ms, 300 * ms, "less than"},
		{0, 300 * ms, "p50 > 0"},
		{-1, 300 * ms, "negative"},
		{-2, -1, "negative"},
		{ms, MaxLatency + 1, "limit"},
		{0, 0, ""},
		{ms, ms, ""},
		{1, MaxLatency, ""},
	} {
		_, err := NewLogNormal(c.p50, c.p99)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("(%d, %d): %v", c.p50, c.p99, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("(%d, %d): error %v, want one saying %q", c.p50, c.p99, err, c.want)
		}
	}
}

// Draws never go below 0 or above MaxLatency, even for the widest valid
// spread (σ = ln(3.6e12)/2.3263 ≈ 12.4), and an invalid pair degrades to its
// P50 (or 0) rather than panicking.
func TestLogNormalDrawBounds(t *testing.T) {
	r := sim.NewRand(5, "bounds")
	wide := LogNormal{P50: 1, P99: MaxLatency}
	sawCap := false
	for range 100_000 {
		x := wide.Draw(r)
		if x < 0 || x > MaxLatency {
			t.Fatalf("draw %d out of [0, %d]", x, MaxLatency)
		}
		sawCap = sawCap || x == MaxLatency
	}
	if !sawCap {
		t.Fatalf("σ ≈ 12.4 never reached the cap in 1e5 draws (P(z > 1.74) ≈ 4 %%)")
	}
	if got := (LogNormal{P50: 5, P99: 2}).Draw(r); got != 5 {
		t.Fatalf("p99 < p50 drew %d", got)
	}
	if got := (LogNormal{P50: -5, P99: 2}).Draw(r); got != 0 {
		t.Fatalf("negative p50 drew %d", got)
	}
	if wide.Quantile(0) != 0 || wide.Quantile(1) != MaxLatency || wide.Quantile(math.NaN()) != 0 {
		t.Fatalf("quantile ends: %d %d", wide.Quantile(0), wide.Quantile(1))
	}
}

func BenchmarkLogNormalDraw(b *testing.B) {
	d := lnMS(650, 2600)
	r := sim.NewRand(1, "bench")
	var s sim.Time
	for b.Loop() {
		s += d.Draw(r)
	}
	_ = s
}
