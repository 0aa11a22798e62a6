package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/report"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
	"github.com/ipamsim/ipamsim/sim"
)

// sweepOptions are the flags of `ipamsim sweep` (and of `ipamsim recommend`
// running a sweep inline).
type sweepOptions struct {
	scenario      string
	variant       string
	trace         string
	grid          []string
	instanceTypes []string
	orders        []string
	repetitions   int
	sets          []string
	ec2           string
	ec2Profile    string
	seed          uint64
	drain         time.Duration
	maxPods       int
	workers       int
	shard         string
	shardCount    int
	outJSON       string
	outCSV        string
	policies      []string
	policySets    []string
	report        string
	quiet         bool
	constraintFlags
}

// constraintFlags are the recommendation's objective.
type constraintFlags struct {
	maxP99Wait    time.Duration
	maxEC2PerHour float64
}

// sweepFlagNames are the flags that define a sweep (recommend refuses them
// with --from).
var sweepFlagNames = []string{"scenario", "variant", "trace", "grid", "instance-types", "orders", "repetitions", "set", "ec2", "ec2-profile",
	"seed", "drain", "max-pods", "workers", "shard", "shard-count", "out-json", "out-csv", "policies", "policy-set"}

func addSweepFlags(fs *pflag.FlagSet, o *sweepOptions) {
	fs.StringVar(&o.scenario, "scenario", "", "Sweep the scenario `NAME` (shipped) or FILE (.scn); default: the default scenario. A cluster scenario's points run the cluster")
	fs.StringVar(&o.variant, "variant", "", "Sweep the scenario's variant `NAME` (default: base, the scenario's own settings)")
	fs.StringVar(&o.trace, "trace", "", "Sweep the trace in `FILE` (CSV, JSONL or Kubernetes audit log), re-read for every point")
	fs.StringArrayVar(&o.grid, "grid", nil, "Sweep a VPC CNI setting: `KEY=V1,V2,...` or KEY=LO..HI[:STEP] (repeatable; items mix, e.g. WARM_IP_TARGET=0..4,8)")
	fs.StringArrayVar(&o.instanceTypes, "instance-types", nil, "Instance `TYPES` to sweep, comma-separated (default: the scenario's, or m5.large; on a cluster, each point's type runs on every group)")
	fs.StringArrayVar(&o.orders, "orders", nil, "Assign `ORDERS` to sweep, comma-separated: go-map, first-fit (random is an alias of go-map; default go-map)")
	fs.IntVar(&o.repetitions, "repetitions", 1, "Run every setting combination with `N` seeds")
	fs.StringArrayVar(&o.sets, "set", nil, "Set a VPC CNI variable for every point, `KEY=VALUE` (repeatable)")
	fs.StringArrayVar(&o.policies, "policies", nil, "Pool `POLICIES` to sweep, comma-separated: "+strings.Join(ipam.PolicyNames(), ", ")+" (default: vpc-cni, and no output names a policy)")
	fs.StringArrayVar(&o.policySets, "policy-set", nil, "Set a parameter of a swept policy, `POLICY.KEY=VALUE` (repeatable; e.g. cilium-eni.pre-allocate=16)")
	fs.StringVar(&o.ec2, "ec2", "default", "EC2 latency `PROFILE`: default or zero (instant, never throttled)")
	fs.StringVar(&o.ec2Profile, "ec2-profile", "", "Lay the EC2 latencies of `FILE` (CSV api,p50_ms,p99_ms; ipamsim ec2-profile prints the built-in one) over --ec2's")
	fs.Uint64Var(&o.seed, "seed", 1, "Sweep seed `N`: each point's seed derives from it and the point's settings")
	fs.DurationVar(&o.drain, "drain", 10*time.Minute, "Keep simulating for `D` after the last trace event")
	fs.IntVar(&o.maxPods, "max-pods", 0, "The kubelet's max pods `N` (default: what an EKS managed node group sets for each type and its settings, or the scenario's max-pods and max-pods-from)")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "Run `N` points at once")
	fs.StringVar(&o.shard, "shard", "", "Run only shard `INDEX/COUNT`: the points whose index % COUNT == INDEX")
	fs.IntVar(&o.shardCount, "shard-count", 0, "Run shard JOB_COMPLETION_INDEX of `N` (a Kubernetes Indexed Job)")
	fs.StringVar(&o.outJSON, "out-json", "", "Write every point's settings, figures and rerun command as JSON to `FILE`")
	fs.StringVar(&o.outCSV, "out-csv", "", "Write one CSV row per point to `FILE`")
	fs.StringVar(&o.report, "report", "", "Write a self-contained HTML report (frontier chart, recommendation) to `FILE`")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "Draw no progress line on a terminal")
}

