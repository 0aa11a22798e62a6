package hist

import "github.com/ipamsim/ipamsim/sim"

// CDFPoint is one step of the distribution of pod IP waits: Fraction of the
// recorded waits were at most Wait.
type CDFPoint struct {
	Wait     sim.Time
	Fraction float64
}

// CDF returns the cumulative distribution of the recorded waits from the
// histogram's fine buckets (within 1.6 %, exact below 64 ms): one point per
// non-empty bucket at its upper bound, capped at the exact maximum, so the
// last point is (Max, 1). Waits under a millisecond (pods that got an address
// at their first ADD) are the point at 0. It returns nil if nothing was
// recorded. It does not modify the histogram.
func (h *Histogram) CDF() []CDFPoint {
	if h.n == 0 {
		return nil
	}
	total := float64(h.n)
	var out []CDFPoint
	seen := h.zero
	if seen > 0 {
		out = append(out, CDFPoint{0, float64(seen) / total})
	}
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		seen += c
		hi := min(sim.Time(bucketLow(i+1))*sim.Millisecond, h.max)
		if i == len(h.counts)-1 {
			hi = h.max // the last bucket also holds every longer wait
		}
		out = append(out, CDFPoint{hi, float64(seen) / total})
	}
	out[len(out)-1].Fraction = 1
	return out
}
