package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"ipamsim/scenarios"
	"ipamsim/sim"
)

// genBuilder makes a kind's generator from the parsed flags.
type genBuilder func(seed uint64, prefix string) (scenarios.Reader, error)

// genKind is one `ipamsim trace gen` kind: its flags and its generator.
type genKind struct {
	name    string
	summary string
	nodes   bool // its events carry a node name: write the node column
	// flags registers the kind's flags, with the scenarios package's
	// defaults, and returns the builder that reads them.
	flags func(fs *pflag.FlagSet) genBuilder
}

var genKinds = []genKind{
	{
		name:    scenarios.KindChurn,
		summary: "Poisson churn: pods arrive at --rate per second and live a random lifetime",
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultChurnParams()
			dist := string(p.LifetimeDist)
			fs.Float64Var(&p.Rate, "rate", p.Rate, "Mean pod arrival `RATE` in pods per second")
			fs.StringVar(&dist, "lifetime-dist", dist, "Lifetime distribution `DIST`: exponential, lognormal or fixed")
			genDurationVar(fs, &p.MeanLifetime, "mean-lifetime", "Mean pod lifetime `D`")
			fs.Float64Var(&p.LifetimeSigma, "lifetime-sigma", p.LifetimeSigma, "Lognormal shape `SIGMA` (standard deviation of the log lifetime)")
			genDurationVar(fs, &p.Duration, "duration", "Arrivals happen during the first `D` of the trace")
			fs.IntVar(&p.StartPods, "start-pods", p.StartPods, "`N` pods already running at t=0 (added at t=0, steady-state remaining lifetimes)")
			fs.BoolVar(&p.Drain, "drain", p.Drain, "After --duration, keep deleting pods at their scheduled times until none is left")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.LifetimeDist, p.Prefix = scenarios.LifetimeDist(dist), prefix
				return scenarios.NewChurn(p, seed)
			}
		},
	},
	{
		name:    scenarios.KindDeploy,
		summary: "Deployment scale step: scale up to --replicas, hold, scale down to --scale-down-to",
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultDeployParams()
			fs.IntVar(&p.Replicas, "replicas", p.Replicas, "Scale up to `N` pods")
			fs.Float64Var(&p.CreateRate, "create-rate", p.CreateRate, "Scale-up pace in pods per second (0: all at once)")
			genDurationVar(fs, &p.Start, "start", "Delay `D` before the scale-up")
			genDurationVar(fs, &p.Hold, "hold", "Stay at --replicas for `D` after the last create")
			fs.IntVar(&p.ScaleDownTo, "scale-down-to", p.ScaleDownTo, "Then scale down to `M` pods, newest first")
			fs.Float64Var(&p.DeleteRate, "delete-rate", p.DeleteRate, "Scale-down pace in pods per second (0: all at the same instant)")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.Prefix = prefix
				return scenarios.NewDeploy(p, seed)
			}
		},
	},
	{
		name:    scenarios.KindRolling,
		summary: "Rolling update: replace every pod of a Deployment already at --replicas",
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultRollingParams()
			fs.IntVar(&p.Replicas, "replicas", p.Replicas, "The Deployment's `N` pods, added (Ready) at t=0")
			fs.Var(&p.MaxSurge, "max-surge", "Pods allowed above --replicas: a count or a percentage, rounded up")
			fs.Var(&p.MaxUnavailable, "max-unavailable", "Pods allowed below --replicas: a count or a percentage, rounded down")
			genDurationVar(fs, &p.PodStart, "pod-start", "A new pod is Ready `D` after its add")
			genDurationVar(fs, &p.Start, "start", "The rollout begins at `D`")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.Prefix = prefix
				return scenarios.NewRolling(p, seed)
			}
		},
	},
	{
		name:    scenarios.KindCronJob,
		summary: "CronJob: --pods-per-run pods every --period, each living --run-length",
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultCronJobParams()
			policy := string(p.Policy)
			genDurationVar(fs, &p.Period, "period", "Schedule period `D` (a run at 0, D, 2D, ...)")
			fs.IntVar(&p.PodsPerRun, "pods-per-run", p.PodsPerRun, "`N` pods per run")
			genDurationVar(fs, &p.RunLength, "run-length", "Each job pod's lifetime `D`")
			fs.StringVar(&policy, "concurrency-policy", policy, "`POLICY` when the previous run is live: Allow, Forbid (skip the run) or Replace (delete it)")
			genDurationVar(fs, &p.Duration, "duration", "Schedule runs during the first `D`; their pods still complete after")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.Policy, p.Prefix = scenarios.ConcurrencyPolicy(policy), prefix
				return scenarios.NewCronJob(p, seed)
			}
		},
	},
	{
		name:    scenarios.KindDiurnal,
		summary: "Daily cycle: follow min + (max-min)(1-cos(2πt/period))/2 pods, deleting the oldest first",
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultDiurnalParams()
			fs.IntVar(&p.MinPods, "min-pods", p.MinPods, "Pods at the trough (t=0)")
			fs.IntVar(&p.MaxPods, "max-pods", p.MaxPods, "Pods at the peak (t=period/2)")
			genDurationVar(fs, &p.Period, "period", "Cycle length `D`")
			genDurationVar(fs, &p.Duration, "duration", "Length `D` of the trace")
			genDurationVar(fs, &p.Step, "step", "Re-evaluate the target every `D`")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.Prefix = prefix
				return scenarios.NewDiurnal(p, seed)
			}
		},
	},
	{
		name:    scenarios.KindCL2,
		summary: "clusterloader2-style load test across --nodes nodes (the trace has a node column)",
		nodes:   true,
		flags: func(fs *pflag.FlagSet) genBuilder {
			p := scenarios.DefaultCL2Params()
			fs.IntVar(&p.Nodes, "nodes", p.Nodes, "`N` nodes, named node-001...")
			fs.IntVar(&p.PodsPerNode, "pods-per-node", p.PodsPerNode, "Pods created per node, and the per-node cap")
			fs.Float64Var(&p.CreateRate, "create-rate", p.CreateRate, "Cluster-wide pace of creates, resizes and deletes in pods per second")
			fs.IntVar(&p.WorkloadSize, "workload-size", p.WorkloadSize, "Pods per workload `X`; each is resized to a random size in [X/2, 3X/2]")
			genDurationVar(fs, &p.Settle, "settle", "Pause `D` between the last create and the resize")
			genDurationVar(fs, &p.Hold, "hold", "Pause `D` between the resize and deleting everything")
			return func(seed uint64, prefix string) (scenarios.Reader, error) {
				p.Prefix = prefix
				return scenarios.NewCL2(p, seed)
			}
		},
	},
}

