package ipam

import (
	"net/netip"
	"strconv"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// Event is one thing the model decided, did or saw: a pool pass's verdict,
// an EC2 call, an ENI or its addresses coming and going, a pod's ADD or DEL,
// a pod placed on a node. A node hands its events, in the order they happen,
// to Config.Events; nil turns the log off at no cost. Which fields an event
// sets depends on its Kind (see EventKind); the text form is AppendText's.
type Event struct {
	At     sim.Time
	Node   string // the node's Config.Name
	Kind   EventKind
	Pod    string         // EvAdd, EvDel, EvPlace
	ENI    ENIID          // EvEC2 (the ENI acted on, if any), EvENI*, EvCIDRs*, EvIMDS, EvAdd, EvDel
	API    ec2.API        // EvEC2
	Code   ec2.ErrCode    // EvEC2: EC2's answer
	N      int            // EvEC2: the attempt (1-based); EvENIAttached: the device index
	Took   sim.Time       // EvEC2: the attempt's latency; EvIMDS: the wait; EvAdd: the pod's wait
	Delay  sim.Time       // EvEC2: the SDK's back-off before the next attempt; EvAdd: the kubelet's before its retry
	Addr   netip.Addr     // EvAdd, EvDel: the pod's address; EvENICreated: the ENI's primary address
	Subnet netip.Prefix   // EvENICreated
	CIDRs  []netip.Prefix // EvENICreated, EvCIDRsAssigned, EvCIDRsReleased
	Detail string         // EvPass: the verdict and its arithmetic; EvAdd, EvDel: why not ok
}

// EventKind says what an Event records.
type EventKind uint8

// The kinds of events, with the text each line carries after the time (and,
// in cluster logs, the node).
const (
	// EvReady: ipamd finished start-up and answers ADDs (§2 Startup).
	// "ready"
	EvReady EventKind = iota + 1
	// EvPass: a pool pass decided to act, with the rule's arithmetic (§2
	// "Per cycle"). "pass too-low: avail 0 < 9 = 1×9 (WARM_ENI_TARGET)"
	EvPass
	// EvEC2: one attempt of an EC2 call and EC2's answer, with its latency;
	// a throttled attempt the SDK retries says after how long (§7).
	// "ec2 AssignPrivateIpAddresses eni-00000001 200 0.512s",
	// "ec2 CreateNetworkInterface RequestLimitExceeded 0.04s attempt 1, retry in 1.3s"
	EvEC2
	// EvIMDS: a new ENI and its addresses showed in instance metadata after
	// the wait (§7 waitForENIAndIPsAttached). "imds eni-00000002 1.234s"
	EvIMDS
	// EvENICreated: EC2 created an ENI with its primary and secondary
	// addresses or prefixes. "eni-create eni-00000002 subnet 10.0.0.0/16
	// primary 10.0.0.14 10.0.0.15/32 …"
	EvENICreated
	// EvENIAttached: an ENI joined the datastore, its addresses assignable
	// (§2 setupENI). "eni-attach eni-00000002 device 1"
	EvENIAttached
	// EvENIFreed: an ENI was detached and deleted (§2 "Freeing an ENI").
	// "eni-free eni-00000002"
	EvENIFreed
	// EvCIDRsAssigned: secondary IPs or prefixes joined an ENI in the
	// datastore. "cidr-assign eni-00000001 10.0.0.5/32 10.0.0.6/32"
	EvCIDRsAssigned
	// EvCIDRsReleased: secondary IPs or prefixes left the datastore, to go
	// back to EC2 (§2 "Releasing"). "cidr-release eni-00000001 10.0.0.6/32"
	EvCIDRsReleased
	// EvAdd: a CNI ADD and its result: an address, or none, and when the
	// kubelet retries (§3). "add web-1 10.0.0.5 eni-00000001",
	// "add web-2 10.0.0.6 eni-00000001 waited 12.3s",
	// "add web-3 no-address retry in 13.1s", "add web-4 before-ready retry in 10s"
	EvAdd
	// EvDel: a CNI DEL; the address starts its cooldown, or the pod was
	// still waiting (§3). "del web-1 10.0.0.5", "del web-3 waiting"
	EvDel
	// EvPlace: the cluster's scheduler placed a pod on the node. "place web-1"
	EvPlace
	// EvENIRemoved: an ENI left the datastore, its addresses no longer
	// assignable; its detach and delete follow (§2.26: upstream
	// RemoveUnusedENIFromStore comes before the EC2 calls). "eni-remove
	// eni-00000002"
	EvENIRemoved
	// EvPending: a pod the scheduler cannot bind yet: the node runs max pods
	// (§5.14), or no cluster node has room (§10; Node "-"). It sends no ADD
	// until it is bound. "pending web-9 max-pods 29 reached"
	EvPending
)

var eventNames = [...]string{EvReady: "ready", EvPass: "pass", EvEC2: "ec2", EvIMDS: "imds",
	EvENICreated: "eni-create", EvENIAttached: "eni-attach", EvENIFreed: "eni-free",
	EvCIDRsAssigned: "cidr-assign", EvCIDRsReleased: "cidr-release", EvAdd: "add", EvDel: "del", EvPlace: "place",
	EvENIRemoved: "eni-remove", EvPending: "pending"}

// String is the kind as the text form spells it.
func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// AppendText appends the event's line, without the newline: the simulated
// time in seconds (the shortest exact decimal), the node's name if withNode
// (cluster logs), the kind, then the kind's fields (see EventKind).
func (e *Event) AppendText(b []byte, withNode bool) []byte {
	b = e.At.AppendSeconds(b)
	if withNode {
		b = append(b, ' ')
		b = append(b, e.Node...)
	}
	b = append(b, ' ')
	b = append(b, e.Kind.String()...)
	switch e.Kind {
	case EvPass, EvPlace, EvPending:
		if e.Kind != EvPass {
			b = appendWord(b, e.Pod)
		}
		if e.Detail != "" {
			b = appendWord(b, e.Detail)
		}
	case EvEC2:
		b = appendWord(b, e.API.String())
		b = appendENI(b, e.ENI)
		b = appendWord(b, e.Code.String())
		b = appendDuration(append(b, ' '), e.Took)
		if e.N > 1 || e.Delay > 0 {
			b = append(appendWord(b, "attempt "), strconv.Itoa(e.N)...)
		}
		if e.Delay > 0 {
			b = appendDuration(append(b, ", retry in "...), e.Delay)
		}
	case EvIMDS:
		b = appendENI(b, e.ENI)
		b = appendDuration(append(b, ' '), e.Took)
	case EvENICreated:
		b = appendENI(b, e.ENI)
		b = e.Subnet.AppendTo(appendWord(b, "subnet "))
		b = e.Addr.AppendTo(appendWord(b, "primary "))
		for _, p := range e.CIDRs {
			b = p.AppendTo(append(b, ' '))
		}
	case EvENIAttached:
		b = appendWord(appendWord(appendENI(b, e.ENI), "device"), strconv.Itoa(e.N))
	case EvENIFreed, EvENIRemoved:
		b = appendENI(b, e.ENI)
	case EvCIDRsAssigned, EvCIDRsReleased:
		b = appendENI(b, e.ENI)
		for _, p := range e.CIDRs {
			b = p.AppendTo(append(b, ' '))
		}
	case EvAdd:
		b = appendWord(b, e.Pod)
		if e.Addr.IsValid() {
			b = appendENI(e.Addr.AppendTo(append(b, ' ')), e.ENI)
			if e.Took > 0 {
				b = appendDuration(append(b, " waited "...), e.Took)
			}
			if e.Detail != "" {
				b = appendWord(b, e.Detail) // "running": a running pod restored (§9.13)
			}
			break
		}
		b = appendDuration(append(appendWord(b, e.Detail), " retry in "...), e.Delay)
	case EvDel:
		b = appendWord(b, e.Pod)
		if e.Addr.IsValid() {
			b = e.Addr.AppendTo(append(b, ' '))
		} else {
			b = appendWord(b, e.Detail)
		}
	}
	return b
}

// appendDuration appends d in seconds, rounded to the millisecond, with an
// "s".
func appendDuration(b []byte, d sim.Time) []byte {
	ms := (d + sim.Millisecond/2) / sim.Millisecond
	return append((ms * sim.Millisecond).AppendSeconds(b), 's')
}

// appendWord appends a space and s.
func appendWord(b []byte, s string) []byte { return append(append(b, ' '), s...) }

// appendENI appends a space and the ENI (as ENIID.String spells it), if
// there is one.
func appendENI(b []byte, id ENIID) []byte {
	if id == 0 {
		return b
	}
	b = append(b, " eni-"...)
	digits := strconv.Itoa(int(id))
	for k := len(digits); k < 8; k++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}

// emit hands an event to the node's log (the caller checks that one is set).
func (n *Node) emit(e Event) {
	e.At = n.eng.Now()
	e.Node = n.cfg.Name
	n.events(e)
}
