// Package promexport exports simulated runs as Prometheus metrics, under
// aws-node's own names where aws-node has the metric (docs/model.md §6)
// and under ipamsim_ for what only a simulator knows:
//
//   - WriteNode and WriteCluster write a finished run's metrics in the text
//     format (--metrics-file);
//   - Backfill samples a run's metrics over simulated time and writes them as
//     OpenMetrics for promtool's backfill (--openmetrics-file);
//   - Live serves a run's metrics over HTTP while it goes on, pacing simulated
//     time against the wall clock (--metrics-addr, --speed);
//   - Observer wires Live and Backfill into a replay's hooks.
//
// The model knows nothing of Prometheus: collectors read the node's state
// and counters when they are gathered.
package promexport
