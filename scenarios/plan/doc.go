// Package plan prices a workload on candidate instance types: which type
// (and VPC CNI settings) runs it in its subnets at the lowest cost without
// pods waiting too long for an address (issue 14; docs/plan.md).
//
// A plan runs the workload once per candidate type and grid setting through
// the cluster model (ipam/cluster: nodes placed by max pods and CPU and
// memory requests, autoscaled, drawing on shared subnets and one EC2
// account). A cluster scenario runs as written, each point's type replacing
// every group's; a single-node scenario or a trace runs as one autoscaled
// node group in the plan's subnets. Points are a sweep grid
// (scenarios/sweep: Grid, Point, Shard, PointSeed) run on several workers,
// and a plan can be split into shards whose documents Merge joins.
//
// For every candidate it reports, beside the run's figures (nodes at the
// peak, addresses held, the subnets' least free addresses, p99 pod IP wait,
// EC2 calls), what limits its pods per node (max pods, CPU or memory, for
// the workload's most common pod size), its cost (nodes at the peak × the
// type's hourly price, and node hours × price over the run), and how many
// of its nodes the subnets hold: free addresses ÷ the addresses one node
// holds at steady state with a full complement of pods, warm pool included,
// measured by running that node alone through the model. The recommendation
// is the cheapest candidate that meets the objective, with why each cheaper
// one does not.
package plan
