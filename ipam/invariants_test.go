package ipam

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// Randomised whole-node runs: thousands of pod ADDs and DELs over simulated
// hours, the engine stepped one event at a time, and the model's invariants
// (docs/model.md §9.12) checked after every engine event and every pod event.

type invCase struct {
	name       string
	inst       string
	set        func(s *Settings)
	subnet     string   // "" = the node's default /16
	eniSubnets []string // subnet discovery candidates
	podSubnet  string   // custom networking ENIConfig subnet
	reserve    string   // a prefix reservation in the node's subnet
	maxPods    int      // 0 = the node's default
}

var invCases = []invCase{
	{name: "sip-default", inst: "m5.large"},
	{name: "sip-warmip2-min10", inst: "m5.large", set: func(s *Settings) { s.WarmIPTarget, s.MinimumIPTarget = 2, 10 }},
	{name: "sip-eni0-cool5", inst: "t3.medium", set: func(s *Settings) { s.WarmENITarget, s.IPCooldown = 0, 5*sim.Second }},
	{name: "sip-warmip3-maxeni2", inst: "m5.xlarge", set: func(s *Settings) { s.WarmIPTarget, s.MaxENI = 3, 2 }},
	{name: "sip-default-tiny-subnet", inst: "m5.xlarge", subnet: "10.0.0.0/26"},
	{name: "pd-wpt1", inst: "t3.small", set: func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 }, maxPods: 110},
	{name: "pd-wip5-min20", inst: "t3.medium", set: func(s *Settings) {
		s.PrefixDelegation, s.WarmIPTarget, s.MinimumIPTarget = true, 5, 20
	}, maxPods: 110},
	{name: "pd-wpt0", inst: "t3.small", set: func(s *Settings) { s.PrefixDelegation = true }, maxPods: 60},
	{name: "pd-wpt2-small-subnet", inst: "m5.large", set: func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 2 },
		subnet: "10.0.0.0/25", maxPods: 110},
	{name: "sip-discovery-3-subnets", inst: "m5.xlarge", subnet: "10.0.0.0/27", eniSubnets: []string{"10.0.1.0/27", "10.0.2.0/26"}},
	{name: "pd-reservation", inst: "m5.large", set: func(s *Settings) { s.PrefixDelegation, s.WarmPrefixTarget = true, 1 },
		subnet: "10.0.0.0/25", reserve: "10.0.0.64/27", maxPods: 110},
	{name: "sip-custom-networking", inst: "t3.medium", set: func(s *Settings) { s.CustomNetworking = true },
		subnet: "10.0.0.0/28", podSubnet: "100.64.0.0/27"},
}

