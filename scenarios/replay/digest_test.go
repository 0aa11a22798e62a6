package replay_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// digest is a shipped scenario run's event log (docs/events.md) cut down to
// what explains its figures, kept beside its golden JSON as NAME.events so
// that a rule change shows as the events that moved, not only as a total
// (`pods_waited 203→190`):
//
//   - every pool pass verdict with its arithmetic, and ready;
//   - every ENI created, attached and freed, and every batch of addresses or
//     prefixes assigned to or released from an ENI, with its size (not each
//     address);
//   - every EC2 answer other than 200 (throttling, insufficient addresses),
//     but not the calls that succeeded: the ENI and address lines show those;
//   - each pod's wait: the ADD that got an address after failed ones, and the
//     DEL of a pod that never got one; not the pods that got one at once, nor
//     each failed ADD.
//
// A pass verdict that repeats, word for word, one the node already logged
// since its last other digest line, or an EC2 error that repeats one (the
// same call, ENI and answer, whatever its latency), is counted, not written
// (a pass that fails the same way every 5 s): the node's next other line, or the
// end, is preceded by "repeated N pass/ec2 lines, the last at T".
//
// Lines are otherwise the event log's own, so a digest line can be looked up
// in `ipamsim run --events`. Cluster runs have a digest per node instead
// (clusterDigest).
type digest struct {
	b     []byte
	nodes map[string]*nodeRepeats
	order []string // node names in the order first seen
}

// nodeRepeats is one node's pass and EC2 lines since its last other line.
type nodeRepeats struct {
	seen     map[string]bool
	repeated int
	last     sim.Time
}

func (d *digest) add(e ipam.Event) {
	switch e.Kind {
	case ipam.EvPass, ipam.EvEC2:
		if e.Kind == ipam.EvEC2 && e.Code == ec2.OK {
			return
		}
		r := d.node(e.Node)
		key := e.Detail // a pass: its verdict and arithmetic
		if e.Kind == ipam.EvEC2 {
			// The call and its answer, not its latency or back-off.
			key = fmt.Sprintf("ec2 %s %d %s", e.API, e.ENI, e.Code)
		}
		if r.seen[key] {
			r.repeated++
			r.last = e.At
			return
		}
		r.seen[key] = true
		d.b = append(e.AppendText(d.b, false), '\n')
		return
	case ipam.EvReady, ipam.EvENIAttached, ipam.EvENIFreed:
	case ipam.EvENICreated, ipam.EvCIDRsAssigned, ipam.EvCIDRsReleased:
		d.flush(e)
		n := len(e.CIDRs)
		e.CIDRs = nil
		d.b = e.AppendText(d.b, false)
		d.b = append(strconv.AppendInt(append(d.b, ' '), int64(n), 10), " cidrs\n"...)
		return
	case ipam.EvAdd:
		if !e.Addr.IsValid() || e.Took == 0 {
			return
		}
	case ipam.EvDel:
		if e.Addr.IsValid() {
			return
		}
	default:
		return
	}
	d.flush(e)
	d.b = append(e.AppendText(d.b, false), '\n')
}

func (d *digest) node(name string) *nodeRepeats {
	r := d.nodes[name]
	if r == nil {
		if d.nodes == nil {
			d.nodes = map[string]*nodeRepeats{}
		}
		r = &nodeRepeats{seen: map[string]bool{}}
		d.nodes[name] = r
		d.order = append(d.order, name)
	}
	return r
}

// flush writes, before a node's next other line e, how many pass and EC2
// lines it repeated, and forgets them.
func (d *digest) flush(e ipam.Event) {
	r := d.node(e.Node)
	if r.repeated > 0 {
		line := ipam.Event{At: e.At, Node: e.Node, Kind: ipam.EvPass,
			Detail: fmt.Sprintf("repeated %d pass/ec2 lines, the last at %s", r.repeated, r.last.AppendSeconds(nil))}
		// Written as the event log writes a pass line, then renamed.
		text := string(line.AppendText(nil, false))
		d.b = append(d.b, strings.Replace(text, " pass repeated", " repeated", 1)...)
		d.b = append(d.b, '\n')
	}
	r.repeated = 0
	clear(r.seen)
}

