package gomap

import (
	"iter"
	"math/bits"
)

// Iter walks a Map as a for-range loop over a Go map would. Create one with
// Map.Iter; the zero Iter walks nothing.
type Iter[K comparable, V any] struct {
	m      *Map[K, V]
	gen    uint64
	offset uint64 // Go's it.entryOffset
	idx    uint64 // Go's it.entryIdx: slots visited, before the offset
	small  bool   // the map was small when the walk began
}

// Iter starts a walk, drawing its random entry offset (table.go Iter.Init;
// an empty map draws nothing). The map may be changed during the walk by
// Delete, and by Set as long as the map does not grow; the walk then behaves
// as Go's does (deleted entries are not returned; new ones may or may not be).
func (m *Map[K, V]) Iter() Iter[K, V] {
	if m.used == 0 {
		return Iter[K, V]{}
	}
	return Iter[K, V]{m: m, gen: m.gen, offset: m.rng.Uint64(), small: !m.isTable}
}

// All returns the walk as a range-over-func sequence; each range over it is a
// new walk with its own random offset, like each range over a Go map.
func (m *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		it := m.Iter()
		for {
			k, v, ok := it.Next()
			if !ok || !yield(k, v) {
				return
			}
		}
	}
}

// Next returns the walk's next entry, or ok false at its end. It panics if
// the map grew or was Reset since the walk began: Go would then go on walking
// the old table and look keys up in the new one, which is not modelled
// because upstream never inserts into a map it is walking.
func (it *Iter[K, V]) Next() (k K, v V, ok bool) {
	m := it.m
	if m == nil {
		return k, v, false
	}
	if m.gen != it.gen {
		panic("gomap: map grew or was reset during a walk (not modelled)")
	}
	c := m.cur.ctrl
	if it.small {
		// table.go Iter.Next, small map: slots (idx+offset) mod 8.
		for ; it.idx < groupSlots; it.idx++ {
			i := (it.idx + it.offset) % groupSlots
			if c[i] != ctrlFull {
				continue
			}
			it.idx++
			s := &m.cur.slots[i]
			return s.key, s.val, true
		}
		it.m = nil
		return k, v, false
	}

	mask := uint64(len(c)) - 1
	if it.idx > mask {
		it.m = nil
		return k, v, false
	}
	// Fast path: the slot at idx itself.
	e := (it.idx + it.offset) & mask
	if c[e] == ctrlFull {
		it.idx++
		s := &m.cur.slots[e]
		return s.key, s.val, true
	}
	it.idx++
	// Slow path: jump to the next full slot with the group's full-slot
	// mask, and leave idx at the full slot after the one returned (or at
	// the next group), exactly as Go does.
	var match uint8
	for it.idx <= mask {
		e := (it.idx + it.offset) & mask
		slotIdx := e & (groupSlots - 1)
		if match == 0 {
			match = fullMask(c, e&^(groupSlots-1))
			match &^= uint8(1)<<slotIdx - 1 // ignore slots before slotIdx
			if match == 0 {
				it.idx += groupSlots - slotIdx
				continue
			}
			i := uint64(bits.TrailingZeros8(match))
			it.idx += i - slotIdx
			if it.idx > mask {
				continue
			}
			e += i - slotIdx
			slotIdx = i
		}
		match &= match - 1
		if match == 0 {
			it.idx += groupSlots - slotIdx
		} else {
			it.idx += uint64(bits.TrailingZeros8(match)) - slotIdx
		}
		s := &m.cur.slots[e]
		return s.key, s.val, true
	}
	it.m = nil
	return k, v, false
}

// fullMask returns bit i set for each full slot i of the group starting at
// slot base (group.go matchFull).
func fullMask(c []ctrl, base uint64) uint8 {
	var m uint8
	for i := range uint64(groupSlots) {
		if c[base+i] == ctrlFull {
			m |= 1 << i
		}
	}
	return m
}
