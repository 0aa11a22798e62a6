package scenarios

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/sim"
)

// MaxLineLen is the longest trace line the readers accept, in bytes, not
// counting the line terminator. Longer lines are a *ParseError.
const MaxLineLen = 64 << 10

// CSVReader streams a CSV trace: a header line, then one event per line.
// The header starts with the columns at, op and pod, in that order; the
// optional columns node, cpu and memory may follow, in any order, each at
// most once ("at,op,pod", "at,op,pod,node", "at,op,pod,cpu,memory",
// "at,op,pod,memory,node,cpu", ...). Blank lines and lines whose first
// non-space character is '#' are ignored anywhere. A UTF-8 byte order mark
// at the start of the file is skipped, and lines may end in "\n" or "\r\n".
// Spaces and tabs around fields are ignored; fields are not quoted.
//
// Every line has as many fields as the header:
//   - "at" is a plain decimal number of seconds with at most 9 fractional
//     digits, read exactly (no sign, no exponent), at most MaxTraceTime and
//     never less than the previous event's.
//   - "op" is add, del or running. Running pods (already running when the
//     trace starts) are at 0 and come before any add or del.
//   - "pod" is a non-empty name without spaces, control characters, commas
//     or double quotes.
//   - "node", when present, may be empty; otherwise as pod.
//   - "cpu" and "memory", when present, are the pod's requests as
//     Kubernetes quantities ("500m", "0.5", "128Mi", "1Gi"; ParseCPU,
//     ParseMemory), or empty for none. A del line leaves them empty.
//
// The reader holds one line at a time and does not allocate per event
// (unless the cpu or memory column is present): the Pod and Node of a
// returned Event alias its buffer and are valid only until the next call to
// Next.
//
// The first error (a *ParseError, or io.EOF at the end) is sticky: every later
// call to Next returns it again.
type CSVReader struct {
	lr     lineReader
	header bool                // the header has been read
	cols   []csvColumn         // the header's columns
	idx    [csvMaxColumns]int8 // field index of each column, -1 if absent
	has    Columns             // which optional columns the header has
	order  traceOrder
	colBuf [csvMaxColumns]csvColumn
	err    error
}

var _ Reader = (*CSVReader)(nil)

// Columns says which optional columns a CSV trace has (or a writer writes).
type Columns struct {
	Node   bool // node: the node a pod runs on (cluster traces)
	CPU    bool // cpu: the pod's CPU request
	Memory bool // memory: the pod's memory request
}

// csvColumn is a column of a CSV trace.
type csvColumn uint8

const (
	colAt csvColumn = iota
	colOp
	colPod
	colNode
	colCPU
	colMemory
	csvMaxColumns
)

var csvColumnNames = [csvMaxColumns]string{"at", "op", "pod", "node", "cpu", "memory"}

// NewCSVReader returns a reader of the CSV trace in r. file names the source
// in errors ("-" or "<stdin>" for standard input).
func NewCSVReader(r io.Reader, file string) *CSVReader {
	c := &CSVReader{}
	c.lr.init(r, file)
	return c
}

// Reset makes c read a new trace from r, reusing its buffer.
func (c *CSVReader) Reset(r io.Reader, file string) {
	lr := c.lr
	lr.reset(r, file)
	*c = CSVReader{lr: lr}
}

// HasNode reports whether the header has the node column. It is false until
// the header has been read by the first call to Next.
func (c *CSVReader) HasNode() bool { return c.has.Node }

// Columns reports which optional columns the header has. It is the zero
// value until the header has been read by the first call to Next.
func (c *CSVReader) Columns() Columns { return c.has }

// Next returns the next event, io.EOF after the last one, or a *ParseError.
func (c *CSVReader) Next() (Event, error) {
	if c.err != nil {
		return Event{}, c.err
	}
	for {
		line, err := c.lr.next()
		if err != nil {
			if err == io.EOF && !c.header {
				err = c.lr.errorf(max(c.lr.line, 1), "", "no header line: a CSV trace starts with %q, %q or more columns", csvHeader3, csvHeader4)
			}
			c.err = err
			return Event{}, err
		}
		if skipLine(line) {
			continue
		}
		if !c.header {
			if err := c.readHeader(line); err != nil {
				c.err = err
				return Event{}, err
			}
			continue
		}
		ev, err := c.parseRow(line)
		if err != nil {
			c.err = err
			return Event{}, err
		}
		return ev, nil
	}
}

