package replay

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/internal/floor"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// churnCSV writes a one-node churn trace of n events: pods arrive every 100 ms
// and each lives for 2.4 s, so about 24 pods are live at any time and the pool
// of an m5.large stays busy.
func churnCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("at,op,pod\n")
	type del struct {
		at  int64
		pod int
	}
	var pending []del
	t, pod := int64(0), 0
	for written := 0; written < n; {
		if len(pending) > 0 && pending[0].at <= t {
			fmt.Fprintf(&b, "%d.%03d,del,p%d\n", pending[0].at/1000, pending[0].at%1000, pending[0].pod)
			pending = pending[1:]
		} else {
			pod++
			fmt.Fprintf(&b, "%d.%03d,add,p%d\n", t/1000, t%1000, pod)
			pending = append(pending, del{t + 2400, pod})
			t += 100
		}
		written++
	}
	return b.Bytes()
}

func newNode(b testing.TB, eng *sim.Engine, profile string, events func(ipam.Event)) *ipam.Node {
	inst, err := catalog.Lookup("m5.large")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := ec2.ProfileByName(profile)
	n, _, err := ipam.NewNode(eng, ipam.Config{Name: "n", Instance: inst, Settings: ipam.DefaultSettings(), Profile: p, Seed: 1, Events: events})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkReplayChurn measures end-to-end replay of a one-node churn trace,
// CSV parsing included, and reports trace-events/s, allocs/trace-event (heap
// allocations over the whole replay, per trace event: issue 16's target is 0
// in steady state), floor-events/s (the engine-only floor of internal/floor:
// the hold model on a typed 4-ary heap at 1 k pending events, measured in
// the same run, before and after) and ratio-to-floor, trace-events/s over
// floor-events/s (issue 16's target: 0.4).
func BenchmarkReplayChurn(b *testing.B) {
	const n = 1_000_000
	data := churnCSV(n)
	b.SetBytes(int64(len(data)))
	floorRate := floor.Rate(1000, 200*time.Millisecond)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eng := sim.NewEngine()
		node := newNode(b, eng, "default", nil)
		res, err := Run(eng, node, scenarios.NewCSVReader(bytes.NewReader(data), "bench"), Options{Drain: sim.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if res.TraceEvents != n {
			b.Fatalf("replayed %d events, want %d", res.TraceEvents, n)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	floorRate = (floorRate + floor.Rate(1000, 200*time.Millisecond)) / 2
	rate := float64(n) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "trace-events/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/(float64(n)*float64(b.N)), "allocs/trace-event")
	b.ReportMetric(floorRate, "floor-events/s")
	b.ReportMetric(rate/floorRate, "ratio-to-floor")
}

// BenchmarkReplayChurnTimeline is the same with the timeline written.
func BenchmarkReplayChurnTimeline(b *testing.B) {
	const n = 1_000_000
	data := churnCSV(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eng := sim.NewEngine()
		log := &NodeLog{}
		node := newNode(b, eng, "default", log.Add)
		log.Init(node)
		if _, err := Run(eng, node, scenarios.NewCSVReader(bytes.NewReader(data), "bench"), Options{Drain: sim.Minute, Timeline: io.Discard, Log: log}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trace-events/s")
}
