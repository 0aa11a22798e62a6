package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// ev is an event with its names as strings, for comparisons.
type rowEv struct {
	At   sim.Time
	Op   Op
	Pod  string
	Node string
	Line int
	CPU  int64 // millicores
	Mem  int64 // bytes
}

func (e rowEv) String() string {
	if e.CPU != 0 || e.Mem != 0 {
		return fmt.Sprintf("%d:%s %v %s@%s cpu=%d mem=%d", e.Line, formatSeconds(e.At), e.Op, e.Pod, e.Node, e.CPU, e.Mem)
	}
	return fmt.Sprintf("%d:%s %v %s@%s", e.Line, formatSeconds(e.At), e.Op, e.Pod, e.Node)
}

func toRowEv(e Event) rowEv {
	return rowEv{At: e.At, Op: e.Op, Pod: string(e.Pod), Node: string(e.Node), Line: e.Line, CPU: e.CPUMilli, Mem: e.MemoryBytes}
}

// readAll reads every event of r, copying the names, up to the first error.
func readAllEvents(r Reader) ([]rowEv, error) {
	var out []rowEv
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, toRowEv(e))
	}
}

func secsTime(s float64) sim.Time { return sim.Time(math.Round(s * 1e9)) }

func equalEvs(a, b []rowEv) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCSVReaderGood(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []rowEv
	}{
		{"minimal", "at,op,pod\n0,add,a\n", []rowEv{{0, OpAdd, "a", "", 2, 0, 0}}},
		{"no final newline", "at,op,pod\n1.5,add,a\n2,del,a", []rowEv{
			{secsTime(1.5), OpAdd, "a", "", 2, 0, 0}, {secsTime(2), OpDel, "a", "", 3, 0, 0}}},
		{"header only", "at,op,pod\n", nil},
		{"comments and blank lines", "# a trace\n\n  # indented comment\nat,op,pod\n\n# mid\n3,add,web-1\n   \n\t\n4,del,web-1\n#end", []rowEv{
			{secsTime(3), OpAdd, "web-1", "", 7, 0, 0}, {secsTime(4), OpDel, "web-1", "", 10, 0, 0}}},
		{"CRLF", "at,op,pod\r\n1,add,a\r\n\r\n2,del,a\r\n", []rowEv{
			{secsTime(1), OpAdd, "a", "", 2, 0, 0}, {secsTime(2), OpDel, "a", "", 4, 0, 0}}},
		{"BOM", "\xef\xbb\xbfat,op,pod\n1,add,a\n", []rowEv{{secsTime(1), OpAdd, "a", "", 2, 0, 0}}},
		{"BOM before comment", "\xef\xbb\xbf# c\nat,op,pod\n1,add,a\n", []rowEv{{secsTime(1), OpAdd, "a", "", 3, 0, 0}}},
		{"spaces around fields and header", " at , op ,pod \t\n 1 , add , a \n", []rowEv{{secsTime(1), OpAdd, "a", "", 2, 0, 0}}},
		{"node column", "at,op,pod,node\n1,add,a,n1\n1,add,b,\n2,del,a,n1\n", []rowEv{
			{secsTime(1), OpAdd, "a", "n1", 2, 0, 0}, {secsTime(1), OpAdd, "b", "", 3, 0, 0}, {secsTime(2), OpDel, "a", "n1", 4, 0, 0}}},
		{"equal times", "at,op,pod\n5,add,a\n5,add,b\n5,del,a\n", []rowEv{
			{secsTime(5), OpAdd, "a", "", 2, 0, 0}, {secsTime(5), OpAdd, "b", "", 3, 0, 0}, {secsTime(5), OpDel, "a", "", 4, 0, 0}}},
		{"decimal forms", "at,op,pod\n0.000000001,add,a\n.5,add,b\n1.,add,c\n007.250,add,d\n123.456789012,add,e\n", []rowEv{
			{1, OpAdd, "a", "", 2, 0, 0}, {500_000_000, OpAdd, "b", "", 3, 0, 0}, {secsTime(1), OpAdd, "c", "", 4, 0, 0},
			{7_250_000_000, OpAdd, "d", "", 5, 0, 0}, {123_456_789_012, OpAdd, "e", "", 6, 0, 0}}},
		{"latest time", "at,op,pod\n3153600000,add,a\n", []rowEv{{MaxTraceTime, OpAdd, "a", "", 2, 0, 0}}},
		{"utf-8 pod", "at,op,pod\n1,add,pöd-ü\n", []rowEv{{secsTime(1), OpAdd, "pöd-ü", "", 2, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllEvents(NewCSVReader(strings.NewReader(tt.in), "t.csv"))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !equalEvs(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestCSVReaderErrors(t *testing.T) {
	long := strings.Repeat("x", MaxLineLen+1)
	tests := []struct {
		name    string
		in      string
		line    int
		field   string
		msgPart string
		nEvents int // events read before the error
	}{
		{"empty file", "", 1, "", "no header", 0},
		{"comments only", "# a\n\n# b\n", 3, "", "no header", 0},
		{"no header", "1,add,a\n", 1, "", `got "1,add,a"`, 0},
		{"wrong header", "# c\ntime,op,pod\n", 2, "", `got "time,op,pod"`, 0},
		{"header extra column", "at,op,pod,node,zone\n", 1, "", `column 5 of the header, "zone", is not a trace column`, 0},
		{"header reordered", "at,pod,op\n", 1, "", "the header must be", 0},
		{"too few fields", "at,op,pod\n1,add\n", 2, "", `2 fields, want 3 (at,op,pod): "1,add"`, 0},
		{"too many fields", "at,op,pod\n1,add,a\n2,add,b,n1\n", 3, "", "4 fields, want 3", 1},
		{"node missing", "at,op,pod,node\n1,add,a\n", 2, "", "3 fields, want 4 (at,op,pod,node)", 0},
		{"empty at", "at,op,pod\n,add,a\n", 2, "at", "empty", 0},
		{"letters", "at,op,pod\n\nabc,add,a\n", 3, "at", `"abc" is not a number of seconds`, 0},
		{"NaN", "at,op,pod\nNaN,add,a\n", 2, "at", `"NaN" is not a number`, 0},
		{"Inf", "at,op,pod\nInf,add,a\n", 2, "at", `"Inf" is not a number`, 0},
		{"dot only", "at,op,pod\n.,add,a\n", 2, "at", `"." is not a number`, 0},
		{"two dots", "at,op,pod\n1.2.3,add,a\n", 2, "at", "not a number", 0},
		{"inner space", "at,op,pod\n1 2,add,a\n", 2, "at", "not a number", 0},
		{"negative", "at,op,pod\n-1,add,a\n", 2, "at", `"-1" is negative`, 0},
		{"plus sign", "at,op,pod\n+1,add,a\n", 2, "at", `"+1" has a sign`, 0},
		{"exponent", "at,op,pod\n1e3,add,a\n", 2, "at", `"1e3" uses exponent notation`, 0},
		{"exponent frac", "at,op,pod\n1.5E-3,add,a\n", 2, "at", "exponent notation", 0},
		{"ten fractional digits", "at,op,pod\n0.0000000001,add,a\n", 2, "at", "more than 9 fractional digits", 0},
		{"ten zero fractional digits", "at,op,pod\n1.0000000000,add,a\n", 2, "at", "more than 9 fractional digits", 0},
		{"after the latest time", "at,op,pod\n3153600000.000000001,add,a\n", 2, "at", `"3153600000.000000001" is after the latest trace time, 3153600000 seconds (100 years)`, 0},
		{"overflow", "at,op,pod\n9223372036.854775808,add,a\n", 2, "at", "after the latest trace time", 0},
		{"overflow long", "at,op,pod\n" + strings.Repeat("9", 40) + ",add,a\n", 2, "at", "after the latest trace time", 0},
		{"decreasing", "at,op,pod\n1,add,a\n5,add,b\n# c\n4.5,del,a\n", 5, "at", `"4.5" is before the previous event's time 5 (line 3)`, 2},
		{"bad op", "at,op,pod\n1,create,a\n", 2, "op", `"create" is not an op`, 0},
		{"upper-case op", "at,op,pod\n1,ADD,a\n", 2, "op", `"ADD"`, 0},
		{"empty op", "at,op,pod\n1,,a\n", 2, "op", `"" is not an op`, 0},
		{"empty pod", "at,op,pod\n1,add,\n", 2, "pod", `"" is empty`, 0},
		{"blank pod", "at,op,pod\n1,add,  \n", 2, "pod", "is empty", 0},
		{"pod with space", "at,op,pod\n1,add,web 1\n", 2, "pod", `"web 1" contains a space`, 0},
		{"pod with tab", "at,op,pod\n1,add,web\t1\n", 2, "pod", "contains a space", 0},
		{"pod with lone CR", "at,op,pod\n1,add,a\rb\n", 2, "pod", "control character", 0},
		{"node with space", "at,op,pod,node\n1,add,a,n 1\n", 2, "node", `"n 1" contains a space`, 0},
		{"long line", "at,op,pod\n1,add,a\n2,add," + long + "\n3,add,c\n", 3, "", "longer than 65536 bytes", 1},
		{"long last line", "at,op,pod\n1,add," + long, 2, "", "longer than 65536 bytes", 0},
		{"long header", long + "\n", 1, "", "longer than", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewCSVReader(strings.NewReader(tt.in), "t.csv")
			got, err := readAllEvents(r)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.File != "t.csv" || pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msgPart) {
				t.Errorf("error %+v\nwant t.csv line %d field %q msg containing %q", *pe, tt.line, tt.field, tt.msgPart)
			}
			if len(got) != tt.nEvents {
				t.Errorf("%d events before the error, want %d", len(got), tt.nEvents)
			}
			if _, err2 := r.Next(); err2 != err {
				t.Errorf("error is not sticky: then got %v", err2)
			}
		})
	}
}

func TestCSVReaderExactLongestLine(t *testing.T) {
	// A line of exactly MaxLineLen bytes (with CRLF) is accepted.
	pod := strings.Repeat("p", MaxLineLen-len("1,add,"))
	in := "at,op,pod\r\n1,add," + pod + "\r\n2,del," + pod + "\r\n"
	got, err := readAllEvents(NewCSVReader(strings.NewReader(in), "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Pod != pod || got[1].Line != 3 {
		t.Fatalf("got %d events", len(got))
	}
}

type ioErrReader struct{ err error }

func (r ioErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestCSVReaderIOError(t *testing.T) {
	r := NewCSVReader(io.MultiReader(strings.NewReader("at,op,pod\n1,add,a\n"), ioErrReader{errors.New("disk on fire")}), "t.csv")
	got, err := readAllEvents(r)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(pe.Msg, "disk on fire") {
		t.Fatalf("err = %v, want a *ParseError at line 3 naming the read error", err)
	}
	if len(got) != 1 {
		t.Errorf("%d events, want 1", len(got))
	}
}

func TestCSVReaderErrorString(t *testing.T) {
	_, err := readAllEvents(NewCSVReader(strings.NewReader("at,op,pod\n1,add,a b\n"), "trace.csv"))
	want := `trace.csv:2: field "pod": "a b" contains a space or control character`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestCSVReaderAliasing(t *testing.T) {
	r := NewCSVReader(strings.NewReader("at,op,pod,node\n1,add,aa,n1\n2,add,bb,n2\n"), "t.csv")
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasNode() {
		t.Error("HasNode = false")
	}
	// Appending to a returned name must not write into the reader's buffer.
	_ = append(e.Pod, "XXXXXXXXXX"...)
	_ = append(e.Node, "XXXXXXXXXX"...)
	e2, err := r.Next()
	if err != nil || string(e2.Pod) != "bb" || string(e2.Node) != "n2" {
		t.Fatalf("second event %v %v", toRowEv(e2), err)
	}
}

func TestCSVReaderReset(t *testing.T) {
	r := NewCSVReader(strings.NewReader("at,op,pod\n5,add,a\n"), "a.csv")
	if _, err := readAllEvents(r); err != nil {
		t.Fatal(err)
	}
	r.Reset(strings.NewReader("at,op,pod,node\n1,add,b,n\n"), "b.csv")
	got, err := readAllEvents(r)
	if err != nil || !equalEvs(got, []rowEv{{secsTime(1), OpAdd, "b", "n", 2, 0, 0}}) {
		t.Fatalf("after Reset: %v %v", got, err)
	}
}

func TestParseSeconds(t *testing.T) {
	tests := []struct {
		in       string
		allowExp bool
		want     sim.Time
		err      timeErr
	}{
		{"0", false, 0, timeOK},
		{"12", false, 12 * sim.Second, timeOK},
		{"12.5", false, 12*sim.Second + 500*sim.Millisecond, timeOK},
		{"0.1", false, 100 * sim.Millisecond, timeOK},
		{"0.000000001", false, 1, timeOK},
		{"9223372036.854775807", false, math.MaxInt64, timeOK},
		{"9223372036.854775808", false, 0, timeOverflow},
		{"9223372037", false, 0, timeOverflow},
		{"00000000000000000000000001", false, sim.Second, timeOK},
		{"", false, 0, timeEmpty},
		{"-0", false, 0, timeNegative},
		{"-", false, 0, timeSyntax},
		{"e5", true, 0, timeSyntax},
		{"1e", true, 0, timeSyntax},
		{"1e+", true, 0, timeSyntax},
		{"1e5x", true, 0, timeSyntax},
		{"1e3", true, 1000 * sim.Second, timeOK},
		{"1E+3", true, 1000 * sim.Second, timeOK},
		{"1e-05", true, 10 * sim.Microsecond, timeOK},
		{"1.5e-9", true, 0, timeFraction},
		{"1e-9", true, 1, timeOK},
		{"1e-10", true, 0, timeFraction},
		{"0e999999999999", true, 0, timeOK},
		{"1e999999999999", true, 0, timeOverflow},
		{"1e-999999999999", true, 0, timeFraction},
		{"123.4560000000000", true, 123_456_000_000, timeOK}, // trailing zeros are exact
		{"9.223372036854775807e9", true, math.MaxInt64, timeOK},
		{"9.223372036854775808e9", true, 0, timeOverflow},
	}
	for _, tt := range tests {
		got, err := parseSeconds([]byte(tt.in), tt.allowExp)
		if got != tt.want || err != tt.err {
			t.Errorf("parseSeconds(%q, %v) = %d, %d; want %d, %d", tt.in, tt.allowExp, got, err, tt.want, tt.err)
		}
	}
}

// genTrace is an io.Reader that produces a CSV trace of n events on the fly,
// so that reading it takes no memory of its own.
type genCSVStream struct {
	n, i int
	buf  []byte
	node bool
}

func (g *genCSVStream) Read(p []byte) (int, error) {
	if len(g.buf) == 0 {
		if g.i == 0 {
			g.buf = append(g.buf, "at,op,pod,node\n"...)
		}
		for g.i < g.n && len(g.buf) < 4096 {
			at := sim.Time(g.i) * 1_234_567 // increasing, with fractions
			g.buf = at.AppendSeconds(g.buf)
			if g.i%2 == 0 {
				g.buf = append(g.buf, ",add,pod-"...)
			} else {
				g.buf = append(g.buf, ",del,pod-"...)
			}
			g.buf = strconv.AppendInt(g.buf, int64(g.i/2), 10)
			g.buf = append(g.buf, ",node-"...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i%7), 10)
			g.buf = append(g.buf, '\n')
			g.i++
		}
		if len(g.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// heapAfter reads events from..n-1 from r, checking that event i is on line
// i+firstLine, and returns the heap in use then, after a GC.
func readHeapAfter(t *testing.T, r Reader, from, n, firstLine int) uint64 {
	t.Helper()
	for i := from; i < n; i++ {
		e, err := r.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if e.Line != i+firstLine {
			t.Fatalf("event %d on line %d", i, e.Line)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestCSVReaderConstantMemory(t *testing.T) {
	const small, large = 100_000, 1_000_000
	r := NewCSVReader(&genCSVStream{n: large}, "gen.csv")
	h1 := readHeapAfter(t, r, 0, small, 2)
	h2 := readHeapAfter(t, r, small, large, 2)
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after %d events: %v, want EOF", large, err)
	}
	// 900 k more events (~30 MB of input) must not grow the heap; allow 4 MiB
	// of noise from the runtime and test framework.
	if h2 > h1+4<<20 {
		t.Errorf("heap in use grew from %d to %d bytes between %d and %d events", h1, h2, small, large)
	}
	t.Logf("heap in use: %d bytes after %d events, %d after %d", h1, small, h2, large)
}

func TestTestdataTraces(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.csv", "*.jsonl"} {
		m, err := filepath.Glob(filepath.Join("testdata", "traces", pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no files in testdata/traces")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			format, err := DetectFormat(data)
			if err != nil {
				t.Fatal(err)
			}
			var r Reader
			switch format {
			case FormatCSV:
				r = NewCSVReader(bytes.NewReader(data), f)
			case FormatJSONL:
				r = NewJSONLReader(bytes.NewReader(data), f)
			default:
				t.Skipf("format %v is read elsewhere", format)
			}
			got, err := readAllEvents(r)
			// The first line of each file says what reading it gives:
			// "# events: N" or "# error: <end of the error message>".
			first, _, _ := strings.Cut(strings.TrimPrefix(string(data), "\xef\xbb\xbf"), "\n")
			first = strings.TrimSpace(strings.TrimPrefix(first, "#"))
			switch {
			case strings.HasPrefix(first, "error: "):
				want := strings.TrimPrefix(first, "error: ")
				if err == nil || !strings.HasSuffix(err.Error(), want) {
					t.Errorf("error %v\nwant one ending %q", err, want)
				}
			case strings.HasPrefix(first, "events: "):
				want, _ := strconv.Atoi(strings.TrimPrefix(first, "events: "))
				if err != nil || len(got) != want {
					t.Errorf("%d events, error %v; want %d events", len(got), err, want)
				}
			default:
				t.Fatalf("first line %q says neither events: nor error:", first)
			}
		})
	}
}
