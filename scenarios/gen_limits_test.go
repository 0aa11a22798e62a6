package scenarios

import (
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/sim"
)

// TestGenRanges: every parameter's documented range is checked, naming the
// flag, and 0 is either meaningful or refused.
func TestGenRanges(t *testing.T) {
	churn := DefaultChurnParams
	deploy := DefaultDeployParams
	rolling := DefaultRollingParams
	cron := DefaultCronJobParams
	diurnal := DefaultDiurnalParams
	cl2 := DefaultCL2Params
	inf := math.Inf(1)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"churn rate inf", func() error { p := churn(); p.Rate = inf; return p.Validate() }(), "--rate must be a finite number, got +Inf"},
		{"churn rate huge", func() error { p := churn(); p.Rate = 2e9; return p.Validate() }(), "--rate must be at most 1e+09 per second (one a nanosecond), got 2e+09"},
		{"churn duration 101y", func() error { p := churn(); p.Duration = MaxTraceTime + 1; return p.Validate() }(), "--duration must be at most 100 years"},
		{"churn lifetime 101y", func() error { p := churn(); p.MeanLifetime = MaxTraceTime + sim.Hour; return p.Validate() }(), "--mean-lifetime must be at most 100 years"},
		{"churn sigma NaN", func() error {
			p := churn()
			p.LifetimeDist, p.LifetimeSigma = LifetimeLognormal, genNaN()
			return p.Validate()
		}(), "--lifetime-sigma must be > 0"},
		{"churn start pods", func() error { p := churn(); p.StartPods = MaxGenCount + 1; return p.Validate() }(), "--start-pods must be at most 1000000000"},
		{"deploy rate NaN", func() error { p := deploy(); p.CreateRate = genNaN(); return p.Validate() }(), "--create-rate must be a finite number"},
		{"deploy slow", func() error { p := deploy(); p.CreateRate = 1e-9; return p.Validate() }(), "the trace would end after 100 years"},
		{"deploy long hold", func() error {
			p := deploy()
			p.Start, p.Hold = MaxTraceTime/100*60, MaxTraceTime/100*50
			return p.Validate()
		}(), "--start + (--replicas−1)/--create-rate + --hold"},
		{"deploy replicas", func() error { p := deploy(); p.Replicas = MaxGenCount + 1; return p.Validate() }(), "--replicas must be at most 1000000000"},
		{"rolling long", func() error { p := rolling(); p.PodStart = MaxTraceTime / 5; return p.Validate() }(), "--start + --replicas × --pod-start"},
		{"cron end", func() error { p := cron(); p.Duration, p.RunLength = MaxTraceTime, sim.Second; return p.Validate() }(), "--duration + --run-length"},
		{"cron pods", func() error { p := cron(); p.PodsPerRun = MaxGenCount + 1; return p.Validate() }(), "--pods-per-run must be at most"},
		{"diurnal step", func() error { p := diurnal(); p.Step = MaxTraceTime + 1; return p.Validate() }(), "--step must be at most 100 years"},
		{"diurnal max", func() error { p := diurnal(); p.MaxPods = 0; p.MinPods = 0; return p.Validate() }(), "--max-pods must be > 0, got 0"},
		{"cl2 rate", func() error { p := cl2(); p.CreateRate = 1e-7; return p.Validate() }(), "--settle + --hold + 4 × --nodes × --pods-per-node / --create-rate"},
		{"cl2 workload", func() error { p := cl2(); p.WorkloadSize = maxCL2Pods + 1; return p.Validate() }(), "--workload-size must be at most"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
	// Zero where it means something.
	for _, p := range []genParams{
		func() ChurnParams { p := churn(); p.StartPods = 0; return p }(),
		func() DeployParams {
			p := deploy()
			p.CreateRate, p.DeleteRate, p.Start, p.Hold, p.ScaleDownTo = 0, 0, 0, 0, 0
			return p
		}(),
		func() RollingParams { p := rolling(); p.PodStart, p.Start = 0, 0; return p }(),
		func() DiurnalParams { p := diurnal(); p.MinPods = 0; return p }(),
		func() CL2Params { p := cl2(); p.Settle, p.Hold = 0, 0; return p }(),
	} {
		if err := p.Validate(); err != nil {
			t.Errorf("%T with zeros: %v", p, err)
		}
	}
}

