package sim

import (
	"testing"
)

func TestOrdering(t *testing.T) {
	type sched struct {
		at  Time
		arg int64
	}
	tests := []struct {
		name  string
		input []sched
		want  []int64
	}{
		{"empty", nil, []int64{}},
		{"single", []sched{{5, 1}}, []int64{1}},
		{"increasing", []sched{{1, 1}, {2, 2}, {3, 3}}, []int64{1, 2, 3}},
		{"decreasing", []sched{{3, 1}, {2, 2}, {1, 3}}, []int64{3, 2, 1}},
		{"ties are FIFO", []sched{{7, 1}, {7, 2}, {7, 3}, {7, 4}}, []int64{1, 2, 3, 4}},
		{"mixed ties", []sched{{2, 1}, {1, 2}, {2, 3}, {1, 4}, {0, 5}, {2, 6}}, []int64{5, 2, 4, 1, 3, 6}},
		{"at now", []sched{{0, 1}, {0, 2}}, []int64{1, 2}},
	}
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEngine()
				r := &recorder{}
				for _, s := range tt.input {
					e.Schedule(s.at, r, s.arg)
				}
				if e.Pending() != len(tt.input) {
					t.Fatalf("Pending = %d, want %d", e.Pending(), len(tt.input))
				}
				e.Run()
				if got := r.args(); !equalInt64s(got, tt.want) {
					t.Errorf("fired %v, want %v", got, tt.want)
				}
				for _, f := range r.log {
					for _, s := range tt.input {
						if s.arg == f.arg && s.at != f.at {
							t.Errorf("arg %d fired at %v, scheduled for %v", f.arg, f.at, s.at)
						}
					}
				}
				if e.Processed() != uint64(len(tt.input)) {
					t.Errorf("Processed = %d, want %d", e.Processed(), len(tt.input))
				}
				if e.Pending() != 0 {
					t.Errorf("Pending after Run = %d", e.Pending())
				}
			})
		}
	})
}

// spawner schedules, from inside a handler, follow-up events at the current
// instant and later.
type spawner struct {
	e   *Engine
	log []int64
}

func (s *spawner) Fire(now Time, arg int64) {
	s.log = append(s.log, arg)
	if now != s.e.Now() {
		panic("Fire's now differs from Engine.Now")
	}
	switch arg {
	case 1: // same instant: must run after the already-queued 2 and 3
		s.e.Schedule(now, s, 10)
		s.e.After(0, s, 11)
	case 10: // same instant again, queued behind 11
		s.e.Schedule(now, s, 100)
	case 3:
		s.e.After(1, s, 30) // next instant, queued behind 4 (already at t+1)
	}
}

func TestSameInstantSchedulingFromHandler(t *testing.T) {
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		e := newEngine()
		s := &spawner{e: e}
		e.Schedule(5, s, 1)
		e.Schedule(5, s, 2)
		e.Schedule(5, s, 3)
		e.Schedule(6, s, 4)
		e.Run()
		want := []int64{1, 2, 3, 10, 11, 100, 4, 30}
		if !equalInt64s(s.log, want) {
			t.Errorf("fired %v, want %v", s.log, want)
		}
		if e.Now() != 6 {
			t.Errorf("Now = %v, want 6ns", e.Now())
		}
	})
}

