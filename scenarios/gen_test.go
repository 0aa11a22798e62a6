package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// genEv is a copied generated event.
type genEv struct {
	at        sim.Time
	op        Op
	pod, node string
}

// genDrain reads r to the end, copying every event, and checks the trace
// invariants every generator guarantees: non-decreasing times, generated
// line numbers, adds of pods not live, deletes of live pods on the node they
// were added on.
func genDrain(t testing.TB, r Reader) []genEv {
	t.Helper()
	var out []genEv
	live := map[string]string{}
	prev := sim.Time(0)
	started := false // an add or del has been seen
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("event %d: %v", len(out)+1, err)
		}
		if ev.At < prev {
			t.Fatalf("event %d: time %v before previous %v", len(out)+1, ev.At, prev)
		}
		if ev.Line != 0 {
			t.Fatalf("event %d: Line = %d, want 0 for generated events", len(out)+1, ev.Line)
		}
		prev = ev.At
		g := genEv{ev.At, ev.Op, string(ev.Pod), string(ev.Node)}
		switch ev.Op {
		case OpAdd, OpRunning:
			if _, ok := live[g.pod]; ok {
				t.Fatalf("event %d: add of live pod %s", len(out)+1, g.pod)
			}
			live[g.pod] = g.node
			if ev.Op == OpAdd {
				started = true
			} else if started || ev.At != 0 {
				t.Fatalf("event %d: running pod %s at %v after an add or del", len(out)+1, g.pod, ev.At)
			}
		case OpDel:
			node, ok := live[g.pod]
			if !ok {
				t.Fatalf("event %d: del of pod %s that is not live", len(out)+1, g.pod)
			}
			if node != g.node {
				t.Fatalf("event %d: del of %s on node %q, added on %q", len(out)+1, g.pod, g.node, node)
			}
			delete(live, g.pod)
			started = true
		default:
			t.Fatalf("event %d: bad op %v", len(out)+1, ev.Op)
		}
		out = append(out, g)
	}
	// EOF is sticky.
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after EOF: %v, want io.EOF", err)
	}
	return out
}

