package ipam

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// Whole-node scenarios driven through the engine. With the zero profile every
// EC2 call is instant, the node is ready at t=0 and the pool loop passes at
// 2.5 s + k·5 s (§2 Cadence: sleep 2.5 s, update, sleep 2.5 s, reconcile), so
// expected instants below are on that grid.

func sec(s float64) sim.Time { return sim.Seconds(s) }

// running and waiting are a live pod's two states: with an address, or
// waiting for one.
func running(p PodInfo) bool { return p.Live && p.Addr.IsValid() }
func waiting(p PodInfo) bool { return p.Live && !p.Addr.IsValid() }

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func mustInstance(t testing.TB, name string) catalog.InstanceType {
	t.Helper()
	it, err := catalog.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func mustProfile(t testing.TB, name string) ec2.Profile {
	t.Helper()
	p, err := ec2.ProfileByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type callRec struct {
	at  sim.Time
	api ec2.API
}

// harness runs one node on its own engine and records when each EC2 request
// completed (Counters.EC2Requests increments), by stepping the engine.
type harness struct {
	t     testing.TB
	eng   *sim.Engine
	n     *Node
	warn  []string
	calls []callRec
	last  [ec2.NumAPIs]uint64
	// onStep, if set, runs after every engine event.
	onStep func()
}

func newHarness(t testing.TB, instance, profile string, mod func(c *Config)) *harness {
	t.Helper()
	cfg := Config{Name: "node-1", Instance: mustInstance(t, instance), Settings: DefaultSettings(),
		Profile: mustProfile(t, profile), Seed: 1}
	if mod != nil {
		mod(&cfg)
	}
	eng := sim.NewEngine()
	n, w, err := NewNode(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	h := &harness{t: t, eng: eng, n: n, warn: w}
	n.Start()
	return h
}

// at runs f at simulated second s.
func (h *harness) at(s float64, f func()) {
	h.eng.Schedule(sec(s), sim.HandlerFunc(func(sim.Time, int64) { f() }), 0)
}

func (h *harness) add(s float64, names ...string) {
	h.at(s, func() {
		for _, name := range names {
			if err := h.n.AddPod([]byte(name)); err != nil {
				h.t.Errorf("AddPod(%s) at %v: %v", name, h.eng.Now(), err)
			}
		}
	})
}

func (h *harness) del(s float64, names ...string) {
	h.at(s, func() {
		for _, name := range names {
			if err := h.n.DelPod([]byte(name)); err != nil {
				h.t.Errorf("DelPod(%s) at %v: %v", name, h.eng.Now(), err)
			}
		}
	})
}

func (h *harness) record() {
	now := h.eng.Now()
	for api := ec2.API(0); api < ec2.NumAPIs; api++ {
		for c := h.n.Counters.EC2Requests[api]; h.last[api] < c; h.last[api]++ {
			h.calls = append(h.calls, callRec{now, api})
		}
	}
}

// run steps the engine up to and including simulated second s.
func (h *harness) run(s float64) {
	until := sec(s)
	for {
		at, ok := h.eng.NextAt()
		if !ok || at > until {
			break
		}
		h.eng.Step()
		h.record()
		if h.onStep != nil {
			h.onStep()
		}
	}
	h.eng.RunUntil(until)
}

// callsOf returns the completion instants of api's requests.
func (h *harness) callsOf(api ec2.API) []sim.Time {
	var out []sim.Time
	for _, c := range h.calls {
		if c.api == api {
			out = append(out, c.at)
		}
	}
	return out
}

func (h *harness) stats() Stats { return h.n.Stats() }

// expectState checks ENIs, total and assigned addresses.
func (h *harness) expectState(when string, enis, total, assigned int) {
	h.t.Helper()
	st := h.stats()
	if st.ENIs != enis || st.TotalIPs != total || st.AssignedIPs != assigned {
		h.t.Errorf("%s (t=%v): ENIs %d total %d assigned %d, want %d %d %d",
			when, h.eng.Now(), st.ENIs, st.TotalIPs, st.AssignedIPs, enis, total, assigned)
	}
}

func podNames(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func timesEqual(a []sim.Time, b ...float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != sec(b[i]) {
			return false
		}
	}
	return true
}

// TestNodeSIPWorkedExample is §2's worked example on m5.large (L=10, S=9,
// N=3, WARM_ENI=1): init fills the primary to 9; the first pod leaves 8 < 9
// available → ENI 2 with 9 (18); at 10 pods 8 < 9 available → ENI 3 (27).
func TestNodeSIPWorkedExample(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	if h.n.MaxPods() != 29 { // 3·(10−1)+2
		t.Errorf("MaxPods = %d, want 29", h.n.MaxPods())
	}
	h.run(0)
	if !h.n.Ready() {
		t.Fatal("zero profile: node not ready at t=0")
	}
	h.expectState("after init", 1, 9, 0)
	h.run(60)
	h.expectState("idle", 1, 9, 0)
	if e := h.n.ENIs()[0]; !e.Primary || e.Device != 0 || len(e.CIDRs()) != 9 {
		t.Errorf("primary ENI: %+v with %d CIDRs", e, len(e.CIDRs()))
	}

	h.add(100, "p1")
	h.run(100)
	h.expectState("right after the first ADD (an ADD never grows the pool)", 1, 9, 1)
	h.run(102.5) // next pass: 2.5 + 20·5
	h.expectState("first pass after p1", 2, 18, 1)
	for _, api := range []ec2.API{ec2.DescribeSubnets, ec2.CreateNetworkInterface, ec2.DescribeInstances, ec2.AttachNetworkInterface, ec2.ModifyNetworkInterfaceAttribute} {
		if got := h.callsOf(api); !timesEqual(got, 102.5) {
			t.Errorf("%s calls at %v, want one at 102.5s", api, got)
		}
	}
	if e := h.n.ENIs()[1]; e.Device != 1 || e.CreatedAt != sec(102.5) || e.total != 9 {
		t.Errorf("ENI 2: device %d created %v total %d, want 1, 102.5s, 9", e.Device, e.CreatedAt, e.total)
	}

	h.add(120, podNames("p", 2, 9)...)
	h.run(140)
	h.expectState("9 pods", 2, 18, 9) // avail 9, not < 9
	h.add(150, "p10")
	h.run(160)
	h.expectState("10 pods", 3, 27, 10) // avail 8 < 9 → ENI 3
	h.run(600)
	h.expectState("10 pods settled", 3, 27, 10)
	if c := h.n.Counters; c.ENIsAttached != 3 || c.NoAvailableIP != 0 || c.PodsAssigned != 10 || c.PodsWaited != 0 {
		t.Errorf("counters: attached %d noIP %d assigned %d waited %d", c.ENIsAttached, c.NoAvailableIP, c.PodsAssigned, c.PodsWaited)
	}
	// First fit: p1..p9 on the primary, p10 on ENI 2.
	if got := h.n.Pod("p9").ENI; got != h.n.ENIs()[0].ID {
		t.Errorf("p9 on %v, want the primary", got)
	}
	if got := h.n.Pod("p10").ENI; got != h.n.ENIs()[1].ID {
		t.Errorf("p10 on %v, want ENI 2", got)
	}
}

// TestNodeWarmIPInit: WARM_IP=2 MIN=10 on m5.large: pre-scaling assigns
// min(S=9, short=10) = 9 to the primary; the first pass finds short =
// max(2−9, 10−9) = 1 with the primary full → ENI 2 with min(1, 9) = 1 →
// 2 ENIs, 10 IPs (oracle warmip2_minip10_m5large_ramp init row). Then a ramp:
// at 9 pods short = 2−1 = 1 → 11, at 10 pods → 12.
func TestNodeWarmIPInit(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Settings.WarmIPTarget, c.Settings.MinimumIPTarget = 2, 10
	})
	h.run(0)
	h.expectState("after pre-scaling", 1, 9, 0)
	h.run(2.5)
	h.expectState("after the first pass", 2, 10, 0)
	if e := h.n.ENIs(); e[0].total != 9 || e[1].total != 1 {
		t.Errorf("per-ENI totals %d, %d; want 9, 1", e[0].total, e[1].total)
	}
	for i := 1; i <= 10; i++ {
		h.add(float64(10*i), fmt.Sprintf("p%d", i))
	}
	h.run(89) // 8 pods: avail 2, short 0
	h.expectState("8 pods", 2, 10, 8)
	h.run(99) // 9 pods (at 90): avail 1 → +1
	h.expectState("9 pods", 2, 11, 9)
	h.run(109)
	h.expectState("10 pods", 2, 12, 10)
	if got := h.n.Counters.NoAvailableIP; got != 0 {
		t.Errorf("NoAvailableIP = %d, want 0", got)
	}
}

// TestNodeFailedADD: a burst of 10 pods on an idle m5.large (9 free): the 10th
// ADD fails; the ADD does not grow the pool; the next pass (102.5 s) attaches
// ENI 2; the pod is retried exactly 10 s after its ADD (zero profile) and
// waits 10 s.
func TestNodeFailedADD(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.add(100, podNames("p", 1, 10)...)
	checked := false
	h.at(100, func() { // same instant, after the burst
		checked = true
		st := h.n.Stats()
		if st.TotalIPs != 9 || st.ENIs != 1 || st.AssignedIPs != 9 {
			t.Errorf("right after the failed ADD: %+v, want 9 total on 1 ENI (an ADD never grows the pool)", st)
		}
		if h.n.Waiting() != 1 || h.n.Counters.NoAvailableIP != 1 {
			t.Errorf("waiting %d, NoAvailableIP %d; want 1, 1", h.n.Waiting(), h.n.Counters.NoAvailableIP)
		}
		if p := h.n.Pod("p10"); !waiting(p) || !p.Waited || p.FirstAdd != sec(100) {
			t.Errorf("p10 = %+v, want waiting since 100s", p)
		}
	})
	h.run(102.5 - 1e-9)
	if !checked {
		t.Fatal("check did not run")
	}
	h.expectState("just before the next pass", 1, 9, 9)
	h.run(102.5)
	h.expectState("after the pass", 2, 18, 9)
	h.run(110 - 1e-9)
	if p := h.n.Pod("p10"); !waiting(p) {
		t.Errorf("p10 got an address before its retry: %+v", p)
	}
	h.run(110)
	p := h.n.Pod("p10")
	if !running(p) || !p.Waited {
		t.Fatalf("p10 at 110s = %+v, want running after a wait", p)
	}
	c := h.n.Counters
	if c.AddRequests != 11 || c.PodsWaited != 1 || c.NoAvailableIP != 1 || c.Wait.Max() != 10*sim.Second || c.Wait.Count() != 10 {
		t.Errorf("AddRequests %d (want 11) PodsWaited %d (1) NoAvailableIP %d (1) max wait %v (10s) waits %d (10)",
			c.AddRequests, c.PodsWaited, c.NoAvailableIP, c.Wait.Max(), c.Wait.Count())
	}
	if !p.Addr.IsValid() || p.ENI != h.n.ENIs()[1].ID {
		t.Errorf("p10 address %v on %v, want ENI 2", p.Addr, p.ENI)
	}
}

// TestNodeRetryEvery10s: with no way to grow (MAX_ENI=1, primary full) a
// waiting pod is retried every 10 s: ADDs at 100, 110, 120, 130.
func TestNodeRetryEvery10s(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.MaxENI = 1 })
	h.add(100, podNames("p", 1, 10)...)
	h.run(135)
	c := h.n.Counters
	if c.AddRequests != 13 || c.NoAvailableIP != 4 { // 10 first ADDs + retries at 110, 120, 130; 4 failures
		t.Errorf("AddRequests %d NoAvailableIP %d, want 13, 4", c.AddRequests, c.NoAvailableIP)
	}
	if h.n.Waiting() != 1 {
		t.Errorf("Waiting = %d, want 1", h.n.Waiting())
	}
	h.expectState("MAX_ENI=1", 1, 9, 9)
}