// TestGenWorkBound: the bound of each kind against its real event count.
func TestGenWorkBound(t *testing.T) {
	for _, args := range [][]string{
		{"churn", "--rate", "5", "--duration", "10m", "--start-pods", "30", "--drain"},
		{"deploy", "--replicas", "40", "--scale-down-to", "10"},
		{"rolling", "--replicas", "25"},
		{"cronjob", "--period", "1m", "--pods-per-run", "4", "--duration", "1h", "--concurrency-policy", "Forbid", "--run-length", "90s"},
		{"diurnal", "--min-pods", "3", "--max-pods", "50", "--period", "1h", "--duration", "5h", "--step", "1m"},
		{"cl2", "--nodes", "4", "--pods-per-node", "20", "--workload-size", "7"},
	} {
		r, err := GenFromArgs(args[0], args[1:], 3)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		n := len(genDrain(t, r))
		d, _ := lookupGen(args[0])
		_, validate, _, _, err := parseGenArgs(args[0], args[1:], 1)
		if err != nil || validate("") != nil {
			t.Fatal(err)
		}
		// Re-parse to read the bound.
		fs := newGenFlagSet(d)
		if err := fs.fs.Parse(args[1:]); err != nil {
			t.Fatal(err)
		}
		bound, formula := fs.params("").workBound()
		t.Logf("%s: %d events, bound %.0f (%s)", args[0], n, bound, formula)
		switch args[0] {
		case "churn":
			// Expected 2 × (30 + 5 × 600) = 6060; Poisson: within 10 %.
			if bound != 6060 || math.Abs(float64(n)-bound) > 0.1*bound {
				t.Errorf("churn: %d events, expected %v", n, bound)
			}
		case "deploy", "rolling":
			if float64(n) != bound {
				t.Errorf("%s: %d events, bound %v is exact", args[0], n, bound)
			}
		default:
			if float64(n) > bound {
				t.Errorf("%s: %d events, more than the bound %v", args[0], n, bound)
			}
		}
	}
}

