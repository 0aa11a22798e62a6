package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/promexport"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// runOptions are the flags of `ipamsim run` (README "Running your own workload").
type runOptions struct {
	trace            string
	scenario         string
	instanceType     string
	enis             int
	ipv4PerENI       int
	sets             []string
	envFile          string
	maxPods          int
	maxPodsFrom      string
	assignOrder      string
	ec2              string
	ec2ProfileFile   string
	seed             uint64
	drain            time.Duration
	warmUp           time.Duration
	timeline         string
	events           string // event log (--events)
	pods             string // per-pod outcomes (--pods)
	output           string
	metricsFile      string
	subnet           string
	strictEntrypoint bool
	kubeletJitter    float64
	variant          string
	policy           string
	policySets       []string
	series           string
	sampleEvery      time.Duration
	metricsAddr      string        // live /metrics endpoint (scenarios/promexport)
	speed            float64       // simulated seconds per wall-clock second; 0: unpaced
	exitAfter        time.Duration // serve the final state this long; 0: until a signal
	openMetricsFile  string        // OpenMetrics backfill (scenarios/promexport)
	startTime        string        // RFC 3339 instant of simulated time 0 in the backfill
	start            time.Time     // startTime, parsed
	sampleInterval   time.Duration // backfill and report sampling
	report           string        // HTML report (scenarios/report)
	quiet            bool
	live             *promexport.Live
	changed          map[string]bool // flags given on the command line
	progress         io.Writer       // where the progress line goes; nil: nowhere
}

func runRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o runOptions
	fs := pflag.NewFlagSet("ipamsim run", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.trace, "trace", "", "Replay the trace in `FILE` (CSV, JSONL or Kubernetes audit log; - for stdin)")
	fs.StringVar(&o.scenario, "scenario", "", "Run the shipped scenario `NAME`, or a .scn scenario file (default: the default scenario)")
	fs.StringVar(&o.variant, "variant", "", "Run only the scenario's variant `NAME` (base for the base settings)")
	fs.StringVar(&o.instanceType, "instance-type", "m5.large", "EC2 instance `TYPE` of the node")
	fs.IntVar(&o.enis, "enis", 0, "Override the type's max ENIs with `N` (or describe an unknown type)")
	fs.IntVar(&o.ipv4PerENI, "ipv4-per-eni", 0, "Override the type's IPv4 addresses per ENI with `N`, primary included")
	fs.StringArrayVar(&o.sets, "set", nil, "Set a VPC CNI variable, `KEY=VALUE` (repeatable; e.g. WARM_IP_TARGET=5)")
	fs.StringVar(&o.envFile, "env-file", "", "Read VPC CNI variables from `FILE` (KEY=VALUE lines)")
	fs.IntVar(&o.maxPods, "max-pods", 0, "The kubelet's max pods `N`; pods beyond it stay unschedulable (default: --max-pods-from's figure)")
	fs.StringVar(&o.maxPodsFrom, "max-pods-from", "", "Max pods `RULE` (default: the scenario's, else eks): eks (EKS managed node group: the max-pods calculator's figure for the CNI mode, capped at 110, 250 above 30 vCPUs), eni-max-pods (AL2 bootstrap) or nodeadm (AL2023)")
	fs.StringVar(&o.policy, "policy", "vpc-cni", "Pool policy `NAME`: "+strings.Join(ipam.PolicyNames(), ", "))
	fs.StringArrayVar(&o.policySets, "policy-set", nil, "Set a policy parameter, `KEY=VALUE` (repeatable; names as the policy's project spells them)")
	fs.StringVar(&o.assignOrder, "assign-order", "go-map", "Walk order where upstream ranges over a Go map: go-map (Go 1.26's own order, seeded), first-fit (sorted), or random (an alias of go-map)")
	fs.StringVar(&o.ec2, "ec2", "default", "EC2 latency `PROFILE`: default or zero (instant, never throttled)")
	fs.StringVar(&o.ec2ProfileFile, "ec2-profile", "", "Lay the EC2 latencies of `FILE` (CSV api,p50_ms,p99_ms; ipamsim ec2-profile prints the built-in one) over --ec2's")
	fs.Uint64Var(&o.seed, "seed", 1, "Seed `N` for every random choice")
	fs.DurationVar(&o.drain, "drain", 10*time.Minute, "Keep simulating for `D` after the last trace event")
	fs.DurationVar(&o.warmUp, "warm-up", 0, "Boot the node (every node) `D` before trace time 0; figures cover trace time only (default: the scenario's, else a cold node)")
	fs.StringVar(&o.timeline, "timeline", "", "Write the per-event timeline CSV to `FILE`")
	fs.StringVar(&o.events, "events", "", "Write the model's event log to `FILE`: one line per decision, EC2 call, ENI, address and pod event, simulated time first (docs/events.md)")
	fs.StringVar(&o.pods, "pods", "", "Write one CSV row per pod to `FILE`: pod,node,first_add,assigned_at,wait_seconds,outcome (assigned, never-assigned, unschedulable, running),failed_adds,deleted_at; its waits are the summary's")
	fs.StringVarP(&o.output, "output", "o", "text", "Summary format: text or json")
	fs.StringVar(&o.metricsFile, "metrics-file", "", "Write Prometheus metrics at the end of the run to `FILE`")
	fs.Float64Var(&o.kubeletJitter, "kubelet-jitter", -1, "Jitter factor `F` of the kubelet's 10 s ADD retry (default: 0.5, or 0 with --ec2 zero)")
	fs.StringVar(&o.series, "series", "", "Cluster runs: write the sampled cluster and subnet series CSV to `FILE`")
	fs.DurationVar(&o.sampleEvery, "sample-every", time.Minute, "Cluster runs: sample the series every `D` of simulated time")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "Serve live Prometheus metrics on `ADDR` (e.g. 127.0.0.1:9100) while the run goes on, then its final state")
	fs.Float64Var(&o.speed, "speed", 1, "With --metrics-addr, run simulated time `N` times faster than the wall clock (0: as fast as possible)")
	fs.DurationVar(&o.exitAfter, "exit-after", 0, "With --metrics-addr, exit `D` of wall-clock time after the run (default: serve until SIGINT or SIGTERM)")
	fs.StringVar(&o.openMetricsFile, "openmetrics-file", "", "Write every metric as a time series in OpenMetrics text to `FILE`, for promtool tsdb create-blocks-from openmetrics")
	fs.StringVar(&o.startTime, "start-time", defaultStartTime, "RFC 3339 `TIME` that simulated time 0 is in the --openmetrics-file backfill")
	fs.DurationVar(&o.sampleInterval, "sample-interval", 15*time.Second, "Sample --openmetrics-file and --report every `D` of simulated time")
	fs.StringVar(&o.report, "report", "", "Write a self-contained HTML report of the run to `FILE`")
	fs.StringVar(&o.subnet, "subnet", "10.0.0.0/16", "The node's subnet `CIDR` (AWS reserves 5 addresses)")
	fs.BoolVar(&o.strictEntrypoint, "strict-entrypoint", false, "Refuse settings the aws-node entrypoint refuses, instead of warning")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "Draw no progress line on a terminal (drawn on stderr for runs over a second)")
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim run:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim run [flags]\n\nReplay a pod trace against one simulated EKS node.\n\n%s", fs.FlagUsages())
		return 0
	}
	o.changed = map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { o.changed[f.Name] = true })
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o.progress = progressTo(stderr, o.quiet)
	if o.metricsAddr != "" {
		o.progress = nil // the live run logs its own lines
	}
	return exitStatus(stderr, "ipamsim run", o.run(stdin, stdout, stderr))
}