// TestNodeDelWaitingPod: a DEL of a waiting pod cancels its retry.
func TestNodeDelWaitingPod(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.add(100, podNames("p", 1, 10)...)
	h.del(105, "p10") // before its retry at 110
	h.run(130)
	c := h.n.Counters
	if c.AddRequests != 10 || c.PodsCancelled != 1 || c.DelRequests != 1 || h.n.Waiting() != 0 {
		t.Errorf("AddRequests %d (want 10: no retry) PodsCancelled %d (1) DelRequests %d (1) Waiting %d (0)",
			c.AddRequests, c.PodsCancelled, c.DelRequests, h.n.Waiting())
	}
	if p := h.n.Pod("p10"); p.Live {
		t.Errorf("deleted pod still known: %+v", p)
	}
	if c.Wait.Count() != 9 {
		t.Errorf("waits recorded %d, want 9 (a cancelled pod records none)", c.Wait.Count())
	}
	// The name can be reused; the pool has grown meanwhile, so it gets an address at once.
	h.add(140, "p10")
	h.run(140)
	if p := h.n.Pod("p10"); !running(p) || p.Waited {
		t.Errorf("re-added p10 = %+v, want running without waiting", p)
	}
	// Unknown pods are errors.
	if err := h.n.DelPod([]byte("nope")); err == nil {
		t.Error("DelPod of an unknown pod: no error")
	}
	if err := h.n.AddPod([]byte("p1")); err == nil {
		t.Error("AddPod of a live pod: no error")
	}
}

// eniFreeTime steps the harness and returns when Counters.ENIsFreed first
// became 1.
func eniFreeTime(h *harness, until float64) (sim.Time, bool) {
	var at sim.Time
	found := false
	h.onStep = func() {
		if !found && h.n.Counters.ENIsFreed > 0 {
			at, found = h.eng.Now(), true
		}
	}
	h.run(until)
	h.onStep = nil
	return at, found
}

// TestNodeENIFreeAfter60s: m5.large, MAX_ENI=2. p1 at 100 → ENI 2 at 102.5.
// p2..p10 at 105 → p2..p9 fill the primary, p10 lands on ENI 2. All pods leave
// at 110: avail 18 ≥ (1+1)·9 so an ENI may go, but ENI 2 is only 60 s old at
// 162.5 (p10's IP left cooldown at 140+) → freed at the pass at 162.5.
func TestNodeENIFreeAfter60s(t *testing.T) {
	t.Run("skip-ahead", func(t *testing.T) { testNodeENIFreeAfter60s(t, nil) })
	t.Run("ticking", func(t *testing.T) { testNodeENIFreeAfter60s(t, tickingPolicy{defaultPolicy()}) })
}

