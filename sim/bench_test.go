package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ipamsim/ipamsim/internal/floor"
)

// Benchmarks for the two calendars and the engine. Run with
//
//	go test -run xxx -bench . -benchmem ./sim/
//
// The figures recorded in calendar_btree.go come from these.

var benchSizes = []int{16, 1_000, 100_000}

const offsetMask = 1<<16 - 1

// benchOffsets are pre-drawn random future offsets (uniform in [0, ~1ms)) so
// that random-number generation is not part of the measured work.
var benchOffsets = func() []Time {
	r := rand.New(rand.NewPCG(1, 2))
	o := make([]Time, offsetMask+1)
	for i := range o {
		o[i] = Time(r.Int64N(1 << 20))
	}
	return o
}()

// benchPicks are pre-drawn random indices for choosing a victim to cancel.
var benchPicks = func() []uint32 {
	r := rand.New(rand.NewPCG(3, 4))
	p := make([]uint32, offsetMask+1)
	for i := range p {
		p[i] = r.Uint32()
	}
	return p
}()

// cpuMeter reports "cpu-ns/op" (process CPU time per iteration) alongside
// ns/op. On a shared machine wall-clock ns/op includes time spent waiting for
// a CPU; cpu-ns/op does not. Both calendars are measured the same way.
type cpuMeter struct{ start int64 }

func startCPU() cpuMeter {
	t, _ := processCPUTime()
	return cpuMeter{t}
}

func (m cpuMeter) report(b *testing.B, iters int) {
	t, ok := processCPUTime()
	if ok && iters > 0 {
		b.ReportMetric(float64(t-m.start)/float64(iters), "cpu-ns/op")
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("N=%dk", n/1000)
	default:
		return fmt.Sprintf("N=%d", n)
	}
}

// benchHold is the classic hold model: N pending entries; each op pops the
// earliest and pushes a new one at its time plus a random offset.
func benchHold(b *testing.B, newCal func() calendar) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			c := newCal()
			var seq uint64
			for i := 0; i < n; i++ {
				c.push(calEntry{at: benchOffsets[i&offsetMask], seq: seq, slot: uint32(i)})
				seq++
			}
			b.ReportAllocs()
			i := 0
			cpu := startCPU()
			for b.Loop() {
				e := c.pop()
				c.push(calEntry{at: e.at + benchOffsets[i&offsetMask], seq: seq, slot: e.slot})
				seq++
				i++
			}
			cpu.report(b, i)
			if c.len() != n {
				b.Fatalf("len drifted to %d", c.len())
			}
		})
	}
}

// benchCancel is cancel-heavy: N pending entries; each op removes a random
// pending entry (not usually the earliest) and pushes a replacement, as when
// timers are re-armed far more often than they fire.
func benchCancel(b *testing.B, newCal func() calendar) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			c := newCal()
			live := make([]calEntry, n)
			var seq uint64
			for i := range live {
				live[i] = calEntry{at: benchOffsets[i&offsetMask], seq: seq, slot: uint32(i)}
				c.push(live[i])
				seq++
			}
			b.ReportAllocs()
			i := 0
			cpu := startCPU()
			for b.Loop() {
				s := benchPicks[i&offsetMask] % uint32(n)
				old := live[s]
				c.remove(old)
				live[s] = calEntry{at: old.at + benchOffsets[i&offsetMask], seq: seq, slot: s}
				c.push(live[s])
				seq++
				i++
			}
			cpu.report(b, i)
			if c.len() != n {
				b.Fatalf("len drifted to %d", c.len())
			}
		})
	}
}

func BenchmarkCalendarHeap(b *testing.B) {
	benchHold(b, func() calendar { return newHeapCalendar() })
}

func BenchmarkCalendarBTree(b *testing.B) {
	benchHold(b, func() calendar { return newBTreeCalendar() })
}

func BenchmarkCalendarCancelHeap(b *testing.B) {
	benchCancel(b, func() calendar { return newHeapCalendar() })
}

func BenchmarkCalendarCancelBTree(b *testing.B) {
	benchCancel(b, func() calendar { return newBTreeCalendar() })
}

// BenchmarkEngineEvents measures throughput of the public API: with N events
// pending, each op is one Schedule (via After) and one Step firing a trivial
// handler. Reports events/s. The btree-backed engine is included for
// comparison only.
func BenchmarkEngineEvents(b *testing.B) {
	for _, k := range calendarKinds {
		for _, n := range benchSizes {
			b.Run(k.name+"/"+sizeName(n), func(b *testing.B) {
				e := newEngineWith(k.new())
				h := &nopHandler{}
				for i := 0; i < n; i++ {
					e.After(benchOffsets[i&offsetMask], h, int64(i))
				}
				b.ReportAllocs()
				i := 0
				cpu := startCPU()
				for b.Loop() {
					e.After(benchOffsets[i&offsetMask], h, 0)
					e.Step()
					i++
				}
				cpu.report(b, i)
				b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
				if e.Pending() != n {
					b.Fatalf("pending drifted to %d", e.Pending())
				}
			})
		}
	}
}

// BenchmarkEngineCancel re-arms random pending timers through the public API:
// each op is one Cancel of a random pending event and one After.
func BenchmarkEngineCancel(b *testing.B) {
	for _, k := range calendarKinds {
		for _, n := range benchSizes {
			b.Run(k.name+"/"+sizeName(n), func(b *testing.B) {
				e := newEngineWith(k.new())
				h := &nopHandler{}
				ids := make([]EventID, n)
				for i := range ids {
					ids[i] = e.After(benchOffsets[i&offsetMask], h, int64(i))
				}
				b.ReportAllocs()
				i := 0
				cpu := startCPU()
				for b.Loop() {
					s := benchPicks[i&offsetMask] % uint32(n)
					if !e.Cancel(ids[s]) {
						b.Fatal("cancel of a pending event failed")
					}
					ids[s] = e.After(benchOffsets[i&offsetMask], h, 0)
					i++
				}
				cpu.report(b, i)
			})
		}
	}
}

// BenchmarkEngineFloor is the engine-only floor (internal/floor): the hold
// model on a plain typed 4-ary heap of (time, sequence) pairs, no engine,
// at N pending events; issue 16 measures replay against it at N=1k. Each op
// fires one event. Compare BenchmarkEngineEvents at the same N for what the
// engine's slots, handlers and cancellation cost on top.
func BenchmarkEngineFloor(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			h := floor.NewHold(n)
			b.ReportAllocs()
			i := 0
			cpu := startCPU()
			var sink int64
			for b.Loop() {
				sink += h.Step(i, 1)
				i++
			}
			cpu.report(b, i)
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
			if h.Len() != n || sink == -1 {
				b.Fatalf("pending drifted to %d", h.Len())
			}
		})
	}
}
