package sim

// EventID identifies a scheduled event so that it can be cancelled.
// The zero value is never a valid ID.
//
// The low 32 bits are the index of the engine slot that holds the event and
// the high 32 bits are that slot's generation, which changes every time the
// slot is released. An ID therefore stops matching as soon as its event has
// fired or been cancelled, even after the slot is reused.
type EventID uint64

func makeEventID(slot, gen uint32) EventID { return EventID(uint64(gen)<<32 | uint64(slot)) }

func (id EventID) slot() uint32 { return uint32(id) }
func (id EventID) gen() uint32  { return uint32(id >> 32) }

// Handler receives events. Long-lived objects implement it (with a pointer
// receiver) so that scheduling allocates nothing.
type Handler interface {
	Fire(now Time, arg int64)
}

// HandlerFunc adapts an ordinary function to Handler. Creating the closure
// allocates; that is fine outside hot paths.
type HandlerFunc func(now Time, arg int64)

// Fire calls f(now, arg).
func (f HandlerFunc) Fire(now Time, arg int64) { f(now, arg) }

// slot holds one event's payload. Slots are recycled through a free list.
type slot struct {
	h       Handler
	arg     int64
	at      Time
	seq     uint64
	gen     uint32 // never 0
	live    bool   // pending in the calendar
	nextFre uint32 // free-list link (index+1; 0 terminates)
}

// Engine is a deterministic discrete-event scheduler over virtual Time.
// The zero value is not usable; call NewEngine. An Engine is not safe for
// concurrent use.
type Engine struct {
	now       Time
	seq       uint64
	processed uint64
	slots     []slot
	freeHead  uint32 // index+1 of the first free slot; 0 when none
	cal       calendar
}

// NewEngine returns an engine at time 0 with no pending events.
func NewEngine() *Engine { return newEngineWith(newHeapCalendar()) }

// NewEngineAt returns an engine at time t with no pending events: a run
// whose nodes boot before its time 0 (a warm-up) starts at a negative t.
func NewEngineAt(t Time) *Engine {
	e := NewEngine()
	e.now = t
	return e
}

// newEngineWith builds an engine over a specific calendar implementation
// (used by tests to run the btree calendar through the same checks).
func newEngineWith(c calendar) *Engine { return &Engine{cal: c} }

// Now returns the current virtual time: the time of the event being fired,
// or of the last event fired, or the time set by RunUntil.
func (e *Engine) Now() Time { return e.now }

// Pending returns the number of scheduled events that have neither fired nor
// been cancelled.
func (e *Engine) Pending() int { return e.cal.len() }

// Processed returns the number of events fired so far.
func (e *Engine) Processed() uint64 { return e.processed }

// Schedule arranges for h.Fire(at, arg) to be called when the clock reaches
// at. Events at the same instant fire in the order they were scheduled.
// It panics if at < Now() (scheduling in the past is a bug) or h is nil.
func (e *Engine) Schedule(at Time, h Handler, arg int64) EventID {
	if at < e.now {
		panic("sim: Schedule at " + at.String() + " before now " + e.now.String() + ": scheduling in the past is a bug")
	}
	if h == nil {
		panic("sim: Schedule with nil Handler")
	}
	idx := e.allocSlot()
	s := &e.slots[idx]
	s.h, s.arg, s.at, s.seq, s.live = h, arg, at, e.seq, true
	e.cal.push(calEntry{at: at, seq: e.seq, slot: idx})
	e.seq++
	return makeEventID(idx, s.gen)
}

// After is Schedule(Now()+d, h, arg). It panics if d < 0 or if Now()+d
// overflows.
func (e *Engine) After(d Time, h Handler, arg int64) EventID {
	if d < 0 {
		panic("sim: After with negative delay " + d.String())
	}
	at := e.now + d
	if at < e.now {
		panic("sim: After: time overflow")
	}
	return e.Schedule(at, h, arg)
}

// Cancel removes a pending event. It returns true if the event was pending,
// and false if it had already fired or been cancelled, or if id is unknown
// (including a stale id whose slot has since been reused).
func (e *Engine) Cancel(id EventID) bool {
	idx := id.slot()
	if uint64(idx) >= uint64(len(e.slots)) {
		return false
	}
	s := &e.slots[idx]
	if !s.live || s.gen != id.gen() {
		return false
	}
	e.cal.remove(calEntry{at: s.at, seq: s.seq, slot: idx})
	e.freeSlot(idx)
	return true
}

// NextAt returns the time of the next pending event, and false if there is
// none.
func (e *Engine) NextAt() (Time, bool) {
	ce, ok := e.cal.peek()
	return ce.at, ok
}

// Step fires the next pending event, first advancing Now to its time. It
// returns false, without changing Now, if no event is pending.
//
// The event's slot is released before its handler runs, so a handler may
// schedule new events freely; cancelling the firing event's own ID from its
// handler returns false.
func (e *Engine) Step() bool {
	if e.cal.len() == 0 {
		return false
	}
	ce := e.cal.pop()
	s := &e.slots[ce.slot]
	h, arg := s.h, s.arg
	e.freeSlot(ce.slot)
	e.now = ce.at
	e.processed++
	h.Fire(ce.at, arg)
	return true
}

// RunUntil fires, in order, every event whose time is <= t, including events
// scheduled by handlers during the call, and then sets Now to t if t is later
// than Now.
func (e *Engine) RunUntil(t Time) {
	for {
		ce, ok := e.cal.peek()
		if !ok || ce.at > t {
			break
		}
		e.Step()
	}
	if t > e.now {
		e.now = t
	}
}

// Run fires events until none remain. A model whose handlers always schedule
// more work never returns from Run; use RunUntil for those.
func (e *Engine) Run() {
	for e.Step() {
	}
}

func (e *Engine) allocSlot() uint32 {
	if e.freeHead != 0 {
		idx := e.freeHead - 1
		e.freeHead = e.slots[idx].nextFre
		e.slots[idx].nextFre = 0
		return idx
	}
	if uint64(len(e.slots)) >= 1<<32-1 {
		panic("sim: too many pending events")
	}
	e.slots = append(e.slots, slot{gen: 1})
	return uint32(len(e.slots) - 1)
}

// freeSlot releases slot idx: it drops the handler reference (so the GC can
// reclaim it), bumps the generation so outstanding IDs go stale, and pushes
// the slot on the free list.
func (e *Engine) freeSlot(idx uint32) {
	s := &e.slots[idx]
	s.h = nil
	s.live = false
	s.gen++
	if s.gen == 0 {
		s.gen = 1
	}
	s.nextFre = e.freeHead
	e.freeHead = idx + 1
}
