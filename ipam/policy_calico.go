package ipam

import (
	"github.com/ipamsim/ipamsim/sim"
)

// Calico IPAM blocks (docs/policies.md A6): each host claims blocks of
// 2^(32−blockSize) addresses (a /26, 64, by default) from the pool as its pods
// need them and hands pod addresses out of its affine blocks; kube-controllers
// release a block once it is empty. Here the pool is the node's subnet and a
// block is held on the node without ENI or EC2 calls (Calico IPAM writes its
// datastore, not EC2). Upstream: projectcalico/calico
// libcalico-go/lib/ipam/ipam.go (autoAssign), kube-controllers
// pkg/controllers/node/ipam.go (releaseUnusedBlocks), docs.tigera.io
// reference/resources/ippool and ipamconfig.

var calicoParams = []ParamSpec{
	{"blockSize", "26", "IPPool blockSize: blocks of 2^(32-blockSize) addresses (A6); 22–28 here, as blocks are kept as /28s"},
	{"maxBlocksPerHost", "0", "IPAMConfig: blocks one host may claim; 0 means 20 (A6)"},
	{"strictAffinity", "false", "IPAMConfig: forbid borrowing from other hosts' blocks (A6); a lone node has none to borrow"},
	{"leakGracePeriod", "15m", "kube-controllers: an empty block is released after this long, if its host keeps another (releaseUnusedBlocks)"},
}

// calicoDefaultMaxBlocks is what maxBlocksPerHost 0 means (A6).
const calicoDefaultMaxBlocks = 20

// calico is calico-ipam with kube-controllers' block release: its
// parameters.
type calico struct {
	BlockSize        int // prefix length
	MaxBlocksPerHost int // 0: 20
	StrictAffinity   bool
	LeakGracePeriod  sim.Time
}

type calicoBlock struct {
	cidrs      []*CIDR
	emptySince sim.Time
	empty      bool // seen empty by a sync (blockReleaseTracker.markEmpty)
}

// calicoNode is one host's blocks.
type calicoNode struct {
	*calico
	ops         Ops
	blocks      []*calicoBlock // claim order, which is address order in a fresh subnet
	changesSeen uint64
	nextSync    sim.Time
}

func buildCalico(v *paramValues) policyKind {
	return &calico{
		BlockSize:        v.int("blockSize", 22, 28),
		MaxBlocksPerHost: v.int("maxBlocksPerHost", 0, 1<<16),
		StrictAffinity:   v.bool("strictAffinity"),
		LeakGracePeriod:  v.duration("leakGracePeriod", false),
	}
}

// attach: the loop's period is kube-controllers' consolidation window (1 s)
// for the block release; claims happen in the ADD itself (A6 rules 1–2).
func (c *calico) attach(o Ops) Controller {
	n := &calicoNode{calico: c, ops: o}
	return Controller{Period: sim.Second, PreScale: n.preScale, Pass: n.pass, NextTimer: n.nextTimer,
		AllocateOnADD: n.allocateOnADD}
}

// settings: blocks are kept as /28 CIDRs with no ENI call (A6 "blocks
// claimed from the node's subnet"), and Calico reuses a freed address without
// a cooldown.
func (*calico) settings() []string {
	return []string{"IP_COOLDOWN_PERIOD=0", "ENABLE_PREFIX_DELEGATION=true", "WARM_PREFIX_TARGET=1"}
}

// calicoBlockAddrs is a block's size: 2^(32−blockSize) (A6: /26 = 64).
func calicoBlockAddrs(blockSize int) int { return 1 << (32 - blockSize) }

// calicoMaxBlocks is maxBlocksPerHost with 0 meaning 20 (A6).
func calicoMaxBlocks(maxBlocksPerHost int) int {
	if maxBlocksPerHost <= 0 {
		return calicoDefaultMaxBlocks
	}
	return maxBlocksPerHost
}

