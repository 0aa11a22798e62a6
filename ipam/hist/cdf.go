package hist

import "github.com/ipamsim/ipamsim/sim"

// CDFPoint is one step of the distribution of recorded values: Fraction of
// them were at most Wait.
type CDFPoint struct {
	Wait     sim.Time
	Fraction float64
}

// CDF returns the cumulative distribution of the recorded values: one point
// per non-empty bucket at the largest value recorded in it (within 0.1 % of
// every value in the bucket, exact for 0 and the maximum), so the last point
// is (Max, 1). Values of 0 (pods that got an address at their first ADD) are
// the point at 0. It returns nil if nothing was recorded. It does not modify
// the histogram.
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
	for _, c := range h.chunks {
		if c == nil {
			continue
		}
		for i, k := range c.count {
			if k == 0 {
				continue
			}
			seen += k
			out = append(out, CDFPoint{c.top[i], float64(seen) / total})
		}
	}
	out[len(out)-1].Fraction = 1
	return out
}
