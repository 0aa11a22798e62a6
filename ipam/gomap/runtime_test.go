package gomap

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// This file checks the emulation slot by slot against real Go maps: it reads
// a real map[string]int's internal layout (control bytes, keys, growthLeft)
// through unsafe, and feeds the emulation the runtime's own string hash under
// the real map's seed. With the same hashes, the layouts must be identical
// after every operation, and every real walk must be the emulated walk from
// one of the possible offsets. The mirrored structs are those of
// internal/runtime/maps in Go 1.26 (map.go Map, table.go table, group.go).

//go:linkname strhash runtime.strhash
func strhash(p unsafe.Pointer, h uintptr) uintptr

// rtMap mirrors internal/runtime/maps.Map.
type rtMap struct {
	used              uint64
	seed              uintptr
	dirPtr            unsafe.Pointer
	dirLen            int
	globalDepth       uint8
	globalShift       uint8
	writing           uint8
	tombstonePossible bool
	clearSeq          uint64
}

// rtTable mirrors internal/runtime/maps.table.
type rtTable struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int
	groupsData unsafe.Pointer
	lengthMask uint64
}

// A map[string]int group: an 8-byte control word, then 8 slots of a 16-byte
// string key and an 8-byte int.
const (
	rtSlotSize  = 24
	rtGroupSize = 8 + groupSlots*rtSlotSize
)

// rtLayout is what a real map holds, in the emulation's terms.
type rtLayout struct {
	isTable    bool
	growthLeft int
	ctrl       []ctrl
	h2         []uint8 // the control byte of a full slot: the hash's low 7 bits
	keys       []string
	seed       uint64
	used       int
}

func header(m map[string]int) *rtMap {
	return *(**rtMap)(unsafe.Pointer(&m))
}

func readGroup(g unsafe.Pointer, l *rtLayout) {
	for i := range groupSlots {
		b := *(*uint8)(unsafe.Add(g, i))
		switch {
		case b == 0x80:
			l.ctrl = append(l.ctrl, ctrlEmpty)
			l.keys = append(l.keys, "")
		case b == 0xFE:
			l.ctrl = append(l.ctrl, ctrlDeleted)
			l.keys = append(l.keys, "")
		case b < 0x80:
			l.ctrl = append(l.ctrl, ctrlFull)
			l.keys = append(l.keys, *(*string)(unsafe.Add(g, 8+i*rtSlotSize)))
		default:
			panic(fmt.Sprintf("control byte %#x", b))
		}
		l.h2 = append(l.h2, b&0x7f)
	}
}

func realLayout(m map[string]int) rtLayout {
	h := header(m)
	l := rtLayout{seed: uint64(h.seed), used: int(h.used)}
	if h.dirLen == 0 {
		if h.dirPtr == nil { // no group allocated yet
			for range groupSlots {
				l.ctrl = append(l.ctrl, ctrlEmpty)
				l.keys = append(l.keys, "")
				l.h2 = append(l.h2, 0)
			}
			return l
		}
		readGroup(h.dirPtr, &l)
		return l
	}
	if h.dirLen != 1 {
		panic("real map has a directory of more than one table")
	}
	t := *(**rtTable)(h.dirPtr)
	l.isTable = true
	l.growthLeft = int(t.growthLeft)
	for g := range t.lengthMask + 1 {
		readGroup(unsafe.Add(t.groupsData, uintptr(g)*rtGroupSize), &l)
	}
	if int(t.capacity) != len(l.ctrl) {
		panic("table capacity disagrees with its groups")
	}
	return l
}

// twin is a real map and its emulation driven by the same operations.
type twin struct {
	t    *testing.T
	real map[string]int
	emu  *Map[string, int]
}

func newTwin(t *testing.T, hint int) *twin {
	tw := &twin{t: t, real: make(map[string]int, hint)}
	tw.emu = NewWithHint[string, int](rand.New(rand.NewPCG(1, 2)), StringBits, hint)
	real := header(tw.real)
	tw.emu.hashOverride = func(k string) uint64 {
		return uint64(strhash(unsafe.Pointer(&k), real.seed))
	}
	return tw
}

// The emulation goes first: a delete that empties the real map re-seeds it,
// and the emulation must hash the deleted key with the seed it was stored under.
func (tw *twin) set(k string, v int) { tw.emu.Set(k, v); tw.real[k] = v }
func (tw *twin) del(k string)        { tw.emu.Delete(k); delete(tw.real, k) }

