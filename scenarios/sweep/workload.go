package sweep

import (
	"fmt"
	"slices"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

// WorkloadRef names a sweep's workload in its outputs and rerun commands:
// exactly one of Scenario and Trace is set. Variant is the scenario's run
// the sweep varies ("" for a scenario without variants or a trace;
// scenarios.BaseName for the base of one with variants, so that the rerun
// command runs that one run).
type WorkloadRef struct {
	Scenario string `json:"scenario,omitempty"`
	Variant  string `json:"variant,omitempty"`
	Trace    string `json:"trace,omitempty"`
}

// Workload is what every point of a sweep replays: a scenario (a single node
// or a cluster) or a trace. Points open it concurrently; each gets a fresh
// reader.
type Workload struct {
	Ref WorkloadRef
	// Scenario is the scenario swept; nil for a trace.
	Scenario *scenarios.Scenario
	// Trace is the trace swept; nil for a scenario.
	Trace *scenarios.TraceSource
}

// ScenarioWorkload is a shipped scenario or a scenario file (as `ipamsim run
// --scenario NAME|FILE` loads it), generated from each point's seed as `run
// --seed S` generates it; variant is its run ("" for the base). A cluster
// scenario's points run the cluster.
func ScenarioWorkload(nameOrPath, variant string) (*Workload, error) {
	if nameOrPath == "" {
		nameOrPath = scenarios.DefaultScenarioName
	}
	sc, err := scenarios.LoadScenario(nameOrPath)
	if err != nil {
		return nil, err
	}
	runs := sc.RunNames()
	switch {
	case variant == "" && len(runs) > 1:
		variant = scenarios.BaseName
	case variant != "" && !slices.Contains(runs, variant):
		return nil, fmt.Errorf("--variant %q: scenario %s has %v", variant, sc.Name, runs)
	}
	return &Workload{Ref: WorkloadRef{Scenario: nameOrPath, Variant: variant}, Scenario: sc}, nil
}

// TraceWorkload is a trace file (CSV, JSONL or Kubernetes audit log, detected
// from its first line, as `ipamsim run --trace` reads it), loaded by
// scenarios.LoadTrace: held in memory up to scenarios.PreloadLimit bytes (so
// a malformed line stops the sweep before it starts) and re-opened for every
// point beyond. note describes an audit import ("" for other formats).
// Standard input cannot be re-read by a rerun command and is refused.
func TraceWorkload(path string) (w *Workload, note string, err error) {
	if path == "-" || path == "" {
		return nil, "", &scenarios.OpenError{Path: "-", Msg: "a sweep's rerun commands re-read the trace: give a file, not standard input"}
	}
	src, err := scenarios.LoadTrace(path, scenarios.TraceOptions{})
	if err != nil {
		return nil, "", err
	}
	if src.Audit != nil {
		note = src.Audit.String()
	}
	return &Workload{Ref: WorkloadRef{Trace: path}, Trace: src}, note, nil
}

// BytesWorkload is a trace held in memory (tests, benchmarks), parsed once;
// name is how the rerun command refers to it (--trace name).
func BytesWorkload(name string, data []byte) (*Workload, error) {
	src, err := scenarios.TraceFromBytes(name, data, scenarios.TraceOptions{})
	if err != nil {
		return nil, err
	}
	return &Workload{Ref: WorkloadRef{Trace: name}, Trace: src}, nil
}

// DefaultInstanceType is the node type of a sweep without --instance-types:
// the scenario's; for a cluster the type all its groups run ("" if they run
// different ones: such a sweep must name its types); for a trace
// replay.DefaultInstanceType.
func (w *Workload) DefaultInstanceType() string {
	sc := w.Scenario
	switch {
	case sc == nil:
		return replay.DefaultInstanceType
	case !sc.IsCluster():
		return sc.InstanceType
	}
	t := sc.Groups[0].InstanceType
	for _, g := range sc.Groups[1:] {
		if g.InstanceType != t {
			return ""
		}
	}
	return t
}

// IsCluster reports whether the workload is a cluster scenario.
func (w *Workload) IsCluster() bool { return w.Scenario != nil && w.Scenario.IsCluster() }

// request is a point's run.
func (w *Workload) request(ov replay.Overrides) replay.Request {
	req := replay.Request{Overrides: ov}
	if w.Scenario != nil {
		req.Scenario, req.Variant = w.Scenario, w.Ref.Variant
		return req
	}
	req.Trace, req.TraceName = w.Trace.Open, w.Trace.Name
	return req
}
