package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/scenarios"
)

const convertUsageHead = `Usage: ipamsim trace convert [--from FORMAT] [flags] FILE

Convert a Kubernetes audit log, or a CSV or JSONL trace, to the canonical CSV
trace "at,op,pod,node" (times in seconds from the start). FILE is - for
standard input.

--from k8s-audit reads audit.k8s.io/v1 Events, one JSON object a line, raw
(kube-apiserver --audit-log-path) or as exported from CloudWatch Logs (the
EKS control plane log group, "@message" or "message" records). A pod is added
when it is bound to a node (pods/binding) and deleted at its delete plus its
grace period. The import reads the whole log into memory and sorts it: fine
for a day of audit log; convert once and replay the CSV for longer traces.
A one-line summary of what was imported, skipped and ignored goes to stderr.

--from csv and jsonl normalise a trace to the canonical CSV, keeping the node
column only if the trace has nodes. Without --from the format is detected
from the first line.

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
		grace         time.Duration
		assumeRunning bool
		output        string
		help          bool
	)
	fs.StringVar(&from, "from", "auto", "Input `FORMAT`: k8s-audit, csv, jsonl, or auto (detect from the first line)")
	fs.DurationVar(&grace, "grace-period", 0, "k8s-audit: give every pod delete this grace period `D` (e.g. 30s), whatever the log says (default: from the log, else 30s)")
	fs.BoolVar(&assumeRunning, "assume-running", true, "k8s-audit: add the pods running before the log starts (first seen in a status update or delete that names their node) at its first timestamp")
	fs.StringVarP(&output, "output", "o", "-", "Write the trace to `FILE` (written whole or not at all; - for stdout)")
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
	if fs.Changed("grace-period") && grace < 0 {
		return usageErr("--grace-period must not be negative, got %v", grace)
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
	c := converter{format: format, opts: opts, path: fs.Arg(0)}
	var summary string
	write := func(w io.Writer) error {
		s, err := c.convert(w)
		summary = s
		return err
	}
	if output == "-" {
		err = write(stdout)
	} else {
		err = writeFileAtomic(output, write)
	}
	if err != nil {
		var ie convertInputError
		if errors.As(err, &ie) {
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
	opts   scenarios.AuditOptions
	path   string
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
		r        scenarios.Reader = t
		withNode bool
		summary  string
	)
	switch t.Format {
	case scenarios.FormatK8sAudit:
		withNode, summary = true, name+": "+t.Audit.String()
	case scenarios.FormatCSV:
		// The header is read with the first event: peek at it.
		first, err := t.Next()
		if err != nil && err != io.EOF {
			return "", convertInputError{err}
		}
		r, withNode = &convertPrepend{first: first, firstErr: err, r: t}, t.HasNodeColumn()
	case scenarios.FormatJSONL:
		// A JSONL trace may give a node to some events only: keep the
		// column if any has one. A file is read twice to know; standard
		// input, which cannot be, always gets the column.
		withNode = true
		if c.path != "-" {
			if withNode, err = jsonlHasNode(c.path); err != nil {
				return "", err
			}
		}
	}

	cw := scenarios.NewCSVWriter(w, withNode)
	adds, dels := 0, 0
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", convertInputError{err}
		}
		if len(ev.Node) > 0 && !withNode {
			return "", convertInputError{fmt.Errorf("%s:%d: event has a node but the trace has no node column", name, ev.Line)}
		}
		if err := cw.Write(ev); err != nil {
			return "", fmt.Errorf("write: %w", err)
		}
		if ev.Op == scenarios.OpAdd {
			adds++
		} else {
			dels++
		}
	}
	if err := cw.Flush(); err != nil {
		return "", fmt.Errorf("write: %w", err)
	}
	if summary == "" {
		summary = fmt.Sprintf("%s: %v: events=%d added=%d deleted=%d", name, t.Format, adds+dels, adds, dels)
	}
	return summary, nil
}

// jsonlHasNode reads the JSONL trace at path and reports whether any event
// has a node.
func jsonlHasNode(path string) (bool, error) {
	t, err := scenarios.OpenTrace(path, scenarios.TraceOptions{Format: scenarios.FormatJSONL})
	if err != nil {
		return false, convertInputError{err}
	}
	defer t.Close()
	for {
		ev, err := t.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, convertInputError{err}
		}
		if len(ev.Node) > 0 {
			return true, nil
		}
	}
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
