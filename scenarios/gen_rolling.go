package scenarios

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/sim"
)

// IntOrPercent is a pod count given either absolutely ("2") or as a
// percentage of the replica count ("25%"), like a Deployment's maxSurge and
// maxUnavailable. It implements pflag.Value.
type IntOrPercent struct {
	Val     int  // the count, or the percentage when Percent
	Percent bool // Val is a percentage
}

// ParseIntOrPercent parses "N" or "N%" with N an integer from 0 to
// MaxGenCount.
func ParseIntOrPercent(s string) (IntOrPercent, error) {
	var v IntOrPercent
	if err := v.Set(s); err != nil {
		return IntOrPercent{}, err
	}
	return v, nil
}

// Set parses "N" or "N%" into v (pflag.Value).
func (v *IntOrPercent) Set(s string) error {
	num, pct := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || strings.HasPrefix(num, "+") {
		return fmt.Errorf("%q is not a non-negative integer or percentage like 25%%", s)
	}
	if n > MaxGenCount {
		return fmt.Errorf("%q is more than %d", s, MaxGenCount)
	}
	*v = IntOrPercent{Val: n, Percent: pct}
	return nil
}

// String formats v as it is parsed: "2" or "25%".
func (v *IntOrPercent) String() string {
	if v.Percent {
		return strconv.Itoa(v.Val) + "%"
	}
	return strconv.Itoa(v.Val)
}

// Type names the flag type in usage (pflag.Value).
func (v *IntOrPercent) Type() string { return "int|pct" }

// Resolve returns the count for a total of total pods: the value itself, or
// the percentage of total rounded up (roundUp, as Kubernetes does for
// maxSurge) or down (as for maxUnavailable).
func (v IntOrPercent) Resolve(total int, roundUp bool) int {
	if !v.Percent {
		return v.Val
	}
	x := v.Val * total
	if roundUp {
		return (x + 99) / 100
	}
	return x / 100
}

// RollingParams configures a rolling update of a Deployment that is already
// at Replicas: the Replicas old pods are running at t=0 (running events,
// already Ready), and
// from Start every old pod is replaced by a new one as the Deployment
// controller does it: it adds new pods while the total stays within
// Replicas+maxSurge, and deletes old pods while the Ready pods (old pods and
// new pods PodStart after their add) stay at least Replicas-maxUnavailable.
// The trace ends when the last old pod is deleted and all Replicas new pods
// have been added.
type RollingParams struct {
	// Prefix is the pod-name prefix; "" means "rolling". Old pods get ids
	// 0..Replicas-1, new pods Replicas..2*Replicas-1.
	Prefix string
	// Replicas is the Deployment's size (--replicas), 1 to MaxGenCount.
	Replicas int
	// MaxSurge is how many pods may exist above Replicas (--max-surge); a
	// percentage rounds up.
	MaxSurge IntOrPercent
	// MaxUnavailable is how many pods may be unavailable below Replicas
	// (--max-unavailable); a percentage rounds down, at most 100%. MaxSurge
	// and MaxUnavailable must not both be 0; if both resolve to 0 (a small
	// percentage of few replicas), MaxUnavailable becomes 1, as in
	// Kubernetes.
	MaxUnavailable IntOrPercent
	// PodStart is how long a new pod takes from its add to Ready
	// (--pod-start), 0 to MaxTraceTime.
	PodStart sim.Time
	// Start is when the rollout begins (--start), 0 to MaxTraceTime. The
	// rollout takes at most Replicas steps of PodStart, and Start +
	// Replicas·PodStart must be at most MaxTraceTime.
	Start sim.Time
}

// DefaultRollingParams returns the CLI's defaults: 10 replicas, the
// Kubernetes default 25% surge and 25% unavailable, pods Ready 10 s after
// their add, rollout at 1 minute.
func DefaultRollingParams() RollingParams {
	return RollingParams{
		Replicas:       10,
		MaxSurge:       IntOrPercent{Val: 25, Percent: true},
		MaxUnavailable: IntOrPercent{Val: 25, Percent: true},
		PodStart:       10 * sim.Second,
		Start:          sim.Minute,
	}
}

// Validate reports the first invalid parameter, naming its CLI flag.
func (p RollingParams) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkCount("--replicas", p.Replicas, false); err != nil {
		return err
	}
	if p.MaxSurge.Val < 0 {
		return fmt.Errorf("--max-surge must be >= 0, got %s", p.MaxSurge.String())
	}
	if p.MaxUnavailable.Val < 0 {
		return fmt.Errorf("--max-unavailable must be >= 0, got %s", p.MaxUnavailable.String())
	}
	if p.MaxUnavailable.Percent && p.MaxUnavailable.Val > 100 {
		return fmt.Errorf("--max-unavailable must be at most 100%%, got %s", p.MaxUnavailable.String())
	}
	if p.MaxSurge.Val == 0 && p.MaxUnavailable.Val == 0 {
		return fmt.Errorf("--max-surge and --max-unavailable must not both be 0")
	}
	if err := checkDur("--pod-start", p.PodStart, true); err != nil {
		return err
	}
	if err := checkDur("--start", p.Start, true); err != nil {
		return err
	}
	return checkEnd(p.Start.Seconds()+float64(p.Replicas)*p.PodStart.Seconds(), "--start + --replicas × --pod-start")
}

