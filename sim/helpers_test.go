package sim

import "testing"

// calendarKinds lists every calendar implementation; engine-level tests run
// against each so the btree calendar stays correct although unused.
var calendarKinds = []struct {
	name string
	new  func() calendar
}{
	{"heap", func() calendar { return newHeapCalendar() }},
	{"btree", func() calendar { return newBTreeCalendar() }},
}

func forEachCalendar(t *testing.T, f func(t *testing.T, newEngine func() *Engine)) {
	t.Helper()
	for _, k := range calendarKinds {
		t.Run(k.name, func(t *testing.T) {
			f(t, func() *Engine { return newEngineWith(k.new()) })
		})
	}
}

type firing struct {
	at  Time
	arg int64
}

// recorder logs every firing.
type recorder struct{ log []firing }

func (r *recorder) Fire(now Time, arg int64) { r.log = append(r.log, firing{now, arg}) }

func (r *recorder) args() []int64 {
	out := make([]int64, len(r.log))
	for i, f := range r.log {
		out[i] = f.arg
	}
	return out
}

func equalInt64s(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: expected a panic, got none", name)
		}
	}()
	f()
}
