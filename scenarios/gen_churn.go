package scenarios

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/ipamsim/ipamsim/sim"
)

// LifetimeDist names the distribution of a churn pod's lifetime.
type LifetimeDist string

// Lifetime distributions of the churn generator.
const (
	// LifetimeExponential draws lifetimes from an exponential distribution
	// with the given mean (memoryless pods).
	LifetimeExponential LifetimeDist = "exponential"
	// LifetimeLognormal draws lifetimes from a lognormal distribution with
	// the given mean and shape sigma (the standard deviation of the
	// lifetime's logarithm).
	LifetimeLognormal LifetimeDist = "lognormal"
	// LifetimeFixed gives every pod exactly the mean lifetime.
	LifetimeFixed LifetimeDist = "fixed"
)

// ChurnParams configures the Poisson churn generator: pods arrive as a
// Poisson process of the given rate during [0, Duration) and each lives for
// an independent random lifetime. A delete that would come after
// MaxTraceTime (a lifetime drawn from the distribution's far tail) is not
// generated: that pod stays live at the end of the trace.
type ChurnParams struct {
	// Prefix is the pod-name prefix; "" means "churn".
	Prefix string
	// Rate is the mean arrival rate in pods per second (--rate), > 0 and
	// at most MaxGenRate.
	Rate float64
	// LifetimeDist is the lifetime distribution (--lifetime-dist); ""
	// means exponential.
	LifetimeDist LifetimeDist
	// MeanLifetime is the mean pod lifetime (--mean-lifetime), > 0 and at
	// most MaxTraceTime.
	MeanLifetime sim.Time
	// LifetimeSigma is the lognormal shape (--lifetime-sigma; default 0.5),
	// in (0, 10] when LifetimeDist is lognormal, ignored otherwise.
	LifetimeSigma float64
	// Duration is the length of the trace (--duration), > 0 and at most
	// MaxTraceTime: arrivals happen in [0, Duration).
	Duration sim.Time
	// StartPods pods (--start-pods, 0 to MaxGenCount) are already running
	// at t=0: they are running events (OpRunning) at t=0 and their
	// remaining lifetimes are drawn from the stationary residual-life
	// distribution of the lifetime distribution, so the population starts
	// in steady state. They are not counted as arrivals.
	StartPods int
	// Drain (--drain) keeps the trace going past Duration until every pod
	// has been deleted at its scheduled time. Without it the trace stops at
	// Duration and pods still live then stay live.
	Drain bool
}

// DefaultChurnParams returns the CLI's defaults: 1 pod/s, exponential
// lifetimes with a 5-minute mean (sigma 0.5 if switched to lognormal), one
// hour, no start pods.
func DefaultChurnParams() ChurnParams {
	return ChurnParams{
		Rate:          1,
		LifetimeDist:  LifetimeExponential,
		MeanLifetime:  5 * sim.Minute,
		LifetimeSigma: 0.5,
		Duration:      sim.Hour,
	}
}

// Validate reports the first invalid parameter, naming its CLI flag.
func (p ChurnParams) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkRate("--rate", p.Rate, false); err != nil {
		return err
	}
	switch p.LifetimeDist {
	case "", LifetimeExponential, LifetimeFixed:
	case LifetimeLognormal:
		if math.IsNaN(p.LifetimeSigma) || math.IsInf(p.LifetimeSigma, 0) || p.LifetimeSigma <= 0 {
			return fmt.Errorf("--lifetime-sigma must be > 0 for a lognormal lifetime, got %g", p.LifetimeSigma)
		}
		if p.LifetimeSigma > 10 {
			return fmt.Errorf("--lifetime-sigma must be <= 10, got %g", p.LifetimeSigma)
		}
	default:
		return fmt.Errorf("--lifetime-dist must be exponential, lognormal or fixed, got %q", string(p.LifetimeDist))
	}
	if err := checkDur("--mean-lifetime", p.MeanLifetime, false); err != nil {
		return err
	}
	if err := checkDur("--duration", p.Duration, false); err != nil {
		return err
	}
	return checkCount("--start-pods", p.StartPods, true)
}

// workBound returns the expected number of events: every start pod and
// arrival added and deleted.
func (p ChurnParams) workBound() (float64, string) {
	return 2 * (float64(p.StartPods) + p.Rate*p.Duration.Seconds()), "2 × (--start-pods + --rate × --duration)"
}

// Churn is the Poisson churn generator, a Reader. Create it with NewChurn.
type Churn struct {
	p     ChurnParams
	dist  LifetimeDist
	rng   *rand.Rand
	mu    float64 // lognormal location: ln(mean) - sigma²/2, mean in ns
	names namer

	dels        delHeap // scheduled deletes of live pods
	nextID      uint64
	startLeft   int
	nextArrival sim.Time
}

var _ Reader = (*Churn)(nil)

// NewChurn validates p and returns a churn generator seeded from
// sim.NewRand(seed, "churn").
func NewChurn(p ChurnParams, seed uint64) (*Churn, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &Churn{
		p:         p,
		dist:      p.LifetimeDist,
		rng:       sim.NewRand(seed, KindChurn),
		names:     newNamer(prefixOr(p.Prefix, KindChurn)),
		startLeft: p.StartPods,
	}
	if c.dist == "" {
		c.dist = LifetimeExponential
	}
	if c.dist == LifetimeLognormal {
		s := p.LifetimeSigma
		c.mu = math.Log(float64(p.MeanLifetime)) - s*s/2
	}
	c.nextArrival = c.interArrival()
	return c, nil
}