// TestGenMaxEvents: a generator over its bound is refused, naming the flags;
// --max-events raises the bound and has a range.
func TestGenMaxEvents(t *testing.T) {
	start := time.Now()
	_, err := GenFromArgs("diurnal", []string{"--step", "1ns"}, 1)
	if err == nil || !strings.Contains(err.Error(), "more than --max-events 10000000") || !strings.Contains(err.Error(), "--duration / --step") {
		t.Errorf("diurnal --step 1ns: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
	for _, args := range [][]string{
		{"churn", "--rate", "1e6", "--duration", "24h"},
		{"cronjob", "--period", "1ms", "--duration", "24h", "--concurrency-policy", "Forbid"},
		{"cl2", "--nodes", "100000", "--pods-per-node", "30"},
		{"deploy", "--replicas", "20000000"},
	} {
		if _, err := GenFromArgs(args[0], args[1:], 1); err == nil || !strings.Contains(err.Error(), "more than --max-events") {
			t.Errorf("%q: %v", args, err)
		}
	}
	if _, err := GenFromArgs("deploy", []string{"--replicas", "20000000", "--max-events", "40000000"}, 1); err != nil {
		t.Errorf("--max-events 40000000: %v", err)
	}
	if _, err := GenFromArgs("deploy", []string{"--replicas", "20", "--max-events", "39"}, 1); err == nil {
		t.Error("40 events allowed with --max-events 39")
	}
	for _, v := range []string{"0", "-1", "1000000000001"} {
		if _, err := GenFromArgs("deploy", []string{"--max-events", v}, 1); err == nil || !strings.Contains(err.Error(), "--max-events must be between 1 and 1000000000000") {
			t.Errorf("--max-events %s: %v", v, err)
		}
	}
}

// TestGenResources: --cpu and --memory give every add and running event
// the requests; dels carry none.
func TestGenResources(t *testing.T) {
	r, err := GenFromArgs("rolling", []string{"--replicas", "3", "--cpu", "250m", "--memory", "0.5Gi"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var ops [4]int
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		ops[ev.Op]++
		want := [2]int64{250, 512 << 20}
		if ev.Op == OpDel {
			want = [2]int64{}
		}
		if got := [2]int64{ev.CPUMilli, ev.MemoryBytes}; got != want {
			t.Errorf("%v %s: requests %v, want %v", ev.Op, ev.Pod, got, want)
		}
	}
	if ops[OpRunning] != 3 || ops[OpAdd] != 3 || ops[OpDel] != 3 {
		t.Errorf("ops %v", ops)
	}
	for _, c := range []struct{ args []string }{
		{[]string{"--cpu", "-1"}}, {[]string{"--memory", "1GB"}}, {[]string{"--cpu", "2e6"}},
	} {
		_, err := GenFromArgs("deploy", c.args, 1)
		if err == nil || !strings.Contains(err.Error(), c.args[0]) {
			t.Errorf("%q: %v", c.args, err)
		}
	}
}

// TestGenChurnStopsAtMaxTraceTime: deletes that would come after
// MaxTraceTime are not generated.
func TestGenChurnStopsAtMaxTraceTime(t *testing.T) {
	p := ChurnParams{Rate: 10, LifetimeDist: LifetimeFixed, MeanLifetime: MaxTraceTime, Duration: 10 * sim.Second, Drain: true}
	evs := genDrain(t, genMust[*Churn](t)(NewChurn(p, 1)))
	for _, e := range evs {
		if e.op == OpDel && e.at > MaxTraceTime {
			t.Fatalf("del at %v", e.at)
		}
	}
	dels := 0
	for _, e := range evs {
		if e.op == OpDel {
			dels++
		}
	}
	// Arrivals at t >= 0 with a 100-year lifetime: only one at exactly 0
	// could go by MaxTraceTime.
	if dels > 1 || len(evs) < 50 {
		t.Errorf("%d events, %d dels", len(evs), dels)
	}
}

// genFlagSet is a kind's flags registered on a flag set of their own, for
// tests.
type genFlagSet struct {
	fs     *pflag.FlagSet
	params func(prefix string) genParams
}

func newGenFlagSet(d *genDef) genFlagSet {
	fs := pflag.NewFlagSet("gen "+d.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return genFlagSet{fs: fs, params: d.flags(fs)}
}

// FuzzGenFromArgs feeds generator flags to GenFromArgs: it never panics or
// hangs, refuses with an error naming something, and what it accepts gives
// a valid trace (checked over its first events) within MaxTraceTime.
func FuzzGenFromArgs(f *testing.F) {
	for _, s := range []string{
		"churn --rate 3 --duration 1m --start-pods 4 --cpu 250m --memory 64Mi",
		"churn --rate 1e9 --duration 1h",
		"churn --rate 1e-300 --mean-lifetime 876000h --drain",
		"churn --lifetime-dist lognormal --lifetime-sigma 10 --mean-lifetime 1ns",
		"deploy --replicas 1000000000 --max-events 1000000000000",
		"deploy --create-rate 1e-9 --delete-rate 0",
		"rolling --replicas 7 --max-surge 1000000000% --max-unavailable 0",
		"rolling --max-surge 99999999999",
		"cronjob --period 1ns --duration 876000h --concurrency-policy Forbid",
		"cronjob --period 1h --run-length 876000h",
		"diurnal --step 1ns",
		"diurnal --min-pods 0 --max-pods 1000000000 --period 1ns --duration 1s --step 1s",
		"cl2 --nodes 67108864 --pods-per-node 1 --workload-size 67108864",
		"cl2 --create-rate 1e-300",
		"deploy --cpu NaN --memory 1e999",
		"deploy --max-events -1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return
		}
		r, err := GenFromArgs(fields[0], fields[1:], 1)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		prev := sim.Time(0)
		started := false
		live := map[string]bool{}
		for i := 0; i < 20000; i++ {
			ev, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("%q: event %d: %v", line, i, err)
			}
			if ev.At < prev || ev.At > MaxTraceTime {
				t.Fatalf("%q: event %d at %v after %v", line, i, ev.At, prev)
			}
			prev = ev.At
			pod := string(ev.Pod)
			switch ev.Op {
			case OpRunning:
				if started || ev.At != 0 {
					t.Fatalf("%q: running %s after an add or del", line, pod)
				}
				fallthrough
			case OpAdd:
				if live[pod] {
					t.Fatalf("%q: %s added twice", line, pod)
				}
				live[pod] = true
				started = started || ev.Op == OpAdd
			case OpDel:
				if !live[pod] {
					t.Fatalf("%q: %s deleted, not live", line, pod)
				}
				delete(live, pod)
				started = true
			default:
				t.Fatalf("%q: op %v", line, ev.Op)
			}
		}
	})
}
