package scenarios

import (
	"fmt"

	"github.com/ipamsim/ipamsim/sim"
)

// Op is what happens to a pod at a trace event.
type Op uint8

const (
	// OpAdd asks for the pod's sandbox: the kubelet's CNI ADD.
	OpAdd Op = iota + 1
	// OpDel tears the pod's sandbox down: the kubelet's CNI DEL.
	OpDel
	// OpRunning is a pod that already holds an address when the trace
	// starts: it is never an ADD nor a wait, and holds its address until
	// its del. Running events are at time 0 and come before any add or del
	// (readers and writers refuse them anywhere else).
	OpRunning
)

// String returns the op as it is spelled in trace files: "add", "del" or
// "running".
func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpDel:
		return "del"
	case OpRunning:
		return "running"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// MaxTraceTime is the latest time a trace event may have: 100 years of 365
// days (3153600000 s). sim.Time reaches 292 years, so this leaves more than
// 190 years of simulated time after the last event for what a run schedules
// beyond it (the drain, a warm-up before 0, EC2 latencies, kubelet
// retries): any bound on those up to 100 years keeps every instant in
// range. Readers refuse a later time with file, line and field; generators
// refuse parameters whose trace would end later; audit import refuses a log
// that spans longer or a grace period that ends a pod later.
const MaxTraceTime = 100 * 365 * 24 * sim.Hour

// Event is one row of a trace.
//
// Pod and Node alias the reader's buffer: they are valid only until the next
// call to Next. Copy them (string(ev.Pod)) to keep them.
type Event struct {
	At   sim.Time // time from the start of the trace, 0 to MaxTraceTime
	Op   Op
	Pod  []byte // pod name, unique among live pods
	Node []byte // optional node name (cluster traces); empty for one-node traces
	Line int    // 1-based line in the source, 0 for generated events
	// PodName, when not empty, is Pod as a string that outlives the call
	// (readers replaying a trace held in memory set it), so that consumers
	// need not copy the name.
	PodName string
	// CPUMilli and MemoryBytes are the pod's CPU request in millicores and
	// memory request in bytes, as the scheduler counts them (the trace's
	// cpu and memory columns). 0 means none given, which the scheduler
	// counts as 0. Only add and running events carry them.
	CPUMilli    int64
	MemoryBytes int64
}

// Reader streams a trace. Next returns io.EOF after the last event and a
// *ParseError for malformed input.
type Reader interface {
	Next() (Event, error)
}

// ParseError names the file, line and field of malformed trace input.
type ParseError struct {
	File  string // file name as given by the user ("-" or "<stdin>" for standard input)
	Line  int    // 1-based line number
	Field string // column or JSON field at fault ("" when the whole line is wrong)
	Msg   string // what is wrong, e.g. `"abc" is not a number of seconds`
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: field %q: %s", e.File, e.Line, e.Field, e.Msg)
}

// traceOrder checks the rules that tie a trace's events together, for the
// readers: times never decrease and stay within MaxTraceTime, and running
// events are at time 0, before any add or del.
type traceOrder struct {
	prev      sim.Time
	prevLine  int
	firstLine int // line of the first add or del, 0 before it
}

// check checks an event on line ln with time at (atText as written) and op,
// and records it if it is valid.
func (o *traceOrder) check(lr *lineReader, ln int, at sim.Time, atText []byte, op Op) *ParseError {
	if at > MaxTraceTime {
		return lr.errorf(ln, "at", "%s is after the latest trace time, %s seconds (100 years)", quote(atText), formatSeconds(MaxTraceTime))
	}
	if at < o.prev {
		return lr.errorf(ln, "at", "%s is before the previous event's time %s (line %d): times must not decrease",
			quote(atText), formatSeconds(o.prev), o.prevLine)
	}
	if op == OpRunning {
		if at != 0 {
			return lr.errorf(ln, "at", "%s is not 0: a running pod is one already running when the trace starts, at time 0", quote(atText))
		}
		if o.firstLine != 0 {
			return lr.errorf(ln, "op", "running after the add or del on line %d: running pods come first, before any add or del", o.firstLine)
		}
	} else if o.firstLine == 0 {
		o.firstLine = ln
	}
	o.prev, o.prevLine = at, ln
	return nil
}

// checkWrite checks what traceOrder.check checks, for the writers, which
// number events from 1 (n) rather than lines. It returns "" if ev may
// follow the events recorded so far, else what is wrong.
func (o *traceOrder) checkWrite(n int, ev *Event) string {
	switch {
	case ev.At < 0:
		return fmt.Sprintf("time %s is negative", formatSeconds(ev.At))
	case ev.At > MaxTraceTime:
		return fmt.Sprintf("time %s is after the latest trace time, %s seconds", formatSeconds(ev.At), formatSeconds(MaxTraceTime))
	case ev.At < o.prev:
		return fmt.Sprintf("time %s is before the previous event's %s", formatSeconds(ev.At), formatSeconds(o.prev))
	case ev.Op == OpRunning && ev.At != 0:
		return fmt.Sprintf("running at %s: running pods are at time 0", formatSeconds(ev.At))
	case ev.Op == OpRunning && o.firstLine != 0:
		return fmt.Sprintf("running after the add or del of event %d: running pods come first", o.firstLine)
	}
	return ""
}

// record records an event that checkWrite accepted as event n.
func (o *traceOrder) record(n int, ev *Event) {
	if ev.Op != OpRunning && o.firstLine == 0 {
		o.firstLine = n
	}
	o.prev, o.prevLine = ev.At, n
}

// checkResources returns "" if the cpu and memory of ev are valid for its
// op, else what is wrong: they are never negative nor above MaxCPUMilli and
// MaxMemoryBytes, and a del carries none.
func checkResources(ev *Event) string {
	switch {
	case ev.CPUMilli < 0 || ev.CPUMilli > MaxCPUMilli:
		return fmt.Sprintf("cpu %dm is out of range: want 0 to %dm", ev.CPUMilli, MaxCPUMilli)
	case ev.MemoryBytes < 0 || ev.MemoryBytes > MaxMemoryBytes:
		return fmt.Sprintf("memory %d bytes is out of range: want 0 to %d", ev.MemoryBytes, int64(MaxMemoryBytes))
	case ev.Op == OpDel && (ev.CPUMilli != 0 || ev.MemoryBytes != 0):
		return "a del carries no cpu or memory: they belong on the pod's add or running event"
	}
	return ""
}
