// Command ipamsim simulates the AWS VPC CNI's local IP address manager (ipamd)
// on EKS nodes: it replays pod create/delete traces against a model of a node's
// ENIs, warm pool, cooldown and EC2 calls, and reports pool exhaustion, pod IP
// wait, address waste and EC2 calls.
//
// Exit status: 0 success, 1 runtime failure, 2 usage or input error.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

const usage = `ipamsim simulates the AWS VPC CNI's ipamd warm pool on EKS nodes.

Usage:
  ipamsim run [flags]                 replay a trace or scenario against one node or a cluster
  ipamsim scenarios [show NAME]       list the shipped what-if scenarios, or print one
  ipamsim compare [flags]             one workload under several pool policies, side by side
  ipamsim sweep [flags]               run a grid of settings; ipamsim sweep merge FILES... joins shards
  ipamsim recommend [flags]           the cheapest setting that meets a pod-IP-wait target
  ipamsim plan [flags]                price a workload on candidate instance types; plan merge FILES... joins shards
  ipamsim maxpods [flags] [TYPE...]   max pods per instance type (eni-max-pods.txt format)
  ipamsim trace convert [flags] FILE  convert a Kubernetes audit log (or CSV/JSONL) to a trace
  ipamsim trace gen KIND [flags]      generate a trace (churn, deploy, rolling, cronjob, diurnal, cl2)
  ipamsim ui [flags]                  a local page: change settings, watch the node's charts redraw
  ipamsim version                     the release, VCS revision and Go version it was built from (also --version)

Run 'ipamsim COMMAND --help' for a command's flags.
`

// run dispatches a command line; it is main without the process around it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runRun(args[1:], stdin, stdout, stderr)
	case "compare":
		return runCompare(args[1:], stdin, stdout, stderr)
	case "maxpods":
		return runMaxPods(args[1:], stdout, stderr)
	case "sweep":
		return runSweep(args[1:], stdin, stdout, stderr)
	case "recommend":
		return runRecommend(args[1:], stdout, stderr)
	case "plan":
		return runPlan(args[1:], stdout, stderr)
	case "scenarios":
		return runScenarios(args[1:], stdout, stderr)
	case "ui":
		return runUI(args[1:], stdout, stderr)
	case "trace":
		if len(args) < 2 {
			fmt.Fprintln(stderr, "ipamsim trace: want 'convert' or 'gen'")
			return 2
		}
		switch args[1] {
		case "convert":
			return runTraceConvert(args[2:], stdout, stderr)
		case "gen":
			return runTraceGen(args[2:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "ipamsim trace: unknown subcommand %q (want convert or gen)\n", args[1])
		return 2
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ipamsim: unknown command %q\n\n%s", args[0], usage)
	return 2
}
