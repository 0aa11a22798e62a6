package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ipamsim/ipamsim/sim"
)

// CSVWriter writes a trace in the CSV format that CSVReader reads: the header
// "at,op,pod" with the optional columns it was made with, in the order node,
// cpu, memory ("at,op,pod,node,cpu,memory"), then one line per event with the
// time as the shortest exact decimal number of seconds ("12", "12.5",
// "0.000000001"), cpu and memory as FormatCPU and FormatMemory write them
// ("500m", "256Mi"; empty for none). What it writes reads back as the same
// events.
//
// Output is buffered: call Flush at the end. The writer does not allocate per
// event.
type CSVWriter struct {
	w           *bufio.Writer
	cols        Columns
	wroteHeader bool
	n           int // events written
	order       traceOrder
	buf         []byte
}

// NewCSVWriter returns a writer of a CSV trace to w. With withNode the trace
// has the node column; without it, events must have no node. It has no cpu
// or memory column: NewCSVWriterColumns chooses every column.
func NewCSVWriter(w io.Writer, withNode bool) *CSVWriter {
	return NewCSVWriterColumns(w, Columns{Node: withNode})
}

// NewCSVWriterColumns returns a writer of a CSV trace to w with the optional
// columns cols. An event with a node, cpu or memory needs its column.
func NewCSVWriterColumns(w io.Writer, cols Columns) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriter(w), cols: cols, buf: make([]byte, 0, 128)}
}

// checkWriteEvent returns "" if ev may be the n-th event (from 1) of a trace
// after those recorded in o, with the optional columns cols, else what is
// wrong: an unknown op, a time that is negative, after MaxTraceTime or
// before the previous event's, a running event elsewhere than at 0 before
// any add or del, an empty pod, a pod or node that checkName refuses,
// resources out of range or on a del, and a node, cpu or memory without
// its column.
func checkWriteEvent(o *traceOrder, n int, ev *Event, cols Columns) string {
	if ev.Op != OpAdd && ev.Op != OpDel && ev.Op != OpRunning {
		return fmt.Sprintf("%v is not an op: want add, del or running", ev.Op)
	}
	if msg := o.checkWrite(n, ev); msg != "" {
		return msg
	}
	if msg := checkName(ev.Pod, true); msg != "" {
		return fmt.Sprintf("pod %s %s", quote(ev.Pod), msg)
	}
	if msg := checkName(ev.Node, false); msg != "" {
		return fmt.Sprintf("node %s %s", quote(ev.Node), msg)
	}
	if msg := checkResources(ev); msg != "" {
		return msg
	}
	switch {
	case len(ev.Node) > 0 && !cols.Node:
		return fmt.Sprintf("node %s but the trace has no node column", quote(ev.Node))
	case ev.CPUMilli != 0 && !cols.CPU:
		return fmt.Sprintf("cpu %s but the trace has no cpu column", FormatCPU(ev.CPUMilli))
	case ev.MemoryBytes != 0 && !cols.Memory:
		return fmt.Sprintf("memory %s but the trace has no memory column", FormatMemory(ev.MemoryBytes))
	}
	return ""
}