func (c *Churn) interArrival() sim.Time {
	return sim.Seconds(c.rng.ExpFloat64() / c.p.Rate)
}

// lifetime draws a fresh pod's lifetime.
func (c *Churn) lifetime() sim.Time {
	mean := float64(c.p.MeanLifetime)
	switch c.dist {
	case LifetimeFixed:
		return c.p.MeanLifetime
	case LifetimeLognormal:
		return nsTime(math.Exp(c.mu + c.p.LifetimeSigma*c.rng.NormFloat64()))
	default:
		return nsTime(c.rng.ExpFloat64() * mean)
	}
}

// residual draws the remaining lifetime of a pod found running in steady
// state. Its density is (1-F(x))/mean, sampled as U·L* where L* is the
// length-biased lifetime: for an exponential that is again the exponential,
// for a lognormal(mu, sigma) L* is lognormal(mu+sigma², sigma), and for a
// fixed lifetime it is the lifetime itself.
func (c *Churn) residual() sim.Time {
	mean := float64(c.p.MeanLifetime)
	switch c.dist {
	case LifetimeFixed:
		return nsTime(c.rng.Float64() * mean)
	case LifetimeLognormal:
		s := c.p.LifetimeSigma
		return nsTime(c.rng.Float64() * math.Exp(c.mu+s*s+s*c.rng.NormFloat64()))
	default:
		return nsTime(c.rng.ExpFloat64() * mean)
	}
}

func (c *Churn) event(at sim.Time, op Op, id uint64) Event {
	return Event{At: at, Op: op, Pod: c.names.name(id, podIDWidth)}
}

// Next returns the next event, or io.EOF at the end of the trace.
func (c *Churn) Next() (Event, error) {
	if c.startLeft > 0 {
		c.startLeft--
		id := c.nextID
		c.nextID++
		c.dels.push(c.residual(), id)
		return c.event(0, OpRunning, id), nil
	}
	arriving := c.nextArrival < c.p.Duration
	// Deletes go first at equal times: the pod's address is freed before the
	// newcomer asks for one.
	if c.dels.len() > 0 && (!arriving || c.dels.peek().at <= c.nextArrival) {
		top := c.dels.peek()
		if (top.at >= c.p.Duration && !c.p.Drain) || top.at > MaxTraceTime {
			return Event{}, io.EOF
		}
		c.dels.pop()
		return c.event(top.at, OpDel, top.id), nil
	}
	if !arriving {
		return Event{}, io.EOF
	}
	at := c.nextArrival
	id := c.nextID
	c.nextID++
	c.dels.push(addTime(at, c.lifetime()), id)
	c.nextArrival = addTime(at, c.interArrival())
	return c.event(at, OpAdd, id), nil
}

// delHeap is the churn generator's queue of scheduled deletes: a 4-ary
// min-heap of (time, pod id). Ids are pushed in increasing order, so id
// breaks ties between equal times in push order, as the sequence numbers of
// the binary heap it replaced did (evHeap, now in the tests), and an entry
// needs no sequence number: 16 bytes, four siblings to a 64-byte cache line. At 5,000 nodes about 100,000 pods are
// live; a binary heap of 24-byte entries then walks 17 levels per pop, the
// lower ones from memory (issue 16), this one 9.
type delHeap struct {
	// items[delHeapPad+k] is the heap's k-th entry: the children of k are
	// 4k+1 to 4k+4, which the padding puts in one aligned group of four.
	items []delEv
}

// delEv is one scheduled delete.
type delEv struct {
	at sim.Time
	id uint64
}

const delHeapPad = 3

func (a delEv) before(b delEv) bool {
	return a.at < b.at || a.at == b.at && a.id < b.id
}

func (h *delHeap) len() int { return max(len(h.items)-delHeapPad, 0) }

// push schedules pod id at time at; id must exceed every id pushed before.
func (h *delHeap) push(at sim.Time, id uint64) {
	if h.items == nil {
		h.items = make([]delEv, delHeapPad, 1024)
	}
	e := delEv{at: at, id: id}
	h.items = append(h.items, delEv{})
	it := h.items[delHeapPad:]
	k := len(it) - 1
	for k > 0 {
		p := (k - 1) / 4
		if !e.before(it[p]) {
			break
		}
		it[k] = it[p]
		k = p
	}
	it[k] = e
}

// peek returns the earliest scheduled delete; the heap must not be empty.
func (h *delHeap) peek() delEv { return h.items[delHeapPad] }

// pop removes and returns the earliest scheduled delete; the heap must not
// be empty.
func (h *delHeap) pop() delEv {
	it := h.items[delHeapPad:]
	top := it[0]
	n := len(it) - 1
	last := it[n]
	it = it[:n]
	h.items = h.items[:delHeapPad+n]
	k := 0
	for {
		c := 4*k + 1
		if c >= n {
			break
		}
		best := c
		for j := c + 1; j < min(c+4, n); j++ {
			if it[j].before(it[best]) {
				best = j
			}
		}
		if !it[best].before(last) {
			break
		}
		it[k] = it[best]
		k = best
	}
	if n > 0 {
		it[k] = last
	}
	// Give memory back after a burst of live pods drains away.
	if c := cap(h.items); c > 1024 && len(h.items) < c/4 {
		h.items = append(make([]delEv, 0, c/2), h.items...)
	}
	return top
}
