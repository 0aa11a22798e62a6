package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/promexport"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/report"
	"github.com/ipamsim/ipamsim/sim"
)

// This file wires the flags that make a single-node run visible while it goes
// on and afterwards into scenarios/promexport and scenarios/report:
// `--metrics-addr` serves /metrics as the run advances, paced by `--speed`,
// and the same hooks feed the OpenMetrics backfill (--openmetrics-file) and
// the HTML report (--report).

// defaultStartTime is the wall-clock instant simulated time 0 maps to in
// backfills (--start-time).
const defaultStartTime = "2026-01-01T00:00:00Z"

// The range of --speed (besides 0): from a thousandth of the wall clock (a
// minute of simulated time in about 17 hours) to a billion times it.
const (
	minSpeed = 1e-3
	maxSpeed = 1e9
)

// validateVisual checks the live, backfill and report flags: they describe
// one node, so cluster scenarios and several variants at once are refused.
func (o *runOptions) validateVisual(sc *scenarios.Scenario, variants []string) error {
	if o.changed["speed"] || o.changed["exit-after"] {
		if o.metricsAddr == "" {
			return usageError{errors.New("--speed and --exit-after pace and end a live run: they need --metrics-addr")}
		}
	}
	if !(o.speed == 0 || o.speed >= minSpeed && o.speed <= maxSpeed) {
		return usageError{fmt.Errorf("--speed %g: want 0 (as fast as possible) or a factor from %g to %g", o.speed, minSpeed, maxSpeed)}
	}
	if o.exitAfter < 0 {
		return usageError{fmt.Errorf("--exit-after %s: must not be negative", o.exitAfter)}
	}
	if o.sampleInterval < time.Millisecond || o.sampleInterval > replay.MaxDrain {
		return usageError{fmt.Errorf("--sample-interval %s: want 1ms to %s", o.sampleInterval, replay.MaxDrain)}
	}
	if o.changed["sample-interval"] && o.openMetricsFile == "" && o.report == "" {
		return usageError{errors.New("--sample-interval samples the backfill and the report: it needs --openmetrics-file or --report")}
	}
	if o.changed["start-time"] && o.openMetricsFile == "" {
		return usageError{errors.New("--start-time dates the backfill: it needs --openmetrics-file")}
	}
	st, err := time.Parse(time.RFC3339, o.startTime)
	if err != nil {
		return usageError{fmt.Errorf("--start-time %q: want RFC 3339, e.g. %s", o.startTime, defaultStartTime)}
	}
	o.start = st
	if o.metricsAddr == "" && o.openMetricsFile == "" && o.report == "" {
		return nil
	}
	if sc != nil && sc.IsCluster() {
		return usageError{fmt.Errorf("--metrics-addr, --openmetrics-file and --report describe one node; scenario %s is a cluster: use --metrics-file or --series", sc.Name)}
	}
	if len(variants) > 1 {
		return usageError{fmt.Errorf("--metrics-addr, --openmetrics-file and --report describe one run; scenario %s has %d variants: choose one with --variant", sc.Name, len(variants))}
	}
	return nil
}

// startLive binds --metrics-addr and starts serving; nil without the flag. A
// bind failure is a usage error naming the address.
func (o *runOptions) startLive(stderr io.Writer) (*promexport.Live, error) {
	if o.metricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--metrics-addr %s: %v", o.metricsAddr, err)}
	}
	l, err := promexport.NewLive(ln, o.speed, o.exitAfter)
	if err != nil {
		ln.Close()
		return nil, err
	}
	l.HandleSignals()
	pace := "as fast as it runs"
	if o.speed > 0 {
		pace = fmt.Sprintf("simulated time runs %g× the wall clock", o.speed)
	}
	fmt.Fprintf(stderr, "ipamsim run: serving %s (%s)\n", l.URL(), pace)
	return l, nil
}

// observe hooks the run's exporters into opt: the live server and the backfill
// (nil without either), then the report recorder (nil without --report).
func (o *runOptions) observe(opt *replay.Options) (*promexport.Observer, *promexport.Backfill, *report.Recorder, error) {
	var bf *promexport.Backfill
	if o.openMetricsFile != "" {
		bf = promexport.NewBackfill(o.start)
	}
	var ob *promexport.Observer
	if o.live != nil || bf != nil {
		var err error
		if ob, err = promexport.NewObserver(o.live, bf); err != nil {
			return nil, nil, nil, err
		}
		ob.Hook(opt, sim.Time(o.sampleInterval))
	}
	var rec *report.Recorder
	if o.report != "" {
		rec = report.NewRecorder(sim.Time(o.sampleInterval))
		rec.Hook(opt) // after the observer's hooks, which replace opt's; the recorder's chain them
	}
	return ob, bf, rec, nil
}

// writeVisual writes the backfill and the report of a finished run (nil:
// not asked for) into their output files.
func (o *runOptions) writeVisual(files map[string]*outputs.File, bf *promexport.Backfill, rec *report.Recorder, run *replay.Outcome, spec replay.Spec, sc *scenarios.Scenario) error {
	if bf != nil {
		if err := bf.Err(); err != nil {
			return fmt.Errorf("--openmetrics-file: %w", err)
		}
		if err := bf.WriteOpenMetrics(files["--openmetrics-file"]); err != nil {
			return err
		}
	}
	if rec != nil {
		return rec.WriteRun(files["--report"], o.reportInfo(rec, run, spec, sc))
	}
	return nil
}

// reportInfo describes the run for the report.
func (o *runOptions) reportInfo(rec *report.Recorder, run *replay.Outcome, spec replay.Spec, sc *scenarios.Scenario) report.RunInfo {
	m := report.RunInfo{Summary: run.Summary, SampleEvery: o.sampleInterval, Drain: time.Duration(spec.Drain)}
	if rec != nil {
		m.SampleEvery = time.Duration(rec.Every())
	}
	switch {
	case sc != nil:
		m.Title = "Scenario " + sc.Name
		if o.variant != "" && o.variant != scenarios.BaseName {
			m.Title += ", variant " + o.variant
		}
		m.Question = sc.Question
		m.Source = "scenario " + sc.Name + " (" + sc.Source + ")"
	default:
		m.Title = "Trace " + o.trace
		m.Source = "trace " + o.trace
	}
	m.Settings = report.Settings(spec.Settings)
	lim := run.Node.Limits()
	m.IPMax = lim.IPsPerENI() * lim.MaxENIs
	m.CDF = run.Node.Waits().CDF()
	return m
}