func testNodeENIFreeAfter60s(t *testing.T, pol Policy) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.MaxENI, c.Policy = 2, pol })
	free0 := -1
	h.at(50, func() { free0 = h.n.Subnet().Free() })
	h.add(100, "p1")
	h.add(105, podNames("p", 2, 10)...)
	h.del(110, podNames("p", 1, 10)...)
	h.run(106)
	h.expectState("10 pods, MAX_ENI=2", 2, 18, 10)
	if h.n.Pod("p10").ENI != h.n.ENIs()[1].ID {
		t.Fatalf("p10 not on ENI 2")
	}
	at, ok := eniFreeTime(h, 300)
	if !ok || at != sec(162.5) {
		t.Errorf("ENI 2 freed at %v (%v), want 162.5s (created 102.5 s + 60 s)", at, ok)
	}
	h.expectState("after the free", 1, 9, 0)
	for _, api := range []ec2.API{ec2.DescribeNetworkInterfaces, ec2.DetachNetworkInterface, ec2.DeleteNetworkInterface} {
		got := h.callsOf(api)
		if len(got) == 0 || got[len(got)-1] != sec(162.5) {
			t.Errorf("%s calls %v, want the last at 162.5s", api, got)
		}
	}
	if h.n.Subnet().Free() != free0 {
		t.Errorf("subnet free %d after the ENI left, want %d as before it came", h.n.Subnet().Free(), free0)
	}
}

// TestNodeENIFreeAfterCooldown: as above but p10 (on ENI 2) leaves at 140:
// its IP cools while now−140 ≤ 30 s, so the passes at 162.5 and 167.5 keep
// ENI 2 and the one at 172.5 frees it.
func TestNodeENIFreeAfterCooldown(t *testing.T) {
	t.Run("skip-ahead", func(t *testing.T) { testNodeENIFreeAfterCooldown(t, nil) })
	t.Run("ticking", func(t *testing.T) { testNodeENIFreeAfterCooldown(t, tickingPolicy{defaultPolicy()}) })
}

func testNodeENIFreeAfterCooldown(t *testing.T, pol Policy) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.MaxENI, c.Policy = 2, pol })
	h.add(100, "p1")
	h.add(105, podNames("p", 2, 10)...)
	h.del(110, podNames("p", 1, 9)...)
	h.del(140, "p10")
	at, ok := eniFreeTime(h, 300)
	if !ok || at != sec(172.5) {
		t.Errorf("ENI 2 freed at %v (%v), want 172.5s (cooldown of p10's IP ends after 170 s)", at, ok)
	}
	h.expectState("after the free", 1, 9, 0)
}

// TestNodeDefaultModeKeepsSpareENI: SIP default never releases single IPs
// and frees a whole ENI only when free ≥ (WARM_ENI+1)·S (oracle rule 3):
// 3 ENIs (27) with 10 pods; deleting 1 pod leaves 18 free ≥ 18 → ENI 3 (no
// pods, 60 s old) goes; deleting more pods never releases single IPs.
func TestNodeDefaultModeKeepsSpareENI(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.add(100, podNames("p", 1, 10)...) // p10 waits; ENI 2 at 102.5; p10 at 110; ENI 3 at 112.5
	h.run(200)
	h.expectState("10 pods", 3, 27, 10)
	h.del(300, "p1") // 9 pods on 27: free 18
	h.run(400)
	h.expectState("9 pods", 2, 18, 9)
	h.del(500, podNames("p", 2, 9)...)
	h.run(800)
	h.expectState("1 pod (p10 on ENI 2)", 2, 18, 1)
	if got := h.callsOf(ec2.UnassignPrivateIpAddresses); len(got) != 0 {
		t.Errorf("SIP default released single IPs at %v", got)
	}
	h.del(900, "p10")
	h.run(1000)
	h.expectState("idle", 1, 9, 0)
}

// TestNodeDecreaseGate: warm-IP mode releases at most once per 30 s (§2:
// a decrease needs more than 30 s since the last one). m5.large, MAX_ENI=1,
// WARM_IP=2: 7 pods settle at 9 addresses. DEL of 3 pods at 400 → over =
// min(5−2, 9) = 3 → released at 402.5. DEL of 2 more at 405 → over 2, but the
// passes 407.5…432.5 are within 30 s (432.5−402.5 = 30 is not > 30) → released
// at 437.5.
func TestNodeDecreaseGate(t *testing.T) {
	t.Run("skip-ahead", func(t *testing.T) { testNodeDecreaseGate(t, nil) })
	t.Run("ticking", func(t *testing.T) { testNodeDecreaseGate(t, tickingPolicy{defaultPolicy()}) })
}

func testNodeDecreaseGate(t *testing.T, pol Policy) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Policy = pol
		c.Settings.MaxENI = 1
		c.Settings.WarmIPTarget = 2
	})
	h.run(50)
	h.expectState("init", 1, 2, 0) // short = 2
	h.add(100, podNames("p", 1, 7)...)
	h.run(300)
	h.expectState("7 pods", 1, 9, 7) // 7 + WARM 2 = 9 = S
	h.del(400, "p1", "p2", "p3")
	h.del(405, "p4", "p5")
	h.run(436)
	if got := h.callsOf(ec2.UnassignPrivateIpAddresses); !timesEqual(got, 402.5) {
		t.Errorf("UnassignPrivateIpAddresses at %v, want [402.5s] by 436 s", got)
	}
	h.expectState("after the first decrease", 1, 6, 2)
	h.run(600)
	if got := h.callsOf(ec2.UnassignPrivateIpAddresses); !timesEqual(got, 402.5, 437.5) {
		t.Errorf("UnassignPrivateIpAddresses at %v, want [402.5s 437.5s]", got)
	}
	h.expectState("after the second decrease", 1, 4, 2)
}

// TestNodeDecreaseGateGaps: a long churn in warm-IP mode; consecutive
// decreases are always more than 30 s apart.
func TestNodeDecreaseGateGaps(t *testing.T) {
	for _, order := range []AssignOrder{FirstFit, GoMapOrder} {
		h := newHarness(t, "m5.xlarge", "zero", func(c *Config) {
			c.Settings.WarmIPTarget, c.Settings.MinimumIPTarget = 3, 5
			c.Order = order
		})
		for i := 0; i < 40; i++ {
			h.add(100+float64(i)*3, fmt.Sprintf("p%d", i))
		}
		for i := 0; i < 40; i++ {
			h.del(400+float64(i)*4, fmt.Sprintf("p%d", i))
		}
		h.run(1200)
		var instants []sim.Time
		for _, at := range h.callsOf(ec2.UnassignPrivateIpAddresses) {
			if len(instants) == 0 || instants[len(instants)-1] != at {
				instants = append(instants, at)
			}
		}
		if len(instants) < 3 {
			t.Fatalf("%v: only %d decreases: %v", order, len(instants), instants)
		}
		for i := 1; i < len(instants); i++ {
			if d := instants[i] - instants[i-1]; d <= 30*sim.Second {
				t.Errorf("%v: decreases at %v and %v, %v apart (must be > 30 s)", order, instants[i-1], instants[i], d)
			}
		}
		h.expectState(fmt.Sprintf("%v idle: MIN 5 held", order), h.stats().ENIs, 5, 0)
	}
}

