package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// The run report (ipamsim run --report FILE.html) is one self-contained page:
// the scenario's question and settings, timelines of the node's addresses,
// ENIs, waiting pods and EC2 calls sampled every sample interval (with the
// exact instants pods waited, ADDs failed and ENIs were created, attached and
// freed drawn over them), the pod-wait CDF and the summary table. The charts
// are SVG generated here; a few lines of inline JavaScript only add a hover
// read-out. The sweep and compare reports (sweep.go, compare.go) share its
// chart model, helpers and stylesheet (chart.go).

// State is what the run report reads of the node: after every engine event
// (Recorder.Step) and at every sample (Recorder.Sample). Counters count from
// the start of the run.
type State struct {
	Waiting  int // pods whose ADD failed and who wait for the kubelet's retry
	ENIs     int // ENIs attached, the primary included
	Held     int // addresses usable by pods (awscni_total_ip_addresses)
	Assigned int // addresses assigned to pods
	Cooling  int // held addresses in cooldown (IP_COOLDOWN_PERIOD)
	MaxENIs  int // the most ENIs the instance allows
	MaxPods  int // the kubelet's max pods

	NoIP         uint64 // CNI ADDs that found no free address
	BeforeReady  uint64 // CNI ADDs refused because ipamd had not finished start-up
	ENICreates   uint64 // CreateNetworkInterface calls
	ENIsAttached uint64
	ENIsFreed    uint64
	AssignCalls  uint64 // AssignPrivateIpAddresses calls (top-ups of existing ENIs)
	EC2Calls     uint64 // every EC2 call, retries included
	Throttled    uint64 // EC2 calls answered RequestLimitExceeded
}

// StateOf is the State a node's event log gives at an instant
// (replay.NodeLog): the reports read nothing else of the node.
func StateOf(c replay.NodeCounts) State {
	return State{Waiting: c.Waiting, ENIs: c.ENIs, Held: c.Total, Assigned: c.Assigned, Cooling: c.Cooling,
		MaxENIs: c.MaxENIs, MaxPods: c.MaxPods, NoIP: c.NoIP, BeforeReady: c.BeforeReady, ENICreates: c.ENICreates,
		ENIsAttached: c.ENIsAttached, ENIsFreed: c.ENIsFreed, AssignCalls: c.AssignCalls, EC2Calls: c.EC2Calls,
		Throttled: c.Throttled}
}

// Recorder collects a run's series for the report. Its memory is bounded by
// the run's length over the sample interval (close annotations merge) plus at
// most closeMax exact points for the close-up.
type Recorder struct {
	every sim.Time
	rows  []repRow

	peakWaiting int // since the last sample

	// Exact annotations, from every step.
	waits    []waitSpan
	fails    []failMark
	enis     []eniMark
	inflight []eniSpan
	inWait   bool
	cur      waitSpan
	creating bool
	createAt sim.Time
	last     State

	// The close-up of the first time pods waited: every change of the node's
	// state from closeLead before the first failed ADD to closeTail after the
	// last pod of that episode got its address.
	pre      []finePoint
	fine     []finePoint
	focus    int // 0: not yet, 1: recording, 2: done
	focusEnd sim.Time
}

const (
	maxMarks  = 2000 // ENI marks and in-flight spans kept; more are not drawn
	closeMax  = 20000
	closeLead = 20 * sim.Second
	closeTail = 30 * sim.Second
)

type repRow struct {
	at                   sim.Time
	held, assigned, enis int
	waitingPeak          int // most pods waiting at once since the previous row
	ec2, throttled       uint64
}

// finePoint is the node's state after an event (close-up).
type finePoint struct {
	at                            sim.Time
	held, assigned, enis, waiting int
	fails                         uint64 // ADDs that found no free address, so far
}

type span struct{ from, to sim.Time }

// waitSpan is an interval in which at least one pod waited for an address.
type waitSpan struct {
	span
	peak      int
	fails     uint64 // ADDs that found no free address
	throttled uint64 // EC2 calls answered RequestLimitExceeded
	assigns   uint64 // AssignPrivateIpAddresses calls (top-ups of existing ENIs)
	early     uint64 // ADDs refused because ipamd had not finished start-up
	cooling   int    // most held addresses in cooldown at once
	enisFull  bool   // every ENI the instance allows was attached at some point
	podsFull  bool   // the node was at max pods at some point
	open      bool   // still waiting at the end of the run
}

// failMark is ADDs that found no free address, close together.
type failMark struct {
	span
	n uint64
}

// eniMark is an ENI attached (up) or freed.
type eniMark struct {
	at    sim.Time
	up    bool
	count int // ENIs attached after it
}

// eniSpan is an ENI from its CreateNetworkInterface call to its attachment.
type eniSpan struct {
	span
	count int // ENIs attached once it was (0: not attached by the end)
}

// NewRecorder returns a recorder whose timelines are sampled every `every`
// of simulated time (Sample must be called at that interval).
func NewRecorder(every sim.Time) *Recorder { return &Recorder{every: every} }

// Start notes the node's state before the run's first event.
func (r *Recorder) Start(s State) { r.last = s }

// Hook sets opt so that the run feeds r from the node's event log
// (replay.Options.Log, made if opt has none) after every event and every
// `every` of simulated time, after any callbacks opt already has: for a run
// with other observers, set theirs first. The run must feed opt.Log
// (replay.Execute does).
func (r *Recorder) Hook(opt *replay.Options) {
	if opt.Log == nil {
		opt.Log = &replay.NodeLog{}
	}
	log := opt.Log
	var now sim.Time
	onStart, before, after, onSample := opt.OnStart, opt.BeforeStep, opt.AfterStep, opt.OnSample
	opt.OnStart = func(n *ipam.Node) {
		if onStart != nil {
			onStart(n)
		}
		r.Start(StateOf(log.Counts(0)))
	}
	opt.BeforeStep = func(next sim.Time) {
		if before != nil {
			before(next)
		}
		now = next
	}
	opt.AfterStep = func() {
		if after != nil {
			after()
		}
		r.Step(now, StateOf(log.Counts(now)))
	}
	opt.SampleEvery = r.every
	opt.OnSample = func(t sim.Time) {
		if onSample != nil {
			onSample(t)
		}
		r.Sample(t, StateOf(log.Counts(t)))
	}
	onCoarsen := opt.OnCoarsen
	opt.OnCoarsen = func(every sim.Time) {
		if onCoarsen != nil {
			onCoarsen(every)
		}
		r.Thin(every)
	}
}