func addConstraintFlags(fs *pflag.FlagSet, c *constraintFlags) {
	fs.DurationVar(&c.maxP99Wait, "max-p99-wait", 0, "Recommend the cheapest setting whose p99 pod IP wait is at most `D` (e.g. 5s)")
	fs.Float64Var(&c.maxEC2PerHour, "max-ec2-calls-per-hour", 0, "... and that makes at most `N` EC2 calls per simulated hour")
}

// constraints validates the objective flags; ok is false when none was given.
func (c *constraintFlags) constraints(fs *pflag.FlagSet) (sweep.Constraints, bool, error) {
	capSet := fs.Changed("max-ec2-calls-per-hour")
	if !fs.Changed("max-p99-wait") {
		if capSet {
			return sweep.Constraints{}, false, usageError{errors.New("--max-ec2-calls-per-hour needs --max-p99-wait")}
		}
		return sweep.Constraints{}, false, nil
	}
	con := sweep.Constraints{MaxP99Wait: c.maxP99Wait, MaxEC2CallsPerHour: c.maxEC2PerHour}
	if capSet && !(c.maxEC2PerHour > 0 && c.maxEC2PerHour <= math.MaxFloat64) {
		return con, false, usageError{fmt.Errorf("--max-ec2-calls-per-hour %g: want a finite number > 0 (every node makes EC2 calls)", c.maxEC2PerHour)}
	}
	if err := con.Validate(); err != nil {
		return con, false, err
	}
	return con, true, nil
}

func runSweep(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runSweepMerge(args[1:], stdout, stderr)
	}
	// Points allocate short-lived garbage on every worker at once; a larger
	// heap target (memory is cheap next to the points) makes the collector
	// run less often and lets two workers scale nearly 2×.
	defer debug.SetGCPercent(debug.SetGCPercent(sweepGCPercent))
	var o sweepOptions
	fs := pflag.NewFlagSet("ipamsim sweep", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	addSweepFlags(fs, &o)
	addConstraintFlags(fs, &o.constraintFlags)
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim sweep:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim sweep [flags]\n       ipamsim sweep merge [--out-json FILE] [--out-csv FILE] SHARD.json...\n\n"+
			"Run one workload against a grid of VPC CNI settings, instance types, assign orders and pool policies;\n"+
			"print the Pareto frontier (mean addresses held, p99 pod IP wait, EC2 calls) and,\n"+
			"with --max-p99-wait, the cheapest setting that meets it.\n\n%s", fs.FlagUsages())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim sweep: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	con, hasCon, err := o.constraints(fs)
	if err == nil {
		_, err = o.runSweep(fs, stdout, stderr, con, hasCon)
	}
	return sweepExit(stderr, "ipamsim sweep", err)
}

// sweepExit prints err and maps it to an exit status (exitStatus).
func sweepExit(stderr io.Writer, cmd string, err error) int { return exitStatus(stderr, cmd, err) }