// TestNodeInsufficientPause: m5.xlarge (S=14) in a /28 (11 usable: .4–.14).
// The primary takes .4; pre-scaling asks for 14 (fails), then 1 (ok); each
// pass then gets one more IP the same way, until the subnet is empty after
// the pass at 42.5 s (10 secondary IPs). At 47.5 s both AssignPrivateIpAddresses
// fail with InsufficientFreeAddressesInSubnet, subnet discovery moves on to a
// new ENI, whose CreateNetworkInterface fails the same way → 120 s pause: no
// AssignPrivateIpAddresses or CreateNetworkInterface until 47.5+120 = 167.5
// (inclusive), then the next pass at 172.5 tries again.
// The same holds with the plain 5 s cadence (tickingPolicy), where a pass
// does run at 167.5 s, exactly 120 s after the failure: upstream's
// inInsufficientCidrCoolingPeriod is time.Since(last) <= 120 s, still paused.
func TestNodeInsufficientPause(t *testing.T) {
	t.Run("skip-ahead", func(t *testing.T) { testInsufficientPause(t, nil) })
	t.Run("ticking", func(t *testing.T) { testInsufficientPause(t, tickingPolicy{defaultPolicy()}) })
}

func testInsufficientPause(t *testing.T, pol Policy) {
	h := newHarness(t, "m5.xlarge", "zero", func(c *Config) {
		c.Subnet = vpc.MustSubnet("10.0.0.0/28")
		c.Policy = pol
	})
	// 11 usable addresses, one taken by the instance's primary ENI at launch.
	if h.n.Subnet().Free() != 10 {
		t.Fatalf("/28 free = %d, want 10", h.n.Subnet().Free())
	}
	h.run(45)
	h.expectState("subnet exhausted", 1, 10, 0)
	if h.n.Subnet().Free() != 0 {
		t.Errorf("subnet free %d, want 0", h.n.Subnet().Free())
	}
	h.run(400)
	assign := h.callsOf(ec2.AssignPrivateIpAddresses)
	create := h.callsOf(ec2.CreateNetworkInterface)
	if !timesEqual(create, 47.5, 172.5, 297.5) {
		t.Errorf("CreateNetworkInterface at %v, want [47.5s 172.5s 297.5s] (120 s pause after each failure)", create)
	}
	var failure sim.Time = sec(47.5)
	for _, at := range append(append([]sim.Time{}, assign...), create...) {
		if at > failure && at <= failure+120*sim.Second {
			t.Errorf("EC2 growth call at %v within 120 s of the failure at %v", at, failure)
		}
	}
	// Assign calls: 2 at pre-scaling, 2 per pass 2.5…42.5 (9 passes), 2 at 47.5, 2 at 172.5, 2 at 297.5.
	if len(assign) != 2+18+2+2+2 {
		t.Errorf("%d AssignPrivateIpAddresses calls, want 26: %v", len(assign), assign)
	}
	if n := h.n.Counters.EC2Errors[ec2.CreateNetworkInterface]; n != 3 {
		t.Errorf("CreateNetworkInterface errors %d, want 3", n)
	}
	if k := (LatencyKey{ec2.CreateNetworkInterface, ec2.InsufficientFreeAddressesInSubnet}); h.n.Counters.EC2Latency[k] == nil || h.n.Counters.EC2Latency[k].Count != 3 {
		t.Errorf("no InsufficientFreeAddressesInSubnet answers recorded for CreateNetworkInterface: %v", h.n.Counters.EC2Latency)
	}
	h.expectState("after the pauses", 1, 10, 0)
}

// TestNodeInvalidParameterNoPause: m5.large in a /28: pre-scaling fills the
// primary with 9 (.5–.13), leaving .14. The first pod makes the pool low; the
// new ENI's CreateNetworkInterface gets its primary but not 9 IPs →
// InvalidParameterValue, which ipamd does not match (#3105): no pause, retried
// every pass.
func TestNodeInvalidParameterNoPause(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Subnet = vpc.MustSubnet("10.0.0.0/28") })
	h.add(100, "p1")
	h.run(125)
	if got := h.callsOf(ec2.CreateNetworkInterface); !timesEqual(got, 102.5, 107.5, 112.5, 117.5, 122.5) {
		t.Errorf("CreateNetworkInterface at %v, want every 5 s from 102.5 s", got)
	}
	if k := (LatencyKey{ec2.CreateNetworkInterface, ec2.InvalidParameterValue}); h.n.Counters.EC2Latency[k] == nil {
		t.Errorf("no InvalidParameterValue answers recorded")
	}
	if h.n.Subnet().Free() != 1 {
		t.Errorf("subnet free %d after failed creates, want 1 (.14 given back)", h.n.Subnet().Free())
	}
	h.expectState("", 1, 9, 1)
}

// TestNodePDOnXenFallsBack: m4.large is xen: PD falls back to secondary IPs
// with a warning (§1 isConfigValid).
func TestNodePDOnXenFallsBack(t *testing.T) {
	h := newHarness(t, "m4.large", "zero", func(c *Config) {
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
	})
	found := false
	for _, w := range h.warn {
		if strings.Contains(w, "m4.large") && strings.Contains(strings.ToLower(w), "secondary ip") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %q: want one about falling back to secondary IPs", h.warn)
	}
	if h.n.Limits().PD || h.n.set.PrefixDelegation {
		t.Errorf("PD still on: %+v %+v", h.n.Limits(), h.n.set)
	}
	if h.n.MaxPods() != 20 { // 2·(10−1)+2
		t.Errorf("MaxPods = %d, want 20", h.n.MaxPods())
	}
	h.run(60)
	h.expectState("SIP default on m4.large", 1, 9, 0)
	for _, c := range h.n.ENIs()[0].CIDRs() {
		if c.IsPrefix() {
			t.Errorf("prefix %s on a fallen-back node", c.Prefix)
		}
	}
	// A nitro type keeps PD, with no warning.
	h2 := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
	})
	if len(h2.warn) != 0 || !h2.n.Limits().PD {
		t.Errorf("m5.large PD: warnings %q, PD %v", h2.warn, h2.n.Limits().PD)
	}
	h2.run(60)
	if st := h2.stats(); st.TotalPrefixes != 1 || st.TotalIPs != 16 {
		t.Errorf("m5.large PD WPT=1 idle: %+v, want 1 prefix", st)
	}
	// PD with no target: the entrypoint warning is passed on.
	h3 := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.PrefixDelegation = true })
	if len(h3.warn) != 1 || !strings.Contains(h3.warn[0], "entrypoint") {
		t.Errorf("PD with no targets: warnings %q", h3.warn)
	}
}

