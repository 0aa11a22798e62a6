package explore

import (
	"math"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// maxRows bounds a run's sampled series: past it, the sampling interval
// doubles and every other row goes, so memory and the JSON stay small
// however long the run.
const maxRows = 1024

// sampleBase is the finest sampling interval (a run shorter than maxRows
// seconds keeps every second).
const sampleBase = sim.Second

// row is the node's state at one sample time g: after every engine event at
// or before g. Held, assigned and ENIs are the values then; waitingPeak is the
// most pods waiting at once since the previous row; ec2 and throttled count
// calls since the start.
type row struct {
	at                   sim.Time
	held, assigned, enis int
	waitingPeak          int
	ec2, throttled       uint64
}

// recorder samples a node's addresses, ENIs, waiting pods and EC2 calls at
// every multiple of its interval. It schedules nothing (so the run's engine
// events are those of `ipamsim run`): before each engine event it writes the
// rows for the sample times the event is past, as nothing changes between
// events. It reads the node's event log (replay.NodeLog), not the node, so
// observing a run does not change it.
type recorder struct {
	log      *replay.NodeLog
	started  bool
	every    sim.Time
	nextKeep sim.Time // the next sample time
	peak     int      // most pods waiting at once since the last row
	rows     []row
}

// newRecorder returns a recorder that reads log, the run's
// replay.Options.Log.
func newRecorder(log *replay.NodeLog) *recorder { return &recorder{log: log, every: sampleBase} }

func (r *recorder) start(*ipam.Node) { r.started = true }

// afterStep notes the pods waiting after each engine event.
func (r *recorder) afterStep() {
	r.peak = max(r.peak, r.log.Waiting())
}

// advance is called before the engine event at next: the node's state now
// holds for every sample time before next.
func (r *recorder) advance(next sim.Time) {
	if !r.started {
		return
	}
	for r.nextKeep < next {
		r.keep(r.nextKeep)
	}
}

// snapshot is the node's state now, as the row for time at.
func (r *recorder) snapshot(at sim.Time) row {
	c := r.log.Counts(at)
	return row{at: at, held: c.Total, assigned: c.Assigned, enis: c.ENIs, waitingPeak: max(r.peak, c.Waiting),
		ec2: c.EC2Calls, throttled: c.Throttled}
}

// keep appends the row for sample time at.
func (r *recorder) keep(at sim.Time) {
	r.rows = append(r.rows, r.snapshot(at))
	r.peak = r.log.Waiting()
	r.nextKeep = at + r.every
	if len(r.rows) > maxRows {
		r.compact()
	}
}

// compact doubles the interval: it keeps rows 0, 2, 4, ... (the multiples of
// the new interval), each with the peak of the interval it now closes.
func (r *recorder) compact() {
	kept := r.rows[:1]
	for i := 2; i < len(r.rows); i += 2 {
		x := r.rows[i]
		x.waitingPeak = max(x.waitingPeak, r.rows[i-1].waitingPeak)
		kept = append(kept, x)
	}
	if len(r.rows)%2 == 0 { // the last row goes; its peak carries on
		r.peak = max(r.peak, r.rows[len(r.rows)-1].waitingPeak)
	}
	r.rows = kept
	r.every *= 2
	r.nextKeep = kept[len(kept)-1].at + r.every
}

// finish writes the rows up to the run's end and one at the end itself
// (which may make maxRows+1).
func (r *recorder) finish(end sim.Time) {
	r.advance(end)
	if k := len(r.rows); k == 0 || r.rows[k-1].at < end {
		r.rows = append(r.rows, r.snapshot(end))
	}
}

// seriesJSON is the sampled series, column by column; times in seconds.
type seriesJSON struct {
	T         []float64 `json:"t"`
	Held      []int     `json:"held"`
	Assigned  []int     `json:"assigned"`
	Idle      []int     `json:"idle"`
	Waiting   []int     `json:"waiting"`
	ENIs      []int     `json:"enis"`
	EC2       []uint64  `json:"ec2"`
	Throttled []uint64  `json:"throttled"`
	// Every is the sampling interval the series ended with, in seconds.
	Every float64 `json:"every"`
}

func (r *recorder) series() seriesJSON {
	n := len(r.rows)
	s := seriesJSON{T: make([]float64, n), Held: make([]int, n), Assigned: make([]int, n), Idle: make([]int, n),
		Waiting: make([]int, n), ENIs: make([]int, n), EC2: make([]uint64, n), Throttled: make([]uint64, n), Every: r.every.Seconds()}
	for i, x := range r.rows {
		s.T[i] = roundMillis(x.at.Seconds())
		s.Held[i], s.Assigned[i], s.Idle[i] = x.held, x.assigned, x.held-x.assigned
		s.Waiting[i], s.ENIs[i], s.EC2[i], s.Throttled[i] = x.waitingPeak, x.enis, x.ec2, x.throttled
	}
	return s
}

// cdfJSON is the pod-wait CDF: Fraction[i] of the pods waited at most
// Wait[i] seconds.
type cdfJSON struct {
	Wait     []float64 `json:"wait"`
	Fraction []float64 `json:"fraction"`
}

func cdfOf(points []hist.CDFPoint) cdfJSON {
	c := cdfJSON{Wait: make([]float64, len(points)), Fraction: make([]float64, len(points))}
	for i, p := range points {
		c.Wait[i] = roundMillis(p.Wait.Seconds())
		c.Fraction[i] = math.Round(p.Fraction*1e6) / 1e6
	}
	return c
}

func roundMillis(s float64) float64 { return math.Round(s*1000) / 1000 }
