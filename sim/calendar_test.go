package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// check verifies the heap property and that pos indexes items exactly.
func (h *heapCalendar) check() error {
	for i := range h.items {
		if i > 0 && h.items[i].before(h.items[(i-1)/2]) {
			return fmt.Errorf("items[%d] %+v before its parent %+v", i, h.items[i], h.items[(i-1)/2])
		}
		s := h.items[i].slot
		if int(s) >= len(h.pos) || h.pos[s] != int32(i) {
			return fmt.Errorf("pos of slot %d is wrong for index %d", s, i)
		}
	}
	present := 0
	for s, p := range h.pos {
		if p < 0 {
			continue
		}
		present++
		if int(p) >= len(h.items) || h.items[p].slot != uint32(s) {
			return fmt.Errorf("pos[%d]=%d points at the wrong entry", s, p)
		}
	}
	if present != len(h.items) {
		return fmt.Errorf("%d slots marked present, %d items", present, len(h.items))
	}
	return nil
}

// TestCalendarsMatchSortedSlice drives each calendar directly with random
// push/pop/remove operations and compares it with a sorted slice.
func TestCalendarsMatchSortedSlice(t *testing.T) {
	for _, k := range calendarKinds {
		t.Run(k.name, func(t *testing.T) {
			for seed := uint64(0); seed < 8; seed++ {
				rng := rand.New(rand.NewPCG(seed, 99))
				c := k.new()
				var ref []calEntry  // sorted by before
				var free []uint32   // reusable slot numbers
				var nextSlot uint32 // next never-used slot
				var seq uint64
				for op := 0; op < 5000; op++ {
					switch x := rng.IntN(10); {
					case x < 5 || len(ref) == 0:
						var s uint32
						if len(free) > 0 {
							s, free = free[len(free)-1], free[:len(free)-1]
						} else {
							s, nextSlot = nextSlot, nextSlot+1
						}
						e := calEntry{at: Time(rng.IntN(64)), seq: seq, slot: s}
						seq++
						c.push(e)
						i := sort.Search(len(ref), func(i int) bool { return e.before(ref[i]) })
						ref = append(ref, calEntry{})
						copy(ref[i+1:], ref[i:])
						ref[i] = e
					case x < 7:
						got, want := c.pop(), ref[0]
						ref = ref[1:]
						if got != want {
							t.Fatalf("seed %d op %d: pop = %+v, want %+v", seed, op, got, want)
						}
						free = append(free, got.slot)
					default:
						i := rng.IntN(len(ref))
						e := ref[i]
						c.remove(e)
						ref = append(ref[:i], ref[i+1:]...)
						free = append(free, e.slot)
					}
					if c.len() != len(ref) {
						t.Fatalf("seed %d op %d: len = %d, want %d", seed, op, c.len(), len(ref))
					}
					got, ok := c.peek()
					if ok != (len(ref) > 0) || (ok && got != ref[0]) {
						t.Fatalf("seed %d op %d: peek = %+v,%v", seed, op, got, ok)
					}
					if h, isHeap := c.(*heapCalendar); isHeap {
						if err := h.check(); err != nil {
							t.Fatalf("seed %d op %d: %v", seed, op, err)
						}
					}
				}
			}
		})
	}
}

func TestCalendarMisusePanics(t *testing.T) {
	for _, k := range calendarKinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new()
			e := calEntry{at: 1, seq: 1, slot: 3}
			mustPanic(t, "remove absent", func() { c.remove(e) })
			c.push(e)
			mustPanic(t, "push twice", func() { c.push(e) })
			c.remove(e)
			mustPanic(t, "remove twice", func() { c.remove(e) })
			if c.len() != 0 {
				t.Errorf("len = %d after misuse", c.len())
			}
		})
	}
	mustPanic(t, "btree pop empty", func() { newBTreeCalendar().pop() })
}
