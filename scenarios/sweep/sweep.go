package sweep

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// Plan is everything that defines a sweep's points and figures: the workload,
// the settings every point shares, the grid and the sweep seed. It heads the
// JSON output, and shards merge only if their plans are identical.
type Plan struct {
	Workload   WorkloadRef `json:"workload"`
	EC2Profile string      `json:"ec2_profile"`
	// EC2ProfileFile is --ec2-profile: latencies laid over EC2Profile's.
	EC2ProfileFile string   `json:"ec2_profile_file,omitempty"`
	Seed           uint64   `json:"seed"`
	Drain          string   `json:"drain"`    // a Go duration, as --drain takes it
	MaxPods        int      `json:"max_pods"` // 0: each node's own (catalog.NodeMaxPods)
	BaseSettings   []string `json:"base_settings"`
	Grid           Grid     `json:"grid"`
}

// DrainTime returns the plan's drain.
func (pl *Plan) DrainTime() (sim.Time, error) {
	d, err := time.ParseDuration(pl.Drain)
	if err != nil {
		return 0, fmt.Errorf("drain %q: %v", pl.Drain, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("drain %q: must not be negative", pl.Drain)
	}
	return sim.Time(d), nil
}

// FormatDrain spells a drain for Plan.Drain.
func FormatDrain(d sim.Time) string { return time.Duration(d).String() }

// Points expands the plan's grid with its seed.
func (pl *Plan) Points() []Point { return pl.Grid.Points(pl.Seed) }

// Rerun returns the `ipamsim run` command line that repeats point p alone
// and gives the same figures (with --policy and its --policy-set parameters
// when the point has a policy). The plan's max pods is given explicitly;
// without one the rerun decides it as the point did, by the one rule
// (catalog.NodeMaxPods) from the same type, settings and scenario.
func (pl *Plan) Rerun(p *Point) string {
	args := []string{"ipamsim", "run"}
	if pl.Workload.Trace != "" {
		args = append(args, "--trace", pl.Workload.Trace)
	} else {
		args = append(args, "--scenario", pl.Workload.Scenario)
		if pl.Workload.Variant != "" {
			args = append(args, "--variant", pl.Workload.Variant)
		}
	}
	args = append(args, "--instance-type", p.InstanceType, "--assign-order", p.AssignOrder,
		"--ec2", pl.EC2Profile, "--seed", strconv.FormatUint(p.Seed, 10), "--drain", pl.Drain)
	if pl.EC2ProfileFile != "" {
		args = append(args, "--ec2-profile", pl.EC2ProfileFile)
	}
	if pl.MaxPods > 0 {
		args = append(args, "--max-pods", strconv.Itoa(pl.MaxPods))
	}
	if p.Policy != "" {
		args = append(args, "--policy", p.Policy)
		for _, kv := range pl.Grid.PolicyArgs(p.Policy) {
			args = append(args, "--policy-set", kv)
		}
	}
	for _, kv := range pl.BaseSettings {
		args = append(args, "--set", kv)
	}
	for _, kv := range p.Settings {
		args = append(args, "--set", kv)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-.,/=:+@%", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// SplitRerun splits a rerun command made by Plan.Rerun back into arguments
// (after "ipamsim"): it undoes shellQuote.
func SplitRerun(cmd string) ([]string, error) {
	var args []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			} else {
				cur.WriteByte(c)
			}
		case c == '\'':
			quoted, in = true, true
		case c == '\\' && i+1 < len(cmd):
			i++
			cur.WriteByte(cmd[i])
			in = true
		case c == ' ':
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if in {
		args = append(args, cur.String())
	}
	if len(args) == 0 || args[0] != "ipamsim" {
		return nil, errors.New("not an ipamsim command")
	}
	return args[1:], nil
}

// Shard selects the points whose index % Count == Index. The zero Shard (or
// Count 1) is the whole sweep.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard parses INDEX/COUNT.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, &GridError{Flag: "--shard", Value: s, Msg: "want INDEX/COUNT, e.g. 0/4"}
	}
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, &GridError{Flag: "--shard", Value: s, Msg: "INDEX and COUNT must be whole numbers"}
	}
	sh := Shard{Index: idx, Count: cnt}
	if err := sh.Validate("--shard"); err != nil {
		return Shard{}, err
	}
	return sh, nil
}

