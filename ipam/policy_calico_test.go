package ipam

import "testing"

// TestCalicoBlocks: blockSize /26 = 64 addresses; maxBlocksPerHost 0 means
// 20; a host claims while it owns fewer than the limit (A6).
func TestCalicoBlocks(t *testing.T) {
	sizes := []struct{ bits, addrs int }{{26, 64}, {28, 16}, {24, 256}, {22, 1024}}
	for _, c := range sizes {
		if got := calicoBlockAddrs(c.bits); got != c.addrs {
			t.Errorf("/%d block: %d addresses, want %d", c.bits, got, c.addrs)
		}
	}
	claims := []struct {
		owned, limit int
		want         bool
	}{{0, 0, true}, {19, 0, true}, {20, 0, false}, {0, 1, true}, {1, 1, false}}
	for _, c := range claims {
		if got := calicoCanClaim(c.owned, c.limit); got != c.want {
			t.Errorf("calicoCanClaim(owned %d, maxBlocksPerHost %d) = %v, want %v", c.owned, c.limit, got, c.want)
		}
	}
	if calicoMaxBlocks(0) != 20 {
		t.Error("maxBlocksPerHost 0 does not mean 20")
	}
}

// TestCalicoScenario, by hand (m5.large; /26 blocks; leakGracePeriod 15m, so
// kube-controllers also sync every 7.5 min: 450, 900, 1350 s):
//   - start: no block.
//   - 30 s: 3 pods; the first block (64) is claimed for them.
//   - 100 s: 70 more: 61 fit the first block, the rest get a second → 128.
//   - 200 s: those 70 go. The second block is empty and the host keeps the
//     first: its grace period runs from the sync at 200 s to 1100 s; the next
//     sync is the periodic one at 1350 s, which releases it → 64.
//
// The claims happen in the ADD itself once node.go calls AllocateOnADD; until
// then the loop claims within a second and the pods start on the kubelet's
// retry, so only held addresses are checked here.
func TestCalicoScenario(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "calico", nil))
	h.expect(0.1, 1, 0, 0)
	h.add(30, "a", 3)
	h.expect(45, 1, 64, 3)
	h.add(100, "b", 70)
	h.expect(115, 1, 128, 73)
	h.del(200, "b", 70)
	h.expect(1349, 1, 128, 3)
	h.expect(1352, 1, 64, 3)
	if got := h.n.Counters.totalEC2(); got != 2 {
		t.Errorf("%d EC2 calls, want 2 (ipamd's boot calls: Calico claims blocks without EC2)", got)
	}
}

// TestCalicoBlockLimit: with maxBlocksPerHost 1 the second block is refused
// (ErrBlockLimit) and a lone node has no other host's block to borrow from.
func TestCalicoBlockLimit(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "calico", map[string]string{"maxBlocksPerHost": "1"}))
	h.add(30, "a", 70)
	h.expect(200, 1, 64, 64)
	if w := h.n.Waiting(); w != 6 {
		t.Errorf("%d pods still waiting, want 6", w)
	}
}

// TestCalicoAllocateOnADD: the ADD-path claim (A6 rule 2) gives the pod that
// found no address a block at once.
func TestCalicoAllocateOnADD(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "calico", nil))
	h.run(1)
	if !h.n.ctrl.AllocateOnADD() {
		t.Fatal("no block claimed")
	}
	if st := h.n.Stats(); st.TotalIPs != 64 {
		t.Errorf("held %d, want 64", st.TotalIPs)
	}
}
