package ipam

import (
	"fmt"
	"math"

	"github.com/ipamsim/ipamsim/sim"
)

// Azure CNI's dynamic pod IP allocation (docs/policies.md A2): CNS's pool
// monitor sets the NodeNetworkConfig's requested IP count, in batches (v1) or
// by the v2 target formula, and the control plane makes the node hold that
// many addresses. Here the request is fulfilled with the same EC2 primitives
// as the VPC CNI (existing ENIs first, then new ENIs), and addresses marked
// PendingRelease are unassigned at once. Upstream: Azure/azure-container-networking
// @cbd7560 cns/ipampool/monitor.go (v1), cns/ipampool/v2/monitor.go,
// docs/feature/ipammath.

var azureParams = []ParamSpec{
	{"EnableIPAMv2", "false", "CNS config: the idempotent v2 monitor (target formula) instead of v1 batches (A2)"},
	{"BatchSize", "16", "NNC scaler: B, addresses per batch (A2, the design doc's AKS value)"},
	{"RequestThresholdPercent", "50", "NNC scaler: v1 grows when free < B·req%/100 (req% clamped to 1..100); v2 buffer = |req%|/100, unclamped (A2.6)"},
	{"ReleaseThresholdPercent", "150", "NNC scaler: v1 shrinks when free >= B·rel%/100; clamped to >= req%+100 (A2)"},
	{"MaxIPCount", "0", "NNC scaler: ceiling on the request; 0 = the node's max pods (as AKS's control plane writes it) within its ENI capacity, capped at DefaultMaxIPs 250 (A2)"},
	{"EnableSubnetScarcity", "false", "CNS config: on an exhausted subnet B=1 (v1 m=1, M=2; v2 buffer 1) (A2); exhausted here means fewer free addresses in the node's subnet than B"},
}

// azure is CNS's pool monitor, v1 or v2: its parameters.
type azure struct {
	V2             bool
	BatchSize      int
	RequestPercent int
	ReleasePercent int
	MaxIPCount     int
	SubnetScarcity bool
}

func buildAzure(v *paramValues) policyKind {
	a := &azure{
		V2:             v.bool("EnableIPAMv2"),
		BatchSize:      v.int("BatchSize", 1, 1<<16),
		RequestPercent: v.int("RequestThresholdPercent", -1<<16, 1<<16),
		ReleasePercent: v.int("ReleaseThresholdPercent", 0, 1<<16),
		MaxIPCount:     v.int("MaxIPCount", 0, 1<<16),
		SubnetScarcity: v.bool("EnableSubnetScarcity"),
	}
	return a
}

// azureClamp is v1 clampScaler (A2): B within [1, max], req% within [1, 100],
// rel% at least req% + 100.
func azureClamp(batch, reqPct, relPct, maxIPs int) (int, int, int) {
	batch = min(max(batch, 1), max(maxIPs, 1))
	reqPct = min(max(reqPct, 1), 100)
	relPct = max(relPct, reqPct+100)
	return batch, reqPct, relPct
}

// settings: CNS marks a released address Available at once, with no reuse
// cooldown (A2 rules have none).
func (*azure) settings() []string { return []string{"IP_COOLDOWN_PERIOD=0"} }

// attach: the loop's period is v1's DefaultRefreshDelay (1 s); v2 reacts to
// demand events, which the loop sees within the same second (A2).
func (a *azure) attach(o Ops) Controller {
	n := &azureNode{azure: a, ops: o, info: o.Node()}
	return Controller{Period: sim.Second, PreScale: n.preScale, Pass: n.pass, NextTimer: n.nextTimer}
}

// azureNode is one node's monitor.
type azureNode struct {
	*azure
	ops     Ops
	info    NodeInfo
	request int // NodeNetworkConfig spec.requestedIPCount
}

// azureMinFree is v1 CalculateMinFreeIPs, m = B·req%/100 truncated (A2).
func azureMinFree(batch, reqPct int) int { return int(float64(batch) * (float64(reqPct) / 100)) }

// azureMaxFree is v1 CalculateMaxFreeIPs, M = B·rel%/100 truncated (A2).
func azureMaxFree(batch, relPct int) int { return int(float64(batch) * (float64(relPct) / 100)) }

