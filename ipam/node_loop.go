package ipam

// ipamd's start-up and its pool loop: cadence, passes, and the sleep of a
// loop that has nothing to do (docs/model.md §2).
//
// The loop is straight-line code, as upstream's is: it runs as a coroutine
// (iter.Pull) that strictly alternates with the engine. A blocking action (an
// EC2 call, a sleep, waiting for the next pass) schedules the event that ends
// it and parks the coroutine; the node's Fire resumes it when that event
// fires. Only one of the two ever runs, so the run stays deterministic.

import (
	"iter"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// loop is a node's ipamd loop.
type loop struct {
	n       *Node
	next    func() (struct{}, bool) // resume the coroutine
	stop    func()
	yield   func(struct{}) bool
	running bool // the coroutine runs (between resume and park)
	// What the loop waits for, if not its next pass: an EC2 request, or a
	// sleep.
	inFlight *ec2Request
	sleeping bool
}

// errStopped unwinds a parked loop that is being closed.
type errStopped struct{}

// start runs the loop until it first blocks.
func (l *loop) start() {
	l.next, l.stop = iter.Pull(l.body)
	l.resume()
}

// resume runs the parked loop until it blocks again.
func (l *loop) resume() {
	l.running = true
	l.next()
	l.running = false
}

// close ends a parked loop, freeing its coroutine.
func (l *loop) close() {
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
}

// park hands control back to the engine until resume.
func (l *loop) park() {
	if !l.running {
		panic("ipam: a blocking pool action outside the node's pool loop (only a controller's PreScale and Pass may block)")
	}
	if !l.yield(struct{}{}) {
		panic(errStopped{})
	}
}

func (l *loop) body(yield func(struct{}) bool) {
	l.yield = yield
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errStopped); !ok {
				panic(r)
			}
		}
	}()
	l.run()
}

// run is the loop: upstream nodeInit (§2 Startup: discover the primary ENI
// with DescribeNetworkInterfaces, tag it with CreateTags, then one
// pre-scaling step; the gRPC server answers ADDs only after that), then one
// updateIPPoolIfRequired per pass, for the node's life.
func (l *loop) run() {
	n := l.n
	for {
		l.ec2(&ec2Request{api: ec2.DescribeNetworkInterfaces})
		l.ec2(&ec2Request{api: ec2.CreateTags})
		if n.ctrl.PreScale() {
			break
		}
		// handlePreScaling failed (custom networking with an empty pool):
		// aws-node exits and is restarted.
		n.ipamdErr("nodeInit")
		l.sleep(10 * sim.Second)
	}
	n.ready = true
	if n.events != nil {
		n.emit(Event{Kind: EvReady})
	}
	n.lastPassEnd = n.eng.Now()
	n.schedulePass(n.eng.Now() + n.loopPeriod()/2)
	if n.cfg.OnReady != nil {
		n.cfg.OnReady(n)
	}
	for {
		l.park() // until the pass event
		n.passPending = false
		n.dormant = false // a pass is running: pod events must not start another
		idle := n.ctrl.Pass()
		n.passEnded(idle)
	}
}

// loopPeriod is the pool loop's period: the policy's own, or ipamd's 5 s.
func (n *Node) loopPeriod() sim.Time {
	if n.ctrl.Period > 0 {
		return n.ctrl.Period
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

// passEnded schedules the next pass a loop period after this one ended: EC2
// calls are synchronous, so a slow pass stretches the cycle (§2 Cadence).
// After an idle pass the loop may sleep through passes that would find
// nothing to do.
func (n *Node) passEnded(idle bool) {
	n.lastPassEnd = n.eng.Now()
	period := n.loopPeriod()
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
}

// nextTimer returns when a timer could first change what an idle pass does;
// without the policy's NextTimer, at once.
func (n *Node) nextTimer() (sim.Time, bool) {
	if n.ctrl.NextTimer == nil {
		return n.eng.Now(), true
	}
	return n.ctrl.NextTimer()
}

// wake brings a dormant loop back to its next pass instant (a pod arrived or
// left, so the pool may need to act). The pass keeps the loop's 5 s phase
// (§2 Cadence), so sleeping changes nothing observable.
func (n *Node) wake() {
	if !n.dormant || !n.ready {
		return
	}
	if n.ctrl.NeedsPass != nil && !n.ctrl.NeedsPass() {
		return // the pass would find nothing to do; the loop stays asleep
	}
	now := n.eng.Now()
	period := n.loopPeriod()
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
