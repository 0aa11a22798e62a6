package floor

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHeapOrder checks the heap against sorting: random pushes and pops,
// every pop the least (time, sequence) pending, so equal times come out in
// the order they were pushed.
func TestHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var h Heap
	var ref []entry // pending, kept sorted
	var seq uint64
	for step := range 200_000 {
		if len(ref) == 0 || r.IntN(3) != 0 {
			at := r.Int64N(64) // many ties
			h.Push(at)
			e := entry{at, seq}
			seq++
			i, _ := slices.BinarySearchFunc(ref, e, func(a, b entry) int {
				if a.before(b) {
					return -1
				}
				return 1
			})
			ref = slices.Insert(ref, i, e)
			continue
		}
		top := h.items[0]
		if got := h.Pop(); got != ref[0].at || top != ref[0] {
			t.Fatalf("step %d: popped %v (%d), want %v", step, top, got, ref[0])
		}
		ref = ref[1:]
		if h.Len() != len(ref) {
			t.Fatalf("step %d: len %d, want %d", step, h.Len(), len(ref))
		}
	}
}

// TestHoldKeepsSize checks that a hold step leaves the number of pending
// events as it was, and that time never goes backwards.
func TestHoldKeepsSize(t *testing.T) {
	h := NewHold(1000)
	last := int64(-1)
	for i := range 10_000 {
		at := h.Step(i, 1)
		if at < last {
			t.Fatalf("step %d: time went back from %d to %d", i, last, at)
		}
		last = at
	}
	if h.Len() != 1000 {
		t.Fatalf("%d pending after hold steps, want 1000", h.Len())
	}
}
