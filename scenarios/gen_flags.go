package scenarios

// The command-line flags of each generator kind, shared by `ipamsim trace gen
// KIND` and by the `workload: gen KIND ...` lines of scenario files, so both
// accept exactly the same flags with the same defaults and messages.

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/sim"
)

// GenKind describes one generator kind.
type GenKind struct {
	Name    string // the kind's name on the command line, e.g. "cronjob"
	Summary string // one line for help texts
	Nodes   bool   // its events carry a node name (the trace has a node column)
}

// GenBuilder builds a kind's generator from the flag values parsed into the
// FlagSet it was registered on, with the given seed and pod-name prefix (""
// for the kind's name).
type GenBuilder func(seed uint64, prefix string) (Reader, error)

// genDef is a kind with its flags. flags registers the kind's flags, with
// the package defaults, and returns a function that reads them (after
// fs.Parse) into the kind's parameters with the given pod-name prefix.
type genDef struct {
	GenKind
	flags func(fs *pflag.FlagSet) func(prefix string) genParams
}

// genParams are a kind's parameters.
type genParams interface {
	// Validate reports the first invalid parameter, naming its flag.
	Validate() error
	// workBound returns a bound on the work the generator does, the events
	// it writes plus, for the kinds that step through time, the steps that
	// write none (churn: the expected number of events), and how it is
	// computed from the flags.
	workBound() (float64, string)
	// build returns the generator with the given seed.
	build(seed uint64) (Reader, error)
}

func (p ChurnParams) build(seed uint64) (Reader, error)   { return NewChurn(p, seed) }
func (p DeployParams) build(seed uint64) (Reader, error)  { return NewDeploy(p, seed) }
func (p RollingParams) build(seed uint64) (Reader, error) { return NewRolling(p, seed) }
func (p CronJobParams) build(seed uint64) (Reader, error) { return NewCronJob(p, seed) }
func (p DiurnalParams) build(seed uint64) (Reader, error) { return NewDiurnal(p, seed) }
func (p CL2Params) build(seed uint64) (Reader, error)     { return NewCL2(p, seed) }

