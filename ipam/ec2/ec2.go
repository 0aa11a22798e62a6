// Package ec2 models the EC2 API as ipamd meets it (docs/model.md §2,
// §7): the actions it calls and their outcomes, how long they take (latency
// profiles), the account's request token buckets, and the SDK's standard
// retryer. Time is the engine's; every random draw comes from the caller's
// seeded stream.
package ec2

import (
	"fmt"
	"math/rand/v2"

	"github.com/ipamsim/ipamsim/sim"
)

// API is an EC2 API action that ipamd calls (docs/model.md §7).
type API uint8

// The EC2 actions ipamd calls, in the order of §7's table.
const (
	DescribeSubnets API = iota
	CreateNetworkInterface
	DescribeInstances
	AttachNetworkInterface
	ModifyNetworkInterfaceAttribute
	AssignPrivateIpAddresses
	UnassignPrivateIpAddresses
	DescribeNetworkInterfaces
	DetachNetworkInterface
	DeleteNetworkInterface
	CreateTags
	NumAPIs
)

var apiNames = [NumAPIs]string{
	"DescribeSubnets", "CreateNetworkInterface", "DescribeInstances", "AttachNetworkInterface",
	"ModifyNetworkInterfaceAttribute", "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses",
	"DescribeNetworkInterfaces", "DetachNetworkInterface", "DeleteNetworkInterface", "CreateTags",
}

// String is the action's EC2 name, as aws-node labels its metrics.
func (a API) String() string {
	if a < NumAPIs {
		return apiNames[a]
	}
	return fmt.Sprintf("API(%d)", uint8(a))
}

// ErrCode is the outcome of an EC2 call.
type ErrCode uint8

// EC2 outcomes that change ipamd's behaviour (§2 "Errors, throttling and backoff").
const (
	OK ErrCode = iota
	// RequestLimitExceeded: the account's token bucket for the action is empty;
	// the SDK's standard retryer retries it (§2, §7).
	RequestLimitExceeded
	// InsufficientFreeAddressesInSubnet pauses pool growth for 120 s (§2).
	InsufficientFreeAddressesInSubnet
	// InsufficientCidrBlocks: no aligned free /28; pauses growth for 120 s (§2, §4).
	InsufficientCidrBlocks
	// InvalidParameterValue: CreateNetworkInterface could not get the addresses
	// or prefixes it was asked for; not matched by ipamd, so retried every
	// cycle (§2, #3105).
	InvalidParameterValue
	// AttachmentLimitExceeded: no free device index on the instance.
	AttachmentLimitExceeded
	numErrCodes
)

var errNames = [numErrCodes]string{"200", "RequestLimitExceeded", "InsufficientFreeAddressesInSubnet",
	"InsufficientCidrBlocks", "InvalidParameterValue", "AttachmentLimitExceeded"}

// String is the code as aws-node's `status` label spells it ("200" for success).
func (e ErrCode) String() string {
	if e < numErrCodes {
		return errNames[e]
	}
	return fmt.Sprintf("ErrCode(%d)", uint8(e))
}

// Insufficient reports the two codes that start the 120 s growth pause
// (§2; ipamd containsInsufficientCIDRsOrSubnetIPs).
func (e ErrCode) Insufficient() bool {
	return e == InsufficientFreeAddressesInSubnet || e == InsufficientCidrBlocks
}

// Profile is how long EC2 and the instance metadata service take (§7.14),
// and the fixed waits around them.
type Profile struct {
	// Name is the built-in profile's name, with " + FILE" when a user's
	// profile (--ec2-profile) changed its latencies.
	Name string
	// Latencies: each call, a throttled answer, and IMDS visibility (§7.14,
	// docs/ec2-latency.md).
	Latencies EC2Latencies
	// DetachSettle is ipamd's fixed sleep between detach and delete (§2: 2 s).
	DetachSettle sim.Time
	// Unlimited turns the account's token buckets off.
	Unlimited bool
	// KubeletJitter is the jitter factor of the kubelet's retry of a failed ADD
	// (§3: 0.5, i.e. 10–15 s). The zero profile retries exactly 10 s later, as
	// the oracle rig does.
	KubeletJitter float64
	// KubeletSyncTick is the period of the kubelet's sync loop ticker, which
	// takes requeued pods whose back-off has expired (§3.17: 1 s); zero (the
	// zero profile) retries a pod the moment its back-off ends.
	KubeletSyncTick sim.Time
}

