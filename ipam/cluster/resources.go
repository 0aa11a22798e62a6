package cluster

import (
	"fmt"
	"strings"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// Requests are a pod's CPU and memory requests as the scheduler counts them
// (docs/model.md §10.1): millicores and bytes, 0 meaning none given.
type Requests struct {
	CPUMilli    int64
	MemoryBytes int64
}

// IsZero reports whether neither request is given.
func (r Requests) IsZero() bool { return r.CPUMilli == 0 && r.MemoryBytes == 0 }

func (r Requests) add(o Requests) Requests {
	return Requests{r.CPUMilli + o.CPUMilli, r.MemoryBytes + o.MemoryBytes}
}

func (r Requests) sub(o Requests) Requests {
	return Requests{r.CPUMilli - o.CPUMilli, r.MemoryBytes - o.MemoryBytes}
}

// The requests kube-scheduler's scoring assumes for a container that gives
// none (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest),
// so that pods without requests still spread (§10.4).
const (
	NonZeroCPUMilli    = 100
	NonZeroMemoryBytes = 200 << 20
)

// nonZero is r as the scoring counts it: each missing request replaced by
// its default (§10.4; a pod counts as one container).
func (r Requests) nonZero() Requests {
	if r.CPUMilli == 0 {
		r.CPUMilli = NonZeroCPUMilli
	}
	if r.MemoryBytes == 0 {
		r.MemoryBytes = NonZeroMemoryBytes
	}
	return r
}

// DefaultDaemonSetRequests are the daemonset pods' requests on every node
// when a group gives none (§10.3): the two daemonsets EKS installs,
// aws-node (VPC CNI v1.23.1 config/master/aws-k8s-cni.yaml: the aws-node
// and aws-eks-nodeagent containers request 25m CPU each, the init container
// 25m, so the pod requests 50m) and kube-proxy (the EKS add-on's DaemonSet,
// e.g. v1.28.1-minimal-eksbuild.1: 100m CPU). Neither requests memory.
var DefaultDaemonSetRequests = Requests{CPUMilli: 150}

// Shape is what the scheduler and the autoscaler know of a group's nodes
// (docs/model.md §10): their allocatable resources, the daemonset pods'
// requests, and the pods a node takes.
type Shape struct {
	// Known is false for an instance type without vCPU and memory data
	// (catalog.InstanceType.HasResources): the cluster then schedules by max
	// pods alone (§10.2).
	Known bool
	// Allocatable is the kubelet's allocatable CPU and memory (§10.2).
	Allocatable Requests
	// DaemonSet are the daemonset pods' requests (§10.3).
	DaemonSet Requests
	// PodSlots is the pods a node takes besides its daemonset pods: max pods
	// minus daemonset pods (§5, §10.3).
	PodSlots int
	// MaxPods is the node's kubelet max pods, and MaxPodsSource where it
	// comes from (ipam.Node.MaxPodsSource).
	MaxPods       int
	MaxPodsSource string
}

// Limit names what bounds the pods of one size that fit on a node.
type Limit string

// The limits PodsPerNode reports.
const (
	LimitMaxPods Limit = "max-pods"
	LimitCPU     Limit = "cpu"
	LimitMemory  Limit = "memory"
)

// PodsPerNode returns how many pods requesting r fit on an empty node of
// this shape, and what limits them: its pod slots, or its allocatable CPU or
// memory after the daemonset pods (§10.5). Where two limits give the same
// number, both are named ("cpu+memory"), max pods first.
func (s Shape) PodsPerNode(r Requests) (int, Limit) {
	n, limits := s.PodSlots, []string{string(LimitMaxPods)}
	if !s.Known {
		return n, LimitMaxPods
	}
	consider := func(free, req int64, l Limit) {
		if req <= 0 {
			return
		}
		k := int64(0)
		if free > 0 {
			k = free / req
		}
		switch {
		case k < int64(n):
			n, limits = int(k), []string{string(l)}
		case k == int64(n):
			limits = append(limits, string(l))
		}
	}
	free := s.Allocatable.sub(s.DaemonSet)
	if !r.IsZero() {
		consider(free.CPUMilli, r.CPUMilli, LimitCPU)
		consider(free.MemoryBytes, r.MemoryBytes, LimitMemory)
	}
	return n, Limit(strings.Join(limits, "+"))
}

// fitsEmpty reports whether a pod requesting r fits on a new node of this
// shape (§10.5, §10.7).
func (s Shape) fitsEmpty(r Requests) bool {
	return s.PodSlots > 0 && fits(s.Known, s.Allocatable, s.DaemonSet, r)
}

// fits is NodeResourcesFit's filter (§10.5): a pod requesting nothing
// always fits; otherwise each resource it requests, and each one already
// over-committed, must have room: r ≤ allocatable − requested.
func fits(known bool, alloc, requested, r Requests) bool {
	if !known || r.IsZero() {
		return true
	}
	return r.CPUMilli <= alloc.CPUMilli-requested.CPUMilli && r.MemoryBytes <= alloc.MemoryBytes-requested.MemoryBytes
}

// maxNodeScore is kube-scheduler's framework.MaxNodeScore.
const maxNodeScore = 100

// score is NodeResourcesFit's score of a node whose pods' non-zero requests
// sum to requested (daemonset pods included) for a pod whose non-zero
// requests are pod: LeastAllocated's or MostAllocated's, with cpu and
// memory weighted 1 each, in integers as the scheduler computes it (§10.6).
func score(p Placement, alloc, requested, pod Requests) int64 {
	var sum, weights int64
	one := func(capacity, req int64) {
		if capacity == 0 {
			return // the scheduler leaves a resource with nothing allocatable out
		}
		var s int64
		switch {
		case p == MostAllocated:
			s = min(req, capacity) * maxNodeScore / capacity
		case req > capacity:
			s = 0
		default:
			s = (capacity - req) * maxNodeScore / capacity
		}
		sum += s
		weights++
	}
	req := requested.add(pod)
	one(alloc.CPUMilli, req.CPUMilli)
	one(alloc.MemoryBytes, req.MemoryBytes)
	if weights == 0 {
		return 0
	}
	return sum / weights
}

// GroupShape returns the shape of group gs's nodes (§10.2, §10.3): the
// allocatable resources of its instance type as the EKS AMIs reserve them
// (catalog.Allocatable, with the memory reservation for the type's
// eni-max-pods figure, which the AMIs use whatever the kubelet's max pods
// is), its daemonset pods' requests, and its max pods as its nodes run them
// (ipam.Config.MaxPods: the group's, else the node's default for its
// settings, §5.13).
func GroupShape(gs GroupSpec, profile ec2.Profile) (Shape, error) {
	g := &Group{Spec: gs}
	if err := g.initShape(profile); err != nil {
		return Shape{}, err
	}
	return g.shape, nil
}

// initShape fills g.shape from its spec, checking the group's node
// configuration on a scratch engine and subnet (so that joins later cannot
// fail on it) to learn the max pods its nodes run with.
func (g *Group) initShape(profile ec2.Profile) error {
	gs := &g.Spec
	ds := DefaultDaemonSetRequests
	if gs.DaemonSetRequests != nil {
		ds = *gs.DaemonSetRequests
	}
	if ds.CPUMilli < 0 || ds.MemoryBytes < 0 {
		return fmt.Errorf("node group %q: daemonset requests must not be negative", gs.Name)
	}
	dsPods := gs.DaemonSetPods
	if dsPods < 0 {
		dsPods = 2
	}
	node, _, err := ipam.NewNode(sim.NewEngine(), ipam.Config{Name: gs.Name, Instance: gs.Instance,
		Settings: gs.Settings, MaxPods: gs.MaxPods, MaxPodsFrom: gs.MaxPodsFrom, Profile: profile, Policy: gs.Policy})
	if err != nil {
		return fmt.Errorf("node group %q: %v", gs.Name, err)
	}
	s := Shape{DaemonSet: ds, MaxPods: node.MaxPods(), MaxPodsSource: node.MaxPodsSource(), PodSlots: max(node.MaxPods()-dsPods, 0)}
	if it := gs.Instance; it.HasResources {
		cpu, mem, err := catalog.Allocatable(it, catalog.MaxPods(it, catalog.MaxPodsOptions{}))
		if err != nil {
			return fmt.Errorf("node group %q: %v", gs.Name, err)
		}
		s.Known = true
		s.Allocatable = Requests{CPUMilli: int64(cpu), MemoryBytes: int64(mem) << 20}
	}
	g.shape = s
	return nil
}