// calicoCanClaim is autoAssign's step 2/3 (A6): a host with no free address
// in its affine blocks claims a new one while it owns fewer than the limit;
// at the limit it gets ErrBlockLimit. Borrowing (step 4) needs another host's
// block with room, which a lone node does not have.
func calicoCanClaim(owned, maxBlocksPerHost int) bool {
	return owned < calicoMaxBlocks(maxBlocksPerHost)
}

// syncPeriod is kube-controllers' periodic IPAM sync, half the leak grace
// period, at which empty blocks are released (A6 Release).
func (c *calico) syncPeriod() sim.Time { return max(c.LeakGracePeriod/2, sim.Second) }

// preScale claims nothing: the first pod's ADD claims the first block (A6).
func (s *calicoNode) preScale() bool {
	s.changesSeen, s.nextSync = s.ops.PodChanges(), s.ops.Now()+s.syncPeriod()
	return true
}

// allocateOnADD is the claim inside the CNI ADD (A6 rule 2): called when the
// node's blocks have no free address, it claims one more block from the
// subnet if the host may. It reports whether the node gained addresses.
func (s *calicoNode) allocateOnADD() bool {
	if !calicoCanClaim(len(s.blocks), s.MaxBlocksPerHost) {
		return false // ErrBlockLimit
	}
	cs, ok := s.ops.HoldBlock(calicoBlockAddrs(s.BlockSize))
	if !ok {
		return false // no free block in the pool
	}
	s.blocks = append(s.blocks, &calicoBlock{cidrs: cs})
	return true
}

// pass releases blocks (A6 Release; kube-controllers releaseUnusedBlocks) at
// each IPAM sync: after a pod changed a block, and every half grace period. Until the
// ADD path claims blocks itself, it also claims one for pods that found no
// address.
func (s *calicoNode) pass() (idle bool) {
	o := s.ops
	now := o.Now()
	acted := false
	st := o.Stats()
	if o.Waiting() > 0 && st.TotalIPs-st.AssignedIPs == 0 && s.allocateOnADD() {
		acted = true
	}
	sync := o.PodChanges() != s.changesSeen
	s.changesSeen = o.PodChanges()
	for s.nextSync <= now {
		sync = true
		s.nextSync += s.syncPeriod()
	}
	if !sync {
		return !acted
	}
	kept := s.blocks[:0]
	for i, b := range s.blocks {
		if !blockEmpty(b) {
			b.empty = false // markInUse
			kept = append(kept, b)
			continue
		}
		// The host must keep another block (blocks still to be looked at
		// count); only then does markEmpty start the grace period.
		if others := len(kept) + len(s.blocks) - i - 1; others < 1 {
			kept = append(kept, b)
			continue
		}
		if !b.empty {
			b.empty, b.emptySince = true, now
		}
		if now-b.emptySince >= s.LeakGracePeriod {
			o.DropBlock(b.cidrs)
			acted = true
			continue
		}
		kept = append(kept, b)
	}
	clear(s.blocks[len(kept):])
	s.blocks = kept
	return !acted
}

func blockEmpty(b *calicoBlock) bool {
	for _, cd := range b.cidrs {
		if cd.Assigned() != 0 {
			return false
		}
	}
	return true
}

// nextTimer: the first periodic sync at or after an empty block's grace
// period ends, while its host keeps another block (A6 Release).
func (s *calicoNode) nextTimer() (sim.Time, bool) {
	ts := soonest{now: s.ops.Now()}
	if len(s.blocks) < 2 {
		return 0, false
	}
	for _, b := range s.blocks {
		if !b.empty {
			continue
		}
		due, at := b.emptySince+s.LeakGracePeriod, s.nextSync
		if due > at {
			k := (due - at + s.syncPeriod() - 1) / s.syncPeriod()
			at += k * s.syncPeriod()
		}
		ts.add(at)
	}
	return ts.at, ts.pending
}
