package scenarios

import (
	"fmt"
	"io"

	"github.com/ipamsim/ipamsim/sim"
)

// CL2Params configures a clusterloader2-style load test on a cluster of
// Nodes nodes:
//
//  1. Create Nodes·PodsPerNode pods at CreateRate pods/s, grouped into
//     workloads of WorkloadSize pods (the last may be smaller), placed
//     round-robin across the nodes.
//  2. After the last create and Settle, resize every workload to a size drawn
//     uniformly from the integers in [WorkloadSize/2, 3·WorkloadSize/2]: all
//     scale-downs first (newest pods first), then all scale-ups, at
//     CreateRate operations/s.
//  3. After the last resize operation and Hold, delete every pod, workload by
//     workload, newest first, at CreateRate pods/s.
//
// A node never holds more than PodsPerNode pods: a scale-up pod for which no
// node has room stays Pending and never gets a sandbox, so it produces no
// event. Events carry the node name ("node-001", ...).
type CL2Params struct {
	// Prefix is the pod-name prefix; "" means "cl2". Pods are named
	// "<prefix>-w<workload>-<id>", e.g. "cl2-w0003-000017".
	Prefix string
	// Nodes is the number of nodes (--nodes), > 0; Nodes·PodsPerNode is at
	// most 2^26.
	Nodes int
	// PodsPerNode is the pod density and the per-node cap (--pods-per-node,
	// default 30), > 0.
	PodsPerNode int
	// CreateRate is the cluster-wide pace of creates, resizes and deletes in
	// pods per second (--create-rate, default 10), > 0 and at most
	// MaxGenRate. The trace (at most 4·Nodes·PodsPerNode operations at this
	// pace, plus Settle and Hold) must end by MaxTraceTime.
	CreateRate float64
	// WorkloadSize is the number of pods per workload (--workload-size,
	// default 10), 1 to 2^26.
	WorkloadSize int
	// Settle is the pause between the last create and the resize
	// (--settle), 0 to MaxTraceTime.
	Settle sim.Time
	// Hold is the pause between the resize and the deletion (--hold), 0 to
	// MaxTraceTime.
	Hold sim.Time
}

// DefaultCL2Params returns the CLI's defaults: 10 nodes of 30 pods, 10 pods/s,
// workloads of 10 pods, a 1-minute settle and a 5-minute hold.
func DefaultCL2Params() CL2Params {
	return CL2Params{
		Nodes:        10,
		PodsPerNode:  30,
		CreateRate:   10,
		WorkloadSize: 10,
		Settle:       sim.Minute,
		Hold:         5 * sim.Minute,
	}
}

// maxCL2Pods bounds Nodes·PodsPerNode: the generator keeps one small record
// per live pod.
const maxCL2Pods = 1 << 26

// Validate reports the first invalid parameter, naming its CLI flag.
func (p CL2Params) Validate() error {
	if err := checkPrefix(p.Prefix); err != nil {
		return err
	}
	if err := checkCount("--nodes", p.Nodes, false); err != nil {
		return err
	}
	if err := checkCount("--pods-per-node", p.PodsPerNode, false); err != nil {
		return err
	}
	if p.Nodes > maxCL2Pods/p.PodsPerNode {
		return fmt.Errorf("--nodes * --pods-per-node must be at most %d, got %d * %d", maxCL2Pods, p.Nodes, p.PodsPerNode)
	}
	if err := checkRate("--create-rate", p.CreateRate, false); err != nil {
		return err
	}
	if err := checkCount("--workload-size", p.WorkloadSize, false); err != nil {
		return err
	}
	if p.WorkloadSize > maxCL2Pods {
		return fmt.Errorf("--workload-size must be at most %d, got %d", maxCL2Pods, p.WorkloadSize)
	}
	if err := checkDur("--settle", p.Settle, true); err != nil {
		return err
	}
	if err := checkDur("--hold", p.Hold, true); err != nil {
		return err
	}
	ops, _ := p.workBound()
	return checkEnd(p.Settle.Seconds()+p.Hold.Seconds()+ops/p.CreateRate, "--settle + --hold + 4 × --nodes × --pods-per-node / --create-rate")
}

// workBound returns a bound on the events: the creates, the resize (each
// workload moves by at most half its size, plus rounding), the deletes of
// up to 1.5 times the pods created.
func (p CL2Params) workBound() (float64, string) {
	return 4 * float64(p.Nodes) * float64(p.PodsPerNode), "4 × --nodes × --pods-per-node"
}

// ResizeBounds returns the inclusive range of resized workload sizes:
// ceil(WorkloadSize/2) .. floor(3·WorkloadSize/2).
func (p CL2Params) ResizeBounds() (lo, hi int) {
	return (p.WorkloadSize + 1) / 2, 3 * p.WorkloadSize / 2
}

// cl2Pod is a live pod of a workload.
type cl2Pod struct {
	id   uint64
	node int32
}

