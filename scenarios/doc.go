// Package scenarios holds ipamsim's workloads: streaming readers and writers for
// pod create/delete traces (CSV, JSONL, Kubernetes audit logs), seeded trace
// generators, and the built-in named what-if scenarios.
//
// A trace is a sequence of Events in non-decreasing time order. Readers stream:
// they hold one line at a time, so a trace of any length replays in constant
// memory.
//
// # Scenario files
//
// A scenario (.scn) file names one question, the node and VPC CNI settings
// that answer it, and its workload. It is line-based, made to be read and
// edited by people; `ipamsim scenarios show NAME` prints a shipped one to copy:
//
//	# comments
//	name: cronjob-spike
//	question: Do per-minute CronJobs starve for addresses while freed IPs cool down? (aws/amazon-vpc-cni-k8s#1446)
//	instance-type: m5.large
//	max-pods: 29                       # optional
//	set: WARM_IP_TARGET=2              # repeatable, VPC CNI env var names
//	ec2: default                       # optional: default|zero
//	drain: 10m                         # optional
//	workload: gen cronjob --period 1m --pods-per-run 8 --run-length 50s --duration 30m
//	workload: trace pods.csv           # a trace file, path relative to the scenario file
//	variant: warm-ip WARM_IP_TARGET=5 MINIMUM_IP_TARGET=10
//
// Every line is "key: value". Blank lines are ignored; '#' starts a comment
// at the start of a line, or where it follows white space and is itself
// followed by white space or the end of the line (so "#1446" in a question is
// text, " # optional" is a comment). The keys:
//
//   - name (required): the scenario's name, [a-z0-9] then [a-z0-9._-].
//   - question (required): the one-line question the scenario answers.
//   - instance-type (required): the node's EC2 instance type; the CLI
//     checks that it exists (its --instance-type overrides it).
//   - max-pods: the kubelet's max pods, a whole number > 0 ("": the
//     max-pods-from rule's figure).
//   - max-pods-from: eks (default), eni-max-pods or nodeadm
//     (catalog.NodeMaxPods).
//   - warm-up: how long the node boots before trace time 0 (default 0).
//   - set: one or more KEY=VALUE, the VPC CNI's own variable names, applied
//     in order on top of upstream's defaults. Repeatable. A key or value
//     that ipam.Settings.Set refuses is an error when the file is loaded.
//   - ec2: the EC2 latency profile, default or zero.
//   - drain: how long the run goes on after the last trace event, a Go
//     duration > 0 such as 10m.
//   - workload (required, repeatable): "gen KIND FLAGS..." takes exactly the
//     flags of `ipamsim trace gen KIND` that shape the trace (the kind's own
//     flags, --prefix and --seed; --seed defaults to the run's seed), or
//     "trace PATH" replays a trace file (CSV, JSONL or Kubernetes audit log,
//     detected from its first line; PATH, the rest of the line, is relative
//     to the scenario file's directory). Several workloads are merged in time
//     order (Merge): give generators of the same kind distinct --prefix
//     values so that pod names stay unique.
//   - variant (optional, repeatable): "NAME KEY=VALUE...", a named run with
//     these settings applied on top of the base settings. A variant name
//     follows the rule of scenario names and must not be "base".
//
// The keys other than set, workload and variant may be given once. Errors
// are *ParseError values naming the file, line and key at fault.
package scenarios
