package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

const maxPodsUsageHead = `Usage: ipamsim maxpods [flags] [INSTANCE-TYPE...]

Print the max-pods figure of each instance type, one "TYPE MAXPODS" line per
type, computed as in the VPC CNI's eni-max-pods.txt:

  secondary IPs:      ENIs * (IPv4 per ENI - 1) + 2
  prefix delegation:  ENIs * ((IPv4 per ENI - 1) * 16) + 2

where ENIs is the default network card's ENI limit, capped by --max-eni and
then reduced by one with --custom-networking. Types without prefix-delegation
support (neither nitro nor bare metal) keep the secondary-IP figure. With no
instance types, every type of the catalogue is printed in name order; without
flags the output equals eni-max-pods.txt's entries. --max-pods-from prints
what a node bootstrap sets instead, as ipamsim run uses it.

Flags:
`

// maxENICap bounds --max-eni: as many ENIs as a custom instance type takes.
const maxENICap = 4096

// runMaxPods implements "ipamsim maxpods". args are the arguments after
// "maxpods". It returns the process exit code: 0 on success (and for
// --help), 2 for a bad flag or an unknown instance type (nothing is written
// to stdout then), 1 if writing the output fails.
func runMaxPods(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ipamsim maxpods", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed below
	fs.SortFlags = true

	var (
		opts catalog.MaxPodsOptions
		from string
		help bool
	)
	fs.BoolVar(&opts.PrefixDelegation, "prefix-delegation", false,
		"compute the prefix-delegation figure (ENABLE_PREFIX_DELEGATION=true)")
	fs.BoolVar(&opts.CustomNetworking, "custom-networking", false,
		"one ENI fewer: the primary ENI carries no pods (AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true)")
	fs.IntVar(&opts.MaxENI, "max-eni", 0,
		"cap the ENI count like MAX_ENI / --cni-max-eni (0 = no cap)")
	fs.IntVar(&opts.Cap, "max-pods-cap", 0,
		"cap the result, e.g. 110 or 250 as max-pods-calculator.sh does by vCPU count (0 = no cap)")
	fs.StringVar(&from, "max-pods-from", "", "print what `RULE` sets, as run does: eks (the calculator's figure capped at 110, 250 above 30 vCPUs), eni-max-pods or nodeadm")
	fs.BoolVarP(&help, "help", "h", false, "show this help")

	usage := func(w io.Writer) {
		fmt.Fprint(w, maxPodsUsageHead)
		fmt.Fprint(w, fs.FlagUsages())
	}
	flagError := func(msg string) int {
		fmt.Fprintf(stderr, "ipamsim maxpods: %s\n\n", msg)
		usage(stderr)
		return 2
	}

	if err := fs.Parse(args); err != nil {
		return flagError(err.Error())
	}
	if help {
		usage(stdout)
		return 0
	}
	if opts.MaxENI < 0 || opts.MaxENI > maxENICap {
		return flagError(fmt.Sprintf("--max-eni must be 0 (no cap) or 1 to %d, got %d", maxENICap, opts.MaxENI))
	}
	if opts.Cap < 0 || opts.Cap > replay.MaxMaxPods {
		return flagError(fmt.Sprintf("--max-pods-cap must be 0 (no cap) or 1 to %d, got %d", replay.MaxMaxPods, opts.Cap))
	}

	if _, err := catalog.ParseMaxPodsFrom(from); from != "" && (err != nil || opts.Cap != 0) {
		return flagError(fmt.Sprintf("--max-pods-from %q: want one of eks, eni-max-pods, nodeadm, without --max-pods-cap", from))
	}

	// Resolve every instance type before printing anything.
	var types []catalog.InstanceType
	if fs.NArg() == 0 {
		types = catalog.All()
	} else {
		failed := false
		for _, name := range fs.Args() {
			t, err := catalog.Lookup(name)
			if err != nil {
				fmt.Fprintf(stderr, "ipamsim maxpods: %v\n", err)
				failed = true
				continue
			}
			types = append(types, t)
		}
		if failed {
			return 2
		}
	}

	w := bufio.NewWriter(stdout)
	for _, t := range types {
		mp := catalog.MaxPods(t, opts)
		if from != "" {
			mp, _, _ = catalog.NodeMaxPods(t, catalog.NodeMaxPodsOptions{From: catalog.MaxPodsFrom(from),
				PrefixDelegation: opts.PrefixDelegation, CustomNetworking: opts.CustomNetworking, MaxENI: opts.MaxENI})
		}
		fmt.Fprintf(w, "%s %d\n", t.Name, mp)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "ipamsim maxpods: writing output: %v\n", err)
		return 1
	}
	return 0
}
