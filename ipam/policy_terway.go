package ipam

import (
	"fmt"
	"math/rand/v2"

	"github.com/ipamsim/ipamsim/sim"
)

// Terway's multi-IP pool (docs/policies.md A3): a min/max band on idle
// addresses plus an optional time-based reclaim. Upstream:
// AliyunContainerService/terway @89aadf8 pkg/controller/multi-ip/node/pool.go
// (addIP, adjustPool, handleStatus), docs/idle-ip-reclaim.md, docs/warm-up.md,
// charts/terway/templates/terwayd/configmap.yaml for the defaults.

var terwayParams = []ParamSpec{
	{"max_pool_size", "5", "idle addresses kept at most; the rest are released (A3)"},
	{"min_pool_size", "0", "idle addresses kept at least (A3)"},
	{"ip_warm_up_size", "0", "addresses allocated once at node start, 0 off (A3, docs/warm-up.md)"},
	{"idle_ip_reclaim_after", "", "time since the pool's last modification (growth or a pod given an address) before idle addresses are reclaimed; unset = off (A3.8, docs/idle-ip-reclaim.md)"},
	{"idle_ip_reclaim_interval", "10m", "time between reclaim checks (A3)"},
	{"idle_ip_reclaim_batch_size", "5", "idle addresses reclaimed per check at most (A3)"},
	{"idle_ip_reclaim_jitter_factor", "0.1", "jitter on the reclaim interval, d to d·(1+f) (wait.Jitter), drawn from the node's seeded RNG (A3.8)"},
	{"multiIPGCPeriod", "2m", "controlplane: the max_pool_size trim (adjustPool) runs at most this often (pool.go)"},
}

// terwayBatch is pool.go's batchSize: at most 10 addresses per ENI per
// AssignPrivateIpAddresses or UnassignPrivateIpAddresses.
const terwayBatch = 10

// terway is the Terway controlplane's per-node pool: its parameters.
type terway struct {
	MaxPoolSize   int
	MinPoolSize   int
	WarmUpSize    int
	ReclaimAfter  sim.Time // 0: reclaim off
	ReclaimEvery  sim.Time
	ReclaimBatch  int
	ReclaimJitter float64
	GCPeriod      sim.Time
}

// terwayNode is the controlplane's pool of one node.
type terwayNode struct {
	*terway
	ops          Ops
	changesSeen  uint64   // pod changes at the last reconcile
	assignedSeen int      // addresses in use at the last reconcile
	lastMod      sim.Time // Status.LastModifiedTime: the last growth or pod address assignment
	lastGC       sim.Time
	armed        bool     // Status.NextIdleIPReclaimTime is set
	nextReclaim  sim.Time // ... to this
	rng          *rand.Rand
}

func buildTerway(v *paramValues) policyKind {
	t := &terway{
		MaxPoolSize:   v.int("max_pool_size", 0, 1<<20),
		MinPoolSize:   v.int("min_pool_size", 0, 1<<20),
		WarmUpSize:    v.int("ip_warm_up_size", 0, 1<<20),
		ReclaimAfter:  v.duration("idle_ip_reclaim_after", true),
		ReclaimEvery:  v.duration("idle_ip_reclaim_interval", false),
		ReclaimBatch:  v.int("idle_ip_reclaim_batch_size", 1, 1<<20),
		ReclaimJitter: v.float("idle_ip_reclaim_jitter_factor", 0, 1),
		GCPeriod:      v.duration("multiIPGCPeriod", false),
	}
	if v.err == nil && t.MinPoolSize > t.MaxPoolSize {
		v.fail("min_pool_size", v.raw("min_pool_size"), "must not exceed max_pool_size")
	}
	return t
}

// settings: a released address is idle again at once (A3 has no reuse
// cooldown).
func (*terway) settings() []string { return []string{"IP_COOLDOWN_PERIOD=0"} }

// attach: the loop's period is the controller's reconcile of the A3 rule, at
// most once per second per node (pool.go: LastReconcileTime + 1 s).
func (t *terway) attach(o Ops) Controller {
	n := &terwayNode{terway: t, ops: o}
	return Controller{Period: sim.Second, PreScale: n.preScale, Pass: n.pass, NextTimer: n.nextTimer}
}

// terwayToAdd is addIP's demand (A3): max(0, min_pool_size + pending − idle).
func terwayToAdd(minPool, pending, idle int) int { return max(minPool+pending-idle, 0) }

// terwayToTrim is adjustPool's release (A3): idle beyond max_pool_size.
func terwayToTrim(maxPool, idle int) int { return max(idle-maxPool, 0) }

