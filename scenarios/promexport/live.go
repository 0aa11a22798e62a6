package promexport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
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
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// RunState is what the exporters read of a single-node run in progress: the
// node (once replay.Execute has built it) and the replay's own figures so far.
// The simulation holds the mutex from the node's start to the end of the run,
// the replay's summary and the outputs included, and lets go of it only
// between events, while it waits for the wall clock (or briefly, when
// unpaced): so a scrape never sees a half-applied event nor races the
// simulation, which mutates the node even when it reads it (Node.Observe,
// Node.Stats). Observer keeps that protocol.
type RunState struct {
	sync.Mutex
	Node   *ipam.Node // nil until the run starts
	Result replay.Result
}

// runCollector exports a run: nodeCollector's metrics (the node's aws-node and
// ipamsim_ figures) plus its subnet's free space under the cluster runs' names.
// With lock set it takes the run's mutex (HTTP scrapes); without, the caller
// is the simulation itself (samples taken inside an event).
type runCollector struct {
	st   *RunState
	lock bool
}

// runDescs are every descriptor runCollector may emit. They are described up
// front because a pedantic registry refuses metrics it was not told about at
// registration, and most appear only as the run goes on (an EC2 call's first
// counter, an ipamd error).
var runDescs = []*prometheus.Desc{
	dENIAllocated, dENIMax, dIPMax, dTotalIPs, dAssignedIPs, dTotalPrefixes, dPerCIDR, dPerENI,
	dNoAvailable, dAddReq, dDelReq, dEC2Req, dEC2Err, dAPIErr, dAPILatency, dIpamdErr,
	dWait, dWaitAll, dIdle, dHeld, dThrottled, dNeverAssigned, dWaiting, dWaited, dBeforeReady,
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
		c.st.Lock()
		defer c.st.Unlock()
	}
	n := c.st.Node
	if n == nil {
		return // not started yet
	}
	nodeCollector{node: n, res: c.st.Result}.Collect(ch)
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

// NewRunRegistry is a run's own pedantic, non-global registry over st. With
// lock, gathering takes st's mutex (for readers outside the simulation);
// without, the caller must be the simulation or hold the mutex.
func NewRunRegistry(st *RunState, lock bool) (*prometheus.Registry, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(runCollector{st: st, lock: lock}); err != nil {
		return nil, err
	}
	return reg, nil
}

// Live serves a run's metrics over HTTP while it goes on and paces simulated
// time against the wall clock.
type Live struct {
	st        *RunState
	url       string
	speed     float64
	exitAfter time.Duration
	srv       *http.Server
	served    chan struct{} // closed when Serve returns
	t0        time.Time     // wall-clock start of the run

	intr     chan struct{} // closed on SIGINT/SIGTERM (or Interrupt)
	intrOnce sync.Once
	sigs     chan os.Signal
	stopOnce sync.Once
}

