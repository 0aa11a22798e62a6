package scenarios

import (
	"fmt"
	"io"
	"math"

	"github.com/ipamsim/ipamsim/sim"
)

// DiurnalParams configures a daily load cycle: every Step in [0, Duration)
// the target pod count
//
//	target(t) = MinPods + (MaxPods-MinPods)·(1-cos(2πt/Period))/2
//
// is rounded to the nearest integer and pods are added, or the oldest
// deleted, at that instant to reach it. The cycle starts at the trough
// (MinPods pods running at t=0: running events) and peaks at Period/2. Pods
// live at the end stay live.
type DiurnalParams struct {
	// Prefix is the pod-name prefix; "" means "diurnal".
	Prefix string
	// MinPods is the trough (--min-pods), 0 to MaxGenCount.
	MinPods int
	// MaxPods is the peak (--max-pods), > 0, >= MinPods and at most
	// MaxGenCount.
	MaxPods int
	// Period is the cycle length (--period, default 24h), > 0 and at most
	// MaxTraceTime.
	Period sim.Time
	// Duration is the length of the trace (--duration), > 0 and at most
	// MaxTraceTime.
	Duration sim.Time
	// Step is how often the target is re-evaluated (--step, default 1m),
	// > 0 and at most MaxTraceTime. Every step costs work even when the
	// target does not change, so steps count towards --max-events.
	Step sim.Time
}

// DefaultDiurnalParams returns the CLI's defaults: between 10 and 100 pods
// over a 24-hour cycle, re-evaluated every minute, for 24 hours.
func DefaultDiurnalParams() DiurnalParams {
	return DiurnalParams{
		MinPods:  10,
		MaxPods:  100,
		Period:   24 * sim.Hour,
		Duration: 24 * sim.Hour,
		Step:     sim.Minute,
	}
}

// Validate reports the first invalid parameter, naming its CLI flag.
func (p DiurnalParams) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkCount("--min-pods", p.MinPods, true); err != nil {
		return err
	}
	if err := checkCount("--max-pods", p.MaxPods, false); err != nil {
		return err
	}
	if p.MaxPods < p.MinPods {
		return fmt.Errorf("--max-pods must be >= --min-pods (%d), got %d", p.MinPods, p.MaxPods)
	}
	if err := checkDur("--period", p.Period, false); err != nil {
		return err
	}
	if err := checkDur("--duration", p.Duration, false); err != nil {
		return err
	}
	return checkDur("--step", p.Step, false)
}

// workBound returns the steps plus a bound on the events: the target is
// monotone over each half cycle, so the rounded targets move by at most
// MaxPods-MinPods within one, and the trace touches ⌈2·Duration/Period⌉+1
// of them after the MinPods at t=0.
func (p DiurnalParams) workBound() (float64, string) {
	steps := math.Ceil(float64(p.Duration) / float64(p.Step))
	halves := math.Ceil(2*float64(p.Duration)/float64(p.Period)) + 1
	return steps + float64(p.MinPods) + float64(p.MaxPods-p.MinPods)*halves,
		"⌈--duration / --step⌉ + --min-pods + (--max-pods − --min-pods) × (⌈2 × --duration / --period⌉ + 1)"
}

// Target returns the rounded target pod count at time t.
func (p DiurnalParams) Target(t sim.Time) int {
	phase := 2 * math.Pi * (float64(t) / float64(p.Period))
	x := float64(p.MinPods) + float64(p.MaxPods-p.MinPods)*(1-math.Cos(phase))/2
	return int(math.Round(x))
}

// Diurnal is the daily-cycle generator, a Reader. Create it with
// NewDiurnal. It uses no randomness.
type Diurnal struct {
	p      DiurnalParams
	names  namer
	oldest uint64 // live pods are ids [oldest, nextID)
	nextID uint64
	step   int64 // index of the next step to evaluate
	at     sim.Time
	adds   int // adds still to emit at at
	dels   int // deletes still to emit at at
}

var _ Reader = (*Diurnal)(nil)

// NewDiurnal validates p and returns a daily-cycle generator. The generator
// is deterministic; seed is accepted for uniformity with the other
// generators.
func NewDiurnal(p DiurnalParams, seed uint64) (*Diurnal, error) {
	_ = seed
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Diurnal{p: p, names: newNamer(prefixOr(p.Prefix, KindDiurnal))}, nil
}

// Next returns the next event, or io.EOF at the end of the trace.
func (d *Diurnal) Next() (Event, error) {
	for d.adds == 0 && d.dels == 0 {
		if d.step > int64(d.p.Duration/d.p.Step) {
			return Event{}, io.EOF
		}
		t := sim.Time(d.step) * d.p.Step
		if t >= d.p.Duration {
			return Event{}, io.EOF
		}
		d.step++
		d.at = t
		live := int(d.nextID - d.oldest)
		if target := d.p.Target(t); target > live {
			d.adds = target - live
		} else {
			d.dels = live - target
		}
	}
	if d.dels > 0 {
		d.dels--
		id := d.oldest
		d.oldest++
		return Event{At: d.at, Op: OpDel, Pod: d.names.name(id, podIDWidth)}, nil
	}
	d.adds--
	id := d.nextID
	d.nextID++
	op := OpAdd
	if d.at == 0 {
		op = OpRunning // the trough, running when the trace starts
	}
	return Event{At: d.at, Op: op, Pod: d.names.name(id, podIDWidth)}, nil
}
