package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// This file makes a single-node run visible while it goes on and afterwards:
// `--metrics-addr` serves /metrics as the run advances, paced by `--speed`,
// and the same hooks feed the OpenMetrics backfill (openmetrics.go) and the
// HTML report (report.go).

// defaultStartTime is the wall-clock instant simulated time 0 maps to in
// backfills (--start-time).
const defaultStartTime = "2026-01-01T00:00:00Z"

// validateVisual checks the live, backfill and report flags: they describe
// one node, so cluster scenarios and several variants at once are refused.
func (o *runOptions) validateVisual(sc *scenarios.Scenario, variants []string) error {
	if o.changed["speed"] || o.changed["exit-after"] {
		if o.metricsAddr == "" {
			return usageError{errors.New("--speed and --exit-after pace and end a live run: they need --metrics-addr")}
		}
	}
	if math.IsNaN(o.speed) || math.IsInf(o.speed, 0) || o.speed < 0 {
		return usageError{fmt.Errorf("--speed %g: want a factor ≥ 0 (0: as fast as possible)", o.speed)}
	}
	if o.exitAfter < 0 {
		return usageError{fmt.Errorf("--exit-after %s: must not be negative", o.exitAfter)}
	}
	if o.sampleInterval < time.Millisecond {
		return usageError{fmt.Errorf("--sample-interval %s: want at least 1ms", o.sampleInterval)}
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

// runState is what the exporters read of a run in progress: the node (once
// replay.Execute has built it) and the replay's own figures so far. The
// simulation holds mu from the node's start to the end of the run, the
// replay's summary and the outputs included, and lets go of it only in
// BeforeStep, between events, while it waits for the wall clock (or briefly,
// when unpaced): so it is held from every BeforeStep to its AfterStep, and a
// scrape never sees a half-applied event nor races the simulation, which
// mutates the node even when it reads it (Node.Observe, Node.Stats).
type runState struct {
	mu   sync.Mutex
	node *ipam.Node
	res  replay.Result
}

// runCollector exports a run: nodeCollector's metrics (the node's aws-node and
// ipamsim_ figures) plus its subnet's free space under the cluster runs' names.
// With lock set it takes the run's mutex (HTTP scrapes); without, the caller
// is the simulation itself (samples taken inside an event).
type runCollector struct {
	st   *runState
	lock bool
}

// runDescs are every descriptor runCollector may emit. They are described up
// front because a pedantic registry refuses metrics it was not told about at
// registration, and most appear only as the run goes on (an EC2 call's first
// counter, an ipamd error).
var runDescs = []*prometheus.Desc{
	dENIAllocated, dENIMax, dIPMax, dTotalIPs, dAssignedIPs, dTotalPrefixes, dPerCIDR, dPerENI,
	dNoAvailable, dAddReq, dDelReq, dEC2Req, dEC2Err, dAPIErr, dAPILatency, dIpamdErr,
	dWait, dIdle, dHeld, dThrottled, dNeverAssigned, dWaiting, dWaited, dBeforeReady,
	dENIsAttached, dENIsFreed, dSimulated, dEvents, dTraceEvents,
	dSubnetFree, dSubnetMinFree, dSubnetFree28, dSubnetSize, dSubnetFrag,
}

func (c runCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range runDescs {
		ch <- d
	}
}

func (c runCollector) Collect(ch chan<- prometheus.Metric) {
	if c.lock {
		c.st.mu.Lock()
		defer c.st.mu.Unlock()
	}
	n := c.st.node
	if n == nil {
		return // not started yet
	}
	nodeCollector{node: n, res: c.st.res}.Collect(ch)
	if sp := n.Subnet(); sp != nil {
		name := sp.Prefix().String()
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		gauge(dSubnetFree, float64(sp.Free()+sp.ReservedFree()))
		gauge(dSubnetMinFree, float64(sp.MinFree()))
		gauge(dSubnetFree28, float64(sp.FreeAligned28()))
		gauge(dSubnetSize, float64(sp.Size()))
		gauge(dSubnetFrag, sp.Fragmentation())
	}
}

// newRunRegistry is a run's own pedantic, non-global registry.
func newRunRegistry(st *runState, lock bool) (*prometheus.Registry, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(runCollector{st: st, lock: lock}); err != nil {
		return nil, err
	}
	return reg, nil
}

// liveServer serves a run's metrics over HTTP while it goes on and paces
// simulated time against the wall clock.
type liveServer struct {
	st        *runState
	url       string
	speed     float64
	exitAfter time.Duration
	srv       *http.Server
	served    chan struct{} // closed when Serve returns
	t0        time.Time     // wall-clock start of the run

	intr     chan struct{} // closed on SIGINT/SIGTERM (or interrupt)
	intrOnce sync.Once
	sigs     chan os.Signal
	stopOnce sync.Once
}

// startLive binds --metrics-addr and starts serving; nil without the flag. A
// bind failure is a usage error naming the address.
func (o *runOptions) startLive(stderr io.Writer) (*liveServer, error) {
	if o.metricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--metrics-addr %s: %v", o.metricsAddr, err)}
	}
	l, err := newLiveServer(ln, o.speed, o.exitAfter)
	if err != nil {
		ln.Close()
		return nil, err
	}
	l.sigs = make(chan os.Signal, 1)
	signal.Notify(l.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-l.sigs; ok {
			l.interrupt()
		}
	}()
	pace := "as fast as it runs"
	if o.speed > 0 {
		pace = fmt.Sprintf("simulated time runs %g× the wall clock", o.speed)
	}
	fmt.Fprintf(stderr, "ipamsim run: serving %s (%s)\n", l.url, pace)
	return l, nil
}

func newLiveServer(ln net.Listener, speed float64, exitAfter time.Duration) (*liveServer, error) {
	l := &liveServer{st: &runState{}, url: "http://" + ln.Addr().String() + "/metrics",
		speed: speed, exitAfter: exitAfter, served: make(chan struct{}), intr: make(chan struct{})}
	reg, err := newRunRegistry(l.st, true)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// The Prometheus text format only: OpenMetrics would rename aws-node's
	// counters that lack _total (see openmetrics.go).
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "ipamsim: a simulated aws-node; metrics at /metrics\n")
	})
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() {
		defer close(l.served)
		l.srv.Serve(ln)
	}()
	return l, nil
}

