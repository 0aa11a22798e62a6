package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// usageError is a bad flag or input: exit status 2.
type usageError struct{ error }

// isInputError reports whether err is the user's to fix — a flag, a setting,
// a scenario, a trace line, a grid, an instance type — rather than a failure
// of the run itself.
func isInputError(err error) bool {
	var (
		ue  usageError
		pe  *scenarios.ParseError
		re  *replay.Error
		spe *replay.SpecError
		se  *ipam.SettingError
		poe *ipam.PolicyError
		ce  *catalog.UnknownTypeError
		ge  *sweep.GridError
	)
	var oe *outputs.Error
	if errors.As(err, &oe) {
		return oe.Usage
	}
	return errors.As(err, &ue) || errors.As(err, &pe) || errors.As(err, &re) || errors.As(err, &spe) ||
		errors.As(err, &se) || errors.As(err, &poe) || errors.As(err, &ce) || errors.As(err, &ge)
}

// exitStatus prints err (if any) after the command's name and maps it to the
// exit status: 0 success, 2 usage or input error, 1 runtime failure.
func exitStatus(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	var pe *sweep.PanicError
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "%s: internal error: %v\n%s\n", cmd, err, pe.Stack)
		fmt.Fprintf(stderr, "ipamsim: internal error (a bug in ipamsim, not in your input): %v\n", err)
		fmt.Fprintf(stderr, "ipamsim: to reproduce, run (%s): %s\n", seedOf(commandArgs), commandLine(commandArgs))
		return exitInternal
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	if isInputError(err) {
		return 2
	}
	return 1
}