func TestStepAndNextAt(t *testing.T) {
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		e := newEngine()
		if _, ok := e.NextAt(); ok {
			t.Error("NextAt on empty engine reported an event")
		}
		if e.Step() {
			t.Error("Step on empty engine returned true")
		}
		if e.Now() != 0 || e.Processed() != 0 {
			t.Errorf("empty Step changed state: now=%v processed=%d", e.Now(), e.Processed())
		}
		r := &recorder{}
		e.Schedule(3*Second, r, 1)
		e.Schedule(Second, r, 2)
		steps := []struct {
			next Time
			arg  int64
		}{{Second, 2}, {3 * Second, 1}}
		for i, st := range steps {
			at, ok := e.NextAt()
			if !ok || at != st.next {
				t.Fatalf("step %d: NextAt = %v,%v want %v,true", i, at, ok, st.next)
			}
			if !e.Step() {
				t.Fatalf("step %d: Step returned false", i)
			}
			if e.Now() != st.next {
				t.Errorf("step %d: Now = %v, want %v", i, e.Now(), st.next)
			}
			if last := r.log[len(r.log)-1]; last.arg != st.arg || last.at != st.next {
				t.Errorf("step %d: fired %+v, want arg %d at %v", i, last, st.arg, st.next)
			}
		}
		if e.Step() {
			t.Error("Step after draining returned true")
		}
		if e.Now() != 3*Second {
			t.Errorf("Now after drain = %v", e.Now())
		}
	})
}

func TestCancel(t *testing.T) {
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		t.Run("pending", func(t *testing.T) {
			e := newEngine()
			r := &recorder{}
			a := e.Schedule(1, r, 1)
			b := e.Schedule(2, r, 2)
			c := e.Schedule(3, r, 3)
			if !e.Cancel(b) {
				t.Fatal("Cancel(pending) = false")
			}
			if e.Pending() != 2 {
				t.Errorf("Pending = %d, want 2", e.Pending())
			}
			e.Run()
			if got := r.args(); !equalInt64s(got, []int64{1, 3}) {
				t.Errorf("fired %v, want [1 3]", got)
			}
			if e.Cancel(a) || e.Cancel(c) {
				t.Error("Cancel of a fired event returned true")
			}
		})
		t.Run("head and tail", func(t *testing.T) {
			e := newEngine()
			r := &recorder{}
			ids := make([]EventID, 10)
			for i := range ids {
				ids[i] = e.Schedule(Time(i), r, int64(i))
			}
			if !e.Cancel(ids[0]) || !e.Cancel(ids[9]) {
				t.Fatal("Cancel of head/tail failed")
			}
			if at, _ := e.NextAt(); at != 1 {
				t.Errorf("NextAt after cancelling head = %v, want 1ns", at)
			}
			e.Run()
			if got := r.args(); !equalInt64s(got, []int64{1, 2, 3, 4, 5, 6, 7, 8}) {
				t.Errorf("fired %v", got)
			}
			if e.Now() != 8 {
				t.Errorf("Now = %v, want 8ns (cancelled tail must not advance time)", e.Now())
			}
		})
		t.Run("double cancel", func(t *testing.T) {
			e := newEngine()
			id := e.Schedule(1, &recorder{}, 0)
			if !e.Cancel(id) {
				t.Fatal("first Cancel = false")
			}
			if e.Cancel(id) {
				t.Error("second Cancel = true")
			}
			if e.Pending() != 0 {
				t.Errorf("Pending = %d", e.Pending())
			}
		})
		t.Run("unknown ids", func(t *testing.T) {
			e := newEngine()
			for _, id := range []EventID{0, 1, 1 << 32, 1<<32 | 5, ^EventID(0)} {
				if e.Cancel(id) {
					t.Errorf("Cancel(%#x) on empty engine = true", uint64(id))
				}
			}
			id := e.Schedule(1, &recorder{}, 0)
			if id == 0 {
				t.Fatal("Schedule returned the zero EventID")
			}
			for _, bad := range []EventID{0, id + 1, id ^ 1<<32, id + 1<<32} {
				if e.Cancel(bad) {
					t.Errorf("Cancel(%#x) with only %#x pending = true", uint64(bad), uint64(id))
				}
			}
			if e.Pending() != 1 {
				t.Errorf("Pending = %d, want 1", e.Pending())
			}
		})
		t.Run("stale id after reuse", func(t *testing.T) {
			e := newEngine()
			r := &recorder{}
			old := e.Schedule(10, r, 1)
			if !e.Cancel(old) {
				t.Fatal("Cancel(old) = false")
			}
			reused := e.Schedule(10, r, 2)
			if reused.slot() != old.slot() {
				t.Fatalf("slot not reused (old %d, new %d): test premise broken", old.slot(), reused.slot())
			}
			if reused == old {
				t.Fatal("reused slot produced the same EventID")
			}
			if e.Cancel(old) {
				t.Error("Cancel(stale id) = true; it would have cancelled the new event")
			}
			if e.Pending() != 1 {
				t.Errorf("Pending = %d, want 1", e.Pending())
			}
			// Same after the slot is recycled through firing.
			e.Run()
			fired := reused
			again := e.Schedule(20, r, 3)
			if again.slot() != fired.slot() {
				t.Fatalf("slot not reused after firing")
			}
			if e.Cancel(fired) || e.Cancel(old) {
				t.Error("stale id cancelled a reused slot")
			}
			e.Run()
			if got := r.args(); !equalInt64s(got, []int64{2, 3}) {
				t.Errorf("fired %v, want [2 3]", got)
			}
		})
		t.Run("from handler", func(t *testing.T) {
			e := newEngine()
			r := &recorder{}
			var self, victim EventID
			var selfCancel, victimCancel bool
			self = e.Schedule(1, HandlerFunc(func(now Time, arg int64) {
				selfCancel = e.Cancel(self)
				victimCancel = e.Cancel(victim)
			}), 0)
			victim = e.Schedule(1, r, 99)
			e.Run()
			if selfCancel {
				t.Error("cancelling the firing event from its own handler returned true")
			}
			if !victimCancel {
				t.Error("cancelling a pending same-instant event from a handler returned false")
			}
			if len(r.log) != 0 {
				t.Errorf("cancelled event fired: %v", r.log)
			}
		})
	})
}

