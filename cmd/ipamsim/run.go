package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/promexport"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// runOptions are the flags of `ipamsim run` (design.md "Command-line contract").
type runOptions struct {
	trace            string
	scenario         string
	instanceType     string
	enis             int
	ipv4PerENI       int
	sets             []string
	envFile          string
	maxPods          int
	assignOrder      string
	ec2              string
	seed             uint64
	drain            time.Duration
	timeline         string
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
	live             *promexport.Live
	changed          map[string]bool // flags given on the command line
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
	fs.IntVar(&o.maxPods, "max-pods", 0, "The kubelet's max pods `N` (default: the type's eni-max-pods.txt figure)")
	fs.StringVar(&o.policy, "policy", "vpc-cni", "Pool policy `NAME`: "+strings.Join(ipam.PolicyNames(), ", "))
	fs.StringArrayVar(&o.policySets, "policy-set", nil, "Set a policy parameter, `KEY=VALUE` (repeatable; names as the policy's project spells them)")
	fs.StringVar(&o.assignOrder, "assign-order", "first-fit", "Walk order where upstream ranges over a Go map: first-fit or random")
	fs.StringVar(&o.ec2, "ec2", "default", "EC2 latency `PROFILE`: default or zero (instant, never throttled)")
	fs.Uint64Var(&o.seed, "seed", 1, "Seed `N` for every random choice")
	fs.DurationVar(&o.drain, "drain", 10*time.Minute, "Keep simulating for `D` after the last trace event")
	fs.StringVar(&o.timeline, "timeline", "", "Write the per-event timeline CSV to `FILE`")
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
	return exitStatus(stderr, "ipamsim run", o.run(stdin, stdout, stderr))
}