// TestNodePDWarmPrefixExample: t3.small PD WPT=1 (P=3): 0, 5 and 17 pods give
// 1, 2 and 3 prefixes (docs/prefix-and-ip-target.md). Max pods 110, as the
// oracle rig uses with prefix delegation.
func TestNodePDWarmPrefixExample(t *testing.T) {
	h := newHarness(t, "t3.small", "zero", func(c *Config) {
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
		c.MaxPods = 110
	})
	h.run(60)
	if st := h.stats(); st.TotalPrefixes != 1 {
		t.Errorf("0 pods: %d prefixes, want 1", st.TotalPrefixes)
	}
	for i := 1; i <= 17; i++ {
		h.add(100+10*float64(i), fmt.Sprintf("p%d", i))
		h.run(100 + 10*float64(i) + 9)
		switch i {
		case 5:
			if st := h.stats(); st.TotalPrefixes != 2 {
				t.Errorf("5 pods: %d prefixes, want 2", st.TotalPrefixes)
			}
		case 17:
			if st := h.stats(); st.TotalPrefixes != 3 {
				t.Errorf("17 pods: %d prefixes, want 3", st.TotalPrefixes)
			}
		}
	}
	for _, c := range h.n.ENIs()[0].CIDRs() {
		if !c.IsPrefix() || c.Prefix.Masked() != c.Prefix {
			t.Errorf("CIDR %s: want an aligned /28", c.Prefix)
		}
	}
}

// TestNodeMaxPodsStop: PD t3.medium (P=5), WPT=1, max pods 110: the pool stops
// at 7 prefixes (112 ≥ 110, §2.9); 110 pods are bound and get an address,
// p111–p115 stay unschedulable without an ADD (§5.14) until a delete frees a
// slot, when the oldest of them, p111, is bound.
func TestNodeMaxPodsStop(t *testing.T) {
	h := newHarness(t, "t3.medium", "zero", func(c *Config) {
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
		c.MaxPods = 110
	})
	for i := 1; i <= 115; i++ {
		h.add(10*float64(i), fmt.Sprintf("p%d", i))
	}
	h.run(1300)
	st := h.stats()
	if st.TotalPrefixes != 7 || st.TotalIPs != 112 || st.AssignedIPs != 110 {
		t.Errorf("stats %+v, want 7 prefixes, 112 addresses, 110 assigned", st)
	}
	if h.n.Waiting() != 0 || h.n.Counters.PodsUnschedulable != 5 || h.n.Counters.PodsAdded != 110 {
		t.Errorf("waiting %d, unschedulable %d, added %d; want 0, 5 (p111–p115), 110",
			h.n.Waiting(), h.n.Counters.PodsUnschedulable, h.n.Counters.PodsAdded)
	}
	for i := 111; i <= 115; i++ {
		if p := h.n.Pod(fmt.Sprintf("p%d", i)); !p.Unschedulable || p.Addr.IsValid() {
			t.Errorf("p%d = %+v, want unschedulable", i, p)
		}
	}
	h.del(1310, "p1")
	h.run(1320)
	if p := h.n.Pod("p111"); !p.Addr.IsValid() || p.FirstAdd != sim.Seconds(1310) {
		t.Errorf("p111 after p1's delete = %+v, want bound at 1310 s with an address", p)
	}
	if h.n.Counters.PodsUnschedulable != 4 || !h.n.Pod("p112").Unschedulable {
		t.Errorf("unschedulable %d, want 4 (p112–p115)", h.n.Counters.PodsUnschedulable)
	}
}

// TestNodeMinimumOnlyNeverGrowsPast: MINIMUM_IP_TARGET=10 alone: the pool
// stays at 10 and the 11th pod fails (oracle rule 4).
func TestNodeMinimumOnlyNeverGrowsPast(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.MinimumIPTarget = 10 })
	h.add(100, podNames("p", 1, 11)...)
	h.run(300)
	h.expectState("MIN=10 only", 2, 10, 10)
	if h.n.Waiting() != 1 {
		t.Errorf("waiting %d, want 1", h.n.Waiting())
	}
}

// TestNodeDefaultProfileENIAttachTakesTime: with the default profile an ENI
// attach takes simulated seconds: DescribeSubnets, CreateNetworkInterface
// (≥0.4 s), DescribeInstances (≥0.1 s), AttachNetworkInterface (≥0.3 s),
// ModifyNetworkInterfaceAttribute (≥0.1 s), then IMDS (≥0.8 s) → at least
// 1.7 s after DescribeSubnets completes, and within the ~10 s the docs give.
// A pod arriving right after a burst that used the warm pool waits for the
// kubelet retry (≥ 10 s).
func TestNodeDefaultProfileENIAttachTakesTime(t *testing.T) {
	h := newHarness(t, "m5.large", "default", nil)
	h.at(0.001, func() {
		if h.n.Ready() {
			t.Error("default profile: ready 1 ms after start (init makes EC2 calls)")
		}
		if err := h.n.AddPod([]byte("early")); err != nil {
			t.Error(err)
		}
		if h.n.Counters.AddsBeforeReady != 1 {
			t.Errorf("AddsBeforeReady = %d, want 1", h.n.Counters.AddsBeforeReady)
		}
	})
	h.del(0.002, "early")
	h.run(60)
	if !h.n.Ready() {
		t.Fatal("not ready after 60 s")
	}
	h.expectState("idle", 1, 9, 0)
	h.add(60, podNames("p", 1, 9)...)
	h.add(60.001, "p10")
	var eniAt sim.Time
	h.onStep = func() {
		if eniAt == 0 && len(h.n.ENIs()) == 2 {
			eniAt = h.eng.Now()
		}
	}
	h.run(120)
	ds := h.callsOf(ec2.DescribeSubnets)
	if len(ds) != 2 || eniAt == 0 || eniAt < ds[0] {
		t.Fatalf("DescribeSubnets %v (want 2: ENI 2 and ENI 3), ENI 2 at %v", ds, eniAt)
	}
	if d := eniAt - ds[0]; d < 1700*sim.Millisecond || d > 10*sim.Second {
		t.Errorf("ENI 2 in the datastore %v after DescribeSubnets, want 1.7 s … 10 s", d)
	}
	p := h.n.Pod("p10")
	if !running(p) || !p.Waited {
		t.Fatalf("p10 = %+v, want running after waiting", p)
	}
	if w := h.n.Counters.Wait.Max(); w < 10*sim.Second {
		t.Errorf("longest wait %v, want ≥ 10 s (kubelet back-off)", w)
	}
	h.expectState("10 pods", 3, 27, 10)
}