// check compares the layouts and returns the real one.
func (tw *twin) check(step string) rtLayout {
	tw.t.Helper()
	r := realLayout(tw.real)
	e := tw.emu
	if r.used != len(tw.real) {
		tw.t.Fatalf("%s: mirrored Map.used = %d, len = %d: runtime layout changed?", step, r.used, len(tw.real))
	}
	if r.isTable != e.isTable || len(r.ctrl) != len(e.cur.ctrl) || r.used != e.used {
		tw.t.Fatalf("%s: real table=%v cap=%d used=%d, emulated table=%v cap=%d used=%d",
			step, r.isTable, len(r.ctrl), r.used, e.isTable, len(e.cur.ctrl), e.used)
	}
	if r.isTable && r.growthLeft != e.growthLeft {
		tw.t.Fatalf("%s: growthLeft real %d, emulated %d", step, r.growthLeft, e.growthLeft)
	}
	for i := range r.ctrl {
		if r.ctrl[i] != e.cur.ctrl[i] || r.keys[i] != e.cur.slots[i].key {
			tw.t.Fatalf("%s: slot %d real (%d,%q), emulated (%d,%q)\nreal %v\nemu  %v",
				step, i, r.ctrl[i], r.keys[i], e.cur.ctrl[i], e.cur.slots[i].key, r.keys, keysOf(e))
		}
		if r.ctrl[i] == ctrlFull && r.h2[i] != uint8(e.cur.slots[i].hash&0x7f) {
			tw.t.Fatalf("%s: slot %d H2 real %#x, emulated hash %#x: not the runtime's hash", step, i, r.h2[i], e.cur.slots[i].hash)
		}
	}
	for k, v := range tw.real {
		if got, ok := e.Get(k); !ok || got != v {
			tw.t.Fatalf("%s: Get(%q) = %d, %v; real %d", step, k, got, ok, v)
		}
	}
	if e.Len() != len(tw.real) {
		tw.t.Fatalf("%s: Len %d, real %d", step, e.Len(), len(tw.real))
	}
	return r
}

func keysOf(m *Map[string, int]) []string {
	out := make([]string, len(m.cur.slots))
	for i, s := range m.cur.slots {
		out[i] = s.key
	}
	return out
}

// walkAt is the emulated walk from a given entry offset.
func walkAt(m *Map[string, int], offset uint64) []string {
	var out []string
	if m.used == 0 {
		return out
	}
	it := Iter[string, int]{m: m, gen: m.gen, offset: offset, small: !m.isTable}
	for {
		k, _, ok := it.Next()
		if !ok {
			return out
		}
		out = append(out, k)
	}
}

// checkWalk walks the real map and asserts that the order is the emulated
// walk from some offset; it returns that offset.
func (tw *twin) checkWalk(step string) int {
	tw.t.Helper()
	var got []string
	for k := range tw.real {
		got = append(got, k)
	}
	c := tw.emu.cur.ctrl
	for o := range len(c) {
		if len(got) > 0 && firstFrom(tw.emu, o) != got[0] {
			continue // cheap filter before building the whole walk
		}
		if strings.Join(walkAt(tw.emu, uint64(o)), ",") == strings.Join(got, ",") {
			return o
		}
	}
	tw.t.Fatalf("%s: real walk %v is no emulated walk (slots %v)", step, got, keysOf(tw.emu))
	return -1
}

// firstFrom is the key in the first full slot at or after slot o, cyclically.
func firstFrom(m *Map[string, int], o int) string {
	c := m.cur.ctrl
	for i := range len(c) {
		if j := (o + i) % len(c); c[j] == ctrlFull {
			return m.cur.slots[j].key
		}
	}
	return ""
}

func requireGo126(t *testing.T) {
	if !strings.HasPrefix(runtime.Version(), "go1.26") {
		t.Skipf("the runtime's map layout is mirrored for Go 1.26, not %s", runtime.Version())
	}
}

func key(i int) string { return fmt.Sprintf("eni-%017x", 0x0a1b2c3d00+i) }

// TestLayoutGrowth inserts up to 63 keys (the most CIDRs an ENI can hold)
// from each hint upstream uses, checking layout and walk after every insert,
// including updates of present keys (which turn a full small map into a table).
func TestLayoutGrowth(t *testing.T) {
	requireGo126(t)
	for _, hint := range []int{0, 3, 8, 9, 14, 15, 49} {
		for rep := range 20 {
			tw := newTwin(t, hint)
			for i := range 63 {
				tw.set(key(i), i)
				step := fmt.Sprintf("hint %d rep %d insert %d", hint, rep, i)
				tw.check(step)
				tw.checkWalk(step)
				if i == 7 && rep%2 == 0 {
					tw.set(key(3), 33) // update in a full small map
					tw.check(step + " update")
				}
			}
		}
	}
}

