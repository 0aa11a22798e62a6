package ipam

import (
	"testing"

	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// TestCiliumNeededIPs: A1's example (pre-allocate 8 on an empty node → 8)
// and cilium pkg/ipam/node_test.go's neededDef table.
func TestCiliumNeededIPs(t *testing.T) {
	cases := []struct{ available, used, pre, min, max, want int }{
		{0, 0, 8, 0, 0, 8}, // A1: pre-allocate 8 on an empty node
		{0, 0, 0, 16, 0, 16},
		{0, 0, 8, 16, 0, 16},
		{0, 0, 16, 8, 0, 16},
		{0, 0, 16, 0, 0, 16},
		{8, 0, 0, 16, 0, 8},
		{8, 4, 8, 0, 0, 4},
		{8, 4, 8, 8, 0, 4},
		{8, 4, 8, 8, 6, 0}, // clipped at max-allocate, never below 0
		{8, 4, 8, 0, 8, 0},
		{4, 4, 8, 0, 8, 4},
	}
	for _, c := range cases {
		if got := calculateNeededIPs(c.available, c.used, c.pre, c.min, c.max); got != c.want {
			t.Errorf("calculateNeededIPs(avail %d, used %d, pre %d, min %d, max %d) = %d, want %d",
				c.available, c.used, c.pre, c.min, c.max, got, c.want)
		}
	}
}

// TestCiliumExcessIPs: cilium pkg/ipam/node_test.go's excessDef table for the
// stored calculateExcessIPs (A1 shrink rule).
func TestCiliumExcessIPs(t *testing.T) {
	cases := []struct{ available, used, pre, min, maw, want int }{
		{0, 0, 0, 16, 0, 0},
		{15, 0, 8, 16, 8, 0},
		{17, 0, 8, 16, 0, 9},
		{20, 0, 8, 16, 4, 0},
		{21, 0, 8, 0, 4, 9},
		{20, 0, 8, 20, 8, 0},
		{16, 1, 8, 16, 8, 0},
		{20, 4, 8, 17, 8, 0},
		{20, 4, 8, 0, 0, 8},
		{20, 4, 8, 0, 8, 0},
	}
	for _, c := range cases {
		if got := calculateExcessIPs(c.available, c.used, c.pre, c.min, c.maw); got != c.want {
			t.Errorf("calculateExcessIPs(avail %d, used %d, pre %d, min %d, maw %d) = %d, want %d",
				c.available, c.used, c.pre, c.min, c.maw, got, c.want)
		}
	}
}

// TestCiliumSurge: one allocation asks for needed + max-above-watermark +
// the pending pods above needed (A1).
func TestCiliumSurge(t *testing.T) {
	cases := []struct{ pending, needed, want int }{{15, 8, 7}, {3, 8, 0}, {8, 8, 0}, {20, 0, 20}}
	for _, c := range cases {
		if got := ciliumSurge(c.pending, c.needed); got != c.want {
			t.Errorf("ciliumSurge(%d, %d) = %d, want %d", c.pending, c.needed, got, c.want)
		}
	}
}

// TestCiliumMaxAllocate: 0 means the instance's secondary-IP limit, which
// ignores prefix delegation (A1, cilium#32205).
func TestCiliumMaxAllocate(t *testing.T) {
	c := mustPolicy(t, "cilium-eni", nil)
	h := newPolNode(t, "m5.large", c)
	if got := (&ciliumNode{cilium: c.(*policy).kind.(*cilium), info: h.n.loop.Node()}).maxAllocate(); got != 27 {
		t.Errorf("m5.large max-allocate = %d, want 3·(10−1) = 27", got)
	}
	pd := mustPolicy(t, "cilium-eni", map[string]string{"aws-enable-prefix-delegation": "true"})
	h = newPolNode(t, "m5.large", pd)
	if got := (&ciliumNode{cilium: pd.(*policy).kind.(*cilium), info: h.n.loop.Node()}).maxAllocate(); got != 27 {
		t.Errorf("m5.large max-allocate with prefixes = %d, want 27 (prefix delegation ignored)", got)
	}
}

// TestCiliumScenario, by hand (m5.large: 3 ENIs × 9 secondary IPs; zero EC2
// profile; the operator's queue ticks at k+0.5 s):
//   - start: pre-allocate 8 on an empty node → ENI 0 gets 8.
//   - 30 s: 5 pods start (8 free, no wait). The agent reports 5 used at once
//     (its last CiliumNode write was at start, > 15 s ago): needed = 8 − (8 − 5)
//     = 5; ENI 0 has room for 1 → 9. The resync a second later recomputes
//     needed = 8 − (9 − 5) = 4 with the same report; no ENI has room → a new ENI
//     with 4 → 13 = 5 used + 8.
//   - 100 s: the pods go. Release is off by default: 13 stay.
func TestCiliumScenario(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "cilium-eni", nil))
	h.expect(0.1, 1, 8, 0)
	h.add(30, "web", 5)
	h.expect(30.9, 1, 9, 5)
	h.expect(40, 2, 13, 5)
	if w := h.n.Counters.PodsWaited; w != 0 {
		t.Errorf("%d pods waited, want 0", w)
	}
	h.del(100, "web", 5)
	h.expect(600, 2, 13, 0)
	if got := h.n.Counters.EC2Requests[ec2.AssignPrivateIpAddresses]; got != 2 {
		t.Errorf("%d AssignPrivateIpAddresses, want 2 (8 at start, 1 at 30 s)", got)
	}
	if got := h.n.Counters.EC2Requests[ec2.CreateNetworkInterface]; got != 1 {
		t.Errorf("%d CreateNetworkInterface, want 1", got)
	}
	// Resyncs: after each of the 3 mutations, and the scans at 60 s … 600 s.
	if got := h.n.Counters.EC2Requests[ec2.DescribeNetworkInterfaces]; got != 1+3+9 {
		t.Errorf("%d DescribeNetworkInterfaces, want 13 (boot, 3 resyncs after allocations, 9 interval scans)", got)
	}
}

