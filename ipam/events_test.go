package ipam

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// logHarness runs a harness with an event log and returns its lines.
func logHarness(t *testing.T, instance string, mod func(c *Config)) (*harness, *[]string) {
	t.Helper()
	var lines []string
	h := newHarness(t, instance, "zero", func(c *Config) {
		c.Subnet = vpc.MustSubnet("10.0.0.0/24")
		c.Events = func(e Event) { lines = append(lines, string(e.AppendText(nil, false))) }
		if mod != nil {
			mod(c)
		}
	})
	return h, &lines
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("event log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEventLogScaleUp: an m5.large (3 ENIs × 10 addresses) with the defaults
// on the zero profile, worked out from the spec. Start-up (§2 Startup):
// DescribeNetworkInterfaces, CreateTags, then pre-scaling: avail 0 < 1×9
// (WARM_ENI_TARGET=1, S=9) tops up the primary ENI with 9 addresses (the
// subnet hands out 10.0.0.4 to the primary, then 10.0.0.5 …), and the node is
// ready at 0. The first pass, at 2.5 s, finds avail 9: nothing to do, and the
// loop sleeps. At 10 s ten pods arrive: nine get the primary ENI's addresses,
// the tenth finds none and the kubelet retries 10 s later (§3). The pass at
// 12.5 s (the loop keeps its 5 s phase) sees avail 0 < 9 and, the primary ENI
// being full, attaches a second ENI with 9 addresses (§2 step 2, §7:
// DescribeSubnets, CreateNetworkInterface, DescribeInstances, Attach, Modify,
// the IMDS wait). At 20 s the retry gets the second ENI's first address.
func TestEventLogScaleUp(t *testing.T) {
	h, lines := logHarness(t, "m5.large", nil)
	h.add(10, podNames("p", 1, 10)...)
	h.run(21)
	ips := func(from, to int) string {
		var b []string
		for i := from; i <= to; i++ {
			b = append(b, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}).String()+"/32")
		}
		return strings.Join(b, " ")
	}
	want := []string{
		"0 ec2 DescribeNetworkInterfaces 200 0s",
		"0 ec2 CreateTags 200 0s",
		"0 pass start-up too-low: avail 0 < 9 = 1×9 (WARM_ENI_TARGET)",
		"0 ec2 AssignPrivateIpAddresses eni-00000001 200 0s",
		"0 cidr-assign eni-00000001 " + ips(5, 13),
		"0 ready",
	}
	for i := 1; i <= 9; i++ {
		want = append(want, "10 add p"+strconv.Itoa(i)+" 10.0.0."+strconv.Itoa(4+i)+" eni-00000001")
	}
	want = append(want,
		"10 add p10 no-address retry in 10s",
		"12.5 pass too-low: avail 0 < 9 = 1×9 (WARM_ENI_TARGET)",
		"12.5 ec2 DescribeSubnets 200 0s",
		"12.5 ec2 CreateNetworkInterface eni-00000002 200 0s",
		"12.5 eni-create eni-00000002 subnet 10.0.0.0/24 primary 10.0.0.14 "+ips(15, 23),
		"12.5 ec2 DescribeInstances 200 0s",
		"12.5 ec2 AttachNetworkInterface eni-00000002 200 0s",
		"12.5 ec2 ModifyNetworkInterfaceAttribute eni-00000002 200 0s",
		"12.5 imds eni-00000002 0s",
		"12.5 eni-attach eni-00000002 device 1",
		"20 add p10 10.0.0.15 eni-00000002 waited 10s",
	)
	checkLines(t, *lines, want)
}

// TestEventLogRelease: WARM_IP_TARGET=2 (warm-IP mode, §2 "Too low", "Too
// high"): pre-scaling asks for short = 2 addresses; one pod takes one, and
// the pass at 2.5 s tops up 1 (avail 1, short 1). When the pod leaves at 10 s
// its address cools for 30 s but counts as available: avail 3 − 2 = over 1
// (total 3 − MINIMUM 0 ≥ 1), so the pass at 12.5 s releases one free /32 (the
// decrease does not look at cooldown) in one UnassignPrivateIpAddresses. The
// next pass at 17.5 s is quiet; with no pod event, no more lines.
func TestEventLogRelease(t *testing.T) {
	h, lines := logHarness(t, "m5.large", func(c *Config) { c.Settings.WarmIPTarget = 2 })
	h.add(1, "a")
	h.del(10, "a")
	h.run(60)
	want := []string{
		"0 ec2 DescribeNetworkInterfaces 200 0s",
		"0 ec2 CreateTags 200 0s",
		"0 pass start-up too-low: short 2: WARM_IP_TARGET 2 − avail 0, MINIMUM_IP_TARGET 0 − total 0",
		"0 ec2 AssignPrivateIpAddresses eni-00000001 200 0s",
		"0 cidr-assign eni-00000001 10.0.0.5/32 10.0.0.6/32",
		"0 ready",
		"1 add a 10.0.0.5 eni-00000001",
		"2.5 pass too-low: short 1: WARM_IP_TARGET 2 − avail 1, MINIMUM_IP_TARGET 0 − total 2",
		"2.5 ec2 AssignPrivateIpAddresses eni-00000001 200 0s",
		"2.5 cidr-assign eni-00000001 10.0.0.7/32",
		"10 del a 10.0.0.5",
		"12.5 pass too-high: over 1: avail 3 − WARM_IP_TARGET 2, total 3 − MINIMUM_IP_TARGET 0",
		"12.5 cidr-release eni-00000001 10.0.0.5/32",
		"12.5 ec2 UnassignPrivateIpAddresses eni-00000001 200 0s",
	}
	checkLines(t, *lines, want)
}