// begin starts the wall clock that simulated time is paced against.
func (l *liveServer) begin() { l.t0 = time.Now() }

// pace sleeps until the wall clock has run next/speed since the start (or
// until an interrupt, after which the run finishes as fast as it can).
func (l *liveServer) pace(next sim.Time) {
	if l.speed <= 0 {
		return
	}
	d := time.Until(l.t0.Add(time.Duration(float64(next) / l.speed)))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.intr:
	}
}

func (l *liveServer) interrupt() { l.intrOnce.Do(func() { close(l.intr) }) }

func (l *liveServer) interrupted() bool {
	select {
	case <-l.intr:
		return true
	default:
		return false
	}
}

// serveFinal keeps serving the run's final state until SIGINT/SIGTERM, or
// for --exit-after, then stops the server. nil-safe.
func (l *liveServer) serveFinal(stderr io.Writer) error {
	if l == nil {
		return nil
	}
	defer l.stop()
	if l.interrupted() {
		fmt.Fprintf(stderr, "ipamsim run: interrupted: the run was finished without pacing; stopping\n")
		return nil
	}
	var timeout <-chan time.Time
	if l.exitAfter > 0 {
		fmt.Fprintf(stderr, "ipamsim run: run finished; serving its final state on %s for %s\n", l.url, l.exitAfter)
		t := time.NewTimer(l.exitAfter)
		defer t.Stop()
		timeout = t.C
	} else {
		fmt.Fprintf(stderr, "ipamsim run: run finished; serving its final state on %s until SIGINT or SIGTERM\n", l.url)
	}
	select {
	case <-l.intr:
	case <-timeout:
	case <-l.served:
		return errors.New("metrics server stopped")
	}
	return nil
}

