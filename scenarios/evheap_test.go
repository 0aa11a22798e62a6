package scenarios

import "github.com/ipamsim/ipamsim/sim"

// evHeap is the binary heap of (time, sequence) the churn generator kept its
// scheduled deletes in before delHeap: the reference TestDelHeapOrderAsEvHeap
// checks delHeap's order against.

// pendingEv is an event a generator has scheduled for later: pod id at time at.
// seq breaks ties between equal times in insertion order.
type pendingEv struct {
	at  sim.Time
	seq uint64
	id  uint64
}

// evHeap is a binary min-heap of pending events ordered by (at, seq).
type evHeap struct {
	items []pendingEv
	seq   uint64
}

func (h *evHeap) len() int { return len(h.items) }

func (h *evHeap) less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func evBefore(a, b *pendingEv) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// push schedules pod id at time at.
func (h *evHeap) push(at sim.Time, id uint64) {
	h.items = append(h.items, pendingEv{at: at, seq: h.seq, id: id})
	h.seq++
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

// peek returns the earliest pending event; the heap must not be empty.
func (h *evHeap) peek() pendingEv { return h.items[0] }

// pop removes and returns the earliest pending event; the heap must not be
// empty.
func (h *evHeap) pop() pendingEv {
	top := h.items[0]
	n := len(h.items) - 1
	last := h.items[n]
	h.items = h.items[:n]
	// Bottom-up: walk the hole down along the smaller children to a leaf,
	// then sift the last item up from there (fewer comparisons than a
	// top-down sift, since the last item usually belongs near the bottom).
	items := h.items
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && evBefore(&items[r], &items[l]) {
			m = r
		}
		items[i] = items[m]
		i = m
	}
	for i > 0 {
		p := (i - 1) / 2
		if !evBefore(&last, &items[p]) {
			break
		}
		items[i] = items[p]
		i = p
	}
	if n > 0 {
		items[i] = last
	}
	// Give memory back after a burst of live pods drains away.
	if c := cap(h.items); c > 1024 && n < c/4 {
		h.items = append(make([]pendingEv, 0, c/2), h.items...)
	}
	return top
}
