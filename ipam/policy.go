package ipam

import (
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// Policy is a pool policy: how a node's pool of addresses grows and shrinks.
// The VPC CNI's ipamd is the default (vpccni.go); the other CNIs' policies
// (policy_*.go, docs/policies.md A1–A6) run on the same ENI and EC2 model, so
// their EC2 calls and throttling compare. A Policy value holds only the
// policy's parameters: one value may serve many nodes, each with the
// Controller Attach builds for it.
type Policy interface {
	// Name is the policy's --policy spelling.
	Name() string
	// Settings are the VPC CNI variables (KEY=VALUE) a node must run with
	// under the policy, applied over the user's: IP_COOLDOWN_PERIOD=0 for
	// agents that hand a released address out again at once, prefix mode
	// where a policy holds whole blocks as /28s. NewNode applies them.
	Settings() []string
	// Attach builds the policy's controller for one node, which keeps that
	// node's state. It is called when the node is built; the controller
	// acts only from start-up on (PreScale).
	Attach(n Ops) Controller
}

// Controller is a policy's work on one node, as the node's pool loop runs it:
// a descriptor whose optional parts may be nil.
type Controller struct {
	// Period is the pool loop's period; zero is ipamd's 5 s
	// ipPoolMonitorInterval (§2 Cadence).
	Period sim.Time
	// PreScale runs once at start-up, before the node answers ADDs; false
	// means start-up failed, and it is retried 10 s later (§2 Startup). It
	// may block on Ops' actions.
	PreScale func() (ok bool)
	// Pass is one pass of the pool loop. idle reports that it did nothing
	// and would do nothing again until pods change. It may block.
	Pass func() (idle bool)
	// NextTimer reports when, with no pod arriving or leaving, an idle pass
	// could first act (pending false: never), so that the loop can sleep
	// through the passes before it. Nil keeps the loop passing every period.
	NextTimer func() (at sim.Time, pending bool)
	// NeedsPass reports, cheaply and without side effects, whether a pass
	// now could act at all: a sleeping loop is not woken for a pod event
	// after which it is false. Nil wakes it for every pod event.
	NeedsPass func() bool
	// AllocateOnADD, if not nil, is called by a CNI ADD that found no free
	// address, before the ADD fails; it reports whether the node gained
	// addresses (Calico claims a block in its ADD, A6). It must not block.
	AllocateOnADD func() bool
}

// NodeInfo is what a node is, fixed for its life.
type NodeInfo struct {
	Name     string
	Seed     uint64
	Instance catalog.InstanceType
	Settings Settings // in effect: the user's, the policy's, the PD fallback (§1)
	Limits   Limits
	MaxPods  int         // the kubelet's max pods (§5)
	Subnet   *vpc.Subnet // the subnet of the primary ENI
}

// Ops is a policy's view of its node and the actions it may take there. The
// actions (AssignIPs … Sleep) block the pool loop for as long as their EC2
// calls take; only PreScale and Pass may call them.
type Ops interface {
	// Node is what the node is.
	Node() NodeInfo
	// Now is the simulated time.
	Now() sim.Time
	// Stats are the datastore's counts now.
	Stats() Stats
	// Waiting is the number of pods whose ADD failed and who wait for the
	// kubelet's retry.
	Waiting() int
	// PodChanges counts the events that changed the set of addresses in use
	// so far: an address handed out, or a pod holding one deleted.
	PodChanges() uint64
	// ENIs returns the ENIs in attach order, the primary first. The slice
	// must not be modified.
	ENIs() []*ENI
	// WalkENIs returns the ENIs in the order upstream's walk over its ENI
	// map (eniPool) visits them: attach order in first-fit, Go's map order
	// in go-map (§3.7; GetAllocatableENIs, §2.18).
	WalkENIs() []*ENI
	// WalkENIInfos returns the ENIs in the order ipamd's walk over
	// GetENIInfos' fresh copy of the ENI map visits them (tryUnassignCidrsFromAll,
	// §2.28): attach order in first-fit; in go-map the copy is filled by a
	// walk of eniPool and walked again, so the order differs from WalkENIs'.
	WalkENIInfos() []*ENI
	// FreeableCIDRs returns, in walk order, an ENI's CIDRs that no pod holds
	// (upstream FindFreeableCidrs; cooling addresses do not count as held).
	FreeableCIDRs(e *ENI) []*CIDR
	// DeletableENI returns the first ENI, in walk order, that upstream's
	// getDeletableENI would free under the node's settings, or nil (§2
	// "Freeing an ENI").
	DeletableENI() *ENI
	// NextExpiry returns when the next cooling address leaves cooldown.
	NextExpiry() (at sim.Time, ok bool)
	// Logging reports whether the node keeps an event log (Config.Events),
	// so that a controller explains its decisions only when it does.
	Logging() bool
	// Log adds an event, typically an EvPass verdict, to the node's log
	// (if it keeps one), at the time now.
	Log(e Event)

	// AssignIPs is one AssignPrivateIpAddresses for count secondary IPs or
	// prefixes on e, with upstream's fallback to a single one on failure
	// (§2 step 1, §7). It returns OK if the pool grew, else the last error.
	AssignIPs(e *ENI, count int) ec2.ErrCode
	// AllocENI creates and attaches a new ENI with count secondary IPs or
	// prefixes (§2 step 2, §7).
	AllocENI(count int) ec2.ErrCode
	// ReleaseCIDRs returns CIDRs of e that no pod holds: they leave the
	// datastore, then go back to EC2 (§2 "Releasing").
	ReleaseCIDRs(e *ENI, cs []*CIDR)
	// FreeENI takes an ENI without pods out of the datastore, then detaches
	// and deletes it (§2 "Freeing an ENI").
	FreeENI(e *ENI)
	// Describe makes an EC2 describe call, which changes nothing here
	// (DescribeNetworkInterfaces, DescribeSubnets).
	Describe(api ec2.API) ec2.ErrCode
	// Sleep blocks the pool loop for d.
	Sleep(d sim.Time)
	// HoldBlock takes a block of size addresses (a power of two) from the
	// node's subnet and makes them assignable on the primary ENI with no EC2
	// call (A5, A6: as /28s in prefix mode, else /32s), or reports that the
	// subnet or the ENI cannot hold it.
	HoldBlock(size int) ([]*CIDR, bool)
	// DropBlock returns a held block that no pod uses to the subnet.
	DropBlock(cs []*CIDR)
}
