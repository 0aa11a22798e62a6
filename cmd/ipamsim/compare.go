package main

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/report"
	"github.com/ipamsim/ipamsim/sim"
)

// defaultComparePolicies is the policy list of `ipamsim compare` without
// --policies: the VPC CNI first, as the baseline.
const defaultComparePolicies = "vpc-cni,cilium-eni,azure-cns,terway,static,calico"

// compareOptions are the flags of `ipamsim compare`.
type compareOptions struct {
	policies        string
	policySets      []string
	trace           string
	scenario        string
	variant         string
	instanceType    string
	sets            []string
	seed            uint64
	ec2             string
	ec2ProfileFile  string
	drain           time.Duration
	output          string
	out             string
	report          string
	sampleInterval  time.Duration
	instanceTypeSet bool
	sampleSet       bool
	quiet           bool
	ec2Set          bool
	drainSet        bool
}

// compareRun is one policy's run in a comparison.
type compareRun struct {
	Policy       string            `json:"policy"`
	Params       map[string]string `json:"params,omitempty"`
	NodeSettings []string          `json:"node_settings,omitempty"`
	Summary      replay.Summary    `json:"summary"`
}

// comparison is the whole output of `ipamsim compare -o json`.
type comparison struct {
	Workload     string       `json:"workload"`
	Variant      string       `json:"variant,omitempty"` // a scenario with variants: the run compared
	InstanceType string       `json:"instance_type"`
	Seed         uint64       `json:"seed"`
	EC2Profile   string       `json:"ec2_profile"`
	Runs         []compareRun `json:"runs"`
}

func runCompare(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o compareOptions
	fs := pflag.NewFlagSet("ipamsim compare", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.policies, "policies", defaultComparePolicies, "Comma-separated `LIST` of pool policies to run ("+strings.Join(ipam.PolicyNames(), ", ")+")")
	fs.StringArrayVar(&o.policySets, "policy-set", nil, "Set a policy parameter, `POLICY.KEY=VALUE` (repeatable; e.g. cilium-eni.pre-allocate=16)")
	fs.StringVar(&o.trace, "trace", "", "Replay the trace in `FILE` (CSV, JSONL or Kubernetes audit log; - for stdin)")
	fs.StringVar(&o.scenario, "scenario", "", "Run the shipped scenario `NAME`, or a .scn scenario file (default: the default scenario)")
	fs.StringVar(&o.variant, "variant", "", "Run the scenario's variant `NAME` (default: base, the scenario's own settings)")
	fs.StringVar(&o.instanceType, "instance-type", "m5.large", "EC2 instance `TYPE` of the node (default: the scenario's)")
	fs.StringArrayVar(&o.sets, "set", nil, "Set a VPC CNI variable for every run, `KEY=VALUE` (repeatable)")
	fs.Uint64Var(&o.seed, "seed", 1, "Seed `N` for every random choice (the same for every policy)")
	fs.StringVar(&o.ec2, "ec2", "default", "EC2 latency `PROFILE`: default or zero (instant, never throttled; default: the scenario's, or default)")
	fs.StringVar(&o.ec2ProfileFile, "ec2-profile", "", "Lay the EC2 latencies of `FILE` (CSV api,p50_ms,p99_ms; ipamsim ec2-profile prints the built-in one) over --ec2's")
	fs.DurationVar(&o.drain, "drain", 10*time.Minute, "Keep simulating for `D` after the last trace event (default: the scenario's, or 10m)")
	fs.StringVarP(&o.output, "output", "o", "text", "Output format: text, json or csv")
	fs.StringVar(&o.out, "out", "", "Write the output to `FILE` instead of stdout (- for stdout)")
	fs.StringVar(&o.report, "report", "", "Write a self-contained HTML report (the table and a timeline per policy) to `FILE`")
	fs.DurationVar(&o.sampleInterval, "sample-interval", 15*time.Second, "Sample the --report timelines every `D` of simulated time")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "Draw no progress line on a terminal")
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim compare:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim compare [flags]\n\nRun one workload under several pool policies on the same node and EC2 model\nand print one table of addresses held, pod IP wait and EC2 calls.\n\n%s", fs.FlagUsages())
		return 0
	}
	o.instanceTypeSet = fs.Changed("instance-type")
	o.sampleSet = fs.Changed("sample-interval")
	o.ec2Set, o.drainSet = fs.Changed("ec2"), fs.Changed("drain")
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim compare: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	return exitStatus(stderr, "ipamsim compare", o.run(stdin, stdout, stderr))
}