func TestCancelLeavesNoGarbage(t *testing.T) {
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		e := newEngine()
		r := &recorder{}
		// A timer that is re-armed (cancel + schedule) a million times while
		// a few other events stay pending must not grow the engine.
		for i := 0; i < 5; i++ {
			e.Schedule(Hour, r, int64(i))
		}
		id := e.After(Second, r, -1)
		for i := 0; i < 1_000_000; i++ {
			if !e.Cancel(id) {
				t.Fatalf("iteration %d: re-arm cancel failed", i)
			}
			id = e.After(Second, r, -1)
		}
		if e.Pending() != 6 {
			t.Errorf("Pending = %d, want 6", e.Pending())
		}
		if len(e.slots) > 6 {
			t.Errorf("slab grew to %d slots for 6 pending events", len(e.slots))
		}
		if h, ok := e.cal.(*heapCalendar); ok && (len(h.pos) > 6 || cap(h.items) > 8) {
			t.Errorf("heap grew: len(pos)=%d cap(items)=%d", len(h.pos), cap(h.items))
		}
		// Released slots must not pin handlers.
		e.Run()
		for i, s := range e.slots {
			if s.h != nil || s.live {
				t.Errorf("slot %d still holds a handler after draining", i)
			}
		}
	})
}

func TestRunUntil(t *testing.T) {
	type step struct {
		until   Time
		wantNow Time
		want    []int64 // cumulative fired args
	}
	tests := []struct {
		name  string
		at    []Time // arg i is scheduled at at[i]
		steps []step
	}{
		{
			name: "fires inclusive of t then sets now",
			at:   []Time{Second, 2 * Second, 3 * Second},
			steps: []step{
				{2 * Second, 2 * Second, []int64{0, 1}},
				{2500 * Millisecond, 2500 * Millisecond, []int64{0, 1}},
				{10 * Second, 10 * Second, []int64{0, 1, 2}},
			},
		},
		{
			name: "no events",
			steps: []step{
				{Minute, Minute, []int64{}},
			},
		},
		{
			name: "t in the past neither fires nor rewinds",
			at:   []Time{5 * Second},
			steps: []step{
				{3 * Second, 3 * Second, []int64{}},
				{Second, 3 * Second, []int64{}},
				{5 * Second, 5 * Second, []int64{0}},
			},
		},
		{
			name: "t equal to now fires same-instant events",
			at:   []Time{0, 0},
			steps: []step{
				{0, 0, []int64{0, 1}},
			},
		},
	}
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEngine()
				r := &recorder{}
				for i, at := range tt.at {
					e.Schedule(at, r, int64(i))
				}
				for i, st := range tt.steps {
					e.RunUntil(st.until)
					if e.Now() != st.wantNow {
						t.Errorf("step %d: Now = %v, want %v", i, e.Now(), st.wantNow)
					}
					if got := r.args(); !equalInt64s(got, st.want) {
						t.Errorf("step %d: fired %v, want %v", i, got, st.want)
					}
				}
			})
		}
	})
}

