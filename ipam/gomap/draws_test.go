package gomap

import (
	"math/rand/v2"
	"testing"
)

// countingSource counts the draws a Map makes from its stream.
type countingSource struct {
	rand.Source
	n int
}

func (c *countingSource) Uint64() uint64 { c.n++; return c.Source.Uint64() }

// TestDraws pins when a Map draws from its stream (package comment): one
// draw at creation and at each Reset (the seed), one per walk of a non-empty
// map (the offset), one when a delete empties the map (Go re-seeds), none
// otherwise.
func TestDraws(t *testing.T) {
	src := &countingSource{Source: rand.NewPCG(1, 2)}
	m := New[int, int](rand.New(src), func(k int) uint64 { return uint64(k) })
	step := func(what string, want int, f func()) {
		t.Helper()
		before := src.n
		f()
		if got := src.n - before; got != want {
			t.Errorf("%s: %d draws, want %d", what, got, want)
		}
	}
	step("walk of an empty map", 0, func() {
		for range m.All() {
		}
	})
	step("inserts", 0, func() {
		for i := range 20 {
			m.Set(i, i)
		}
	})
	step("a walk", 1, func() {
		for range m.All() {
		}
	})
	step("a walk stopped at the first entry", 1, func() {
		for range m.All() {
			break
		}
	})
	step("Get, update, delete", 0, func() { m.Get(3); m.Set(3, 9); m.Delete(3) })
	step("deleting all but one", 0, func() {
		for i := 1; i < 20; i++ {
			m.Delete(i)
		}
	})
	step("deleting the last entry", 1, func() { m.Delete(0) })
	step("deleting from an empty map", 0, func() { m.Delete(0) })
	step("Reset", 1, func() { m.Reset(12) })
	step("creation", 1, func() { NewWithHint[int, int](rand.New(src), func(k int) uint64 { return uint64(k) }, 3) })
}

// TestBeyondOneTable: MaxEntries entries fit one 1024-slot table; the next
// would make Go split it into a directory, which the emulation refuses
// loudly rather than get wrong. A hint above MaxEntries is refused too.
func TestBeyondOneTable(t *testing.T) {
	m := New[int, int](rand.New(rand.NewPCG(1, 2)), func(k int) uint64 { return uint64(k) })
	for i := range MaxEntries {
		m.Set(i, i)
	}
	if m.Len() != MaxEntries || len(m.cur.ctrl) != maxTableCapacity {
		t.Fatalf("%d entries in %d slots, want %d in %d", m.Len(), len(m.cur.ctrl), MaxEntries, maxTableCapacity)
	}
	mustPanic(t, "insert beyond MaxEntries", func() { m.Set(MaxEntries, 0) })
	mustPanic(t, "hint beyond MaxEntries", func() {
		NewWithHint[int, int](rand.New(rand.NewPCG(1, 2)), func(k int) uint64 { return uint64(k) }, MaxEntries+1)
	})
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