const (
	csvHeader3 = "at,op,pod"
	csvHeader4 = "at,op,pod,node"
)

func (c *CSVReader) readHeader(line []byte) error {
	var names [csvMaxColumns + 1][]byte
	n := splitFields(line, names[:])
	bad := func() error {
		return c.lr.errorf(c.lr.line, "", "the header must be %q, then any of node, cpu and memory in any order (e.g. %q), got %s",
			csvHeader3, csvHeader4, quote(trimSpace(line)))
	}
	if n < 3 {
		return bad()
	}
	for i, want := range csvColumnNames[:3] {
		if string(trimSpace(names[i])) != want {
			return bad()
		}
	}
	if n > len(names) {
		return c.lr.errorf(c.lr.line, "", "the header has %d columns, more than the %d a trace has (%s): %s",
			n, csvMaxColumns, strings.Join(csvColumnNames[:], ","), quote(trimSpace(line)))
	}
	cols := c.colBuf[:0]
	for i := range n {
		name := string(trimSpace(names[i]))
		col := csvColumn(0)
		for k, want := range csvColumnNames {
			if name == want {
				col = csvColumn(k)
				break
			}
			if k == len(csvColumnNames)-1 {
				col = csvMaxColumns
			}
		}
		switch {
		case col == csvMaxColumns:
			return c.lr.errorf(c.lr.line, "", "column %d of the header, %s, is not a trace column: after at,op,pod come node, cpu and memory, in any order",
				i+1, quote(trimSpace(names[i])))
		case slices.Contains(cols, col):
			return c.lr.errorf(c.lr.line, "", "column %d of the header, %q, is given twice", i+1, name)
		}
		cols = append(cols, col)
	}
	c.cols = cols
	for k := range c.idx {
		c.idx[k] = int8(slices.Index(cols, csvColumn(k)))
	}
	c.header = true
	c.has = Columns{Node: slices.Contains(cols, colNode), CPU: slices.Contains(cols, colCPU), Memory: slices.Contains(cols, colMemory)}
	return nil
}

// headerText returns the header as the reader understood it.
func (c *CSVReader) headerText() string {
	names := make([]string, len(c.cols))
	for i, col := range c.cols {
		names[i] = csvColumnNames[col]
	}
	return strings.Join(names, ",")
}

// splitFields splits line at commas into fields and returns how many fields
// there are, which may be more than len(fields): only the first len(fields)
// are stored.
func splitFields(line []byte, fields [][]byte) int {
	n, start := 0, 0
	for i, ch := range line {
		if ch == ',' {
			if n < len(fields) {
				fields[n] = line[start:i]
			}
			n++
			start = i + 1
		}
	}
	if n < len(fields) {
		fields[n] = line[start:]
	}
	return n + 1
}

