package ipam

// podIndex finds a live pod's slot by name: an open-addressed hash table
// (linear probing, at most half full, deletion by backward shift so no
// tombstones build up) whose entries hold a slot and its name's hash. Unlike
// a map[string]int32 it needs no string key of its own, so an ADD by bytes
// allocates nothing once the slot's name storage has grown; the stored hash
// spares a probe the slot's name unless the hashes match, and a removal
// any rehashing.
type podIndex struct {
	table []indexEntry // len is 0 or a power of two
	n     int
}

// indexEntry is a slot+1 (0 for an empty entry) in the low half and the
// 32-bit hash of its name in the high half.
type indexEntry uint64

func (e indexEntry) slot() int32  { return int32(uint32(e)) - 1 }
func (e indexEntry) hash() uint32 { return uint32(e >> 32) }

// hashName is 32-bit FNV-1a: deterministic, and the same for a name as bytes
// or as a string.
func hashName[T ~string | ~[]byte](name T) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return h
}

// findPod returns the slot holding name and true, or false if no live pod
// has it.
func findPod[T ~string | ~[]byte](t *podTable, name T) (int32, bool) {
	i, _, ok := lookupPod(t, name)
	return i, ok
}

// lookupPod is findPod that also returns the entry's position in the table.
func lookupPod[T ~string | ~[]byte](t *podTable, name T) (int32, int, bool) {
	x := &t.index
	if x.n == 0 {
		return 0, 0, false
	}
	h := hashName(name)
	mask := len(x.table) - 1
	for j := int(h) & mask; ; j = (j + 1) & mask {
		e := x.table[j]
		if e == 0 {
			return 0, 0, false
		}
		if e.hash() == h && string(t.pods[e.slot()].nameBuf) == string(name) {
			return e.slot(), j, true
		}
	}
}

// insert indexes slot i under its name (t.pods[i].nameBuf), which no other
// indexed slot has.
func (t *podTable) insert(i int32) {
	x := &t.index
	if 2*(x.n+1) > len(x.table) {
		old := x.table
		x.table = make([]indexEntry, max(16, 2*len(old)))
		for _, e := range old {
			if e != 0 {
				x.place(e)
			}
		}
	}
	x.place(indexEntry(hashName(t.pods[i].nameBuf))<<32 | indexEntry(uint32(i+1)))
	x.n++
}

func (x *podIndex) place(e indexEntry) {
	mask := len(x.table) - 1
	j := int(e.hash()) & mask
	for x.table[j] != 0 {
		j = (j + 1) & mask
	}
	x.table[j] = e
}

// removeAt drops the entry at position j (from lookupPod).
func (x *podIndex) removeAt(j int) {
	mask := len(x.table) - 1
	// Backward shift: move later entries of the probe run into the hole when
	// their home is not between the hole and them.
	for k := (j + 1) & mask; x.table[k] != 0; k = (k + 1) & mask {
		home := int(x.table[k].hash()) & mask
		if (k-home)&mask >= (k-j)&mask {
			x.table[j] = x.table[k]
			j = k
		}
	}
	x.table[j] = 0
	x.n--
}

// reset empties the index.
func (x *podIndex) reset() {
	clear(x.table)
	x.n = 0
}
