// Package replay runs a pod trace against one simulated node: it feeds the
// trace's ADDs and DELs into the engine at their times, lets the node's ipamd
// loop run in between, writes the per-event timeline and returns the run's
// summary.
package replay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// Options control a replay.
type Options struct {
	// Drain is how long the run goes on after the last trace event so the pool
	// settles (docs/model.md §9.4: default 10m).
	Drain sim.Time
	// WarmUp is how long the node boots before trace time 0 (§9.15); the
	// engine must start at −WarmUp (sim.NewEngineAt), as Execute's does.
	WarmUp sim.Time
	// Timeline, if not nil, receives the timeline CSV (docs/model.md §9.5 "Timeline
	// format").
	Timeline io.Writer
	// OnEvent, if not nil, is called after every trace event is applied.
	OnEvent func(now sim.Time)
	// SampleEvery and OnSample, if both set, call OnSample at time 0 and
	// every SampleEvery of simulated time, and once at the end of the run
	// (series for reports and backfills).
	SampleEvery sim.Time
	OnSample    func(now sim.Time)
	// MaxSamples, if > 0, bounds the samples a long run keeps: after
	// MaxSamples samples at the current interval the interval doubles and
	// OnCoarsen is called with it, so that observers keep only the samples
	// at multiples of the new interval (about half); sampling goes on at it.
	// Observers that keep samples thus hold at most about MaxSamples of
	// them, and the run fires about MaxSamples x (1 + log2(run/interval)/2)
	// samples in all, however long it is.
	MaxSamples int
	OnCoarsen  func(every sim.Time)
	// BeforeStep, if not nil, is called before the engine fires each event,
	// with that event's time: a live run paces simulated time against the
	// wall clock here, and may take a lock that readers of the model share.
	BeforeStep func(next sim.Time)
	// AfterStep, if not nil, is called after each event (to release that lock).
	AfterStep func()
	// OnStart, if not nil, is called by Execute with the node it built, before
	// the replay starts, so that observers (a live metrics endpoint) can read
	// the node while the run goes on.
	OnStart func(node *ipam.Node)
	// Log, if not nil, is kept from the node's event log: Execute feeds it
	// (NodeLog.Init, then every event). The timeline is written from it
	// (Execute makes one when there is none), and observers such as the run
	// report read it after each step and at each sample. A run made with Run
	// or Replay on a node built elsewhere must feed it itself.
	Log *NodeLog
}

// sampleTicker calls Options.OnSample at a simulated interval, doubled
// whenever MaxSamples samples have been kept (Options.MaxSamples).
type sampleTicker struct {
	eng     *sim.Engine
	every   sim.Time
	f       func(sim.Time)
	max     int
	kept    int // samples at multiples of every, so far
	coarsen func(sim.Time)
}

func (s *sampleTicker) Fire(now sim.Time, _ int64) {
	s.f(now)
	s.eng.After(s.next(now), s, 0)
}

// next counts the sample just taken at now and returns the time to the
// next one, doubling the interval when the samples kept reach the bound.
func (s *sampleTicker) next(now sim.Time) sim.Time {
	s.kept++
	if s.max <= 0 || s.kept < s.max || s.every > sim.Time(1<<61) {
		return s.every
	}
	s.every *= 2
	s.kept = int(now/s.every) + 1 // those at multiples of the new interval
	if s.coarsen != nil {
		s.coarsen(s.every)
	}
	return s.every - now%s.every
}

// Error is a trace event the node cannot apply (e.g. an add of a live pod),
// with the trace file, line and field at fault.
type Error struct {
	File  string // the trace's name, when its reader knows it (scenarios.NamedReader)
	Line  int
	Field string // "pod", or "node" for a node the cluster cannot place the pod on
	Err   error
}