// TestAccountThrottling: many nodes share one account's token buckets (§7:
// AssignPrivateIpAddresses 100 capacity, 5/s). With WARM_IP=1 every pod makes
// its node call AssignPrivateIpAddresses at its next pass (within 5 s): 150
// nodes → 150 calls against ≤ 100+5·5 = 125 tokens → throttled; 15 nodes →
// none throttled at all.
func TestAccountThrottling(t *testing.T) {
	run := func(nodes int) (assignThrottled, allThrottled uint64, acct *ec2.Account, ns []*Node) {
		eng := sim.NewEngine()
		acct = ec2.NewAccount(false)
		set := DefaultSettings()
		set.WarmIPTarget = 1
		for i := 0; i < nodes; i++ {
			n, _, err := NewNode(eng, Config{Name: fmt.Sprintf("node-%d", i), Instance: mustInstance(t, "m5.large"),
				Settings: set, Profile: mustProfile(t, "default"), Account: acct, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(n.Close)
			n.Start()
			ns = append(ns, n)
		}
		eng.RunUntil(300 * sim.Second)
		var before [ec2.NumAPIs]uint64
		for _, n := range ns {
			if !n.Ready() {
				t.Fatalf("%d nodes: %s not ready at 300 s", nodes, n.cfg.Name)
			}
			for a := range before {
				before[a] += n.Counters.EC2Throttled[a]
			}
		}
		eng.Schedule(300*sim.Second, sim.HandlerFunc(func(sim.Time, int64) {
			for _, n := range ns {
				if err := n.AddPod([]byte("p")); err != nil {
					t.Error(err)
				}
			}
		}), 0)
		eng.RunUntil(400 * sim.Second)
		var sumAcct uint64
		for _, n := range ns {
			assignThrottled += n.Counters.EC2Throttled[ec2.AssignPrivateIpAddresses]
			for a := ec2.API(0); a < ec2.NumAPIs; a++ {
				allThrottled += n.Counters.EC2Throttled[a]
			}
			if !running(n.Pod("p")) {
				t.Errorf("%d nodes: %s's pod not running", nodes, n.cfg.Name)
			}
		}
		assignThrottled -= before[ec2.AssignPrivateIpAddresses]
		for a := ec2.API(0); a < ec2.NumAPIs; a++ {
			sumAcct += acct.Throttled(a)
		}
		var sumNodes uint64
		for _, n := range ns {
			for a := ec2.API(0); a < ec2.NumAPIs; a++ {
				sumNodes += n.Counters.EC2Throttled[a]
			}
		}
		if sumAcct != sumNodes {
			t.Errorf("%d nodes: account throttled %d, nodes' counters %d", nodes, sumAcct, sumNodes)
		}
		return
	}
	big, bigAll, _, _ := run(150)
	t.Logf("150 nodes: %d AssignPrivateIpAddresses throttled after the burst, %d throttled in all", big, bigAll)
	if big == 0 {
		t.Errorf("150 nodes: no AssignPrivateIpAddresses throttled after the pod burst")
	}
	_, small, _, _ := run(15)
	if small != 0 {
		t.Errorf("15 nodes: %d requests throttled, want 0", small)
	}
}

// TestNodeSubnetAccounting: at idle, the node's subnet holds exactly the ENI
// primaries and CIDRs (plus AWS's 5 reserved addresses).
func TestNodeSubnetAccounting(t *testing.T) {
	for _, pd := range []bool{false, true} {
		h := newHarness(t, "m5.large", "zero", func(c *Config) {
			c.Settings.PrefixDelegation = pd
			c.Settings.WarmPrefixTarget = 1
			c.Subnet = vpc.MustSubnet("10.0.0.0/24")
		})
		h.add(10, podNames("p", 1, 20)...)
		h.run(120)
		held := 0
		for _, e := range h.n.ENIs() {
			held++
			if h.n.Subnet().IsFree(netip.PrefixFrom(e.PrimaryIP, 32)) {
				t.Errorf("pd=%v: primary %s free in the subnet", pd, e.PrimaryIP)
			}
			for _, c := range e.CIDRs() {
				held += int(c.size)
			}
		}
		if got := h.n.Subnet().Free() + held + 5; got != 256 {
			t.Errorf("pd=%v: free %d + held %d + 5 = %d, want 256", pd, h.n.Subnet().Free(), held, got)
		}
	}
}

// TestNodePDDefaultMaxPods: with Config.MaxPods = 0 a PD node takes the
// secondary-IP eni-max-pods.txt figure (t3.small: 3·3+2 = 11), so the pool
// stops at one /28 (16 ≥ 11) and the t3.small example above (17 pods → 3
// prefixes) cannot happen without an explicit max pods. The oracle rig's rule
// is "otherwise enis*(ipv4_per_eni-1)+2, or 110 with prefix delegation"
// (oracle/README.md, settings.env).
func TestNodePDDefaultMaxPods(t *testing.T) {
	h := newHarness(t, "t3.small", "zero", func(c *Config) {
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
	})
	// t3.small PD: 3 ENIs · (3·16) + 2 = 146, capped at 110 (§5).
	if h.n.MaxPods() != 110 {
		t.Fatalf("PD default max pods %d, want 110", h.n.MaxPods())
	}
	h.add(100, podNames("p", 1, 17)...)
	h.run(400)
	if st := h.stats(); st.TotalPrefixes != 3 {
		t.Errorf("17 pods: %d prefixes, want 3", st.TotalPrefixes)
	}
}

// TestNodeCustomNetworking: the primary ENI never gets secondary IPs (§1
// GetAllocatableENIs(skipPrimary)); pre-scaling must attach ENI 2 in the
// ENIConfig subnet, whose addresses the pods get.
func TestNodeCustomNetworking(t *testing.T) {
	pod := vpc.MustSubnet("100.64.0.0/24")
	h := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Settings.CustomNetworking = true
		c.Subnet = vpc.MustSubnet("10.0.0.0/24")
		c.PodSubnet = pod
	})
	h.run(0)
	if !h.n.Ready() {
		t.Fatal("not ready after pre-scaling")
	}
	h.expectState("after pre-scaling", 2, 9, 0)
	enis := h.n.ENIs()
	if len(enis[0].CIDRs()) != 0 {
		t.Errorf("primary ENI holds %d CIDRs under custom networking", len(enis[0].CIDRs()))
	}
	if !pod.Prefix().Contains(enis[1].PrimaryIP) {
		t.Errorf("ENI 2 primary %s not in the ENIConfig subnet", enis[1].PrimaryIP)
	}
	h.add(10, podNames("p", 1, 19)...) // 9 + 9 on ENIs 2 and 3; the 19th can never fit (N−1 = 2 ENIs for pods)
	h.run(300)
	h.expectState("19 pods", 3, 18, 18)
	if h.n.Waiting() != 1 {
		t.Errorf("waiting %d, want 1", h.n.Waiting())
	}
	for i := 1; i <= 18; i++ {
		if p := h.n.Pod(fmt.Sprintf("p%d", i)); running(p) && !pod.Prefix().Contains(p.Addr) {
			t.Errorf("p%d has %s, outside the ENIConfig subnet", i, p.Addr)
		}
	}
	if len(h.n.ENIs()[0].CIDRs()) != 0 {
		t.Errorf("the primary got CIDRs later")
	}
}

// TestNodePodENIKeepsTrunkSlot: ENABLE_POD_ENI keeps one ENI slot for the
// trunk ENI (§1 hasRoomForEni): m5.large grows to 2 ENIs, not 3.
func TestNodePodENIKeepsTrunkSlot(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.PodENI = true })
	h.add(10, podNames("p", 1, 20)...)
	h.run(300)
	h.expectState("POD_ENI", 2, 18, 18)
}

// TestNodePodENINoTrunkSlotWithoutTrunking: on a type that takes no trunk
// ENI (t3.medium: no vpc.amazonaws.com/pod-eni, IsTrunkingCompatible false)
// ENABLE_POD_ENI keeps no slot back (§1.13): 3 ENIs x 5 secondary addresses
// serve 15 of 16 pods, as without the setting.
func TestNodePodENINoTrunkSlotWithoutTrunking(t *testing.T) {
	for _, podENI := range []bool{false, true} {
		h := newHarness(t, "t3.medium", "zero", func(c *Config) { c.Settings.PodENI = podENI })
		h.add(10, podNames("p", 1, 16)...)
		h.run(300)
		h.expectState(fmt.Sprintf("POD_ENI=%v", podENI), 3, 15, 15)
	}
}

