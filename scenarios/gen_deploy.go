package scenarios

import (
	"fmt"
	"io"

	"github.com/ipamsim/ipamsim/sim"
)

// DeployParams configures a Deployment scale step: after Start the
// Deployment scales from 0 to Replicas at CreateRate pods per second, holds
// there for Hold, then scales down to ScaleDownTo at DeleteRate pods per
// second. The trace ends with the last scale-down delete; the ScaleDownTo
// remaining pods stay live.
type DeployParams struct {
	// Prefix is the pod-name prefix; "" means "deploy".
	Prefix string
	// Replicas is the scaled-up size (--replicas), 1 to MaxGenCount.
	Replicas int
	// CreateRate is the scale-up pace in pods per second (--create-rate),
	// 0 to MaxGenRate: the k-th pod (from 0) is added at Start +
	// k/CreateRate. 0 adds them all at Start.
	CreateRate float64
	// Start is the delay before the scale-up (--start), 0 to MaxTraceTime.
	Start sim.Time
	// Hold is how long the Deployment stays at Replicas (--hold), 0 to
	// MaxTraceTime, counted from the last scale-up add.
	Hold sim.Time
	// ScaleDownTo is the size after the scale-down (--scale-down-to), in
	// [0, Replicas]. As a ReplicaSet does, the newest pods are deleted first.
	ScaleDownTo int
	// DeleteRate is the scale-down pace in pods per second (--delete-rate),
	// 0 to MaxGenRate. 0 (the default) deletes them all at the same
	// instant.
	DeleteRate float64
}

// DefaultDeployParams returns the CLI's defaults: 30 replicas created at 10
// pods/s right away, held 5 minutes, then all deleted at once.
func DefaultDeployParams() DeployParams {
	return DeployParams{Replicas: 30, CreateRate: 10, Hold: 5 * sim.Minute}
}

// Validate reports the first invalid parameter, naming its CLI flag.
func (p DeployParams) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkCount("--replicas", p.Replicas, false); err != nil {
		return err
	}
	if err := checkRate("--create-rate", p.CreateRate, true); err != nil {
		return err
	}
	if err := checkDur("--start", p.Start, true); err != nil {
		return err
	}
	if err := checkDur("--hold", p.Hold, true); err != nil {
		return err
	}
	if p.ScaleDownTo < 0 || p.ScaleDownTo > p.Replicas {
		return fmt.Errorf("--scale-down-to must be between 0 and --replicas (%d), got %d", p.Replicas, p.ScaleDownTo)
	}
	if err := checkRate("--delete-rate", p.DeleteRate, true); err != nil {
		return err
	}
	return checkEnd(p.end(), "--start + (--replicas−1)/--create-rate + --hold + (--replicas−--scale-down-to−1)/--delete-rate")
}

// end returns the time of the last event, in seconds.
func (p DeployParams) end() float64 {
	paced := func(n int, rate float64) float64 {
		if rate == 0 || n <= 0 {
			return 0
		}
		return float64(n) / rate
	}
	return p.Start.Seconds() + paced(p.Replicas-1, p.CreateRate) + p.Hold.Seconds() + paced(p.Replicas-p.ScaleDownTo-1, p.DeleteRate)
}

// workBound returns the number of events.
func (p DeployParams) workBound() (float64, string) {
	return float64(2*p.Replicas - p.ScaleDownTo), "2 × --replicas − --scale-down-to"
}

// Deploy is the Deployment scale-step generator, a Reader. Create it with
// NewDeploy. It uses no randomness.
type Deploy struct {
	p      DeployParams
	names  namer
	added  int
	peakAt sim.Time // time of the last add
	downAt sim.Time // start of the scale-down
	del    int      // deletes emitted
}

var _ Reader = (*Deploy)(nil)

// NewDeploy validates p and returns a Deployment scale-step generator. The
// generator is deterministic; seed is accepted for uniformity with the other
// generators.
func NewDeploy(p DeployParams, seed uint64) (*Deploy, error) {
	_ = seed
	if err := p.Validate(); err != nil {
		return nil, err
	}
	d := &Deploy{p: p, names: newNamer(prefixOr(p.Prefix, KindDeploy))}
	d.peakAt = addTime(p.Start, paced(uint64(p.Replicas-1), p.CreateRate))
	d.downAt = addTime(d.peakAt, p.Hold)
	return d, nil
}

// Next returns the next event, or io.EOF at the end of the trace.
func (d *Deploy) Next() (Event, error) {
	if d.added < d.p.Replicas {
		k := d.added
		d.added++
		at := addTime(d.p.Start, paced(uint64(k), d.p.CreateRate))
		return Event{At: at, Op: OpAdd, Pod: d.names.name(uint64(k), podIDWidth)}, nil
	}
	if n := d.p.Replicas - d.p.ScaleDownTo; d.del < n {
		j := d.del
		d.del++
		at := addTime(d.downAt, paced(uint64(j), d.p.DeleteRate))
		id := uint64(d.p.Replicas - 1 - j) // newest first
		return Event{At: at, Op: OpDel, Pod: d.names.name(id, podIDWidth)}, nil
	}
	return Event{}, io.EOF
}
