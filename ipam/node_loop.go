package ipam

// ipamd's start-up and its pool loop: cadence, passes, and the sleep of a
// loop that has nothing to do (ipamd-behaviour.md §2).

import (
	"github.com/ipamsim/ipamsim/sim"
)

// nodeInit is upstream nodeInit (§2 Startup): discover the primary ENI
// (DescribeNetworkInterfaces), tag it (CreateTags), then one pre-scaling step;
// the gRPC server answers ADDs only after that.
func (n *Node) nodeInit() {
	n.ec2(DescribeNetworkInterfaces, nil, func(ErrCode) {
		n.ec2(CreateTags, nil, func(ErrCode) {
			n.policy.PreScale(n, func(ok bool) {
				if !ok {
					// handlePreScaling failed (custom networking with an empty
					// pool): aws-node exits and is restarted.
					n.ipamdErr("nodeInit")
					n.sleep(10*sim.Second, n.nodeInit)
					return
				}
				n.ready = true
				n.lastPassEnd = n.eng.Now()
				n.schedulePass(n.eng.Now() + n.LoopPeriod()/2)
				if n.cfg.OnReady != nil {
					n.cfg.OnReady(n)
				}
			})
		})
	})
}

// PeriodPolicy is a Policy whose pool loop runs at its own period instead of
// ipamd's 5 s ipPoolMonitorInterval (other-policies.md A1–A3, A6).
type PeriodPolicy interface{ Period() sim.Time }

// ADDAllocator is a Policy that can add addresses inside the CNI ADD itself,
// before the ADD fails (Calico claims a block in its ADD, other-policies.md A6).
type ADDAllocator interface{ AllocateOnADD(n *Node) bool }

// LoopPeriod is the pool loop's period: the policy's own, or ipamd's 5 s.
func (n *Node) LoopPeriod() sim.Time {
	if pp, ok := n.policy.(PeriodPolicy); ok && pp.Period() > 0 {
		return pp.Period()
	}
	return 2 * passHalf
}

// passHalf is half of ipPoolMonitorInterval: the loop sleeps 2.5 s, updates the
// pool, sleeps 2.5 s, reconciles (§2 Cadence).
const passHalf = 2500 * sim.Millisecond

func (n *Node) schedulePass(at sim.Time) {
	n.dormant = false
	n.passPending = true
	n.nextPassAt = at
	n.passEvent = n.eng.Schedule(at, n, evPass)
}

// runPass runs one updateIPPoolIfRequired and schedules the next a loop
// period after it ends: EC2 calls are synchronous, so a slow pass stretches
// the cycle (§2 Cadence).
func (n *Node) runPass() {
	n.passPending = false
	n.dormant = false // a pass is running: pod events must not start another
	n.policy.Pass(n, func(idle bool) {
		n.lastPassEnd = n.eng.Now()
		period := n.LoopPeriod()
		if idle && !n.cfg.AlwaysTick {
			at, pending := n.nextTimer()
			if !pending {
				// Nothing the pass looks at can change until a pod arrives or
				// leaves: sleep without ticking, keeping the loop's phase.
				n.dormant = true
				return
			}
			if at > n.lastPassEnd+period {
				// Skip the passes that would find nothing to do: the first
				// one that can act is the first on the loop's phase at or
				// after the timer.
				k := (at - n.lastPassEnd + period - 1) / period
				n.schedulePass(n.lastPassEnd + k*period)
				n.dormant = true // a pod event may still pull the pass earlier
				return
			}
		}
		n.schedulePass(n.lastPassEnd + period)
	})
}

// TimerPolicy is a Policy that can tell when, with no pod arriving or leaving,
// its next pass could first act: pure timers such as cooldown expiry, the ENI
// minimum age or a decrease gate. Policies without it keep the loop ticking
// while any such timer runs.
type TimerPolicy interface {
	NextTimer(n *Node) (at sim.Time, pending bool)
}

// WakePolicy is a Policy that can tell, cheaply and without side effects,
// whether a pass now could act at all. A dormant loop is not woken for a pod
// event after which NeedsPass is false: such a pass would be idle, so skipping
// it changes nothing but the event count.
type WakePolicy interface {
	NeedsPass(n *Node) bool
}

// nextTimer returns when a timer could first change what an idle pass does.
func (n *Node) nextTimer() (sim.Time, bool) {
	if tp, ok := n.policy.(TimerPolicy); ok {
		return tp.NextTimer(n)
	}
	if n.quiescent() {
		return 0, false
	}
	return n.eng.Now(), true
}

// quiescent reports that no timer the pool rules depend on is running: no
// address in cooldown, no ENI younger than 60 s, no 120 s pause.
func (n *Node) quiescent() bool {
	now := n.eng.Now()
	if n.ds.Stats().CooldownIPs > 0 {
		return false
	}
	if n.hasInsufficient && now-n.lastInsufficient <= insufficientCooldown {
		return false
	}
	for _, e := range n.ds.ENIs() {
		if !e.Primary && now-e.CreatedAt < minENILifetime {
			return false
		}
	}
	return true
}

// wake brings a dormant loop back to its next pass instant (a pod arrived or
// left, so the pool may need to act). The pass keeps the loop's 5 s phase
// (§2 Cadence), so sleeping changes nothing observable.
func (n *Node) wake() {
	if !n.dormant || !n.ready {
		return
	}
	if w, ok := n.policy.(WakePolicy); ok && !w.NeedsPass(n) {
		return // the pass would find nothing to do; the loop stays asleep
	}
	now := n.eng.Now()
	period := n.LoopPeriod()
	k := (now - n.lastPassEnd + period - 1) / period
	if k < 1 {
		k = 1
	}
	at := n.lastPassEnd + k*period
	if n.passPending {
		if n.passEvent != 0 && at >= n.nextPassAt {
			return
		}
		n.eng.Cancel(n.passEvent)
	}
	n.schedulePass(at)
}