// build turns the flags into a sweep (nothing run yet).
func (o *sweepOptions) build(fs *pflag.FlagSet, stderr io.Writer) (*sweep.Sweep, error) {
	if o.trace != "" && o.scenario != "" {
		return nil, usageError{errors.New("--trace and --scenario exclude each other")}
	}
	if o.drain < 0 {
		return nil, usageError{fmt.Errorf("--drain %s: must not be negative", o.drain)}
	}
	if fs.Changed("max-pods") && (o.maxPods < 1 || o.maxPods > replay.MaxMaxPods) {
		return nil, usageError{fmt.Errorf("--max-pods %d: want 1 to %d (leave the flag out for each type's own)", o.maxPods, replay.MaxMaxPods)}
	}
	if o.workers < 1 || o.workers > maxWorkers {
		return nil, usageError{fmt.Errorf("--workers %d: want 1 to %d", o.workers, maxWorkers)}
	}
	if fs.Changed("repetitions") && o.repetitions < 1 {
		return nil, usageError{fmt.Errorf("--repetitions %d: want at least 1", o.repetitions)}
	}
	if _, err := ec2.ProfileByName(o.ec2); err != nil {
		return nil, usageError{fmt.Errorf("--ec2: %w", err)}
	}
	shard, err := o.parseShard(fs)
	if err != nil {
		return nil, err
	}
	var w *sweep.Workload
	if o.trace != "" {
		if o.variant != "" {
			return nil, usageError{errors.New("--variant needs --scenario")}
		}
		var note string
		if w, note, err = sweep.TraceWorkload(o.trace); err != nil {
			var pe *scenarios.ParseError
			if errors.As(err, &pe) {
				return nil, err
			}
			return nil, traceOpenError(err)
		}
		if note != "" {
			fmt.Fprintf(stderr, "ipamsim sweep: %s: %s\n", o.trace, note)
		}
	} else if w, err = sweep.ScenarioWorkload(o.scenario, o.variant); err != nil {
		return nil, usageError{fmt.Errorf("--scenario: %v", err)}
	}
	// The scenario's own ec2, drain and max-pods are defaults the flags
	// override; the rerun commands give them explicitly.
	if sc := w.Scenario; sc != nil {
		if sc.EC2 != "" && !fs.Changed("ec2") {
			o.ec2 = sc.EC2
		}
		if sc.Drain > 0 && !fs.Changed("drain") {
			o.drain = sc.Drain
		}
		if sc.MaxPods > 0 && !fs.Changed("max-pods") {
			o.maxPods = sc.MaxPods
		}
	}
	def := w.DefaultInstanceType()
	if def == "" && len(o.instanceTypes) == 0 {
		return nil, usageError{fmt.Errorf("scenario %s is a cluster whose groups run different instance types, and each sweep point runs one type on every group: give --instance-types", w.Scenario.Name)}
	}
	spec := sweep.GridSpec{Grid: o.grid, InstanceTypes: o.instanceTypes, DefaultInstanceType: def,
		Orders: o.orders, Repetitions: o.repetitions, Base: o.sets, PolicySets: o.policySets}
	if fs.Changed("policies") {
		spec.Policies = append([]string{}, o.policies...)
	}
	g, err := sweep.ParseGrid(spec)
	if err != nil {
		return nil, err
	}
	pl := sweep.Plan{Workload: w.Ref, EC2Profile: o.ec2, EC2ProfileFile: o.ec2Profile, Seed: o.seed, Drain: sweep.FormatDrain(sim.Time(o.drain)),
		MaxPods: o.maxPods, BaseSettings: append([]string{}, o.sets...), Grid: *g}
	for i, kv := range pl.BaseSettings {
		k, v, _ := ipam.ParseAssignment("--set", kv)
		pl.BaseSettings[i] = k + "=" + v
	}
	sw := &sweep.Sweep{Plan: pl, Workload: w, Workers: o.workers, Shard: shard}
	if w := progressTo(stderr, o.quiet); w != nil {
		sw.Progress = w
	}
	return sw, nil
}

// parseShard resolves --shard and --shard-count (with JOB_COMPLETION_INDEX).
func (o *sweepOptions) parseShard(fs *pflag.FlagSet) (sweep.Shard, error) {
	switch {
	case fs.Changed("shard") && fs.Changed("shard-count"):
		return sweep.Shard{}, usageError{errors.New("--shard and --shard-count exclude each other")}
	case fs.Changed("shard"):
		return sweep.ParseShard(o.shard)
	case fs.Changed("shard-count"):
		if o.shardCount < 1 {
			return sweep.Shard{}, usageError{fmt.Errorf("--shard-count %d: want at least 1", o.shardCount)}
		}
		env, ok := os.LookupEnv("JOB_COMPLETION_INDEX")
		if !ok {
			return sweep.Shard{}, usageError{fmt.Errorf("--shard-count %d: JOB_COMPLETION_INDEX is not set (outside a Kubernetes Indexed Job, give --shard INDEX/COUNT)", o.shardCount)}
		}
		idx, err := strconv.Atoi(strings.TrimSpace(env))
		if err != nil || idx < 0 || idx >= o.shardCount {
			return sweep.Shard{}, usageError{fmt.Errorf("--shard-count %d: JOB_COMPLETION_INDEX=%q is not an index 0..%d", o.shardCount, env, o.shardCount-1)}
		}
		return sweep.Shard{Index: idx, Count: o.shardCount}, nil
	}
	return sweep.Shard{}, nil
}