func (o *runOptions) run(stdin io.Reader, stdout, stderr io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("-o %q: want text or json", o.output)}
	}
	if o.trace != "" && o.scenario != "" {
		return usageError{errors.New("--trace and --scenario exclude each other")}
	}
	// 0 is never "the default": a count flag given is in its range (the
	// upper bounds are checked by replay.Prepare).
	for _, c := range []struct {
		flag   string
		v, min int
	}{{"enis", o.enis, 1}, {"ipv4-per-eni", o.ipv4PerENI, 2}, {"max-pods", o.maxPods, 1}} {
		if o.changed[c.flag] && c.v < c.min {
			return usageError{fmt.Errorf("--%s %d: want at least %d (leave the flag out for the instance type's own)", c.flag, c.v, c.min)}
		}
	}
	policyParams, err := parsePolicySets(o.policySets)
	if err != nil {
		return err
	}

	// The workload: a scenario (the default one without --trace) and its
	// runs, or a trace.
	var sc *scenarios.Scenario
	runs := []string{""}
	if o.trace == "" {
		if sc, err = scenarios.LoadScenario(cmp.Or(o.scenario, scenarios.DefaultScenarioName)); err != nil {
			return usageError{err}
		}
		runs = sc.RunNames()
		if o.variant != "" {
			if !slices.Contains(runs, o.variant) {
				return usageError{fmt.Errorf("--variant %q: scenario %s has %s", o.variant, sc.Name, strings.Join(runs, ", "))}
			}
			runs = []string{o.variant}
		}
	} else if o.variant != "" {
		return usageError{errors.New("--variant needs --scenario")}
	}
	if len(runs) > 1 && (o.timeline != "" || o.metricsFile != "" || o.series != "") {
		return usageError{fmt.Errorf("--timeline, --metrics-file and --series describe one run; scenario %s has %d variants: choose one with --variant", sc.Name, len(runs))}
	}
	if len(runs) > 1 && o.events+o.pods != "" {
		return usageError{fmt.Errorf("--events and --pods describe one run; scenario %s has %d variants: choose one with --variant", sc.Name, len(runs))}
	}
	if err := o.validateVisual(sc, runs); err != nil {
		return err
	}

	// The outputs are checked and opened before anything runs; they are
	// committed together when every run has succeeded.
	outs := outputs.New()
	defer outs.Abort()
	outs.Input("--trace", o.trace)
	outs.Input("--env-file", o.envFile)
	scenarioInputs(outs, "--scenario", sc)
	files, err := createOutputs(outs, outFlag{"--timeline", o.timeline}, outFlag{"--metrics-file", o.metricsFile},
		outFlag{"--series", o.series}, outFlag{"--openmetrics-file", o.openMetricsFile}, outFlag{"--report", o.report},
		outFlag{"--events", o.events}, outFlag{"--pods", o.pods})
	if err != nil {
		return err
	}

	// Every run is prepared before any starts, so that a bad override or
	// setting fails first.
	ov := o.overrides(policyParams)
	setups := make([]*replay.Setup, len(runs))
	for i, variant := range runs {
		req := replay.Request{Scenario: sc, Variant: variant, Overrides: ov}
		if sc == nil {
			req.Trace, req.TraceName = o.openTrace(stdin, stderr), o.trace
		}
		if setups[i], err = replay.Prepare(req); err != nil {
			return err
		}
	}
	if setups[0].IsCluster() {
		if o.sampleEvery < time.Millisecond || o.sampleEvery > replay.MaxDrain {
			return usageError{fmt.Errorf("--sample-every %s: want 1ms to %s", o.sampleEvery, replay.MaxDrain)}
		}
		return o.runCluster(setups, runs, outs, files, stdout, stderr)
	}
	if o.series != "" {
		return usageError{errors.New("--series is for cluster scenarios")}
	}
	if o.changed["sample-every"] {
		return usageError{errors.New("--sample-every samples the series of a cluster scenario: it needs one")}
	}
	if o.live, err = o.startLive(stderr); err != nil {
		return err
	}
	defer o.live.Stop()
	if o.live != nil {
		// The first SIGINT or SIGTERM ends pacing and serving (Live), the
		// outputs still written; a second one stops at once.
		defer claimSignals()()
	}
	sums := make([]replay.Summary, len(setups))
	for i, setup := range setups {
		if sums[i], err = o.runOne(setup, files, stderr); err != nil {
			return err
		}
	}
	if err := outs.Commit(); err != nil {
		return err
	}
	if err := o.print(stdout, setups[0], runs, sums); err != nil {
		return err
	}
	return o.live.ServeFinal(func(format string, args ...any) {
		fmt.Fprintf(stderr, "ipamsim run: "+format+"\n", args...)
	})
}

