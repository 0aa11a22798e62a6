package ipam

import (
	"math/bits"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/sim"
)

// Static per-node pod CIDRs (docs/policies.md A5): GKE VPC-native, Cilium
// cluster-pool and kubenet give each node a fixed block sized from its max
// pods when the node is created, and take it back only when the node is
// deleted. There is no warm pool and no ENI or EC2 action: the block is held
// on the node (its primary interface, as a GKE alias range) from start to
// end.

var staticParams = []ParamSpec{
	{"max-pods-per-node", "0", "the block is the smallest power of two >= 2 x max pods (A5 table); 0 = the instance type's eni-max-pods.txt figure"},
}

// static reserves a fixed block per node: its parameter.
type static struct {
	MaxPodsPerNode int // 0: the type's eni-max-pods.txt figure
}

func buildStatic(v *paramValues) policyKind {
	return &static{MaxPodsPerNode: v.int("max-pods-per-node", 0, 1<<16)}
}

// settings: the block is kept as /28 CIDRs of the primary ENI with no ENI
// action (A5); WARM_PREFIX_TARGET only silences the aws-node entrypoint
// check, which does not apply.
func (*static) settings() []string {
	return []string{"IP_COOLDOWN_PERIOD=0", "ENABLE_PREFIX_DELEGATION=true", "WARM_PREFIX_TARGET=1"}
}

// attach: the block neither grows nor shrinks, so passes do nothing and no
// timer runs (A5: no warm pool).
func (s *static) attach(o Ops) Controller {
	return Controller{PreScale: staticNode{s, o}.preScale, Pass: noPass, NextTimer: noTimer}
}

type staticNode struct {
	*static
	ops Ops
}

func noPass() (idle bool)       { return true }
func noTimer() (sim.Time, bool) { return 0, false }

// staticBlockSize is the node CIDR for a max-pods figure (A5 table): at least
// twice the max pods, a power of two, never smaller than a /28 (16).
func staticBlockSize(maxPods int) int {
	want := max(2*maxPods, 16)
	return 1 << bits.Len(uint(want-1))
}

// staticBlockBits is the prefix length of that block (A5 table: /28 … /24).
func staticBlockBits(maxPods int) int { return 32 - bits.TrailingZeros(uint(staticBlockSize(maxPods))) }

// preScale reserves the node's block from its subnet (A5: at node creation).
// A subnet without room for the block fails start-up, which is retried.
func (s staticNode) preScale() bool {
	// The VPC CNI node's max pods, not this node's: the prefix mode its
	// datastore runs in would give the prefix-delegation figure.
	mp := s.MaxPodsPerNode
	if mp == 0 {
		mp = catalog.MaxPods(s.ops.Node().Instance, catalog.MaxPodsOptions{})
	}
	_, ok := s.ops.HoldBlock(staticBlockSize(mp))
	return ok
}
