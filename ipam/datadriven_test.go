package ipam

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// The rule files of testdata/rules are ipamd's rules (docs/model.md) written
// as specs: each builds a small node, drives it with a few commands and
// shows the event log lines (docs/events.md) they produce. Each file opens
// with a comment naming the rules it shows and how its expected output was
// worked out from docs/model.md. `go test ./ipam -run TestRules -rewrite`
// regenerates the expected output; a rewritten golden must be checked
// against the spec again before it is committed.
//
// The commands, one example each (raft rafttest style):
//
//	node type=m5.large order=first-fit ec2=zero set=(WARM_IP_TARGET=2,MINIMUM_IP_TARGET=10)
//	    a fresh node (any earlier one is closed); prints its limits. Optional:
//	    max-pods=N, subnet=CIDR (default 10.0.0.0/24), pod-subnet=CIDR (the
//	    ENIConfig subnet under custom networking), kubelet-jitter=F, seed=N,
//	    throttle (EC2's token buckets on, §7.12; the zero profile has none).
//	    Start-up runs when the clock first moves.
//	add pods=p1..p5 at=10s
//	    CNI ADDs at an instant (default now), in order; the clock moves there.
//	del pods=(p3,p4) at=40s
//	    CNI DELs, likewise.
//	advance d=30s        (or: advance to=2m)
//	    runs the node until then.
//	drain api=CreateNetworkInterface at=12.5s until=20s
//	    empties the action's EC2 token bucket at an instant (default now), and
//	    every 100 ms after it until the second (default: once), so that fewer
//	    than 0.5 tokens refill between two drains (5 per second at most,
//	    §7.12). Needs throttle. It is scheduled, not run: the clock does not
//	    move, so a drain set up first runs before a pass the node schedules
//	    for the same instant later.
//	events omit=(add)
//	    the event log lines produced since the previous `events` (the golden
//	    output), optionally without some kinds.
//	stats
//	    the datastore's counts and the pods waiting.
//	pods
//	    the live pods in the order they were added: address and ENI, or waiting.
//	enis
//	    the ENIs in the datastore, primary first.
//
// An unknown command or argument, or a value that does not parse, is
// refused.

// TestRules runs every rule file.
func TestRules(t *testing.T) {
	datadriven.Walk(t, "testdata/rules", func(t *testing.T, path string) {
		h := &ruleHarness{}
		defer h.close()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := h.run(d)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			return out
		})
	})
}

// TestRuleHarness pins the harness itself: what each command prints and
// that bad commands are refused (testdata/rules-harness, errors printed).
func TestRuleHarness(t *testing.T) {
	h := &ruleHarness{}
	defer h.close()
	datadriven.RunTest(t, "testdata/rules-harness", func(t *testing.T, d *datadriven.TestData) string {
		out, err := h.run(d)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return out
	})
}

// ruleHarness is one node on its own engine, and the event log lines not yet
// printed.
type ruleHarness struct {
	eng     *sim.Engine
	n       *Node
	acct    *ec2.Account
	pending []string
	added   []string // pod names in the order first added
}

func (h *ruleHarness) close() {
	if h.n != nil {
		h.n.Close()
	}
}

// commandArgs lists each command's arguments; anything else is refused.
var commandArgs = map[string][]string{
	"node":    {"type", "order", "ec2", "set", "max-pods", "subnet", "pod-subnet", "kubelet-jitter", "seed", "throttle"},
	"add":     {"pods", "at"},
	"del":     {"pods", "at"},
	"advance": {"d", "to"},
	"drain":   {"api", "at", "until"},
	"events":  {"omit"},
	"stats":   nil,
	"pods":    nil,
	"enis":    nil,
}