// Validate checks 0 <= Index < Count.
func (s Shard) Validate(flag string) error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return &GridError{Flag: flag, Value: fmt.Sprintf("%d/%d", s.Index, s.Count), Msg: "want 0 <= INDEX < COUNT"}
	}
	return nil
}

// Whole reports whether the shard is the whole sweep.
func (s Shard) Whole() bool { return s.Count <= 1 }

// Contains reports whether the point with this index belongs to the shard.
func (s Shard) Contains(index int) bool { return s.Whole() || index%s.Count == s.Index }

// Result is one point's outcome as the outputs carry it.
type Result struct {
	Point
	Rerun string `json:"rerun"`
	// MeanIdleAddresses is idle IP-seconds over the simulated time: the mean
	// number of addresses held but not assigned to a pod.
	MeanIdleAddresses float64 `json:"mean_idle_addresses"`
	// EC2CallsPerHour is EC2 calls per simulated hour.
	EC2CallsPerHour float64  `json:"ec2_calls_per_hour"`
	Warnings        []string `json:"warnings,omitempty"`
	// Summary is the run's figures; for a cluster, the cluster's totals
	// (replay.ClusterSummary.Totals), with Cluster its full summary.
	Summary replay.Summary         `json:"summary"`
	Cluster *replay.ClusterSummary `json:"cluster,omitempty"`
}

// Sweep runs a plan's points.
type Sweep struct {
	Plan     Plan
	Workload *Workload
	// Workers is the number of points run at once; 0 means runtime.NumCPU().
	Workers int
	// Shard selects the points to run; the zero Shard runs them all.
	Shard Shard
	// Progress, if not nil, receives a progress line (points done/total,
	// rate, ETA) redrawn with carriage returns: give it a terminal only.
	Progress io.Writer
}

// Run runs the sweep's points on Workers goroutines and returns the document,
// its results in point order whatever the scheduling. The first failing point
// (lowest index) stops the sweep; its error wraps the replay's or the trace's.
func (sw *Sweep) Run() (*Document, error) {
	pl := &sw.Plan
	if sw.Workload == nil || sw.Workload.Scenario == nil && sw.Workload.Trace == nil {
		return nil, errors.New("sweep: no workload")
	}
	if !sw.Shard.Whole() {
		if err := sw.Shard.Validate("--shard"); err != nil {
			return nil, err
		}
	}
	if _, err := ec2.ProfileByName(pl.EC2Profile); err != nil {
		return nil, &GridError{Flag: "--ec2", Value: pl.EC2Profile, Msg: err.Error()}
	}
	drain, err := pl.DrainTime()
	if err != nil {
		return nil, &GridError{Flag: "--drain", Value: pl.Drain, Msg: err.Error()}
	}
	if pl.MaxPods < 0 {
		return nil, &GridError{Flag: "--max-pods", Value: strconv.Itoa(pl.MaxPods), Msg: "must not be negative"}
	}
	for _, name := range pl.Grid.InstanceTypes {
		if _, err := catalog.Lookup(name); err != nil {
			return nil, &GridError{Flag: "--instance-types", Value: name, Msg: err.Error()}
		}
	}
	for _, o := range pl.Grid.Orders {
		if _, err := ipam.ParseAssignOrder(o); err != nil {
			return nil, &GridError{Flag: "--orders", Value: o, Msg: err.Error()}
		}
	}
	if _, err := pl.Grid.count(); err != nil {
		return nil, err
	}
	// Each point builds its own policy: check the names and parameters once
	// here.
	policyParams := map[string]map[string]string{}
	for _, name := range pl.Grid.Policies {
		policyParams[name] = pl.Grid.policyParams(name)
		if _, err := ipam.NewPolicy(name, policyParams[name]); err != nil {
			return nil, &GridError{Flag: "--policies", Value: name, Msg: err.Error()}
		}
	}
	if len(pl.Grid.Policies) == 0 && len(pl.Grid.PolicyParams) > 0 {
		return nil, &GridError{Flag: "--policy-set", Value: pl.Grid.PolicyParams[0], Msg: "needs --policies"}
	}

	// Only the shard's points are expanded: a shard of a million-point grid
	// holds its own few.
	total := pl.Grid.Len()
	var pts []Point
	for i := range total {
		if sw.Shard.Contains(i) {
			pts = append(pts, pl.Grid.Point(i, pl.Seed))
		}
	}
	results := make([]Result, len(pts))
	errs := make([]error, len(pts))

	// A point is `ipamsim run` of the workload with the point's instance
	// type, order, policy, seed and settings on top of the plan's (its
	// rerun command): replay.Prepare builds it as run does.
	drainD := time.Duration(drain)
	prepare := func(p *Point) (*replay.Setup, error) {
		ov := replay.Overrides{InstanceType: p.InstanceType, Order: p.AssignOrder, EC2: pl.EC2Profile, EC2ProfileFile: pl.EC2ProfileFile,
			Seed: p.Seed, Drain: &drainD, MaxPods: pl.MaxPods,
			Settings: append(append(make([]string, 0, len(pl.BaseSettings)+len(p.Settings)), pl.BaseSettings...), p.Settings...)}
		if p.Policy != "" {
			ov.Policy, ov.PolicyParams = p.Policy, policyParams[p.Policy]
		}
		return replay.Prepare(sw.Workload.request(ov))
	}
	// The scenario and the plan's own settings are checked once, before
	// any point runs.
	if total > 0 {
		first := pl.Grid.Point(0, pl.Seed)
		if _, err := prepare(&first); err != nil {
			return nil, err
		}
	}
	runPoint := func(i int) error {
		p := &pts[i]
		setup, err := prepare(p)
		if err != nil {
			return err
		}
		if setup.IsCluster() {
			out, err := setup.ExecuteCluster(replay.ClusterOptions{})
			if err != nil {
				return err
			}
			results[i] = newClusterResult(pl, p, out.Summary, setup.Warnings)
			return nil
		}
		out, err := setup.Execute(replay.Options{})
		if err != nil {
			return err
		}
		results[i] = newResult(pl, p, out.Summary, out.Warnings)
		return nil
	}

	workers := sw.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, len(pts)))
	var next, done atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(pts) {
					return
				}
				if err := RunRecovered(runPoint, i); err != nil {
					errs[i] = err
					failed.Store(true)
				}
				done.Add(1)
			}
		}()
	}
	line := progress.Start(sw.Progress, progress.Bar("sweep", "points", len(pts), &done))
	wg.Wait()
	line.Stop()
	// Points are handed out in index order, so every point before the first
	// failure has run: the lowest failing index does not depend on timing.
	for i, err := range errs {
		if err != nil {
			return nil, &PointError{Index: pts[i].Index, Point: pts[i].Canonical(), Err: err}
		}
	}
	doc := &Document{Format: FormatVersion, Plan: *pl, PointsTotal: total, Points: results}
	if !sw.Shard.Whole() {
		sh := sw.Shard
		doc.Shard = &sh
	}
	doc.finish()
	return doc, nil
}

