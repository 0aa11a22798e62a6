package main

import (
	"io"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/scenarios"
)

// outFlag is an output flag and the path it was given ("" for none).
type outFlag struct{ flag, path string }

// createOutputs checks and opens the outputs given (paths "" are skipped)
// in set, all before the run starts, so that a path that cannot be written
// fails at once; it returns them by flag.
func createOutputs(set *outputs.Set, flags ...outFlag) (map[string]*outputs.File, error) {
	files := map[string]*outputs.File{}
	for _, f := range flags {
		if f.path == "" {
			continue
		}
		out, err := set.Create(f.flag, f.path)
		if err != nil {
			return nil, err
		}
		files[f.flag] = out
	}
	return files, nil
}

// scenarioInputs registers a scenario's file and the trace files it names
// as inputs of set (nothing for a shipped scenario).
func scenarioInputs(set *outputs.Set, flag string, sc *scenarios.Scenario) {
	if sc == nil || sc.Source == "builtin" {
		return
	}
	set.Input(flag, sc.Source)
	for _, p := range sc.TraceFiles() {
		set.Input(flag+" "+sc.Source+" (its workload trace)", p)
	}
}

// writeOutput writes one output file through write, all or nothing, after
// checking its path against the command's inputs (flag name, path pairs).
func writeOutput(flag, path string, inputs []outFlag, write func(io.Writer) error) error {
	set := outputs.New()
	defer set.Abort()
	for _, in := range inputs {
		set.Input(in.flag, in.path)
	}
	f, err := set.Create(flag, path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	return set.Commit()
}
