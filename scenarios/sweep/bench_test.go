package sweep

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// churnTrace writes a one-node churn trace of n events in memory: pods arrive
// every 100 ms and each lives for 2.4 s, so about 24 pods are live at any time
// and an m5.large's pool stays busy (as the replay benchmark's trace).
func churnTrace(n int) []byte {
	var b bytes.Buffer
	b.WriteString("at,op,pod\n")
	type del struct {
		at  int64
		pod int
	}
	var pending []del
	t, pod := int64(0), 0
	for written := 0; written < n; written++ {
		if len(pending) > 0 && pending[0].at <= t {
			fmt.Fprintf(&b, "%d.%03d,del,p%d\n", pending[0].at/1000, pending[0].at%1000, pending[0].pod)
			pending = pending[1:]
		} else {
			pod++
			fmt.Fprintf(&b, "%d.%03d,add,p%d\n", t/1000, t%1000, pod)
			pending = append(pending, del{t + 2400, pod})
			t += 100
		}
	}
	return b.Bytes()
}

var benchTrace = sync.OnceValue(func() []byte { return churnTrace(100_000) })

// benchSweep is 1,000 points (10 x 10 x 10 settings) over the ~100 k-event
// churn trace with the default EC2 profile.
func benchSweep(b *testing.B, workers int) *Sweep {
	w, err := BytesWorkload("churn.csv", benchTrace())
	if err != nil {
		b.Fatal(err)
	}
	g, err := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..9", "MINIMUM_IP_TARGET=0..27:3", "WARM_ENI_TARGET=0..9"}})
	if err != nil {
		b.Fatal(err)
	}
	if g.Len() != 1000 {
		b.Fatalf("%d points", g.Len())
	}
	return &Sweep{Plan: Plan{Workload: w.Ref, EC2Profile: "default", Seed: 1, Drain: "1m0s", Grid: *g}, Workload: w, Workers: workers}
}

// runBench runs the sweep once and returns its wall-clock time and the CPU
// time the process used meanwhile (user + system, all threads): on a busy
// machine the wall-clock speed-up understates the scaling, while CPU time per
// point shows whether more workers cost more work (contention, GC).
func runBench(b *testing.B, workers int) (wall, cpu time.Duration) {
	sw := benchSweep(b, workers)
	cpu0 := cpuTime()
	start := time.Now()
	d, err := sw.Run()
	if err != nil {
		b.Fatal(err)
	}
	wall, cpu = time.Since(start), cpuTime()-cpu0
	if len(d.Points) != 1000 || d.Points[999].Summary.TraceEvents != 100_000 {
		b.Fatalf("%d points, %d events", len(d.Points), d.Points[999].Summary.TraceEvents)
	}
	return wall, cpu
}

// BenchmarkSweep runs the 1,000-point sweep on 1 and 2 workers and reports
// points/s and trace events/s.
func BenchmarkSweep(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			benchTrace()
			b.ReportAllocs()
			b.ResetTimer()
			var total, cpu time.Duration
			for i := 0; i < b.N; i++ {
				w, c := runBench(b, w)
				total, cpu = total+w, cpu+c
			}
			b.ReportMetric(1000*float64(b.N)/total.Seconds(), "points/s")
			b.ReportMetric(1000*100_000*float64(b.N)/total.Seconds(), "trace-events/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/sweep")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/sweep")
		})
	}
}

// BenchmarkSweepSpeedup runs the sweep on 1 then 2 workers in each iteration
// and reports the best wall-clock time of each and the speed-up (the issue's
// target: under 30 s on 2 workers and at least 1.8x). On a shared machine the
// wall-clock figures depend on what else runs, so it also reports the cores
// the 2-worker sweep actually got (cpu-s/wall-s) and its CPU-time efficiency
// (1-worker CPU time / 2-worker CPU time: 1.0 means a second worker adds no
// work, so the speed-up is bounded only by the cores available).
func BenchmarkSweepSpeedup(b *testing.B) {
	// As `ipamsim sweep` does (cmd/ipamsim: sweepGCPercent).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	benchTrace()
	b.ResetTimer()
	best1, best2 := time.Duration(1<<62), time.Duration(1<<62)
	var cpu1, cpu2, wall2 time.Duration
	for i := 0; i < b.N; i++ {
		w, c := runBench(b, 1)
		best1, cpu1 = min(best1, w), cpu1+c
		w, c = runBench(b, 2)
		best2, cpu2, wall2 = min(best2, w), cpu2+c, wall2+w
	}
	b.ReportMetric(best1.Seconds(), "s/sweep-1-worker")
	b.ReportMetric(best2.Seconds(), "s/sweep-2-workers")
	b.ReportMetric(best1.Seconds()/best2.Seconds(), "speedup")
	b.ReportMetric(1000/best2.Seconds(), "points/s-2-workers")
	b.ReportMetric(cpu2.Seconds()/wall2.Seconds(), "cores-used-2-workers")
	b.ReportMetric(cpu1.Seconds()/cpu2.Seconds(), "cpu-efficiency")
}