func (o *runOptions) run(stdin io.Reader, stdout, stderr io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("-o %q: want text or json", o.output)}
	}
	if o.trace != "" && o.scenario != "" {
		return usageError{errors.New("--trace and --scenario exclude each other")}
	}
	if o.maxPods < 0 {
		return usageError{fmt.Errorf("--max-pods %d: must not be negative", o.maxPods)}
	}
	order, err := ipam.ParseAssignOrder(o.assignOrder)
	if err != nil {
		return usageError{fmt.Errorf("--assign-order: %w", err)}
	}
	subnetPrefix, err := netip.ParsePrefix(o.subnet)
	if err != nil {
		return usageError{fmt.Errorf("--subnet: %v", err)}
	}
	if _, err := ipam.NewSubnet(subnetPrefix); err != nil {
		return usageError{fmt.Errorf("--subnet: %v", err)}
	}

	// The scenario gives defaults that flags override.
	var sc *scenarios.Scenario
	if o.trace == "" {
		name := o.scenario
		if name == "" {
			name = scenarios.DefaultScenarioName
		}
		if sc, err = scenarios.LoadScenario(name); err != nil {
			return usageError{err}
		}
		if !o.changed["instance-type"] {
			o.instanceType = sc.InstanceType
		}
		if !o.changed["ec2"] && sc.EC2 != "" {
			o.ec2 = sc.EC2
		}
		if !o.changed["drain"] && sc.Drain > 0 {
			o.drain = sc.Drain
		}
		if !o.changed["max-pods"] && sc.MaxPods > 0 {
			o.maxPods = sc.MaxPods
		}
	}
	profile, err := ipam.ProfileByName(o.ec2)
	if err != nil {
		return usageError{fmt.Errorf("--ec2: %w", err)}
	}
	if o.kubeletJitter >= 0 {
		if o.kubeletJitter > 10 {
			return usageError{fmt.Errorf("--kubelet-jitter %g: want 0 to 10", o.kubeletJitter)}
		}
		profile.KubeletJitter = o.kubeletJitter
	} else if o.kubeletJitter != -1 {
		return usageError{fmt.Errorf("--kubelet-jitter %g: must not be negative", o.kubeletJitter)}
	}
	if o.drain < 0 {
		return usageError{fmt.Errorf("--drain %s: must not be negative", o.drain)}
	}
	var inst catalog.InstanceType
	if sc == nil || !sc.IsCluster() {
		if inst, err = o.instance(o.instanceType); err != nil {
			return err
		}
	}

	// One run per variant: the scenario's base and each of its variants, or
	// just the one --variant names.
	variants := []string{scenarios.BaseName}
	if sc != nil {
		for _, v := range sc.Variants {
			variants = append(variants, v.Name)
		}
		if o.variant != "" {
			if !slices.Contains(variants, o.variant) {
				return usageError{fmt.Errorf("--variant %q: scenario %s has %s", o.variant, sc.Name, strings.Join(variants, ", "))}
			}
			variants = []string{o.variant}
		}
	} else if o.variant != "" {
		return usageError{errors.New("--variant needs --scenario")}
	}
	if len(variants) > 1 && (o.timeline != "" || o.metricsFile != "") {
		return usageError{fmt.Errorf("--timeline and --metrics-file describe one run; scenario %s has %d variants: choose one with --variant", sc.Name, len(variants))}
	}
	if err := o.validateVisual(sc, variants); err != nil {
		return err
	}

	if sc != nil && sc.IsCluster() {
		if o.sampleEvery <= 0 {
			return usageError{fmt.Errorf("--sample-every %s: must be positive", o.sampleEvery)}
		}
		return o.runClusterScenario(sc, variants, order, profile, stdout)
	}
	if o.series != "" {
		return usageError{errors.New("--series is for cluster scenarios")}
	}
	if o.live, err = o.startLive(stderr); err != nil {
		return err
	}
	defer o.live.Stop()
	if _, err := ParsePolicyFlags(o.policy, o.policySets); err != nil {
		return err
	}
	var sums []replay.Summary
	for _, variant := range variants {
		settings := ipam.DefaultSettings()
		if sc != nil {
			if err := sc.ApplySettings(&settings, variant); err != nil {
				return err
			}
		}
		if err := o.applySettings(&settings); err != nil {
			return err
		}
		// A fresh policy per run: policies keep per-node state.
		policy, err := ParsePolicyFlags(o.policy, o.policySets)
		if err != nil {
			return err
		}
		spec := replay.Spec{Instance: inst, Settings: settings, MaxPods: o.maxPods, Order: order,
			Profile: profile, Subnet: subnetPrefix, Seed: o.seed, Drain: sim.Time(o.drain), Policy: policy}
		sum, err := o.runOne(spec, sc, stdin, stderr)
		if err != nil {
			return err
		}
		sums = append(sums, sum)
	}
	if err := o.print(stdout, sc, variants, sums); err != nil {
		return err
	}
	return o.live.ServeFinal(func(format string, args ...any) {
		fmt.Fprintf(stderr, "ipamsim run: "+format+"\n", args...)
	})
}

// applySettings applies --env-file, then each --set, on top of the scenario's.
func (o *runOptions) applySettings(settings *ipam.Settings) error {
	if o.envFile != "" {
		body, err := os.ReadFile(o.envFile)
		if err != nil {
			return usageError{fmt.Errorf("--env-file: %v", err)}
		}
		if err := ipam.ParseEnvFile(o.envFile, string(body), settings); err != nil {
			return err
		}
	}
	for _, kv := range o.sets {
		k, v, err := ipam.ParseAssignment("--set", kv)
		if err != nil {
			return err
		}
		if err := settings.Set("--set", k, v); err != nil {
			return err
		}
	}
	if w := settings.EntrypointWarnings(); len(w) > 0 && o.strictEntrypoint {
		return usageError{errors.New(w[0])}
	}
	return nil
}

