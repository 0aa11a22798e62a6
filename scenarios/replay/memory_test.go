package replay

import (
	"runtime"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// heapAfterReplay replays a generated churn trace of about n events on one
// node and returns the heap in use at the end, after a GC.
func heapAfterReplay(t *testing.T, n int) uint64 {
	cp := scenarios.DefaultChurnParams()
	cp.Rate = 10 // 10 arrivals/s, 2.4 s mean lifetime: ~24 live pods
	cp.MeanLifetime = 2400 * sim.Millisecond
	cp.Duration = sim.Seconds(float64(n) / 20)
	src, err := scenarios.NewChurn(cp, 1)
	if err != nil {
		t.Fatal(err)
	}
	eng := sim.NewEngine()
	node := newNode(t, eng, "default", nil)
	res, err := Run(eng, node, src, Options{Drain: sim.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.TraceEvents < uint64(n)*9/10 {
		t.Fatalf("replayed %d events, want about %d", res.TraceEvents, n)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestReplayConstantMemory: replaying ten times more events must not need
// more memory (the trace streams; the model holds live pods only).
func TestReplayConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 2 M events")
	}
	small := heapAfterReplay(t, 200_000)
	large := heapAfterReplay(t, 2_000_000)
	t.Logf("heap in use after 200 k events: %d KiB, after 2 M: %d KiB", small>>10, large>>10)
	if large > small+4<<20 {
		t.Fatalf("heap grew from %d KiB to %d KiB with trace length", small>>10, large>>10)
	}
}