// genDuration is a pflag.Value for a sim.Time parsed with time.ParseDuration.
type genDuration struct{ t *sim.Time }

func (d genDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d.t = sim.Time(v)
	return nil
}

func (d genDuration) String() string {
	if d.t == nil {
		return "0s"
	}
	return d.t.String()
}

func (d genDuration) Type() string { return "duration" }

// genDurationVar registers a duration flag whose default is *t's value.
func genDurationVar(fs *pflag.FlagSet, t *sim.Time, name, usage string) {
	fs.Var(genDuration{t}, name, usage)
}

func genKindNames() string {
	names := make([]string, len(genKinds))
	for i, k := range genKinds {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

// genUsage is the help of `ipamsim trace gen` without a kind.
func genUsage() string {
	var b strings.Builder
	b.WriteString("Usage: ipamsim trace gen KIND [flags]\n\n")
	b.WriteString("Generate a seeded pod create/delete trace (CSV: at,op,pod[,node]).\n")
	b.WriteString("The same flags and --seed always give the same bytes.\n\nKinds:\n")
	for _, k := range genKinds {
		fmt.Fprintf(&b, "  %-8s %s\n", k.name, k.summary)
	}
	b.WriteString("\nCommon flags:\n")
	fs := pflag.NewFlagSet("common", pflag.ContinueOnError)
	fs.SortFlags = false
	genCommonFlags(fs, &genCommon{})
	b.WriteString(fs.FlagUsages())
	b.WriteString("\nRun 'ipamsim trace gen KIND -h' for a kind's flags. Durations are like 90s, 10m, 1h30m.\n")
	return b.String()
}

// genCommon holds the flags every kind has.
type genCommon struct {
	seed   uint64
	output string
	format string
	prefix string
	help   bool
}

func genCommonFlags(fs *pflag.FlagSet, c *genCommon) {
	fs.Uint64Var(&c.seed, "seed", 1, "Seed `N` of the generator's random stream")
	fs.StringVarP(&c.output, "output", "o", "-", "Write the trace to `FILE` (written whole or not at all; - for stdout)")
	fs.StringVar(&c.format, "format", "csv", "Trace `FORMAT`: csv")
	fs.StringVar(&c.prefix, "prefix", "", "Pod name `PREFIX` (default: the kind's name)")
	fs.BoolVarP(&c.help, "help", "h", false, "Show this help")
}

// runTraceGen runs `ipamsim trace gen KIND [flags]`; args are those after
// "gen". It returns the exit status: 0 success, 1 write failure, 2 usage
// error.
func runTraceGen(args []string, stdout, stderr io.Writer) int {
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ipamsim trace gen: "+format+"\n", a...)
		return 2
	}
	if len(args) == 0 {
		fmt.Fprintf(stderr, "ipamsim trace gen: missing KIND (one of %s)\n\n%s", genKindNames(), genUsage())
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, genUsage())
		return 0
	}
	var kind *genKind
	for i := range genKinds {
		if genKinds[i].name == args[0] {
			kind = &genKinds[i]
		}
	}
	if kind == nil {
		if strings.HasPrefix(args[0], "-") {
			return usageErr("KIND must come before the flags, got %q (KIND is one of %s)", args[0], genKindNames())
		}
		return usageErr("unknown kind %q (want one of %s)", args[0], genKindNames())
	}

	fs := pflag.NewFlagSet("ipamsim trace gen "+kind.name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	build := kind.flags(fs)
	var c genCommon
	genCommonFlags(fs, &c)
	if err := fs.Parse(args[1:]); err != nil {
		return usageErr("%v\nRun 'ipamsim trace gen %s -h' for its flags.", err, kind.name)
	}
	if c.help {
		fmt.Fprintf(stdout, "Usage: ipamsim trace gen %s [flags]\n\n%s.\n\nFlags:\n%s", kind.name, kind.summary, fs.FlagUsages())
		return 0
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if c.format != "csv" {
		return usageErr("--format must be csv, got %q", c.format)
	}
	if c.output == "" {
		return usageErr("-o must name a file, or - for stdout")
	}
	r, err := build(c.seed, c.prefix)
	if err != nil {
		return usageErr("%v", err)
	}
	write := func(w io.Writer) error { return genWriteCSV(w, r, kind.nodes) }
	if c.output == "-" {
		err = write(stdout)
	} else {
		err = genWriteFile(c.output, write)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ipamsim trace gen: %v\n", err)
		return 1
	}
	return 0
}

// genWriteCSV streams r to w as a CSV trace.
func genWriteCSV(w io.Writer, r scenarios.Reader, withNode bool) error {
	cw := scenarios.NewCSVWriter(w, withNode)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := cw.Write(ev); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// genWriteFile writes path through write into a temporary file in the same
// directory and renames it over path only on success, so path is never left
// half-written.
func genWriteFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
