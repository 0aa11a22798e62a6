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
)

// String returns the op as it is spelled in trace files: "add" or "del".
func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpDel:
		return "del"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Event is one row of a trace.
//
// Pod and Node alias the reader's buffer: they are valid only until the next
// call to Next. Copy them (string(ev.Pod)) to keep them.
type Event struct {
	At   sim.Time // time from the start of the trace
	Op   Op
	Pod  []byte // pod name, unique among live pods
	Node []byte // optional node name (cluster traces); empty for one-node traces
	Line int    // 1-based line in the source, 0 for generated events
	// PodName, when not empty, is Pod as a string that outlives the call
	// (readers replaying a trace held in memory set it), so that consumers
	// need not copy the name.
	PodName string
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