// ProfileNames lists the built-in latency profiles.
func ProfileNames() []string { return []string{"default", "zero"} }

// ProfileByName returns a built-in profile: "zero" is the oracle rig's
// idealised world, every call instant and never throttled and the kubelet's
// retries exactly 10 s apart; "default" draws every latency from the sourced
// lognormals of DefaultEC2Latencies (§7.14, docs/ec2-latency.md).
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "zero":
		return Profile{Name: "zero", Unlimited: true}, nil
	case "default", "":
		return Profile{Name: "default", Latencies: DefaultEC2Latencies(), DetachSettle: 2 * sim.Second, KubeletJitter: 0.5,
			KubeletSyncTick: sim.Second}, nil
	}
	return Profile{}, fmt.Errorf("unknown EC2 profile %q (want default or zero)", name)
}

// bucketSize is the EC2 request token bucket of each action: capacity and refill
// per second, by the categories AWS documents (§7 "EC2 request throttling").
// Each action has its own bucket, shared by every node of the account.
var bucketSize = [NumAPIs]struct{ capacity, refill float64 }{
	DescribeSubnets:                 {100, 20}, // non-mutating
	CreateNetworkInterface:          {100, 5},
	DescribeInstances:               {50, 10}, // unfiltered describe
	AttachNetworkInterface:          {50, 5},  // other mutating
	ModifyNetworkInterfaceAttribute: {100, 5},
	AssignPrivateIpAddresses:        {100, 5},
	UnassignPrivateIpAddresses:      {100, 5},
	DescribeNetworkInterfaces:       {50, 10},
	DetachNetworkInterface:          {50, 5},
	DeleteNetworkInterface:          {100, 5},
	CreateTags:                      {100, 10},
}

type bucket struct {
	tokens float64
	last   sim.Time
}

// Account is an AWS account's EC2 request budget in one Region: one token
// bucket per action, shared by all nodes (§7).
type Account struct {
	unlimited bool
	buckets   [NumAPIs]bucket
	throttled [NumAPIs]uint64
}

// NewAccount returns an account with full buckets.
func NewAccount(unlimited bool) *Account {
	a := &Account{unlimited: unlimited}
	for i := range a.buckets {
		a.buckets[i].tokens = bucketSize[i].capacity
	}
	return a
}

// Take spends one token of api's bucket at now, refilling it first; false
// means the request is throttled (RequestLimitExceeded).
func (a *Account) Take(api API, now sim.Time) bool {
	if a.unlimited {
		return true
	}
	b := &a.buckets[api]
	if now > b.last {
		b.tokens = min(bucketSize[api].capacity, b.tokens+bucketSize[api].refill*(now-b.last).Seconds())
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	a.throttled[api]++
	return false
}

// Throttled returns how many requests of api the account refused.
func (a *Account) Throttled(api API) uint64 { return a.throttled[api] }

// Standard retryer of aws-sdk-go-v2 (§2: 3 attempts, jittered exponential
// backoff capped at 20 s, retries for RequestLimitExceeded), with its client-side
// retry quota (500 tokens, 5 per retry, 1 back per success without retry).
const (
	sdkMaxAttempts   = 3
	sdkMaxBackoff    = 20 * sim.Second
	sdkQuota         = 500
	sdkRetryCost     = 5
	sdkNoRetryRefund = 1
)

// Retryer is the SDK's standard retryer of one EC2 client (one aws-node):
// its retry quota.
type Retryer struct{ used int }

// Retry reports whether a throttled attempt (1-based) is retried, spending
// retry quota if it is.
func (q *Retryer) Retry(attempt int) bool {
	if attempt < sdkMaxAttempts && sdkQuota-q.used >= sdkRetryCost {
		q.spend(sdkRetryCost)
		return true
	}
	return false
}

// Succeeded gives quota back for an answered request: what its retries cost,
// or one token if it had none.
func (q *Retryer) Succeeded(retried bool) {
	if retried {
		q.spend(-sdkRetryCost)
	} else {
		q.spend(-sdkNoRetryRefund)
	}
}

func (q *Retryer) spend(k int) { q.used = max(0, min(sdkQuota, q.used+k)) }

// Backoff is the delay before retry number attempt (1-based): U[0,1) ×
// 2^attempt s, at most 20 s.
func Backoff(r *rand.Rand, attempt int) sim.Time {
	d := sim.Time(r.Float64() * float64(int64(1)<<attempt) * float64(sim.Second))
	return min(d, sdkMaxBackoff)
}