// policyList parses --policies and the --policy-set entries into each
// policy's parameters, in --policies order.
func (o *compareOptions) policyList() ([]string, map[string]map[string]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, p := range strings.Split(o.policies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, nil, usageError{fmt.Errorf("--policies %q: an empty item (valid: %s)", o.policies, strings.Join(ipam.PolicyNames(), ", "))}
		}
		if seen[p] {
			return nil, nil, usageError{fmt.Errorf("--policies: %s given twice", p)}
		}
		if _, err := ipam.PolicyParams(p); err != nil {
			return nil, nil, usageError{fmt.Errorf("--policies: %v", err)}
		}
		seen[p] = true
		names = append(names, p)
	}
	if len(names) == 0 {
		return nil, nil, usageError{fmt.Errorf("--policies: no policy given (valid: %s)", strings.Join(ipam.PolicyNames(), ", "))}
	}
	params := map[string]map[string]string{}
	for _, s := range o.policySets {
		pk, v, ok := strings.Cut(s, "=")
		pol, key, ok2 := strings.Cut(strings.TrimSpace(pk), ".")
		if !ok || !ok2 || pol == "" || key == "" {
			return nil, nil, usageError{fmt.Errorf("--policy-set %q: want POLICY.KEY=VALUE", s)}
		}
		if _, err := ipam.PolicyParams(pol); err != nil {
			return nil, nil, usageError{fmt.Errorf("--policy-set %q: %v", s, err)}
		}
		if !seen[pol] {
			return nil, nil, usageError{fmt.Errorf("--policy-set %q: policy %s is not in --policies", s, pol)}
		}
		if params[pol] == nil {
			params[pol] = map[string]string{}
		}
		params[pol][key] = v
	}
	return names, params, nil
}