func (e *Error) Error() string {
	field := e.Field
	if field == "" {
		field = "pod"
	}
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: field %q: %v", e.File, e.Line, field, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("line %d: field %q: %v", e.Line, field, e.Err)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Result is what a replay measured besides the node's own counters.
type Result struct {
	TraceEvents uint64 // trace rows applied
	// Nodes is the number of distinct node names the trace's node column
	// gave, counted for single-node runs, where the column is ignored (every
	// pod goes to the one node); capped at 2.
	Nodes  int
	End    sim.Time // simulated time at the end of the run
	Events uint64   // engine events processed (pool passes, EC2 calls, retries)
	// WarmUp is how long the node booted before trace time 0 (§9.15); 0 for
	// a cold node.
	WarmUp sim.Time
}

// Target is what a trace is replayed against: one node or a cluster.
type Target interface {
	// Start begins the simulation at the engine's current time.
	Start()
	// AddPod and DelPod apply one trace event; node is the trace's optional
	// node column.
	AddPod(pod, node []byte) error
	DelPod(pod []byte) error
}

type nodeTarget struct{ n *ipam.Node }

func (t nodeTarget) Start()                     { t.n.Start() }
func (t nodeTarget) AddPod(pod, _ []byte) error { return t.n.AddPod(pod) }

// addPodNamed lets the feeder hand over a name the reader keeps as a string.
func (t nodeTarget) addPodNamed(pod string) error { return t.n.AddPodNamed(pod) }
func (t nodeTarget) DelPod(pod []byte) error      { return t.n.DelPod(pod) }

// Run replays src against node on eng, starting the node at time 0. When it
// returns the node's pool loop is closed; its state stays readable.
func Run(eng *sim.Engine, node *ipam.Node, src scenarios.Reader, opt Options) (Result, error) {
	defer node.Close()
	res, err := Replay(eng, nodeTarget{node}, node, src, opt)
	if err == nil {
		node.Observe()
	}
	return res, err
}

// Replay replays src against any target. The timeline (opt.Timeline) needs a
// single node to describe, so node may be nil only without one.
func Replay(eng *sim.Engine, target Target, node *ipam.Node, src scenarios.Reader, opt Options) (Result, error) {
	f := &feeder{eng: eng, target: target, node: node, src: src, opt: opt}
	if opt.Timeline != nil && node == nil {
		return Result{}, errors.New("replay: a timeline needs a single node")
	}
	if opt.Timeline != nil && opt.Log == nil {
		return Result{}, errors.New("replay: a timeline is written from the node's event log: set Options.Log (Execute does)")
	}
	if opt.Log != nil && !opt.Log.inited {
		return Result{}, errors.New("replay: Options.Log is not fed the node's events (NodeLog.Init; Execute does both)")
	}
	if opt.Timeline != nil {
		f.tl = bufio.NewWriterSize(opt.Timeline, 64<<10)
		f.tl.WriteString("at,op,pod,result,enis,prefixes,ips_total,ips_assigned\n")
		f.row = pendingRow{op: "init", pod: []byte("-")}
		f.hasRow = true
	}
	target.Start()
	if err := f.readNext(); err != nil {
		return Result{}, err
	}
	// §9.13: the running pods, first in the trace, are restored as the node
	// boots; §9.15: a warm-up runs the nodes up to just before trace time 0,
	// and the figures start there.
	for f.more && f.ev.Op == scenarios.OpRunning {
		if err := f.addRunning(); err != nil {
			return Result{}, err
		}
	}
	if eng.Now() < 0 {
		eng.RunUntil(-1)
		traceStart(target)
		if opt.Log != nil {
			opt.Log.traceStart()
		}
	}
	if opt.SampleEvery > 0 && opt.OnSample != nil {
		eng.Schedule(0, &sampleTicker{eng: eng, every: opt.SampleEvery, f: opt.OnSample, max: opt.MaxSamples, coarsen: opt.OnCoarsen}, 0)
	}
	if f.more {
		eng.Schedule(f.ev.At, f, 0)
	}
	end := sim.Time(1<<63 - 1)
	for {
		if f.err != nil {
			return Result{}, f.err
		}
		if !f.more && end == 1<<63-1 {
			end = f.last + opt.Drain
		}
		at, ok := eng.NextAt()
		if !ok || at > end {
			break
		}
		if opt.BeforeStep != nil {
			opt.BeforeStep(at)
		}
		eng.Step()
		if opt.AfterStep != nil {
			opt.AfterStep()
		}
	}
	if end == 1<<63-1 {
		end = eng.Now()
	}
	if opt.BeforeStep != nil {
		opt.BeforeStep(end)
	}
	eng.RunUntil(end)
	f.finishRow()
	if opt.SampleEvery > 0 && opt.OnSample != nil {
		opt.OnSample(eng.Now())
	}
	if opt.AfterStep != nil {
		opt.AfterStep()
	}
	if f.tl != nil {
		if err := f.tl.Flush(); err != nil {
			return Result{}, err
		}
	}
	return Result{TraceEvents: f.applied, End: eng.Now(), Events: eng.Processed(), Nodes: f.nodes, WarmUp: opt.WarmUp}, nil
}

type pendingRow struct {
	at  sim.Time
	op  string
	pod []byte
}

// feeder is the engine handler that applies trace events one at a time,
// reading the next only after the current one is applied (streaming).
type feeder struct {
	eng       *sim.Engine
	target    Target
	node      *ipam.Node
	src       scenarios.Reader
	opt       Options
	ev        scenarios.Event
	more      bool
	last      sim.Time
	err       error
	applied   uint64
	nodes     int    // distinct node names seen (up to 2), single-node runs
	firstNode string // the first node name seen

	tl     *bufio.Writer
	row    pendingRow
	hasRow bool
	buf    []byte
}

func (f *feeder) readNext() error {
	ev, err := f.src.Next()
	if errors.Is(err, io.EOF) {
		f.more = false
		return nil
	}
	if err != nil {
		return err
	}
	f.ev, f.more = ev, true
	return nil
}

// Fire applies the pending trace event, then reads and schedules the next.
func (f *feeder) Fire(now sim.Time, _ int64) {
	f.finishRow()
	// The event is read in place, not copied: a copy's address passed to
	// requestTarget would move it to the heap on every call. readNext
	// overwrites it, so ev is not used after that.
	ev := &f.ev
	var err error
	switch ev.Op {
	case scenarios.OpAdd:
		if nt, ok := f.target.(nodeTarget); ok && ev.PodName != "" {
			err = nt.addPodNamed(ev.PodName)
		} else if rt, ok := f.target.(requestTarget); ok {
			err = rt.addPodRequests(ev)
		} else {
			err = f.target.AddPod(ev.Pod, ev.Node)
		}
	case scenarios.OpDel:
		err = f.target.DelPod(ev.Pod)
	default:
		err = fmt.Errorf("unknown op %v", ev.Op)
	}
	if err != nil {
		field := "pod"
		var ne *cluster.NodeError
		if errors.As(err, &ne) {
			field = "node"
		}
		f.err = &Error{File: scenarios.TraceName(f.src), Line: ev.Line, Field: field, Err: err}
		return
	}
	f.applied++
	f.last = now
	if f.node != nil && len(ev.Node) > 0 && f.nodes < 2 && string(ev.Node) != f.firstNode {
		if f.nodes == 0 {
			f.firstNode = string(ev.Node)
		}
		f.nodes++
	}
	if f.tl != nil {
		f.row = pendingRow{at: ev.At, op: ev.Op.String(), pod: append(f.row.pod[:0], ev.Pod...)}
		f.hasRow = true
	}
	if f.opt.OnEvent != nil {
		f.opt.OnEvent(now)
	}
	if err := f.readNext(); err != nil {
		f.err = err
		return
	}
	if f.more {
		if f.ev.At < now {
			f.err = &Error{File: scenarios.TraceName(f.src), Line: f.ev.Line, Field: "at", Err: fmt.Errorf("time %s is before the previous event's %s", f.ev.At, now)}
			return
		}
		f.eng.Schedule(f.ev.At, f, 0)
	}
}

// addRunning restores the pending running pod (§9.13) and reads the next
// event. It is no trace row: the timeline's first row shows it.
func (f *feeder) addRunning() error {
	ev := &f.ev
	name := ev.PodName
	if name == "" {
		name = string(ev.Pod)
	}
	var err error
	switch t := f.target.(type) {
	case nodeTarget:
		err = t.n.AddRunningPod(name)
	case clusterTarget:
		err = t.c.AddRunningPod([]byte(name), ev.Node, cluster.Requests{CPUMilli: ev.CPUMilli, MemoryBytes: ev.MemoryBytes})
	default:
		err = fmt.Errorf("this target cannot hold running pods")
	}
	if err != nil {
		return &Error{File: scenarios.TraceName(f.src), Line: ev.Line, Err: err}
	}
	f.applied++
	return f.readNext()
}

// traceStart starts the figures at trace time 0 after a warm-up (§9.15):
// every node's counters begin again from its state then.
func traceStart(target Target) {
	switch t := target.(type) {
	case nodeTarget:
		resetFigures(t.n)
	case clusterTarget:
		for _, m := range t.c.Members() {
			resetFigures(m.Node)
		}
	}
}

func resetFigures(n *ipam.Node) {
	st := n.Stats()
	c := &n.Counters
	*c = ipam.Counters{EC2Latency: c.EC2Latency, IpamdErrors: c.IpamdErrors, PodsUnschedulable: c.PodsUnschedulable,
		PeakENIs: st.ENIs, PeakTotalIPs: st.TotalIPs, PeakAssigned: st.AssignedIPs, PeakIdle: st.TotalIPs - st.AssignedIPs, PeakWaiting: n.Waiting()}
	clear(c.EC2Latency)
	clear(c.IpamdErrors)
}

// finishRow writes the pending timeline row with the node's state now: the
// instant just before the next trace event, or the end of the run.
func (f *feeder) finishRow() {
	if f.tl == nil || !f.hasRow {
		return
	}
	f.hasRow = false
	r := &f.row
	result := "ok"
	if r.op == "add" {
		live, running, failed := f.opt.Log.Pod(string(r.pod))
		switch {
		case live && running && !failed:
			result = "ok"
		case live && running:
			result = "wait"
		default:
			result = "fail"
		}
	}
	c := f.opt.Log.Counts(f.eng.Now())
	b := f.buf[:0]
	b = r.at.AppendSeconds(b)
	b = append(b, ',')
	b = append(b, r.op...)
	b = append(b, ',')
	b = append(b, r.pod...)
	b = append(b, ',')
	b = append(b, result...)
	for _, v := range [...]int{c.ENIs, c.Prefixes, c.Total, c.Assigned} {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	b = append(b, '\n')
	f.tl.Write(b)
	f.buf = b
}

// Spec is everything one single-node run needs besides its workload.
type Spec struct {
	Instance catalog.InstanceType
	Settings ipam.Settings
	MaxPods  int // 0: MaxPodsFrom's figure (catalog.NodeMaxPods)
	// MaxPodsFrom is the max-pods rule when MaxPods is 0 ("": eks).
	MaxPodsFrom catalog.MaxPodsFrom
	Order       ipam.AssignOrder
	Profile     ec2.Profile
	Subnet      netip.Prefix // zero: 10.0.0.0/16
	Seed        uint64
	Drain       sim.Time
	WarmUp      sim.Time    // the node boots this long before trace time 0 (§9.15)
	Policy      ipam.Policy // nil: the VPC CNI
	// Events, if not nil, receives the node's event log (ipam.Config.Events).
	Events func(ipam.Event)
}

// SpecError is a Spec that does not describe a node (an input error).
type SpecError struct{ Err error }

func (e *SpecError) Error() string { return e.Err.Error() }
func (e *SpecError) Unwrap() error { return e.Err }

// Outcome is a finished single-node run.
type Outcome struct {
	Node     *ipam.Node
	Result   Result
	Summary  Summary
	Warnings []string
}

// Execute builds the node a Spec describes and replays src against it. Errors
// in the spec are *ipam.SettingError or plain errors; errors in the trace are
// *scenarios.ParseError or *Error.
func Execute(spec Spec, src scenarios.Reader, opt Options) (*Outcome, error) {
	if opt.WarmUp == 0 {
		opt.WarmUp = spec.WarmUp
	}
	eng := sim.NewEngineAt(-opt.WarmUp)
	cfg := ipam.Config{Name: "node-1", Instance: spec.Instance, Settings: spec.Settings, MaxPods: spec.MaxPods,
		MaxPodsFrom: spec.MaxPodsFrom, Order: spec.Order, Profile: spec.Profile, Seed: spec.Seed, Policy: spec.Policy, Events: spec.Events}
	if opt.Timeline != nil && opt.Log == nil {
		opt.Log = &NodeLog{}
	}
	if log := opt.Log; log != nil {
		if events := spec.Events; events != nil {
			cfg.Events = func(e ipam.Event) {
				log.Add(e)
				events(e)
			}
		} else {
			cfg.Events = log.Add
		}
	}
	if spec.Subnet.IsValid() {
		s, err := vpc.NewSubnet(spec.Subnet)
		if err != nil {
			return nil, &SpecError{err}
		}
		cfg.Subnet = s
	}
	node, warnings, err := ipam.NewNode(eng, cfg)
	if err != nil {
		return nil, &SpecError{err}
	}
	if opt.Log != nil {
		opt.Log.Init(node)
	}
	if opt.Drain == 0 {
		opt.Drain = spec.Drain
	}
	if opt.OnStart != nil {
		opt.OnStart(node)
	}
	res, err := Run(eng, node, src, opt)
	if err != nil {
		return nil, err
	}
	sum := Summarize(node, res, spec.Instance.Name, spec.Order, spec.Profile.Name, spec.Seed)
	sum.Policy = node.PolicyName()
	return &Outcome{Node: node, Result: res, Summary: sum, Warnings: warnings}, nil
}
