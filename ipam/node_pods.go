package ipam

// Pods on the node: the kubelet's CNI ADD and DEL and its retries
// (docs/model.md §3).

import (
	"fmt"
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/sim"
)

type podState uint8

const (
	podFree podState = iota
	podWaiting
	podRunning
	// podPending: unschedulable, the node already runs max pods (§5.14);
	// the kubelet never sent it an ADD.
	podPending
)

type pod struct {
	// name is the pod's name when it was given as a string or an event log
	// keeps it; a pod added by bytes without one has only nameBuf.
	name string
	// nameBuf holds the name of a pod in the name index (a copy of the
	// bytes it was added with). It stays with the slot across its pods, so
	// an ADD allocates nothing once it has grown.
	nameBuf  []byte
	hasName  bool // name is set
	state    podState
	firstAdd sim.Time
	cidr     *CIDR
	bit      uint8
	retry    sim.EventID
	failed   bool
	restored bool   // a running pod (trace op running): counts in no ADD or wait figure
	ticket   uint32 // its place in the pending queue
}

type podTable struct {
	pods      []pod
	free      []int32
	index     podIndex // pods added by name (not by handle)
	live      int
	waiting   int
	restoring int // running pods among the waiting: in no figure (§9.13)
	// pending holds the unschedulable pods in arrival order (lazily
	// cleaned: an entry whose ticket no longer matches its slot is gone).
	pending  []pendingRef
	npending int
	tickets  uint32
}

type pendingRef struct {
	i      int32
	ticket uint32
}

// PodInfo is what the node knows of a pod: the zero PodInfo for a pod it
// does not know.
type PodInfo struct {
	Live     bool       // added and not deleted
	Addr     netip.Addr // its address; the zero Addr while it waits for one
	ENI      ENIID      // the ENI of its address
	Waited   bool       // its first ADD failed
	FirstAdd sim.Time
	// Unschedulable: the node runs max pods already; no ADD was sent.
	Unschedulable bool
}

// Pod returns what the node knows of a live pod.
func (n *Node) Pod(name string) PodInfo {
	i, ok := findPod(&n.pods, name)
	if !ok {
		return PodInfo{}
	}
	p := &n.pods.pods[i]
	info := PodInfo{Live: true, Waited: p.failed, FirstAdd: p.firstAdd, Unschedulable: p.state == podPending}
	if p.state == podRunning {
		info.Addr = p.cidr.addr(int(p.bit))
		info.ENI = p.cidr.eni.ID
	}
	return info
}

// Waits returns the IP wait of every pod that sent the node a CNI ADD, as a
// new histogram: the waits of pods that got an address (Counters.Wait), and,
// right-censored, those of pods deleted while waiting (first ADD to DEL,
// Counters.CensoredWait) and of pods still waiting (first ADD to now). Its
// quantiles are the run's wait percentiles: a pod that never got an address
// waited at least that long, so leaving it out would make the worst outcome
// read as the best. It changes nothing.
func (n *Node) Waits() *hist.Histogram {
	h := new(hist.Histogram)
	h.Merge(&n.Counters.Wait)
	h.Merge(&n.Counters.CensoredWait)
	now := n.eng.Now()
	for i := range n.pods.pods {
		if p := &n.pods.pods[i]; p.state == podWaiting && !p.restored {
			h.Add(now - p.firstAdd)
		}
	}
	return h
}

// PodError is a trace that does not fit the node's pods.
type PodError struct{ Msg string }

func (e *PodError) Error() string { return e.Msg }