// overrides are the flags that change what the scenario (or, for a trace,
// the defaults) say; flags left at their defaults change nothing.
func (o *runOptions) overrides(policyParams map[string]string) replay.Overrides {
	ov := replay.Overrides{ENIs: o.enis, IPv4PerENI: o.ipv4PerENI, EnvFile: o.envFile, Settings: o.sets,
		MaxPods: o.maxPods, MaxPodsFrom: o.maxPodsFrom, Policy: o.policy, PolicyParams: policyParams, Order: o.assignOrder, Seed: o.seed,
		StrictEntrypoint: o.strictEntrypoint, EC2ProfileFile: o.ec2ProfileFile}
	if o.changed["instance-type"] {
		ov.InstanceType = o.instanceType
	}
	if o.changed["ec2"] {
		ov.EC2 = o.ec2
	}
	if o.changed["drain"] {
		ov.Drain = &o.drain
	}
	if o.changed["warm-up"] {
		ov.WarmUp = &o.warmUp
	}
	if o.changed["subnet"] {
		ov.Subnet = o.subnet
	}
	if o.changed["kubelet-jitter"] {
		ov.KubeletJitter = &o.kubeletJitter // checked by replay.Prepare: 0 to 10, not NaN
	}
	if !o.changed["policy"] && len(o.policySets) == 0 {
		ov.Policy = "" // the VPC CNI, as the scenario runs it
	}
	return ov
}

// parsePolicySets parses --policy-set KEY=VALUE arguments into a policy's
// parameters (the policy checks them).
func parsePolicySets(sets []string) (map[string]string, error) {
	params := map[string]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("--policy-set %q: want KEY=VALUE", kv)}
		}
		params[k] = v
	}
	return params, nil
}

// openTrace returns the opener of --trace: the file, or standard input for
// "-", read once; an audit log's import summary goes to stderr.
func (o *runOptions) openTrace(stdin io.Reader, stderr io.Writer) func() (scenarios.Reader, error) {
	return func() (scenarios.Reader, error) {
		t, err := scenarios.OpenTrace(o.trace, scenarios.TraceOptions{Stdin: stdin})
		if err != nil {
			return nil, traceOpenError(err)
		}
		if t.Audit != nil {
			fmt.Fprintf(stderr, "ipamsim run: %s: %s\n", t.Name, t.Audit)
		}
		return t, nil
	}
}

// traceOpenError makes a trace that cannot be opened a usage error naming
// --trace.
func traceOpenError(err error) error {
	var oe *scenarios.OpenError
	if errors.As(err, &oe) {
		return usageError{fmt.Errorf("--trace: %w", err)}
	}
	return err
}

// runOne runs one single-node setup and writes the run's files (committed
// by the caller).
func (o *runOptions) runOne(setup *replay.Setup, files map[string]*outputs.File, stderr io.Writer) (replay.Summary, error) {
	opt := replay.Options{}
	if tl := files["--timeline"]; tl != nil {
		opt.Timeline = tl
	}
	events := openLogs(files, false, &setup.Node.Events)
	obs, backfill, rec, err := o.observe(&opt)
	if err != nil {
		return replay.Summary{}, err
	}
	defer obs.Release()
	bound := maxKeptSamples
	if backfill != nil {
		bound = maxBackfillSamples
	}
	coarse := boundSamples(&opt.MaxSamples, &opt.OnCoarsen, bound)
	var meter runMeter
	meter.hook(&opt)
	line := progress.Start(o.progress, meter.line("ipamsim run"))
	run, err := setup.Execute(opt)
	line.Stop()
	if err != nil {
		return replay.Summary{}, err
	}
	if err := events.flush(run.Result.End); err != nil {
		return replay.Summary{}, err
	}
	if *coarse > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("--sample-interval %s: the run lasted %s of simulated time; --report and --openmetrics-file are sampled every %s to keep them under %d samples",
			o.sampleInterval, time.Duration(run.Result.End), time.Duration(*coarse), bound))
	}
	if run.Result.Nodes > 1 {
		run.Warnings = append(run.Warnings, "the trace places pods on several nodes (its node column); this single-node run puts them all on one node — describe the cluster in a scenario (subnet: and group: lines) to replay it node by node")
	}
	for _, w := range append(setup.Warnings, run.Warnings...) {
		fmt.Fprintf(stderr, "ipamsim run: warning: %s\n", w)
	}
	if f := files["--metrics-file"]; f != nil {
		if err := promexport.WriteNode(f, run.Node, run.Result); err != nil {
			return replay.Summary{}, err
		}
	}
	// The report shows the scenario's question only where it applies.
	sc := setup.Scenario
	if sc != nil && setup.Question() == "" {
		c := *sc
		c.Question = ""
		sc = &c
	}
	obs.Finish(run.Result)
	if err := o.writeVisual(files, backfill, rec, run, *setup.Node, sc); err != nil {
		return replay.Summary{}, err
	}
	return run.Summary, nil
}

