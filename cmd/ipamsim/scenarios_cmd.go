package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ipamsim/ipamsim/scenarios"
)

const scenariosUsage = `Usage:
  ipamsim scenarios              list the shipped scenarios: NAME  QUESTION
  ipamsim scenarios show NAME    print a shipped scenario's file, to read or copy:
                                 ipamsim scenarios show cronjob-spike > my.scn
                                 ipamsim run --scenario my.scn

The scenario file format is described in docs/scenarios.md.
`

// runScenarios runs `ipamsim scenarios [list | show NAME]`; args are those
// after "scenarios". It returns the exit status: 0 success, 1 write failure,
// 2 usage error.
func runScenarios(args []string, stdout, stderr io.Writer) int {
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ipamsim scenarios: "+format+"\n", a...)
		return 2
	}
	out := bufio.NewWriter(stdout)
	flush := func() int {
		if err := out.Flush(); err != nil {
			fmt.Fprintf(stderr, "ipamsim scenarios: %v\n", err)
			return 1
		}
		return 0
	}
	if len(args) == 0 || args[0] == "list" {
		if len(args) > 1 {
			return usageErr("unexpected argument %q\n\n%s", args[1], scenariosUsage)
		}
		all := scenarios.Builtins()
		width := 0
		for _, s := range all {
			width = max(width, len(s.Name))
		}
		for _, s := range all {
			fmt.Fprintf(out, "%-*s  %s\n", width, s.Name, s.Question)
		}
		return flush()
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, scenariosUsage)
		return 0
	case "show":
		if len(args) != 2 {
			return usageErr("show wants one NAME (shipped: %s)", strings.Join(scenarios.BuiltinNames(), ", "))
		}
		s, err := scenarios.LookupBuiltin(args[1])
		if err != nil {
			return usageErr("%v", err)
		}
		io.WriteString(out, s.Text)
		return flush()
	}
	return usageErr("unknown subcommand %q (want show NAME, or no argument to list)\n\n%s", args[0], scenariosUsage)
}
