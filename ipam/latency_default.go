package ipam

// The built-in EC2 and IMDS latencies, with the public figure behind each
// row. docs/ec2-latency.md is the long form: quotes, links, the arithmetic,
// and what each estimate is derived from. Issue numbers are in
// aws/amazon-vpc-cni-k8s unless another repository is named.

import "github.com/ipamsim/ipamsim/sim"

// lnMS is a LogNormal through p50 and p99 given in milliseconds.
func lnMS(p50, p99 int) LogNormal {
	return LogNormal{P50: sim.Time(p50) * sim.Millisecond, P99: sim.Time(p99) * sim.Millisecond}
}

// tailFactor is p99/p50 for every EC2 call whose tail no public figure shows
// (σ = ln 4 / 2.3263 ≈ 0.60). With it, create → attach → IMDS visible has a
// p90 near 9 s, the "up to 10 seconds" of upstream docs/eni-and-ip-target.md
// (docs/ec2-latency.md, "Tails").
const tailFactor = 4

// withTail is a LogNormal with median p50 ms and p99 = tailFactor × p50.
func withTail(p50 int) LogNormal { return lnMS(p50, tailFactor*p50) }

// DefaultEC2Latencies returns the built-in profile (docs/ec2-latency.md).
func DefaultEC2Latencies() EC2Latencies {
	var l EC2Latencies
	// Estimate, no public figure: a read like DescribeNetworkInterfaces below.
	// The five DescribeSubnets of a Cilium operator test all took ≤ 1 s
	// (cilium/cilium#44539).
	l.Call[DescribeSubnets] = withTail(150)
	// A branch ENI takes "~ one second" to create when the controller is idle
	// (aws/amazon-vpc-resource-controller-k8s#124); CloudTrail in #732 puts
	// CreateNetworkInterface and the following AttachNetworkInterface one
	// second apart (second resolution).
	l.Call[CreateNetworkInterface] = withTail(700)
	// Estimate, no public figure: a read like DescribeNetworkInterfaces.
	l.Call[DescribeInstances] = withTail(150)
	// Six attaches by the Cilium operator took 4.44 s in all, each ≤ 1 s
	// (DataDog/integrations-core#10143): mean 740 ms; this row's mean is 776.
	l.Call[AttachNetworkInterface] = withTail(650)
	// Estimate: an attribute-only change, like CreateTags; CloudTrail in #732
	// has it in the same second as the attach before it.
	l.Call[ModifyNetworkInterfaceAttribute] = withTail(150)
	// One call took 510 ms (#3480); assign plus the DescribeNetworkInterfaces
	// after it added 400–600 ms to node start (PR #648); #1872 has 1.81 s for
	// describe-instances, attach, modify and assign together.
	l.Call[AssignPrivateIpAddresses] = withTail(400)
	// Estimate, no public figure: the mirror of AssignPrivateIpAddresses.
	l.Call[UnassignPrivateIpAddresses] = withTail(400)
	// PR #648: 400–600 ms for assign + this describe, less assign's ~400.
	l.Call[DescribeNetworkInterfaces] = withTail(150)
	// Estimate: returns before the detachment completes (hence ipamd's 2 s
	// sleep, §2.26); CloudTrail in #732 has detach and delete in one second.
	l.Call[DetachNetworkInterface] = withTail(400)
	// Estimate, no public figure: a mutating call like Unassign.
	l.Call[DeleteNetworkInterface] = withTail(400)
	// "Tagging ENI" to "Successfully tagged ENI": 94 ms in #1509's log.
	l.Call[CreateTags] = withTail(100)
	// Estimate, no public figure: a RequestLimitExceeded answer is refused
	// before any work, about one round trip to the endpoint, well under
	// CreateTags' 94 ms.
	l.Throttled = withTail(40)
	// Attach to ENI and addresses in IMDS. Median: #1872 (ENI in IMDS
	// 0.1–0.3 s after the assign returned, addresses not yet at 0.76 s) and
	// #420 (v1.4 mostly found it on the poll 10 s later, "up to 55 s").
	// Tail: "as long as 18 seconds" (aws/amazon-ecs-cni-plugins#66), "up to
	// 30s" (PR #1311); p99 20 s lies between.
	l.IMDSVisible = lnMS(1500, 20000)
	return l
}
