package ec2

// The built-in EC2 and IMDS latencies, with the public figure behind each
// row. docs/ec2-latency.md is the long form: quotes, links, the arithmetic,
// and what each estimate is derived from. Issue and PR numbers are in
// aws/amazon-vpc-cni-k8s unless another repository is named.

import "github.com/ipamsim/ipamsim/sim"

// lnMS is a LogNormal through p50 and p99 given in milliseconds.
func lnMS(p50, p99 int) LogNormal {
	return LogNormal{P50: sim.Time(p50) * sim.Millisecond, P99: sim.Time(p99) * sim.Millisecond}
}

// tailFactor is p99/p50 of every EC2 row, an estimate: no public figure
// shows the tail of a single call (σ = ln 4 / 2.3263 ≈ 0.60, mean 1.19 ×
// p50). The checks in docs/ec2-latency.md ("Tails") place the published
// single figures inside the resulting spread.
const tailFactor = 4

// withTail is a LogNormal with median p50 ms and p99 = tailFactor × p50.
func withTail(p50 int) LogNormal { return lnMS(p50, tailFactor*p50) }

// DefaultEC2Latencies returns the built-in profile (docs/ec2-latency.md).
// "dump" is upstream's cmd/cni-metrics-helper/metrics/cni_test1.data, the
// awscni_aws_api_latency_ms sums and counts of one aws-node (2019): a row's
// p50 is its mean divided by exp(σ²/2) = 1.194, the mean/median ratio of a
// lognormal with p99 = 4 × p50.
func DefaultEC2Latencies() EC2Latencies {
	var l EC2Latencies
	// Estimate: no public figure; like the two describes the dump has
	// (DescribeInstances and DescribeNetworkInterfaces, p50 110 and 100).
	l.Call[DescribeSubnets] = withTail(110)
	// Partly estimated: dump create mean 133 ms (n = 10, p50 111) was made
	// without addresses; today's create also assigns them, so add
	// AssignPrivateIpAddresses' p50 below (260): 370.
	l.Call[CreateNetworkInterface] = withTail(370)
	// Dump: mean 133 ms (n = 10).
	l.Call[DescribeInstances] = withTail(110)
	// Dump: mean 438 ms (n = 10); Cilium operator: 6 attaches, 4.44 s in all,
	// each ≤ 1 s (DataDog/integrations-core#10143). Pooled mean 551 ms.
	l.Call[AttachNetworkInterface] = withTail(460)
	// Dump: mean 155 ms (n = 10).
	l.Call[ModifyNetworkInterfaceAttribute] = withTail(130)
	// Dump: mean 294 ms (n = 10); one call of 510 ms (#3480). Pooled mean
	// 313 ms. Assign plus a DescribeNetworkInterfaces took 400–600 ms
	// (PR #648).
	l.Call[AssignPrivateIpAddresses] = withTail(260)
	// Estimate: no public figure; the mirror of AssignPrivateIpAddresses.
	l.Call[UnassignPrivateIpAddresses] = withTail(260)
	// Dump: mean 118 ms (n = 20).
	l.Call[DescribeNetworkInterfaces] = withTail(100)
	// Dump: mean 203 ms (n = 9). It returns before the detachment is done,
	// hence ipamd's 2 s sleep before the delete (§2.26).
	l.Call[DetachNetworkInterface] = withTail(170)
	// Dump: mean 263 ms (n = 9) for deletes that succeeded.
	l.Call[DeleteNetworkInterface] = withTail(220)
	// Dump: mean 112 ms (n = 10); 94 ms in #1509's log. Pooled mean 111 ms.
	l.Call[CreateTags] = withTail(90)
	// Estimate: no public figure for a RequestLimitExceeded answer; the
	// nearest is another refused call, the dump's failed deletes
	// (InvalidParameterValue, ENI still in use): mean 129 ms (n = 14).
	l.Throttled = withTail(110)
	// Attach to ENI and addresses in IMDS. Median: #1872 (ENI in IMDS
	// 0.1–0.3 s after the assign returned, addresses not yet at 0.76 s) and
	// #420 (v1.4's check right after attach and assign missed the ENI; the
	// one 10 s later found it, "up to 55 seconds" with more misses). Tail:
	// "as long as 18 seconds" (aws/amazon-ecs-cni-plugins#66), "up to 30s"
	// (PR #1311); p99 20 s lies between.
	l.IMDSVisible = lnMS(1500, 20000)
	return l
}
