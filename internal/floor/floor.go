// Package floor is the engine-only speed floor that ipamsim's end-to-end
// benchmarks are compared with (issue 16): the classic hold model, in which n
// events are pending and each step fires the earliest and schedules one new
// event a random offset later, run on a plain typed 4-ary min-heap of
// (time, sequence) pairs with nothing else around it: no handlers, no
// cancellation, no engine. No discrete-event simulation can fire events
// faster than its calendar can order them, so a replay's trace events per
// second divided by the floor's events per second, measured in the same run
// on the same machine, says how close the model comes to the bound whatever
// the machine and its load.
package floor

import (
	"math/rand/v2"
	"time"
)

// entry is one pending event: its time, and its scheduling sequence number as
// the tie-breaker. 16 bytes: a node's four children fill one cache line.
type entry struct {
	at  int64
	seq uint64
}

func (a entry) before(b entry) bool { return a.at < b.at || a.at == b.at && a.seq < b.seq }

// Heap is a typed 4-ary min-heap of events ordered by (time, sequence).
type Heap struct {
	items []entry
	seq   uint64
}

// Len is the number of pending events.
func (h *Heap) Len() int { return len(h.items) }

// Push schedules an event at time at.
func (h *Heap) Push(at int64) {
	e := entry{at: at, seq: h.seq}
	h.seq++
	h.items = append(h.items, e)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(h.items[p]) {
			break
		}
		h.items[i] = h.items[p]
		i = p
	}
	h.items[i] = e
}

// Pop removes the earliest event and returns its time; the heap must not be
// empty.
func (h *Heap) Pop() int64 {
	items := h.items
	top := items[0]
	n := len(items) - 1
	last := items[n]
	items = items[:n]
	h.items = items
	if n == 0 {
		return top.at
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < c+4 && k < n; k++ {
			if items[k].before(items[m]) {
				m = k
			}
		}
		if !items[m].before(last) {
			break
		}
		items[i] = items[m]
		i = m
	}
	items[i] = last
	return top.at
}

// Offsets are pre-drawn pseudo-random offsets, uniform in [0, 2^20) ns
// (about a millisecond), so that drawing them is not part of what a hold
// step measures. Len is a power of two: index them with i&(len-1).
var Offsets = func() []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	o := make([]int64, 1<<16)
	for i := range o {
		o[i] = r.Int64N(1 << 20)
	}
	return o
}()

// NewHold returns a heap holding n events at the first n offsets: the
// starting state of the hold model.
func NewHold(n int) *Heap {
	h := &Heap{items: make([]entry, 0, n+1)}
	for i := range n {
		h.Push(Offsets[i&(len(Offsets)-1)])
	}
	return h
}

// Step runs steps hold steps from step number i (which picks the offsets):
// each pops the earliest event and pushes one an offset after it. It
// returns the last time popped, which callers keep so the work is not
// optimised away.
func (h *Heap) Step(i, steps int) int64 {
	var at int64
	for k := range steps {
		at = h.Pop()
		h.Push(at + Offsets[(i+k)&(len(Offsets)-1)])
	}
	return at
}

// Rate runs the hold model at n pending events for at least d of wall-clock
// time and returns the events fired per second. On a machine shared with
// other work, measure it next to what it is compared with.
func Rate(n int, d time.Duration) float64 {
	h := NewHold(n)
	const batch = 1 << 16
	start := time.Now()
	steps := 0
	var sink int64
	for time.Since(start) < d {
		sink += h.Step(steps, batch)
		steps += batch
	}
	el := time.Since(start)
	if sink == -1 {
		panic("unreachable")
	}
	return float64(steps) / el.Seconds()
}
