// Package hist records durations (pod IP waits, placement waits) in constant
// memory, for quantiles, a CDF and Prometheus histogram buckets.
package hist

import (
	"math/bits"

	"github.com/ipamsim/ipamsim/sim"
)

// Histogram records waits in constant memory: log-linear buckets
// with 64 sub-buckets per power of two of milliseconds, so a quantile is within
// 1.6 % of the true value (and exact below 64 ms); the maximum is exact.
type Histogram struct {
	counts [64 * 40]uint64
	le     [len(Buckets)]uint64 // exact counts per Prometheus bucket (not cumulative)
	n      uint64
	zero   uint64 // waits under 1 ms
	sum    sim.Time
	max    sim.Time
}

// Buckets are the upper bounds, in seconds, of the pod-IP-wait histogram
// ipamsim exports: suited to 0–120 s, with the kubelet's 10–15 s retry steps.
var Buckets = [...]float64{0.1, 0.5, 1, 2, 5, 10, 15, 20, 25, 30, 45, 60, 90, 120}

// BucketCounts returns the cumulative count of waits at or below each of
// Buckets.
func (h *Histogram) BucketCounts() [len(Buckets)]uint64 {
	var out [len(Buckets)]uint64
	var c uint64
	for i, v := range h.le {
		c += v
		out[i] = c
	}
	return out
}

func waitBucket(ms uint64) int {
	if ms < 64 {
		return int(ms)
	}
	e := bits.Len64(ms) - 7 // ms >> e is in [64, 128)
	return 64*e + int(ms>>uint(e))
}

func bucketLow(i int) uint64 {
	if i < 128 {
		return uint64(i)
	}
	e := i/64 - 1
	return uint64(i-64*e) << uint(e)
}

// Add records one wait.
func (h *Histogram) Add(d sim.Time) {
	h.n++
	h.sum += d
	h.max = max(h.max, d)
	for i, b := range Buckets {
		if d <= sim.Seconds(b) {
			h.le[i]++
			break
		}
	}
	ms := uint64(d / sim.Millisecond)
	if ms == 0 {
		h.zero++
		return
	}
	b := waitBucket(ms)
	if b >= len(h.counts) {
		b = len(h.counts) - 1
	}
	h.counts[b]++
}

// Count is the number of waits recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Sum is the total of all waits.
func (h *Histogram) Sum() sim.Time { return h.sum }

// Max is the longest wait.
func (h *Histogram) Max() sim.Time { return h.max }

// Quantile returns the q-quantile (0 < q ≤ 1) by the nearest-rank method, as the
// lower bound of its bucket (the exact maximum for the top rank).
func (h *Histogram) Quantile(q float64) sim.Time {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.9999999)
	if rank < 1 {
		rank = 1
	}
	if rank >= h.n {
		return h.max
	}
	seen := h.zero
	if seen >= rank {
		return 0
	}
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(sim.Time(bucketLow(i))*sim.Millisecond, h.max)
		}
	}
	return h.max
}

// Merge adds every wait recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	for i, c := range o.le {
		h.le[i] += c
	}
	h.n += o.n
	h.zero += o.zero
	h.sum += o.sum
	h.max = max(h.max, o.max)
}