// azureV1 is one v1 reconcile (A2 v1 rule): free = requested − assigned; below
// m the request grows by one batch (capped at max); at or above M it drops to
// the previous multiple of B and that many addresses are to be released.
func azureV1(request, assigned, batch, minFree, maxFree, maxIPs int) (newRequest, release int) {
	free := request - assigned
	switch {
	case free < minFree:
		if request >= maxIPs {
			return request, 0
		}
		return min(request+batch, maxIPs), 0
	case free >= maxFree:
		next := request - batch
		if mod := request % batch; mod != 0 {
			next = request - mod
		}
		next = max(next, 0)
		return next, request - next
	}
	return request, 0
}

// azureV2Target is v2 calculateTargetIPCountOrMax (A2 v2 rule):
// B·⌈buffer + U/B⌉ clamped to max.
func azureV2Target(demand, batch, maxIPs int, buffer float64) int {
	t := batch * int(math.Ceil(buffer+float64(demand)/float64(batch)))
	return min(t, maxIPs)
}

// azureDefaultMaxIPs is v2's DefaultMaxIPs, the ceiling on any scaler max
// (A2).
const azureDefaultMaxIPs = 250

// scaler is the node's NNC scaler after clampScaler (A2): max is MaxIPCount,
// or what AKS's control plane writes there, the node's max pods — here also
// capped at the addresses the node's ENIs can hold (EKS max pods counts two
// host-network pods beyond them) — and never above DefaultMaxIPs.
func (a *azureNode) scaler() (batch, reqPct, relPct, maxIPs int) {
	maxIPs = a.MaxIPCount
	if maxIPs == 0 {
		maxIPs = min(a.info.MaxPods, a.info.Limits.MaxENIs*a.info.Limits.IPsPerENI())
	}
	maxIPs = min(max(maxIPs, 1), azureDefaultMaxIPs)
	batch, reqPct, relPct = azureClamp(a.BatchSize, a.RequestPercent, a.ReleasePercent, maxIPs)
	return batch, reqPct, relPct, maxIPs
}

// PreScale: the first reconcile sets the initial request (v1: free 0 < m →
// one batch; v2: B·⌈mf⌉), which is fulfilled before the node takes pods (A2).
func (a *azureNode) preScale() bool {
	a.reconcile()
	return true
}

// pass is one reconcile.
func (a *azureNode) pass() (idle bool) { return !a.reconcile() }

// reconcile is one monitor reconcile (A2: v1 every 1 s, v2 on demand events)
// and the control plane fulfilling the request: addresses marked
// PendingRelease are unassigned, a request above what the node holds is
// topped up. It reports whether anything changed or an EC2 call was made.
func (a *azureNode) reconcile() (acted bool) {
	s, o := a, a.ops
	st := o.Stats()
	batch, reqPct, relPct, maxIPs := a.scaler()
	exhausted := a.SubnetScarcity && a.info.Subnet.Free() < batch
	before := s.request
	release := 0
	if a.V2 {
		// v2 takes |RequestThresholdPercent|/100 as it is, without v1's
		// clampScaler (A2.6; v2/monitor.go Start).
		buffer := math.Abs(float64(a.RequestPercent)) / 100
		if exhausted {
			batch, buffer = 1, 1
		}
		target := azureV2Target(st.AssignedIPs, batch, maxIPs, buffer)
		release = max(s.request-target, 0)
		s.request = target
	} else {
		minFree, maxFree := azureMinFree(batch, reqPct), azureMaxFree(batch, relPct)
		if exhausted {
			batch, minFree, maxFree = 1, 1, 2
		}
		s.request, release = azureV1(s.request, st.AssignedIPs, batch, minFree, maxFree, maxIPs)
	}
	changed := s.request != before
	if (changed || release > 0) && o.Logging() {
		o.Log(Event{Kind: EvPass, Detail: fmt.Sprintf("request %d → %d (assigned %d, batch %d, max %d), release %d",
			before, s.request, st.AssignedIPs, batch, maxIPs, release)})
	}
	if release > 0 {
		// MarkIPAsPendingRelease picks addresses no pod holds, and refuses
		// when there are not that many: the request then stays.
		if freeCIDRAddrs(o) >= release {
			released := releaseFree(o, release, 0)
			if !a.V2 {
				s.request = before - released
			}
			return s.request != before || released > 0
		}
		s.request, changed = before, false
	}
	if total := o.Stats().TotalIPs; total < s.request {
		_, called := growBy(o, s.request-total, 0)
		return changed || called
	}
	return changed
}

// nextTimer: without a pod event only an unfulfilled request needs another
// look; v2's 60 s reconcile recomputes the same target (A2).
func (a *azureNode) nextTimer() (sim.Time, bool) {
	if a.ops.Stats().TotalIPs < a.request {
		return a.ops.Now() + sim.Second, true
	}
	return 0, false
}