func (h *ruleHarness) run(d *datadriven.TestData) (string, error) {
	allowed, ok := commandArgs[d.Cmd]
	if !ok {
		names := make([]string, 0, len(commandArgs))
		for k := range commandArgs {
			names = append(names, k)
		}
		slices.Sort(names)
		return "", fmt.Errorf("unknown command %q (want one of %s)", d.Cmd, strings.Join(names, ", "))
	}
	args := map[string][]string{}
	for _, a := range d.CmdArgs {
		if !slices.Contains(allowed, a.Key) {
			return "", fmt.Errorf("%s: unknown argument %q (want %s)", d.Cmd, a.Key, strings.Join(allowed, ", "))
		}
		if _, dup := args[a.Key]; dup {
			return "", fmt.Errorf("%s: argument %q given twice", d.Cmd, a.Key)
		}
		args[a.Key] = a.Vals
	}
	if d.Cmd != "node" && h.n == nil {
		return "", fmt.Errorf("%s: no node yet (start with a node command)", d.Cmd)
	}
	switch d.Cmd {
	case "node":
		return h.node(args)
	case "add", "del":
		return "", h.pods(d.Cmd, args)
	case "advance":
		return "", h.advance(args)
	case "drain":
		return "", h.drain(args)
	case "events":
		return h.events(args)
	case "stats":
		return h.stats(), nil
	case "pods":
		return h.podList(), nil
	case "enis":
		return h.eniList(), nil
	}
	panic("unreachable")
}

// single returns the one value of an argument, or def when it is absent.
func single(cmd string, args map[string][]string, key, def string) (string, error) {
	v, ok := args[key]
	if !ok {
		return def, nil
	}
	if len(v) != 1 || v[0] == "" {
		return "", fmt.Errorf("%s: %s wants one value", cmd, key)
	}
	return v[0], nil
}

func (h *ruleHarness) node(args map[string][]string) (string, error) {
	get := func(key, def string) (string, error) { return single("node", args, key, def) }
	for _, key := range []string{"type", "order", "ec2"} {
		if _, ok := args[key]; !ok {
			return "", fmt.Errorf("node: %s is required (rule files say which they use)", key)
		}
	}
	typ, _ := get("type", "")
	it, err := catalog.Lookup(typ)
	if err != nil {
		return "", fmt.Errorf("node: type: %v", err)
	}
	ord, _ := get("order", "")
	order, err := ParseAssignOrder(ord)
	if err != nil {
		return "", fmt.Errorf("node: order: %v", err)
	}
	prof, _ := get("ec2", "")
	profile, err := ec2.ProfileByName(prof)
	if err != nil {
		return "", fmt.Errorf("node: ec2: %v", err)
	}
	if v, ok := args["throttle"]; ok {
		if len(v) != 0 {
			return "", fmt.Errorf("node: throttle takes no value")
		}
		profile.Unlimited = false
	}
	cfg := Config{Name: "node-1", Instance: it, Settings: DefaultSettings(), Order: order, Seed: 1}
	for _, kv := range args["set"] {
		k, v, err := ParseAssignment("node set", kv)
		if err != nil {
			return "", err
		}
		if err := cfg.Settings.Set("node set", k, v); err != nil {
			return "", err
		}
	}
	if s, err := get("max-pods", "0"); err != nil {
		return "", err
	} else if cfg.MaxPods, err = strconv.Atoi(s); err != nil || cfg.MaxPods < 0 || cfg.MaxPods > 10000 {
		return "", fmt.Errorf("node: max-pods %q: want 0 to 10000", s)
	}
	if s, err := get("seed", "1"); err != nil {
		return "", err
	} else if cfg.Seed, err = strconv.ParseUint(s, 10, 64); err != nil {
		return "", fmt.Errorf("node: seed %q: %v", s, err)
	}
	if s, err := get("kubelet-jitter", ""); err != nil {
		return "", err
	} else if s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 1 {
			return "", fmt.Errorf("node: kubelet-jitter %q: want 0 to 1", s)
		}
		profile.KubeletJitter = f
	}
	cfg.Profile = profile
	subnet := func(key, def string) (*vpc.Subnet, error) {
		s, err := get(key, def)
		if err != nil || s == "" {
			return nil, err
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("node: %s: %v", key, err)
		}
		sn, err := vpc.NewSubnet(p)
		if err != nil {
			return nil, fmt.Errorf("node: %s: %v", key, err)
		}
		return sn, nil
	}
	if cfg.Subnet, err = subnet("subnet", "10.0.0.0/24"); err != nil {
		return "", err
	}
	if cfg.PodSubnet, err = subnet("pod-subnet", ""); err != nil {
		return "", err
	}
	h.close()
	*h = ruleHarness{eng: sim.NewEngine(), acct: ec2.NewAccount(profile.Unlimited)}
	cfg.Account = h.acct
	cfg.Events = func(e Event) { h.pending = append(h.pending, string(e.AppendText(nil, false))) }
	n, warnings, err := NewNode(h.eng, cfg)
	if err != nil {
		return "", fmt.Errorf("node: %v", err)
	}
	h.n = n
	n.Start()
	var b strings.Builder
	lim := n.Limits()
	mode := fmt.Sprintf("secondary IPs: S = %d per ENI", lim.cidrsPerENI())
	if lim.PD {
		mode = fmt.Sprintf("prefixes: P = %d /28s per ENI", lim.cidrsPerENI())
	}
	fmt.Fprintf(&b, "%s: N = %d ENIs, L = %d IPv4 per ENI, %s; max pods %d\n", it.Name, lim.MaxENIs, lim.IPv4PerENI, mode, n.MaxPods())
	for _, w := range warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String(), nil
}

