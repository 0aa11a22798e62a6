package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestJSONLReaderGood(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []rowEv
	}{
		{"minimal", `{"at":0,"op":"add","pod":"a"}`, []rowEv{{0, OpAdd, "a", "", 1, 0, 0}}},
		{"empty", "", nil},
		{"spaces, node, key order", "{ \"pod\" : \"web-1\" , \"node\":\"n1\", \"op\":\"add\", \"at\": 12.5 }\n", []rowEv{
			{secsTime(12.5), OpAdd, "web-1", "n1", 1, 0, 0}}},
		{"comments, blank lines, CRLF, BOM", "\xef\xbb\xbf# c\r\n\r\n{\"at\":1,\"op\":\"add\",\"pod\":\"a\"}\r\n  \r\n{\"at\":2,\"op\":\"del\",\"pod\":\"a\"}\r\n", []rowEv{
			{secsTime(1), OpAdd, "a", "", 3, 0, 0}, {secsTime(2), OpDel, "a", "", 5, 0, 0}}},
		{"string time", `{"at":"0.000000001","op":"add","pod":"a"}`, []rowEv{{1, OpAdd, "a", "", 1, 0, 0}}},
		{"exponent time", `{"at":1e-05,"op":"add","pod":"a"}` + "\n" + `{"at":"2.5E+1","op":"del","pod":"a"}`, []rowEv{
			{10 * sim.Microsecond, OpAdd, "a", "", 1, 0, 0}, {25 * sim.Second, OpDel, "a", "", 2, 0, 0}}},
		{"null and empty node", `{"at":1,"op":"add","pod":"a","node":null}` + "\n" + `{"at":1,"op":"add","pod":"b","node":""}`, []rowEv{
			{secsTime(1), OpAdd, "a", "", 1, 0, 0}, {secsTime(1), OpAdd, "b", "", 2, 0, 0}}},
		{"escaped names", `{"at":1,"op":"add","pod":"p\u00f6d","node":"n\/1"}`, []rowEv{{secsTime(1), OpAdd, "pöd", "n/1", 1, 0, 0}}},
		{"latest time", `{"at":3.1536e9,"op":"add","pod":"a"}`, []rowEv{{MaxTraceTime, OpAdd, "a", "", 1, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllEvents(NewJSONLReader(strings.NewReader(tt.in), "t.jsonl"))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !equalEvs(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestJSONLReaderErrors(t *testing.T) {
	const ok = `{"at":1,"op":"add","pod":"a"}` + "\n"
	tests := []struct {
		name    string
		in      string
		line    int
		field   string
		msgPart string
		nEvents int
	}{
		{"invalid JSON", ok + `{"at":1,"op":"add",` + "\n", 2, "", "invalid JSON", 1},
		{"trailing data", `{"at":1,"op":"add","pod":"a"} x`, 1, "", "invalid JSON", 0},
		{"two objects", `{"at":1,"op":"add","pod":"a"}{"at":2,"op":"add","pod":"b"}`, 1, "", "invalid JSON", 0},
		{"array", `[1,"add","a"]`, 1, "", "want a JSON object", 0},
		{"null", "null", 1, "", "want a JSON object", 0},
		{"CSV in JSONL", "at,op,pod\n", 1, "", "invalid JSON", 0},
		{"unknown key", `{"at":1,"op":"add","pod":"a","ns":"x"}`, 1, "ns", `unknown key "ns"`, 0},
		{"wrong case key", `{"At":1,"op":"add","pod":"a"}`, 1, "At", `unknown key "At"`, 0},
		{"duplicate key", `{"at":1,"op":"add","pod":"a","pod":"b"}`, 1, "pod", "given twice", 0},
		{"missing at", `{"op":"add","pod":"a"}`, 1, "at", "missing", 0},
		{"missing op", `{"at":1,"pod":"a"}`, 1, "op", "missing", 0},
		{"missing pod", ok + `{"at":1,"op":"add"}`, 2, "pod", "missing", 1},
		{"at bool", `{"at":true,"op":"add","pod":"a"}`, 1, "at", `"true" is not a number`, 0},
		{"at null", `{"at":null,"op":"add","pod":"a"}`, 1, "at", "not a number", 0},
		{"at object", `{"at":{},"op":"add","pod":"a"}`, 1, "at", "not a number", 0},
		{"at negative", `{"at":-1.5,"op":"add","pod":"a"}`, 1, "at", `"-1.5" is negative`, 0},
		{"at string junk", `{"at":"soon","op":"add","pod":"a"}`, 1, "at", `"soon" is not a number`, 0},
		{"at string NaN", `{"at":"NaN","op":"add","pod":"a"}`, 1, "at", "not a number", 0},
		{"at string sign", `{"at":"+1","op":"add","pod":"a"}`, 1, "at", "has a sign", 0},
		{"at too precise", `{"at":0.1234567891,"op":"add","pod":"a"}`, 1, "at", "more than 9 fractional digits", 0},
		{"at float noise", `{"at":0.30000000000000004,"op":"add","pod":"a"}`, 1, "at", "more than 9 fractional digits", 0},
		{"at too large", `{"at":1e10,"op":"add","pod":"a"}`, 1, "at", `"1e10" is after the latest trace time, 3153600000 seconds`, 0},
		{"at just too late", `{"at":3153600000.000000001,"op":"add","pod":"a"}`, 1, "at", "after the latest trace time", 0},
		{"at overflow", `{"at":9223372036.854775808,"op":"add","pod":"a"}`, 1, "at", "after the latest trace time", 0},
		{"decreasing", ok + "# c\n" + `{"at":0.5,"op":"del","pod":"a"}`, 3, "at", `"0.5" is before the previous event's time 1 (line 1)`, 1},
		{"op number", `{"at":1,"op":1,"pod":"a"}`, 1, "op", `"1" is not an op`, 0},
		{"op bad", `{"at":1,"op":"create","pod":"a"}`, 1, "op", `"create" is not an op`, 0},
		{"pod empty", `{"at":1,"op":"add","pod":""}`, 1, "pod", "is empty", 0},
		{"pod space", `{"at":1,"op":"add","pod":"a b"}`, 1, "pod", `"a b" contains a space`, 0},
		{"pod newline", `{"at":1,"op":"add","pod":"a\nb"}`, 1, "pod", "control character", 0},
		{"pod number", `{"at":1,"op":"add","pod":7}`, 1, "pod", "not a pod name", 0},
		{"node number", `{"at":1,"op":"add","pod":"a","node":7}`, 1, "node", "not a node name", 0},
		{"node space", `{"at":1,"op":"add","pod":"a","node":"n 1"}`, 1, "node", "contains a space", 0},
		{"long line", ok + `{"at":2,"op":"add","pod":"` + strings.Repeat("x", MaxLineLen) + `"}`, 2, "", "longer than", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewJSONLReader(strings.NewReader(tt.in), "t.jsonl")
			got, err := readAllEvents(r)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.File != "t.jsonl" || pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msgPart) {
				t.Errorf("error %+v\nwant line %d field %q msg containing %q", *pe, tt.line, tt.field, tt.msgPart)
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

// TestJSONLMatchesCSV reads the same trace in both formats.
func TestJSONLMatchesCSV(t *testing.T) {
	var c, j strings.Builder
	c.WriteString("at,op,pod,node\n")
	for i := range 1000 {
		at := (sim.Time(i) * 7_654_321).AppendSeconds(nil)
		op := [2]string{"add", "del"}[i%2]
		pod := "pod-" + strconv.Itoa(i/2)
		node := "n" + strconv.Itoa(i%3)
		c.WriteString(string(at) + "," + op + "," + pod + "," + node + "\n")
		j.WriteString(`{"at":` + string(at) + `,"op":"` + op + `","pod":"` + pod + `","node":"` + node + `"}` + "\n")
	}
	cs, err := readAllEvents(NewCSVReader(strings.NewReader(c.String()), "c"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := readAllEvents(NewJSONLReader(strings.NewReader(j.String()), "j"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		cs[i].Line-- // the CSV header
	}
	if len(cs) != 1000 || !equalEvs(cs, js) {
		t.Fatalf("CSV and JSONL differ: %d vs %d events", len(cs), len(js))
	}
}

// genJSONL produces a JSONL trace of n events on the fly.
type genJSONLStream struct {
	n, i int
	buf  []byte
}

func (g *genJSONLStream) Read(p []byte) (int, error) {
	if len(g.buf) == 0 {
		for g.i < g.n && len(g.buf) < 4096 {
			g.buf = append(g.buf, `{"at":`...)
			g.buf = (sim.Time(g.i) * 1_234_567).AppendSeconds(g.buf)
			g.buf = append(g.buf, `,"op":"add","pod":"pod-`...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, "\"}\n"...)
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

func TestJSONLReaderConstantMemory(t *testing.T) {
	small, large := 20_000, 200_000
	if testing.Short() {
		small, large = 2_000, 20_000
	}
	r := NewJSONLReader(&genJSONLStream{n: large}, "gen.jsonl")
	h1 := readHeapAfter(t, r, 0, small, 1)
	h2 := readHeapAfter(t, r, small, large, 1)
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after %d events: %v, want EOF", large, err)
	}
	if h2 > h1+4<<20 {
		t.Errorf("heap in use grew from %d to %d bytes between %d and %d events", h1, h2, small, large)
	}
}

// slowJSONLReader is the reference for JSONLReader in FuzzJSONLReader: the
// same rules over encoding/json's Decoder, walking each object token by token.
type slowJSONLReader struct {
	lr    lineReader
	pod   []byte
	node  []byte
	order traceOrder
	err   error
}

func newSlowJSONLReader(r io.Reader, file string) *slowJSONLReader {
	j := &slowJSONLReader{}
	j.lr.init(r, file)
	return j
}

func (j *slowJSONLReader) Next() (Event, error) {
	if j.err != nil {
		return Event{}, j.err
	}
	for {
		line, err := j.lr.next()
		if err != nil {
			j.err = err
			return Event{}, err
		}
		if skipLine(line) {
			continue
		}
		ev, err := j.parseLine(line)
		if err != nil {
			j.err = err
			return Event{}, err
		}
		return ev, nil
	}
}

var slowJSONKeys = []string{"at", "op", "pod", "node", "cpu", "memory"}

func (j *slowJSONLReader) parseLine(line []byte) (Event, error) {
	ln := j.lr.line
	var all json.RawMessage
	if err := json.Unmarshal(line, &all); err != nil {
		return Event{}, j.lr.errorf(ln, "", "invalid JSON (%v): %s", err, quote(line))
	}
	if all[0] != '{' {
		return Event{}, j.lr.errorf(ln, "", "want a JSON object, got %s", quote(bytes.TrimSpace(line)))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil { // '{'
		return Event{}, j.lr.errorf(ln, "", "invalid JSON (%v): %s", err, quote(line))
	}
	var (
		ev     = Event{Line: ln}
		seen   [6]bool
		atText json.RawMessage
		res    [2]*string // cpu, memory
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Event{}, j.lr.errorf(ln, "", "invalid JSON (%v): %s", err, quote(line))
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Event{}, j.lr.errorf(ln, key, "invalid JSON (%v): %s", err, quote(line))
		}
		k := -1
		for i, name := range slowJSONKeys {
			if key == name {
				k = i
			}
		}
		if k < 0 {
			return Event{}, j.lr.errorf(ln, key, "unknown key %q: want at, op, pod and optionally node, cpu and memory", key)
		}
		if seen[k] {
			return Event{}, j.lr.errorf(ln, key, "key %q given twice", key)
		}
		seen[k] = true
		switch key {
		case "at":
			t, err := j.parseAt(raw)
			if err != nil {
				return Event{}, err
			}
			ev.At, atText = t, raw
		case "op":
			s, ok := slowJSONString(raw)
			if !ok {
				return Event{}, j.lr.errorf(ln, key, "%s is not an op: want \"add\", \"del\" or \"running\"", quote(raw))
			}
			var op Op
			switch s {
			case "add":
				op = OpAdd
			case "del":
				op = OpDel
			case "running":
				op = OpRunning
			default:
				return Event{}, j.lr.errorf(ln, key, "%s is not an op: want add, del or running", quote([]byte(s)))
			}
			ev.Op = op
		case "pod":
			s, ok := slowJSONString(raw)
			if !ok {
				return Event{}, j.lr.errorf(ln, key, "%s is not a pod name: want a JSON string", quote(raw))
			}
			j.pod = append(j.pod[:0], s...)
			if msg := checkName(j.pod, true); msg != "" {
				return Event{}, j.lr.errorf(ln, key, "%s %s", quote(j.pod), msg)
			}
			ev.Pod = j.pod[:len(j.pod):len(j.pod)]
		case "node":
			if string(raw) == "null" {
				continue
			}
			s, ok := slowJSONString(raw)
			if !ok {
				return Event{}, j.lr.errorf(ln, key, "%s is not a node name: want a JSON string", quote(raw))
			}
			j.node = append(j.node[:0], s...)
			if msg := checkName(j.node, false); msg != "" {
				return Event{}, j.lr.errorf(ln, key, "%s %s", quote(j.node), msg)
			}
			if len(j.node) > 0 {
				ev.Node = j.node[:len(j.node):len(j.node)]
			}
		case "cpu", "memory":
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			_ = dec.Decode(&v)
			var text string
			switch v := v.(type) {
			case nil:
				continue
			case string:
				text = v
			case json.Number:
				text = string(raw)
			default:
				example := map[string]string{"cpu": `"500m"`, "memory": `"256Mi"`}[key]
				return Event{}, j.lr.errorf(ln, key, "%s is not a %s quantity: want a JSON string such as %s or a number", quote(raw), key, example)
			}
			res[k-4] = &text
		}
	}
	for i, name := range slowJSONKeys[:3] {
		if !seen[i] {
			return Event{}, j.lr.errorf(ln, name, "missing: every line needs at, op and pod")
		}
	}
	for i, key := range slowJSONKeys[4:] {
		if res[i] == nil {
			continue
		}
		text := *res[i]
		if ev.Op == OpDel {
			return Event{}, j.lr.errorf(ln, key, "%s on a del: a pod's requests belong on its add or running line (leave the field empty)", quote([]byte(text)))
		}
		parse := ParseCPU
		if key == "memory" {
			parse = ParseMemory
		}
		v, err := parse(text)
		if err != nil {
			return Event{}, j.lr.errorf(ln, key, "%s is not a %s quantity: %s", quote([]byte(text)), key, err.(*QuantityError).Msg)
		}
		if key == "cpu" {
			ev.CPUMilli = v
		} else {
			ev.MemoryBytes = v
		}
	}
	if err := j.order.check(&j.lr, ln, ev.At, atText, ev.Op); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// parseAt parses the value of "at": a JSON number, or a string holding one.
func (j *slowJSONLReader) parseAt(raw json.RawMessage) (sim.Time, error) {
	num := []byte(raw)
	if len(raw) > 0 && raw[0] == '"' {
		s, _ := slowJSONString(raw)
		num = []byte(s)
	} else if len(raw) == 0 || !(isDigit(raw[0]) || raw[0] == '-') {
		return 0, j.lr.errorf(j.lr.line, "at", "%s is not a number of seconds", quote(raw))
	}
	t, terr := parseSeconds(num, true)
	if terr != timeOK {
		return 0, j.lr.errorf(j.lr.line, "at", "%s", terr.message(num))
	}
	return t, nil
}

// jsonString decodes raw if it is a JSON string.
func slowJSONString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
