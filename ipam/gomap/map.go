package gomap

import (
	"math/bits"
	"math/rand/v2"
)

// Constants of internal/runtime/maps (Go 1.26).
const (
	groupSlots       = 8    // abi.MapGroupSlots
	maxAvgGroupLoad  = 7    // group.go: at most 7/8 of a table's slots used
	maxTableCapacity = 1024 // table.go: a bigger table is split in two
	smallTableCap    = 2 * groupSlots
	maxGroups        = maxTableCapacity / groupSlots
	tableCapLevels   = 7 // table capacities 16, 32, …, 1024
)

// MaxEntries is the most entries a Map models: a single table of 1024 slots
// at Go's 7/8 load factor. Beyond it Go splits the table into a directory of
// tables, which ipamd's maps never reach (see the package comment).
const MaxEntries = maxTableCapacity * maxAvgGroupLoad / groupSlots

// ctrl is a slot's control state. Go stores the hash's low 7 bits (H2) in a
// full slot's control byte; that only speeds up key comparison, so the state
// is enough here (the full hash is kept beside the key).
type ctrl uint8

const (
	ctrlEmpty   ctrl = iota // never used since the table was made (or pruned)
	ctrlDeleted             // tombstone: deleted from a full group
	ctrlFull
)

type slot[K comparable, V any] struct {
	hash uint64
	key  K
	val  V
}

// table is the storage of one layout: a single group (capacity 8, small map)
// or a Swiss table of capacity/8 groups.
type table[K comparable, V any] struct {
	ctrl  []ctrl
	slots []slot[K, V]
}

// Map is an emulated Go 1.26 map[K]V. The zero value is not usable; create
// one with New or NewWithHint. A Map is not safe for concurrent use.
type Map[K comparable, V any] struct {
	rng     *rand.Rand
	keyBits func(K) uint64
	// hashOverride, when set (tests only), replaces the seeded mixer so the
	// layout can be checked slot by slot against the runtime's own hash.
	hashOverride func(K) uint64

	seed       uint64
	used       int
	isTable    bool // false: a small map, one group (Go's dirLen == 0)
	growthLeft int  // table only: inserts left before a prune or growth
	cur        table[K, V]
	gen        uint64 // bumped when the storage is replaced (growth, Reset)

	small  [groupSlots]slot[K, V]
	smallC [groupSlots]ctrl
	spare  [tableCapLevels]table[K, V] // tables kept for reuse by Reset
}

// New returns an empty map, as make(map[K]V) would, drawing its hash seed
// from rng. keyBits reduces a key to 64 bits and must be injective on the keys
// the map holds at once (see the package comment); all later randomness of
// the map (walk offsets, re-seeding) also comes from rng.
func New[K comparable, V any](rng *rand.Rand, keyBits func(K) uint64) *Map[K, V] {
	return NewWithHint[K, V](rng, keyBits, 0)
}

// NewWithHint returns an empty map as make(map[K]V, hint) would: a small map
// for hint ≤ 8, else a table sized so hint entries fit without growth.
// It panics if hint exceeds MaxEntries.
func NewWithHint[K comparable, V any](rng *rand.Rand, keyBits func(K) uint64, hint int) *Map[K, V] {
	m := &Map[K, V]{rng: rng, keyBits: keyBits}
	m.Reset(hint)
	return m
}

