package sim

import "testing"

type nopHandler struct{ n int }

func (h *nopHandler) Fire(Time, int64) { h.n++ }

// TestHotPathZeroAllocs asserts that Schedule, After, Step, Cancel, NextAt and
// RunUntil allocate nothing once the engine holds its steady-state number of
// pending events.
func TestHotPathZeroAllocs(t *testing.T) {
	const pending = 1000
	e := NewEngine()
	h := &nopHandler{}
	hf := HandlerFunc(func(Time, int64) {}) // created once, outside the measured code
	for i := 0; i < pending; i++ {
		e.After(Time(i*7919%pending)*Millisecond, h, int64(i))
	}
	var k int64
	next := func() Time {
		k = (k*6364136223846793005 + 1442695040888963407)
		return Time(uint64(k)>>44) * Microsecond
	}

	tests := []struct {
		name string
		f    func()
	}{
		{"Schedule+Step", func() { e.Schedule(e.Now()+next(), h, k); e.Step() }},
		{"After+Step", func() { e.After(next(), h, 1); e.Step() }},
		{"HandlerFunc After+Step", func() { e.After(next(), hf, 1); e.Step() }},
		{"After+Cancel", func() { e.Cancel(e.After(next(), h, 2)) }},
		{"re-arm timer", func() {
			id := e.After(next(), h, 3)
			e.Cancel(id)
			e.After(next(), h, 3)
			e.Step()
		}},
		{"stale Cancel", func() {
			id := e.After(next(), h, 4)
			e.Cancel(id)
			e.Cancel(id)
		}},
		{"NextAt+RunUntil", func() {
			e.After(next(), h, 5)
			at, _ := e.NextAt()
			e.RunUntil(at) // may fire several same-instant events
			for e.Pending() < pending {
				e.After(next(), h, 6)
			}
		}},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(2000, tt.f); got != 0 {
			t.Errorf("%s: %v allocs/op in steady state, want 0", tt.name, got)
		}
	}
	if e.Pending() != pending {
		t.Fatalf("test bug: pending drifted to %d", e.Pending())
	}
	if h.n == 0 {
		t.Fatal("test bug: no events fired")
	}
}
