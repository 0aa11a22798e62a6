// Package sim is the deterministic discrete-event engine underneath ipamsim.
//
// It knows nothing about IPAM. It provides:
//
//   - Time, a virtual instant measured in nanoseconds from the start of a
//     run, with Duration-like constants and formatting;
//   - Engine, a single-threaded event calendar: callers Schedule a Handler
//     to fire at a virtual time, may Cancel it by EventID, and advance the
//     clock with Step, RunUntil or Run;
//   - NewRand and Jitter, deterministic per-component random streams
//     derived from a single run seed.
//
// # Determinism
//
// Nothing in this package reads the wall clock or uses global randomness.
// Events fire in (time, sequence number) order, where the sequence number is
// assigned when the event is scheduled. Events scheduled for the same instant
// therefore fire in the order they were scheduled (FIFO), and an event that a
// handler schedules for the current instant fires after every same-instant
// event that was already queued. Given the same seed and the same sequence of
// calls, a run is reproducible bit for bit.
//
// # Performance
//
// Long-lived objects implement Handler directly (a pointer receiver stored in
// an interface does not allocate), so the hot path — Schedule, After, Step and
// Cancel — performs no allocations once the engine's internal slab and
// calendar have grown to the steady-state number of pending events.
// HandlerFunc is a convenience adapter whose closure allocates at creation.
//
// Pending events live in a slab of slots recycled through a free list; an
// EventID encodes a slot index and that slot's generation, so cancelling a
// stale ID after its slot has been reused is detected and returns false.
// The calendar is a typed, index-tracked binary heap (O(log n) push, pop and
// cancel). A github.com/google/btree based calendar with the same internal
// interface is kept for comparison; see calendar_btree.go for the benchmark
// figures that decided between them.
//
// An Engine is not safe for concurrent use; a simulation run owns one engine
// and drives it from one goroutine.
package sim
