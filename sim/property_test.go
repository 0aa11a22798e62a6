package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// simAPI is the surface shared by Engine and the naive reference engine.
type simAPI interface {
	Now() Time
	Schedule(at Time, h Handler, arg int64) EventID
	After(d Time, h Handler, arg int64) EventID
	Cancel(id EventID) bool
	Pending() int
	NextAt() (Time, bool)
	Step() bool
	RunUntil(t Time)
	Run()
	Processed() uint64
}

// refEngine is an obviously-correct reference: a slice kept sorted by
// (at, seq), linear-time everything, IDs never reused.
type refEngine struct {
	now       Time
	seq       uint64
	processed uint64
	events    []refEvent
}

type refEvent struct {
	at  Time
	seq uint64
	h   Handler
	arg int64
}

func (r *refEngine) Now() Time         { return r.now }
func (r *refEngine) Pending() int      { return len(r.events) }
func (r *refEngine) Processed() uint64 { return r.processed }
func (r *refEngine) Run() {
	for r.Step() {
	}
}
func (r *refEngine) NextAt() (Time, bool) {
	if len(r.events) == 0 {
		return 0, false
	}
	return r.events[0].at, true
}

func (r *refEngine) Schedule(at Time, h Handler, arg int64) EventID {
	if at < r.now {
		panic("past")
	}
	r.seq++
	ev := refEvent{at, r.seq, h, arg}
	// seq is the largest so far, so it goes after every event with at <= ev.at.
	i := sort.Search(len(r.events), func(i int) bool { return r.events[i].at > at })
	r.events = append(r.events, refEvent{})
	copy(r.events[i+1:], r.events[i:])
	r.events[i] = ev
	return EventID(r.seq)
}

func (r *refEngine) After(d Time, h Handler, arg int64) EventID { return r.Schedule(r.now+d, h, arg) }

func (r *refEngine) Cancel(id EventID) bool {
	for i, ev := range r.events {
		if EventID(ev.seq) == id {
			r.events = append(r.events[:i], r.events[i+1:]...)
			return true
		}
	}
	return false
}

func (r *refEngine) Step() bool {
	if len(r.events) == 0 {
		return false
	}
	ev := r.events[0]
	r.events = r.events[1:]
	r.now = ev.at
	r.processed++
	ev.h.Fire(ev.at, ev.arg)
	return true
}

func (r *refEngine) RunUntil(t Time) {
	for len(r.events) > 0 && r.events[0].at <= t {
		r.Step()
	}
	if t > r.now {
		r.now = t
	}
}

// propHandler logs firings and, depending on arg, schedules children (often
// at the current instant) and cancels earlier events from inside Fire. Two
// instances attached to two correct engines behave identically.
type propHandler struct {
	eng simAPI
	log []firing
	ids []EventID // every event ever scheduled through this side, in order
}

func (p *propHandler) Fire(now Time, arg int64) {
	p.log = append(p.log, firing{now, arg})
	if arg > 0 && arg%3 == 0 {
		p.ids = append(p.ids, p.eng.Schedule(now+Time(arg%5), p, arg/3))
	}
	if arg > 0 && arg%7 == 0 && len(p.ids) > 0 {
		ok := p.eng.Cancel(p.ids[int(arg)%len(p.ids)])
		marker := int64(-1000)
		if ok {
			marker = -1001
		}
		p.log = append(p.log, firing{now, marker})
	}
}

func TestEngineMatchesReference(t *testing.T) {
	const (
		seeds = 16
		ops   = 4000
	)
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		for seed := uint64(1); seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				runAgainstReference(t, seed, ops, newEngine())
			})
		}
	})
}

func runAgainstReference(t *testing.T, seed uint64, ops int, eng *Engine) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ref := &refEngine{}
	a := &propHandler{eng: eng}
	b := &propHandler{eng: ref}
	var trace []string
	fail := func(format string, args ...any) {
		t.Helper()
		if len(trace) > 20 {
			trace = trace[len(trace)-20:]
		}
		t.Fatalf("seed %d: %s\nlast ops: %v", seed, fmt.Sprintf(format, args...), trace)
	}
	for op := 0; op < ops; op++ {
		switch x := rng.IntN(100); {
		case x < 45: // schedule, with many ties
			var off Time
			switch rng.IntN(4) {
			case 0:
				off = 0
			case 1:
				off = Time(rng.IntN(3))
			case 2:
				off = Time(rng.IntN(50))
			default:
				off = Time(rng.IntN(2000))
			}
			arg := rng.Int64N(1000)
			at := eng.Now() + off
			trace = append(trace, fmt.Sprintf("sched(%d,%d)", at, arg))
			a.ids = append(a.ids, eng.Schedule(at, a, arg))
			b.ids = append(b.ids, ref.Schedule(at, b, arg))
		case x < 67: // cancel any id ever issued (pending, fired, cancelled)
			if len(a.ids) == 0 {
				continue
			}
			if len(a.ids) != len(b.ids) {
				fail("id lists diverged: %d vs %d", len(a.ids), len(b.ids))
			}
			k := rng.IntN(len(a.ids))
			trace = append(trace, fmt.Sprintf("cancel(#%d)", k))
			if ga, gb := eng.Cancel(a.ids[k]), ref.Cancel(b.ids[k]); ga != gb {
				fail("Cancel(#%d) = %v, reference %v", k, ga, gb)
			}
		case x < 85:
			trace = append(trace, "step")
			if ga, gb := eng.Step(), ref.Step(); ga != gb {
				fail("Step = %v, reference %v", ga, gb)
			}
		case x < 98:
			until := eng.Now() + Time(rng.IntN(100)) - 10 // sometimes in the past
			trace = append(trace, fmt.Sprintf("runUntil(%d)", until))
			eng.RunUntil(until)
			ref.RunUntil(until)
		default:
			trace = append(trace, "run")
			eng.Run()
			ref.Run()
		}
		if eng.Now() != ref.Now() {
			fail("Now = %d, reference %d", eng.Now(), ref.Now())
		}
		if eng.Pending() != ref.Pending() {
			fail("Pending = %d, reference %d", eng.Pending(), ref.Pending())
		}
		if eng.Processed() != ref.Processed() {
			fail("Processed = %d, reference %d", eng.Processed(), ref.Processed())
		}
		na, oka := eng.NextAt()
		nb, okb := ref.NextAt()
		if na != nb || oka != okb {
			fail("NextAt = %d,%v reference %d,%v", na, oka, nb, okb)
		}
		if len(a.log) != len(b.log) {
			fail("fired %d events, reference %d", len(a.log), len(b.log))
		}
		for i := range a.log {
			if a.log[i] != b.log[i] {
				fail("firing %d = %+v, reference %+v", i, a.log[i], b.log[i])
			}
		}
		if h, ok := eng.cal.(*heapCalendar); ok {
			if err := h.check(); err != nil {
				fail("heap invariant: %v", err)
			}
		}
	}
	eng.Run()
	ref.Run()
	if len(a.log) != len(b.log) || eng.Processed() != ref.Processed() {
		t.Fatalf("seed %d: final drain differs: %d vs %d firings", seed, len(a.log), len(b.log))
	}
	if eng.Processed() < uint64(ops/10) {
		t.Errorf("seed %d: only %d events fired; the test is not exercising the engine", seed, eng.Processed())
	}
}
