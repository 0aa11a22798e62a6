package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/scenarios"
)

const convertUsageHead = `Usage: ipamsim trace convert [--from FORMAT] [--to FORMAT] [flags] FILE

Convert a Kubernetes audit log, or a CSV or JSONL trace, to the canonical CSV
trace "at,op,pod[,node][,cpu][,memory]" (times in seconds from the start), or
with --to jsonl to a JSONL trace. FILE is - for standard input.

--from k8s-audit reads audit.k8s.io/v1 Events, one JSON object a line, raw
(kube-apiserver --audit-log-path) or as exported from CloudWatch Logs (the
EKS control plane log group, "@message" or "message" records). A pod is added
when it is bound to a node (pods/binding) and deleted at its delete plus its
grace period; a pod running before the log starts is a 'running' event at 0.
Each pod's cpu and memory requests come from its spec, when the log holds it.
The import reads the whole log into memory and sorts it: fine for a day of
audit log; convert once and replay the CSV for longer traces. A one-line
summary of what was imported, skipped and ignored goes to stderr.

--from csv and jsonl normalise a trace, keeping the node, cpu and memory
columns only if the trace has them (a JSONL trace on standard input, which
cannot be read twice, gets all three in CSV). Without --from the format is
detected from the first line.

Flags:
`

// convertStdin is the standard input of "ipamsim trace convert -" (a
// variable for tests).
var convertStdin io.Reader = os.Stdin

// convertInputError is a problem with the flags or the input: exit status 2.
type convertInputError struct{ err error }

func (e convertInputError) Error() string { return e.err.Error() }
func (e convertInputError) Unwrap() error { return e.err }

// runTraceConvert implements "ipamsim trace convert"; args are the
// arguments after "convert". It returns the exit status: 0 on success (and
// for --help), 2 for a bad flag or bad input (nothing is written to -o's
// file then), 1 if writing the output fails.
//
// With -o FILE the trace is written to a temporary file beside FILE and
// renamed over it only on success. An audit log is read whole before
// anything is written, so its output on stdout is all or nothing too; a CSV
// or JSONL trace streams, so on stdout an error in its input can come after
// part of the trace is out (the exit status tells).
func runTraceConvert(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ipamsim trace convert", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	var (
		from          string
		to            string
		grace         time.Duration
		assumeRunning bool
		output        string
		quiet         bool
		help          bool
	)
	fs.StringVar(&from, "from", "auto", "Input `FORMAT`: k8s-audit, csv, jsonl, or auto (detect from the first line)")
	fs.StringVar(&to, "to", "csv", "Output `FORMAT`: csv or jsonl")
	fs.DurationVar(&grace, "grace-period", 0, "k8s-audit: give every pod delete this grace period `D`, 0s to 100 years (876000h), whatever the log says (default: from the log, else 30s)")
	fs.BoolVar(&assumeRunning, "assume-running", true, "k8s-audit: add the pods running before the log starts (first seen in a status update or delete that names their node) at its first timestamp")
	fs.StringVarP(&output, "output", "o", "-", "Write the trace to `FILE` (written whole or not at all; - for stdout)")
	fs.BoolVarP(&quiet, "quiet", "q", false, "Draw no progress line on a terminal")
	fs.BoolVarP(&help, "help", "h", false, "Show this help")

	usage := func(w io.Writer) {
		fmt.Fprint(w, convertUsageHead)
		fmt.Fprint(w, fs.FlagUsages())
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "ipamsim trace convert: %v\n", err)
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ipamsim trace convert: "+format+"\nRun 'ipamsim trace convert -h' for its flags.\n", a...)
		return 2
	}

	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	if help {
		usage(stdout)
		return 0
	}
	format, err := convertFormat(from)
	if err != nil {
		return usageErr("--from: %v", err)
	}
	if format != scenarios.FormatK8sAudit && format != 0 {
		for _, name := range []string{"grace-period", "assume-running"} {
			if fs.Changed(name) {
				return usageErr("--%s applies to --from k8s-audit only, not %s", name, format)
			}
		}
	}
	if fs.Changed("grace-period") && (grace < 0 || grace > time.Duration(scenarios.MaxTraceTime)) {
		return usageErr("--grace-period must be between 0s and 100 years (%v), got %v", time.Duration(scenarios.MaxTraceTime), grace)
	}
	if to != "csv" && to != "jsonl" {
		return usageErr("--to must be csv or jsonl, got %q", to)
	}
	switch fs.NArg() {
	case 0:
		return usageErr("missing FILE (- for standard input)")
	case 1:
	default:
		return usageErr("want one FILE, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
	}
	if output == "" {
		return usageErr("-o must name a file, or - for stdout")
	}

	opts := scenarios.AuditOptions{AssumeRunning: assumeRunning}
	if fs.Changed("grace-period") {
		opts.GracePeriod = &grace
	}
	c := converter{format: format, to: to, opts: opts, path: fs.Arg(0)}
	line := progress.Start(progressTo(stderr, quiet || output == "-" && isTerminal(stdout)), countLine("ipamsim trace convert", "events", &c.events))
	var summary string
	write := func(w io.Writer) error {
		s, err := c.convert(w)
		summary = s
		return err
	}
	if output == "-" {
		err = write(stdout)
	} else {
		err = writeOutput("-o", output, []outFlag{{"FILE", fs.Arg(0)}}, write)
	}
	line.Stop()
	if err != nil {
		var ie convertInputError
		var oe *outputs.Error
		if errors.As(err, &ie) || errors.As(err, &oe) && oe.Usage {
			return fail(2, err)
		}
		return fail(1, err)
	}
	fmt.Fprintf(stderr, "ipamsim trace convert: %s\n", summary)
	return 0
}

