// Command ipamsim simulates the AWS VPC CNI's local IP address manager (ipamd)
// on EKS nodes: it replays pod create/delete traces against a model of a node's
// ENIs, warm pool, cooldown and EC2 calls, and reports pool exhaustion, pod IP
// wait, address waste and EC2 calls.
//
// Exit status: 0 success, 1 runtime failure, 2 usage or input error, 3
// internal error (a bug in ipamsim: please report it with the command line
// it prints), 130 or 143 when interrupted by SIGINT or SIGTERM.
package main

import (
	"fmt"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/ipamsim/ipamsim/internal/outputs"
)

func main() { os.Exit(mainCLI(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// mainCLI is main with the process's signals: SIGINT and SIGTERM remove the
// temporary files of outputs not yet committed and exit 130 or 143, unless
// a command has claimed the signals (claimSignals) for a graceful stop, in
// which case a second signal does that.
func mainCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		claimedOnce := false
		for sig := range sigs {
			if claimed.Load() > 0 && !claimedOnce {
				claimedOnce = true
				continue
			}
			outputs.CleanUp()
			fmt.Fprintf(stderr, "ipamsim: %v: stopped; no output written\n", sig)
			if sig == syscall.SIGTERM {
				os.Exit(143)
			}
			os.Exit(130)
		}
	}()
	return run(args, stdin, stdout, stderr)
}

// claimed counts the commands that handle SIGINT and SIGTERM themselves
// (a live metrics run stops pacing, ui stops serving).
var claimed atomic.Int32

// claimSignals tells mainCLI that the caller handles the first SIGINT or
// SIGTERM; the returned function gives them back.
func claimSignals() (release func()) {
	claimed.Add(1)
	return func() { claimed.Add(-1) }
}

// exitInternal is the exit status of a panic: a bug, never a usage error.
const exitInternal = 3

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
  ipamsim ec2-profile                 the built-in EC2 latencies, a CSV to edit for --ec2-profile FILE
  ipamsim ui [flags]                  a local page: change settings, watch the node's charts redraw
  ipamsim version                     the release, VCS revision and Go version it was built from (also --version)

Run 'ipamsim COMMAND --help' for a command's flags.

Exit status: 0 success, 1 runtime failure, 2 usage or input error (the message
names the flag, or the file, line and field at fault), 3 internal error (a bug:
report it with the command line printed), 130/143 interrupted (SIGINT/SIGTERM;
no output is left half-written).
`

// run dispatches a command line; it is main without the process around it.
// A panic becomes exit status 3 with "internal error", the stack, and the
// command line and seed that reproduce it; outputs not committed are
// removed first (the commands' deferred aborts run as the panic unwinds).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	commandArgs = args
	return guard(args, stderr, func() int { return dispatch(args, stdin, stdout, stderr) })
}

// guard runs f, turning a panic into exit status 3 (exitInternal) with the
// panic, its stack, and the command line and seed that reproduce it.
func guard(args []string, stderr io.Writer, f func() int) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "ipamsim: internal error: %v\n%s\n", p, debug.Stack())
			fmt.Fprintf(stderr, "ipamsim: internal error (a bug in ipamsim, not in your input): %v\n", p)
			fmt.Fprintf(stderr, "ipamsim: to reproduce, run (%s): %s\n", seedOf(args), commandLine(args))
			code = exitInternal
		}
	}()
	return f()
}

// commandArgs is the command line being run, for internal-error messages.
var commandArgs []string

// seedOf says which seed a command line runs with, for the internal-error
// message.
func seedOf(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--seed="); ok {
			return "seed " + v
		}
		if a == "--seed" && i+1 < len(args) {
			return "seed " + args[i+1]
		}
	}
	return "seed 1, the default"
}

// commandLine quotes args as a shell would need them.
func commandLine(args []string) string {
	q := []string{"ipamsim"}
	for _, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+@%") == "" {
			q = append(q, a)
		} else {
			q = append(q, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
	}
	return strings.Join(q, " ")
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
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
	case "ec2-profile": // docs/ec2-latency.md; model.md §7.14
		if len(args) > 1 {
			const u = "Usage: ipamsim ec2-profile   (prints the built-in EC2 latencies, a CSV to edit for --ec2-profile FILE)\n"
			if args[1] == "-h" || args[1] == "--help" {
				fmt.Fprint(stdout, u)
				return 0
			}
			fmt.Fprint(stderr, "ipamsim ec2-profile: takes no arguments\n"+u)
			return 2
		}
		return exitStatus(stderr, "ipamsim ec2-profile", ec2.WriteEC2Profile(stdout, ec2.DefaultEC2Latencies()))
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ipamsim: unknown command %q\n\n%s", args[0], usage)
	return 2
}
