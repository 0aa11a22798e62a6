package scenarios

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// readBoth reads in as CSV when it starts with "at" and as JSONL otherwise.
func readTrace(in string) (Reader, string) {
	if strings.HasPrefix(in, "at") {
		return NewCSVReader(strings.NewReader(in), "t.csv"), "t.csv"
	}
	return NewJSONLReader(strings.NewReader(in), "t.jsonl"), "t.jsonl"
}

func TestTraceRunningAndResources(t *testing.T) {
	const gi = 1 << 30
	tests := []struct {
		name string
		in   string
		want []rowEv
	}{
		{"csv running first", "at,op,pod\n0,running,a\n0,running,b\n0,add,c\n7,del,a\n", []rowEv{
			{0, OpRunning, "a", "", 2, 0, 0}, {0, OpRunning, "b", "", 3, 0, 0}, {0, OpAdd, "c", "", 4, 0, 0}, {secsTime(7), OpDel, "a", "", 5, 0, 0}}},
		{"csv only running", "at,op,pod,node\n0.0,running,a,n1\n", []rowEv{{0, OpRunning, "a", "n1", 2, 0, 0}}},
		{"csv cpu and memory", "at,op,pod,cpu,memory\n0,running,db,2,4Gi\n1.5,add,web,500m,256Mi\n2,add,batch,,\n3,del,web,,\n", []rowEv{
			{0, OpRunning, "db", "", 2, 2000, 4 * gi}, {secsTime(1.5), OpAdd, "web", "", 3, 500, 256 << 20},
			{secsTime(2), OpAdd, "batch", "", 4, 0, 0}, {secsTime(3), OpDel, "web", "", 5, 0, 0}}},
		{"csv columns in any order", "at,op,pod,memory,node,cpu\n1,add,a,1e9,n1,0.25\n", []rowEv{
			{secsTime(1), OpAdd, "a", "n1", 2, 250, 1e9}}},
		{"csv memory only, rounded up", "at , op , pod , memory\n1,add,a, 0.5 \n", []rowEv{{secsTime(1), OpAdd, "a", "", 2, 0, 1}}},
		{"csv cpu rounds up to 1m", "at,op,pod,cpu\n1,add,a,0.0001\n", []rowEv{{secsTime(1), OpAdd, "a", "", 2, 1, 0}}},
		{"csv zero quantities are none", "at,op,pod,cpu,memory\n1,add,a,0,0Mi\n", []rowEv{{secsTime(1), OpAdd, "a", "", 2, 0, 0}}},
		{"jsonl running and quantities", `{"at":0,"op":"running","pod":"db","cpu":"2","memory":"4Gi"}` + "\n" +
			`{"memory":268435456,"cpu":0.5,"op":"add","pod":"web","at":1.5}` + "\n" +
			`{"at":2,"op":"add","pod":"batch","cpu":null,"memory":null}` + "\n" +
			`{"at":3,"op":"del","pod":"web","cpu":null}`, []rowEv{
			{0, OpRunning, "db", "", 1, 2000, 4 * gi}, {secsTime(1.5), OpAdd, "web", "", 2, 500, 256 << 20},
			{secsTime(2), OpAdd, "batch", "", 3, 0, 0}, {secsTime(3), OpDel, "web", "", 4, 0, 0}}},
		{"jsonl escaped quantity", `{"at":1,"op":"add","pod":"a","cpu":"\u0035\u0030\u0030m"}`, []rowEv{{secsTime(1), OpAdd, "a", "", 1, 500, 0}}},
		{"jsonl running at 0 in exponent form", `{"at":0e5,"op":"running","pod":"a"}`, []rowEv{{0, OpRunning, "a", "", 1, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := readTrace(tt.in)
			got, err := readAllEvents(r)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !equalEvs(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestCSVReaderColumns(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   Columns
	}{
		{"at,op,pod", Columns{}},
		{"at,op,pod,node", Columns{Node: true}},
		{"at,op,pod,cpu", Columns{CPU: true}},
		{"at,op,pod,memory,cpu", Columns{CPU: true, Memory: true}},
		{"at,op,pod,cpu,node,memory", Columns{Node: true, CPU: true, Memory: true}},
	} {
		r := NewCSVReader(strings.NewReader(tt.header+"\n"), "t.csv")
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("%s: %v", tt.header, err)
		}
		if r.Columns() != tt.want || r.HasNode() != tt.want.Node {
			t.Errorf("%s: columns %+v, want %+v", tt.header, r.Columns(), tt.want)
		}
		if got := tt.want.Header(); strings.Count(got, ",") != strings.Count(tt.header, ",") {
			t.Errorf("Columns%+v.Header() = %q", tt.want, got)
		}
	}
}

func TestTraceRunningAndResourceErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		line    int
		field   string
		msgPart string
	}{
		{"csv running after add", "at,op,pod\n0,add,a\n0,running,b\n", 3, "op", "running after the add or del on line 2: running pods come first"},
		{"csv running after del", "at,op,pod\n0,running,a\n0,del,a\n0,running,b\n", 4, "op", "on line 3"},
		{"csv running later", "at,op,pod\n0,running,a\n5,running,b\n", 3, "at", `"5" is not 0: a running pod is one already running when the trace starts`},
		{"csv running only later", "at,op,pod\n0.000000001,running,a\n", 2, "at", "is not 0"},
		{"csv bad op lists running", "at,op,pod\n0,run,a\n", 2, "op", `"run" is not an op: want add, del or running`},
		{"csv cpu on del", "at,op,pod,cpu\n0,add,a,1\n1,del,a,1\n", 3, "cpu", `"1" on a del`},
		{"csv memory on del", "at,op,pod,memory\n1,del,a,1Gi\n", 2, "memory", "on a del"},
		{"csv negative cpu", "at,op,pod,cpu\n1,add,a,-500m\n", 2, "cpu", `"-500m" is not a cpu quantity: negative`},
		{"csv bad suffix", "at,op,pod,memory\n1,add,a,1GB\n", 2, "memory", `"1GB" is not a memory quantity: unknown suffix "GB"`},
		{"csv huge cpu", "at,op,pod,cpu\n1,add,a,2e6\n", 2, "cpu", "more than 1000000 cores"},
		{"csv huge memory", "at,op,pod,memory\n1,add,a,2Pi\n", 2, "memory", "more than 1Pi"},
		{"csv cpu NaN", "at,op,pod,cpu\n1,add,a,NaN\n", 2, "cpu", "not a cpu quantity"},
		{"csv unknown column", "at,op,pod,cpus\n", 1, "", `column 4 of the header, "cpus", is not a trace column`},
		{"csv column twice", "at,op,pod,cpu,node,cpu\n", 1, "", `column 6 of the header, "cpu", is given twice`},
		{"csv too many columns", "at,op,pod,node,cpu,memory,x,y\n", 1, "", "the header has 8 columns, more than the 6"},
		{"csv fields follow the header", "at,op,pod,cpu,memory\n1,add,a,1\n", 2, "", "4 fields, want 5 (at,op,pod,cpu,memory)"},
		{"csv unbalanced quote", "at,op,pod\n1,add,\"web-1\n", 2, "pod", `"\"web-1" contains a double quote: trace fields are not quoted`},
		{"csv quoted name", "at,op,pod,node\n1,add,a,\"n1\"\n", 2, "node", "contains a double quote"},
		{"jsonl running after add", `{"at":0,"op":"add","pod":"a"}` + "\n" + `{"at":0,"op":"running","pod":"b"}`, 2, "op", "running after the add or del on line 1"},
		{"jsonl running later", `{"at":"1","op":"running","pod":"a"}`, 1, "at", `"\"1\"" is not 0`},
		{"jsonl cpu on del", `{"at":1,"op":"del","pod":"a","cpu":"1"}`, 1, "cpu", "on a del"},
		{"jsonl cpu on del, cpu first", `{"cpu":"1","at":1,"op":"del","pod":"a"}`, 1, "cpu", "on a del"},
		{"jsonl cpu bool", `{"at":1,"op":"add","pod":"a","cpu":true}`, 1, "cpu", `"true" is not a cpu quantity: want a JSON string such as "500m" or a number`},
		{"jsonl memory object", `{"at":1,"op":"add","pod":"a","memory":{"v":1}}`, 1, "memory", `want a JSON string such as "256Mi"`},
		{"jsonl empty cpu", `{"at":1,"op":"add","pod":"a","cpu":""}`, 1, "cpu", `"" is not a cpu quantity: empty`},
		{"jsonl negative memory", `{"at":1,"op":"add","pod":"a","memory":-1}`, 1, "memory", "negative"},
		{"jsonl cpu twice", `{"at":1,"op":"add","pod":"a","cpu":"1","cpu":"2"}`, 1, "cpu", `key "cpu" given twice`},
		{"jsonl quote in pod", `{"at":1,"op":"add","pod":"we\"b"}`, 1, "pod", "contains a double quote"},
		{"jsonl comma in pod", `{"at":1,"op":"add","pod":"a,b"}`, 1, "pod", "contains a comma"},
		{"jsonl bad op lists running", `{"at":1,"op":"ADD","pod":"a"}`, 1, "op", "want add, del or running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, file := readTrace(tt.in)
			_, err := readAllEvents(r)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.File != file || pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msgPart) {
				t.Errorf("error %+v\nwant %s line %d field %q msg containing %q", *pe, file, tt.line, tt.field, tt.msgPart)
			}
		})
	}
}