// configure applies a case to a node configuration (fresh subnets each time).
func (tc invCase) configure(t *testing.T, cfg *Config) {
	if tc.set != nil {
		tc.set(&cfg.Settings)
	}
	if tc.subnet != "" {
		cfg.Subnet = vpc.MustSubnet(tc.subnet)
		if tc.reserve != "" {
			if err := cfg.Subnet.ReservePrefixes(netip.MustParsePrefix(tc.reserve)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range tc.eniSubnets {
		cfg.ENISubnets = append(cfg.ENISubnets, vpc.MustSubnet(s))
	}
	if tc.podSubnet != "" {
		cfg.PodSubnet = vpc.MustSubnet(tc.podSubnet)
	}
}

type podEvent struct {
	at  sim.Time
	add bool
	pod string
}

// genPodEvents makes a random workload: a target pod count that changes every
// few minutes, ADDs and DELs (of running or waiting pods) moving towards it,
// with bursts of simultaneous events.
func genPodEvents(rng *rand.Rand, dur sim.Time, maxLive int) []podEvent {
	var evs []podEvent
	live := []string{}
	next := 0
	target := rng.IntN(maxLive + 1)
	retarget := sim.Time(0)
	for t := sim.Time(0); t < dur; {
		if t >= retarget {
			target = rng.IntN(maxLive + 1)
			retarget = t + sim.Time(60+rng.IntN(900))*sim.Second
		}
		burst := 1
		if rng.IntN(10) == 0 {
			burst = 1 + rng.IntN(12)
		}
		for k := 0; k < burst; k++ {
			add := len(live) < target
			if rng.IntN(5) == 0 { // churn against the target
				add = !add
			}
			if add || len(live) == 0 {
				name := fmt.Sprintf("pod-%d", next)
				next++
				live = append(live, name)
				evs = append(evs, podEvent{t, true, name})
			} else {
				i := rng.IntN(len(live))
				evs = append(evs, podEvent{t, false, live[i]})
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
			}
		}
		// Mean ~4 s between event groups; sometimes a long quiet spell.
		gap := sim.Time(rng.ExpFloat64() * 4 * float64(sim.Second))
		if rng.IntN(200) == 0 {
			gap += sim.Time(rng.IntN(600)) * sim.Second
		}
		t += gap + sim.Millisecond
	}
	// Finally delete everything.
	for _, name := range live {
		evs = append(evs, podEvent{dur, false, name})
	}
	return evs
}

// nodeChecker asserts a node's invariants; it keeps its maps between calls.
type nodeChecker struct {
	seen  map[netip.Addr]*CIDR // nil value: an ENI primary
	podAt map[netip.Addr]string
	inDS  map[*CIDR]bool
}

func newNodeChecker() *nodeChecker {
	return &nodeChecker{seen: map[netip.Addr]*CIDR{}, podAt: map[netip.Addr]string{}, inDS: map[*CIDR]bool{}}
}

// check asserts the node's invariants; live is the set of pods the kubelet
// has added and not deleted.
func (k *nodeChecker) check(n *Node, live map[string]bool) error {
	d := n.ds
	if err := recountDS(d); err != nil {
		return err
	}
	st := d.stats()
	lim := n.lim
	if st.ENIs > lim.MaxENIs {
		return fmt.Errorf("%d ENIs > limit %d", st.ENIs, lim.MaxENIs)
	}
	if st.AssignedIPs > st.TotalIPs || st.TotalIPs > lim.MaxENIs*lim.IPsPerENI() {
		return fmt.Errorf("assigned %d, total %d, limit %d·%d", st.AssignedIPs, st.TotalIPs, lim.MaxENIs, lim.IPsPerENI())
	}
	now := n.eng.Now()
	clear(k.seen)
	clear(k.podAt)
	clear(k.inDS)
	seen := k.seen
	held := map[*vpc.Subnet]int{}
	var sub *vpc.Subnet // the subnet of the ENI being checked
	name := func(c *CIDR) string {
		if c == nil {
			return "an ENI primary"
		}
		return c.eni.ID.String() + " " + c.Prefix.String()
	}
	hold := func(a netip.Addr, c *CIDR) error {
		if prev, dup := seen[a]; dup {
			return fmt.Errorf("address %s held twice: %s and %s", a, name(prev), name(c))
		}
		seen[a] = c
		held[sub]++
		if !sub.Prefix().Contains(a) {
			return fmt.Errorf("%s (%s) is outside its ENI's subnet %s", a, name(c), sub.Prefix())
		}
		if sub.IsFree(netip.PrefixFrom(a, 32)) {
			return fmt.Errorf("%s (%s) is held but free in the subnet", a, name(c))
		}
		return nil
	}
	primaries := 0
	inDS := k.inDS
	for _, e := range d.enis {
		if e.Primary {
			primaries++
			if e.Device != 0 {
				return fmt.Errorf("primary ENI on device %d", e.Device)
			}
		}
		if e.Device < 0 || e.Device >= len(n.devices) || !n.devices[e.Device] {
			return fmt.Errorf("%s on device %d, which EC2 does not show attached", e.ID, e.Device)
		}
		if len(e.CIDRs()) > lim.cidrsPerENI() {
			return fmt.Errorf("%s holds %d CIDRs > %d per ENI", e.ID, len(e.CIDRs()), lim.cidrsPerENI())
		}
		if sub = n.eniSubnet[e.ID]; sub == nil {
			return fmt.Errorf("%s has no subnet", e.ID)
		}
		if err := hold(e.PrimaryIP, nil); err != nil {
			return err
		}
		for _, c := range e.CIDRs() {
			inDS[c] = true
			if c.Prefix.Masked() != c.Prefix {
				return fmt.Errorf("unaligned CIDR %s", c.Prefix)
			}
			if (c.Prefix.Bits() == 28) != lim.PD || (c.Prefix.Bits() != 28 && c.Prefix.Bits() != 32) {
				return fmt.Errorf("CIDR %s in a PD=%v node", c.Prefix, lim.PD)
			}
			a := c.Prefix.Addr()
			for i := 0; i < int(c.size); i++ {
				if err := hold(a, c); err != nil {
					return err
				}
				if c.cooling&(1<<i) != 0 && now-c.coolFrom[i] > n.set.IPCooldown {
					return fmt.Errorf("%s still cooling %v after its DEL", a, now-c.coolFrom[i])
				}
				a = a.Next()
			}
		}
	}
	if n.ready && primaries != 1 {
		return fmt.Errorf("%d primary ENIs", primaries)
	}
	// Pods: each running pod's address is assigned in the datastore, and no
	// address is held by two pods.
	podAt := k.podAt
	running, waiting, pending := 0, 0, 0
	for name := range live {
		p := n.Pod(name)
		switch {
		case p.Addr.IsValid():
			running++
			if other, dup := podAt[p.Addr]; dup {
				return fmt.Errorf("pods %s and %s share %s", other, name, p.Addr)
			}
			podAt[p.Addr] = name
			if _, ok := seen[p.Addr]; !ok {
				return fmt.Errorf("pod %s has %s, which no ENI holds", name, p.Addr)
			}
			i, _ := findPod(&n.pods, name)
			pp := &n.pods.pods[i]
			if pp.cidr.assigned&(1<<pp.bit) == 0 || pp.cidr.eni.ID != p.ENI {
				return fmt.Errorf("pod %s's address %s not assigned in the datastore", name, p.Addr)
			}
			if !inDS[pp.cidr] {
				return fmt.Errorf("pod %s's CIDR %s left the datastore", name, pp.cidr.Prefix)
			}
		case p.Unschedulable:
			pending++
		case p.Live:
			waiting++
		default:
			return fmt.Errorf("live pod %s unknown to the node", name)
		}
	}
	// §5.14: no more pods than max pods are bound; the rest wait unschedulable.
	if running+waiting > n.MaxPods() || (pending > 0 && running+waiting < n.MaxPods()) {
		return fmt.Errorf("%d pods bound, %d unschedulable, max pods %d", running+waiting, pending, n.MaxPods())
	}
	if running != st.AssignedIPs || waiting != n.Waiting() || n.pods.index.n != len(live) {
		return fmt.Errorf("running %d vs assigned %d, waiting %d vs %d, pods %d vs live %d",
			running, st.AssignedIPs, waiting, n.Waiting(), n.pods.index.n, len(live))
	}
	// With no EC2 call or sleep in flight, the subnet and EC2's view agree
	// exactly with the datastore.
	if n.loop.inFlight == nil && !n.loop.sleeping {
		for _, sub := range nodeSubnets(n) {
			if got := sub.Free() + sub.ReservedFree() + held[sub] + 5; got != sub.Size() {
				return fmt.Errorf("subnet %s: free %d + reserved free %d + held %d + 5 AWS-reserved = %d, want size %d",
					sub.Prefix(), sub.Free(), sub.ReservedFree(), held[sub], got, sub.Size())
			}
		}
		if len(n.eniAddrs) != len(d.enis) {
			return fmt.Errorf("EC2 knows %d ENIs, the datastore %d", len(n.eniAddrs), len(d.enis))
		}
		attached := 0
		for _, a := range n.devices {
			if a {
				attached++
			}
		}
		if attached != len(d.enis) {
			return fmt.Errorf("%d devices attached, %d ENIs", attached, len(d.enis))
		}
		for _, e := range d.enis {
			ec2 := map[netip.Prefix]bool{}
			for _, p := range n.eniAddrs[e.ID] {
				ec2[p] = true
			}
			want := 1 + len(e.CIDRs())
			if len(ec2) != want || !ec2[netip.PrefixFrom(e.PrimaryIP, 32)] {
				return fmt.Errorf("%s: EC2 has %v, datastore primary %s + %d CIDRs", e.ID, n.eniAddrs[e.ID], e.PrimaryIP, len(e.CIDRs()))
			}
			for _, c := range e.CIDRs() {
				if !ec2[c.Prefix] {
					return fmt.Errorf("%s: %s in the datastore, not in EC2", e.ID, c.Prefix)
				}
			}
		}
	}
	return nil
}

// nodeSubnets lists the distinct subnets a node can take addresses from.
func nodeSubnets(n *Node) []*vpc.Subnet {
	out := []*vpc.Subnet{n.subnet}
	for _, s := range append(append([]*vpc.Subnet{}, n.cfg.ENISubnets...), n.cfg.PodSubnet) {
		if s != nil && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

type invResult struct {
	events, steps   int
	peakWaiting     int
	noIP            uint64
	enisFreed       uint64
	unassigns       uint64
	insufficientErr uint64
}

func runInvariants(t *testing.T, tc invCase, order AssignOrder, profile string, seed uint64, dur sim.Time) invResult {
	t.Helper()
	cfg := Config{Name: "inv", Instance: mustInstance(t, tc.inst), Settings: DefaultSettings(),
		Profile: mustProfile(t, profile), Order: order, Seed: seed, MaxPods: tc.maxPods}
	tc.configure(t, &cfg)
	eng := sim.NewEngine()
	n, _, err := NewNode(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	n.Start()
	maxLive := min(n.MaxPods(), n.lim.MaxENIs*n.lim.IPsPerENI()) + 4
	evs := genPodEvents(sim.NewRand(seed, "inv/"+tc.name), dur, maxLive)
	live := map[string]bool{}
	chk := newNodeChecker()
	var res invResult
	fail := func(what string, err error) {
		t.Fatalf("%s/%v/%s/seed %d at %v after %s: %v (stats %+v)", tc.name, order, profile, seed, eng.Now(), what, err, n.ds.stats())
	}
	end := dur + 30*sim.Minute
	k := 0
	for {
		tE, okE := eng.NextAt()
		if k < len(evs) && (!okE || evs[k].at < tE) {
			ev := evs[k]
			k++
			eng.RunUntil(ev.at) // fires nothing: the next engine event is later
			if ev.add {
				if err := n.AddPod([]byte(ev.pod)); err != nil {
					t.Fatal(err)
				}
				live[ev.pod] = true
			} else {
				if err := n.DelPod([]byte(ev.pod)); err != nil {
					t.Fatal(err)
				}
				delete(live, ev.pod)
			}
			res.events++
			if err := chk.check(n, live); err != nil {
				fail(fmt.Sprintf("pod event %+v", ev), err)
			}
			continue
		}
		if !okE || tE > end {
			break
		}
		eng.Step()
		res.steps++
		if err := chk.check(n, live); err != nil {
			fail("engine step", err)
		}
	}
	eng.RunUntil(end)
	st := n.Stats()
	if st.AssignedIPs != 0 || n.Waiting() != 0 || len(live) != 0 {
		t.Errorf("%s/%v/%s/seed %d: after all pods left: %+v, waiting %d", tc.name, order, profile, seed, st, n.Waiting())
	}
	c := &n.Counters
	res.peakWaiting = c.PeakWaiting
	res.noIP = c.NoAvailableIP
	res.enisFreed = c.ENIsFreed
	res.unassigns = c.EC2Requests[ec2.UnassignPrivateIpAddresses]
	for k, v := range c.EC2Latency {
		if k.Status == ec2.InsufficientCidrBlocks || k.Status == ec2.InsufficientFreeAddressesInSubnet {
			res.insufficientErr += v.Count
		}
	}
	if c.PodsAdded != c.PodsAssigned+c.PodsCancelled {
		t.Errorf("%s/%v/%s/seed %d: pods added %d ≠ assigned %d + cancelled %d", tc.name, order, profile, seed,
			c.PodsAdded, c.PodsAssigned, c.PodsCancelled)
	}
	return res
}

func TestInvariantsRandomised(t *testing.T) {
	seeds := []uint64{1, 2}
	dur := 2 * sim.Hour
	if testing.Short() {
		seeds, dur = seeds[:1], sim.Hour
	}
	for _, tc := range invCases {
		for _, order := range []AssignOrder{FirstFit, GoMapOrder} {
			for _, profile := range []string{"zero", "default"} {
				t.Run(fmt.Sprintf("%s/%v/%s", tc.name, order, profile), func(t *testing.T) {
					t.Parallel()
					var total invResult
					for _, seed := range seeds {
						r := runInvariants(t, tc, order, profile, seed, dur)
						total.events += r.events
						total.steps += r.steps
						total.noIP += r.noIP
						total.enisFreed += r.enisFreed
						total.unassigns += r.unassigns
						total.insufficientErr += r.insufficientErr
					}
					if want := int(dur/sim.Hour) * 500 * len(seeds); total.events < want { // ≈ 900 per hour generated
						t.Errorf("only %d pod events, want ≥ %d", total.events, want)
					}
					t.Logf("%s: %d pod events, %d engine events, %d failed ADDs, %d ENIs freed, %d unassign calls, %d insufficient-address answers",
						tc.name, total.events, total.steps, total.noIP, total.enisFreed, total.unassigns, total.insufficientErr)
				})
			}
		}
	}
}

// tickingPolicy hides a policy's NextTimer and NeedsPass, so the node's loop
// passes every period and wakes for every pod event: the plain upstream
// cadence, without skip-ahead.
type tickingPolicy struct{ Policy }

func (w tickingPolicy) Attach(o Ops) Controller {
	c := w.Policy.Attach(o)
	c.NextTimer, c.NeedsPass = nil, nil
	return c
}

// observedRun replays a random workload and returns every observable change:
// the node's counts, waiting pods and EC2 requests, each with its instant.
func observedRun(t *testing.T, tc invCase, order AssignOrder, profile string, seed uint64, dur sim.Time, pol Policy) []string {
	t.Helper()
	cfg := Config{Name: "eq", Instance: mustInstance(t, tc.inst), Settings: DefaultSettings(),
		Profile: mustProfile(t, profile), Order: order, Seed: seed, MaxPods: tc.maxPods, Policy: pol}
	tc.configure(t, &cfg)
	eng := sim.NewEngine()
	n, _, err := NewNode(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	n.Start()
	maxLive := min(n.MaxPods(), n.lim.MaxENIs*n.lim.IPsPerENI()) + 4
	evs := genPodEvents(sim.NewRand(seed, "inv/"+tc.name), dur, maxLive)
	var log []string
	last := ""
	observe := func() {
		st := n.ds.stats()
		st.CooldownIPs = 0 // cooldown expiry is processed lazily
		c := &n.Counters
		s := fmt.Sprintf("%+v waiting=%d assigned=%d noIP=%d ec2=%v freed=%d", st, n.Waiting(),
			c.PodsAssigned, c.NoAvailableIP, c.EC2Requests, c.ENIsFreed)
		if s != last {
			log = append(log, eng.Now().String()+" "+s)
			last = s
		}
	}
	end := dur + 30*sim.Minute
	k := 0
	for {
		tE, okE := eng.NextAt()
		if k < len(evs) && (!okE || evs[k].at < tE) {
			ev := evs[k]
			k++
			eng.RunUntil(ev.at)
			if ev.add {
				n.AddPod([]byte(ev.pod))
			} else {
				n.DelPod([]byte(ev.pod))
			}
			observe()
			continue
		}
		if !okE || tE > end {
			break
		}
		eng.Step()
		observe()
	}
	return log
}

// TestSkipAheadEquivalence: the loop's skip-ahead (Controller.NextTimer, NeedsPass)
// must not change anything observable: the same run with a policy that
// ticks every 5 s gives the same counts and EC2 calls at the same instants.
// First-fit only: in go-map order an idle pass still draws from the map-walk
// random stream.
func TestSkipAheadEquivalence(t *testing.T) {
	dur := 2 * sim.Hour
	if testing.Short() {
		dur = 30 * sim.Minute
	}
	for _, tc := range invCases {
		for _, profile := range []string{"zero", "default"} {
			t.Run(tc.name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				a := observedRun(t, tc, FirstFit, profile, 5, dur, nil)
				b := observedRun(t, tc, FirstFit, profile, 5, dur, tickingPolicy{defaultPolicy()})
				for i := 0; i < len(a) && i < len(b); i++ {
					if a[i] != b[i] {
						t.Fatalf("runs differ at change %d:\n skip-ahead: %s\n ticking:    %s", i, a[i], b[i])
					}
				}
				t.Logf("%d observable changes", len(a))
				if len(a) != len(b) {
					t.Fatalf("skip-ahead run has %d changes, ticking run %d", len(a), len(b))
				}
			})
		}
	}
}