// Phases of the cl2 generator.
const (
	cl2Create = iota
	cl2ResizeDown
	cl2ResizeUp
	cl2Delete
	cl2Done
)

// CL2 is the clusterloader2-style generator, a Reader whose events carry
// node names. Create it with NewCL2.
type CL2 struct {
	p       CL2Params
	total   int
	pods    namer
	nodes   namer
	perNode []int32    // live pods per node
	cursor  int        // round-robin placement cursor
	live    [][]cl2Pod // per workload, oldest first
	targets []int      // resize target per workload

	phase      int
	k          uint64   // operations emitted in the current phase
	phaseStart sim.Time // time of the phase's first operation
	lastAt     sim.Time // time of the last event emitted
	w          int      // workload cursor in the resize and delete phases
	nextID     uint64
}

var _ Reader = (*CL2)(nil)

// NewCL2 validates p and returns a clusterloader2-style generator; the
// resize targets come from sim.NewRand(seed, "cl2").
func NewCL2(p CL2Params, seed uint64) (*CL2, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	total := p.Nodes * p.PodsPerNode
	nw := (total + p.WorkloadSize - 1) / p.WorkloadSize
	c := &CL2{
		p:       p,
		total:   total,
		pods:    newNamer(prefixOr(p.Prefix, KindCL2)),
		nodes:   newNamer("node"),
		perNode: make([]int32, p.Nodes),
		live:    make([][]cl2Pod, nw),
		targets: make([]int, nw),
	}
	rng := sim.NewRand(seed, KindCL2)
	lo, hi := p.ResizeBounds()
	for w := range c.targets {
		c.targets[w] = lo + rng.IntN(hi-lo+1)
	}
	return c, nil
}

// Targets returns the resize target of each workload, in workload order.
func (c *CL2) Targets() []int { return append([]int(nil), c.targets...) }

// place returns the next node round-robin that has room, or -1 if all are
// full.
func (c *CL2) place() int {
	n := len(c.perNode)
	for i := 0; i < n; i++ {
		node := (c.cursor + i) % n
		if int(c.perNode[node]) < c.p.PodsPerNode {
			c.cursor = (node + 1) % n
			return node
		}
	}
	return -1
}

// enter starts phase ph, whose first operation comes delay after the last
// event.
func (c *CL2) enter(ph int, delay sim.Time) {
	c.phase, c.k, c.w = ph, 0, 0
	c.phaseStart = addTime(c.lastAt, delay)
}

func (c *CL2) emit(op Op, w int, pod cl2Pod) Event {
	at := addTime(c.phaseStart, paced(c.k, c.p.CreateRate))
	c.k++
	c.lastAt = at
	name := append(c.pods.buf[:c.pods.plen], 'w')
	name = appendPadded(name, uint64(w), 4)
	name = append(name, '-')
	name = appendPadded(name, pod.id, podIDWidth)
	c.pods.buf = name
	return Event{At: at, Op: op, Pod: name, Node: c.nodes.name(uint64(pod.node)+1, 3)}
}

func (c *CL2) add(w, node int) Event {
	pod := cl2Pod{id: c.nextID, node: int32(node)}
	c.nextID++
	c.perNode[node]++
	c.live[w] = append(c.live[w], pod)
	return c.emit(OpAdd, w, pod)
}

func (c *CL2) del(w int) Event {
	l := c.live[w]
	pod := l[len(l)-1]
	c.live[w] = l[:len(l)-1]
	c.perNode[pod.node]--
	return c.emit(OpDel, w, pod)
}

// Next returns the next event, or io.EOF at the end of the trace.
func (c *CL2) Next() (Event, error) {
	for {
		switch c.phase {
		case cl2Create:
			if c.k < uint64(c.total) {
				if node := c.place(); node >= 0 { // always: total fits exactly
					return c.add(int(c.k)/c.p.WorkloadSize, node), nil
				}
			}
			c.enter(cl2ResizeDown, c.p.Settle)
		case cl2ResizeDown:
			for ; c.w < len(c.live); c.w++ {
				if len(c.live[c.w]) > c.targets[c.w] {
					return c.del(c.w), nil
				}
			}
			// Scale-ups continue the same paced sequence.
			c.phase, c.w = cl2ResizeUp, 0
		case cl2ResizeUp:
			for ; c.w < len(c.live); c.w++ {
				if len(c.live[c.w]) < c.targets[c.w] {
					if node := c.place(); node >= 0 {
						return c.add(c.w, node), nil
					}
					// No room anywhere: the rest stay Pending.
				}
			}
			if c.k == 0 { // nothing to resize: hold from the resize start
				c.lastAt = c.phaseStart
			}
			c.enter(cl2Delete, c.p.Hold)
		case cl2Delete:
			for ; c.w < len(c.live); c.w++ {
				if len(c.live[c.w]) > 0 {
					return c.del(c.w), nil
				}
			}
			c.phase = cl2Done
			c.live, c.perNode = nil, nil
		default:
			return Event{}, io.EOF
		}
	}
}