// TestLayoutOneTableLimit grows one map to MaxEntries, the most a single
// table holds, checking the layout along the way and after deleting half.
func TestLayoutOneTableLimit(t *testing.T) {
	requireGo126(t)
	tw := newTwin(t, 0)
	for i := range MaxEntries {
		tw.set(key(i), i)
		if i%61 == 0 || i == MaxEntries-1 {
			tw.check(fmt.Sprintf("insert %d", i))
		}
	}
	for i := 0; i < MaxEntries; i += 2 {
		tw.del(key(i))
	}
	tw.check("after deleting half")
	tw.checkWalk("after deleting half")
}

// TestLayoutChurn runs random insert/delete histories (ipamd's: ENIs, CIDRs
// and addresses come and go) at several sizes, long enough to fill tables
// with tombstones, prune them and grow, and empties maps to force re-seeding.
func TestLayoutChurn(t *testing.T) {
	requireGo126(t)
	prunes, tombstones, reseeds := 0, 0, 0
	rng := rand.New(rand.NewPCG(11, 12))
	for _, size := range []int{2, 3, 8, 9, 16, 30, 49, 56, 63} {
		for rep := range 12 {
			tw := newTwin(t, []int{0, 0, size}[rep%3])
			var live []string
			next := 0
			for step := range 400 {
				before := realLayout(tw.real)
				emuSeed := tw.emu.seed
				grow := len(live) < size && (len(live) == 0 || rng.IntN(2) == 0)
				if grow {
					k := key(next)
					next++
					if rng.IntN(4) == 0 && next > len(live)+1 {
						k = key(rng.IntN(next - 1)) // maybe an old key
					}
					tw.set(k, step)
					if !contains(live, k) {
						live = append(live, k)
					}
				} else {
					j := rng.IntN(len(live))
					tw.del(live[j])
					live = append(live[:j], live[j+1:]...)
					if len(live) == 0 {
						reseeds++
					}
				}
				name := fmt.Sprintf("size %d rep %d step %d", size, rep, step)
				after := tw.check(name)
				if (after.seed != before.seed) != (tw.emu.seed != emuSeed) {
					t.Fatalf("%s: real seed changed %v, emulated seed changed %v", name, after.seed != before.seed, tw.emu.seed != emuSeed)
				}
				if step%7 == 0 {
					tw.checkWalk(name)
				}
				if before.isTable && after.isTable && before.growthLeft == 0 && grow &&
					len(before.ctrl) == len(after.ctrl) && after.growthLeft > 0 {
					prunes++
				}
				for _, c := range after.ctrl {
					if c == ctrlDeleted {
						tombstones++
					}
				}
			}
		}
	}
	t.Logf("tombstone-slot observations %d, prunes %d, re-seeds %d", tombstones, prunes, reseeds)
	if prunes == 0 || tombstones == 0 || reseeds == 0 {
		t.Fatalf("churn did not exercise tombstones (%d), pruning (%d) and re-seeding (%d)", tombstones, prunes, reseeds)
	}
}

// TestWalkWithDeletes is getUnusedIP's pattern: delete entries while walking.
func TestWalkWithDeletes(t *testing.T) {
	requireGo126(t)
	for _, n := range []int{5, 8, 12, 16, 40} {
		for rep := range 50 {
			tw := newTwin(t, 0)
			for i := range n {
				tw.set(key(i), i)
			}
			// A copy of the emulation, to find the real walk's offset.
			seed := header(tw.real).seed
			cp := New[string, int](rand.New(rand.NewPCG(3, 4)), StringBits)
			cp.hashOverride = func(k string) uint64 { return uint64(strhash(unsafe.Pointer(&k), seed)) }
			for i := range n {
				cp.Set(key(i), i)
			}
			var got []string
			i := 0
			for k := range tw.real {
				got = append(got, k)
				if i%2 == 0 {
					delete(tw.real, k)
				}
				i++
			}
			offset := -1
			for o := range len(cp.cur.ctrl) {
				if strings.Join(walkAt(cp, uint64(o)), ",") == strings.Join(got, ",") {
					offset = o
					break
				}
			}
			if offset < 0 {
				t.Fatalf("n %d: real walk %v is no emulated walk", n, got)
			}
			want := walkDeleting(tw.emu, uint64(offset))
			if strings.Join(want, ",") != strings.Join(got, ",") {
				t.Fatalf("n %d: real walk with deletes %v, emulated %v", n, got, want)
			}
			tw.check(fmt.Sprintf("n %d rep %d", n, rep))
		}
	}
}