// parseAt reads an instant or a duration ("10s", "1m2.5s"): at least 0, at
// most a day.
func parseAt(cmd, key, s string) (sim.Time, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > 24*time.Hour {
		return 0, fmt.Errorf("%s: %s %q: want a duration from 0s to 24h", cmd, key, s)
	}
	return sim.Time(d), nil
}

// podNamesArg expands pods=p1..p5 or pods=(a,b,c1..c3).
func podNamesArg(cmd string, vals []string) ([]string, error) {
	if len(vals) == 0 {
		return nil, fmt.Errorf("%s: pods is required", cmd)
	}
	var out []string
	for _, v := range vals {
		from, to, isRange := strings.Cut(v, "..")
		if !isRange {
			if v == "" {
				return nil, fmt.Errorf("%s: empty pod name", cmd)
			}
			out = append(out, v)
			continue
		}
		i := len(from)
		for i > 0 && from[i-1] >= '0' && from[i-1] <= '9' {
			i--
		}
		prefix := from[:i]
		lo, err1 := strconv.Atoi(from[i:])
		hi, err2 := strconv.Atoi(strings.TrimPrefix(to, prefix))
		if err1 != nil || err2 != nil || hi < lo || hi-lo >= 1000 {
			return nil, fmt.Errorf("%s: pods %q: want a range like p1..p5 (at most 1000)", cmd, v)
		}
		for k := lo; k <= hi; k++ {
			out = append(out, prefix+strconv.Itoa(k))
		}
	}
	return out, nil
}

// pods applies CNI ADDs or DELs at an instant, in one engine event.
func (h *ruleHarness) pods(cmd string, args map[string][]string) error {
	names, err := podNamesArg(cmd, args["pods"])
	if err != nil {
		return err
	}
	at := h.eng.Now()
	if s, err := single(cmd, args, "at", ""); err != nil {
		return err
	} else if s != "" {
		if at, err = parseAt(cmd, "at", s); err != nil {
			return err
		}
		if at < h.eng.Now() {
			return fmt.Errorf("%s: at %s is before now (%s)", cmd, at, h.eng.Now())
		}
	}
	var failed error
	h.eng.Schedule(at, sim.HandlerFunc(func(sim.Time, int64) {
		for _, name := range names {
			var err error
			if cmd == "add" {
				err = h.n.AddPodNamed(name)
				if err == nil && !slices.Contains(h.added, name) {
					h.added = append(h.added, name)
				}
			} else {
				err = h.n.DelPod([]byte(name))
			}
			if err != nil && failed == nil {
				failed = fmt.Errorf("%s: %v", cmd, err)
			}
		}
	}), 0)
	h.eng.RunUntil(at)
	return failed
}

func (h *ruleHarness) advance(args map[string][]string) error {
	d, hasD := args["d"]
	to, hasTo := args["to"]
	if hasD == hasTo {
		return fmt.Errorf("advance: give d=DURATION or to=INSTANT")
	}
	var until sim.Time
	if hasD {
		if len(d) != 1 {
			return fmt.Errorf("advance: d wants one value")
		}
		dd, err := parseAt("advance", "d", d[0])
		if err != nil {
			return err
		}
		until = h.eng.Now() + dd
	} else {
		if len(to) != 1 {
			return fmt.Errorf("advance: to wants one value")
		}
		t, err := parseAt("advance", "to", to[0])
		if err != nil {
			return err
		}
		if t < h.eng.Now() {
			return fmt.Errorf("advance: to %s is before now (%s)", t, h.eng.Now())
		}
		until = t
	}
	h.eng.RunUntil(until)
	return nil
}

