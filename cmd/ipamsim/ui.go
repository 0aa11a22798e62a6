package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/scenarios/explore"
)

// runUI is `ipamsim ui`: a local page to explore one scenario's settings
// (scenarios/explore). It serves until SIGINT or SIGTERM.
func runUI(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("ipamsim ui", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "Listen on `ADDR` (host:port; port 0 picks a free one)")
	scenario := fs.String("scenario", "", "Open on the shipped scenario `NAME`, or a .scn scenario file (default: the default scenario)")
	allowRemote := fs.Bool("allow-remote", false, "Allow a non-loopback --addr (anyone who can reach it can run simulations here)")
	help := fs.BoolP("help", "h", false, "Show this help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "Usage of ipamsim ui:\n%s\nError: %v\n", fs.FlagUsages(), err)
		return 2
	}
	if *help {
		fmt.Fprintf(stdout, "Usage: ipamsim ui [flags]\n\nServe a local page: change a scenario's VPC CNI settings and watch the run's charts redraw.\n\n%s", fs.FlagUsages())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ipamsim ui: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	warning, err := explore.CheckAddr(*addr, *allowRemote)
	if err != nil {
		return exitStatus(stderr, "ipamsim ui", usageError{err})
	}
	if warning != "" {
		fmt.Fprintf(stderr, "ipamsim ui: warning: %s\n", warning)
	}
	srv, err := explore.New(explore.Config{Scenario: *scenario})
	if err != nil {
		return exitStatus(stderr, "ipamsim ui", usageError{err})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return exitStatus(stderr, "ipamsim ui", err)
	}
	fmt.Fprintf(stderr, "ipamsim ui: serving http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer claimSignals()() // the first signal stops serving gracefully
	host, _, _ := net.SplitHostPort(*addr)
	return exitStatus(stderr, "ipamsim ui", srv.Serve(ctx, ln, explore.IsLoopback(host)))
}
