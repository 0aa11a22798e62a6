// Package gomap emulates, exactly and with seeded randomness, the layout and
// iteration order of a Go 1.26 built-in map (a Swiss table,
// internal/runtime/maps), so that the simulator can walk its ENIs, CIDRs and
// addresses in the order real ipamd's map walks would (docs/go-map-order.md).
//
// What is modelled, following internal/runtime/maps (map.go, table.go,
// group.go, runtime_faststr.go):
//
//   - Small maps: up to 8 entries live in one group of 8 slots. An insert takes
//     the lowest empty slot, a delete empties its slot (small maps have no
//     tombstones), and a walk starts at a uniformly random one of the 8 slots
//     and wraps, skipping empty slots.
//   - The switch to a table on the 9th insert (or on any assignment to a full
//     small map, even of a key already present, as Go does): a 16-slot table
//     is filled from the group's slots in slot order.
//   - Tables: groups of 8 slots with control bytes (empty, deleted, full), the
//     H1/H2 split of the hash (H1 = hash>>7 picks the first group), the
//     triangular probe sequence, insertion into the first empty-or-deleted
//     slot of the first group whose first such slot is empty (reusing the
//     first tombstone met on the way), deletes that leave a tombstone only in
//     a full group, the 7/8 load factor (growthLeft), tombstone pruning when
//     growthLeft reaches 0, and growth to double capacity by re-inserting
//     entries in old slot order.
//   - make(map, hint): a hint above 8 starts a table of capacity
//     alignUpPow2(hint*8/7).
//   - Walks exactly as table.go's Iter.Next: a random entry offset, slots
//     visited cyclically from it, including its skip-ahead over empty slots,
//     so deletes (and inserts that do not grow the table) during a walk behave
//     as in Go.
//   - The per-map hash seed: drawn when the map is created or reset, and drawn
//     again when a delete empties the map (Go re-seeds then).
//
// What is not modelled, and why it cannot matter for ipamd: the table
// directory and table splits (a single table holds up to 896 entries before
// Go splits it; ipamd's maps hold at most 15 ENIs, 63 CIDRs per ENI and 16
// addresses per /28, so the directory always has exactly one table and the
// directory offset Go draws per walk has no effect, so it is not drawn), and
// growth of the table a walk is iterating over (upstream never inserts into
// a map it is walking; Next panics if that happens).
//
// Hashing. Keys are reduced to 64 bits by a caller-supplied function that must
// be injective on the keys a map holds at once, then mixed with the map's seed
// by a keyed 64-bit mixer. This is not Go's aeshash, and it need not be: the
// layout depends on the hashes only through H1's low bits, which pick the
// first group of each probe sequence (at most 4 bits for the 128-slot tables
// ipamd can reach); growth and pruning depend only on counts and on which
// groups are full, so on the same bits. H2 only filters key comparisons and
// never changes where a key lands. For a freshly seeded map
// aeshash gives distinct keys independent, uniformly distributed low H1 bits,
// and so does the mixer here; the distribution of layouts, and so of walk
// orders, is therefore the same. The tests check this against real Go maps,
// slot by slot with the runtime's own hash and statistically with ours.
//
// Randomness. Every draw comes from the *rand.Rand given to New: one Uint64
// for the seed at creation and at each Reset, one per walk of a non-empty map
// (the entry offset), and one when a delete empties the map. There is no
// global randomness and no Go map inside. Set, Delete, Get and walks do not
// allocate once the map has reached its size; only growth does (and Reset
// reuses the tables it has already allocated).
package gomap