// Thin keeps only the rows at multiples of every (the sampling interval,
// doubled: replay.Options.OnCoarsen), each with the most pods waiting since
// the previous row kept; Every reports the interval from then on.
func (r *Recorder) Thin(every sim.Time) {
	w := 0
	for _, row := range r.rows {
		if w > 0 && r.rows[w-1].at%every != 0 {
			row.waitingPeak = max(row.waitingPeak, r.rows[w-1].waitingPeak)
			w--
		}
		r.rows[w] = row
		w++
	}
	r.rows = r.rows[:w]
	r.every = every
}

// Every is the interval the rows are sampled at: the one NewRecorder was
// given, or a multiple of it on a long run (Thin).
func (r *Recorder) Every() sim.Time { return r.every }

// Step notes what the event just processed at now changed.
func (r *Recorder) Step(now sim.Time, c State) {
	w := c.Waiting
	r.peakWaiting = max(r.peakWaiting, w)
	prev := r.last
	r.last = c
	if w > 0 && !r.inWait {
		r.inWait = true
		r.cur = waitSpan{span: span{now, now}}
	}
	if r.inWait {
		r.cur.peak = max(r.cur.peak, w)
		r.cur.fails += c.NoIP - prev.NoIP
		r.cur.throttled += c.Throttled - prev.Throttled
		r.cur.assigns += c.AssignCalls - prev.AssignCalls
		r.cur.early += c.BeforeReady - prev.BeforeReady
		r.cur.cooling = max(r.cur.cooling, c.Cooling)
		r.cur.enisFull = r.cur.enisFull || c.ENIs >= c.MaxENIs
		r.cur.podsFull = r.cur.podsFull || c.Assigned >= c.MaxPods
		if w == 0 {
			r.inWait = false
			r.cur.to = now
			r.addWait(r.cur)
		}
	}
	if d := c.NoIP - prev.NoIP; d > 0 {
		if k := len(r.fails); k > 0 && now-r.fails[k-1].to < r.every {
			r.fails[k-1].to = now
			r.fails[k-1].n += d
		} else {
			r.fails = append(r.fails, failMark{span{now, now}, d})
		}
	}
	if c.ENICreates != prev.ENICreates && !r.creating {
		r.creating, r.createAt = true, now
	}
	if c.ENIsAttached != prev.ENIsAttached {
		if r.creating {
			r.creating = false
			if len(r.inflight) < maxMarks {
				r.inflight = append(r.inflight, eniSpan{span{r.createAt, now}, c.ENIs})
			}
		}
		if now > 0 && len(r.enis) < maxMarks {
			r.enis = append(r.enis, eniMark{at: now, up: true, count: c.ENIs})
		}
	}
	if c.ENIsFreed != prev.ENIsFreed && len(r.enis) < maxMarks {
		r.enis = append(r.enis, eniMark{at: now, count: c.ENIs})
	}
	r.closeUp(finePoint{now, c.Held, c.Assigned, c.ENIs, w, c.NoIP})
}

// closeUp records the exact points of the first waiting episode.
func (r *Recorder) closeUp(p finePoint) {
	add := func(pts []finePoint) []finePoint {
		if k := len(pts); k > 0 {
			q := pts[k-1]
			if q.at == p.at {
				pts[k-1] = p
				return pts
			}
			q.at = p.at
			if q == p {
				return pts // nothing changed
			}
		}
		return append(pts, p)
	}
	switch r.focus {
	case 0:
		r.pre = add(r.pre)
		// Keep closeLead of history, and the point in force at its start.
		i := 0
		for i+1 < len(r.pre) && r.pre[i+1].at <= p.at-closeLead {
			i++
		}
		r.pre = r.pre[i:]
		if p.waiting > 0 {
			r.focus = 1
			r.fine = append([]finePoint(nil), r.pre...)
			r.pre = nil
			r.focusEnd = p.at + closeTail
		}
	case 1:
		if p.at > r.focusEnd || len(r.fine) >= closeMax {
			r.focus = 2
			return
		}
		r.fine = add(r.fine)
		if p.waiting > 0 {
			r.focusEnd = p.at + closeTail
		}
	}
}

// addWait appends a wait span, merging it into the previous one when they
// are less than a sample interval apart.
func (r *Recorder) addWait(s waitSpan) {
	if k := len(r.waits); k > 0 && s.from-r.waits[k-1].to < r.every {
		p := &r.waits[k-1]
		p.to, p.open = s.to, s.open
		p.peak = max(p.peak, s.peak)
		p.fails += s.fails
		p.throttled += s.throttled
		p.assigns += s.assigns
		p.early += s.early
		p.cooling = max(p.cooling, s.cooling)
		p.enisFull = p.enisFull || s.enisFull
		p.podsFull = p.podsFull || s.podsFull
		return
	}
	r.waits = append(r.waits, s)
}

// Sample records the node's state at now, a multiple of the sample interval
// (or the end of the run).
func (r *Recorder) Sample(now sim.Time, c State) {
	row := repRow{at: now, held: c.Held, assigned: c.Assigned, enis: c.ENIs,
		waitingPeak: max(r.peakWaiting, c.Waiting), ec2: c.EC2Calls, throttled: c.Throttled}
	r.peakWaiting = c.Waiting
	if k := len(r.rows); k > 0 && r.rows[k-1].at == now {
		row.waitingPeak = max(row.waitingPeak, r.rows[k-1].waitingPeak)
		r.rows[k-1] = row
		return
	}
	r.rows = append(r.rows, row)
}

// finish closes what is still open at the end of the run.
func (r *Recorder) finish(end sim.Time) {
	if r.inWait {
		r.inWait = false
		r.cur.to, r.cur.open = end, true
		r.addWait(r.cur)
	}
	if r.creating {
		r.creating = false
		if len(r.inflight) < maxMarks {
			r.inflight = append(r.inflight, eniSpan{span{r.createAt, end}, 0})
		}
	}
	if r.focus == 1 {
		r.focus = 2
		r.focusEnd = min(r.focusEnd, end)
	}
}

