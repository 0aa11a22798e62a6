// Package ipam is ipamsim's model of one EKS node's IP address management:
// the AWS VPC CNI's ipamd (L-IPAM), rule by rule from
// ../shared/docs/ipamd-behaviour.md, whose sections the code cites (§1
// settings, §2 the pool loop, §3 pod ADD and DEL, §4 prefix delegation, §5 max
// pods, §6 metrics, §7 EC2).
//
// The pieces, each in its own file:
//
//   - settings.go: the VPC CNI's environment variables, with upstream's
//     defaults, precedence and parsing (typos are errors, never defaults);
//   - subnet.go: a VPC subnet's address space as EC2 hands it out;
//   - datastore.go: ENIs, their /32s or /28s, and every address's state
//     (assigned, cooling down, reusable), walked in first-fit or emulated
//     map order;
//   - pool.go: the pool arithmetic (short, over, too low, too high, ENI
//     freeable) as pure functions over integers;
//   - ec2.go: EC2 actions, latency profiles, the account's token buckets and
//     the SDK's retryer;
//   - node*.go: a node in the discrete-event engine — ipamd's start-up and
//     5 s pool loop, the kubelet's ADDs, DELs and retries, and the EC2-backed
//     actions the pool policies use;
//   - vpccni.go: the VPC CNI's pool policy; policy_*.go: Cilium, Azure CNS,
//     Terway, static blocks and Calico, for comparison.
//
// The package never reads the wall clock or global randomness: time is the
// engine's (github.com/ipamsim/ipamsim/sim) and every random choice comes from streams derived
// from the run's seed. It knows nothing of files, flags or Prometheus;
// exporters read Node.Counters and the datastore.
package ipam