var genDefs = []genDef{
	{
		GenKind: GenKind{Name: KindChurn, Summary: "Poisson churn: pods arrive at --rate per second and live a random lifetime"},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultChurnParams()
			dist := string(p.LifetimeDist)
			fs.Float64Var(&p.Rate, "rate", p.Rate, "Mean pod arrival `RATE` in pods per second")
			fs.StringVar(&dist, "lifetime-dist", dist, "Lifetime distribution `DIST`: exponential, lognormal or fixed")
			genDurationVar(fs, &p.MeanLifetime, "mean-lifetime", "Mean pod lifetime `D`")
			fs.Float64Var(&p.LifetimeSigma, "lifetime-sigma", p.LifetimeSigma, "Lognormal shape `SIGMA` (standard deviation of the log lifetime)")
			genDurationVar(fs, &p.Duration, "duration", "Arrivals happen during the first `D` of the trace")
			fs.IntVar(&p.StartPods, "start-pods", p.StartPods, "`N` pods already running at t=0 (running events, steady-state remaining lifetimes)")
			fs.BoolVar(&p.Drain, "drain", p.Drain, "After --duration, keep deleting pods at their scheduled times until none is left")
			params := func(prefix string) ChurnParams {
				q := p
				q.LifetimeDist, q.Prefix = LifetimeDist(dist), prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
	{
		GenKind: GenKind{Name: KindDeploy, Summary: "Deployment scale step: scale up to --replicas, hold, scale down to --scale-down-to"},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultDeployParams()
			fs.IntVar(&p.Replicas, "replicas", p.Replicas, "Scale up to `N` pods")
			fs.Float64Var(&p.CreateRate, "create-rate", p.CreateRate, "Scale-up pace in pods per second (0: all at once)")
			genDurationVar(fs, &p.Start, "start", "Delay `D` before the scale-up")
			genDurationVar(fs, &p.Hold, "hold", "Stay at --replicas for `D` after the last create")
			fs.IntVar(&p.ScaleDownTo, "scale-down-to", p.ScaleDownTo, "Then scale down to `M` pods, newest first")
			fs.Float64Var(&p.DeleteRate, "delete-rate", p.DeleteRate, "Scale-down pace in pods per second (0: all at the same instant)")
			params := func(prefix string) DeployParams {
				q := p
				q.Prefix = prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
	{
		GenKind: GenKind{Name: KindRolling, Summary: "Rolling update: replace every pod of a Deployment already at --replicas"},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultRollingParams()
			fs.IntVar(&p.Replicas, "replicas", p.Replicas, "The Deployment's `N` pods, running (Ready) at t=0")
			fs.Var(&p.MaxSurge, "max-surge", "Pods allowed above --replicas: a count or a percentage, rounded up")
			fs.Var(&p.MaxUnavailable, "max-unavailable", "Pods allowed below --replicas: a count or a percentage, rounded down")
			genDurationVar(fs, &p.PodStart, "pod-start", "A new pod is Ready `D` after its add")
			genDurationVar(fs, &p.Start, "start", "The rollout begins at `D`")
			params := func(prefix string) RollingParams {
				q := p
				q.Prefix = prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
	{
		GenKind: GenKind{Name: KindCronJob, Summary: "CronJob: --pods-per-run pods every --period, each living --run-length"},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultCronJobParams()
			policy := string(p.Policy)
			genDurationVar(fs, &p.Period, "period", "Schedule period `D` (a run at 0, D, 2D, ...)")
			fs.IntVar(&p.PodsPerRun, "pods-per-run", p.PodsPerRun, "`N` pods per run")
			genDurationVar(fs, &p.RunLength, "run-length", "Each job pod's lifetime `D`")
			fs.StringVar(&policy, "concurrency-policy", policy, "`POLICY` when the previous run is live: Allow, Forbid (skip the run) or Replace (delete it)")
			genDurationVar(fs, &p.Duration, "duration", "Schedule runs during the first `D`; their pods still complete after")
			params := func(prefix string) CronJobParams {
				q := p
				q.Policy, q.Prefix = ConcurrencyPolicy(policy), prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
	{
		GenKind: GenKind{Name: KindDiurnal, Summary: "Daily cycle: follow min + (max-min)(1-cos(2πt/period))/2 pods, deleting the oldest first"},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultDiurnalParams()
			fs.IntVar(&p.MinPods, "min-pods", p.MinPods, "Pods at the trough (running at t=0)")
			fs.IntVar(&p.MaxPods, "max-pods", p.MaxPods, "Pods at the peak (t=period/2)")
			genDurationVar(fs, &p.Period, "period", "Cycle length `D`")
			genDurationVar(fs, &p.Duration, "duration", "Length `D` of the trace")
			genDurationVar(fs, &p.Step, "step", "Re-evaluate the target every `D`")
			params := func(prefix string) DiurnalParams {
				q := p
				q.Prefix = prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
	{
		GenKind: GenKind{Name: KindCL2, Summary: "clusterloader2-style load test across --nodes nodes (the trace has a node column)", Nodes: true},
		flags: func(fs *pflag.FlagSet) func(string) genParams {
			p := DefaultCL2Params()
			fs.IntVar(&p.Nodes, "nodes", p.Nodes, "`N` nodes, named node-001...")
			fs.IntVar(&p.PodsPerNode, "pods-per-node", p.PodsPerNode, "Pods created per node, and the per-node cap")
			fs.Float64Var(&p.CreateRate, "create-rate", p.CreateRate, "Cluster-wide pace of creates, resizes and deletes in pods per second")
			fs.IntVar(&p.WorkloadSize, "workload-size", p.WorkloadSize, "Pods per workload `X`; each is resized to a random size in [X/2, 3X/2]")
			genDurationVar(fs, &p.Settle, "settle", "Pause `D` between the last create and the resize")
			genDurationVar(fs, &p.Hold, "hold", "Pause `D` between the resize and deleting everything")
			params := func(prefix string) CL2Params {
				q := p
				q.Prefix = prefix
				return q
			}
			return func(prefix string) genParams { return params(prefix) }
		},
	},
}

// GenKindList returns the generator kinds in the order the CLI documents
// them (the order of GenKinds).
func GenKindList() []GenKind {
	out := make([]GenKind, len(genDefs))
	for i, d := range genDefs {
		out[i] = d.GenKind
	}
	return out
}

func lookupGen(kind string) (*genDef, error) {
	for i := range genDefs {
		if genDefs[i].Name == kind {
			return &genDefs[i], nil
		}
	}
	return nil, fmt.Errorf("unknown kind %q (want one of %s)", kind, strings.Join(GenKinds, ", "))
}

// GenFlags registers the flags of generator kind — its own flags and the
// --cpu, --memory and --max-events every kind has, not its --seed and
// --prefix — on fs, with the package's defaults, and returns the builder
// that reads them after fs.Parse.
func GenFlags(kind string, fs *pflag.FlagSet) (GenBuilder, error) {
	d, err := lookupGen(kind)
	if err != nil {
		return nil, err
	}
	build, _ := registerGen(d, fs)
	return build, nil
}

// genShape holds the flags every kind has that shape its trace beyond its
// own parameters.
type genShape struct {
	cpu, mem  int64 // every pod's requests: millicores, bytes (0: none)
	maxEvents int64
}

// registerGen registers kind d's flags and the --cpu, --memory and
// --max-events every kind has on fs, and returns the builder and a
// validator that read them after fs.Parse (the validator checks the
// parameters without building the generator, which for some kinds
// allocates per node).
func registerGen(d *genDef, fs *pflag.FlagSet) (GenBuilder, func(prefix string) error) {
	params := d.flags(fs)
	sh := genShape{maxEvents: DefaultMaxEvents}
	fs.Var(&quantityFlag{v: &sh.cpu, resource: "cpu"}, "cpu", "Every pod's CPU request `Q`, a Kubernetes quantity such as 500m or 0.5 (0: none)")
	fs.Var(&quantityFlag{v: &sh.mem, resource: "memory"}, "memory", "Every pod's memory request `Q`, a Kubernetes quantity such as 256Mi or 1Gi (0: none)")
	fs.Int64Var(&sh.maxEvents, "max-events", sh.maxEvents, fmt.Sprintf("Refuse parameters that would generate more than `N` events (1 to %d)", int64(MaxMaxEvents)))
	validate := func(prefix string) (genParams, error) {
		p := params(prefix)
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if sh.maxEvents < 1 || sh.maxEvents > MaxMaxEvents {
			return nil, fmt.Errorf("--max-events must be between 1 and %d, got %d", int64(MaxMaxEvents), sh.maxEvents)
		}
		if n, formula := p.workBound(); !(n <= float64(sh.maxEvents)) {
			return nil, fmt.Errorf("these parameters would give %.0f events (counted as %s), more than --max-events %d: lower them, or raise --max-events (at most %d)",
				n, formula, sh.maxEvents, int64(MaxMaxEvents))
		}
		return p, nil
	}
	build := func(seed uint64, prefix string) (Reader, error) {
		p, err := validate(prefix)
		if err != nil {
			return nil, err
		}
		r, err := p.build(seed)
		if err != nil {
			return nil, err
		}
		return &shapedGen{r: r, cpu: sh.cpu, mem: sh.mem}, nil
	}
	return build, func(prefix string) error { _, err := validate(prefix); return err }
}

// shapedGen gives every pod of a generator's trace the requests of --cpu
// and --memory, and checks that its times stay within MaxTraceTime (which
// the parameters' validation ensures).
type shapedGen struct {
	r        Reader
	cpu, mem int64
}

func (g *shapedGen) Next() (Event, error) {
	ev, err := g.r.Next()
	if err != nil {
		return ev, err
	}
	if ev.At > MaxTraceTime {
		return Event{}, fmt.Errorf("generated event at %s s, after the latest trace time (a bug: the parameters were checked)", formatSeconds(ev.At))
	}
	if ev.Op != OpDel {
		ev.CPUMilli, ev.MemoryBytes = g.cpu, g.mem
	}
	return ev, nil
}

// quantityFlag is a pflag.Value for a CPU or memory quantity.
type quantityFlag struct {
	v        *int64
	resource string // "cpu" or "memory"
}

func (q *quantityFlag) Set(s string) error {
	parse := ParseCPU
	if q.resource == "memory" {
		parse = ParseMemory
	}
	v, err := parse(s)
	if err != nil {
		var qe *QuantityError
		if errors.As(err, &qe) {
			return errors.New(qe.Msg)
		}
		return err
	}
	*q.v = v
	return nil
}

func (q *quantityFlag) String() string {
	if q.v == nil || *q.v == 0 {
		return "0"
	}
	if q.resource == "memory" {
		return FormatMemory(*q.v)
	}
	return FormatCPU(*q.v)
}

func (q *quantityFlag) Type() string { return "quantity" }

// genTraceFlags registers the flags every kind has that shape the trace:
// --seed (default defSeed) and --prefix, as `ipamsim trace gen` spells them.
func genTraceFlags(fs *pflag.FlagSet, seed *uint64, prefix *string, defSeed uint64) {
	fs.Uint64Var(seed, "seed", defSeed, "Seed `N` of the generator's random stream")
	fs.StringVar(prefix, "prefix", "", "Pod name `PREFIX` (default: the kind's name)")
}

// GenFromArgs builds the generator that `ipamsim trace gen KIND ARGS...`
// would write: args are the kind's flags and --prefix and --seed, parsed
// exactly as that command parses them; seed is the default of --seed. The
// output flags of that command (-o, --format, -h) are refused.
func GenFromArgs(kind string, args []string, seed uint64) (Reader, error) {
	build, _, s, prefix, err := parseGenArgs(kind, args, seed)
	if err != nil {
		return nil, err
	}
	return build(s, prefix)
}

// checkGenArgs reports whether GenFromArgs(kind, args, _) would succeed,
// without building the generator.
func checkGenArgs(kind string, args []string) error {
	_, validate, _, prefix, err := parseGenArgs(kind, args, 1)
	if err != nil {
		return err
	}
	return validate(prefix)
}

func parseGenArgs(kind string, args []string, defSeed uint64) (GenBuilder, func(string) error, uint64, string, error) {
	d, err := lookupGen(kind)
	if err != nil {
		return nil, nil, 0, "", err
	}
	fs := pflag.NewFlagSet("gen "+kind, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	build, validate := registerGen(d, fs)
	var seed uint64
	var prefix string
	genTraceFlags(fs, &seed, &prefix, defSeed)
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil, nil, 0, "", fmt.Errorf("-h is not a workload flag; run 'ipamsim trace gen %s -h' for the flags", kind)
		}
		msg := err.Error()
		for _, a := range args {
			n, _, _ := strings.Cut(a, "=")
			if n == "--output" || n == "--format" || strings.HasPrefix(n, "-o") {
				msg += " (the output flags -o and --format of 'ipamsim trace gen' do not apply to a workload)"
				break
			}
		}
		return nil, nil, 0, "", errors.New(msg)
	}
	if fs.NArg() > 0 {
		return nil, nil, 0, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return build, validate, seed, prefix, nil
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