// toDel is calculateToDel (A3.3, A3.8), run with each max_pool_size trim:
// the idle addresses beyond max_pool_size (negative: none) and, with reclaim
// on, the reclaim timer. A pool modified less than idle_ip_reclaim_after ago
// disarms it; the first check after that only arms it, one jittered interval
// ahead; a check at or after it re-arms it and adds up to the batch size of
// idle addresses, never going below min_pool_size.
func (s *terwayNode) toDel(now sim.Time, idle int) int {
	toDel := terwayToTrim(s.MaxPoolSize, idle)
	if s.ReclaimAfter <= 0 {
		return toDel
	}
	switch {
	case s.lastMod+s.ReclaimAfter > now:
		s.armed = false
	case !s.armed:
		s.armed, s.nextReclaim = true, now+terwayJitter(s.rng, s.ReclaimEvery, s.ReclaimJitter)
	case s.nextReclaim <= now:
		s.nextReclaim = now + terwayJitter(s.rng, s.ReclaimEvery, s.ReclaimJitter)
		toDel += min(s.ReclaimBatch, max(0, idle-toDel-s.MinPoolSize))
	}
	return toDel
}

// terwayJitter is wait.Jitter(d, factor), the reclaim interval's jitter
// (A3.8): d plus up to factor·d, never less than d.
func terwayJitter(r *rand.Rand, d sim.Time, factor float64) sim.Time {
	if factor <= 0 {
		return d
	}
	return d + sim.Time(float64(d)*factor*r.Float64())
}

// preScale is the one-off warm-up (A3 ip_warm_up_size) and the min_pool_size
// floor, before the node takes pods. The reclaim jitter comes from the node's
// own stream, derived from its seed and name (A3: jitter, never global
// randomness); LastGCTime starts at zero upstream, so the first reconcile
// trims.
func (s *terwayNode) preScale() bool {
	o := s.ops
	now := o.Now()
	info := o.Node()
	s.changesSeen, s.lastMod, s.lastGC = o.PodChanges(), now, now-s.GCPeriod
	s.rng = sim.NewRand(info.Seed, info.Name+"/terway-reclaim")
	if want := max(s.WarmUpSize, s.MinPoolSize); want > 0 {
		if _, called := growBy(o, want, terwayBatch); called {
			s.lastMod = o.Now()
		}
	}
	return true
}

// pass is one reconcile (A3 rule): addIP for pending pods and the floor, then
// adjustPool if multiIPGCPeriod has passed since the last one: the
// max_pool_size trim and the reclaim timer (toDel). The controller
// reconciles a node when its pods change; adjustPool is taken to run on time
// even without a pod event. A pod given an address since the last reconcile
// moves LastModifiedTime (A3.8: assignIPFromLocalPool), as growth does.
func (s *terwayNode) pass() (idle bool) {
	o := s.ops
	now := o.Now()
	if o.PodChanges() == s.changesSeen && terwayToAdd(s.MinPoolSize, o.Waiting(), s.idle()) == 0 && now < s.lastGC+s.GCPeriod {
		return true // nothing triggers a reconcile
	}
	// Assignments since the last reconcile: PodChanges counts them and the
	// deletes of pods that held an address, AssignedIPs their difference.
	assigned := o.Stats().AssignedIPs
	if assigns := (int(o.PodChanges()-s.changesSeen) + assigned - s.assignedSeen) / 2; assigns > 0 {
		s.lastMod = now
	}
	s.changesSeen, s.assignedSeen = o.PodChanges(), assigned
	acted := false
	if add := terwayToAdd(s.MinPoolSize, o.Waiting(), s.idle()); add > 0 {
		if o.Logging() {
			s.explain("add %d = min_pool_size %d + pending %d − idle %d", add, s.MinPoolSize, o.Waiting(), s.idle())
		}
		if _, called := growBy(o, add, terwayBatch); called {
			acted = true
			s.lastMod = o.Now()
		}
	}
	if now := o.Now(); now >= s.lastGC+s.GCPeriod {
		s.lastGC = now
		if k := s.toDel(now, s.idle()); k > 0 {
			if o.Logging() {
				s.explain("release %d: idle %d, max_pool_size %d, reclaim %s after the last modification (%s ago)",
					k, s.idle(), s.MaxPoolSize, s.ReclaimAfter, now-s.lastMod)
			}
			acted = true
			releaseFree(o, k, terwayBatch)
		}
	}
	return !acted
}

// explain logs a reconcile's decision (callers check Logging first, so that
// a node without a log formats nothing).
func (s *terwayNode) explain(format string, args ...any) {
	s.ops.Log(Event{Kind: EvPass, Detail: fmt.Sprintf(format, args...)})
}

// idle is the addresses the node holds that no pod uses.
func (s *terwayNode) idle() int {
	st := s.ops.Stats()
	return st.TotalIPs - st.AssignedIPs
}

// nextTimer (A3): adjustPool when idle addresses exceed max_pool_size, or,
// with reclaim on, while any are above min_pool_size (its timer moves only
// in adjustPool).
func (s *terwayNode) nextTimer() (sim.Time, bool) {
	ts := soonest{now: s.ops.Now()}
	if terwayToTrim(s.MaxPoolSize, s.idle()) > 0 || (s.ReclaimAfter > 0 && s.idle() > s.MinPoolSize) {
		ts.add(s.lastGC + s.GCPeriod)
	}
	if terwayToAdd(s.MinPoolSize, s.ops.Waiting(), s.idle()) > 0 {
		ts.add(ts.now)
	}
	return ts.at, ts.pending
}
