// Package explore serves `ipamsim ui`: a local web page on which the VPC CNI
// settings of one single-node scenario are inputs, and every change re-runs the
// simulation (milliseconds) and redraws the run's charts and figures.
//
// The server is plain net/http with three routes:
//
//   - GET / and GET /assets/...: the page, its script and stylesheet and the
//     vendored chart library (uPlot), embedded with go:embed so the page works
//     offline;
//   - GET /api/meta: the inputs' schema (the VPC CNI variables with their
//     defaults and ranges, the instance catalogue's names, assignment orders,
//     policies) and the scenarios the server offers, with each variant's
//     settings;
//   - GET /api/run?...: one run. The query names the scenario, an optional
//     variant and any VPC CNI variable (WARM_IP_TARGET=5), instance-type,
//     assign-order, seed and policy. The answer is the run's summary (as
//     `ipamsim run -o json` prints it), its sampled series and pod-wait CDF,
//     and the equivalent `ipamsim run` command line.
//
// The query is read with the CLI's own parsers (ipam.ParseAssignment and
// Settings.Set under the source "--set", catalog.Lookup, ipam.ParseAssignOrder,
// pflag for the seed), so a bad value gets the error text `ipamsim run`
// prints, and the field it belongs to. Only the scenarios the server was
// started with can be run (the shipped single-node ones and an optional
// --scenario file): a query cannot name a file. Each run has a deadline and a
// cap on engine events, and at most GOMAXPROCS runs go at once.
//
// Everything that touches the run machinery (scenario workloads, replay.Spec,
// replay.Execute) is in run.go, so that it can move to a unified run API in a
// few lines.
package explore