// TestNodeDisableProvisioning: DISABLE_NETWORK_RESOURCE_PROVISIONING: no
// pre-scaling, no growth; pods wait for ever.
func TestNodeDisableProvisioning(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", func(c *Config) { c.Settings.DisableProvisioning = true })
	h.add(10, "p1")
	h.run(300)
	h.expectState("no provisioning", 1, 0, 0)
	if h.n.Waiting() != 1 || h.n.Counters.EC2Requests[ec2.AssignPrivateIpAddresses] != 0 || h.n.Counters.EC2Requests[ec2.CreateNetworkInterface] != 0 {
		t.Errorf("waiting %d, requests %v", h.n.Waiting(), h.n.Counters.EC2Requests)
	}
}

// TestNodeKubeletJitter: with the default profile a failed ADD is retried
// 10–15 s later (§3: back-off 10 s, jitter factor 0.5).
func TestNodeKubeletJitter(t *testing.T) {
	h := newHarness(t, "m5.large", "default", func(c *Config) { c.Settings.MaxENI = 1 })
	h.run(60)
	h.add(100, podNames("p", 1, 10)...)
	var adds []sim.Time
	last := uint64(0)
	h.onStep = func() {
		if c := h.n.Counters.AddRequests; c != last {
			for ; last < c; last++ {
				adds = append(adds, h.eng.Now())
			}
		}
	}
	h.run(400)
	// adds: 10 at 100 s, then p10's retries. Each is requeued 10 s × (1 +
	// U[0, 0.5)) later (§3.11) and taken at the sync loop's first 1 s tick
	// strictly after that (§3.17; ticks at whole seconds of the node's life):
	// 11 to 15 whole seconds after the previous ADD.
	if len(adds) < 20 {
		t.Fatalf("%d ADDs", len(adds))
	}
	retries := adds[10:]
	prev := sec(100)
	gaps := map[sim.Time]int{}
	for _, at := range retries {
		if d := at - prev; d < 11*sim.Second || d > 15*sim.Second || d%sim.Second != 0 {
			t.Errorf("retry %v after the previous ADD, want 11 to 15 whole seconds", d)
		}
		gaps[at-prev]++
		prev = at
	}
	if len(gaps) < 3 {
		t.Errorf("retry gaps %v: the jitter should spread them", gaps)
	}
}

// TestNodeNetworkNotReadyRetry: an ADD before ipamd's first start-up ends
// meets a node whose network is not ready (no CNI config yet): the kubelet
// requeues the pod after 1 s × (1 + U[0, 0.5)), not 10 s (§3.18), and its
// sync tick takes it at 2 s; by then ipamd (start-up well under a second
// with the default latencies) answers it.
func TestNodeNetworkNotReadyRetry(t *testing.T) {
	h := newHarness(t, "m5.large", "default", nil)
	h.add(0, "early")
	var at []sim.Time
	last := uint64(0)
	h.onStep = func() {
		for ; last < h.n.Counters.AddRequests; last++ {
			at = append(at, h.eng.Now())
		}
	}
	h.run(30)
	p := h.n.Pod("early")
	if c := h.n.Counters; c.AddsBeforeReady != 1 || len(at) != 2 || at[1] != 2*sim.Second || !running(p) {
		t.Errorf("ADDs at %v (%d before ready), running %v; want at 0 s and 2 s, one before ready, running", at, c.AddsBeforeReady, running(p))
	}
}

// TestNodeTerminateReleasesEverything: Terminate (DeleteOnTermination) must
// return every address the instance holds to the subnet, whatever the pool
// loop is doing: including an ENI that EC2 has created but ipamd has not yet
// seen attached, and one that left the datastore but is not yet deleted.
func TestNodeTerminateReleasesEverything(t *testing.T) {
	calls := func(h *harness, api ec2.API) uint64 { return h.n.Counters.EC2Requests[api] }
	cases := []struct {
		name string
		// when is checked after every engine event from 60 s on.
		when func(h *harness) bool
	}{
		{"CreateNetworkInterface in flight", func(h *harness) bool {
			return h.n.loop.inFlight != nil && h.n.loop.inFlight.api == ec2.CreateNetworkInterface
		}},
		{"ENI created, not attached", func(h *harness) bool { return calls(h, ec2.CreateNetworkInterface) > 0 }},
		{"ENI attached, IMDS wait", func(h *harness) bool {
			return calls(h, ec2.ModifyNetworkInterfaceAttribute) > 0 && h.n.loop.sleeping
		}},
		{"ENI detached, not deleted", func(h *harness) bool { return calls(h, ec2.DetachNetworkInterface) > 0 }},
		{"idle", func(h *harness) bool { return h.eng.Now() >= sec(150) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := vpc.MustSubnet("10.0.0.0/24")
			h := newHarness(t, "m5.large", "default", func(c *Config) { c.Subnet = sub })
			h.run(60)
			h.add(60, podNames("p", 1, 10)...) // p10 fails; ENI 2 is attached
			h.at(70, func() {                  // ENI 2 is freed 60 s after it came
				if h.n.Terminated() {
					return // its pods went with it (see TestNodeTerminateDropsPods)
				}
				for _, name := range podNames("p", 1, 10) {
					if err := h.n.DelPod([]byte(name)); err != nil {
						t.Error(err)
					}
				}
			})
			h.at(150, func() {}) // an engine event for the idle case to trigger on
			done := false
			h.onStep = func() {
				if !done && tc.when(h) {
					done = true
					h.n.Terminate()
				}
			}
			h.run(400)
			if !done {
				t.Fatalf("never terminated")
			}
			if !h.n.Terminated() || h.n.Ready() {
				t.Errorf("Terminated %v Ready %v", h.n.Terminated(), h.n.Ready())
			}
			if sub.Free() != 251 {
				t.Errorf("subnet free %d after Terminate, want 251: %d addresses leaked", sub.Free(), 251-sub.Free())
			}
			if st := h.n.Stats(); st.ENIs != 0 || st.TotalIPs != 0 || st.AssignedIPs != 0 {
				t.Errorf("after Terminate: %+v", st)
			}
			if h.eng.Pending() != 0 {
				t.Errorf("%d events still pending for a terminated node", h.eng.Pending())
			}
		})
	}
}

// TestNodeTerminateDropsPods: Terminate's contract is that "pods still on the
// node are dropped" (the caller reschedules them). After it the node must not
// report them running at addresses it no longer holds (those went back to the
// subnet and may be another node's now), and a DEL of such a pod must not
// panic.
func TestNodeTerminateDropsPods(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.add(10, "p1", "p2")
	h.run(20)
	h.n.Terminate()
	p := h.n.Pod("p1")
	var err error
	panicked := func() (r any) {
		defer func() { r = recover() }()
		err = h.n.DelPod([]byte("p2"))
		return nil
	}()
	if p.Live || h.n.pods.live != 0 || len(h.n.PodNames()) != 0 || panicked != nil {
		t.Fatalf("after Terminate the node still lists its pods (Pod(p1) = %+v, Pods() = %d, PodNames() = %v), "+
			"reporting p1 running at %v which is free in the subnet again (IsFree %v); DelPod(p2) then panics: %v (err %v)",
			p, h.n.pods.live, h.n.PodNames(), p.Addr, p.Addr.IsValid() && h.n.Subnet().IsFree(netip.PrefixFrom(p.Addr, 32)), panicked, err)
	}
}

