package ec2

import (
	"math/rand/v2"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestAccountBuckets: AssignPrivateIpAddresses is a mutating action, a bucket
// of 100 refilled at 5 a second (§7 "EC2 request throttling"): 100 requests
// at once pass and the 101st is throttled; a second later 5 more pass; each
// action has its own bucket.
func TestAccountBuckets(t *testing.T) {
	a := NewAccount(false)
	for i := 1; i <= 100; i++ {
		if !a.Take(AssignPrivateIpAddresses, 0) {
			t.Fatalf("request %d throttled with tokens left", i)
		}
	}
	if a.Take(AssignPrivateIpAddresses, 0) {
		t.Fatal("request 101 at once passed an empty bucket")
	}
	if !a.Take(UnassignPrivateIpAddresses, 0) {
		t.Fatal("another action's bucket was emptied too")
	}
	passed := 0
	for i := 0; i < 10; i++ {
		if a.Take(AssignPrivateIpAddresses, sim.Second) {
			passed++
		}
	}
	if passed != 5 {
		t.Errorf("a second later %d requests passed, want 5 (refill 5/s)", passed)
	}
	if got := a.Throttled(AssignPrivateIpAddresses); got != 6 {
		t.Errorf("Throttled = %d, want 6", got)
	}
	u := NewAccount(true)
	for i := 0; i < 1000; i++ {
		if !u.Take(CreateNetworkInterface, 0) {
			t.Fatal("an unlimited account throttled")
		}
	}
}

// TestRetryer: the SDK's standard retryer makes at most 3 attempts, and each
// retry costs 5 of the client's 500 quota tokens (§2): with no success in
// between, 100 retries drain it; an answered request after a retry gives its 5
// back, one without a retry gives 1.
func TestRetryer(t *testing.T) {
	var q Retryer
	if q.Retry(3) {
		t.Error("a third attempt was retried (3 attempts at most)")
	}
	retries := 0
	for q.Retry(1) {
		retries++
	}
	if retries != 100 {
		t.Errorf("%d retries from a full quota, want 500/5 = 100", retries)
	}
	q.Succeeded(true)
	if !q.Retry(1) || q.Retry(1) {
		t.Error("a success after a retry should give back exactly one retry's cost")
	}
	for i := 0; i < 4; i++ {
		q.Succeeded(false)
	}
	if q.Retry(1) {
		t.Error("4 successes without retry (1 token each) bought a retry costing 5")
	}
	q.Succeeded(false)
	if !q.Retry(1) {
		t.Error("5 successes without retry did not buy a retry")
	}
}

// TestBackoff: the delay before retry k is U[0,1) × 2^k s, capped at 20 s.
func TestBackoff(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	capped := 0
	for i := 0; i < 1000; i++ {
		if d := Backoff(r, 1); d < 0 || d >= 2*sim.Second {
			t.Fatalf("retry 1 after %v, want in [0, 2s)", d)
		}
		d := Backoff(r, 5)
		if d < 0 || d > 20*sim.Second {
			t.Fatalf("retry 5 after %v, want in [0, 20s]", d)
		}
		if d == 20*sim.Second {
			capped++
		}
	}
	// P(U·32 s ≥ 20 s) = 0.375.
	if capped < 300 || capped > 450 {
		t.Errorf("%d of 1000 fifth retries capped at 20 s, want about 375", capped)
	}
}

func TestProfiles(t *testing.T) {
	z, err := ProfileByName("zero")
	if err != nil || !z.Unlimited || z.Latencies != (EC2Latencies{}) || z.KubeletJitter != 0 {
		t.Errorf("zero profile: %+v, %v", z, err)
	}
	d, err := ProfileByName("default")
	if err != nil || d.Unlimited || d.DetachSettle != 2*sim.Second || d.KubeletJitter != 0.5 || d.Latencies != DefaultEC2Latencies() {
		t.Errorf("default profile: %+v, %v", d, err)
	}
	if _, err := ProfileByName("fast"); err == nil {
		t.Error("unknown profile accepted")
	}
	if API(99).String() != "API(99)" || OK.String() != "200" || !InsufficientCidrBlocks.Insufficient() || InvalidParameterValue.Insufficient() {
		t.Error("names or Insufficient wrong")
	}
}