// RunInfo is what the run report says about the run besides its series.
type RunInfo struct {
	Title, Question, Source string
	Settings                []Setting
	Summary                 replay.Summary
	IPMax                   int // addresses the instance can hold (awscni_ip_max)
	CDF                     []hist.CDFPoint
	SampleEvery             time.Duration
	Drain                   time.Duration
}

// Setting is one VPC CNI variable in the report's settings table.
type Setting struct {
	Key, Value string
	Changed    bool // differs from the VPC CNI's default
}

// Settings spells the VPC CNI settings under their variable names
// (ipam.Settings.Variables), marking those that differ from the defaults.
func Settings(s ipam.Settings) []Setting {
	def := ipam.DefaultSettings().Variables()
	var out []Setting
	for i, v := range s.Variables() {
		out = append(out, Setting{Key: v[0], Value: v[1], Changed: v[1] != def[i][1]})
	}
	return out
}

// WriteRun renders the run report into w. It closes what is still open at
// the last sample (a wait, an ENI being attached): call it once, at the end.
func (r *Recorder) WriteRun(w io.Writer, m RunInfo) error {
	var end sim.Time
	if k := len(r.rows); k > 0 {
		end = r.rows[k-1].at
	}
	r.finish(end)
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, r.page(m, end)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// ---- page model ----

type reportPage struct {
	Meta       RunInfo
	Glance     []string
	Waits      []string
	WaitsMore  int
	Charts     []*chart
	CloseTitle string
	Close      []*chart
	CDF        *chart
	Table      [][2]string
	EC2        [][2]string
	Hover      map[string]hoverData // the hover read-out's data, by chart group
}

// hoverData is a chart group's series for the hover read-out: one row per
// point, the time in seconds first.
type hoverData struct {
	Cols []string    `json:"cols"`
	Rows [][]float64 `json:"rows"`
}

const (
	chartW   = 1100
	chartL   = 58.0
	chartR   = 1084.0
	tlHeight = 190
	tlTop    = 14.0
	tlBottom = 162.0
)

// frame maps simulated time [ta, tb] onto a timeline's plot area.
type frame struct{ ta, tb sim.Time }

func (f frame) x(t sim.Time) float64 {
	return chartL + (t-f.ta).Seconds()/max((f.tb-f.ta).Seconds(), 1e-9)*(chartR-chartL)
}

// clip cuts [from, to] to the frame; ok is false if nothing is left.
func (f frame) clip(from, to sim.Time) (x0, x1 float64, ok bool) {
	from, to = max(from, f.ta), min(to, f.tb)
	if to < from {
		return 0, 0, false
	}
	return f.x(from), f.x(to), true
}

func (f frame) in(t sim.Time) bool { return t >= f.ta && t <= f.tb }

// newTimeline is an empty timeline over f with the run's annotations: red
// shading where pods waited and a dashed line where an ENI was attached.
func (r *Recorder) newTimeline(f frame, id, title, note, group string, legend ...legendItem) *chart {
	c := &chart{ID: id, Title: title, Note: note, Legend: legend, W: chartW, H: tlHeight, Group: group,
		X0: chartL, X1: chartR, Y0: tlTop, Y1: tlBottom, T0: f.ta.Seconds(), T1: f.tb.Seconds()}
	for _, w := range r.waits {
		if x0, x1, ok := f.clip(w.from, w.to); ok {
			c.Bands = append(c.Bands, shape{Class: "waitband", X: x0, Y: tlTop, W: max(x1-x0, 2), H: tlBottom - tlTop,
				Title: fmt.Sprintf("pods waited %s – %s (up to %d at once)", fmtSim(w.from), fmtSim(w.to), w.peak)})
		}
	}
	for _, e := range r.enis {
		if e.up && f.in(e.at) {
			c.Bands = append(c.Bands, shape{Class: "enline", X: f.x(e.at), Y: tlTop, X2: f.x(e.at), Y2: tlBottom,
				Title: fmt.Sprintf("ENI #%d attached at %s", e.count, fmtSim(e.at))})
		}
	}
	timeAxis(c, f)
	return c
}

// inflightBands shades the ENIs being created and attached, labelled when
// wide enough.
func (r *Recorder) inflightBands(c *chart, f frame, labels bool) {
	var rowEnd [3]float64
	for _, e := range r.inflight {
		x0, x1, ok := f.clip(e.from, e.to)
		if !ok {
			continue
		}
		title := fmt.Sprintf("ENI created at %s, attached at %s (%.1f s)", fmtSim(e.from), fmtSim(e.to), (e.to - e.from).Seconds())
		if e.count == 0 {
			title = fmt.Sprintf("ENI created at %s, not attached by the end", fmtSim(e.from))
		}
		c.Bands = append(c.Bands, shape{Class: "inflight", X: x0, Y: tlTop, W: max(x1-x0, 2), H: tlBottom - tlTop, Title: title})
		if labels && e.count > 0 && f.in(e.to) {
			text := fmt.Sprintf("ENI #%d created %s → attached %s", e.count, fmtSim(e.from), fmtSim(e.to))
			// The first of three rows where it does not overlap the label
			// before (about 6.5 units per character).
			row := 0
			for row < len(rowEnd)-1 && x1+4 < rowEnd[row] {
				row++
			}
			rowEnd[row] = x1 + 4 + 6.5*float64(len([]rune(text))) + 8
			c.Labels = append(c.Labels, label{X: x1 + 4, Y: tlTop + 11 + 14*float64(row), Anchor: "start", Text: text, Class: "enilbl"})
		}
	}
}

func (r *Recorder) page(m RunInfo, end sim.Time) *reportPage {
	p := &reportPage{Meta: m, Hover: map[string]hoverData{}}
	s := m.Summary
	p.Glance = glance(s, r)
	for i, w := range r.waits {
		if i == 20 {
			p.WaitsMore = len(r.waits) - 20
			break
		}
		p.Waits = append(p.Waits, r.explainWait(w))
	}
	p.Charts = r.mainCharts(m, end)
	p.Close, p.CloseTitle = r.closeCharts(m, end)
	p.CDF = cdfChart(m)
	main := hoverData{Cols: []string{"held", "assigned", "idle", "ENIs", "pods waiting (peak)", "EC2 calls", "throttled"}}
	for _, row := range r.rows {
		main.Rows = append(main.Rows, []float64{math.Round(row.at.Seconds()*1000) / 1000, float64(row.held), float64(row.assigned),
			float64(row.held - row.assigned), float64(row.enis), float64(row.waitingPeak), float64(row.ec2), float64(row.throttled)})
	}
	p.Hover["main"] = main
	if p.Close != nil {
		cl := hoverData{Cols: []string{"held", "assigned", "ENIs", "pods waiting", "failed ADDs so far"}}
		for _, q := range r.fine {
			cl.Rows = append(cl.Rows, []float64{math.Round(q.at.Seconds()*1000) / 1000, float64(q.held), float64(q.assigned),
				float64(q.enis), float64(q.waiting), float64(q.fails)})
		}
		p.Hover["close"] = cl
	}
	p.Table = summaryTable(s)
	names := make([]string, 0, len(s.EC2Calls))
	for k := range s.EC2Calls {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p.EC2 = append(p.EC2, [2]string{k, strconv.FormatUint(s.EC2Calls[k], 10)})
	}
	return p
}

// mainCharts are the whole run's timelines, from the samples.
func (r *Recorder) mainCharts(m RunInfo, end sim.Time) []*chart {
	s := m.Summary
	f := frame{0, max(end, sim.Second)}
	n := len(r.rows)
	at := func(i int) float64 { return f.x(r.rows[i].at) }
	wait, eni := legendItem{"sw-wait", "pods waiting"}, legendItem{"sw-eni", "ENI attached"}

	addr := r.newTimeline(f, "addresses", "Addresses on the node",
		"awscni_total_ip_addresses (held: in use or warm) and awscni_assigned_ip_addresses; idle = held − assigned", "main",
		legendItem{"sw-held", "held"}, legendItem{"sw-assigned", "assigned to pods"}, legendItem{"sw-idle", "idle"},
		legendItem{"sw-limit", fmt.Sprintf("instance limit (%d)", m.IPMax)}, wait, eni)
	amax := float64(m.IPMax)
	for _, row := range r.rows {
		amax = max(amax, float64(row.held))
	}
	amax = niceCeil(amax)
	yAxis(addr, amax)
	path(addr, n, at, func(i int) float64 { return float64(r.rows[i].held) }, amax, false, true, "held")
	path(addr, n, at, func(i int) float64 { return float64(r.rows[i].assigned) }, amax, false, true, "assigned")
	path(addr, n, at, func(i int) float64 { return float64(r.rows[i].held) }, amax, false, false, "heldline")
	path(addr, n, at, func(i int) float64 { return float64(r.rows[i].held - r.rows[i].assigned) }, amax, false, false, "idle")
	hline(addr, float64(m.IPMax), amax)

	en := r.newTimeline(f, "enis", "ENIs attached",
		"awscni_eni_allocated against awscni_eni_max; amber: an ENI being created and attached (from its CreateNetworkInterface call)", "main",
		legendItem{"sw-enis", "ENIs attached"}, legendItem{"sw-limit", fmt.Sprintf("max ENIs (%d)", s.MaxENIs)},
		legendItem{"sw-inflight", "ENI being created"}, wait)
	r.inflightBands(en, f, false)
	emax := float64(max(s.MaxENIs, s.PeakENIs, 1)) + 1
	yAxis(en, emax)
	path(en, n, at, func(i int) float64 { return float64(r.rows[i].enis) }, emax, true, false, "enis")
	hline(en, emax-1, emax)
	for _, e := range r.enis {
		y := yOf(en, float64(e.count), emax)
		if e.up {
			en.Marks = append(en.Marks, shape{Class: "eniup", D: tri(f.x(e.at), y-4, true), Title: fmt.Sprintf("ENI #%d attached at %s", e.count, fmtSim(e.at))})
		} else {
			en.Marks = append(en.Marks, shape{Class: "enidown", D: tri(f.x(e.at), y-10, false), Title: fmt.Sprintf("ENI freed at %s: %d left", fmtSim(e.at), e.count)})
		}
	}

	wt := r.newTimeline(f, "waiting", "Pods waiting for an address",
		fmt.Sprintf("ipamsim_pods_waiting: the most pods waiting at once in each %s; red marks: CNI ADDs that found no free address (awscni_no_available_ip_addresses)", fmtDur(m.SampleEvery)), "main",
		legendItem{"sw-waitbar", "pods waiting (peak)"}, legendItem{"sw-fail", "ADDs failed: no free address"}, legendItem{"sw-wait", "interval with waiting pods"})
	wmax := 1.0
	for _, row := range r.rows {
		wmax = max(wmax, float64(row.waitingPeak))
	}
	wmax = niceCeil(wmax)
	yAxis(wt, wmax)
	// Each row's peak covers the interval that ends at it.
	var d strings.Builder
	if n > 0 {
		fmt.Fprintf(&d, "M%.1f %.1f", at(0), wt.Y1)
		for i, row := range r.rows {
			y := yOf(wt, float64(row.waitingPeak), wmax)
			fmt.Fprintf(&d, "L%.1f %.1fL%.1f %.1f", at(max(i-1, 0)), y, at(i), y)
		}
		fmt.Fprintf(&d, "L%.1f %.1fZ", at(n-1), wt.Y1)
	}
	wt.Paths = append(wt.Paths, shape{Class: "waitbar", D: d.String()})
	// One mark per group of failed ADDs: marks closer together than their
	// labels are wide merge, so that no label covers another or a mark.
	var groups []failMark
	labelEnd := math.Inf(-1)
	for _, fm := range r.fails {
		if k := len(groups); k > 0 && f.x(fm.from)-5 < labelEnd+3 {
			groups[k-1].to = fm.to
			groups[k-1].n += fm.n
		} else {
			groups = append(groups, fm)
		}
		g := groups[len(groups)-1]
		labelEnd = f.x(g.from) + 7 + textWidth("×"+strconv.FormatUint(g.n, 10), 11, true)
	}
	for _, fm := range groups {
		title := fmt.Sprintf("%d ADDs found no free address, %s – %s", fm.n, fmtSim(fm.from), fmtSim(fm.to))
		if fm.n == 1 {
			title = fmt.Sprintf("1 ADD found no free address at %s", fmtSim(fm.from))
		}
		x := f.x(fm.from)
		wt.Marks = append(wt.Marks, shape{Class: "fail", D: tri(x, tlTop-6, false), Title: title})
		wt.Labels = append(wt.Labels, label{X: x + 7, Y: tlTop + 2, Anchor: "start", Text: "×" + strconv.FormatUint(fm.n, 10), Class: "faillbl"})
	}

	ec := r.newTimeline(f, "ec2", "EC2 calls since the start",
		"sum of awscni_ec2api_req_count over fn (retries included) and of ipamsim_ec2_throttled_requests_total", "main",
		legendItem{"sw-ec2", "EC2 calls"}, legendItem{"sw-thr", "throttled (RequestLimitExceeded)"}, eni)
	cmax := 1.0
	for _, row := range r.rows {
		cmax = max(cmax, float64(row.ec2))
	}
	cmax = niceCeil(cmax)
	yAxis(ec, cmax)
	path(ec, n, at, func(i int) float64 { return float64(r.rows[i].ec2) }, cmax, false, false, "ec2")
	path(ec, n, at, func(i int) float64 { return float64(r.rows[i].throttled) }, cmax, false, false, "thr")
	return []*chart{addr, en, wt, ec}
}

// closeCharts are the exact close-up of the first time pods waited.
func (r *Recorder) closeCharts(m RunInfo, end sim.Time) ([]*chart, string) {
	if len(r.waits) == 0 || len(r.fine) == 0 {
		return nil, ""
	}
	w := r.waits[0]
	f := frame{max(w.from-closeLead, 0), min(max(r.focusEnd, w.to), end)}
	if f.tb <= f.ta {
		return nil, ""
	}
	pts := r.fine
	// The point in force at the frame's start, then the rest.
	for len(pts) > 1 && pts[1].at <= f.ta {
		pts = pts[1:]
	}
	n := len(pts)
	at := func(i int) float64 { return f.x(max(pts[i].at, f.ta)) }
	title := fmt.Sprintf("Close-up: %s – %s, the first time pods waited (every event)", fmtSim(f.ta), fmtSim(f.tb))

	addr := r.newTimeline(f, "close-addresses", "Addresses and ENIs",
		"exact state after every event: addresses held and assigned; amber: ENI being created and attached; dashed: ENI attached", "close",
		legendItem{"sw-held", "held"}, legendItem{"sw-assigned", "assigned to pods"}, legendItem{"sw-limit", fmt.Sprintf("instance limit (%d)", m.IPMax)},
		legendItem{"sw-inflight", "ENI being created"}, legendItem{"sw-eni", "ENI attached"}, legendItem{"sw-wait", "pods waiting"})
	r.inflightBands(addr, f, true)
	amax := float64(m.IPMax)
	for _, q := range pts {
		amax = max(amax, float64(q.held))
	}
	amax = niceCeil(amax)
	yAxis(addr, amax)
	path(addr, n, at, func(i int) float64 { return float64(pts[i].held) }, amax, true, true, "held")
	path(addr, n, at, func(i int) float64 { return float64(pts[i].assigned) }, amax, true, true, "assigned")
	path(addr, n, at, func(i int) float64 { return float64(pts[i].held) }, amax, true, false, "heldline")
	hline(addr, float64(m.IPMax), amax)

	wt := r.newTimeline(f, "close-waiting", "Pods waiting and failed ADDs",
		"ipamsim_pods_waiting after every event; red marks: each CNI ADD that found no free address (first tries and the kubelet's retries)", "close",
		legendItem{"sw-waitbar", "pods waiting"}, legendItem{"sw-fail", "ADD failed: no free address"}, legendItem{"sw-eni", "ENI attached"})
	wmax := 1.0
	for _, q := range pts {
		wmax = max(wmax, float64(q.waiting))
	}
	wmax = niceCeil(wmax)
	yAxis(wt, wmax)
	path(wt, n, at, func(i int) float64 { return float64(pts[i].waiting) }, wmax, true, true, "waitbar")
	for i := 1; i < n; i++ {
		if d := pts[i].fails - pts[i-1].fails; d > 0 && f.in(pts[i].at) {
			title := fmt.Sprintf("%s: %d ADD%s found no free address", fmtSim(pts[i].at), d, plural(int(d)))
			wt.Marks = append(wt.Marks, shape{Class: "fail", D: tri(at(i), tlTop-6, false), Title: title})
		}
	}
	return []*chart{addr, wt}, title
}

// glance is the report's first lines: what a person wants to know first.
func glance(s replay.Summary, r *Recorder) []string {
	var g []string
	switch {
	case s.PodsAdded == 0:
		g = append(g, "No pod asked for an address.")
	case s.PodsWaited == 0 && s.PodsNeverAssigned == 0:
		g = append(g, fmt.Sprintf("All %d pods got an address at their first CNI ADD: no pod waited.", s.PodsAdded))
	case s.PodsNeverAssigned > 0:
		g = append(g, fmt.Sprintf("%d of %d pods NEVER GOT AN ADDRESS: each waited until it was deleted or the run ended, and counts so in the percentiles (p50 %s, p99 %s, longest %s). %d more waited before they got one.",
			s.PodsNeverAssigned, s.PodsAdded, fmtSec(s.WaitP50Seconds), fmtSec(s.WaitP99Seconds), fmtSec(s.WaitMaxSeconds), s.PodsWaited))
	default:
		g = append(g, fmt.Sprintf("%d of %d pods (%.0f %%) waited for an address: p50 %s, p99 %s, longest %s.",
			s.PodsWaited, s.PodsAdded, 100*float64(s.PodsWaited)/float64(s.PodsAdded), fmtSec(s.WaitP50Seconds), fmtSec(s.WaitP99Seconds), fmtSec(s.WaitMaxSeconds)))
	}
	if len(r.waits) > 0 {
		var total sim.Time
		for _, w := range r.waits {
			total += w.to - w.from
		}
		g = append(g, fmt.Sprintf("Pods waited during %d interval%s, %s in all (shaded red in the charts); %d CNI ADDs found the warm pool empty.",
			len(r.waits), plural(len(r.waits)), fmtDur(time.Duration(total).Round(100*time.Millisecond)), s.NoIPAddFailures))
	}
	g = append(g, fmt.Sprintf("The node held up to %d addresses (%.1f on average) for at most %d pods at once; %s idle IP-seconds, i.e. %.1f addresses idle on average.",
		s.PeakAddressesHeld, s.MeanAddressesHeld, s.PeakAddressesInUse, fmtInt(s.IdleIPSeconds), safeDiv(s.IdleIPSeconds, s.SimulatedSeconds)))
	g = append(g, fmt.Sprintf("ENIs: up to %d of %d attached; %d attached and %d freed during the run. EC2: %d calls, %d throttled, %d errors.",
		s.PeakENIs, s.MaxENIs, s.ENIsAttached, s.ENIsFreed, s.EC2CallsTotal, s.ThrottledCalls, s.EC2Errors))
	return g
}

// explainWait says when pods waited and what the node was doing meanwhile.
func (r *Recorder) explainWait(w waitSpan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s – %s (%s): up to %d pod%s waited", fmtSim(w.from), fmtSim(w.to), fmtDur(time.Duration(w.to-w.from).Round(100*time.Millisecond)), w.peak, plural(w.peak))
	if w.open {
		b.WriteString(", some still waiting when the run ended")
	}
	var what []string
	if w.fails > 0 || w.early == 0 {
		what = append(what, fmt.Sprintf("%d CNI ADD%s found no free address", w.fails, plural(int(w.fails))))
	}
	if w.early > 0 {
		what = append(what, fmt.Sprintf("%d CNI ADD%s came before ipamd had finished start-up", w.early, plural(int(w.early))))
	}
	b.WriteString("; " + strings.Join(what, " and ") + ".")
	var enis []string
	var firstCreate, lastAttach sim.Time = -1, -1
	for _, e := range r.inflight {
		if e.to <= w.from || e.from > w.to {
			continue // attached before the wait began, or created after it ended
		}
		if firstCreate < 0 {
			firstCreate = e.from
		}
		if e.count > 0 {
			enis = append(enis, fmt.Sprintf("ENI #%d created %s, attached %s (%.1f s)", e.count, fmtSim(e.from), fmtSim(e.to), (e.to-e.from).Seconds()))
			lastAttach = e.to
		} else {
			enis = append(enis, fmt.Sprintf("an ENI created %s, not attached by the end", fmtSim(e.from)))
		}
	}
	if len(enis) > 0 {
		if w.fails > 0 {
			b.WriteString(" The warm pool ran dry and ipamd added ENIs: ")
		} else {
			b.WriteString(" ipamd was starting up and added ENIs: ")
		}
		b.WriteString(strings.Join(enis, "; "))
		b.WriteString(".")
		if d := firstCreate - w.from; d > 0 && w.fails > 0 {
			fmt.Fprintf(&b, " The first CreateNetworkInterface came %.1f s after the first waiting pod (ipamd's pool loop runs every few seconds).", d.Seconds())
		}
		if lastAttach >= 0 && !w.open && w.to > lastAttach {
			fmt.Fprintf(&b, " The last waiting pod got its address %.1f s after the last ENI was attached: a pod whose ADD failed tries again only on the kubelet's retry (10 s plus jitter).", (w.to - lastAttach).Seconds())
		}
	} else if w.fails > 0 {
		var why []string
		if w.cooling > 0 {
			why = append(why, fmt.Sprintf("up to %d held address%s were in cooldown (IP_COOLDOWN_PERIOD): not reusable yet, but ipamd counts them as available and does not grow the pool for them", w.cooling, pluralES(w.cooling)))
		}
		if w.enisFull {
			why = append(why, "every ENI the instance allows was attached")
		}
		if w.podsFull {
			why = append(why, "the node was at max pods")
		}
		switch {
		case len(why) > 0:
			b.WriteString(" No ENI was being added: ")
			b.WriteString(strings.Join(why, "; "))
			b.WriteString(".")
		case w.assigns == 0:
			b.WriteString(" ipamd added no addresses before the kubelet's retries.")
		}
	}
	if w.assigns > 0 {
		fmt.Fprintf(&b, " %d AssignPrivateIpAddresses call%s topped up existing ENIs.", w.assigns, plural(int(w.assigns)))
	}
	if w.throttled > 0 {
		fmt.Fprintf(&b, " %d EC2 call%s were throttled (RequestLimitExceeded).", w.throttled, plural(int(w.throttled)))
	}
	return b.String()
}

func summaryTable(s replay.Summary) [][2]string {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return [][2]string{
		{"node", fmt.Sprintf("%s (%s), %s mode, %d ENIs × %d IPv4, max pods %d (%s)", s.InstanceType, s.Policy, s.Mode, s.MaxENIs, s.IPv4PerENI, s.MaxPods, s.MaxPodsSource)},
		{"run", fmt.Sprintf("%s simulated, %d trace events, %d engine events, seed %d",
			fmtDur(time.Duration(sim.Seconds(s.SimulatedSeconds)).Round(time.Millisecond)), s.TraceEvents, s.EventsProcessed, s.Seed)},
		{"pods added / waited / never assigned", u(s.PodsAdded) + " / " + u(s.PodsWaited) + " / " + u(s.PodsNeverAssigned)},
		{"pod IP wait p50 / p99 / max", fmtSec(s.WaitP50Seconds) + " / " + fmtSec(s.WaitP99Seconds) + " / " + fmtSec(s.WaitMaxSeconds)},
		{"ADDs with no free address", u(s.NoIPAddFailures)},
		{"ADDs before ipamd was ready", u(s.AddsBeforeReady)},
		{"ADD / DEL requests", u(s.AddRequests) + " / " + u(s.DelRequests)},
		{"addresses held, peak / mean", fmt.Sprintf("%d / %.1f", s.PeakAddressesHeld, s.MeanAddressesHeld)},
		{"addresses assigned, peak", strconv.Itoa(s.PeakAddressesInUse)},
		{"idle IP-seconds", fmtInt(s.IdleIPSeconds)},
		{"ENIs peak / attached / freed", fmt.Sprintf("%d / %d / %d", s.PeakENIs, s.ENIsAttached, s.ENIsFreed)},
		{"at the end", fmt.Sprintf("%d ENIs, %d addresses held, %d assigned", s.FinalENIs, s.FinalAddressesHeld, s.FinalAddressesInUse)},
		{"EC2 calls / errors / throttled", fmt.Sprintf("%d / %d / %d", s.EC2CallsTotal, s.EC2Errors, s.ThrottledCalls)},
	}
}

// cdfChart is the distribution of pod IP waits.
func cdfChart(m RunInfo) *chart {
	c := &chart{ID: "cdf", Title: "Pod IP wait: cumulative distribution",
		Note:   "share of the pods that sent a CNI ADD whose wait was at most a given time; a pod that never got an address counts with its wait until its delete or the end of the run (censored)",
		Legend: []legendItem{{"sw-cdf", "pods"}, {"sw-q", "p50 / p99"}},
		W:      640, H: 300, X0: 50, X1: 624, Y0: 14, Y1: 266}
	pts := m.CDF
	if len(pts) == 0 {
		c.Labels = append(c.Labels, label{X: (c.X0 + c.X1) / 2, Y: (c.Y0 + c.Y1) / 2, Anchor: "middle", Text: "no pod sent an ADD", Class: "empty"})
		return c
	}
	wmax := niceCeil(max(pts[len(pts)-1].Wait.Seconds(), 1))
	x := func(s float64) float64 { return c.X0 + s/wmax*(c.X1-c.X0) }
	y := func(f float64) float64 { return c.Y1 - f*(c.Y1-c.Y0) }
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		c.Grid = append(c.Grid, shape{X: c.X0, Y: y(f), X2: c.X1, Y2: y(f)})
		c.Ticks = append(c.Ticks, label{X: c.X0 - 6, Y: y(f) + 4, Anchor: "end", Text: fmt.Sprintf("%.0f%%", f*100)})
	}
	step := niceStep(wmax, 6)
	for v := 0.0; v <= wmax+step/1000; v += step {
		c.Grid = append(c.Grid, shape{X: x(v), Y: c.Y0, X2: x(v), Y2: c.Y1})
		c.Ticks = append(c.Ticks, label{X: x(v), Y: c.Y1 + 16, Anchor: "middle", Text: strconv.FormatFloat(v, 'f', -1, 64) + " s"})
	}
	var d strings.Builder
	fmt.Fprintf(&d, "M%.1f %.1f", x(0), y(0))
	for _, p := range pts {
		fmt.Fprintf(&d, "H%.1fV%.1f", x(p.Wait.Seconds()), y(p.Fraction))
	}
	fmt.Fprintf(&d, "H%.1f", c.X1)
	c.Paths = append(c.Paths, shape{Class: "cdf", D: d.String()})
	s := m.Summary
	for i, q := range []struct {
		name string
		f, v float64
	}{{"p50", 0.5, s.WaitP50Seconds}, {"p99", 0.99, s.WaitP99Seconds}} {
		c.Paths = append(c.Paths, shape{Class: "q", D: fmt.Sprintf("M%.1f %.1fH%.1fV%.1f", c.X0, y(q.f), x(q.v), c.Y1)})
		c.Marks = append(c.Marks, shape{Class: "qdot", X: x(q.v), Y: y(q.f), Title: fmt.Sprintf("%s: %s", q.name, fmtSec(q.v))})
		anchor, dx := "start", 6.0
		if x(q.v) > c.X1-110 {
			anchor, dx = "end", -6
		}
		c.Labels = append(c.Labels, label{X: x(q.v) + dx, Y: c.Y1 - 8 - 16*float64(i), Anchor: anchor, Text: q.name + " " + fmtSec(q.v), Class: "qlbl"})
	}
	if first := pts[0]; first.Wait == 0 && first.Fraction < 1 {
		c.Labels = append(c.Labels, label{X: x(0) + 8, Y: y(first.Fraction) - 7, Anchor: "start",
			Text: fmt.Sprintf("%.0f%% at the first ADD", first.Fraction*100), Class: "qlbl"})
	}
	return c
}

