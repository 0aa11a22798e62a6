package sim

import "github.com/google/btree"

// btreeCalendar is a calendar backed by github.com/google/btree's BTreeG.
//
// It is NOT used by Engine. It is kept, and run through the same tests as the
// heap (engine ordering, cancellation, RunUntil and the randomised comparison
// with a reference), as the measured alternative.
//
// Measured with `go test -run xxx -bench . -benchmem -count 5 -benchtime
// 500ms ./sim/`, two runs (10 samples per cell), go1.26.8 linux/amd64, on the
// project's 2-core VM while other builds shared it. Wall-clock ns/op was
// noisy (up to 5x between samples), so the table gives cpu-ns/op (process CPU
// time per op, see bench_test.go): median, and in brackets the minimum.
// allocs/op was 0 in every cell for both calendars.
//
//	cpu-ns/op                     heap            btree (degree 64)
//	hold (pop 1, push 1)  N=16      37 [33]          67 [55]
//	                      N=1k      81 [70]         193 [164]
//	                      N=100k   219 [155]        504 [340]
//	cancel (remove random N=16      36 [33]          96 [73]
//	  + push 1)           N=1k      44 [39]         280 [220]
//	                      N=100k   174 [79]        1059 [592]
//	Engine After+Step     N=16      50 [41]          70 [63]
//	                      N=1k      82 [78]         189 [172]
//	                      N=100k   303 [242]        531 [496]
//	Engine Cancel+After   N=16      46 [43]         111 [101]
//	                      N=1k      51 [46]         248 [235]
//	                      N=100k   167 [141]        916 [775]
//
// The heap is 1.4x to 6.4x faster in every cell, so Engine uses heapCalendar.
// (Before the heap's pop used Floyd's bottom-up sift, the btree was level
// with it on the 100k hold model; it never was on cancellation.)
type btreeCalendar struct {
	t *btree.BTreeG[calEntry]
}

// btreeDegree: of the degrees 4, 8, 16, 32 and 64 tried on the hold and
// cancel benchmarks, 32 and 64 were best and 64 slightly ahead at N=100k.
const btreeDegree = 64

func lessCalEntry(a, b calEntry) bool { return a.before(b) }

func newBTreeCalendar() *btreeCalendar {
	return &btreeCalendar{t: btree.NewG(btreeDegree, lessCalEntry)}
}

func (c *btreeCalendar) len() int { return c.t.Len() }

func (c *btreeCalendar) peek() (calEntry, bool) { return c.t.Min() }

func (c *btreeCalendar) push(e calEntry) {
	if _, replaced := c.t.ReplaceOrInsert(e); replaced {
		panic("sim: btreeCalendar: entry pushed twice")
	}
}

func (c *btreeCalendar) pop() calEntry {
	e, ok := c.t.DeleteMin()
	if !ok {
		panic("sim: btreeCalendar: pop from empty calendar")
	}
	return e
}

func (c *btreeCalendar) remove(e calEntry) {
	if _, ok := c.t.Delete(e); !ok {
		panic("sim: btreeCalendar: removing an absent entry")
	}
}