func walkDeleting(m *Map[string, int], offset uint64) []string {
	it := Iter[string, int]{m: m, gen: m.gen, offset: offset, small: !m.isTable}
	var out []string
	for i := 0; ; i++ {
		k, _, ok := it.Next()
		if !ok {
			return out
		}
		out = append(out, k)
		if i%2 == 0 {
			m.Delete(k)
		}
	}
}

func contains(s []string, k string) bool {
	for _, x := range s {
		if x == k {
			return true
		}
	}
	return false
}

// wouldGrow reports whether inserting a new key could grow the map (a walk
// then follows Go's grown-table path, which is not modelled).
func wouldGrow(m *Map[string, int]) bool {
	if !m.isTable {
		return m.used == groupSlots
	}
	return m.growthLeft == 0
}

// TestWalkWithInserts inserts keys while walking (upstream never does; Go's
// semantics are still reproduced when the map does not grow): the real walk
// must be the emulated walk, with the same inserts, from some offset.
func TestWalkWithInserts(t *testing.T) {
	requireGo126(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{2, 5, 7, 9, 13, 20, 40} {
		for rep := range 40 {
			// n keys, then every third deleted: holes for inserts to fill.
			tw := newTwin(t, 0)
			build := func(set func(string, int), del func(string)) {
				for i := range n {
					set(key(i), i)
				}
				for i := 0; i < n; i += 3 {
					if i < n-1 { // keep the map non-empty
						del(key(i))
					}
				}
			}
			build(tw.set, tw.del)
			seed := header(tw.real).seed
			replica := func() *Map[string, int] {
				cp := New[string, int](rand.New(rand.NewPCG(3, 4)), StringBits)
				cp.hashOverride = func(k string) uint64 { return uint64(strhash(unsafe.Pointer(&k), seed)) }
				build(cp.Set, cp.Delete)
				return cp
			}
			// Walk the real map, inserting a new key after about half the steps.
			insertAt := map[int]bool{}
			for s := range n {
				insertAt[s] = rng.IntN(2) == 0
			}
			var got []string
			var inserted []string
			probe := replica() // tracks growth risk
			step, next := 0, n
			for k := range tw.real {
				got = append(got, k)
				if insertAt[step] && !wouldGrow(probe) {
					nk := key(next)
					next++
					probe.Set(nk, 0)
					tw.real[nk] = 0
					inserted = append(inserted, fmt.Sprintf("%d:%s", step, nk))
				}
				step++
			}
			matched := false
			for o := range len(probe.cur.ctrl) {
				cp := replica()
				it := Iter[string, int]{m: cp, gen: cp.gen, offset: uint64(o), small: !cp.isTable}
				var want []string
				ins := 0
				for s := 0; ; s++ {
					k, _, ok := it.Next()
					if !ok {
						break
					}
					want = append(want, k)
					if ins < len(inserted) && strings.HasPrefix(inserted[ins], fmt.Sprintf("%d:", s)) {
						cp.Set(inserted[ins][strings.Index(inserted[ins], ":")+1:], 0)
						ins++
					}
				}
				if strings.Join(want, ",") == strings.Join(got, ",") {
					matched = true
					break
				}
			}
			if !matched {
				t.Fatalf("n %d rep %d: real walk with inserts %v (%v) is no emulated walk", n, rep, got, inserted)
			}
		}
	}
}

// FuzzHistory drives a real map and the emulation with an arbitrary history
// of inserts, updates and deletes (one byte each: the top bit deletes, the
// rest names one of 64 keys), checking the layouts after every step.
func FuzzHistory(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0x80, 3})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 3, 8})
	seq := make([]byte, 0, 200)
	for i := range 60 {
		seq = append(seq, byte(i))
	}
	for i := range 60 {
		seq = append(seq, byte(0x80|i*7%60), byte(60+i%4))
	}
	f.Add(seq)
	f.Fuzz(func(t *testing.T, ops []byte) {
		requireGo126(t)
		tw := newTwin(t, 0)
		for i, b := range ops {
			k := key(int(b & 0x3f))
			if b&0x80 != 0 {
				tw.del(k)
			} else {
				tw.set(k, i)
			}
			tw.check(fmt.Sprintf("op %d (%#x)", i, b))
		}
		if len(tw.real) > 0 {
			tw.checkWalk("end")
		}
	})
}
