// Package sweep runs one workload against a grid of VPC CNI settings,
// instance types, assign orders and (optionally) pool policies, ranks the outcomes and recommends the
// cheapest setting that meets a pod IP wait objective (the users'
// question: "Which settings give p99 pod IP wait under N seconds with the
// fewest addresses and EC2 calls?").
//
// # Grid
//
// A grid has one axis per VPC CNI setting (--grid KEY=ITEM[,ITEM...], where an
// ITEM is a value or an integer range LO..HI[:STEP], e.g. WARM_IP_TARGET=0..10,
// WARM_ENI_TARGET=0,1,2, ENABLE_PREFIX_DELEGATION=false,true,
// MINIMUM_IP_TARGET=0..20:10), a list of instance types, a list of assign
// orders and a number of repetitions. Every value is checked with
// ipam.Settings.Set; unknown keys, values that do not parse, empty or
// inverted ranges, STEP <= 0, duplicate keys or values (including two values
// that give the same setting, such as WARM_IP_TARGET=-1,0), unknown instance
// types and grids over MaxPoints points are *GridError values naming the flag
// at fault. Values are spelled canonically (whole numbers in decimal,
// booleans true/false).
//
// With GridSpec.Policies (--policies) the grid has a policy dimension
// (ipam.PolicyNames, with fixed --policy-set parameters, Grid.PolicyParams):
// each point builds its own ipam.Policy, and
// the point's identity, outputs and rerun command name it. Without it no
// output names a policy.
//
// Points are expanded in a fixed order: policies as given, then instance
// types as given, then orders as given, then the setting axes as an odometer (axes sorted by key,
// the last changing fastest, values as given), then repetitions 1..N
// innermost. A point's index is its position in that order.
//
// # Seeds and reruns
//
// A point's seed is PointSeed(sweep seed, "repetition=R"): all points of one
// repetition share it, so every setting combination, instance type and order
// replays the same workload and EC2 latency draws (common random numbers) and
// points differ by their settings alone; repetitions give the spread. It does
// not depend on the index, so adding values to an axis, or instance types or
// orders, leaves the seeds of the existing points unchanged. Every point is an `ipamsim run` of the same
// workload with that seed (a built-in scenario is generated from it, as `run`
// generates it), and its output carries the exact command that reruns it
// alone and gives the same figures.
//
// # Running and sharding
//
// Sweep.Run runs the points on Workers goroutines, each point prepared by
// replay.Prepare exactly as its rerun command prepares it (a cluster
// scenario's point runs the cluster; its Result carries the cluster summary
// and the cluster's totals as Summary), with a fresh reader of the workload, and returns them in
// point order whatever the scheduling. A Shard INDEX/COUNT runs only the
// points with index % COUNT == INDEX; Merge combines the shards' JSON
// documents into exactly the document (and CSV) a single run gives.
//
// # Ranking
//
// Points of one setting combination (all but the repetition equal) are
// aggregated: the mean and the min–max spread of each figure over the
// repetitions. The Pareto frontier minimises (mean addresses held, p99 pod IP
// wait, EC2 calls). Recommend picks the cheapest combination (fewest mean
// addresses held, then fewest EC2 calls, then lowest p99 wait, then point
// order) that, in every repetition, has p99 wait <= the maximum, leaves no pod
// without an address and, optionally, makes at most N EC2 calls per simulated
// hour.
//
// # Outputs
//
// The JSON document (format FormatVersion) holds the plan (workload, EC2
// profile, seed, drain, max pods, base settings, grid), the total number of
// points, the shard (for a shard's output only), one object per point (index,
// instance type, order, settings, repetition, seed, rerun command, mean idle
// addresses, EC2 calls per hour, warnings and the full replay.Summary) and,
// for a whole sweep, the frontier's combinations. The CSV has one row per
// point with one column per grid setting, every figure, EC2 calls by API,
// whether the point's combination is on the frontier and the rerun command.
package sweep
