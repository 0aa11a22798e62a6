package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/plan"
	"github.com/ipamsim/ipamsim/scenarios/report"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// `ipamsim plan`: flags and wiring only; the logic is scenarios/plan.

type planOptions struct {
	sweepOptions // scenario, variant, trace, grid, instance types, set, ec2, seed, drain, workers, shard
	subnets      []string
	region       string
	prices       string
	dsCPU, dsMem string
	bootDelay    time.Duration
	maxNodes     int
	minFree      int
	output       string
}

func addPlanFlags(fs *pflag.FlagSet, o *planOptions) {
	fs.StringVar(&o.scenario, "scenario", "", "Plan for the scenario `NAME` (shipped) or FILE (.scn): a cluster runs as written, a single node as an autoscaled group")
	fs.StringVar(&o.variant, "variant", "", "Plan for the scenario's variant `NAME` (default: base)")
	fs.StringVar(&o.trace, "trace", "", "Plan for the trace in `FILE` (CSV, JSONL or Kubernetes audit log), run as an autoscaled group in --subnet")
	fs.StringArrayVar(&o.subnets, "subnet", nil, "The autoscaled group's subnet `CIDR` (repeatable or comma-separated; a trace needs one; default for a single-node scenario 10.0.0.0/16)")
	fs.StringArrayVar(&o.instanceTypes, "instance-types", nil, "Candidate instance `TYPES`, comma-separated; globs such as m6i.* take every matching type with vCPU, memory and price data")
	fs.StringArrayVar(&o.grid, "grid", nil, "Also vary a VPC CNI setting: `KEY=V1,V2,...` or KEY=LO..HI[:STEP] (repeatable, as in sweep)")
	fs.StringArrayVar(&o.sets, "set", nil, "Set a VPC CNI variable for every run, `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.ec2, "ec2", "", "EC2 latency `PROFILE`: default or zero (default: the scenario's, else default)")
	fs.StringVar(&o.ec2Profile, "ec2-profile", "", "Lay the EC2 latencies of `FILE` (CSV api,p50_ms,p99_ms; ipamsim ec2-profile prints the built-in one) over --ec2's")
	fs.Uint64Var(&o.seed, "seed", 1, "Plan seed `N`: every candidate replays the same workload and EC2 draws")
	fs.DurationVar(&o.drain, "drain", 0, "Keep simulating for `D` after the last trace event (default: the scenario's, else 10m)")
	fs.StringVar(&o.dsCPU, "daemonset-cpu", "", "The daemonset pods' CPU request on every node, a quantity `Q` (default 150m: aws-node 50m + kube-proxy 100m as EKS ships them)")
	fs.StringVar(&o.dsMem, "daemonset-memory", "", "The daemonset pods' memory request on every node, a quantity `Q` (default 0)")
	fs.DurationVar(&o.bootDelay, "boot-delay", plan.DefaultBootDelay, "The autoscaled group's time `D` from launch to joining")
	fs.IntVar(&o.maxNodes, "max-nodes", 0, "The autoscaled group's most nodes `N` (default: as many as the subnets have addresses)")
	fs.StringVar(&o.region, "region", catalog.EmbeddedPriceRegion, "Price the candidates in `REGION` (other regions than us-east-1 need --prices)")
	fs.StringVar(&o.prices, "prices", "", "Prices from `FILE`: CSV instance_type,usd_per_hour (spot, savings plans, other regions); replaces the embedded list prices")
	fs.DurationVar(&o.maxP99Wait, "max-p99-wait", 0, "Recommend the cheapest candidate whose p99 pod IP wait is at most `D`")
	fs.IntVar(&o.minFree, "min-free-addresses", 0, "... and that never leaves a subnet with fewer than `N` free addresses")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "Run `N` candidates at once")
	fs.StringVar(&o.shard, "shard", "", "Run only shard `INDEX/COUNT`; join the shards' -o json outputs with 'ipamsim plan merge'")
	fs.IntVar(&o.shardCount, "shard-count", 0, "Run shard JOB_COMPLETION_INDEX of `N` (a Kubernetes Indexed Job)")
	fs.StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	fs.StringVar(&o.report, "report", "", "Write a self-contained HTML report (cost against p99 wait, subnet headroom) to `FILE`")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "Draw no progress line on a terminal")
}

func runPlan(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runPlanMerge(args[1:], stdout, stderr)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(sweepGCPercent))
	var o planOptions
	fs := pflag.NewFlagSet("ipamsim plan", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	addPlanFlags(fs, &o)
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim plan:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim plan --instance-types TYPES (--scenario NAME | --trace FILE --subnet CIDR) [flags]\n"+
			"       ipamsim plan merge [flags] SHARD.json...\n\n"+
			"Run a workload on every candidate instance type (and --grid setting) through the cluster model and price it:\n"+
			"pods per node and what limits them, nodes at the peak, addresses held, the subnets' least free addresses,\n"+
			"p99 pod IP wait, EC2 calls and cost; with --max-p99-wait, the cheapest candidate that meets it and why each\n"+
			"cheaper one fails; and how many nodes of each the subnets hold. Exit status 1 when none meets the objective.\n\n%s",
			fs.FlagUsages())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim plan: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	return exitStatus(stderr, "ipamsim plan", o.run(fs, stdout, stderr))
}

