// Package report takes a run's recorded series, a comparison's summaries or a
// sweep's results and writes self-contained HTML pages: inline SVG charts and
// stylesheet, nothing fetched.
//
//   - The run report (Recorder, RunInfo): timelines of one node's addresses,
//     ENIs, waiting pods and EC2 calls, the exact instants pods waited and ENIs
//     came and went, why pods waited (in words), a close-up of the first wait
//     and the pod-wait CDF. A Recorder is fed a State after every engine event
//     and at every sample, from the node's event log (StateOf a
//     replay.NodeLog).
//   - The compare report (Series, Comparison): one workload under several pool
//     policies, the figures side by side and one small timeline per policy.
//   - The sweep report (WriteSweep): a sweep's Pareto frontier as a scatter of
//     addresses held against p99 pod IP wait, the recommendation and the tables.
//
// The pages only observe: recording changes nothing in the run.
package report