// Write writes one event, after the header if it is the first. It refuses an
// event that would not read back as itself (see checkWriteEvent). A refused
// event is not written and the writer stays usable.
func (w *CSVWriter) Write(ev Event) error {
	if msg := checkWriteEvent(&w.order, w.n+1, &ev, w.cols); msg != "" {
		return fmt.Errorf("scenarios: CSV writer: event %d: %s", w.n+1, msg)
	}
	if err := w.header(); err != nil {
		return err
	}
	b := ev.At.AppendSeconds(w.buf[:0])
	b = append(b, ',')
	b = append(b, ev.Op.String()...)
	b = append(b, ',')
	b = append(b, ev.Pod...)
	if w.cols.Node {
		b = append(b, ',')
		b = append(b, ev.Node...)
	}
	if w.cols.CPU {
		b = append(b, ',')
		if ev.CPUMilli != 0 {
			b = appendCPU(b, ev.CPUMilli)
		}
	}
	if w.cols.Memory {
		b = append(b, ',')
		if ev.MemoryBytes != 0 {
			b = appendMemory(b, ev.MemoryBytes)
		}
	}
	b = append(b, '\n')
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	w.n++
	w.order.record(w.n, &ev)
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

// Header returns the header line the writer writes, without its newline.
func (cols Columns) Header() string {
	h := csvHeader3
	if cols.Node {
		h += ",node"
	}
	if cols.CPU {
		h += ",cpu"
	}
	if cols.Memory {
		h += ",memory"
	}
	return h
}

func (w *CSVWriter) header() error {
	if w.wroteHeader {
		return nil
	}
	if _, err := w.w.WriteString(w.cols.Header() + "\n"); err != nil {
		return err
	}
	w.wroteHeader = true
	return nil
}

// appendCPU appends millicores as FormatCPU writes them, without allocating.
func appendCPU(b []byte, milli int64) []byte {
	if milli%1000 == 0 {
		return strconv.AppendInt(b, milli/1000, 10)
	}
	return append(strconv.AppendInt(b, milli, 10), 'm')
}

// appendMemory appends bytes as FormatMemory writes them, without
// allocating.
func appendMemory(b []byte, bytes int64) []byte {
	if bytes != 0 {
		for i, suf := range [...]string{"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"} {
			shift := uint(60 - 10*i)
			if bytes%(1<<shift) == 0 {
				return append(strconv.AppendInt(b, bytes>>shift, 10), suf...)
			}
		}
	}
	return strconv.AppendInt(b, bytes, 10)
}

// JSONLWriter writes a trace in the JSON Lines format that JSONLReader
// reads, one object per event with the keys in the order at, op, pod, node,
// cpu, memory; node, cpu and memory only when the event has them:
//
//	{"at":0,"op":"running","pod":"db-0","cpu":"2","memory":"4Gi"}
//	{"at":12.5,"op":"add","pod":"web-1","node":"n1"}
//
// "at" is a JSON number, the shortest exact decimal; cpu and memory are
// JSON strings as FormatCPU and FormatMemory write them. What it writes
// reads back as the same events. Unlike CSVWriter it needs no columns up
// front. Output is buffered: call Flush at the end.
type JSONLWriter struct {
	w     *bufio.Writer
	n     int
	order traceOrder
	buf   []byte
}

// NewJSONLWriter returns a writer of a JSON Lines trace to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	return &JSONLWriter{w: bufio.NewWriter(w), buf: make([]byte, 0, 160)}
}

var allColumns = Columns{Node: true, CPU: true, Memory: true}

// Write writes one event. It refuses what CSVWriter refuses (but has every
// column), and names that are not valid UTF-8, which a JSON string cannot
// hold. A refused event is not written and the writer stays usable.
func (w *JSONLWriter) Write(ev Event) error {
	msg := checkWriteEvent(&w.order, w.n+1, &ev, allColumns)
	if msg == "" && !utf8.Valid(ev.Pod) {
		msg = fmt.Sprintf("pod %s is not valid UTF-8", quote(ev.Pod))
	}
	if msg == "" && !utf8.Valid(ev.Node) {
		msg = fmt.Sprintf("node %s is not valid UTF-8", quote(ev.Node))
	}
	if msg != "" {
		return fmt.Errorf("scenarios: JSONL writer: event %d: %s", w.n+1, msg)
	}
	b := append(w.buf[:0], `{"at":`...)
	b = ev.At.AppendSeconds(b)
	b = append(b, `,"op":"`...)
	b = append(b, ev.Op.String()...)
	b = append(b, `","pod":`...)
	b = appendJSONName(b, ev.Pod)
	if len(ev.Node) > 0 {
		b = append(b, `,"node":`...)
		b = appendJSONName(b, ev.Node)
	}
	if ev.CPUMilli != 0 {
		b = append(b, `,"cpu":"`...)
		b = append(appendCPU(b, ev.CPUMilli), '"')
	}
	if ev.MemoryBytes != 0 {
		b = append(b, `,"memory":"`...)
		b = append(appendMemory(b, ev.MemoryBytes), '"')
	}
	b = append(b, "}\n"...)
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	w.n++
	w.order.record(w.n, &ev)
	return nil
}

// Flush writes any buffered output.
func (w *JSONLWriter) Flush() error { return w.w.Flush() }

// appendJSONName appends a name that checkName accepted and that is valid
// UTF-8 as a JSON string: of the characters JSON escapes, only the
// backslash can be in it.
func appendJSONName(b, name []byte) []byte {
	b = append(b, '"')
	for _, ch := range name {
		if ch == '\\' {
			b = append(b, '\\')
		}
		b = append(b, ch)
	}
	return append(b, '"')
}

// formatSeconds returns t as the shortest exact decimal number of seconds.
func formatSeconds(t sim.Time) string {
	var buf [32]byte
	return string(t.AppendSeconds(buf[:0]))
}