// text is the digest without its final newline (golden adds one), after the
// nodes' last repeats.
func (d *digest) text() []byte {
	for _, name := range d.order {
		if r := d.nodes[name]; r.repeated > 0 {
			d.flush(ipam.Event{At: r.last, Node: name})
		}
	}
	if n := len(d.b); n > 0 && d.b[n-1] == '\n' {
		return d.b[:n-1]
	}
	return d.b
}

// clusterDigest is a cluster run's digest: a node's event lines would run to
// megabytes over 150 nodes, so each node gets one line counting what the
// single-node digest lists: when it was ready, ENIs attached and freed,
// addresses or prefixes assigned and released, its pool passes by verdict, its
// EC2 errors by call and answer, and its pods' waits. A rule change then shows
// as the nodes whose counts moved.
type clusterDigest struct {
	nodes map[string]*nodeCounts
}

type nodeCounts struct {
	ready           sim.Time
	isReady         bool
	attached, freed int
	assigned, relsd int
	verdicts        map[string]int
	errors          map[string]int
	waited, gaveUp  int
	maxWait         sim.Time
}

func (d *clusterDigest) add(e ipam.Event) {
	if d.nodes == nil {
		d.nodes = map[string]*nodeCounts{}
	}
	c := d.nodes[e.Node]
	if c == nil {
		c = &nodeCounts{verdicts: map[string]int{}, errors: map[string]int{}}
		d.nodes[e.Node] = c
	}
	switch e.Kind {
	case ipam.EvReady:
		if !c.isReady {
			c.ready, c.isReady = e.At, true
		}
	case ipam.EvENIAttached:
		c.attached++
	case ipam.EvENIFreed:
		c.freed++
	case ipam.EvCIDRsAssigned:
		c.assigned += len(e.CIDRs)
	case ipam.EvCIDRsReleased:
		c.relsd += len(e.CIDRs)
	case ipam.EvPass:
		c.verdicts[verdict(e.Detail)]++
	case ipam.EvEC2:
		if e.Code != ec2.OK {
			c.errors[e.API.String()+" "+e.Code.String()]++
		}
	case ipam.EvAdd:
		if e.Addr.IsValid() && e.Took > 0 {
			c.waited++
			c.maxWait = max(c.maxWait, e.Took)
		}
	case ipam.EvDel:
		if !e.Addr.IsValid() {
			c.gaveUp++
		}
	}
}

// verdict is a pass line's verdict without its arithmetic.
func verdict(detail string) string {
	switch {
	case strings.Contains(detail, "decrease waits"):
		return "decrease-waits"
	case strings.HasPrefix(detail, "free "):
		return "free-eni"
	case strings.HasPrefix(detail, "start-up "):
		return "start-up"
	}
	v, _, _ := strings.Cut(detail, ":")
	return strings.ReplaceAll(v, " ", "-")
}

// text has one line per node, by name.
func (d *clusterDigest) text() []byte {
	names := make([]string, 0, len(d.nodes))
	for name := range d.nodes {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, name := range names {
		c := d.nodes[name]
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(name)
		if c.isReady {
			b.WriteString(" ready " + string(c.ready.AppendSeconds(nil)))
		} else {
			b.WriteString(" never-ready")
		}
		fmt.Fprintf(&b, " enis +%d -%d cidrs +%d -%d", c.attached, c.freed, c.assigned, c.relsd)
		counts := func(label string, m map[string]int) {
			if len(m) == 0 {
				return
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			b.WriteString(" " + label)
			for _, k := range keys {
				fmt.Fprintf(&b, " %s=%d", strings.ReplaceAll(k, " ", ":"), m[k])
			}
		}
		counts("passes", c.verdicts)
		counts("ec2-errors", c.errors)
		if c.waited > 0 || c.gaveUp > 0 {
			fmt.Fprintf(&b, " waited %d (max %.3fs) gave-up %d", c.waited, c.maxWait.Seconds(), c.gaveUp)
		}
	}
	return []byte(b.String())
}