// drain schedules the emptying of an action's token bucket (§7.12: a bucket
// refills at its rate after each).
func (h *ruleHarness) drain(args map[string][]string) error {
	name, err := single("drain", args, "api", "")
	if err != nil || name == "" {
		return fmt.Errorf("drain: api is required")
	}
	if h.n.cfg.Profile.Unlimited {
		return fmt.Errorf("drain: the node's EC2 account has no buckets (node ... throttle)")
	}
	api := ec2.NumAPIs
	for a := ec2.API(0); a < ec2.NumAPIs; a++ {
		if a.String() == name {
			api = a
		}
	}
	if api == ec2.NumAPIs {
		return fmt.Errorf("drain: unknown EC2 action %q", name)
	}
	at, until := h.eng.Now(), sim.Time(-1)
	for _, a := range []struct {
		key string
		dst *sim.Time
	}{{"at", &at}, {"until", &until}} {
		key, dst := a.key, a.dst
		s, err := single("drain", args, key, "")
		if err != nil {
			return err
		}
		if s == "" {
			continue
		}
		if *dst, err = parseAt("drain", key, s); err != nil {
			return err
		}
	}
	if at < h.eng.Now() {
		return fmt.Errorf("drain: at %s is before now (%s)", at, h.eng.Now())
	}
	if until < at {
		until = at
	}
	const every = 100 * sim.Millisecond
	var fire sim.HandlerFunc
	fire = func(now sim.Time, _ int64) {
		for h.acct.Take(api, now) {
		}
		if now+every <= until {
			h.eng.Schedule(now+every, fire, 0)
		}
	}
	h.eng.Schedule(at, fire, 0)
	return nil
}

func (h *ruleHarness) events(args map[string][]string) (string, error) {
	omit := args["omit"]
	for _, k := range omit {
		known := false
		for kind := EvReady; kind <= EvENIRemoved; kind++ {
			known = known || kind.String() == k
		}
		if !known {
			return "", fmt.Errorf("events: omit: unknown kind %q", k)
		}
	}
	var b strings.Builder
	for _, line := range h.pending {
		kind := strings.Fields(line)[1]
		if !slices.Contains(omit, kind) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	h.pending = h.pending[:0]
	return b.String(), nil
}

func (h *ruleHarness) stats() string {
	st := h.n.Stats()
	s := fmt.Sprintf("at %s: enis %d, total %d, assigned %d, avail %d (cooling %d)", h.eng.Now(), st.ENIs, st.TotalIPs,
		st.AssignedIPs, st.available(), st.CooldownIPs)
	if h.n.Limits().PD {
		s += fmt.Sprintf(", prefixes %d (free %d)", st.TotalPrefixes, st.FreePrefixes)
	}
	return s + fmt.Sprintf(", waiting %d\n", h.n.Waiting())
}

func (h *ruleHarness) podList() string {
	var b strings.Builder
	for _, name := range h.added {
		p := h.n.Pod(name)
		switch {
		case !p.Live:
		case p.Addr.IsValid():
			fmt.Fprintf(&b, "%s %s %s\n", name, p.Addr, p.ENI)
		default:
			fmt.Fprintf(&b, "%s waiting since %s\n", name, p.FirstAdd)
		}
	}
	if b.Len() == 0 {
		return "no pods\n"
	}
	return b.String()
}

func (h *ruleHarness) eniList() string {
	var b strings.Builder
	now := h.eng.Now()
	for _, e := range h.n.ENIs() {
		kind := "secondary IPs"
		if h.n.Limits().PD {
			kind = "prefixes"
		}
		primary := ""
		if e.Primary {
			primary = " primary"
		}
		cooling := 0 // as Node.Stats counts them: at now, without advancing the datastore
		for _, c := range e.CIDRs() {
			for bit := range 16 {
				if c.cooling&(1<<bit) != 0 && now-c.coolFrom[bit] <= h.n.set.IPCooldown {
					cooling++
				}
			}
		}
		fmt.Fprintf(&b, "%s device %d%s: %d %s (%d assigned, %d cooling), age %s\n",
			e.ID, e.Device, primary, len(e.CIDRs()), kind, e.AssignedCount(), cooling, now-e.CreatedAt)
	}
	return b.String()
}
