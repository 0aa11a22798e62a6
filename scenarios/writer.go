package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/ipamsim/ipamsim/sim"
)

// CSVWriter writes a trace in the CSV format that CSVReader reads: the header
// "at,op,pod" (or "at,op,pod,node"), then one line per event with the time as
// the shortest exact decimal number of seconds ("12", "12.5",
// "0.000000001"). What it writes reads back as the same events.
//
// Output is buffered: call Flush at the end. The writer does not allocate per
// event.
type CSVWriter struct {
	w           *bufio.Writer
	withNode    bool
	wroteHeader bool
	n           int // events written
	prev        sim.Time
	buf         []byte
}

// NewCSVWriter returns a writer of a CSV trace to w. With withNode the trace
// has the node column; without it, events must have no node.
func NewCSVWriter(w io.Writer, withNode bool) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriter(w), withNode: withNode, buf: make([]byte, 0, 128)}
}

// Write writes one event, after the header if it is the first. It refuses an
// event that would not read back as itself: an unknown op, a negative time
// or one before the previous event's, an empty pod, a pod or node with a
// space, control character or comma, or a node when the writer has no node
// column. A refused event is not written and the writer stays usable.
func (w *CSVWriter) Write(ev Event) error {
	if ev.Op != OpAdd && ev.Op != OpDel {
		return fmt.Errorf("scenarios: CSV writer: event %d: %v is not an op: want add or del", w.n+1, ev.Op)
	}
	if ev.At < 0 {
		return fmt.Errorf("scenarios: CSV writer: event %d: time %s is negative", w.n+1, formatSeconds(ev.At))
	}
	if ev.At < w.prev {
		return fmt.Errorf("scenarios: CSV writer: event %d: time %s is before the previous event's %s",
			w.n+1, formatSeconds(ev.At), formatSeconds(w.prev))
	}
	if msg := checkWriteName(ev.Pod, true); msg != "" {
		return fmt.Errorf("scenarios: CSV writer: event %d: pod %s %s", w.n+1, quote(ev.Pod), msg)
	}
	if msg := checkWriteName(ev.Node, false); msg != "" {
		return fmt.Errorf("scenarios: CSV writer: event %d: node %s %s", w.n+1, quote(ev.Node), msg)
	}
	if len(ev.Node) > 0 && !w.withNode {
		return fmt.Errorf("scenarios: CSV writer: event %d: node %s but the trace has no node column", w.n+1, quote(ev.Node))
	}
	if err := w.header(); err != nil {
		return err
	}
	b := appendSeconds(w.buf[:0], ev.At)
	b = append(b, ',')
	b = append(b, ev.Op.String()...)
	b = append(b, ',')
	b = append(b, ev.Pod...)
	if w.withNode {
		b = append(b, ',')
		b = append(b, ev.Node...)
	}
	b = append(b, '\n')
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	w.prev = ev.At
	w.n++
	return nil
}

// Flush writes any buffered output, and the header if no event was written,
// so that even an empty trace is a valid file.
func (w *CSVWriter) Flush() error {
	if err := w.header(); err != nil {
		return err
	}
	return w.w.Flush()
}

func (w *CSVWriter) header() error {
	if w.wroteHeader {
		return nil
	}
	h := csvHeader3 + "\n"
	if w.withNode {
		h = csvHeader4 + "\n"
	}
	if _, err := w.w.WriteString(h); err != nil {
		return err
	}
	w.wroteHeader = true
	return nil
}

func checkWriteName(b []byte, required bool) string {
	if msg := checkName(b, required); msg != "" {
		return msg
	}
	for _, ch := range b {
		if ch == ',' {
			return "contains a comma"
		}
	}
	return ""
}

// appendSeconds appends t as the shortest exact decimal number of seconds:
// 12, 12.5, 0.000000001, -1.5.
func appendSeconds(b []byte, t sim.Time) []byte {
	u := uint64(t)
	if t < 0 {
		b = append(b, '-')
		u = -u
	}
	sec, ns := u/1e9, u%1e9
	b = strconv.AppendUint(b, sec, 10)
	if ns == 0 {
		return b
	}
	var frac [10]byte
	frac[0] = '.'
	for i := 9; i >= 1; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 10
	for frac[n-1] == '0' {
		n--
	}
	return append(b, frac[:n]...)
}

// formatSeconds returns t as the shortest exact decimal number of seconds.
func formatSeconds(t sim.Time) string {
	var buf [32]byte
	return string(appendSeconds(buf[:0], t))
}