// chain re-schedules itself every period while arg > 0.
type chain struct {
	e      *Engine
	period Time
	log    []Time
}

func (c *chain) Fire(now Time, arg int64) {
	c.log = append(c.log, now)
	if arg > 0 {
		c.e.After(c.period, c, arg-1)
	}
}

func TestRunUntilIncludesEventsScheduledDuringRun(t *testing.T) {
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		e := newEngine()
		c := &chain{e: e, period: Second}
		e.Schedule(0, c, 100)
		e.RunUntil(5 * Second)
		if len(c.log) != 6 { // 0s,1s,...,5s
			t.Errorf("fired %d times by 5s, want 6 (%v)", len(c.log), c.log)
		}
		if at, ok := e.NextAt(); !ok || at != 6*Second {
			t.Errorf("NextAt = %v,%v want 6s,true", at, ok)
		}
		if e.Now() != 5*Second {
			t.Errorf("Now = %v", e.Now())
		}
	})
}

func TestPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func(e *Engine)
	}{
		{"Schedule in the past", func(e *Engine) { e.Schedule(e.Now()-1, &recorder{}, 0) }},
		{"Schedule negative time", func(e *Engine) { e.Schedule(-Second, &recorder{}, 0) }},
		{"After negative delay", func(e *Engine) { e.After(-1, &recorder{}, 0) }},
		{"After overflow", func(e *Engine) { e.After(Time(1<<63-1), &recorder{}, 0) }},
		{"nil handler", func(e *Engine) { e.Schedule(e.Now(), nil, 0) }},
	}
	forEachCalendar(t, func(t *testing.T, newEngine func() *Engine) {
		for _, tt := range tests {
			e := newEngine()
			e.RunUntil(10 * Second)
			mustPanic(t, tt.name, func() { tt.f(e) })
			if e.Pending() != 0 {
				t.Errorf("%s: panicking call left %d pending events", tt.name, e.Pending())
			}
		}
		// Scheduling in the past from inside a handler panics too.
		e := newEngine()
		e.Schedule(Second, HandlerFunc(func(now Time, _ int64) {
			e.Schedule(now-1, &recorder{}, 0)
		}), 0)
		mustPanic(t, "Schedule in the past from handler", func() { e.Run() })
	})
}

func TestHandlerFunc(t *testing.T) {
	e := NewEngine()
	var got []firing
	h := HandlerFunc(func(now Time, arg int64) { got = append(got, firing{now, arg}) })
	e.After(2*Second, h, 7)
	e.Run()
	if len(got) != 1 || got[0] != (firing{2 * Second, 7}) {
		t.Errorf("HandlerFunc fired %v", got)
	}
}

func TestNewEngineUsesHeap(t *testing.T) {
	if _, ok := NewEngine().cal.(*heapCalendar); !ok {
		t.Errorf("NewEngine calendar is %T, want *heapCalendar (the benchmarked winner)", NewEngine().cal)
	}
}