// TestEventText pins the text form of the kinds the scenarios above do not
// produce (docs/events.md gives the same examples).
func TestEventText(t *testing.T) {
	cases := []struct {
		e        Event
		withNode bool
		want     string
	}{
		{Event{At: sim.Seconds(0.04), Kind: EvEC2, API: ec2.CreateNetworkInterface, Code: ec2.RequestLimitExceeded,
			N: 1, Took: sim.Seconds(0.0404), Delay: sim.Seconds(1.2994)}, false,
			"0.04 ec2 CreateNetworkInterface RequestLimitExceeded 0.04s attempt 1, retry in 1.299s"},
		{Event{At: sim.Seconds(3), Kind: EvEC2, API: ec2.CreateNetworkInterface, Code: ec2.OK, ENI: 7, N: 2, Took: sim.Seconds(0.5)}, false,
			"3 ec2 CreateNetworkInterface eni-00000007 200 0.5s attempt 2"},
		{Event{At: sim.Seconds(61.25), Kind: EvAdd, Pod: "web-4", Detail: "before-ready", Delay: 10 * sim.Second}, false,
			"61.25 add web-4 before-ready retry in 10s"},
		{Event{At: sim.Seconds(70), Kind: EvDel, Pod: "web-4", Detail: "waiting"}, false, "70 del web-4 waiting"},
		{Event{At: sim.Seconds(120), Kind: EvENIFreed, ENI: 2}, false, "120 eni-free eni-00000002"},
		{Event{At: sim.Seconds(60.01), Node: "burst-097", Kind: EvPlace, Pod: "app-1"}, true, "60.01 burst-097 place app-1"},
		{Event{At: 1, Node: "n", Kind: EvReady}, true, "0.000000001 n ready"},
	}
	for _, c := range cases {
		if got := string(c.e.AppendText(nil, c.withNode)); got != c.want {
			t.Errorf("AppendText = %q, want %q", got, c.want)
		}
	}
	if got := EventKind(99).String(); got != "event(99)" {
		t.Errorf("EventKind(99) = %q", got)
	}
}

// TestEventLogOffAllocatesNothing: with no event log, a pod's ADD and DEL
// allocate nothing for events (the log costs nothing when off).
func TestEventLogOffAllocatesNothing(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.run(5)
	names := []string{"a", "b"}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		hd := h.n.AddPodHandle(names[i%2], false)
		h.n.DelPodHandle(hd)
		i++
	})
	if allocs != 0 {
		t.Errorf("ADD+DEL without an event log: %.1f allocations, want 0", allocs)
	}
}

// TestNodeStatsChangesNothing: Stats reads the node at the current time
// without processing the datastore's cooldown expirations (which the node's
// own events do): an address freed at 2 s has left its 30 s cooldown at 40 s
// (§3), and Stats says so, however often it is called, while the datastore
// itself is untouched until the node's next event.
func TestNodeStatsChangesNothing(t *testing.T) {
	h := newHarness(t, "m5.large", "zero", nil)
	h.add(1, "a")
	h.del(2, "a")
	h.run(3)
	if st := h.n.Stats(); st.CooldownIPs != 1 {
		t.Fatalf("at 3 s: %d cooling, want 1", st.CooldownIPs)
	}
	h.eng.RunUntil(sec(40)) // no event of the node's between 3 s and 40 s
	before := h.n.ds.stats()
	for i := 0; i < 2; i++ {
		if st := h.n.Stats(); st.CooldownIPs != 0 || st.TotalIPs != 9 || st.AssignedIPs != 0 {
			t.Errorf("at 40 s: %+v, want 0 cooling of 9, none assigned", st)
		}
	}
	if after := h.n.ds.stats(); after != before || before.CooldownIPs != 1 {
		t.Errorf("Stats changed the datastore: %+v, then %+v", before, after)
	}
}
