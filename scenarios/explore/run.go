package explore

import (
	"context"
	"fmt"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// This file is the package's only use of the run machinery: the run is
// prepared by replay.Prepare from the same overrides as the equivalent
// `ipamsim run --scenario S --variant V ...` command line (runInput.args), so
// the page's figures are the CLI's; the tests check that they are.

// limits bound one run so that no query can hang the server.
type limits struct {
	timeout   time.Duration
	maxEvents uint64 // engine events
}

// LimitError is a run stopped by its deadline or its event cap.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// outcome is a finished run as the page draws it.
type outcome struct {
	Summary  replay.Summary
	Warnings []string
	Series   seriesJSON
	CDF      cdfJSON
	// AddressLimit is the most addresses the instance can hold for pods
	// (the chart's limit line).
	AddressLimit int
}

// execute runs one checked input.
func execute(ctx context.Context, in *runInput, lim limits) (out *outcome, err error) {
	setup, err := replay.Prepare(replay.Request{Scenario: in.scenario.sc, Variant: in.variant,
		Overrides: replay.Overrides{InstanceType: in.instance.Name, Order: in.orderName, Seed: in.seed,
			Policy: in.policy, Settings: in.sets}})
	if err != nil {
		return nil, fieldErr(paramScenario, err)
	}
	log := &replay.NodeLog{}
	rec := newRecorder(log)
	g := &guard{ctx: ctx, deadline: time.Now().Add(lim.timeout), timeout: lim.timeout, maxEvents: lim.maxEvents}
	opt := replay.Options{Log: log, OnStart: rec.start, AfterStep: rec.afterStep,
		BeforeStep: func(next sim.Time) { g.step(); rec.advance(next) }}
	defer func() {
		if p := recover(); p != nil {
			stop, ok := p.(stopRun)
			if !ok {
				panic(p)
			}
			out, err = nil, stop.err
		}
	}()
	run, err := setup.Execute(opt)
	if err != nil {
		return nil, err
	}
	rec.finish(run.Result.End)
	lm := run.Node.Limits()
	return &outcome{Summary: run.Summary, Warnings: run.Warnings, Series: rec.series(),
		CDF: cdfOf(run.Node.Waits().CDF()), AddressLimit: lm.IPsPerENI() * lm.MaxENIs}, nil
}

// guard stops a run that passes its deadline or event cap, or whose request
// went away. replay.Execute has no way to be cancelled, so the guard panics
// from its BeforeStep hook with a stopRun that execute recovers: the run's
// state is all local to it and is dropped.
type guard struct {
	ctx       context.Context
	deadline  time.Time
	timeout   time.Duration
	maxEvents uint64
	steps     uint64
}

type stopRun struct{ err error }

func (g *guard) step() {
	g.steps++
	if g.steps > g.maxEvents {
		panic(stopRun{&LimitError{fmt.Sprintf("run stopped after %d engine events (the server's cap per run)", g.maxEvents)}})
	}
	if g.steps%256 != 0 {
		return
	}
	if err := g.ctx.Err(); err != nil {
		panic(stopRun{fmt.Errorf("run abandoned: %w", err)})
	}
	if time.Now().After(g.deadline) {
		panic(stopRun{&LimitError{fmt.Sprintf("run stopped after %s (the server's time limit per run)", g.timeout)}})
	}
}

// scenarioSupported reports why a scenario cannot be explored on the page,
// or nil.
func scenarioSupported(sc *scenarios.Scenario) error {
	if sc.IsCluster() {
		return fmt.Errorf("scenario %s describes a cluster (subnet: and group: lines); ipamsim ui explores one node", sc.Name)
	}
	return nil
}
