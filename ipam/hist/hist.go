// Package hist records durations (pod IP waits, placement waits) in bounded
// memory, for nearest-rank quantiles within 0.1 %, a CDF and Prometheus
// histogram buckets.
package hist

import (
	"math/bits"

	"github.com/ipamsim/ipamsim/sim"
)

// Histogram records durations as an HDR-style log-linear histogram over
// nanoseconds: every power of two is split into 1,024 buckets, so a bucket
// is at most 1/1,024 (0.098 %) of its lower edge wide; values under 1,024 ns
// have a bucket each, and 0 has its own count. Each bucket keeps its count
// and the largest value recorded in it, so Quantile reports a value that was
// recorded: the largest in the bucket the rank falls in, never below the
// true nearest-rank quantile and less than 0.1 % above it, and exact when the
// bucket holds one distinct value (and for 0 and the maximum). Buckets are
// allocated in chunks of 128 as values land in them: a few kilobytes for a
// run whose waits cluster, at most about 1.7 MB for values spread over every
// power of two up to sim.Time's limit. The zero Histogram is empty and
// ready; copy one with Merge (a plain copy shares its buckets).
type Histogram struct {
	// The totals every Add updates first, next to what holds the histogram
	// (ipam.Counters), the chunk pointers after.
	n      uint64
	zero   uint64 // values of exactly 0
	sum    sim.Time
	max    sim.Time
	le     [len(Buckets)]uint64 // exact counts per Prometheus bucket (not cumulative)
	chunks [numChunks]*chunk
}

const (
	subBits       = 10
	subBuckets    = 1 << subBits // buckets per power of two
	chunkBits     = 7
	chunkLen      = 1 << chunkBits
	octaves       = 63 - subBits + 1 // [0, 1024) exactly, then one per power of two up to 2^62
	numChunks     = octaves * subBuckets / chunkLen
	maxQuantileQ6 = 1_000_000 // quantiles are taken in millionths
)

type chunk struct {
	count [chunkLen]uint64
	top   [chunkLen]sim.Time // the largest value recorded in each bucket
}

// Buckets are the upper bounds, in seconds, of the pod-IP-wait histogram
// ipamsim exports: suited to 0–120 s, with the kubelet's 10–15 s retry steps.
var Buckets = [...]float64{0.1, 0.5, 1, 2, 5, 10, 15, 20, 25, 30, 45, 60, 90, 120}

// bucketOf returns the index of v's bucket (v > 0): v itself below 1,024,
// else 1,024 per power of two.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	m := bits.Len64(v) - 1 // v is in [2^m, 2^(m+1)), m >= subBits
	shift := uint(m - subBits)
	return (m-subBits+1)*subBuckets + int(v>>shift) - subBuckets
}

// BucketCounts returns the cumulative count of values at or below each of
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

// Add records one value; a negative value counts as 0.
func (h *Histogram) Add(d sim.Time) {
	d = max(d, 0)
	h.n++
	h.sum += d
	h.max = max(h.max, d)
	for i, b := range Buckets {
		if d <= sim.Seconds(b) {
			h.le[i]++
			break
		}
	}
	if d == 0 {
		h.zero++
		return
	}
	b := bucketOf(uint64(d))
	c := h.chunks[b>>chunkBits]
	if c == nil {
		c = new(chunk)
		h.chunks[b>>chunkBits] = c
	}
	c.count[b&(chunkLen-1)]++
	c.top[b&(chunkLen-1)] = max(c.top[b&(chunkLen-1)], d)
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Sum is the total of all values.
func (h *Histogram) Sum() sim.Time { return h.sum }

// Max is the largest value.
func (h *Histogram) Max() sim.Time { return h.max }

// Rank is the nearest rank of the q-quantile among n values: the
// ceil(q·n)-th smallest, at least the first (q is taken to the millionth,
// in integers, so that 0.99 of 100 is exactly the 99th).
func Rank(q float64, n uint64) uint64 {
	qm := uint64(max(min(q, 1), 0)*maxQuantileQ6 + 0.5)
	hi, lo := bits.Mul64(qm, n)
	r, rem := bits.Div64(hi, lo, maxQuantileQ6)
	if rem > 0 {
		r++
	}
	return max(r, 1)
}

// Quantile returns the nearest-rank q-quantile (0 < q ≤ 1) of the values
// recorded: the Rank(q, Count())-th smallest, reported as the largest value
// recorded in its bucket, so never below the true quantile and less than
// 0.1 % above it; 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) sim.Time {
	if h.n == 0 {
		return 0
	}
	rank := Rank(q, h.n)
	if rank >= h.n {
		return h.max
	}
	seen := h.zero
	if seen >= rank {
		return 0
	}
	for _, c := range h.chunks {
		if c == nil {
			continue
		}
		for i, k := range c.count {
			if seen += k; seen >= rank {
				return c.top[i]
			}
		}
	}
	return h.max
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	for i, oc := range o.chunks {
		if oc == nil {
			continue
		}
		c := h.chunks[i]
		if c == nil {
			c = new(chunk)
			h.chunks[i] = c
		}
		for j, k := range oc.count {
			c.count[j] += k
			c.top[j] = max(c.top[j], oc.top[j])
		}
	}
	for i, c := range o.le {
		h.le[i] += c
	}
	h.n += o.n
	h.zero += o.zero
	h.sum += o.sum
	h.max = max(h.max, o.max)
}