// TestDuplicateAddKeepsPod: an ADD of a pod that is already live is refused
// (a trace error) and leaves the live pod as it was: its address, and its
// DEL (AddPodNamed once overwrote the pod's index while refusing).
func TestDuplicateAddKeepsPod(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.run(1)
	if err := h.n.AddPodNamed("a"); err != nil {
		t.Fatal(err)
	}
	before := h.n.Pod("a")
	if err := h.n.AddPodNamed("a"); err == nil {
		t.Fatal("second ADD of a live pod: no error")
	}
	if after := h.n.Pod("a"); after != before || !running(after) {
		t.Fatalf("after a refused duplicate ADD: %+v, want %+v", after, before)
	}
	if err := h.n.DelPod([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if st := h.n.Stats(); st.AssignedIPs != 0 {
		t.Errorf("after its DEL: %d addresses assigned, want 0", st.AssignedIPs)
	}
}

// TestNodeSubnetDiscoveryFallsThrough: upstream createENI tries every
// eligible subnet, most free addresses first, until CreateNetworkInterface
// succeeds (§2.20). A PD m5.large in a /28 (no aligned /28 free: its
// primary gets no prefix) with two cni-tagged subnets: A, a /24 with one
// address taken in each of its 16 /28s (235 free, none in a free /28), and B,
// a /26 (59 free; .16/28 and .32/28 whole). The create in A fails
// (InvalidParameterValue: its primary address but not the prefixes), the one
// in B succeeds, and the pods get B's addresses.
func TestNodeSubnetDiscoveryFallsThrough(t *testing.T) {
	a, b := vpc.MustSubnet("10.1.0.0/24"), vpc.MustSubnet("10.2.0.0/26")
	for k := 0; k < 16; k++ {
		a.Take(netip.AddrFrom4([4]byte{10, 1, 0, byte(16*k + 8)}))
	}
	if a.Free() != 235 || a.FreeAligned28() != 0 || b.Free() != 59 || b.FreeAligned28() != 2 {
		t.Fatalf("A free %d (/28s %d), B free %d (/28s %d); want 235 (0), 59 (2)", a.Free(), a.FreeAligned28(), b.Free(), b.FreeAligned28())
	}
	h := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Subnet = vpc.MustSubnet("10.0.0.0/28")
		c.ENISubnets = []*vpc.Subnet{a, b}
		c.Settings.PrefixDelegation = true
		c.Settings.WarmPrefixTarget = 1
	})
	h.add(10, podNames("p", 1, 5)...)
	h.run(60)
	for i := 1; i <= 5; i++ {
		if p := h.n.Pod(fmt.Sprintf("p%d", i)); !running(p) || !b.Prefix().Contains(p.Addr) {
			t.Errorf("p%d: running %v with %s, want an address in B %s", i, running(p), p.Addr, b.Prefix())
		}
	}
	c := &h.n.Counters
	if k := (LatencyKey{ec2.CreateNetworkInterface, ec2.InvalidParameterValue}); c.EC2Latency[k] == nil || c.EC2Latency[k].Count != 1 {
		t.Errorf("want one create refused (in A): %v", c.EC2Latency)
	}
	if c.EC2Requests[ec2.CreateNetworkInterface] != 2 || c.EC2Requests[ec2.DescribeSubnets] != 1 || c.ENIsAttached != 2 {
		t.Errorf("creates %d, describes %d, ENIs attached %d; want 2, 1, 2 (the primary counts)",
			c.EC2Requests[ec2.CreateNetworkInterface], c.EC2Requests[ec2.DescribeSubnets], c.ENIsAttached)
	}
	if a.Free() != 235 {
		t.Errorf("A free %d after the failed create, want 235 (its primary address given back)", a.Free())
	}
}

// TestNodeDescribeSubnetsWithoutDiscovery: with ENABLE_SUBNET_DISCOVERY=false
// createENI still calls DescribeSubnets (IsSubnetExcluded checks the node's
// subnet for kubernetes.io/role/cni=0) before each CreateNetworkInterface,
// and creates in the node's own subnet even when a tagged one has more room.
func TestNodeDescribeSubnetsWithoutDiscovery(t *testing.T) {
	tagged := vpc.MustSubnet("10.1.0.0/16")
	h := newHarness(t, "m5.large", "zero", func(c *Config) {
		c.Subnet = vpc.MustSubnet("10.0.0.0/24")
		c.ENISubnets = []*vpc.Subnet{tagged}
		c.Settings.SubnetDiscovery = false
	})
	h.add(10, podNames("p", 1, 12)...)
	h.run(120)
	h.expectState("12 pods", 3, 27, 12)
	c := &h.n.Counters
	if c.EC2Requests[ec2.CreateNetworkInterface] != 2 || c.EC2Requests[ec2.DescribeSubnets] != 2 {
		t.Errorf("creates %d, describes %d; want 2 and 2", c.EC2Requests[ec2.CreateNetworkInterface], c.EC2Requests[ec2.DescribeSubnets])
	}
	if tagged.Free() != tagged.Size()-5 {
		t.Errorf("the tagged subnet lent %d addresses with discovery off", tagged.Size()-5-tagged.Free())
	}
}

// TestNodePodNameSlotReuse: a pod added by bytes keeps its name in its slot's
// own storage, which the slot's next pod overwrites. The caller's buffer may
// change right after AddPod, a name PodNames returned must stay what it was
// after its slot is reused, and the index must find the new pod, not the old.
func TestNodePodNameSlotReuse(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	buf := []byte("alpha")
	h.at(10, func() {
		if err := h.n.AddPod(buf); err != nil {
			t.Fatal(err)
		}
		copy(buf, "omega") // the trace reader reuses its buffer
	})
	h.run(20)
	names := h.n.PodNames()
	if len(names) != 1 || names[0] != "alpha" || !h.n.Pod("alpha").Live || h.n.Pod("omega").Live {
		t.Fatalf("after adding alpha: PodNames %q, Pod(alpha) live %v, Pod(omega) live %v", names, h.n.Pod("alpha").Live, h.n.Pod("omega").Live)
	}
	h.del(30, "alpha")
	h.add(31, "bravo") // takes alpha's slot and its bytes
	h.run(40)
	if names[0] != "alpha" {
		t.Fatalf("a name PodNames returned changed to %q when its slot was reused", names[0])
	}
	if got := h.n.PodNames(); len(got) != 1 || got[0] != "bravo" || h.n.Pod("alpha").Live || !h.n.Pod("bravo").Live {
		t.Fatalf("after alpha's slot went to bravo: PodNames %q, Pod(alpha) live %v, Pod(bravo) live %v", got, h.n.Pod("alpha").Live, h.n.Pod("bravo").Live)
	}
	if err := h.n.AddPod([]byte("bravo")); err == nil {
		t.Fatal("a second ADD of bravo was accepted")
	}
}