// eventLog writes the model's event log (--events: ipam.Event's text form,
// one line per event; cluster logs name each event's node after its time)
// and the per-pod outcomes built from it (--pods, replay.PodLog).
type eventLog struct {
	w        *bufio.Writer // nil without --events
	pods     *replay.PodLog
	line     []byte
	withNode bool
}

// openLogs returns the logs the run's files ask for, hooked to the run's
// events, or nil for none (the hook left alone: no event log costs nothing).
func openLogs(files map[string]*outputs.File, withNode bool, hook *func(ipam.Event)) *eventLog {
	l := &eventLog{withNode: withNode}
	if f := files["--events"]; f != nil {
		l.w = bufio.NewWriterSize(f, 64<<10)
	}
	if f := files["--pods"]; f != nil {
		l.pods = replay.NewPodLog(f)
	}
	if l.w == nil && l.pods == nil {
		return nil
	}
	*hook = l.add
	return l
}

func (l *eventLog) add(e ipam.Event) {
	if l.pods != nil {
		l.pods.Add(e)
	}
	if l.w != nil {
		l.line = append(e.AppendText(l.line[:0], l.withNode), '\n')
		l.w.Write(l.line) // the first error stays in the writer until flush
	}
}

// flush writes what is buffered, the pods live at end included; a nil log
// has nothing to write.
func (l *eventLog) flush(end sim.Time) error {
	if l == nil {
		return nil
	}
	if l.pods != nil {
		if err := l.pods.Finish(end); err != nil {
			return err
		}
	}
	if l.w == nil {
		return nil
	}
	return l.w.Flush()
}

// maxKeptSamples bounds the samples a long run keeps for --report,
// --openmetrics-file and compare's --report: past it the sampling interval
// doubles (replay.Options.MaxSamples), so that memory stays bounded however
// long the run (20,000 samples: a fortnight at 1-minute steps, or a 30-day
// run at 15 s in about 4 doublings).
const maxKeptSamples = 20_000

// maxBackfillSamples is the bound with --openmetrics-file, whose every
// sample gathers all the node's metrics (about 100 µs): 5,000 samples, the
// about 21 hours at 15 s; a 30-day run at 1 s gathers about 30,000.
const maxBackfillSamples = 5_000

// maxSeriesRows bounds the rows of a cluster's --series in the same way.
const maxSeriesRows = 100_000

// boundSamples sets a run's sample bound and returns where the coarsest
// interval it came to is noted (0: the interval given).
func boundSamples(maxSamples *int, onCoarsen *func(sim.Time), bound int) *sim.Time {
	coarse := new(sim.Time)
	*maxSamples = bound
	prev := *onCoarsen
	*onCoarsen = func(every sim.Time) {
		if prev != nil {
			prev(every)
		}
		*coarse = every
	}
	return coarse
}

// writeJSON writes one run's summary, or with variants, a list of
// {variant, summary} in run order.
func writeJSON[S any](w io.Writer, variants []string, sums []S) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(sums) == 1 {
		return enc.Encode(sums[0])
	}
	type named struct {
		Variant string `json:"variant"`
		Summary S      `json:"summary"`
	}
	all := make([]named, len(sums))
	for i, s := range sums {
		all[i] = named{variants[i], s}
	}
	return enc.Encode(all)
}

// print writes the summaries: one, or each variant's and a comparison table.
func (o *runOptions) print(stdout io.Writer, setup *replay.Setup, variants []string, sums []replay.Summary) error {
	out := bufio.NewWriter(stdout)
	if o.output == "json" {
		if err := writeJSON(out, variants, sums); err != nil {
			return err
		}
		return out.Flush()
	}
	if h := setup.Heading(); h != "" {
		fmt.Fprintf(out, "scenario      %s\n", h)
	}
	for i, s := range sums {
		if len(sums) > 1 {
			fmt.Fprintf(out, "\n== variant %s\n", variants[i])
		}
		if err := s.WriteText(out); err != nil {
			return err
		}
	}
	if len(sums) > 1 {
		fmt.Fprintln(out)
		if err := replay.WriteComparison(out, variants, sums); err != nil {
			return err
		}
	}
	return out.Flush()
}
