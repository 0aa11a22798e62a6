package ipam

// The node's EC2 calls: each goes through the SDK's standard retryer and the
// account's token buckets, and takes simulated time (docs/model.md §2, §7).

import (
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// ec2Request is one EC2 action and what EC2 answered: the action value the
// pool loop hands to ec2, which EC2 applies (apply) when it answers.
type ec2Request struct {
	api    ec2.API
	eni    ENIID          // the ENI acted on (Assign, Unassign, Delete), or created
	subnet *vpc.Subnet    // CreateNetworkInterface: the subnet to create in
	count  int            // Create, Assign: secondary IPs or prefixes wanted
	cidrs  []netip.Prefix // Unassign: what to give back; Create, Assign: what was given
	device int            // DescribeInstances: a free device index (-1: none); Attach, Detach: the index
}

// ec2 makes one EC2 request through the SDK's standard retryer (§2, §7): each
// attempt takes a token from the account's bucket for the action (or is
// answered RequestLimitExceeded) and takes simulated time; EC2 acts on an
// answered attempt (apply), which may turn it into an API error;
// RequestLimitExceeded is retried after a jittered backoff while attempts and
// the client's retry quota last. It returns the final outcome.
func (l *loop) ec2(r *ec2Request) ec2.ErrCode {
	n := l.n
	p := &n.cfg.Profile
	c := &n.Counters
	retried := false
	l.inFlight = r
	for attempt := 1; ; attempt++ {
		started := n.eng.Now()
		answered := n.acct.Take(r.api, started)
		if answered {
			l.wait(p.Latencies.Call[r.api].Draw(n.rngEC2))
		} else {
			l.wait(p.Latencies.Throttled.Draw(n.rngEC2))
		}
		code := ec2.RequestLimitExceeded
		if answered {
			code = n.apply(r)
		}
		took := n.eng.Now() - started
		c.EC2Requests[r.api]++
		key := LatencyKey{r.api, code}
		ls := c.EC2Latency[key]
		if ls == nil {
			ls = &LatencySum{}
			c.EC2Latency[key] = ls
		}
		ls.add(took)
		if code != ec2.OK {
			c.EC2Errors[r.api]++
		}
		retry, backoff := false, sim.Time(0)
		if code == ec2.RequestLimitExceeded {
			c.EC2Throttled[r.api]++
			if n.retryer.Retry(attempt) {
				retried = true
				retry, backoff = true, ec2.Backoff(n.rngEC2, attempt)
			}
		} else if code == ec2.OK {
			n.retryer.Succeeded(retried)
		}
		if n.events != nil {
			n.emit(Event{Kind: EvEC2, API: r.api, ENI: r.eni, Code: code, N: attempt, Took: took, Delay: backoff})
		}
		if retry {
			l.wait(backoff)
			continue
		}
		l.inFlight = nil
		return code
	}
}

// apply is what EC2 does when it answers a request: the instance's ENIs,
// device indexes and addresses as EC2 sees them (§7).
func (n *Node) apply(r *ec2Request) ec2.ErrCode {
	switch r.api {
	case ec2.CreateNetworkInterface:
		a, ok := r.subnet.AllocAddr()
		if !ok {
			return ec2.InsufficientFreeAddressesInSubnet
		}
		got, code := n.takeAddrs(r.subnet, r.count)
		if code != ec2.OK {
			r.subnet.Release(netip.PrefixFrom(a, 32))
			return ec2.InvalidParameterValue // §2: not matched by ipamd (#3105)
		}
		// The ENI exists in EC2 from here on, holding its addresses.
		n.nextENIID++
		r.eni = n.nextENIID
		r.cidrs = got
		n.eniSubnet[r.eni] = r.subnet
		n.eniAddrs[r.eni] = append([]netip.Prefix{netip.PrefixFrom(a, 32)}, got...)
	case ec2.DescribeInstances:
		r.device = -1
		for d := 1; d < len(n.devices); d++ {
			if !n.devices[d] {
				r.device = d
				break
			}
		}
	case ec2.AttachNetworkInterface:
		if r.device < 0 || n.devices[r.device] {
			return ec2.AttachmentLimitExceeded
		}
		n.devices[r.device] = true
	case ec2.AssignPrivateIpAddresses:
		got, code := n.takeAddrs(n.eniSubnet[r.eni], r.count)
		if code != ec2.OK {
			return code
		}
		r.cidrs = got
	case ec2.UnassignPrivateIpAddresses:
		sub := n.eniSubnet[r.eni]
		for _, p := range r.cidrs {
			sub.Release(p)
		}
		n.eniAddrs[r.eni] = removePrefixes(n.eniAddrs[r.eni], r.cidrs)
	case ec2.DetachNetworkInterface:
		n.devices[r.device] = false
	case ec2.DeleteNetworkInterface:
		sub := n.eniSubnet[r.eni]
		for _, p := range n.eniAddrs[r.eni] {
			sub.Release(p)
		}
		delete(n.eniAddrs, r.eni)
		delete(n.eniSubnet, r.eni)
	}
	return ec2.OK
}

func (n *Node) ipamdErr(fn string) { n.Counters.IpamdErrors[fn]++ }

// wait parks the pool loop for d of simulated time.
func (l *loop) wait(d sim.Time) {
	l.n.eng.After(d, l.n, evResume)
	l.park()
}

// sleep is the loop sleeping (not waiting for EC2) for d.
func (l *loop) sleep(d sim.Time) {
	l.sleeping = true
	l.wait(d)
	l.sleeping = false
}
