package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/scenarios"
)

// genKind is one `ipamsim trace gen` kind. Its flags and generator live in
// package scenarios (scenarios.GenFlags), shared with the `workload: gen`
// lines of scenario files.
type genKind struct {
	name    string
	summary string
	nodes   bool // its events carry a node name: write the node column
}

var genKinds = func() []genKind {
	var ks []genKind
	for _, k := range scenarios.GenKindList() {
		ks = append(ks, genKind{name: k.Name, summary: k.Summary, nodes: k.Nodes})
	}
	return ks
}()

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
	b.WriteString("Generate a seeded pod create/delete trace (CSV at,op,pod[,node][,cpu][,memory], or JSONL).\n")
	b.WriteString("The same flags and --seed always give the same bytes. Pods a kind has at t=0\n")
	b.WriteString("(churn --start-pods, rolling's old replicas, diurnal's trough) are 'running'.\n")
	b.WriteString("Every kind also takes --cpu and --memory (each pod's requests) and --max-events\n")
	b.WriteString(fmt.Sprintf("(default %d): parameters that would give more events are refused.\n\nKinds:\n", scenarios.DefaultMaxEvents))
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
	quiet  bool
	help   bool
}

func genCommonFlags(fs *pflag.FlagSet, c *genCommon) {
	fs.Uint64Var(&c.seed, "seed", 1, "Seed `N` of the generator's random stream")
	fs.StringVarP(&c.output, "output", "o", "-", "Write the trace to `FILE` (written whole or not at all; - for stdout)")
	fs.StringVar(&c.format, "format", "csv", "Trace `FORMAT`: csv or jsonl")
	fs.StringVar(&c.prefix, "prefix", "", "Pod name `PREFIX` (default: the kind's name)")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "Draw no progress line on a terminal")
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
	build, err := scenarios.GenFlags(kind.name, fs)
	if err != nil {
		return usageErr("%v", err)
	}
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
	if c.format != "csv" && c.format != "jsonl" {
		return usageErr("--format must be csv or jsonl, got %q", c.format)
	}
	if c.output == "" {
		return usageErr("-o must name a file, or - for stdout")
	}
	r, err := build(c.seed, c.prefix)
	if err != nil {
		return usageErr("%v", err)
	}
	cols := scenarios.Columns{
		Node:   kind.nodes,
		CPU:    fs.Lookup("cpu").Value.String() != "0",
		Memory: fs.Lookup("memory").Value.String() != "0",
	}
	var n atomic.Int64
	line := progress.Start(progressTo(stderr, c.quiet || c.output == "-" && isTerminal(stdout)), countLine("ipamsim trace gen", "events", &n))
	write := func(w io.Writer) error { return genWrite(w, r, c.format, cols, &n) }
	if c.output == "-" {
		err = write(stdout)
	} else {
		err = writeOutput("-o", c.output, nil, write)
	}
	line.Stop()
	if err != nil {
		fmt.Fprintf(stderr, "ipamsim trace gen: %v\n", err)
		if isInputError(err) {
			return 2
		}
		return 1
	}
	return 0
}

// genWrite streams r to w as a trace in format (csv or jsonl); a CSV trace
// has the columns cols.
func genWrite(w io.Writer, r scenarios.Reader, format string, cols scenarios.Columns, n *atomic.Int64) error {
	var cw interface {
		Write(scenarios.Event) error
		Flush() error
	}
	if format == "jsonl" {
		cw = scenarios.NewJSONLWriter(w)
	} else {
		cw = scenarios.NewCSVWriterColumns(w, cols)
	}
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
		n.Add(1)
	}
	return cw.Flush()
}