func TestWritersResourcesRoundTrip(t *testing.T) {
	evs := []Event{
		{At: 0, Op: OpRunning, Pod: []byte("db-0"), Node: []byte("n1"), CPUMilli: 2000, MemoryBytes: 4 << 30},
		{At: 0, Op: OpRunning, Pod: []byte("cache")},
		{At: 0, Op: OpAdd, Pod: []byte("web-1"), CPUMilli: 500, MemoryBytes: 256 << 20},
		{At: 12_500_000_000, Op: OpAdd, Pod: []byte(`p\öd`), Node: []byte("n2"), CPUMilli: 1, MemoryBytes: 1000},
		{At: 13_000_000_000, Op: OpDel, Pod: []byte("db-0"), Node: []byte("n1")},
		{At: MaxTraceTime, Op: OpDel, Pod: []byte("web-1")},
	}
	var csvBuf, jsonBuf bytes.Buffer
	cw := NewCSVWriterColumns(&csvBuf, Columns{Node: true, CPU: true, Memory: true})
	jw := NewJSONLWriter(&jsonBuf)
	for _, e := range evs {
		if err := cw.Write(e); err != nil {
			t.Fatal(err)
		}
		if err := jw.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	wantCSV := "at,op,pod,node,cpu,memory\n" +
		"0,running,db-0,n1,2,4Gi\n" +
		"0,running,cache,,,\n" +
		"0,add,web-1,,500m,256Mi\n" +
		"12.5,add,p\\öd,n2,1m,1000\n" +
		"13,del,db-0,n1,,\n" +
		"3153600000,del,web-1,,,\n"
	if csvBuf.String() != wantCSV {
		t.Errorf("CSV:\n%s\nwant\n%s", csvBuf.String(), wantCSV)
	}
	wantJSONL := `{"at":0,"op":"running","pod":"db-0","node":"n1","cpu":"2","memory":"4Gi"}` + "\n" +
		`{"at":0,"op":"running","pod":"cache"}` + "\n" +
		`{"at":0,"op":"add","pod":"web-1","cpu":"500m","memory":"256Mi"}` + "\n" +
		`{"at":12.5,"op":"add","pod":"p\\öd","node":"n2","cpu":"1m","memory":"1000"}` + "\n" +
		`{"at":13,"op":"del","pod":"db-0","node":"n1"}` + "\n" +
		`{"at":3153600000,"op":"del","pod":"web-1"}` + "\n"
	if jsonBuf.String() != wantJSONL {
		t.Errorf("JSONL:\n%s\nwant\n%s", jsonBuf.String(), wantJSONL)
	}
	for _, r := range []Reader{NewCSVReader(&csvBuf, "rt.csv"), NewJSONLReader(&jsonBuf, "rt.jsonl")} {
		got, err := readAllEvents(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(evs) {
			t.Fatalf("%T: %d events back, want %d", r, len(got), len(evs))
		}
		for i, e := range evs {
			want := toRowEv(e)
			want.Line = got[i].Line
			if got[i] != want {
				t.Errorf("%T: event %d = %v, want %v", r, i, got[i], want)
			}
		}
	}
}

func TestWritersRefuse(t *testing.T) {
	all := Columns{Node: true, CPU: true, Memory: true}
	tests := []struct {
		name    string
		cols    Columns
		before  []Event
		ev      Event
		msgPart string
	}{
		{"running later", all, nil, Event{At: 1, Op: OpRunning, Pod: []byte("a")}, "running at 0.000000001: running pods are at time 0"},
		{"running after add", all, []Event{{Op: OpAdd, Pod: []byte("a")}}, Event{Op: OpRunning, Pod: []byte("b")}, "running after the add or del of event 1"},
		{"after the latest time", all, nil, Event{At: MaxTraceTime + 1, Op: OpAdd, Pod: []byte("a")}, "after the latest trace time"},
		{"cpu on del", all, nil, Event{Op: OpDel, Pod: []byte("a"), CPUMilli: 1}, "a del carries no cpu or memory"},
		{"negative cpu", all, nil, Event{Op: OpAdd, Pod: []byte("a"), CPUMilli: -1}, "cpu -1m is out of range"},
		{"memory too large", all, nil, Event{Op: OpAdd, Pod: []byte("a"), MemoryBytes: MaxMemoryBytes + 1}, "out of range"},
		{"cpu without column", Columns{Memory: true}, nil, Event{Op: OpAdd, Pod: []byte("a"), CPUMilli: 500}, "cpu 500m but the trace has no cpu column"},
		{"memory without column", Columns{CPU: true}, nil, Event{Op: OpAdd, Pod: []byte("a"), MemoryBytes: 1 << 20}, "memory 1Mi but the trace has no memory column"},
		{"quote in pod", all, nil, Event{Op: OpAdd, Pod: []byte(`a"b`)}, "contains a double quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := NewCSVWriterColumns(io.Discard, tt.cols)
			jw := NewJSONLWriter(io.Discard)
			for _, e := range tt.before {
				if err := cw.Write(e); err != nil {
					t.Fatal(err)
				}
				if err := jw.Write(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := cw.Write(tt.ev); err == nil || !strings.Contains(err.Error(), tt.msgPart) {
				t.Errorf("CSV writer: %v, want an error containing %q", err, tt.msgPart)
			}
			if tt.cols == all {
				if err := jw.Write(tt.ev); err == nil || !strings.Contains(err.Error(), tt.msgPart) {
					t.Errorf("JSONL writer: %v, want an error containing %q", err, tt.msgPart)
				}
			}
		})
	}
	if err := NewJSONLWriter(io.Discard).Write(Event{Op: OpAdd, Pod: []byte("a\xff")}); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("JSONL writer, invalid UTF-8: %v", err)
	}
}

func TestJSONLWriterAllocs(t *testing.T) {
	w := NewJSONLWriter(io.Discard)
	e := Event{At: 123_456_000_000, Op: OpAdd, Pod: []byte("pod-12345"), Node: []byte("n1"), CPUMilli: 250, MemoryBytes: 128 << 20}
	allocs := testing.AllocsPerRun(1000, func() {
		e.At++
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Write", allocs)
	}
}

func TestMergeRunningFirst(t *testing.T) {
	a := NewCSVReader(strings.NewReader("at,op,pod\n0,add,a1\n0,add,a2\n5,del,a1\n"), "a.csv")
	b := NewCSVReader(strings.NewReader("at,op,pod\n0,running,b1\n0,running,b2\n0,add,b3\n"), "b.csv")
	got, err := readAllEvents(Merge(a, b))
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, e := range got {
		seq = append(seq, e.Op.String()+" "+e.Pod)
	}
	want := "running b1,running b2,add a1,add a2,add b3,del a1"
	if strings.Join(seq, ",") != want {
		t.Errorf("merged %s\nwant   %s", strings.Join(seq, ","), want)
	}
}
