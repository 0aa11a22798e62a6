package ipam

// The node's EC2 calls: each goes through the SDK's standard retryer and the
// account's token buckets, and takes simulated time (ipamd-behaviour.md §2, §7).

import (
	"github.com/ipamsim/ipamsim/sim"
)

// ec2 makes one EC2 call through the SDK's standard retryer. effect, if not
// nil, runs when EC2 answers and may turn the answer into an API error; done
// gets the final outcome.
func (n *Node) ec2(api API, effect func() ErrCode, done func(ErrCode)) {
	if n.call != nil {
		panic("ipam: overlapping EC2 calls in the pool loop")
	}
	n.call = &ec2Call{api: api, attempt: 1, effect: effect, done: done}
	n.callAttempt()
}

func (n *Node) callAttempt() {
	c := n.call
	now := n.eng.Now()
	c.started = now
	p := &n.cfg.Profile
	if n.acct.take(c.api, now) {
		c.throttle = false
		n.eng.After(p.Latency[c.api].draw(n.rngEC2), n, evCallFinish)
	} else {
		c.throttle = true
		n.eng.After(p.Throttled.draw(n.rngEC2), n, evCallFinish)
	}
}

func (n *Node) callFinish() {
	c := n.call
	now := n.eng.Now()
	code := OK
	if c.throttle {
		code = RequestLimitExceeded
	} else if c.effect != nil {
		code = c.effect()
	}
	cn := &n.Counters
	cn.EC2Requests[c.api]++
	key := LatencyKey{c.api, code}
	ls := cn.EC2Latency[key]
	if ls == nil {
		ls = &LatencySum{}
		cn.EC2Latency[key] = ls
	}
	ls.add(now - c.started)
	if code != OK {
		cn.EC2Errors[c.api]++
	}
	if code == RequestLimitExceeded {
		cn.EC2Throttled[c.api]++
		if c.attempt < sdkMaxAttempts && n.retryQuota() >= sdkRetryCost {
			n.spendQuota(sdkRetryCost)
			c.retried = true
			c.attempt++
			n.eng.After(sdkBackoff(n.rngEC2, c.attempt-1), n, evCallAttempt)
			return
		}
	} else if code == OK {
		if c.retried {
			n.spendQuota(-sdkRetryCost)
		} else {
			n.spendQuota(-sdkNoRetryRefund)
		}
	}
	n.call = nil
	c.done(code)
}

// The SDK client's retry quota (per node: one EC2 client per aws-node).
func (n *Node) retryQuota() int  { return sdkQuota - n.quotaUsed }
func (n *Node) spendQuota(k int) { n.quotaUsed = max(0, min(sdkQuota, n.quotaUsed+k)) }

// sleep resumes f after d of simulated time.
func (n *Node) sleep(d sim.Time, f func()) {
	if n.sleepFn != nil {
		panic("ipam: overlapping sleeps in the pool loop")
	}
	n.sleepFn = f
	n.eng.After(d, n, evSleep)
}

func (n *Node) ipamdErr(fn string) { n.Counters.IpamdErrors[fn]++ }
