package scenarios

import (
	"fmt"
	"io"
	"math"

	"github.com/ipamsim/ipamsim/sim"
)

// ConcurrencyPolicy is a CronJob's concurrencyPolicy: what a scheduled run
// does when the previous run is still running.
type ConcurrencyPolicy string

// CronJob concurrency policies, spelled as in Kubernetes.
const (
	// ConcurrencyAllow lets runs overlap.
	ConcurrencyAllow ConcurrencyPolicy = "Allow"
	// ConcurrencyForbid skips a run while the previous run's pods are live.
	ConcurrencyForbid ConcurrencyPolicy = "Forbid"
	// ConcurrencyReplace deletes the previous run's live pods at the new
	// run's start.
	ConcurrencyReplace ConcurrencyPolicy = "Replace"
)

// CronJobParams configures a CronJob: a run is scheduled at every multiple of
// Period in [0, Duration), each run adds PodsPerRun pods at once, and each
// pod is deleted RunLength after its run started (even past Duration: the
// trace ends when the last scheduled run's pods are gone).
type CronJobParams struct {
	// Prefix is the pod-name prefix; "" means "cronjob".
	Prefix string
	// Period is the schedule period (--period), > 0 and at most
	// MaxTraceTime.
	Period sim.Time
	// PodsPerRun is how many pods each run adds (--pods-per-run), 1 to
	// MaxGenCount.
	PodsPerRun int
	// RunLength is each job pod's lifetime (--run-length), > 0; Duration +
	// RunLength must be at most MaxTraceTime.
	RunLength sim.Time
	// Policy is the concurrency policy (--concurrency-policy); "" means
	// Allow.
	Policy ConcurrencyPolicy
	// Duration is how long runs are scheduled (--duration), > 0 and at most
	// MaxTraceTime.
	Duration sim.Time
}

// DefaultCronJobParams returns the CLI's defaults: one 30-second pod every
// minute for an hour, runs allowed to overlap.
func DefaultCronJobParams() CronJobParams {
	return CronJobParams{
		Period:     sim.Minute,
		PodsPerRun: 1,
		RunLength:  30 * sim.Second,
		Policy:     ConcurrencyAllow,
		Duration:   sim.Hour,
	}
}

// Validate reports the first invalid parameter, naming its CLI flag.
func (p CronJobParams) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkDur("--period", p.Period, false); err != nil {
		return err
	}
	if err := checkCount("--pods-per-run", p.PodsPerRun, false); err != nil {
		return err
	}
	if err := checkDur("--run-length", p.RunLength, false); err != nil {
		return err
	}
	switch p.Policy {
	case "", ConcurrencyAllow, ConcurrencyForbid, ConcurrencyReplace:
	default:
		return fmt.Errorf("--concurrency-policy must be Allow, Forbid or Replace, got %q", string(p.Policy))
	}
	if err := checkDur("--duration", p.Duration, false); err != nil {
		return err
	}
	return checkEnd(p.Duration.Seconds()+p.RunLength.Seconds(), "--duration + --run-length")
}

// workBound returns the runs scheduled (each a step, skipped or not) plus
// their pods' adds and deletes.
func (p CronJobParams) workBound() (float64, string) {
	runs := math.Ceil(float64(p.Duration) / float64(p.Period))
	return runs * (1 + 2*float64(p.PodsPerRun)), "⌈--duration / --period⌉ × (1 + 2 × --pods-per-run)"
}

// cronRun is a run whose pods are live: ids [first, first+n), deleted at end.
type cronRun struct {
	first uint64
	end   sim.Time
}

// idSeg is a batch of consecutive pod ids [next, end) with the same op.
type idSeg struct {
	op        Op
	next, end uint64
}

// CronJob is the CronJob generator, a Reader. Create it with NewCronJob. It
// uses no randomness.
type CronJob struct {
	p       CronJobParams
	policy  ConcurrencyPolicy
	names   namer
	runs    []cronRun // live runs, oldest first (their ends are in order)
	runHead int
	nextRun sim.Time
	nextID  uint64
	at      sim.Time
	segs    []idSeg // the batch being emitted at time at
	segHead int
}

var _ Reader = (*CronJob)(nil)

// NewCronJob validates p and returns a CronJob generator. The generator is
// deterministic; seed is accepted for uniformity with the other generators.
func NewCronJob(p CronJobParams, seed uint64) (*CronJob, error) {
	_ = seed
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &CronJob{p: p, policy: p.Policy, names: newNamer(prefixOr(p.Prefix, KindCronJob))}
	if c.policy == "" {
		c.policy = ConcurrencyAllow
	}
	return c, nil
}

func (c *CronJob) live() int { return len(c.runs) - c.runHead }

// popRun removes the oldest live run and queues the deletes of its pods.
func (c *CronJob) popRun() {
	r := c.runs[c.runHead]
	c.runHead++
	c.segs = append(c.segs, idSeg{OpDel, r.first, r.first + uint64(c.p.PodsPerRun)})
	if c.runHead == len(c.runs) {
		c.runs, c.runHead = c.runs[:0], 0
	} else if c.runHead >= 32 && c.runHead*2 >= len(c.runs) {
		// Overlapping runs never drain to empty: compact the FIFO so it
		// stays proportional to the live runs.
		n := copy(c.runs, c.runs[c.runHead:])
		c.runs, c.runHead = c.runs[:n], 0
	}
}

// Next returns the next event, or io.EOF at the end of the trace.
func (c *CronJob) Next() (Event, error) {
	for c.segHead >= len(c.segs) {
		c.segs, c.segHead = c.segs[:0], 0
		scheduling := c.nextRun < c.p.Duration
		// Completions first at equal times, so a run ending exactly when the
		// next is due does not block it under Forbid.
		if c.live() > 0 && (!scheduling || c.runs[c.runHead].end <= c.nextRun) {
			c.at = c.runs[c.runHead].end
			c.popRun()
			continue
		}
		if !scheduling {
			return Event{}, io.EOF
		}
		t := c.nextRun
		c.nextRun = addTime(t, c.p.Period)
		if c.nextRun == t { // saturated: no further runs
			c.nextRun = maxTime
		}
		if c.live() > 0 {
			switch c.policy {
			case ConcurrencyForbid:
				continue // skipped: the previous run is still going
			case ConcurrencyReplace:
				for c.live() > 0 {
					c.popRun()
				}
			}
		}
		c.at = t
		first := c.nextID
		c.nextID += uint64(c.p.PodsPerRun)
		c.segs = append(c.segs, idSeg{OpAdd, first, c.nextID})
		c.runs = append(c.runs, cronRun{first: first, end: addTime(t, c.p.RunLength)})
	}
	s := &c.segs[c.segHead]
	id := s.next
	s.next++
	op := s.op
	if s.next == s.end {
		c.segHead++
	}
	return Event{At: c.at, Op: op, Pod: c.names.name(id, podIDWidth)}, nil
}
