package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// progressTo is where a command draws its progress line: stderr when it is
// a terminal and --quiet is not given, else nowhere (nil).
func progressTo(stderr io.Writer, quiet bool) io.Writer {
	if quiet || !isTerminal(stderr) {
		return nil
	}
	return stderr
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runMeter counts a single-node run's progress for its progress line: the
// simulated time reached and the engine events done.
type runMeter struct {
	now    atomic.Int64 // sim.Time
	events atomic.Int64
}

// hook counts through opt's BeforeStep, after the hooks opt already has.
func (m *runMeter) hook(opt *replay.Options) {
	before := opt.BeforeStep
	opt.BeforeStep = func(next sim.Time) {
		if before != nil {
			before(next)
		}
		m.now.Store(int64(next))
		m.events.Add(1)
	}
}

// line renders the meter, prefixed with what (e.g. "ipamsim run").
func (m *runMeter) line(what string) func(time.Duration) string {
	return func(el time.Duration) string {
		ev := float64(m.events.Load())
		return fmt.Sprintf("%s: simulated %s, %s events, %s, %s elapsed", what,
			time.Duration(m.now.Load()).Round(time.Second), progress.Count(ev), progress.Rate(ev, el), el.Round(time.Second))
	}
}

// countLine renders n things of a kind done, with their rate.
func countLine(what, kind string, n *atomic.Int64) func(time.Duration) string {
	return func(el time.Duration) string {
		v := float64(n.Load())
		return fmt.Sprintf("%s: %s %s, %s, %s elapsed", what, progress.Count(v), kind, progress.Rate(v, el), el.Round(time.Second))
	}
}