// Reset empties the map and makes it what make(map[K]V, hint) would return:
// a new seed is drawn, and the layout starts afresh. Upstream's fresh copies
// (GetENIInfos) are emulated by Reset then Set in the source's walk order.
// Storage is reused, so Reset does not allocate once the map has held a
// table of the needed size. Walks in progress must not continue after it.
func (m *Map[K, V]) Reset(hint int) {
	m.retire()
	m.seed = m.rng.Uint64()
	m.used = 0
	m.gen++
	if hint <= groupSlots {
		// map.go NewMap: hint ≤ 8 leaves a small map.
		m.isTable = false
		m.growthLeft = 0
		clear(m.small[:])
		m.cur = table[K, V]{ctrl: m.smallC[:], slots: m.small[:]}
		for i := range m.cur.ctrl {
			m.cur.ctrl[i] = ctrlEmpty
		}
		return
	}
	if hint > MaxEntries {
		panic("gomap: a hint above MaxEntries needs a table directory, which is not modelled")
	}
	// map.go NewMap: targetCapacity = hint*8/7, one table (dirSize 1),
	// newTable rounds the capacity up to a power of two.
	m.setTable(alignUpPow2(hint * groupSlots / maxAvgGroupLoad))
}

// retire keeps the current table (if any) for reuse by a later Reset or growth.
func (m *Map[K, V]) retire() {
	if !m.isTable {
		return
	}
	m.spare[capLevel(len(m.cur.ctrl))] = m.cur
}

// setTable installs an empty table of the given capacity (a power of two,
// 16…1024), reusing a spare one when there is one.
func (m *Map[K, V]) setTable(capacity int) {
	lvl := capLevel(capacity)
	t := m.spare[lvl]
	m.spare[lvl] = table[K, V]{}
	if t.ctrl == nil {
		t = table[K, V]{ctrl: make([]ctrl, capacity), slots: make([]slot[K, V], capacity)}
	} else {
		clear(t.slots)
		for i := range t.ctrl {
			t.ctrl[i] = ctrlEmpty
		}
	}
	m.cur = t
	m.isTable = true
	// table.go maxGrowthLeft: 7/8 of the capacity (capacity is always > 8).
	m.growthLeft = capacity * maxAvgGroupLoad / groupSlots
}

func capLevel(capacity int) int {
	return bits.TrailingZeros(uint(capacity)) - bits.TrailingZeros(uint(smallTableCap))
}

// alignUpPow2 rounds n up to a power of two, at least 16 (a table's smallest
// size: newTable raises capacity to 8 and hints above 8 give at least 9*8/7).
func alignUpPow2(n int) int {
	c := smallTableCap
	for c < n {
		c <<= 1
	}
	return c
}

// Len returns the number of entries, as len(m).
func (m *Map[K, V]) Len() int { return m.used }

func (m *Map[K, V]) hash(k K) uint64 {
	if m.hashOverride != nil {
		return m.hashOverride(k)
	}
	return mix(m.seed, m.keyBits(k))
}

// h1 is the probe-start part of a hash (map.go h1: the upper 57 bits).
func h1(h uint64) uint64 { return h >> 7 }

// Get returns the value stored for k, as v, ok := m[k].
func (m *Map[K, V]) Get(k K) (V, bool) {
	if m.used > 0 {
		if i := m.find(m.hash(k), k); i >= 0 {
			return m.cur.slots[i].val, true
		}
	}
	var zero V
	return zero, false
}

// find returns the slot holding k, or -1.
func (m *Map[K, V]) find(h uint64, k K) int {
	c, s := m.cur.ctrl, m.cur.slots
	if !m.isTable {
		for i := range groupSlots {
			if c[i] == ctrlFull && s[i].hash == h && s[i].key == k {
				return i
			}
		}
		return -1
	}
	// table.go getWithKey: probe until the key or a group with an empty slot.
	mask := uint64(len(c)/groupSlots - 1)
	for p := newProbe(h1(h), mask); ; p.next() {
		base := int(p.offset) * groupSlots
		hasEmpty := false
		for i := base; i < base+groupSlots; i++ {
			switch c[i] {
			case ctrlFull:
				if s[i].hash == h && s[i].key == k {
					return i
				}
			case ctrlEmpty:
				hasEmpty = true
			}
		}
		if hasEmpty {
			return -1
		}
	}
}

