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
)

type pod struct {
	name     string
	state    podState
	firstAdd sim.Time
	cidr     *CIDR
	bit      uint8
	retry    sim.EventID
	failed   bool
}

type podTable struct {
	pods    []pod
	free    []int32
	byName  map[string]int32 // pods added by name (not by handle)
	live    int
	waiting int
}

// PodInfo is what the node knows of a pod: the zero PodInfo for a pod it
// does not know.
type PodInfo struct {
	Live     bool       // added and not deleted
	Addr     netip.Addr // its address; the zero Addr while it waits for one
	ENI      ENIID      // the ENI of its address
	Waited   bool       // its first ADD failed
	FirstAdd sim.Time
}

// Pod returns what the node knows of a live pod.
func (n *Node) Pod(name string) PodInfo {
	i, ok := n.pods.byName[name]
	if !ok {
		return PodInfo{}
	}
	p := &n.pods.pods[i]
	info := PodInfo{Live: true, Waited: p.failed, FirstAdd: p.firstAdd}
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
		if p := &n.pods.pods[i]; p.state == podWaiting {
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
	if _, dup := n.pods.byName[string(name)]; dup {
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	return n.AddPodNamed(string(name))
}

// AddPodNamed is AddPod for a caller that already holds the name as a string
// (no copy is made).
func (n *Node) AddPodNamed(name string) error {
	if _, dup := n.pods.byName[name]; dup {
		// Refused without touching the index: the live pod keeps its entry.
		return &PodError{fmt.Sprintf("add of pod %q, which is already live", name)}
	}
	n.pods.byName[name] = n.addPod(name)
	return nil
}

// PodHandle names a live pod on a node without a name lookup (cluster mode,
// where the cluster keeps the index).
type PodHandle int32

// AddPodHandle is AddPod for a caller that tracks its pods itself: the node
// keeps no name index for it, so Pod(name) does not find it. The caller must
// not add the same name twice.
func (n *Node) AddPodHandle(name string) PodHandle { return PodHandle(n.addPod(name)) }

func (n *Node) addPod(name string) int32 {
	n.observe(n.eng.Now())
	n.ds.advance(n.eng.Now())
	var i int32
	if k := len(n.pods.free); k > 0 {
		i = n.pods.free[k-1]
		n.pods.free = n.pods.free[:k-1]
	} else {
		n.pods.pods = append(n.pods.pods, pod{})
		i = int32(len(n.pods.pods) - 1)
	}
	n.pods.pods[i] = pod{name: name, state: podWaiting, firstAdd: n.eng.Now()}
	n.pods.live++
	n.pods.waiting++
	n.Counters.PodsAdded++
	n.tryAssign(i)
	n.afterEvent()
	n.wake()
	return i
}

// tryAssign is one CNI ADD for a waiting pod (§3): AssignPodIPv4Address if
// ipamd is up, else the ADD fails; a failed ADD counts
// awscni_no_available_ip_addresses and the kubelet retries it later.
func (n *Node) tryAssign(i int32) {
	p := &n.pods.pods[i]
	n.Counters.AddRequests++
	now := n.eng.Now()
	if n.ready {
		c, b, ok := n.ds.assignPod()
		if !ok {
			if n.ctrl.AllocateOnADD != nil && n.ctrl.AllocateOnADD() {
				c, b, ok = n.ds.assignPod()
			}
		}
		if ok {
			p.state = podRunning
			p.cidr, p.bit = c, b
			n.pods.waiting--
			n.Counters.PodsAssigned++
			if p.failed {
				n.Counters.PodsWaited++
			}
			n.Counters.Wait.Add(now - p.firstAdd)
			if n.cfg.Events != nil {
				n.emit(Event{Kind: EvAdd, Pod: p.name, Addr: c.addr(int(b)), ENI: c.eni.ID, Took: now - p.firstAdd})
			}
			return
		}
		n.Counters.NoAvailableIP++ // ErrNoAvailableIPInDataStore (§3)
	} else {
		n.Counters.AddsBeforeReady++
	}
	p.failed = true
	d := n.kubeletRetry()
	p.retry = n.eng.After(d, n, evPodRetry|int64(i)<<8)
	if n.cfg.Events != nil {
		why := "no-address"
		if !n.ready {
			why = "before-ready"
		}
		n.emit(Event{Kind: EvAdd, Pod: p.name, Detail: why, Delay: d})
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
	i, ok := n.pods.byName[string(name)]
	if !ok {
		return &PodError{fmt.Sprintf("del of pod %q, which is not live", name)}
	}
	delete(n.pods.byName, n.pods.pods[i].name)
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
		n.Counters.PodsCancelled++
		n.Counters.CensoredWait.Add(n.eng.Now() - p.firstAdd)
		if n.cfg.Events != nil {
			n.emit(Event{Kind: EvDel, Pod: p.name, Detail: "waiting"})
		}
	case podRunning:
		n.ds.unassignPod(p.cidr, p.bit, n.eng.Now())
		if n.cfg.Events != nil {
			n.emit(Event{Kind: EvDel, Pod: p.name, Addr: p.cidr.addr(int(p.bit)), ENI: p.cidr.eni.ID})
		}
	}
	*p = pod{}
	n.pods.live--
	n.pods.free = append(n.pods.free, i)
	n.afterEvent()
	n.wake()
}