// runSweep runs the sweep, writes its outputs and prints its summary.
func (o *sweepOptions) runSweep(fs *pflag.FlagSet, stdout, stderr io.Writer, con sweep.Constraints, hasCon bool) (*sweep.Document, error) {
	sw, err := o.build(fs, stderr)
	if err != nil {
		return nil, err
	}
	if o.report != "" && !sw.Shard.Whole() {
		return nil, usageError{errors.New("--report needs the whole sweep: run the shards without it, then 'ipamsim sweep merge --report FILE' their outputs")}
	}
	outs, err := o.openOutputs(sw, o.report)
	if err != nil {
		return nil, err
	}
	defer outs.abort()
	doc, err := sw.Run()
	if err != nil {
		return nil, err
	}
	printWarnings(stderr, "ipamsim sweep", doc)
	if err := outs.write(doc); err != nil {
		return nil, err
	}
	out := bufio.NewWriter(stdout)
	describe(out, doc, sw.Workers)
	if !doc.Complete() {
		fmt.Fprintf(out, "shard %d/%d: %d of %d points; combine the shards' --out-json files with 'ipamsim sweep merge'\n",
			sw.Shard.Index, sw.Shard.Count, len(doc.Points), doc.PointsTotal)
		if err := outs.set.Commit(); err != nil {
			return nil, err
		}
		return doc, out.Flush()
	}
	if err := summarize(out, doc, con, hasCon); err != nil && !errors.Is(err, sweep.ErrNoneMeets) {
		return nil, err
	}
	if err := outs.writeReport(doc, con, hasCon); err != nil {
		return nil, err
	}
	if err := outs.set.Commit(); err != nil {
		return nil, err
	}
	return doc, out.Flush()
}

// openOutputs opens a sweep's --out-json, --out-csv and report outputs,
// keeping them off its workload's files.
func (o *sweepOptions) openOutputs(sw *sweep.Sweep, reportName string) (*sweepOutputs, error) {
	set := outputs.New()
	set.Input("--trace", o.trace)
	if sw.Workload != nil {
		scenarioInputs(set, "--scenario", sw.Workload.Scenario)
	}
	return newSweepOutputs(set, o.outJSON, o.outCSV, reportName)
}

// describe prints what was swept.
func describe(w io.Writer, doc *sweep.Document, workers int) {
	wl := "scenario " + doc.Workload.Scenario
	if doc.Workload.Trace != "" {
		wl = "trace " + doc.Workload.Trace
	}
	reps := "1 repetition"
	if doc.Grid.Repetitions != 1 {
		reps = fmt.Sprintf("%d repetitions", doc.Grid.Repetitions)
	}
	fmt.Fprintf(w, "sweep of %s: %d points (%d setting combinations x %s), EC2 %s, seed %d",
		wl, doc.PointsTotal, doc.PointsTotal/doc.Grid.Repetitions, reps, doc.EC2Profile, doc.Seed)
	if workers > 0 {
		fmt.Fprintf(w, ", %d workers", workers)
	}
	if len(doc.Grid.Policies) > 0 {
		fmt.Fprintf(w, ", policies %s", strings.Join(doc.Grid.Policies, ","))
	}
	fmt.Fprintln(w)
}

// summarize prints the frontier and, with constraints, the recommendation.
func summarize(w io.Writer, doc *sweep.Document, con sweep.Constraints, hasCon bool) error {
	if err := doc.WriteFrontier(w); err != nil {
		return err
	}
	if !hasCon {
		return nil
	}
	fmt.Fprintln(w)
	rec, err := doc.Recommend(con)
	if rec != nil {
		if werr := rec.WriteText(w); werr != nil {
			return werr
		}
	}
	return err
}