func (o *planOptions) run(fs *pflag.FlagSet, stdout, stderr io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return usageError{fmt.Errorf("-o %q: want text or json", o.output)}
	}
	pl, shard, err := o.build(fs, stderr)
	if err != nil {
		return err
	}
	if o.report != "" && !shard.Whole() {
		return usageError{errors.New("--report needs the whole plan: run the shards without it, then 'ipamsim plan merge --report FILE' their outputs")}
	}
	set := outputs.New()
	defer set.Abort()
	set.Input("--trace", o.trace)
	set.Input("--scenario", o.scenario)
	files, err := createOutputs(set, outFlag{"--report", o.report})
	if err != nil {
		return err
	}
	pl.Progress = progressTo(stderr, o.quiet)
	doc, err := pl.Run(o.workers, shard)
	if err != nil {
		return err
	}
	return writePlan(doc, o.output, set, files["--report"], stdout, stderr)
}

// writePlan prints the document and its report, and says whether a
// candidate met the objective.
func writePlan(doc *plan.Document, output string, set *outputs.Set, rep *outputs.File, stdout, stderr io.Writer) error {
	planWarnings(stderr, doc)
	out := bufio.NewWriter(stdout)
	var err error
	if output == "json" {
		err = doc.WriteJSON(out)
	} else {
		err = doc.WriteText(out)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return err
	}
	if rep != nil {
		if err := report.WritePlan(rep, doc); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	if err := set.Commit(); err != nil {
		return err
	}
	if r := doc.Recommendation; r != nil && r.Best < 0 {
		return errNoneMeets
	}
	return nil
}

// errNoneMeets makes the exit status 1 when no candidate meets the
// objective (the output says why).
var errNoneMeets = errors.New("no candidate meets the objective")

// planWarnings prints each distinct point warning once.
func planWarnings(stderr io.Writer, doc *plan.Document) {
	count := map[string]int{}
	var order []string
	for _, p := range doc.Points {
		for _, w := range p.Warnings {
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	for _, w := range order {
		fmt.Fprintf(stderr, "ipamsim plan: warning: %d run(s): %s\n", count[w], w)
	}
}

// build turns the flags into a plan (nothing run yet).
func (o *planOptions) build(fs *pflag.FlagSet, stderr io.Writer) (*plan.Plan, sweep.Shard, error) {
	var shard sweep.Shard
	if o.trace != "" && o.scenario != "" {
		return nil, shard, usageError{errors.New("--trace and --scenario exclude each other")}
	}
	if o.trace == "" && o.scenario == "" {
		return nil, shard, usageError{errors.New("give the workload: --scenario NAME|FILE, or --trace FILE with --subnet CIDR")}
	}
	if len(o.instanceTypes) == 0 {
		return nil, shard, usageError{errors.New("--instance-types is required: the candidates, e.g. m5.large,m5.xlarge,m6i.*")}
	}
	if o.workers < 1 || o.workers > maxWorkers {
		return nil, shard, usageError{fmt.Errorf("--workers %d: want 1 to %d", o.workers, maxWorkers)}
	}
	if o.drain < 0 {
		return nil, shard, usageError{fmt.Errorf("--drain %s: must not be negative", o.drain)}
	}
	if o.minFree < 0 {
		return nil, shard, usageError{fmt.Errorf("--min-free-addresses %d: must not be negative", o.minFree)}
	}
	if fs.Changed("max-p99-wait") && o.maxP99Wait <= 0 {
		return nil, shard, usageError{fmt.Errorf("--max-p99-wait %s: must be positive", o.maxP99Wait)}
	}
	shard, err := o.parseShard(fs)
	if err != nil {
		return nil, shard, err
	}
	prices, err := loadPrices(o.region, o.prices)
	if err != nil {
		return nil, shard, err
	}
	spec := plan.Spec{Grid: o.grid, Settings: o.sets, EC2: o.ec2, EC2ProfileFile: o.ec2Profile, Seed: o.seed, BootDelay: o.bootDelay,
		MaxNodes: o.maxNodes, Prices: prices, Objective: plan.Objective{MaxP99Wait: o.maxP99Wait, MinFreeAddresses: o.minFree}}
	if fs.Changed("drain") {
		spec.Drain = &o.drain
	}
	if fs.Changed("boot-delay") && o.bootDelay <= 0 {
		return nil, shard, usageError{fmt.Errorf("--boot-delay %s: must be positive", o.bootDelay)}
	}
	if spec.DaemonSet, err = daemonSetFlags(fs, o.dsCPU, o.dsMem); err != nil {
		return nil, shard, err
	}
	for _, arg := range o.subnets {
		for _, s := range strings.Split(arg, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return nil, shard, usageError{fmt.Errorf("--subnet %q: %v", s, err)}
			}
			spec.Subnets = append(spec.Subnets, p.Masked())
		}
	}
	if spec.Candidates, err = plan.ExpandCandidates(o.instanceTypes, prices); err != nil {
		return nil, shard, planInput(err)
	}
	if o.trace != "" {
		if o.variant != "" {
			return nil, shard, usageError{errors.New("--variant needs --scenario")}
		}
		var note string
		if spec.Workload, note, err = sweep.TraceWorkload(o.trace); err != nil {
			var pe *scenarios.ParseError
			if errors.As(err, &pe) {
				return nil, shard, err
			}
			return nil, shard, traceOpenError(err)
		}
		if note != "" {
			fmt.Fprintf(stderr, "ipamsim plan: %s: %s\n", o.trace, note)
		}
	} else if spec.Workload, err = sweep.ScenarioWorkload(o.scenario, o.variant); err != nil {
		return nil, shard, usageError{fmt.Errorf("--scenario: %v", err)}
	}
	pl, err := plan.Build(spec)
	return pl, shard, planInput(err)
}

// planInput marks the plan's own input errors as usage errors.
func planInput(err error) error {
	var pe *plan.Error
	if errors.As(err, &pe) {
		return usageError{err}
	}
	return err
}

// daemonSetFlags reads --daemonset-cpu and --daemonset-memory (nil: neither
// given, the default requests).
func daemonSetFlags(fs *pflag.FlagSet, cpu, mem string) (*cluster.Requests, error) {
	if !fs.Changed("daemonset-cpu") && !fs.Changed("daemonset-memory") {
		return nil, nil
	}
	r := cluster.DefaultDaemonSetRequests
	var err error
	if fs.Changed("daemonset-cpu") {
		if r.CPUMilli, err = scenarios.ParseCPU(cpu); err != nil {
			return nil, usageError{fmt.Errorf("--daemonset-cpu: %v", err)}
		}
	}
	if fs.Changed("daemonset-memory") {
		if r.MemoryBytes, err = scenarios.ParseMemory(mem); err != nil {
			return nil, usageError{fmt.Errorf("--daemonset-memory: %v", err)}
		}
	}
	return &r, nil
}

// loadPrices returns the price table for region: the --prices file, else
// the embedded list prices (us-east-1 only).
func loadPrices(region, file string) (*catalog.PriceTable, error) {
	var user *catalog.PriceTable
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usageError{fmt.Errorf("--prices: %v", err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, usageError{fmt.Errorf("--prices: %s is a directory, not a CSV file", file)}
		}
		if user, err = catalog.ParsePrices(f, file); err != nil {
			return nil, usageError{fmt.Errorf("--prices: %v", err)}
		}
	}
	p, err := catalog.PricesFor(region, user)
	if err != nil {
		return nil, usageError{fmt.Errorf("--region: %v", err)}
	}
	return p, nil
}

// runPlanMerge is `ipamsim plan merge`.
func runPlanMerge(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ipamsim plan merge", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	output := fs.StringP("output", "o", "text", "Output format: text or json")
	rep := fs.String("report", "", "Write the plan's HTML report to `FILE`")
	maxP99 := fs.Duration("max-p99-wait", 0, "Replace the shards' objective: p99 pod IP wait at most `D`")
	minFree := fs.Int("min-free-addresses", 0, "... and every subnet keeps `N` free addresses")
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim plan merge:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim plan merge [flags] SHARD.json...\n\n"+
			"Join the -o json outputs of a plan's shards and print the plan one run of it gives.\n\n%s", fs.FlagUsages())
		return 0
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "ipamsim plan merge: want the shards' JSON files")
		return 2
	}
	err := func() error {
		if *output != "text" && *output != "json" {
			return usageError{fmt.Errorf("-o %q: want text or json", *output)}
		}
		if fs.Changed("min-free-addresses") && !fs.Changed("max-p99-wait") {
			return usageError{errors.New("--min-free-addresses needs --max-p99-wait")}
		}
		if fs.Changed("max-p99-wait") && *maxP99 <= 0 || *minFree < 0 {
			return usageError{errors.New("--max-p99-wait must be positive and --min-free-addresses not negative")}
		}
		docs := make([]*plan.Document, fs.NArg())
		set := outputs.New()
		defer set.Abort()
		for i, name := range fs.Args() {
			set.Input("shard", name)
			if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
				return usageError{fmt.Errorf("%s is not a regular file (%s); want a plan JSON file", name, describeMode(fi.Mode()))}
			}
			f, err := os.Open(name)
			if err != nil {
				return usageError{err}
			}
			docs[i], err = plan.ReadDocument(f, name)
			f.Close()
			if err != nil {
				return usageError{err}
			}
		}
		doc, err := plan.Merge(docs, fs.Args())
		if err != nil {
			return usageError{err}
		}
		if fs.Changed("max-p99-wait") {
			doc.SetObjective(plan.Objective{MaxP99Wait: *maxP99, MinFreeAddresses: *minFree})
		}
		files, err := createOutputs(set, outFlag{"--report", *rep})
		if err != nil {
			return err
		}
		return writePlan(doc, *output, set, files["--report"], stdout, stderr)
	}()
	return exitStatus(stderr, "ipamsim plan merge", err)
}
