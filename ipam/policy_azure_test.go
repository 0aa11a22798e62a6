package ipam

import (
	"testing"

	"github.com/ipamsim/ipamsim/ipam/ec2"
)

// TestAzureThresholds: the design doc's AKS values (A2): B = 16, req 50 %
// → m = 8, rel 150 % → M = 24; rel% is clamped to at least req% + 100.
func TestAzureThresholds(t *testing.T) {
	cases := []struct{ batch, req, rel, max, wantB, wantReq, wantRel, m, M int }{
		{16, 50, 150, 250, 16, 50, 150, 8, 24},      // A2 typical AKS values
		{16, 50, 120, 250, 16, 50, 150, 8, 24},      // rel% clamped to req% + 100
		{16, 0, 0, 250, 16, 1, 101, 0, 16},          // req% at least 1
		{10, 30, 150, 250, 10, 30, 150, 3, 15},      // truncated, as upstream
		{300, 50, 150, 250, 250, 50, 150, 125, 375}, // B at most max
	}
	for _, c := range cases {
		b, req, rel := azureClamp(c.batch, c.req, c.rel, c.max)
		if b != c.wantB || req != c.wantReq || rel != c.wantRel {
			t.Errorf("azureClamp(%d, %d, %d, %d) = %d, %d, %d; want %d, %d, %d", c.batch, c.req, c.rel, c.max, b, req, rel, c.wantB, c.wantReq, c.wantRel)
		}
		if m, M := azureMinFree(b, req), azureMaxFree(b, rel); m != c.m || M != c.M {
			t.Errorf("B %d req %d%% rel %d%%: m, M = %d, %d; want %d, %d", b, req, rel, m, M, c.m, c.M)
		}
	}
}

// TestAzureV1Steps: one v1 reconcile each (A2 v1 rule; the 25 → 20 case is
// decreasePoolSize's own comment).
func TestAzureV1Steps(t *testing.T) {
	cases := []struct {
		name                                            string
		request, assigned, batch, minFree, maxFree, max int
		wantRequest, wantRelease                        int
	}{
		{"grow one batch", 16, 10, 16, 8, 24, 250, 32, 0},
		{"steady between m and M", 32, 20, 16, 8, 24, 250, 32, 0},
		{"grow capped at max", 16, 10, 16, 8, 24, 27, 27, 0},
		{"at max: no grow", 27, 25, 16, 8, 24, 27, 27, 0},
		{"shrink one batch", 32, 5, 16, 8, 24, 250, 16, 16},
		{"shrink to the previous multiple", 25, 0, 10, 5, 15, 250, 20, 5},
		{"shrink from a capped request", 27, 2, 16, 8, 24, 27, 16, 11},
		{"exhausted subnet: B=1, m=1, M=2", 10, 10, 1, 1, 2, 250, 11, 0},
	}
	for _, c := range cases {
		r, rel := azureV1(c.request, c.assigned, c.batch, c.minFree, c.maxFree, c.max)
		if r != c.wantRequest || rel != c.wantRelease {
			t.Errorf("%s: azureV1(req %d, assigned %d) = %d, release %d; want %d, %d", c.name, c.request, c.assigned, r, rel, c.wantRequest, c.wantRelease)
		}
	}
}

// TestAzureV2Target: target = B·⌈mf + U/B⌉ clamped to max (A2 v2 rule).
func TestAzureV2Target(t *testing.T) {
	cases := []struct {
		demand, batch, max int
		buffer             float64
		want               int
	}{
		{25, 16, 250, 0.5, 48}, // A2's worked example
		{0, 16, 250, 0.5, 16},
		{8, 16, 250, 0.5, 16},
		{9, 16, 250, 0.5, 32},
		{240, 16, 250, 0.5, 250}, // clamped at max
		{25, 1, 250, 1, 26},      // exhausted subnet: B = 1, buffer 1
	}
	for _, c := range cases {
		if got := azureV2Target(c.demand, c.batch, c.max, c.buffer); got != c.want {
			t.Errorf("azureV2Target(U %d, B %d, max %d, mf %g) = %d, want %d", c.demand, c.batch, c.max, c.buffer, got, c.want)
		}
	}
}

// TestAzureV1Scenario, by hand (m5.large: 3 ENIs × 9; max = min(max pods 29,
// 27 ENI addresses) = 27; B 16, m 8, M 24):
//   - start: requested 0, free 0 < 8 → request 16: ENI 0 gets 9, a new ENI 7.
//   - 30 s: 10 pods (16 held, no wait); free 16 − 10 = 6 < 8 → request
//     min(32, 27) = 27: ENI 1's 2 free slots, then a third ENI with 9.
//   - 100 s: 8 pods go; free 27 − 2 = 25 ≥ 24 → request 27 − 27 mod 16 = 16,
//     11 addresses released → 16.
func TestAzureV1Scenario(t *testing.T) {
	h := newPolNode(t, "m5.large", mustPolicy(t, "azure-cns", nil))
	h.expect(0.1, 2, 16, 0)
	h.add(30, "web", 10)
	h.expect(35, 3, 27, 10)
	h.del(100, "web", 8)
	h.expect(105, 3, 16, 2)
	if w := h.n.Counters.PodsWaited; w != 0 {
		t.Errorf("%d pods waited, want 0", w)
	}
	if got := h.n.Counters.EC2Requests[ec2.UnassignPrivateIpAddresses]; got != 2 {
		t.Errorf("%d UnassignPrivateIpAddresses, want 2 (9 from ENI 2, 2 from ENI 1)", got)
	}
}

// TestAzureV2Scenario reproduces A2's worked example on a node that can hold
// it (m5.2xlarge: 4 ENIs × 14): start at B·⌈0.5⌉ = 16; 25 pods at 30 s: 16
// start, 9 wait; the monitor sees U = 16 → 32; the 9 retry at 40 s and start;
// U = 25 → 16·⌈0.5 + 25/16⌉ = 48.
func TestAzureV2Scenario(t *testing.T) {
	h := newPolNode(t, "m5.2xlarge", mustPolicy(t, "azure-cns", map[string]string{"EnableIPAMv2": "true"}))
	h.expect(0.1, 2, 16, 0)
	h.add(30, "web", 25)
	h.expect(35, 3, 32, 16)
	h.expect(45, 4, 48, 25)
	if w := h.n.Counters.PodsWaited; w != 9 {
		t.Errorf("%d pods waited, want 9", w)
	}
}

// TestAzureV2BufferUnclamped: v2's buffer is |RequestThresholdPercent|/100
// as configured, without v1's clamp to 1..100 % (A2.6). With 150 % the
// worked example's U = 25 gives 16·⌈1.5 + 25/16⌉ = 64 (the clamp would give
// 48), and the start 16·⌈1.5⌉ = 32, so all 25 start at once; -150 % is the
// same buffer. m5.4xlarge: ENIs of 29 secondary addresses.
func TestAzureV2BufferUnclamped(t *testing.T) {
	for _, req := range []string{"150", "-150"} {
		h := newPolNode(t, "m5.4xlarge", mustPolicy(t, "azure-cns", map[string]string{"EnableIPAMv2": "true", "RequestThresholdPercent": req}))
		h.expect(0.1, 2, 32, 0)
		h.add(30, "web", 25)
		h.expect(35, 3, 64, 25)
		if w := h.n.Counters.PodsWaited; w != 0 {
			t.Errorf("RequestThresholdPercent %s: %d pods waited, want 0", req, w)
		}
	}
}
