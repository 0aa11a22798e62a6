// Package progress draws a one-line progress report on a terminal: a line
// redrawn in place (carriage return, erase to the end of the line) at most
// four times a second, from one second after the work starts, and erased
// when it ends. Work shorter than a second shows nothing. Whether to draw at
// all (a terminal, no --quiet) is the caller's choice: Start with a nil
// writer draws nothing.
//
// Hand-written rather than a progress-bar library: the line is a sentence
// the caller renders (simulated time, events, rate, ETA), so a library would
// add a dependency for the redraw loop alone.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Delay is how long work runs before its line first appears; Every is how
// often the line is redrawn.
const (
	Delay = time.Second
	Every = 250 * time.Millisecond
)

// Line is a progress line being drawn.
type Line struct {
	w      io.Writer
	render func(elapsed time.Duration) string
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// Start draws render's sentence on w every Every from Delay on, until Stop.
// render is called on another goroutine: it must read what it reports
// safely (atomics). A nil w gives a Line that draws nothing.
func Start(w io.Writer, render func(elapsed time.Duration) string) *Line {
	l := &Line{w: w, render: render, stop: make(chan struct{}), done: make(chan struct{})}
	if w == nil {
		close(l.done)
		return l
	}
	go l.loop(time.Now())
	return l
}

func (l *Line) loop(start time.Time) {
	defer close(l.done)
	delay := time.NewTimer(Delay)
	defer delay.Stop()
	select {
	case <-l.stop:
		return
	case <-delay.C:
	}
	tick := time.NewTicker(Every)
	defer tick.Stop()
	for {
		fmt.Fprintf(l.w, "\r%s\x1b[K", l.render(time.Since(start)))
		select {
		case <-l.stop:
			io.WriteString(l.w, "\r\x1b[K")
			return
		case <-tick.C:
		}
	}
}

// Stop erases the line (if it was drawn) and returns once it is gone.
// Idempotent; nil-safe.
func (l *Line) Stop() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		close(l.stop)
		<-l.done
	})
}

// Bar renders what, a bar of done out of total units, their rate and the
// ETA: "sweep [=====     ] 12/40 points  3.1/s  ETA 9s".
func Bar(what, unit string, total int, done *atomic.Int64) func(time.Duration) string {
	return func(el time.Duration) string {
		d := int(done.Load())
		const width = 30
		fill := 0
		if total > 0 {
			fill = min(d, total) * width / total
		}
		bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
		eta := ETA(float64(d), float64(total), el)
		if eta == "" {
			eta = "?"
		}
		return fmt.Sprintf("%s [%s] %d/%d %s  %s  ETA %s", what, bar, d, total, unit, Rate(float64(d), el), eta)
	}
}

// Rate formats n things done in elapsed as "12.3k/s".
func Rate(n float64, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "-"
	}
	return Count(n/elapsed.Seconds()) + "/s"
}

// Count formats a count with k, M or G.
func Count(n float64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fG", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", n/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}

// ETA estimates the time left when done of total is done in elapsed: "" if
// it cannot tell yet.
func ETA(done, total float64, elapsed time.Duration) string {
	if done <= 0 || total <= done {
		return ""
	}
	left := time.Duration(float64(elapsed) * (total - done) / done)
	return left.Round(time.Second).String()
}
