// Package ipam is ipamsim's model of one EKS node's IP address management:
// the AWS VPC CNI's ipamd (L-IPAM), rule by rule from docs/model.md, the
// project's specification, whose sections and rules the code cites (§1
// settings, §2 the pool loop, §3 pod ADD and DEL, §4 prefix delegation, §5 max
// pods, §6 metrics, §7 EC2); the other CNIs' policies follow docs/policies.md.
//
// The pieces, each in its own file:
//
//   - settings.go: the VPC CNI's environment variables, with upstream's
//     defaults, precedence and parsing (typos are errors, never defaults);
//   - datastore.go: ENIs, their /32s or /28s, and every address's state
//     (assigned, cooling down, reusable), walked in first-fit or emulated
//     map order;
//   - pool.go: the pool arithmetic (short, over, too low, too high, ENI
//     freeable) as pure functions over integers;
//   - node*.go: a node in the discrete-event engine — ipamd's start-up and
//     pool loop (node_loop.go), the kubelet's ADDs, DELs and retries
//     (node_pods.go), the EC2 requests (node_ec2.go) and the blocking pool
//     actions built on them (node_actions.go), and the policies' view of it
//     all (node_ops.go);
//   - policy.go: Policy, the per-node Controller it attaches, and Ops, the
//     node as a controller sees it; vpccni.go: the VPC CNI's ipamd, the
//     default; policy_*.go: Cilium, Azure CNS, Terway, static blocks and
//     Calico, for comparison; policies.go: their registry and shared
//     machinery;
//   - events.go: the event log, one typed Event per decision, action and
//     result.
//
// Beside it: ipam/ec2 (the EC2 API: actions, outcomes, latency profiles, the
// account's token buckets, the SDK's retryer), ipam/vpc (a subnet's address
// space), ipam/hist (wait histograms), ipam/catalog (instance types) and
// ipam/cluster (many nodes).
//
// ipamd's rules read as straight-line code, as upstream's do: a node's pool
// loop runs as a coroutine that strictly alternates with the engine, and a
// blocking action (an EC2 call, a sleep) parks it until the engine fires the
// event that ends the action.
//
// The package never reads the wall clock or global randomness: time is the
// engine's (github.com/ipamsim/ipamsim/sim) and every random choice comes
// from streams derived from the run's seed. It knows nothing of files, flags
// or Prometheus; exporters read Node.Counters and Node.Stats, or the event
// log (Config.Events).
package ipam
