package sim

// calEntry is one pending event as seen by a calendar: its firing time, its
// scheduling sequence number (the FIFO tie-breaker), and the index of the
// engine slot that holds its handler and argument.
type calEntry struct {
	at   Time
	seq  uint64
	slot uint32
}

// before reports whether a fires before b: by time, then by sequence number.
func (a calEntry) before(b calEntry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// calendar is the priority queue behind Engine. Sequence numbers are unique,
// so (at, seq) is a total order and every implementation pops entries in
// exactly the same order. A slot is in the calendar at most once.
type calendar interface {
	push(e calEntry)
	// peek returns the earliest entry without removing it.
	peek() (calEntry, bool)
	// pop removes and returns the earliest entry; the calendar must be non-empty.
	pop() calEntry
	// remove deletes e, which must be an entry currently in the calendar
	// (exactly as pushed).
	remove(e calEntry)
	len() int
}

// heapCalendar is a typed binary min-heap of calEntry values. pos maps a slot
// index to that entry's position in items (-1 when absent), so an arbitrary
// entry can be removed in O(log n). No interface boxing, no allocation once
// items and pos have grown to the steady-state size.
type heapCalendar struct {
	items []calEntry
	pos   []int32
}

func newHeapCalendar() *heapCalendar { return &heapCalendar{} }

func (h *heapCalendar) len() int { return len(h.items) }

func (h *heapCalendar) peek() (calEntry, bool) {
	if len(h.items) == 0 {
		return calEntry{}, false
	}
	return h.items[0], true
}

func (h *heapCalendar) push(e calEntry) {
	for int(e.slot) >= len(h.pos) {
		h.pos = append(h.pos, -1)
	}
	if h.pos[e.slot] >= 0 {
		panic("sim: heapCalendar: slot pushed twice")
	}
	h.items = append(h.items, e)
	h.up(len(h.items)-1, e)
}

func (h *heapCalendar) pop() calEntry {
	top := h.items[0]
	h.pos[top.slot] = -1
	last := len(h.items) - 1
	moved := h.items[last]
	h.items = h.items[:last]
	if last == 0 {
		return top
	}
	// Floyd's variant: walk the hole from the root to a leaf, always
	// promoting the smaller child (one comparison per level instead of two),
	// then sift the former last element up from there. The last element
	// usually belongs near the bottom, so the sift-up is short.
	items, i := h.items, 0
	for {
		c := 2*i + 1
		if c >= last {
			break
		}
		if r := c + 1; r < last && items[r].before(items[c]) {
			c = r
		}
		items[i] = items[c]
		h.pos[items[i].slot] = int32(i)
		i = c
	}
	h.up(i, moved)
	return top
}

func (h *heapCalendar) remove(e calEntry) {
	if int(e.slot) >= len(h.pos) || h.pos[e.slot] < 0 {
		panic("sim: heapCalendar: removing an absent entry")
	}
	h.removeAt(int(h.pos[e.slot]))
}

// removeAt deletes the entry at heap index i and restores the heap property.
func (h *heapCalendar) removeAt(i int) {
	removed := h.items[i]
	h.pos[removed.slot] = -1
	last := len(h.items) - 1
	moved := h.items[last]
	h.items = h.items[:last]
	if i == last {
		return
	}
	// Re-seat the former last element at the hole. It may need to move
	// either way when the hole is not at the root.
	if i > 0 && moved.before(h.items[(i-1)/2]) {
		h.up(i, moved)
	} else {
		h.down(i, moved)
	}
}

// up places e, logically at index i, by sifting it towards the root.
func (h *heapCalendar) up(i int, e calEntry) {
	for i > 0 {
		p := (i - 1) / 2
		pe := h.items[p]
		if !e.before(pe) {
			break
		}
		h.items[i] = pe
		h.pos[pe.slot] = int32(i)
		i = p
	}
	h.items[i] = e
	h.pos[e.slot] = int32(i)
}

// down places e, logically at index i, by sifting it towards the leaves.
func (h *heapCalendar) down(i int, e calEntry) {
	n := len(h.items)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		ce := h.items[c]
		if r := c + 1; r < n && h.items[r].before(ce) {
			c, ce = r, h.items[r]
		}
		if !ce.before(e) {
			break
		}
		h.items[i] = ce
		h.pos[ce.slot] = int32(i)
		i = c
	}
	h.items[i] = e
	h.pos[e.slot] = int32(i)
}