// workBound returns the number of events: the old pods running, the new
// ones added, the old ones deleted.
func (p RollingParams) workBound() (float64, string) {
	return 3 * float64(p.Replicas), "3 × --replicas"
}

// Resolved returns the surge and unavailable allowances in pods for
// Replicas, rounded as Kubernetes does (surge up, unavailable down, at most
// Replicas unavailable, and unavailable 1 if both come out 0).
func (p RollingParams) Resolved() (surge, unavailable int) {
	surge = p.MaxSurge.Resolve(p.Replicas, true)
	unavailable = min(p.MaxUnavailable.Resolve(p.Replicas, false), p.Replicas)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// rollOut is one event of the batch the controller emits at one instant.
type rollOut struct {
	op Op
	id uint64
}

// Rolling is the rolling-update generator, a Reader. Create it with
// NewRolling. It uses no randomness.
type Rolling struct {
	p         RollingParams
	maxTotal  int // Replicas + surge
	minAvail  int // Replicas - unavailable
	names     namer
	initLeft  int    // old pods still to add at t=0
	nextOld   uint64 // oldest old pod still live
	nextNew   uint64 // id of the next new pod
	oldLive   int
	newLive   int
	newReady  int
	ready     []sim.Time // Ready times of new pods not yet Ready, in order
	readyHead int
	started   bool
	now       sim.Time
	out       []rollOut
	outHead   int
}

var _ Reader = (*Rolling)(nil)

// NewRolling validates p and returns a rolling-update generator. The
// generator is deterministic; seed is accepted for uniformity with the other
// generators.
func NewRolling(p RollingParams, seed uint64) (*Rolling, error) {
	_ = seed
	if err := p.Validate(); err != nil {
		return nil, err
	}
	surge, unavail := p.Resolved()
	return &Rolling{
		p:        p,
		maxTotal: p.Replicas + surge,
		minAvail: p.Replicas - unavail,
		names:    newNamer(prefixOr(p.Prefix, KindRolling)),
		initLeft: p.Replicas,
		oldLive:  p.Replicas,
		nextNew:  uint64(p.Replicas),
	}, nil
}

// Next returns the next event, or io.EOF at the end of the trace.
func (r *Rolling) Next() (Event, error) {
	if r.initLeft > 0 {
		id := uint64(r.p.Replicas - r.initLeft)
		r.initLeft--
		return Event{At: 0, Op: OpRunning, Pod: r.names.name(id, podIDWidth)}, nil
	}
	for r.outHead >= len(r.out) {
		r.out, r.outHead = r.out[:0], 0
		if r.oldLive == 0 && r.newLive == r.p.Replicas {
			return Event{}, io.EOF
		}
		if !r.started {
			r.started = true
			r.now = r.p.Start
		} else {
			if r.readyHead >= len(r.ready) {
				return Event{}, io.EOF // cannot happen: the rollout always progresses
			}
			r.now = r.ready[r.readyHead]
		}
		for r.readyHead < len(r.ready) && r.ready[r.readyHead] <= r.now {
			r.readyHead++
			r.newReady++
		}
		if r.readyHead > 64 && r.readyHead*2 >= len(r.ready) {
			n := copy(r.ready, r.ready[r.readyHead:])
			r.ready, r.readyHead = r.ready[:n], 0
		}
		r.reconcile()
	}
	o := r.out[r.outHead]
	r.outHead++
	return Event{At: r.now, Op: o.op, Pod: r.names.name(o.id, podIDWidth)}, nil
}

// reconcile runs the Deployment controller's rolling step at r.now until it
// has nothing more to do, queueing the adds and deletes in r.out: scale the
// new ReplicaSet up within the surge allowance, then the old one down within
// the availability floor, and again while either makes progress.
func (r *Rolling) reconcile() {
	for {
		changed := false
		if n := min(r.p.Replicas-r.newLive, r.maxTotal-(r.oldLive+r.newLive)); n > 0 {
			readyAt := addTime(r.now, r.p.PodStart)
			for range n {
				r.out = append(r.out, rollOut{OpAdd, r.nextNew})
				r.nextNew++
				r.ready = append(r.ready, readyAt)
			}
			r.newLive += n
			changed = true
		}
		// All old pods are Ready; new ones count once Ready.
		if n := min(r.oldLive, r.oldLive+r.newReady-r.minAvail); n > 0 {
			for range n {
				r.out = append(r.out, rollOut{OpDel, r.nextOld})
				r.nextOld++
			}
			r.oldLive -= n
			changed = true
		}
		if !changed {
			return
		}
	}
}
