package explore

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// This file is the package's only use of the run machinery: the scenario's
// workload and replay.Execute. It builds the same replay.Spec `ipamsim run
// --scenario S --variant V` builds (cmd/ipamsim run.go), so the page's figures
// are the CLI's; the tests check that they are.

// The CLI's defaults for a scenario run (cmd/ipamsim run.go flags).
const defaultDrain = 10 * time.Minute

var defaultSubnet = netip.MustParsePrefix("10.0.0.0/16")

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
	sc := in.scenario.sc
	profile, err := ipam.ProfileByName(sc.EC2)
	if err != nil {
		return nil, fieldErr(paramScenario, fmt.Errorf("--ec2: %w", err))
	}
	drain := defaultDrain
	if sc.Drain > 0 {
		drain = sc.Drain
	}
	policy, err := ipam.NewPolicy(in.policy, nil) // fresh: policies keep per-node state
	if err != nil {
		return nil, fieldErr(paramPolicy, err)
	}
	spec := replay.Spec{Instance: in.instance, Settings: in.settings, MaxPods: sc.MaxPods, Order: in.order,
		Profile: profile, Subnet: defaultSubnet, Seed: in.seed, Drain: sim.Time(drain), Policy: policy}

	src, err := sc.Workload(in.seed)
	if err != nil {
		return nil, fieldErr(paramScenario, err)
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	rec := newRecorder()
	g := &guard{ctx: ctx, deadline: time.Now().Add(lim.timeout), timeout: lim.timeout, maxEvents: lim.maxEvents}
	opt := replay.Options{OnStart: rec.start, AfterStep: rec.afterStep,
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
	run, err := replay.Execute(spec, src, opt)
	if err != nil {
		return nil, err
	}
	rec.finish(run.Result.End)
	lm := run.Node.Limits()
	return &outcome{Summary: run.Summary, Warnings: run.Warnings, Series: rec.series(),
		CDF: cdfOf(run.Node.Counters.Wait.CDF()), AddressLimit: lm.IPsPerENI() * lm.MaxENIs}, nil
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