// convertFormat parses --from; 0 means detect.
func convertFormat(s string) (scenarios.Format, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return 0, nil
	}
	return scenarios.ParseFormat(s)
}

// converter converts one input file.
type converter struct {
	format scenarios.Format // 0: detect
	to     string           // output format: csv or jsonl
	opts   scenarios.AuditOptions
	path   string
	events atomic.Int64 // converted so far, for the progress line
}

// convert writes the converted trace to w and returns the summary line.
func (c *converter) convert(w io.Writer) (string, error) {
	t, err := scenarios.OpenTrace(c.path, scenarios.TraceOptions{Stdin: convertStdin, Format: c.format, Audit: &c.opts})
	if err != nil {
		var pe *scenarios.ParseError
		if c.format == 0 && errors.As(err, &pe) && pe.Line == 1 && strings.HasPrefix(pe.Msg, "cannot tell the trace format") {
			err = fmt.Errorf("%w (use --from)", err)
		}
		return "", convertInputError{err}
	}
	defer t.Close()
	name := t.Name

	var (
		r       scenarios.Reader = t
		cols    scenarios.Columns
		summary string
	)
	switch t.Format {
	case scenarios.FormatK8sAudit:
		// The import is in memory already: look at its events for the
		// columns they need.
		evs, err := scenarios.ReadEvents(t)
		if err != nil {
			return "", convertInputError{err}
		}
		cols = scenarios.Columns{Node: true}
		for i := range evs {
			cols.CPU = cols.CPU || evs[i].CPUMilli != 0
			cols.Memory = cols.Memory || evs[i].MemoryBytes != 0
		}
		r, summary = scenarios.NewEventReader(name, evs), name+": "+t.Audit.String()
	case scenarios.FormatCSV:
		// The header is read with the first event: peek at it.
		first, err := t.Next()
		if err != nil && err != io.EOF {
			return "", convertInputError{err}
		}
		r, cols = &convertPrepend{first: first, firstErr: err, r: t}, t.Columns()
	case scenarios.FormatJSONL:
		// A JSONL trace may give a node, cpu or memory to some events
		// only: keep a column if any has one. A file is read twice to
		// know; standard input, which cannot be, gets them all.
		cols = scenarios.Columns{Node: true, CPU: true, Memory: true}
		if c.path != "-" && c.to == "csv" {
			if cols, err = jsonlColumns(c.path); err != nil {
				return "", err
			}
		}
	}

	var tw interface {
		Write(scenarios.Event) error
		Flush() error
	}
	if c.to == "jsonl" {
		tw = scenarios.NewJSONLWriter(w)
	} else {
		tw = scenarios.NewCSVWriterColumns(w, cols)
	}
	var counts [4]int // by op
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", convertInputError{err}
		}
		if err := tw.Write(ev); err != nil {
			return "", fmt.Errorf("write: %w", err)
		}
		if int(ev.Op) < len(counts) {
			counts[ev.Op]++
		}
		c.events.Add(1)
	}
	if err := tw.Flush(); err != nil {
		return "", fmt.Errorf("write: %w", err)
	}
	if summary == "" {
		run, add, del := counts[scenarios.OpRunning], counts[scenarios.OpAdd], counts[scenarios.OpDel]
		summary = fmt.Sprintf("%s: %v: events=%d running=%d added=%d deleted=%d", name, t.Format, run+add+del, run, add, del)
	}
	return summary, nil
}

// jsonlColumns reads the JSONL trace at path and reports which of the
// optional columns its events use.
func jsonlColumns(path string) (scenarios.Columns, error) {
	var cols scenarios.Columns
	t, err := scenarios.OpenTrace(path, scenarios.TraceOptions{Format: scenarios.FormatJSONL})
	if err != nil {
		return cols, convertInputError{err}
	}
	defer t.Close()
	for !(cols.Node && cols.CPU && cols.Memory) {
		ev, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return cols, convertInputError{err}
		}
		cols.Node = cols.Node || len(ev.Node) > 0
		cols.CPU = cols.CPU || ev.CPUMilli != 0
		cols.Memory = cols.Memory || ev.MemoryBytes != 0
	}
	return cols, nil
}

// convertPrepend replays an event already read before the rest of r.
type convertPrepend struct {
	first    scenarios.Event
	firstErr error
	done     bool
	r        scenarios.Reader
}

func (p *convertPrepend) Next() (scenarios.Event, error) {
	if !p.done {
		p.done = true
		return p.first, p.firstErr
	}
	if p.firstErr != nil {
		return scenarios.Event{}, p.firstErr
	}
	return p.r.Next()
}