// NewLive serves /metrics on ln at once (nothing until the run starts).
// Simulated time runs speed times faster than the wall clock (0: as fast as
// it can); after the run, ServeFinal serves its final state for exitAfter
// (0: until SIGINT, SIGTERM or Interrupt).
func NewLive(ln net.Listener, speed float64, exitAfter time.Duration) (*Live, error) {
	l := &Live{st: &RunState{}, url: "http://" + ln.Addr().String() + "/metrics",
		speed: speed, exitAfter: exitAfter, served: make(chan struct{}), intr: make(chan struct{})}
	reg, err := NewRunRegistry(l.st, true)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// The Prometheus text format only: OpenMetrics would rename aws-node's
	// counters that lack _total (see backfill.go).
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

// URL is the metrics endpoint's address.
func (l *Live) URL() string { return l.url }

// HandleSignals makes SIGINT and SIGTERM interrupt the run (Interrupt) until
// Stop.
func (l *Live) HandleSignals() {
	l.sigs = make(chan os.Signal, 1)
	signal.Notify(l.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-l.sigs; ok {
			l.Interrupt()
		}
	}()
}

// begin starts the wall clock that simulated time is paced against.
func (l *Live) begin() { l.t0 = time.Now() }

// pace sleeps until the wall clock has run next/speed since the start (or
// until an interrupt, after which the run finishes as fast as it can).
func (l *Live) pace(next sim.Time) {
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

// Interrupt ends pacing (the run finishes as fast as it can) and ServeFinal.
func (l *Live) Interrupt() { l.intrOnce.Do(func() { close(l.intr) }) }

func (l *Live) interrupted() bool {
	select {
	case <-l.intr:
		return true
	default:
		return false
	}
}

// ServeFinal keeps serving the run's final state until an interrupt, or for
// exitAfter, then stops the server; logf says which. nil-safe.
func (l *Live) ServeFinal(logf func(format string, args ...any)) error {
	if l == nil {
		return nil
	}
	defer l.Stop()
	if l.interrupted() {
		logf("interrupted: the run was finished without pacing; stopping")
		return nil
	}
	var timeout <-chan time.Time
	if l.exitAfter > 0 {
		logf("run finished; serving its final state on %s for %s", l.url, l.exitAfter)
		t := time.NewTimer(l.exitAfter)
		defer t.Stop()
		timeout = t.C
	} else {
		logf("run finished; serving its final state on %s until SIGINT or SIGTERM", l.url)
	}
	select {
	case <-l.intr:
	case <-timeout:
	case <-l.served:
		return errors.New("metrics server stopped")
	}
	return nil
}

// Stop shuts the server down (waiting up to 5 s for scrapes in flight) and
// releases the signals. nil-safe and idempotent.
func (l *Live) Stop() {
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

// Observer wires a single-node run's Prometheus exporters into the replay's
// hooks: the live server's pacing and lock, and the backfill's samples. All
// its hooks run on the simulation's goroutine (the caller of replay.Execute).
type Observer struct {
	st       *RunState
	held     bool // the simulation holds st's mutex
	live     *Live
	backfill *Backfill
	sample   *prometheus.Registry // unlocked: gathered from inside the run
	now      sim.Time
	steps    uint64
	traced   uint64
}

// NewObserver returns the observer of a run served by live and sampled into
// backfill (either may be nil).
func NewObserver(live *Live, backfill *Backfill) (*Observer, error) {
	ob := &Observer{st: &RunState{}, live: live, backfill: backfill}
	if live != nil {
		ob.st = live.st
	}
	if backfill != nil {
		reg, err := NewRunRegistry(ob.st, false)
		if err != nil {
			return nil, err
		}
		ob.sample = reg
	}
	return ob, nil
}

// Hook sets the replay options the observer needs, the backfill sampled every
// sampleEvery. Other observers must hook in after it: they then read the node
// while the run holds the lock.
func (ob *Observer) Hook(opt *replay.Options, sampleEvery sim.Time) {
	live := ob.live != nil
	opt.OnStart = func(n *ipam.Node) {
		ob.st.Lock()
		ob.held = true
		ob.st.Node = n
		if live {
			ob.live.begin()
		}
	}
	opt.BeforeStep = func(next sim.Time) {
		if live {
			// Between events: scrapes may read the node now.
			ob.st.Unlock()
			ob.live.pace(next)
			ob.st.Lock()
		}
		ob.now = next
	}
	opt.AfterStep = func() {
		ob.steps++
		ob.st.Result = replay.Result{TraceEvents: ob.traced, End: ob.now, Events: ob.steps}
	}
	opt.OnEvent = func(sim.Time) { ob.traced++ }
	if ob.backfill != nil {
		opt.SampleEvery = sampleEvery
		opt.OnSample = func(now sim.Time) {
			ob.st.Result = replay.Result{TraceEvents: ob.traced, End: now, Events: ob.steps}
			ob.backfill.Sample(now, ob.sample)
		}
		opt.OnCoarsen = ob.backfill.Thin
	}
}

// Finish publishes the run's exact final figures (the simulation still holds
// the lock). nil-safe.
func (ob *Observer) Finish(res replay.Result) {
	if ob != nil {
		ob.st.Result = res
	}
}

// Release lets scrapes read the node for good: after the run's outputs are
// written, or when the run fails. nil-safe and idempotent.
func (ob *Observer) Release() {
	if ob != nil && ob.held {
		ob.held = false
		ob.st.Unlock()
	}
}