// PanicError is a point whose run panicked: a bug in ipamsim, not in the
// user's input. A panic on a worker goroutine would end the process before
// the command could say so; this carries it to the caller, with its stack.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// RunRecovered runs point i, turning a panic into a *PanicError: for the
// worker goroutines of sweeps and plans.
func RunRecovered(run func(int) error, i int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return run(i)
}

// PointError is a point that could not run.
type PointError struct {
	Index int
	Point string
	Err   error
}

func (e *PointError) Error() string { return fmt.Sprintf("point %d (%s): %v", e.Index, e.Point, e.Err) }
func (e *PointError) Unwrap() error { return e.Err }

func newResult(pl *Plan, p *Point, s replay.Summary, warnings []string) Result {
	r := Result{Point: *p, Rerun: pl.Rerun(p), Warnings: warnings, Summary: s}
	r.derive()
	return r
}

// newClusterResult is a cluster point's result: the cluster's summary, and
// its totals as the figures every output ranks and lists.
func newClusterResult(pl *Plan, p *Point, cs replay.ClusterSummary, warnings []string) Result {
	s := cs.Totals()
	s.Policy = cmp.Or(p.Policy, "vpc-cni")
	s.InstanceType, s.AssignOrder = p.InstanceType, p.AssignOrder
	r := Result{Point: *p, Rerun: pl.Rerun(p), Warnings: warnings, Summary: s, Cluster: &cs}
	r.derive()
	return r
}

// derive computes the figures the summary does not carry.
func (r *Result) derive() {
	s := &r.Summary
	if s.SimulatedSeconds > 0 {
		r.MeanIdleAddresses = round3(s.IdleIPSeconds / s.SimulatedSeconds)
		r.EC2CallsPerHour = round3(float64(s.EC2CallsTotal) * 3600 / s.SimulatedSeconds)
	}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
