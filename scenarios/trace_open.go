package scenarios

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// TraceOptions say how OpenTrace and LoadTrace read a trace.
type TraceOptions struct {
	// Stdin is what the path "-" reads; nil refuses "-".
	Stdin io.Reader
	// Format forces the trace format; 0 detects it from the first line that
	// is neither blank nor a comment (DetectFormat).
	Format Format
	// Audit are the options of a Kubernetes audit log import; nil means
	// DefaultAuditOptions().
	Audit *AuditOptions
}

// StdinName is how traces and errors name standard input.
const StdinName = "<stdin>"

// OpenError is a trace that cannot be opened: a missing or unreadable file, a
// directory, or standard input where it cannot be read.
type OpenError struct {
	Path string // as the user gave it
	Msg  string
}

func (e *OpenError) Error() string { return e.Path + ": " + e.Msg }

// Trace is an open trace, read once as it streams: its events, the name its
// errors use, its format and, for an audit log, what the import did. It is
// the one way ipamsim opens a trace file (OpenTrace), a scenario's trace
// workload included.
type Trace struct {
	Name   string         // the path, or StdinName
	Format Format         // the format read
	Audit  *ImportSummary // an audit log's import summary; nil for CSV and JSONL
	r      Reader
	closer io.Closer
}

// OpenTrace opens the trace at path, "-" for opt.Stdin. A directory, a
// missing file or "-" without opt.Stdin is an *OpenError; a format that
// cannot be told, or a malformed audit log (which is imported whole here),
// is a *ParseError. CSV and JSONL traces stream: their lines are parsed as
// Next reads them, and the file is closed at io.EOF, at the first error or
// by Close.
func OpenTrace(path string, opt TraceOptions) (*Trace, error) {
	if path == "-" {
		if opt.Stdin == nil {
			return nil, &OpenError{Path: "-", Msg: "standard input cannot be read here; give a file"}
		}
		return NewTrace(opt.Stdin, StdinName, nil, opt)
	}
	f, err := openTraceFile(path)
	if err != nil {
		return nil, err
	}
	return NewTrace(f, path, f, opt)
}

// openTraceFile opens path for reading and refuses a directory.
func openTraceFile(path string) (*os.File, error) {
	if path == "" {
		return nil, &OpenError{Path: `""`, Msg: "no trace file given"}
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &OpenError{Path: path, Msg: pe.Err.Error()}
		}
		return nil, &OpenError{Path: path, Msg: err.Error()}
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, &OpenError{Path: path, Msg: "is a directory, not a trace file"}
	}
	return f, nil
}

// NewTrace reads a trace from r, an already open stream that name names in
// errors; closer, if not nil, is closed when the trace is done with r.
func NewTrace(r io.Reader, name string, closer io.Closer, opt TraceOptions) (*Trace, error) {
	t := &Trace{Name: name, closer: closer}
	br := bufio.NewReaderSize(r, 256<<10)
	t.Format = opt.Format
	if t.Format == 0 {
		head, _ := br.Peek(64 << 10)
		f, err := DetectFormat(head)
		if err != nil {
			t.Close()
			return nil, &ParseError{File: name, Line: 1, Msg: err.Error()}
		}
		t.Format = f
	}
	switch t.Format {
	case FormatCSV:
		t.r = NewCSVReader(br, name)
	case FormatJSONL:
		t.r = NewJSONLReader(br, name)
	case FormatK8sAudit:
		ao := DefaultAuditOptions()
		if opt.Audit != nil {
			ao = *opt.Audit
		}
		ar, sum, err := ReadAudit(br, name, ao)
		t.Close() // imported whole
		if err != nil {
			return nil, err
		}
		t.r, t.Audit = ar, &sum
	default:
		t.Close()
		return nil, fmt.Errorf("%s: unknown trace format %v", name, t.Format)
	}
	return t, nil
}

// Next returns the next event, io.EOF after the last one, or a *ParseError;
// the file is closed at the first of these that is not an event.
func (t *Trace) Next() (Event, error) {
	ev, err := t.r.Next()
	if err != nil {
		t.Close()
	}
	return ev, err
}

// TraceName returns the trace's name (NamedReader).
func (t *Trace) TraceName() string { return t.Name }

// HasNodeColumn reports whether a CSV trace's header has the node column,
// known once Next has read the header; false for the other formats.
func (t *Trace) HasNodeColumn() bool {
	c, ok := t.r.(*CSVReader)
	return ok && c.HasNode()
}

