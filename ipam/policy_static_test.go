package ipam

import "testing"

// TestStaticBlockSize is A5's table (GKE flexible pod CIDR): the node CIDR
// holds at least twice the max pods.
func TestStaticBlockSize(t *testing.T) {
	cases := []struct{ maxPods, addrs, bits int }{
		{1, 16, 28}, {8, 16, 28}, // ≤ 8 → /28
		{9, 32, 27}, {16, 32, 27}, // 9–16 → /27
		{17, 64, 26}, {32, 64, 26}, // 17–32 → /26 (Autopilot's 32)
		{33, 128, 25}, {64, 128, 25}, // 33–64 → /25
		{65, 256, 24}, {110, 256, 24}, // 65–110 → /24 (Standard's default)
	}
	for _, c := range cases {
		if got, bits := staticBlockSize(c.maxPods), staticBlockBits(c.maxPods); got != c.addrs || bits != c.bits {
			t.Errorf("max pods %d: /%d with %d addresses, want /%d with %d", c.maxPods, bits, got, c.bits, c.addrs)
		}
	}
}

// TestStaticScenario, by hand: m5.large runs 29 max pods → a /26 (64
// addresses) reserved at start from the subnet with no ENI or EC2 action
// beyond ipamd's boot calls; 40 pods start at once; nothing changes after.
func TestStaticScenario(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "static", nil))
	free0 := h.n.Subnet().Size() - 5 - 1 // AWS's 5, the primary ENI's address
	h.expect(0.1, 1, 64, 0)
	if got := h.n.Subnet().Free(); got != free0-64 {
		t.Errorf("subnet free %d, want %d (64 reserved)", got, free0-64)
	}
	h.add(30, "web", 40)
	h.expect(31, 1, 64, 40)
	h.del(60, "web", 40)
	h.expect(3600, 1, 64, 0)
	c := h.n.Counters
	if c.PodsWaited != 0 || c.totalEC2() != 2 {
		t.Errorf("%d pods waited, %d EC2 calls; want 0 and 2 (ipamd's boot describe and tag)", c.PodsWaited, c.totalEC2())
	}
	// A5: the block goes back when the node is deleted.
	h.n.Terminate()
	if got := h.n.Subnet().Free(); got != free0+1 {
		t.Errorf("after Terminate subnet free %d, want %d", got, free0+1)
	}
}

// TestStaticMaxPodsParam: max-pods-per-node 110 → /24.
func TestStaticMaxPodsParam(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "static", map[string]string{"max-pods-per-node": "110"}))
	h.expect(0.1, 1, 256, 0)
}