// genBytes renders a generator's whole output through the CSV writer.
func genBytes(t testing.TB, r Reader, withNode bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, withNode)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func genMust[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// genAll builds one generator of every kind from seed, with small
// parameters, for the cross-kind tests.
func genAll(t testing.TB, seed uint64) map[string]func() Reader {
	churn := DefaultChurnParams()
	churn.Rate, churn.Duration, churn.StartPods, churn.MeanLifetime = 20, 2*sim.Minute, 50, 30*sim.Second
	churn.LifetimeDist = LifetimeLognormal
	deploy := DefaultDeployParams()
	deploy.DeleteRate = 7
	cron := DefaultCronJobParams()
	cron.RunLength, cron.PodsPerRun = 90*sim.Second, 3
	diurnal := DefaultDiurnalParams()
	diurnal.Period, diurnal.Duration = sim.Hour, 90*sim.Minute
	cl2 := DefaultCL2Params()
	cl2.Nodes = 3
	return map[string]func() Reader{
		KindChurn:   func() Reader { return genMust[*Churn](t)(NewChurn(churn, seed)) },
		KindDeploy:  func() Reader { return genMust[*Deploy](t)(NewDeploy(deploy, seed)) },
		KindRolling: func() Reader { return genMust[*Rolling](t)(NewRolling(DefaultRollingParams(), seed)) },
		KindCronJob: func() Reader { return genMust[*CronJob](t)(NewCronJob(cron, seed)) },
		KindDiurnal: func() Reader { return genMust[*Diurnal](t)(NewDiurnal(diurnal, seed)) },
		KindCL2:     func() Reader { return genMust[*CL2](t)(NewCL2(cl2, seed)) },
	}
}

func TestGenDeterminism(t *testing.T) {
	for _, kind := range GenKinds {
		t.Run(kind, func(t *testing.T) {
			withNode := kind == KindCL2
			a := genBytes(t, genAll(t, 7)[kind](), withNode)
			b := genBytes(t, genAll(t, 7)[kind](), withNode)
			if !bytes.Equal(a, b) {
				t.Fatalf("same seed gave different output")
			}
			if n := bytes.Count(a, []byte("\n")); n < 10 {
				t.Fatalf("only %d lines:\n%s", n, a)
			}
			genDrain(t, genAll(t, 7)[kind]())
			c := genBytes(t, genAll(t, 8)[kind](), withNode)
			random := kind == KindChurn || kind == KindCL2
			if random && bytes.Equal(a, c) {
				t.Fatalf("seeds 7 and 8 gave the same output")
			}
			if !random && !bytes.Equal(a, c) {
				t.Fatalf("deterministic generator depends on the seed")
			}
		})
	}
}

func TestGenValidate(t *testing.T) {
	churn := DefaultChurnParams
	deploy := DefaultDeployParams
	rolling := DefaultRollingParams
	cron := DefaultCronJobParams
	diurnal := DefaultDiurnalParams
	cl2 := DefaultCL2Params
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"churn rate", func() error { p := churn(); p.Rate = -1; return p.Validate() }(), "--rate must be > 0, got -1"},
		{"churn rate NaN", func() error { p := churn(); p.Rate = genNaN(); return p.Validate() }(), "--rate must be a finite number"},
		{"churn dist", func() error { p := churn(); p.LifetimeDist = "pareto"; return p.Validate() }(), `--lifetime-dist must be exponential, lognormal or fixed, got "pareto"`},
		{"churn sigma", func() error {
			p := churn()
			p.LifetimeDist, p.LifetimeSigma = LifetimeLognormal, 0
			return p.Validate()
		}(), "--lifetime-sigma must be > 0"},
		{"churn lifetime", func() error { p := churn(); p.MeanLifetime = 0; return p.Validate() }(), "--mean-lifetime must be > 0, got 0s"},
		{"churn duration", func() error { p := churn(); p.Duration = -5 * sim.Second; return p.Validate() }(), "--duration must be > 0, got -5s"},
		{"churn start", func() error { p := churn(); p.StartPods = -1; return p.Validate() }(), "--start-pods must be >= 0, got -1"},
		{"churn prefix", func() error { p := churn(); p.Prefix = "a,b"; return p.Validate() }(), "--prefix must not contain"},
		{"deploy replicas", func() error { p := deploy(); p.Replicas = 0; return p.Validate() }(), "--replicas must be > 0, got 0"},
		{"deploy create", func() error { p := deploy(); p.CreateRate = -2; return p.Validate() }(), "--create-rate must be >= 0, got -2"},
		{"deploy start", func() error { p := deploy(); p.Start = -1; return p.Validate() }(), "--start must be >= 0"},
		{"deploy hold", func() error { p := deploy(); p.Hold = -sim.Second; return p.Validate() }(), "--hold must be >= 0, got -1s"},
		{"deploy down", func() error { p := deploy(); p.ScaleDownTo = 31; return p.Validate() }(), "--scale-down-to must be between 0 and --replicas (30), got 31"},
		{"deploy delete", func() error { p := deploy(); p.DeleteRate = -1; return p.Validate() }(), "--delete-rate must be >= 0"},
		{"rolling replicas", func() error { p := rolling(); p.Replicas = -3; return p.Validate() }(), "--replicas must be > 0, got -3"},
		{"rolling both zero", func() error {
			p := rolling()
			p.MaxSurge, p.MaxUnavailable = IntOrPercent{0, true}, IntOrPercent{0, false}
			return p.Validate()
		}(), "--max-surge and --max-unavailable must not both be 0"},
		{"rolling unavailable", func() error { p := rolling(); p.MaxUnavailable = IntOrPercent{101, true}; return p.Validate() }(), "--max-unavailable must be at most 100%, got 101%"},
		{"rolling surge", func() error { p := rolling(); p.MaxSurge = IntOrPercent{-1, false}; return p.Validate() }(), "--max-surge must be >= 0, got -1"},
		{"rolling pod-start", func() error { p := rolling(); p.PodStart = -1; return p.Validate() }(), "--pod-start must be >= 0"},
		{"cron period", func() error { p := cron(); p.Period = 0; return p.Validate() }(), "--period must be > 0, got 0s"},
		{"cron pods", func() error { p := cron(); p.PodsPerRun = 0; return p.Validate() }(), "--pods-per-run must be > 0, got 0"},
		{"cron run", func() error { p := cron(); p.RunLength = 0; return p.Validate() }(), "--run-length must be > 0"},
		{"cron policy", func() error { p := cron(); p.Policy = "forbid"; return p.Validate() }(), `--concurrency-policy must be Allow, Forbid or Replace, got "forbid"`},
		{"cron duration", func() error { p := cron(); p.Duration = 0; return p.Validate() }(), "--duration must be > 0"},
		{"diurnal min", func() error { p := diurnal(); p.MinPods = -1; return p.Validate() }(), "--min-pods must be >= 0, got -1"},
		{"diurnal max", func() error { p := diurnal(); p.MaxPods = 5; return p.Validate() }(), "--max-pods must be >= --min-pods (10), got 5"},
		{"diurnal period", func() error { p := diurnal(); p.Period = 0; return p.Validate() }(), "--period must be > 0"},
		{"diurnal step", func() error { p := diurnal(); p.Step = 0; return p.Validate() }(), "--step must be > 0"},
		{"cl2 nodes", func() error { p := cl2(); p.Nodes = 0; return p.Validate() }(), "--nodes must be > 0, got 0"},
		{"cl2 ppn", func() error { p := cl2(); p.PodsPerNode = 0; return p.Validate() }(), "--pods-per-node must be > 0"},
		{"cl2 rate", func() error { p := cl2(); p.CreateRate = 0; return p.Validate() }(), "--create-rate must be > 0, got 0"},
		{"cl2 size", func() error { p := cl2(); p.WorkloadSize = 0; return p.Validate() }(), "--workload-size must be > 0"},
		{"cl2 settle", func() error { p := cl2(); p.Settle = -1; return p.Validate() }(), "--settle must be >= 0"},
		{"cl2 huge", func() error { p := cl2(); p.Nodes = 1 << 24; return p.Validate() }(), "--nodes * --pods-per-node must be at most"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
	// The constructors refuse what Validate refuses, and the defaults are valid.
	if _, err := NewChurn(ChurnParams{}, 1); err == nil {
		t.Error("NewChurn accepted zero params")
	}
	if _, err := NewCL2(CL2Params{}, 1); err == nil {
		t.Error("NewCL2 accepted zero params")
	}
	for _, err := range []error{churn().Validate(), deploy().Validate(), rolling().Validate(),
		cron().Validate(), diurnal().Validate(), cl2().Validate()} {
		if err != nil {
			t.Errorf("defaults invalid: %v", err)
		}
	}
}

func genNaN() float64 { var z float64; return z / z }

func TestGenMerge(t *testing.T) {
	ch := DefaultChurnParams()
	ch.Rate, ch.Duration = 5, 10*sim.Minute
	dp := DefaultDeployParams()
	dp.Start, dp.CreateRate = 2*sim.Minute, 0 // all at one instant
	dp.Prefix = "web"
	bg := genMust[*Churn](t)(NewChurn(ch, 3))
	step := genMust[*Deploy](t)(NewDeploy(dp, 3))
	merged := genDrain(t, Merge(bg, step))

	wantChurn := genDrain(t, genMust[*Churn](t)(NewChurn(ch, 3)))
	wantDeploy := genDrain(t, genMust[*Deploy](t)(NewDeploy(dp, 3)))
	if len(merged) != len(wantChurn)+len(wantDeploy) {
		t.Fatalf("merged %d events, want %d+%d", len(merged), len(wantChurn), len(wantDeploy))
	}
	// Each input's order is kept, nodes stay empty, and at equal times the
	// first reader comes first.
	var gotChurn, gotDeploy []genEv
	for i, e := range merged {
		if e.node != "" {
			t.Fatalf("event %d has node %q", i, e.node)
		}
		if strings.HasPrefix(e.pod, "web-") {
			gotDeploy = append(gotDeploy, e)
		} else {
			gotChurn = append(gotChurn, e)
		}
		if i > 0 && merged[i-1].at == e.at && strings.HasPrefix(merged[i-1].pod, "web-") && !strings.HasPrefix(e.pod, "web-") {
			t.Fatalf("event %d: reader 1 before reader 0 at the same time", i)
		}
	}
	if fmt.Sprint(gotChurn) != fmt.Sprint(wantChurn) || fmt.Sprint(gotDeploy) != fmt.Sprint(wantDeploy) {
		t.Fatal("merge reordered an input")
	}

	// Node columns pass through; an empty reader list is empty.
	cp := DefaultCL2Params()
	cp.Nodes = 2
	for _, e := range genDrain(t, Merge(genMust[*CL2](t)(NewCL2(cp, 1)), genMust[*Churn](t)(NewChurn(ch, 1)))) {
		if strings.HasPrefix(e.pod, "cl2-") != (e.node != "") {
			t.Fatalf("node column changed: %+v", e)
		}
	}
	if _, err := Merge().Next(); err != io.EOF {
		t.Fatalf("empty merge: %v", err)
	}

	// A reader's error stops the merge and is sticky.
	boom := errors.New("boom")
	m := Merge(genMust[*Deploy](t)(NewDeploy(dp, 1)), genErrReader{boom})
	if _, err := m.Next(); err != boom {
		t.Fatalf("got %v, want boom", err)
	}
	if _, err := m.Next(); err != boom {
		t.Fatalf("error not sticky: %v", err)
	}
}

type genErrReader struct{ err error }

func (r genErrReader) Next() (Event, error) { return Event{}, r.err }

// TestGenConstantMemory streams 1 M and then 10 M churn events and checks that
// the live heap does not grow with the trace length.
func TestGenConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 11 M events")
	}
	p := DefaultChurnParams()
	p.Rate, p.MeanLifetime = 1000, 10*sim.Second // ~10 k live pods
	p.StartPods = 10000
	heapAfter := func(events int) uint64 {
		p.Duration = sim.Time(events/2+1000) * sim.Second / 1000
		c := genMust[*Churn](t)(NewChurn(p, 1))
		n := 0
		for ; n < events; n++ {
			if _, err := c.Next(); err != nil {
				t.Fatalf("event %d: %v", n, err)
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(c)
		return ms.HeapInuse
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	small := heapAfter(1_000_000)
	large := heapAfter(10_000_000)
	t.Logf("HeapInuse: before %d KiB, after 1M events %d KiB, after 10M events %d KiB",
		base.HeapInuse>>10, small>>10, large>>10)
	// ~10 k live pods need well under 1 MiB; allow 4 MiB of slack.
	if large > small+4<<20 {
		t.Fatalf("heap grew from %d KiB (1M events) to %d KiB (10M events)", small>>10, large>>10)
	}
}