// runOne replays the workload once and writes the run's files.
func (o *runOptions) runOne(spec replay.Spec, sc *scenarios.Scenario, stdin io.Reader, stderr io.Writer) (replay.Summary, error) {
	src, closeSrc, err := o.source(sc, stdin, stderr)
	if err != nil {
		return replay.Summary{}, err
	}
	defer closeSrc()
	var tl *atomicFile
	opt := replay.Options{}
	if o.timeline != "" {
		if tl, err = createAtomic(o.timeline); err != nil {
			return replay.Summary{}, err
		}
		defer tl.abort()
		opt.Timeline = tl
	}
	obs, backfill, rec, err := o.observe(&opt)
	if err != nil {
		return replay.Summary{}, err
	}
	defer obs.Release()
	run, err := replay.Execute(spec, src, opt)
	var re *replay.Error
	if errors.As(err, &re) && o.trace != "" {
		re.File = o.trace // name the trace file, not just the line
	}
	if err != nil {
		return replay.Summary{}, err
	}
	if run.Result.Nodes > 1 {
		run.Warnings = append(run.Warnings, "the trace places pods on several nodes (its node column); this single-node run puts them all on one node — describe the cluster in a scenario (subnet: and group: lines) to replay it node by node")
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(stderr, "ipamsim run: warning: %s\n", w)
	}
	if o.metricsFile != "" {
		if err := promexport.WriteNode(o.metricsFile, run.Node, run.Result); err != nil {
			return replay.Summary{}, err
		}
	}
	obs.Finish(run.Result)
	if err := o.writeVisual(backfill, rec, run, spec, sc); err != nil {
		return replay.Summary{}, err
	}
	if tl != nil {
		if err := tl.commit(); err != nil {
			return replay.Summary{}, err
		}
	}
	return run.Summary, nil
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
func (o *runOptions) print(stdout io.Writer, sc *scenarios.Scenario, variants []string, sums []replay.Summary) error {
	out := bufio.NewWriter(stdout)
	if o.output == "json" {
		if err := writeJSON(out, variants, sums); err != nil {
			return err
		}
		return out.Flush()
	}
	if sc != nil {
		fmt.Fprintf(out, "scenario      %s: %s\n", sc.Name, sc.Question)
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

// instance resolves the node's instance type and the --enis/--ipv4-per-eni
// overrides.
func (o *runOptions) instance(name string) (catalog.InstanceType, error) {
	if o.enis < 0 || o.ipv4PerENI < 0 {
		return catalog.InstanceType{}, usageError{errors.New("--enis and --ipv4-per-eni must be positive")}
	}
	inst, err := catalog.Lookup(name)
	if err != nil {
		if o.enis > 0 && o.ipv4PerENI > 0 {
			return catalog.Custom(name, o.enis, o.ipv4PerENI)
		}
		return catalog.InstanceType{}, err
	}
	if o.enis > 0 {
		inst.MaxENIs = o.enis
	}
	if o.ipv4PerENI > 0 {
		if o.ipv4PerENI < 2 {
			return inst, usageError{errors.New("--ipv4-per-eni must be at least 2")}
		}
		inst.IPv4PerENI = o.ipv4PerENI
	}
	return inst, nil
}

// source opens the workload: the trace file (format detected from its first
// line) or the scenario's generated trace.
func (o *runOptions) source(sc *scenarios.Scenario, stdin io.Reader, stderr io.Writer) (scenarios.Reader, func(), error) {
	if sc != nil {
		r, err := sc.Workload(o.seed)
		return r, func() {}, err
	}
	name := o.trace
	var in io.Reader
	closeFn := func() {}
	if name == "-" {
		in, name = stdin, "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--trace: %v", err)}
		}
		in, closeFn = f, func() { f.Close() }
	}
	br := bufio.NewReaderSize(in, 256<<10)
	head, _ := br.Peek(64 << 10)
	format, err := scenarios.DetectFormat(head)
	if err != nil {
		closeFn()
		return nil, nil, usageError{fmt.Errorf("%s: %v", name, err)}
	}
	switch format {
	case scenarios.FormatCSV:
		return scenarios.NewCSVReader(br, name), closeFn, nil
	case scenarios.FormatJSONL:
		return scenarios.NewJSONLReader(br, name), closeFn, nil
	}
	r, summary, err := scenarios.ReadAudit(br, name, scenarios.DefaultAuditOptions())
	closeFn()
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "ipamsim run: %s: %s\n", name, summary)
	return r, func() {}, nil
}