func (c *CSVReader) parseRow(line []byte) (Event, error) {
	var f [csvMaxColumns][]byte
	n := splitFields(line, f[:])
	if n != len(c.cols) {
		return Event{}, c.lr.errorf(c.lr.line, "", "%d fields, want %d (%s): %s", n, len(c.cols), c.headerText(), quote(line))
	}
	ln := c.lr.line
	ev := Event{Line: ln}
	atText := trimSpace(f[c.idx[colAt]])
	t, terr := parseSeconds(atText, false)
	if terr != timeOK {
		return Event{}, c.lr.errorf(ln, "at", "%s", terr.message(atText))
	}
	ev.At = t
	opText := trimSpace(f[c.idx[colOp]])
	op, ok := parseOp(opText)
	if !ok {
		return Event{}, c.lr.errorf(ln, "op", "%s is not an op: want add, del or running", quote(opText))
	}
	ev.Op = op
	pod := trimSpace(f[c.idx[colPod]])
	if msg := checkName(pod, true); msg != "" {
		return Event{}, c.lr.errorf(ln, "pod", "%s %s", quote(pod), msg)
	}
	ev.Pod = pod[:len(pod):len(pod)]
	if i := c.idx[colNode]; i >= 0 {
		node := trimSpace(f[i])
		if msg := checkName(node, false); msg != "" {
			return Event{}, c.lr.errorf(ln, "node", "%s %s", quote(node), msg)
		}
		if len(node) > 0 {
			ev.Node = node[:len(node):len(node)]
		}
	}
	for _, res := range [...]csvColumn{colCPU, colMemory} {
		if i := c.idx[res]; i >= 0 {
			if text := trimSpace(f[i]); len(text) > 0 {
				if err := parseEventResource(&c.lr, ln, &ev, csvColumnNames[res], text); err != nil {
					return Event{}, err
				}
			}
		}
	}
	if err := c.order.check(&c.lr, ln, t, atText, op); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// parseEventResource parses text, a Kubernetes quantity, into ev's cpu or
// memory (field), which a del does not take.
func parseEventResource(lr *lineReader, ln int, ev *Event, field string, text []byte) *ParseError {
	if ev.Op == OpDel {
		return lr.errorf(ln, field, "%s on a del: a pod's requests belong on its add or running line (leave the field empty)", quote(text))
	}
	var (
		v   int64
		err error
	)
	if field == "cpu" {
		v, err = ParseCPU(string(text))
		ev.CPUMilli = v
	} else {
		v, err = ParseMemory(string(text))
		ev.MemoryBytes = v
	}
	if err != nil {
		var qe *QuantityError
		if errors.As(err, &qe) {
			return lr.errorf(ln, field, "%s is not a %s quantity: %s", quote(text), field, qe.Msg)
		}
		return lr.errorf(ln, field, "%v", err)
	}
	return nil
}

func parseOp(b []byte) (Op, bool) {
	switch string(b) {
	case "add":
		return OpAdd, true
	case "del":
		return OpDel, true
	case "running":
		return OpRunning, true
	}
	return 0, false
}

// checkName returns "" if b is a valid pod (required) or node name, and
// otherwise what is wrong with it, to follow the quoted name in a message.
// A name is any bytes but spaces, control characters, commas and double
// quotes: it must survive a CSV line, whose fields are not quoted (a quote
// there is a sign of a file written by a tool that quotes, whose fields
// would otherwise be read with their quotes).
func checkName(b []byte, required bool) string {
	if len(b) == 0 {
		if required {
			return "is empty: a name is required"
		}
		return ""
	}
	for _, ch := range b {
		if badNameByte[ch] {
			switch ch {
			case ',':
				return "contains a comma: trace fields are not quoted"
			case '"':
				return "contains a double quote: trace fields are not quoted"
			}
			return "contains a space or control character"
		}
	}
	return ""
}

// badNameByte holds the bytes a name may not contain.
var badNameByte = func() (t [256]bool) {
	for ch := range t {
		t[ch] = ch <= ' ' || ch == 0x7f || ch == ',' || ch == '"'
	}
	return t
}()

// skipLine reports whether line is blank or a comment.
func skipLine(line []byte) bool {
	for _, ch := range line {
		switch ch {
		case ' ', '\t':
			continue
		case '#':
			return true
		}
		return false
	}
	return true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// quote returns b as a Go-quoted string, shortened if it is long.
func quote(b []byte) string {
	const max = 80
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// lineReader reads a trace one line at a time and counts lines.
type lineReader struct {
	br   *bufio.Reader
	file string
	line int // number of the line last returned (1-based)
}

func (lr *lineReader) init(r io.Reader, file string) {
	// Room for the longest accepted line, a byte order mark and "\r\n".
	lr.br = bufio.NewReaderSize(r, MaxLineLen+8)
	lr.file = file
	lr.line = 0
}

func (lr *lineReader) reset(r io.Reader, file string) {
	if lr.br == nil {
		lr.init(r, file)
		return
	}
	lr.br.Reset(r)
	lr.file = file
	lr.line = 0
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// next returns the next line without its terminator. The line aliases the
// reader's buffer until the next call. At the end of input it returns io.EOF;
// other errors are *ParseErrors.
func (lr *lineReader) next() ([]byte, error) {
	b, err := lr.br.ReadSlice('\n')
	if err != nil {
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			lr.line++
			return nil, lr.errorf(lr.line, "", "line is longer than %d bytes", MaxLineLen)
		case err == io.EOF:
			if len(b) == 0 {
				return nil, io.EOF
			}
		default:
			return nil, lr.errorf(lr.line+1, "", "read error: %v", err)
		}
	}
	lr.line++
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if lr.line == 1 && bytes.HasPrefix(b, utf8BOM) {
		b = b[len(utf8BOM):]
	}
	if len(b) > MaxLineLen {
		return nil, lr.errorf(lr.line, "", "line is longer than %d bytes", MaxLineLen)
	}
	return b, nil
}

func (lr *lineReader) errorf(line int, field, format string, args ...any) *ParseError {
	return &ParseError{File: lr.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// timeErr says what is wrong with a number of seconds.
type timeErr uint8

const (
	timeOK timeErr = iota
	timeEmpty
	timeSyntax
	timeNegative
	timeSign
	timeExponent
	timeFraction // more than 9 fractional digits
	timeOverflow
)

func (e timeErr) message(b []byte) string {
	q := quote(b)
	switch e {
	case timeEmpty:
		return "empty: want a number of seconds such as 12.5"
	case timeNegative:
		return q + " is negative: times are seconds from the start of the trace"
	case timeSign:
		return q + " has a sign: write a plain decimal number of seconds"
	case timeExponent:
		return q + " uses exponent notation: write a plain decimal number of seconds"
	case timeFraction:
		return q + " has more than 9 fractional digits: the resolution is 1 ns"
	case timeOverflow:
		return fmt.Sprintf("%s is after the latest trace time, %s seconds (100 years)", q, formatSeconds(MaxTraceTime))
	}
	return q + " is not a number of seconds"
}

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// parseSeconds parses a non-negative decimal number of seconds exactly into
// nanoseconds: digits, optionally a '.' and up to 9 more digits (".5" and
// "5." are accepted). With allowExp, an exponent ("1.5e-3") may follow, as in
// JSON numbers; the value must then be a whole number of nanoseconds. There
// is no floating point and so no rounding.
func parseSeconds(b []byte, allowExp bool) (sim.Time, timeErr) {
	if t, ok := parseSecondsFast(b); ok {
		return t, timeOK
	}
	if len(b) == 0 {
		return 0, timeEmpty
	}
	switch b[0] {
	case '-':
		if len(b) > 1 && (isDigit(b[1]) || b[1] == '.') {
			return 0, timeNegative
		}
		return 0, timeSyntax
	case '+':
		return 0, timeSign
	}
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	intPart := b[:i]
	var frac []byte
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		frac = b[j:i]
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return 0, timeSyntax
	}
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		neg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			neg = b[i] == '-'
			i++
		}
		j := i
		for i < len(b) && isDigit(b[i]) {
			if exp < 1e6 { // beyond this any non-zero digit is out of range anyway
				exp = exp*10 + int(b[i]-'0')
			}
			i++
		}
		if i == j || i != len(b) {
			return 0, timeSyntax
		}
		if !allowExp {
			return 0, timeExponent
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(b) {
		return 0, timeSyntax
	}
	if !allowExp && len(frac) > 9 {
		return 0, timeFraction
	}
	// Each digit d at decimal position k (10^k seconds) adds d*10^(k+9) ns.
	var ns uint64
	k := len(intPart) - 1 + exp + 9
	for _, digits := range [2][]byte{intPart, frac} {
		for _, ch := range digits {
			if d := uint64(ch - '0'); d != 0 {
				switch {
				case k < 0:
					return 0, timeFraction
				case k >= len(pow10):
					return 0, timeOverflow
				}
				ns += d * pow10[k]
				if ns > math.MaxInt64 {
					return 0, timeOverflow
				}
			}
			k--
		}
	}
	return sim.Time(ns), timeOK
}

// parseSecondsFast parses the common form, 1 to 9 integer digits and at most
// 9 fractional ones, in one pass. It reports false for anything else, which
// parseSeconds then handles in full.
func parseSecondsFast(b []byte) (sim.Time, bool) {
	var sec uint64
	i := 0
	for ; i < len(b) && i < 9; i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		sec = sec*10 + uint64(d)
	}
	if i == 0 {
		return 0, false
	}
	if i == len(b) {
		return sim.Time(sec) * sim.Second, true
	}
	if b[i] != '.' || len(b)-i-1 > 9 {
		return 0, false
	}
	var frac uint64
	n := 0
	for _, ch := range b[i+1:] {
		d := ch - '0'
		if d > 9 {
			return 0, false
		}
		frac = frac*10 + uint64(d)
		n++
	}
	return sim.Time(sec*1e9 + frac*pow10[9-n]), true
}

func isDigit(ch byte) bool { return '0' <= ch && ch <= '9' }

// Columns reports which optional columns a CSV trace's header has, known
// once Next has read the header; the zero value for the other formats.
func (t *Trace) Columns() Columns {
	if c, ok := t.r.(*CSVReader); ok {
		return c.Columns()
	}
	return Columns{}
}