// TestCiliumExcessRelease, by hand, with --aws-release-excess-ips: as above
// to 13 held; the pods go at 100 s. The 120 s scan finds excess 13 − 0 − 8 =
// 5; the ENI with most free addresses (ENI 0, 9 free) offers 5. They must stay
// excess for 180 s: the 300 s scan marks them for release, the agent answers
// ready-for-release at its next CiliumNode write, and the 360 s scan releases
// them in one UnassignPrivateIpAddresses → 8 held.
func TestCiliumExcessRelease(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "cilium-eni", map[string]string{"aws-release-excess-ips": "true"}))
	h.add(30, "web", 5)
	h.del(100, "web", 5)
	h.expect(299, 2, 13, 0)
	h.expect(359, 2, 13, 0)
	if got := h.n.Counters.EC2Requests[ec2.UnassignPrivateIpAddresses]; got != 0 {
		t.Fatalf("released before the 360 s scan")
	}
	h.expect(362, 2, 8, 0)
	if got := h.n.Counters.EC2Requests[ec2.UnassignPrivateIpAddresses]; got != 1 {
		t.Errorf("%d UnassignPrivateIpAddresses, want 1", got)
	}
	// 8 = pre-allocate: no more excess.
	h.expect(1200, 2, 8, 0)
}

// TestCiliumAgentUpdateRate: a burst beyond the buffer waits for the agent's
// next CiliumNode write (--ipam-cilium-node-update-rate 15 s). 12 pods at 20 s
// on the 8 pre-allocated: 8 start, 4 wait. The report at 20 s says 8 used:
// needed 8, surge max(4 − 8, 0) = 0 → ENI 0's last slot (9), then the resync
// adds a new ENI with 8 − (9 − 8) = 7 → 16. The waiting pods retry at 30 s and
// all start; the next report (35 s, 12 used) asks for 8 − (16 − 12) = 4:
// ENI 1's 2 free slots (18), then, after the resync, a third ENI with
// 8 − (18 − 12) = 2 → 20.
func TestCiliumAgentUpdateRate(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "cilium-eni", nil))
	h.add(20, "b", 12)
	h.expect(25, 2, 16, 8)
	h.expect(31, 2, 16, 12)
	h.expect(34, 2, 16, 12)
	h.expect(37, 3, 20, 12)
	if got := h.n.Counters.PodsWaited; got != 4 {
		t.Errorf("%d pods waited, want 4", got)
	}
	if got := h.n.Counters.Wait.Max(); got != 10*sim.Second {
		t.Errorf("max wait %v, want 10s (one kubelet retry)", got)
	}
}