// Close closes the trace's file if it is still open.
func (t *Trace) Close() error {
	if t.closer == nil {
		return nil
	}
	err := t.closer.Close()
	t.closer = nil
	return err
}

// NamedReader is a Reader that knows which trace the event it returned last
// came from, so that an error about that event can name the file as well as
// the line: a trace file's name, StdinName, or "" for a generated event.
type NamedReader interface {
	Reader
	TraceName() string
}

// TraceName returns the name of the trace r's last event came from, or "" if
// r does not know (see NamedReader).
func TraceName(r Reader) string {
	if n, ok := r.(NamedReader); ok {
		return n.TraceName()
	}
	return ""
}

// PreloadLimit is the largest CSV or JSONL trace file, in bytes, that
// LoadTrace reads into memory; larger ones are re-opened and streamed by each
// Open.
var PreloadLimit int64 = 64 << 20

// TraceSource is a trace that is replayed several times (one run per policy,
// per sweep point): each Open returns a fresh reader of the same events. It
// is safe for concurrent Opens.
type TraceSource struct {
	Name   string         // the path, or StdinName
	Format Format         // the format read
	Audit  *ImportSummary // an audit log's import summary; nil for CSV and JSONL
	events []Event        // the events, when held in memory
	path   string         // else the file each Open streams
	opt    TraceOptions
}

// LoadTrace opens the trace at path ("-" for opt.Stdin) to be replayed
// several times. Standard input, audit logs and CSV or JSONL files up to
// PreloadLimit bytes are read into memory now, so that a malformed line fails
// here, before any run; a larger CSV or JSONL file is checked for its format
// only and streamed afresh, in constant memory, by each Open. Errors are
// those of OpenTrace and of the trace's reader.
func LoadTrace(path string, opt TraceOptions) (*TraceSource, error) {
	t, err := OpenTrace(path, opt)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	src := &TraceSource{Name: t.Name, Format: t.Format, Audit: t.Audit}
	if f, ok := t.closer.(*os.File); ok && t.Format != FormatK8sAudit {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > PreloadLimit {
			src.path, src.opt = path, opt
			src.opt.Format = t.Format
			return src, nil
		}
	}
	if src.events, err = ReadEvents(t); err != nil {
		return nil, err
	}
	return src, nil
}

// TraceFromBytes is a CSV, JSONL or audit-log trace held in memory (tests,
// benchmarks, a request body), parsed once as LoadTrace parses a small
// file; name names it in errors.
func TraceFromBytes(name string, data []byte, opt TraceOptions) (*TraceSource, error) {
	t, err := NewTrace(bytes.NewReader(data), name, nil, opt)
	if err != nil {
		return nil, err
	}
	src := &TraceSource{Name: name, Format: t.Format, Audit: t.Audit}
	if src.events, err = ReadEvents(t); err != nil {
		return nil, err
	}
	return src, nil
}

// Open returns a fresh reader of the trace, positioned at its first event.
// A streamed file is opened again (and closed at io.EOF or an error; the
// reader is also an io.Closer).
func (s *TraceSource) Open() (Reader, error) {
	if s.path == "" {
		return &EventReader{evs: s.events, name: s.Name}, nil
	}
	return OpenTrace(s.path, s.opt)
}

// ReadEvents reads a whole trace into memory, copying each event's names (so
// that a replay need not copy them: Event.PodName is set).
func ReadEvents(r Reader) ([]Event, error) {
	var evs []Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return nil, err
		}
		ev.PodName = string(ev.Pod)
		ev.Pod = []byte(ev.PodName)
		ev.Node = bytes.Clone(ev.Node)
		evs = append(evs, ev)
	}
}

// EventReader replays events held in memory.
type EventReader struct {
	evs  []Event
	i    int
	name string
}

// NewEventReader returns a reader over evs (which it does not modify); name
// is the trace's name in errors ("" for none).
func NewEventReader(name string, evs []Event) *EventReader {
	return &EventReader{evs: evs, name: name}
}

// Next returns the next event, or io.EOF after the last.
func (r *EventReader) Next() (Event, error) {
	if r.i >= len(r.evs) {
		return Event{}, io.EOF
	}
	r.i++
	return r.evs[r.i-1], nil
}

// TraceName returns the trace's name (NamedReader).
func (r *EventReader) TraceName() string { return r.name }