// stop shuts the server down (waiting up to 5 s for scrapes in flight) and
// releases the signals. nil-safe and idempotent.
func (l *liveServer) stop() {
	if l == nil {
		return
	}
	l.stopOnce.Do(func() {
		if l.sigs != nil {
			signal.Stop(l.sigs)
			close(l.sigs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if l.srv.Shutdown(ctx) != nil {
			l.srv.Close()
		}
		<-l.served
	})
}

// runObserver wires a run's exporters into replay.Options: the live server's
// pacing and lock, the backfill's and the report's samples, and the report's
// per-event annotations. All its hooks run on the simulation's goroutine (the
// caller of replay.Execute).
type runObserver struct {
	st     *runState
	held   bool // the simulation holds st.mu
	live   *liveServer
	om     *omRecorder
	rep    *reportRecorder
	sample *prometheus.Registry // unlocked: gathered from inside the run
	now    sim.Time
	steps  uint64
	traced uint64
}

// newObserver returns the run's observer, or nil if no flag asks for one.
func (o *runOptions) newObserver() (*runObserver, error) {
	if o.live == nil && o.openMetricsFile == "" && o.report == "" {
		return nil, nil
	}
	ob := &runObserver{st: &runState{}, live: o.live}
	if o.live != nil {
		ob.st = o.live.st
	}
	if o.openMetricsFile != "" {
		reg, err := newRunRegistry(ob.st, false)
		if err != nil {
			return nil, err
		}
		ob.sample = reg
		ob.om = newOMRecorder(o.start)
	}
	if o.report != "" {
		ob.rep = newReportRecorder(sim.Time(o.sampleInterval))
	}
	return ob, nil
}

// hook sets the replay options the observer needs. nil-safe.
func (ob *runObserver) hook(opt *replay.Options, sampleEvery time.Duration) {
	if ob == nil {
		return
	}
	live := ob.live != nil
	opt.OnStart = func(n *ipam.Node) {
		ob.st.mu.Lock()
		ob.held = true
		ob.st.node = n
		if ob.rep != nil {
			ob.rep.start(n)
		}
		if live {
			ob.live.begin()
		}
	}
	opt.BeforeStep = func(next sim.Time) {
		if live {
			// Between events: scrapes may read the node now.
			ob.st.mu.Unlock()
			ob.live.pace(next)
			ob.st.mu.Lock()
		}
		ob.now = next
	}
	opt.AfterStep = func() {
		ob.steps++
		ob.st.res = replay.Result{TraceEvents: ob.traced, End: ob.now, Events: ob.steps}
		if ob.rep != nil {
			ob.rep.afterStep(ob.now)
		}
	}
	opt.OnEvent = func(sim.Time) { ob.traced++ }
	if ob.om != nil || ob.rep != nil {
		opt.SampleEvery = sim.Time(sampleEvery)
		opt.OnSample = func(now sim.Time) {
			ob.st.res = replay.Result{TraceEvents: ob.traced, End: now, Events: ob.steps}
			if ob.om != nil {
				ob.om.sample(now, ob.sample)
			}
			if ob.rep != nil {
				ob.rep.sample(now)
			}
		}
	}
}

// release lets scrapes read the node for good: after the run's outputs are
// written, or when the run fails. nil-safe and idempotent.
func (ob *runObserver) release() {
	if ob != nil && ob.held {
		ob.held = false
		ob.st.mu.Unlock()
	}
}

// finish publishes the run's exact final figures to the live endpoint (the
// simulation still holds the lock) and writes the backfill and the report.
// nil-safe.
func (ob *runObserver) finish(o *runOptions, run *replay.Outcome, spec replay.Spec, sc *scenarios.Scenario) error {
	if ob == nil {
		return nil
	}
	ob.st.res = run.Result
	if ob.om != nil {
		if err := ob.om.write(o.openMetricsFile); err != nil {
			return err
		}
	}
	if ob.rep != nil {
		if err := ob.rep.write(o.report, o.reportInfo(run, spec, sc)); err != nil {
			return err
		}
	}
	return nil
}