func (o *compareOptions) run(stdin io.Reader, stdout, stderr io.Writer) error {
	if o.output != "text" && o.output != "json" && o.output != "csv" {
		return usageError{fmt.Errorf("-o %q: want text, json or csv", o.output)}
	}
	if o.trace != "" && o.scenario != "" {
		return usageError{errors.New("--trace and --scenario exclude each other")}
	}
	if o.drain < 0 {
		return usageError{fmt.Errorf("--drain %s: must not be negative", o.drain)}
	}
	if o.sampleInterval < time.Millisecond {
		return usageError{fmt.Errorf("--sample-interval %s: want at least 1ms", o.sampleInterval)}
	}
	if o.sampleSet && o.report == "" {
		return usageError{errors.New("--sample-interval samples the report's timelines: it needs --report")}
	}
	names, params, err := o.policyList()
	if err != nil {
		return err
	}

	// The workload: a scenario, or a trace read once and replayed from
	// memory (or re-opened, if large) for each policy.
	var sc *scenarios.Scenario
	var trace *scenarios.TraceSource
	if o.trace == "" {
		if sc, err = scenarios.LoadScenario(cmp.Or(o.scenario, scenarios.DefaultScenarioName)); err != nil {
			return usageError{err}
		}
	} else {
		if o.variant != "" {
			return usageError{errors.New("--variant needs --scenario")}
		}
		if trace, err = scenarios.LoadTrace(o.trace, scenarios.TraceOptions{Stdin: stdin}); err != nil {
			return traceOpenError(err)
		}
		if trace.Audit != nil {
			fmt.Fprintf(stderr, "ipamsim compare: %s: %s\n", trace.Name, trace.Audit)
		}
	}
	// One run per policy, each prepared as `ipamsim run --policy P` would
	// prepare it, before any runs.
	setups := make([]*replay.Setup, len(names))
	for i, name := range names {
		ov := replay.Overrides{Settings: o.sets, Seed: o.seed, Policy: name, PolicyParams: params[name], EC2ProfileFile: o.ec2ProfileFile}
		if o.instanceTypeSet {
			ov.InstanceType = o.instanceType
		}
		if o.ec2Set {
			ov.EC2 = o.ec2
		}
		if o.drainSet {
			ov.Drain = &o.drain
		}
		req := replay.Request{Scenario: sc, Variant: o.variant, Overrides: ov}
		if trace != nil {
			req.Trace, req.TraceName = trace.Open, o.trace
		}
		if setups[i], err = replay.Prepare(req); err != nil {
			return err
		}
	}
	first := setups[0]
	if first.IsCluster() {
		return usageError{fmt.Errorf("scenario %s is a cluster, and compare's table describes one node: compare the policies on the cluster with 'ipamsim run --scenario %s --policy P' for each", sc.Name, o.scenario)}
	}

	// The outputs are opened first, so that a path that cannot be written
	// fails before the runs, and committed together at the end.
	outs := outputs.New()
	defer outs.Abort()
	outs.Input("--trace", o.trace)
	scenarioInputs(outs, "--scenario", sc)
	outPath := o.out
	if outPath == "-" {
		outPath = "" // standard output
	}
	files, err := createOutputs(outs, outFlag{"--out", outPath}, outFlag{"--report", o.report})
	if err != nil {
		return err
	}
	rep := files["--report"]
	var series []*report.Series

	res := comparison{Workload: first.Workload(), InstanceType: first.Node.Instance.Name, Seed: o.seed, EC2Profile: first.Node.Profile.Name}
	if sc != nil && len(sc.Variants) > 0 {
		res.Variant = first.Variant
	}
	warned := map[string]bool{}
	every := sim.Time(o.sampleInterval) // the report's interval: coarser on a long run
	for i, setup := range setups {
		p := names[i]
		var opt replay.Options
		var ser *report.Series
		if rep != nil {
			ser = new(report.Series)
			ser.Hook(&opt, sim.Time(o.sampleInterval))
			series = append(series, ser)
		}
		coarse := boundSamples(&opt.MaxSamples, &opt.OnCoarsen, maxKeptSamples)
		var meter runMeter
		meter.hook(&opt)
		line := progress.Start(progressTo(stderr, o.quiet), meter.line(fmt.Sprintf("ipamsim compare: policy %d/%d %s", i+1, len(setups), p)))
		out, err := setup.Execute(opt)
		line.Stop()
		if err != nil {
			return fmt.Errorf("policy %s: %w", p, err)
		}
		if *coarse > every {
			every = *coarse
		}
		if ser != nil {
			// The samples are the report's, not the run's: the figures stay
			// those of a run without --report.
			out.Summary.EventsProcessed -= ser.SamplerEvents()
		}
		for _, w := range append(setup.Warnings, out.Warnings...) {
			if !warned[w] {
				warned[w] = true
				fmt.Fprintf(stderr, "ipamsim compare: %s: warning: %s\n", p, w)
			}
		}
		res.Runs = append(res.Runs, compareRun{Policy: p, Params: params[p],
			NodeSettings: ipam.PolicySettings(setup.Node.Policy), Summary: out.Summary})
	}

	w := stdout
	if f := files["--out"]; f != nil {
		w = f
	}
	bw := bufio.NewWriter(w)
	switch o.output {
	case "json":
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	case "csv":
		err = writeCompareCSV(bw, res)
	default:
		if sc != nil {
			fmt.Fprintf(bw, "scenario  %s\n", compareHeading(first, res.Variant))
		} else {
			fmt.Fprintf(bw, "trace     %s\n", o.trace)
		}
		err = writeCompareText(bw, res)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if rep != nil {
		question := ""
		if sc != nil && len(compareOverrides(first)) == 0 {
			question = sc.Question
		}
		if every > sim.Time(o.sampleInterval) {
			fmt.Fprintf(stderr, "ipamsim compare: warning: --sample-interval %s: the runs are long; the report is sampled every %s to keep it under %d samples a policy\n",
				o.sampleInterval, time.Duration(every), maxKeptSamples)
		}
		if err := report.WriteCompare(rep, compareReport(res, series, question, every)); err != nil {
			return err
		}
	}
	return outs.Commit()
}

// compareOverrides are the overrides that change what a scenario's question
// is about, but for the policy: the policies are what compare varies.
func compareOverrides(s *replay.Setup) []string {
	var out []string
	for _, o := range s.Overridden {
		if !strings.HasPrefix(o, "--policy ") {
			out = append(out, o)
		}
	}
	return out
}

// compareHeading introduces a scenario's comparison: its name, the variant
// compared (for a scenario with variants) and its question, or what
// overrode the node or settings the question is about.
func compareHeading(s *replay.Setup, variant string) string {
	h := s.Scenario.Name
	if variant != "" {
		h += ", variant " + variant
	}
	if ov := compareOverrides(s); len(ov) > 0 {
		return h + ", overridden: " + strings.Join(ov, " ")
	}
	return h + ": " + s.Scenario.Question
}

// compareRows are the figures of the comparison, in table order.
var compareRows = []struct {
	label, csv string
	value      func(s *replay.Summary) string
}{
	{"addresses held, peak", "peak_addresses_held", func(s *replay.Summary) string { return strconv.Itoa(s.PeakAddressesHeld) }},
	{"addresses held, mean", "mean_addresses_held", func(s *replay.Summary) string { return strconv.FormatFloat(s.MeanAddressesHeld, 'f', 1, 64) }},
	{"idle IP-seconds", "idle_ip_seconds", func(s *replay.Summary) string { return strconv.FormatFloat(s.IdleIPSeconds, 'f', 0, 64) }},
	{"pod IP wait p50 (s)", "wait_p50_seconds", func(s *replay.Summary) string { return strconv.FormatFloat(s.WaitP50Seconds, 'f', 3, 64) }},
	{"pod IP wait p99 (s)", "wait_p99_seconds", func(s *replay.Summary) string { return strconv.FormatFloat(s.WaitP99Seconds, 'f', 3, 64) }},
	{"pod IP wait max (s)", "wait_max_seconds", func(s *replay.Summary) string { return strconv.FormatFloat(s.WaitMaxSeconds, 'f', 3, 64) }},
	{"pods that waited", "pods_waited", func(s *replay.Summary) string { return strconv.FormatUint(s.PodsWaited, 10) }},
	{"pods never assigned", "pods_never_assigned", func(s *replay.Summary) string { return strconv.FormatUint(s.PodsNeverAssigned, 10) }},
	{"EC2 calls", "ec2_calls_total", func(s *replay.Summary) string { return strconv.FormatUint(s.EC2CallsTotal, 10) }},
	{"EC2 calls throttled", "throttled_calls", func(s *replay.Summary) string { return strconv.FormatUint(s.ThrottledCalls, 10) }},
	{"ENIs, peak", "peak_enis", func(s *replay.Summary) string { return strconv.Itoa(s.PeakENIs) }},
}

// writeCompareText prints the comparison as one aligned table: a column per
// policy, a row per figure, then each policy's parameters and the node
// settings it ran with.
func writeCompareText(w io.Writer, c comparison) error {
	mode := ""
	if len(c.Runs) > 0 {
		s := c.Runs[0].Summary
		mode = fmt.Sprintf(", %d ENIs x %d IPv4, max pods %d (%s)", s.MaxENIs, s.IPv4PerENI, s.MaxPods, s.MaxPodsSource)
	}
	fmt.Fprintf(w, "node      %s%s; seed %d; EC2 %s\n\n", c.InstanceType, mode, c.Seed, c.EC2Profile)
	labelW := 0
	for _, r := range compareRows {
		labelW = max(labelW, len(r.label))
	}
	colW := make([]int, len(c.Runs))
	cells := make([][]string, len(compareRows))
	for i, run := range c.Runs {
		colW[i] = len(run.Policy)
	}
	for r, row := range compareRows {
		cells[r] = make([]string, len(c.Runs))
		for i := range c.Runs {
			v := row.value(&c.Runs[i].Summary)
			cells[r][i] = v
			colW[i] = max(colW[i], len(v))
		}
	}
	var b strings.Builder
	line := func(label string, vals []string) {
		b.WriteString(label + strings.Repeat(" ", labelW-len(label)))
		for i, v := range vals {
			b.WriteString("  " + strings.Repeat(" ", colW[i]-len(v)) + v)
		}
		b.WriteString("\n")
	}
	head := make([]string, len(c.Runs))
	for i, run := range c.Runs {
		head[i] = run.Policy
	}
	line("", head)
	for r, row := range compareRows {
		line(row.label, cells[r])
	}
	b.WriteString("\n")
	for _, run := range c.Runs {
		var notes []string
		if len(run.Params) > 0 {
			keys := make([]string, 0, len(run.Params))
			for k := range run.Params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+"="+run.Params[k])
			}
			notes = append(notes, strings.Join(kv, " "))
		}
		if len(run.NodeSettings) > 0 {
			notes = append(notes, "node settings "+strings.Join(run.NodeSettings, " "))
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", run.Policy, strings.Join(notes, "; "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCompareCSV(w io.Writer, c comparison) error {
	cw := csv.NewWriter(w)
	header := []string{"policy"}
	for _, r := range compareRows {
		header = append(header, r.csv)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := range c.Runs {
		rec := []string{c.Runs[i].Policy}
		for _, r := range compareRows {
			rec = append(rec, r.value(&c.Runs[i].Summary))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// compareReport is what the --report page shows of the comparison: its
// table (compareRows) and each policy's sampled series.
func compareReport(c comparison, series []*report.Series, question string, every sim.Time) report.Comparison {
	rc := report.Comparison{Workload: c.Workload, Question: question, InstanceType: c.InstanceType, Seed: c.Seed,
		EC2Profile: c.EC2Profile, SampleEvery: every}
	for _, row := range compareRows {
		f := report.Figure{Label: row.label}
		for i := range c.Runs {
			f.Values = append(f.Values, row.value(&c.Runs[i].Summary))
		}
		rc.Figures = append(rc.Figures, f)
	}
	for i, r := range c.Runs {
		rc.Runs = append(rc.Runs, report.ComparedRun{Policy: r.Policy, Params: r.Params, NodeSettings: r.NodeSettings,
			Summary: r.Summary, Series: series[i]})
	}
	return rc
}