// AddPod is the kubelet creating a pod's sandbox: a CNI ADD now (§3). A pod
// that gets no address is retried after the kubelet's back-off.
func (n *Node) AddPod(name []byte) error {
	if _, dup := findPod(&n.pods, name); dup {
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	if n.events != nil {
		// The event log keeps every name it is given: one copy per pod.
		return n.AddPodNamed(string(name))
	}
	n.admit("", name, false)
	return nil
}

// AddPodNamed is AddPod for a caller that already holds the name as a string
// (no copy is made). A node that runs max pods already keeps the pod
// unschedulable, without an ADD, until a pod's delete frees a slot (§5.14).
func (n *Node) AddPodNamed(name string) error {
	if _, dup := findPod(&n.pods, name); dup {
		// Refused without touching the index: the live pod keeps its entry.
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	n.admit(name, nil, false)
	return nil
}

// AddRunningPod is a pod that already runs when the run starts (trace op
// running, §9.13): ipamd restores it at start-up, giving it an address as
// soon as its datastore has one. Its restore is no ADD and no wait in any
// figure; it holds a pod slot and its address until its delete.
func (n *Node) AddRunningPod(name string) error {
	if _, dup := findPod(&n.pods, name); dup {
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	n.admit(name, nil, true)
	return nil
}

// admit takes a pod no live pod's name clashes with, named name or, if raw
// is not nil, raw (copied; the caller keeps raw), into the name index.
func (n *Node) admit(name string, raw []byte, restored bool) {
	if n.pods.live-n.pods.npending < n.cfg.MaxPods {
		n.addPod(name, raw, true, restored)
		return
	}
	// §5.14: the scheduler binds no more than max pods to the node.
	n.observe(n.eng.Now())
	n.ds.advance(n.eng.Now())
	i := n.pods.alloc()
	n.pods.tickets++
	p := n.pods.take(i, name, raw, true)
	p.state, p.restored, p.ticket = podPending, restored, n.pods.tickets
	n.pods.pending = append(n.pods.pending, pendingRef{i, n.pods.tickets})
	n.pods.live++
	n.pods.npending++
	n.Counters.PodsUnschedulable++
	if n.events != nil {
		n.emit(Event{Kind: EvPending, Pod: p.retainedName(), Detail: fmt.Sprintf("max-pods %d reached", n.cfg.MaxPods)})
	}
}

// bindPending binds the oldest unschedulable pods to the slots free under
// max pods: the scheduler binding a Pending pod once capacity frees (§5.14).
func (n *Node) bindPending() {
	t := &n.pods
	for len(t.pending) > 0 && t.live-t.npending < n.cfg.MaxPods {
		r := t.pending[0]
		t.pending = t.pending[1:]
		p := &t.pods[r.i]
		if p.state != podPending || p.ticket != r.ticket {
			continue
		}
		t.npending--
		n.Counters.PodsUnschedulable--
		n.sendAdd(r.i)
	}
	if len(t.pending) == 0 {
		t.pending = nil // let the queue's array go
	}
}

func (t *podTable) alloc() int32 {
	if k := len(t.free); k > 0 {
		i := t.free[k-1]
		t.free = t.free[:k-1]
		return i
	}
	t.pods = append(t.pods, pod{})
	return int32(len(t.pods) - 1)
}

// take starts a new pod in slot i, named name or, if raw is not nil, raw
// (copied into the slot's own bytes), and indexes it by name if indexed.
func (t *podTable) take(i int32, name string, raw []byte, indexed bool) *pod {
	p := &t.pods[i]
	*p = pod{name: name, hasName: raw == nil, nameBuf: p.nameBuf[:0]}
	if indexed {
		if raw != nil {
			p.nameBuf = append(p.nameBuf, raw...)
		} else {
			p.nameBuf = append(p.nameBuf, name...)
		}
		t.insert(i)
	}
	return p
}

// retainedName is p's name as a string the caller may keep.
func (p *pod) retainedName() string {
	if p.hasName {
		return p.name
	}
	return string(p.nameBuf)
}

// PodHandle names a live pod on a node without a name lookup (cluster mode,
// where the cluster keeps the index).
type PodHandle int32

// AddPodHandle is AddPod for a caller that tracks its pods itself: the node
// keeps no name index for it, so Pod(name) does not find it. The caller must
// not add the same name twice, and keeps max pods itself. running makes it
// AddRunningPod's pod: restored, no ADD (§9.13).
func (n *Node) AddPodHandle(name string, running bool) PodHandle {
	return PodHandle(n.addPod(name, nil, false, running))
}

// addPod binds a new pod (named as take has it) to a free slot and sends its
// first ADD.
func (n *Node) addPod(name string, raw []byte, indexed, restored bool) int32 {
	n.observe(n.eng.Now())
	n.ds.advance(n.eng.Now())
	i := n.pods.alloc()
	n.pods.take(i, name, raw, indexed).restored = restored
	n.pods.live++
	n.sendAdd(i)
	n.afterEvent()
	n.wake()
	return i
}

// sendAdd is the kubelet's first CNI ADD for the pod in slot i.
func (n *Node) sendAdd(i int32) {
	p := &n.pods.pods[i]
	p.state, p.firstAdd = podWaiting, n.eng.Now()
	n.pods.waiting++
	if p.restored {
		n.pods.restoring++
	} else {
		n.Counters.PodsAdded++
	}
	n.tryAssign(i)
}

// tryAssign is one CNI ADD for a waiting pod (§3): AssignPodIPv4Address if
// ipamd is up, else the ADD fails; a failed ADD counts
// awscni_no_available_ip_addresses and the kubelet retries it later.
func (n *Node) tryAssign(i int32) {
	p := &n.pods.pods[i]
	c := &n.Counters
	if p.restored {
		c = &n.restoreSink // a restore counts in no figure (§9.13)
	}
	c.AddRequests++
	now := n.eng.Now()
	if n.ready {
		cidr, b, ok := n.ds.assignPod()
		if !ok {
			if n.ctrl.AllocateOnADD != nil && n.ctrl.AllocateOnADD() {
				cidr, b, ok = n.ds.assignPod()
			}
		}
		if ok {
			p.state = podRunning
			p.cidr, p.bit = cidr, b
			n.pods.waiting--
			if n.events != nil {
				e := Event{Kind: EvAdd, Pod: p.retainedName(), Addr: cidr.addr(int(b)), ENI: cidr.eni.ID, Took: now - p.firstAdd}
				if p.restored {
					e.Took, e.Detail = 0, "running"
				}
				n.emit(e)
			}
			if p.restored {
				n.pods.restoring--
				return
			}
			c.PodsAssigned++
			if p.failed {
				c.PodsWaited++
			}
			c.Wait.Add(now - p.firstAdd)
			return
		}
		c.NoAvailableIP++ // ErrNoAvailableIPInDataStore (§3)
	} else {
		c.AddsBeforeReady++
	}
	p.failed = true
	d := n.kubeletRetry()
	p.retry = n.eng.After(d, n, evPodRetry|int64(i)<<8)
	if n.events != nil && !p.restored {
		why := "no-address"
		if !n.ready {
			why = "before-ready"
		}
		n.emit(Event{Kind: EvAdd, Pod: p.retainedName(), Detail: why, Delay: d})
	}
}

// kubeletRetry is how long after a failed sandbox creation the kubelet tries
// again. Its pod worker requeues the pod after 10 s (§3.11), or after 1 s
// while the network is not ready, before ipamd's first start-up ends (§3.18:
// aws-node writes the CNI config only then), jittered by up to half (§3.12;
// none in the zero profile); the sync loop's 1 s ticker takes it from the
// queue at its first tick after that (§3.17; no ticker in the zero profile).
func (n *Node) kubeletRetry() sim.Time {
	d := n.cfg.KubeletBackoff
	if !n.ready {
		d = sim.Second // backOffOnTransientErrorPeriod
	}
	if j := n.cfg.Profile.KubeletJitter; j > 0 {
		d = sim.Jitter(n.rngKubelet, d, j)
	}
	if tick := n.cfg.Profile.KubeletSyncTick; tick > 0 {
		now := n.eng.Now()
		due := now + d - n.kubeletStart // GetWork takes items due strictly before the tick
		d = n.kubeletStart + (due/tick+1)*tick - now
	}
	return d
}

func (n *Node) podRetry(i int32) {
	p := &n.pods.pods[i]
	if p.state != podWaiting {
		return
	}
	p.retry = 0
	n.tryAssign(i)
	n.wake()
}

// DelPod is the kubelet tearing a pod's sandbox down: a CNI DEL (§3). The
// address starts its cooldown; no EC2 call is made. Deleting a pod that still
// waits cancels its retries.
func (n *Node) DelPod(name []byte) error {
	i, at, ok := lookupPod(&n.pods, name)
	if !ok {
		return &PodError{fmt.Sprintf("del of pod %q, which is not live", name)}
	}
	n.pods.index.removeAt(at)
	n.delPod(i)
	return nil
}

// DelPodHandle is DelPod for a pod added with AddPodHandle.
func (n *Node) DelPodHandle(h PodHandle) { n.delPod(int32(h)) }

func (n *Node) delPod(i int32) {
	n.observe(n.eng.Now())
	n.ds.advance(n.eng.Now())
	p := &n.pods.pods[i]
	if p.state == podFree {
		panic("ipam: deleting a pod slot that is free")
	}
	n.Counters.DelRequests++
	switch p.state {
	case podWaiting:
		n.eng.Cancel(p.retry)
		n.pods.waiting--
		if p.restored {
			n.pods.restoring--
		} else {
			n.Counters.PodsCancelled++
			n.Counters.CensoredWait.Add(n.eng.Now() - p.firstAdd)
		}
		if n.events != nil {
			n.emit(Event{Kind: EvDel, Pod: p.retainedName(), Detail: "waiting"})
		}
	case podPending:
		n.pods.npending--
		if n.events != nil {
			n.emit(Event{Kind: EvDel, Pod: p.retainedName(), Detail: "unschedulable"})
		}
	case podRunning:
		n.ds.unassignPod(p.cidr, p.bit, n.eng.Now())
		if n.events != nil {
			n.emit(Event{Kind: EvDel, Pod: p.retainedName(), Addr: p.cidr.addr(int(p.bit)), ENI: p.cidr.eni.ID})
		}
	}
	*p = pod{nameBuf: p.nameBuf[:0]}
	n.pods.live--
	n.pods.free = append(n.pods.free, i)
	n.bindPending()
	n.afterEvent()
	n.wake()
}