// printWarnings prints each distinct point warning once, with how many
// points gave it.
func printWarnings(stderr io.Writer, cmd string, doc *sweep.Document) {
	count := map[string]int{}
	var order []string
	for i := range doc.Points {
		for _, w := range doc.Points[i].Warnings {
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	for _, w := range order {
		fmt.Fprintf(stderr, "%s: warning: %d point(s): %s\n", cmd, count[w], w)
	}
}

// sweepOutputs are a sweep's output files, committed together.
type sweepOutputs struct {
	set               *outputs.Set
	json, csv, report *outputs.File
}

// newSweepOutputs opens the outputs named ("" for none) in set, whose
// inputs are registered.
func newSweepOutputs(set *outputs.Set, jsonName, csvName, reportName string) (*sweepOutputs, error) {
	files, err := createOutputs(set, outFlag{"--out-json", jsonName}, outFlag{"--out-csv", csvName}, outFlag{"--report", reportName})
	if err != nil {
		set.Abort()
		return nil, err
	}
	return &sweepOutputs{set: set, json: files["--out-json"], csv: files["--out-csv"], report: files["--report"]}, nil
}

// write writes the JSON and CSV outputs (committed with the set).
func (o *sweepOutputs) write(doc *sweep.Document) error {
	if o.json != nil {
		if err := doc.WriteJSON(o.json); err != nil {
			return err
		}
	}
	if o.csv != nil {
		if err := doc.WriteCSV(o.csv); err != nil {
			return err
		}
	}
	return nil
}

// writeReport renders a complete sweep's HTML report into the --report
// file. Nothing without --report.
func (o *sweepOutputs) writeReport(doc *sweep.Document, con sweep.Constraints, hasCon bool) error {
	if o.report == nil {
		return nil
	}
	if err := report.WriteSweep(o.report, doc, con, hasCon); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}

func (o *sweepOutputs) abort() { o.set.Abort() }

// runSweepMerge is `ipamsim sweep merge`.
func runSweepMerge(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ipamsim sweep merge", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	outJSON := fs.String("out-json", "", "Write the merged sweep JSON to `FILE` (default: standard output, unless --out-csv is given)")
	outCSV := fs.String("out-csv", "", "Write the merged sweep CSV to `FILE`")
	report := fs.String("report", "", "Write the merged sweep's HTML report (frontier chart, recommendation) to `FILE`")
	var cf constraintFlags
	addConstraintFlags(fs, &cf)
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim sweep merge:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim sweep merge [flags] SHARD.json...\n\n"+
			"Combine the --out-json files of a sweep's shards into the output one run of the whole sweep gives.\n\n%s", fs.FlagUsages())
		return 0
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "ipamsim sweep merge: want the shards' JSON files")
		return 2
	}
	con, hasCon, err := cf.constraints(fs)
	if err != nil {
		return sweepExit(stderr, "ipamsim sweep merge", err)
	}
	err = func() error {
		docs := make([]*sweep.Document, fs.NArg())
		for i, name := range fs.Args() {
			d, err := readDocument(name)
			if err != nil {
				return err
			}
			docs[i] = d
		}
		doc, err := sweep.Merge(docs, fs.Args())
		if err != nil {
			return usageError{err}
		}
		set := outputs.New()
		for _, name := range fs.Args() {
			set.Input("shard", name)
		}
		outs, err := newSweepOutputs(set, *outJSON, *outCSV, *report)
		if err != nil {
			return err
		}
		defer outs.abort()
		out := bufio.NewWriter(stdout)
		if *outJSON == "" && *outCSV == "" {
			if err := doc.WriteJSON(out); err != nil {
				return err
			}
		} else {
			if err := outs.write(doc); err != nil {
				return err
			}
			describe(out, doc, 0)
			if err := summarize(out, doc, con, hasCon); err != nil && !errors.Is(err, sweep.ErrNoneMeets) {
				return err
			}
		}
		if err := outs.writeReport(doc, con, hasCon); err != nil {
			return err
		}
		if err := outs.set.Commit(); err != nil {
			return err
		}
		return out.Flush()
	}()
	return sweepExit(stderr, "ipamsim sweep merge", err)
}

