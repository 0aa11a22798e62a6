package sweep

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
)

// WorkloadRef names a sweep's workload in its outputs and rerun commands:
// exactly one of Scenario and Trace is set.
type WorkloadRef struct {
	Scenario string `json:"scenario,omitempty"`
	Trace    string `json:"trace,omitempty"`
}

// Workload is the trace every point of a sweep replays. Open is called once
// per point, possibly from several goroutines at once, and must return a
// fresh reader each time.
type Workload struct {
	Ref WorkloadRef
	// Settings are the scenario's own KEY=VALUE settings, applied before the
	// sweep's base settings and the point's (as `ipamsim run --scenario`
	// does).
	Settings []string
	// InstanceType is the scenario's node type: the sweep's default when no
	// --instance-types are given ("" means m5.large).
	InstanceType string
	// EC2, Drain and MaxPods are the scenario's defaults for the sweep's
	// --ec2, --drain and --max-pods (zero: none).
	EC2     string
	Drain   time.Duration
	MaxPods int
	// Open returns the workload for a point with this seed (generated
	// scenarios depend on it, trace files do not) and a function that
	// releases it.
	Open func(seed uint64) (scenarios.Reader, func(), error)
}

// ScenarioWorkload is a shipped scenario or a scenario file (as `ipamsim run
// --scenario NAME|FILE` loads it), generated from each point's seed as `run
// --seed S` generates it.
func ScenarioWorkload(nameOrPath string) (*Workload, error) {
	if nameOrPath == "" {
		nameOrPath = scenarios.DefaultScenarioName
	}
	sc, err := scenarios.LoadScenario(nameOrPath)
	if err != nil {
		return nil, err
	}
	return &Workload{
		Ref:          WorkloadRef{Scenario: nameOrPath},
		Settings:     sc.Settings,
		InstanceType: sc.InstanceType,
		EC2:          sc.EC2,
		Drain:        sc.Drain,
		MaxPods:      sc.MaxPods,
		Open: func(seed uint64) (scenarios.Reader, func(), error) {
			r, err := sc.Workload(seed)
			if err != nil {
				return nil, nil, err
			}
			release := func() {}
			if c, ok := r.(io.Closer); ok {
				release = func() { c.Close() }
			}
			return r, release, nil
		},
	}, nil
}

// PreloadLimit is the largest CSV or JSONL trace file (in bytes) a sweep
// parses once and keeps in memory; larger ones are re-opened and streamed for
// every point.
var PreloadLimit int64 = 64 << 20

// TraceWorkload is a trace file (CSV, JSONL or Kubernetes audit log, detected
// from its first line, as `ipamsim run --trace` reads it). A CSV or JSONL
// trace up to PreloadLimit bytes, and any audit log, is read once (so a
// malformed line stops the sweep before it starts) and its events kept in
// memory; a larger CSV or JSONL trace is re-opened and streamed for every
// point, in constant memory. note describes the audit import ("" for other
// formats). Standard input cannot be re-read and is refused.
func TraceWorkload(path string) (w *Workload, note string, err error) {
	if path == "-" || path == "" {
		return nil, "", errors.New("--trace: a sweep re-reads the trace for every point; give a file, not standard input")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("--trace: %v", err)
	}
	br := bufio.NewReaderSize(f, 256<<10)
	head, _ := br.Peek(64 << 10)
	format, err := scenarios.DetectFormat(head)
	if err != nil {
		f.Close()
		return nil, "", &scenarios.ParseError{File: path, Line: 1, Msg: err.Error()}
	}
	w = &Workload{Ref: WorkloadRef{Trace: path}}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= PreloadLimit &&
		(format == scenarios.FormatCSV || format == scenarios.FormatJSONL) {
		var r scenarios.Reader = scenarios.NewCSVReader(br, path)
		if format == scenarios.FormatJSONL {
			r = scenarios.NewJSONLReader(br, path)
		}
		evs, err := ReadAll(r)
		f.Close()
		if err != nil {
			return nil, "", err
		}
		w.Open = func(uint64) (scenarios.Reader, func(), error) { return NewEventReader(evs), func() {}, nil }
		return w, "", nil
	}
	if format == scenarios.FormatCSV || format == scenarios.FormatJSONL {
		f.Close()
		w.Open = func(uint64) (scenarios.Reader, func(), error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, nil, err
			}
			br := bufio.NewReaderSize(f, 256<<10)
			if format == scenarios.FormatCSV {
				return scenarios.NewCSVReader(br, path), func() { f.Close() }, nil
			}
			return scenarios.NewJSONLReader(br, path), func() { f.Close() }, nil
		}
		return w, "", nil
	}
	r, summary, err := scenarios.ReadAudit(br, path, scenarios.DefaultAuditOptions())
	f.Close()
	if err != nil {
		return nil, "", err
	}
	evs, err := ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	w.Open = func(uint64) (scenarios.Reader, func(), error) { return NewEventReader(evs), func() {}, nil }
	return w, summary.String(), nil
}

// BytesWorkload is a CSV or JSONL trace held in memory (tests, benchmarks),
// parsed once as TraceWorkload parses a small file; name is how the rerun
// command refers to it (--trace name).
func BytesWorkload(name string, data []byte) (*Workload, error) {
	format, err := scenarios.DetectFormat(data[:min(len(data), 64<<10)])
	if err != nil {
		return nil, err
	}
	var r scenarios.Reader
	switch format {
	case scenarios.FormatCSV:
		r = scenarios.NewCSVReader(bytes.NewReader(data), name)
	case scenarios.FormatJSONL:
		r = scenarios.NewJSONLReader(bytes.NewReader(data), name)
	default:
		return nil, fmt.Errorf("%s: want a CSV or JSONL trace", name)
	}
	evs, err := ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &Workload{
		Ref:  WorkloadRef{Trace: name},
		Open: func(uint64) (scenarios.Reader, func(), error) { return NewEventReader(evs), func() {}, nil },
	}, nil
}

// ReadAll reads a whole trace into memory, copying each event's names.
func ReadAll(r scenarios.Reader) ([]scenarios.Event, error) {
	var evs []scenarios.Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return nil, err
		}
		ev.PodName = string(ev.Pod)
		ev.Pod = []byte(ev.PodName)
		ev.Node = bytes.Clone(ev.Node)
		evs = append(evs, ev)
	}
}

// EventReader replays events held in memory.
type EventReader struct {
	evs []scenarios.Event
	i   int
}

// NewEventReader returns a reader over evs (which it does not modify).
func NewEventReader(evs []scenarios.Event) *EventReader { return &EventReader{evs: evs} }

// Next returns the next event, or io.EOF after the last.
func (r *EventReader) Next() (scenarios.Event, error) {
	if r.i >= len(r.evs) {
		return scenarios.Event{}, io.EOF
	}
	r.i++
	return r.evs[r.i-1], nil
}
