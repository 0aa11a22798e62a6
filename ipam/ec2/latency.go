package ec2

// A latency distribution fixed by two published figures, its median and its
// 99th percentile (docs/ec2-latency.md; model.md §7).

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ipamsim/ipamsim/sim"
)

// MaxLatency is the longest latency a LogNormal may name and the cap on every
// draw: one hour, far beyond any EC2 or IMDS figure in docs/ec2-latency.md
// (the largest p99 there is 20 s). It keeps draws and parsed figures inside
// sim.Time.
const MaxLatency = sim.Hour

// z99 is the 99th percentile of the standard normal distribution, Φ⁻¹(0.99),
// rounded to 2.3263 in docs/ec2-latency.md.
const z99 = 2.3263478740408408

// LogNormal is a lognormal latency through two points: half the draws are at
// most P50 and 99 % at most P99. With μ = ln P50 and σ = (ln P99 − ln P50)/z99
// a draw is exp(μ + σZ) for a standard normal Z from the caller's seeded
// stream, capped at MaxLatency.
//
// P99 == P50 is a constant latency (P50 == P99 == 0: instant). A valid
// LogNormal has 0 ≤ P50 ≤ P99 ≤ MaxLatency and P50 > 0 unless P99 is 0 too;
// NewLogNormal and Valid check that.
type LogNormal struct {
	P50, P99 sim.Time
}

// NewLogNormal returns the lognormal through p50 and p99, or an error saying
// why the pair names none.
func NewLogNormal(p50, p99 sim.Time) (LogNormal, error) {
	d := LogNormal{P50: p50, P99: p99}
	if err := d.Valid(); err != nil {
		return LogNormal{}, err
	}
	return d, nil
}

// Valid reports why d is not a latency distribution, or nil.
func (d LogNormal) Valid() error {
	switch {
	case d.P50 < 0 || d.P99 < 0:
		return fmt.Errorf("negative latency (p50 %v, p99 %v)", d.P50, d.P99)
	case d.P99 < d.P50:
		return fmt.Errorf("p99 %v is less than p50 %v", d.P99, d.P50)
	case d.P99 > MaxLatency:
		return fmt.Errorf("p99 %v is more than the %v limit", d.P99, MaxLatency)
	case d.P50 == 0 && d.P99 > 0:
		return fmt.Errorf("p50 0 with p99 %v: a lognormal needs p50 > 0 (both 0 is an instant answer)", d.P99)
	}
	return nil
}

// Constant reports whether every draw is P50 (and draws consume no randomness).
func (d LogNormal) Constant() bool { return d.P99 <= d.P50 || d.P50 <= 0 }

// sigma is σ, the spread of ln(latency).
func (d LogNormal) sigma() float64 {
	return math.Log(float64(d.P99)/float64(d.P50)) / z99
}

// at is the latency exp(μ + σz), capped at MaxLatency.
func (d LogNormal) at(z float64) sim.Time {
	ns := float64(d.P50) * math.Exp(d.sigma()*z)
	if !(ns < float64(MaxLatency)) { // also catches +Inf
		return MaxLatency
	}
	return sim.Time(math.Round(ns))
}

// Draw returns one latency drawn from r. A constant d returns P50 (0 if P50 is
// negative) and leaves r untouched; otherwise it takes one r.NormFloat64().
func (d LogNormal) Draw(r *rand.Rand) sim.Time {
	if d.Constant() {
		return max(d.P50, 0)
	}
	return d.at(r.NormFloat64())
}

// Quantile returns the latency below which a fraction p of draws fall:
// Quantile(0.5) is P50 and Quantile(0.99) is P99 (to float rounding). p ≤ 0
// gives 0 (P50 for a constant d); p ≥ 1 gives MaxLatency (P50 for a constant d).
func (d LogNormal) Quantile(p float64) sim.Time {
	if d.Constant() {
		return max(d.P50, 0)
	}
	switch {
	case !(p > 0): // also NaN
		return 0
	case p >= 1:
		return MaxLatency
	}
	return d.at(math.Sqrt2 * math.Erfinv(2*p-1))
}

// Mean returns the expected latency, exp(μ + σ²/2), ignoring the cap (which
// no draw of the built-in table comes near).
func (d LogNormal) Mean() sim.Time {
	if d.Constant() {
		return max(d.P50, 0)
	}
	s := d.sigma()
	return d.at(s / 2) // exp(μ + σ·σ/2)
}