// readDocument reads a sweep JSON file; every failure is an input error.
func readDocument(name string) (*sweep.Document, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, usageError{err}
	}
	if !fi.Mode().IsRegular() {
		return nil, usageError{fmt.Errorf("%s is not a regular file (%s); want a sweep JSON file", name, describeMode(fi.Mode()))}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	d, err := sweep.ReadDocument(f, name)
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

// runRecommend is `ipamsim recommend`: the cheapest setting of a finished
// sweep (--from) or of a sweep it runs from the same flags as `ipamsim sweep`.
func runRecommend(args []string, stdout, stderr io.Writer) int {
	var o sweepOptions
	fs := pflag.NewFlagSet("ipamsim recommend", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	from := fs.String("from", "", "Recommend from the sweep JSON in `FILE` (an 'ipamsim sweep --out-json' or 'sweep merge' output)")
	addConstraintFlags(fs, &o.constraintFlags)
	output := fs.StringP("output", "o", "text", "Output format: text or json")
	addSweepFlags(fs, &o)
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim recommend:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim recommend --from SWEEP.json --max-p99-wait D [--max-ec2-calls-per-hour N]\n"+
			"       ipamsim recommend --max-p99-wait D [sweep flags]\n\n"+
			"Recommend the cheapest setting (fewest mean addresses held, then fewest EC2 calls, then lowest\n"+
			"p99 wait) whose p99 pod IP wait meets the objective in every repetition, and no pod is left\n"+
			"without an address. Exit status 1 when no setting of the sweep meets it.\n\n%s", fs.FlagUsages())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim recommend: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	err := func() error {
		if *output != "text" && *output != "json" {
			return usageError{fmt.Errorf("-o %q: want text or json", *output)}
		}
		con, hasCon, err := o.constraints(fs)
		if err != nil {
			return err
		}
		if !hasCon {
			return usageError{errors.New("--max-p99-wait is required")}
		}
		var doc *sweep.Document
		var outs *sweepOutputs
		if *from != "" {
			for _, name := range sweepFlagNames {
				if fs.Changed(name) {
					return usageError{fmt.Errorf("--from and --%s exclude each other (the sweep is in the file)", name)}
				}
			}
			set := outputs.New()
			set.Input("--from", *from)
			if outs, err = newSweepOutputs(set, "", "", o.report); err != nil {
				return err
			}
			defer outs.abort()
			if doc, err = readDocument(*from); err != nil {
				return err
			}
			if !doc.Complete() {
				return usageError{fmt.Errorf("%s: shard %d/%d of a sweep: merge the shards with 'ipamsim sweep merge' first", *from, doc.Shard.Index, doc.Shard.Count)}
			}
		} else {
			if fs.Changed("shard") || fs.Changed("shard-count") {
				return usageError{errors.New("recommend needs the whole sweep: run the shards with 'ipamsim sweep', merge them, then 'recommend --from'")}
			}
			sw, err := o.build(fs, stderr)
			if err != nil {
				return err
			}
			if outs, err = o.openOutputs(sw, o.report); err != nil {
				return err
			}
			defer outs.abort()
			if doc, err = sw.Run(); err != nil {
				return err
			}
			printWarnings(stderr, "ipamsim recommend", doc)
			if err := outs.write(doc); err != nil {
				return err
			}
		}
		rec, err := doc.Recommend(con)
		if rec == nil {
			return err
		}
		// The report shows the recommendation, or that none meets it.
		if werr := outs.writeReport(doc, con, true); werr != nil {
			return werr
		}
		if werr := outs.set.Commit(); werr != nil {
			return werr
		}
		out := bufio.NewWriter(stdout)
		if *output == "json" {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if werr := enc.Encode(rec); werr != nil {
				return werr
			}
		} else if werr := rec.WriteText(out); werr != nil {
			return werr
		}
		if werr := out.Flush(); werr != nil {
			return werr
		}
		return err
	}()
	return sweepExit(stderr, "ipamsim recommend", err)
}

// maxWorkers bounds --workers: far more goroutines than any machine has
// cores.
const maxWorkers = 1024

// sweepGCPercent is the garbage collector's target while a sweep runs
// (GOGC=400: measured 2.03× from 1 to 2 workers against 1.79–1.96× at 100).
const sweepGCPercent = 400

// describeMode names a file type that is not a regular file.
func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