// Set stores v for k, as m[k] = v.
func (m *Map[K, V]) Set(k K, v V) {
	h := m.hash(k)
	if !m.isTable {
		if m.used < groupSlots {
			m.putSmall(h, k, v)
			return
		}
		// map.go PutSlot: a full small map grows to a table first, even
		// when k is already present (Go's own TODO notes it).
		m.growToTable()
	}
	for !m.putTable(h, k, v) {
	}
}

// putSmall is map.go putSlotSmall: update in place, else the lowest empty slot.
func (m *Map[K, V]) putSmall(h uint64, k K, v V) {
	if i := m.find(h, k); i >= 0 {
		m.cur.slots[i].key = k // the fast paths store the key again
		m.cur.slots[i].val = v
		return
	}
	for i := range groupSlots {
		if m.cur.ctrl[i] == ctrlEmpty {
			m.cur.ctrl[i] = ctrlFull
			m.cur.slots[i] = slot[K, V]{hash: h, key: k, val: v}
			m.used++
			return
		}
	}
	panic("gomap: small map with no empty slot")
}

// growToTable is map.go growToTable: a 16-slot table filled from the small
// group in slot order.
func (m *Map[K, V]) growToTable() {
	m.setTable(smallTableCap)
	m.gen++
	for i := range groupSlots {
		if m.smallC[i] == ctrlFull {
			m.uncheckedPut(m.small[i])
		}
	}
	clear(m.small[:])
}

// putTable is table.go PutSlot for a map with one table. It returns false
// when it had to grow the table, and the caller must try again.
func (m *Map[K, V]) putTable(h uint64, k K, v V) bool {
	c, s := m.cur.ctrl, m.cur.slots
	mask := uint64(len(c)/groupSlots - 1)
	firstDeleted := -1
	for p := newProbe(h1(h), mask); ; p.next() {
		base := int(p.offset) * groupSlots
		for i := base; i < base+groupSlots; i++ {
			if c[i] == ctrlFull && s[i].hash == h && s[i].key == k {
				s[i].key = k
				s[i].val = v
				return true
			}
		}
		// The group's first empty-or-deleted slot decides: none, keep
		// probing; a tombstone, remember the first one and keep probing;
		// empty, the probe sequence ends here.
		free := -1
		for i := base; i < base+groupSlots; i++ {
			if c[i] != ctrlFull {
				free = i
				break
			}
		}
		if free < 0 {
			continue
		}
		if c[free] == ctrlDeleted {
			if firstDeleted < 0 {
				firstDeleted = free
			}
			continue
		}
		if firstDeleted >= 0 {
			free = firstDeleted
			m.growthLeft++ // reusing a tombstone costs no growth
		}
		if m.growthLeft == 0 {
			m.pruneTombstones()
		}
		if m.growthLeft > 0 {
			c[free] = ctrlFull
			s[free] = slot[K, V]{hash: h, key: k, val: v}
			m.growthLeft--
			m.used++
			return true
		}
		m.rehash()
		return false
	}
}

// uncheckedPut is table.go uncheckedPutSlot: the first empty-or-deleted slot
// of the first group on the probe sequence that has one.
func (m *Map[K, V]) uncheckedPut(e slot[K, V]) {
	c := m.cur.ctrl
	mask := uint64(len(c)/groupSlots - 1)
	for p := newProbe(h1(e.hash), mask); ; p.next() {
		base := int(p.offset) * groupSlots
		for i := base; i < base+groupSlots; i++ {
			if c[i] != ctrlFull {
				c[i] = ctrlFull
				m.cur.slots[i] = e
				m.growthLeft--
				return
			}
		}
	}
}

// rehash is table.go rehash/grow: a table of double capacity, filled from
// the old one in slot order.
func (m *Map[K, V]) rehash() {
	old := m.cur
	newCap := 2 * len(old.ctrl)
	if newCap > maxTableCapacity {
		panic("gomap: the table would split into a directory, which is not modelled (more than MaxEntries entries)")
	}
	m.setTable(newCap)
	m.gen++
	for i, cs := range old.ctrl {
		if cs == ctrlFull {
			m.uncheckedPut(old.slots[i])
		}
	}
	clear(old.slots)
	m.spare[capLevel(len(old.ctrl))] = old
}