// timeAxis draws simulated-time ticks under a timeline.
func timeAxis(c *chart, f frame) {
	total := max((f.tb - f.ta).Seconds(), 1e-3)
	steps := []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if total/s <= 12 {
			step = s
			break
		}
	}
	first := math.Ceil(f.ta.Seconds()/step-1e-9) * step
	for v := first; v <= f.tb.Seconds()+1e-9; v += step {
		xx := f.x(sim.Seconds(v))
		c.Grid = append(c.Grid, shape{X: xx, Y: c.Y0, X2: xx, Y2: c.Y1})
		c.Ticks = append(c.Ticks, label{X: xx, Y: c.Y1 + 16, Anchor: "middle", Text: fmtSim(sim.Seconds(v))})
	}
}

var reportTmpl = template.Must(template.New("report").Parse(reportHTML))

const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipamsim report: {{.Meta.Title}}</title>
<style>
` + reportCSS + `</style>
</head>
<body>
<main>
<header>
<h1>ipamsim report: {{.Meta.Title}}</h1>
<div class="sub">{{.Meta.Source}} · {{.Meta.Summary.InstanceType}}, {{.Meta.Summary.Mode}} mode · seed {{.Meta.Summary.Seed}} · timelines sampled every {{.Meta.SampleEvery}} of simulated time; annotations exact</div>
</header>
{{if .Meta.Question}}<div class="question"><b>Question</b>{{.Meta.Question}}</div>{{end}}
<div class="grid2">
<section class="card">
<h2>At a glance</h2>
<ul class="glance">{{range .Glance}}<li>{{.}}</li>{{end}}</ul>
{{if .Waits}}<h2 style="margin-top:12px">When and why pods waited</h2>
<ul class="waits">{{range .Waits}}<li>{{.}}</li>{{end}}{{if .WaitsMore}}<li>… and {{.WaitsMore}} more intervals.</li>{{end}}</ul>{{end}}
</section>
<section class="card">
<h2>Settings</h2>
<table class="settings">
<tr><th>instance type</th><td>{{.Meta.Summary.InstanceType}}: {{.Meta.Summary.MaxENIs}} ENIs × {{.Meta.Summary.IPv4PerENI}} IPv4, max pods {{.Meta.Summary.MaxPods}} ({{.Meta.Summary.MaxPodsSource}})</td></tr>
<tr><th>EC2 model</th><td>{{.Meta.Summary.EC2Profile}} latencies, {{.Meta.Summary.AssignOrder}} order</td></tr>
<tr><th>drain</th><td>{{.Meta.Drain}} after the last pod event</td></tr>
{{range .Meta.Settings}}<tr{{if .Changed}} class="changed"{{end}}><th><code>{{.Key}}</code></th><td>{{.Value}}{{if .Changed}} (changed){{end}}</td></tr>
{{end}}</table>
</section>
</div>
{{define "timeline"}}<div class="chart">
<h3>{{.Title}}</h3><span class="legend">{{range .Legend}}<span class="{{.Class}}">{{.Label}}</span>{{end}}</span>
<div class="note">{{.Note}}</div>
<svg class="tl" id="{{.ID}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}" data-group="{{.Group}}" data-x0="{{.X0}}" data-x1="{{.X1}}" data-t0="{{.T0}}" data-t1="{{.T1}}">
{{range .Grid}}<line class="grid" x1="{{.X}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y2}}"/>{{end}}
{{range .Bands}}{{if eq .Class "enline"}}<line class="enline" x1="{{.X}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y2}}"><title>{{.Title}}</title></line>{{else}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>{{end}}{{end}}
{{range .Paths}}<path class="{{.Class}}" d="{{.D}}"/>{{end}}
<line class="axis" x1="{{.X0}}" y1="{{.Y1}}" x2="{{.X1}}" y2="{{.Y1}}"/>
{{range .Marks}}<path class="{{.Class}}" d="{{.D}}"><title>{{.Title}}</title></path>{{end}}
{{range .Labels}}<text class="{{.Class}}" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{range .Ticks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
<line class="cursor" x1="0" y1="{{.Y0}}" x2="0" y2="{{.Y1}}"/>
</svg>
</div>
{{end}}
<section class="section" id="timelines">
<h2>The whole run</h2>
{{range .Charts}}{{template "timeline" .}}{{end}}
</section>
{{if .Close}}<section class="section closeup" id="closeup">
<h2>{{.CloseTitle}}</h2>
{{range .Close}}{{template "timeline" .}}{{end}}
</section>{{end}}
<div class="grid2">
<div>
{{with .CDF}}<section class="chart">
<h3>{{.Title}}</h3><span class="legend">{{range .Legend}}<span class="{{.Class}}">{{.Label}}</span>{{end}}</span>
<div class="note">{{.Note}}</div>
<svg id="{{.ID}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{range .Grid}}<line class="grid" x1="{{.X}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y2}}"/>{{end}}
<line class="axis" x1="{{.X0}}" y1="{{.Y1}}" x2="{{.X1}}" y2="{{.Y1}}"/>
{{range .Paths}}<path class="{{.Class}}" d="{{.D}}"/>{{end}}
{{range .Marks}}<circle class="{{.Class}}" cx="{{.X}}" cy="{{.Y}}" r="4"><title>{{.Title}}</title></circle>{{end}}
{{range .Labels}}<text class="{{.Class}}" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{range .Ticks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
</svg>
</section>{{end}}
{{if .EC2}}<section class="card">
<h2>EC2 calls by API</h2>
<table>{{range .EC2}}<tr><th><code>{{index . 0}}</code></th><td class="num">{{index . 1}}</td></tr>{{end}}</table>
</section>{{end}}
</div>
<section class="card">
<h2>Summary</h2>
<table class="summary">{{range .Table}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
</section>
</div>
<footer>Generated by <code>ipamsim run --report</code>. Times are simulated, from the start of the run (m:ss). Hover over a timeline for the values at that moment; hover over a mark or band for what it is.</footer>
</main>
<div id="tip"></div>
<script>
(function () {
  var data = {{.Hover}};
  var tip = document.getElementById("tip");
  var svgs = Array.prototype.slice.call(document.querySelectorAll("svg.tl"));
  function clock(s) {
    var m = Math.floor(s / 60), r = Math.round((s - 60 * m) * 10) / 10, h = Math.floor(m / 60);
    var ss = (r < 10 ? "0" : "") + (r % 1 ? r.toFixed(1) : r);
    return h ? h + ":" + String(m % 60).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }
  function hide() {
    tip.style.display = "none";
    svgs.forEach(function (s) { s.querySelector(".cursor").style.opacity = 0; });
  }
  svgs.forEach(function (svg) {
    var d = data[svg.dataset.group], x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, t0 = +svg.dataset.t0, t1 = +svg.dataset.t1;
    if (!d || !d.rows || !d.rows.length) return;
    svg.addEventListener("mouseleave", hide);
    svg.addEventListener("mousemove", function (ev) {
      var box = svg.getBoundingClientRect(), vx = (ev.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
      if (vx < x0 || vx > x1) { hide(); return; }
      var t = t0 + (vx - x0) / (x1 - x0) * (t1 - t0), rows = d.rows, lo = 0, hi = rows.length - 1;
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (rows[mid][0] <= t) lo = mid; else hi = mid - 1; }
      var r = rows[lo], cx = x0 + (t - t0) / (t1 - t0) * (x1 - x0), html = "<b>" + clock(t) + "</b>";
      for (var i = 0; i < d.cols.length; i++) html += (i % 3 ? " · " : "<br>") + d.cols[i] + " " + r[i + 1];
      svgs.forEach(function (s) {
        if (s.dataset.group !== svg.dataset.group) return;
        var c = s.querySelector(".cursor"); c.setAttribute("x1", cx); c.setAttribute("x2", cx); c.style.opacity = .6;
      });
      tip.innerHTML = html;
      tip.style.display = "block";
      var left = ev.pageX + 14;
      if (left + tip.offsetWidth > document.documentElement.clientWidth - 8) left = ev.pageX - tip.offsetWidth - 14;
      tip.style.left = left + "px";
      tip.style.top = (ev.pageY + 12) + "px";
    });
  });
  document.documentElement.setAttribute("data-hover", "ready"); // the script ran to its end
})();
</script>
</body>
</html>
`