// pruneTombstones is table.go pruneTombstones: turn tombstones back into
// empty slots in groups no probe sequence needs to pass, if that restores at
// least 10 % of the capacity.
func (m *Map[K, V]) pruneTombstones() {
	c, s := m.cur.ctrl, m.cur.slots
	capacity := len(c)
	tombstones := capacity*maxAvgGroupLoad/groupSlots - m.used - m.growthLeft
	if tombstones*10 < capacity {
		return
	}
	groups := capacity / groupSlots
	mask := uint64(groups - 1)
	var needed [maxGroups / 64]uint64
	for g := range groups {
		base := g * groupSlots
		hasEmpty := false
		for i := base; i < base+groupSlots; i++ {
			switch c[i] {
			case ctrlEmpty:
				hasEmpty = true
			case ctrlFull:
				// Every group with a free slot that this key's probe
				// sequence passes before its own group must keep its
				// tombstones (it has no empty slot, or probing would
				// have stopped there).
				for p := newProbe(h1(s[i].hash), mask); p.offset != uint64(g); p.next() {
					if groupHasFree(c, int(p.offset)) {
						needed[p.offset/64] |= 1 << (p.offset % 64)
					}
				}
			}
		}
		if hasEmpty {
			needed[g/64] |= 1 << (g % 64)
		}
	}
	count := 0
	for g := range groups {
		if needed[g/64]>>(g%64)&1 != 0 {
			continue
		}
		for i := g * groupSlots; i < (g+1)*groupSlots; i++ {
			if c[i] != ctrlFull {
				count++
			}
		}
	}
	if count*10 < capacity {
		return
	}
	for g := range groups {
		if needed[g/64]>>(g%64)&1 != 0 {
			continue
		}
		for i := g * groupSlots; i < (g+1)*groupSlots; i++ {
			if c[i] != ctrlFull {
				c[i] = ctrlEmpty
				m.growthLeft++
			}
		}
	}
}

func groupHasFree(c []ctrl, g int) bool {
	for i := g * groupSlots; i < (g+1)*groupSlots; i++ {
		if c[i] != ctrlFull {
			return true
		}
	}
	return false
}

// Delete removes k, as delete(m, k). If that empties the map, a new seed is
// drawn, as Go does (map.go Delete).
func (m *Map[K, V]) Delete(k K) {
	if m.used == 0 {
		return
	}
	i := m.find(m.hash(k), k)
	if i < 0 {
		return
	}
	c := m.cur.ctrl
	m.cur.slots[i] = slot[K, V]{}
	m.used--
	switch {
	case !m.isTable:
		c[i] = ctrlEmpty // one group: no probe sequence to keep intact
	case groupHasEmpty(c, i/groupSlots):
		// table.go Delete: a group with an empty slot ends every probe
		// sequence that reaches it, so the slot can simply be emptied.
		c[i] = ctrlEmpty
		m.growthLeft++
	default:
		c[i] = ctrlDeleted
	}
	if m.used == 0 {
		m.seed = m.rng.Uint64()
	}
}

func groupHasEmpty(c []ctrl, g int) bool {
	for i := g * groupSlots; i < (g+1)*groupSlots; i++ {
		if c[i] == ctrlEmpty {
			return true
		}
	}
	return false
}

// probe is table.go probeSeq: groups h, h+1, h+1+2, … modulo the group count,
// which visits every group once when the count is a power of two.
type probe struct {
	mask, offset, index uint64
}

func newProbe(h, mask uint64) probe { return probe{mask: mask, offset: h & mask} }

func (p *probe) next() {
	p.index++
	p.offset = (p.offset + p.index) & p.mask
}
