package scenarios

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// eventsOf reads r to the end and returns its events as "at op pod node@line"
// strings.
func eventsOf(t testing.TB, r Reader) []string {
	t.Helper()
	var out []string
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.At.String()+" "+ev.Op.String()+" "+string(ev.Pod)+" "+string(ev.Node)+"@"+strconv.Itoa(ev.Line))
	}
}

func TestOpenTrace(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csv := write("t.csv", "# c\nat,op,pod,node\n0,add,a,n1\n1.5,del,a,n1\n")
	jsonl := write("t.jsonl", `{"at":0,"op":"add","pod":"a","node":"n1"}`+"\n"+`{"at":1.5,"op":"del","pod":"a","node":"n1"}`+"\n")
	want := []string{"0s add a n1@3", "1.5s del a n1@4"}
	for _, c := range []struct {
		path   string
		format Format
		want   []string
	}{
		{csv, FormatCSV, want},
		{jsonl, FormatJSONL, []string{"0s add a n1@1", "1.5s del a n1@2"}},
	} {
		tr, err := OpenTrace(c.path, TraceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Format != c.format || tr.Name != c.path || tr.Audit != nil || TraceName(tr) != c.path {
			t.Errorf("%s: format %v, name %q, audit %v", c.path, tr.Format, tr.Name, tr.Audit)
		}
		if got := eventsOf(t, tr); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: events %q, want %q", c.path, got, c.want)
		}
		if tr.closer != nil {
			t.Errorf("%s: file left open at io.EOF", c.path)
		}
	}

	// Standard input, only where it can be read.
	tr, err := OpenTrace("-", TraceOptions{Stdin: strings.NewReader("at,op,pod\n0,add,a\n")})
	if err != nil || tr.Name != StdinName || len(eventsOf(t, tr)) != 1 {
		t.Errorf("stdin: %v, name %q", err, tr.Name)
	}

	// An audit log is imported whole, and says what the import did (the
	// fixture has 18 pods: 14 bound in the log, and 4 running before it
	// starts, which are running events, not adds).
	audit := filepath.Join("testdata", "audit", "deployment.jsonl")
	tr, err = OpenTrace(audit, TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Format != FormatK8sAudit || tr.Audit == nil || tr.Audit.PodsAdded != 14 || tr.Audit.AlreadyRunning != 4 {
		t.Errorf("audit: format %v, summary %+v", tr.Format, tr.Audit)
	}

	// Forcing a format skips detection: a CSV file read as JSONL fails on
	// its first line.
	_, err = OpenTrace(csv, TraceOptions{Format: FormatJSONL})
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := OpenTrace(csv, TraceOptions{Format: FormatJSONL})
	if _, err := bad.Next(); err == nil {
		t.Error("a CSV trace read as JSONL gave an event")
	}

	errCases := []struct {
		path string
		opt  TraceOptions
		open bool // want an *OpenError, else a *ParseError
		msg  string
	}{
		{dir, TraceOptions{}, true, dir + ": is a directory, not a trace file"},
		{filepath.Join(dir, "none.csv"), TraceOptions{}, true, "none.csv: no such file or directory"},
		{"-", TraceOptions{}, true, "-: standard input cannot be read here"},
		{"", TraceOptions{}, true, "no trace file given"},
		{write("x.txt", "\n# only a comment\nhello\n"), TraceOptions{}, false, `x.txt:1: cannot tell the trace format: the first line "hello"`},
		{write("empty.csv", ""), TraceOptions{}, false, "empty.csv:1: cannot tell the trace format: no line"},
	}
	for _, c := range errCases {
		_, err := OpenTrace(c.path, c.opt)
		var oe *OpenError
		var pe *ParseError
		if c.open && !errors.As(err, &oe) || !c.open && !errors.As(err, &pe) || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("OpenTrace(%q): %v; want %q", c.path, err, c.msg)
		}
	}
}

// TestLoadTrace: a trace loaded for several replays gives the same events on
// every Open, whether held in memory or re-streamed from its file.
func TestLoadTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("at,op,pod\n0,add,a\n1,add,b\n2,del,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(l int64) { PreloadLimit = l }(PreloadLimit)
	var ref []string
	for _, limit := range []int64{1 << 20, 0} {
		PreloadLimit = limit
		src, err := LoadTrace(path, TraceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if streamed := src.events == nil; streamed != (limit == 0) {
			t.Errorf("limit %d: streamed %v", limit, streamed)
		}
		for range 2 {
			r, err := src.Open()
			if err != nil {
				t.Fatal(err)
			}
			got := eventsOf(t, r)
			if TraceName(r) != path {
				t.Errorf("limit %d: reader names %q", limit, TraceName(r))
			}
			if ref == nil {
				ref = got
			}
			if strings.Join(got, "|") != strings.Join(ref, "|") || len(got) != 3 {
				t.Errorf("limit %d: events %q, want %q", limit, got, ref)
			}
		}
	}
	// A malformed line fails when the trace is held in memory.
	PreloadLimit = 1 << 20
	if err := os.WriteFile(path, []byte("at,op,pod\n0,add,a\n1,oops,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var pe *ParseError
	if _, err := LoadTrace(path, TraceOptions{}); !errors.As(err, &pe) || pe.Line != 3 || pe.File != path {
		t.Errorf("malformed line: %v", err)
	}
	// Standard input is read once, into memory.
	src, err := LoadTrace("-", TraceOptions{Stdin: strings.NewReader("at,op,pod\n0,add,a\n")})
	if err != nil || src.Name != StdinName {
		t.Fatalf("stdin: %v", err)
	}
	for range 2 {
		r, _ := src.Open()
		if n := len(eventsOf(t, r)); n != 1 {
			t.Errorf("stdin replay: %d events", n)
		}
	}
}

// TestWorkloadNamesItsTraces: a scenario's workload says which trace file
// its last event came from, through a merge with a generator.
func TestWorkloadNamesItsTraces(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("at,op,pod\n0.5,add,a1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(`{"at":1.5,"op":"add","pod":"b1"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.scn")
	sc, err := ParseScenario(file, []byte("name: s\nquestion: q?\ninstance-type: m5.large\nworkload: trace a.csv\nworkload: trace b.jsonl\n"+
		"workload: gen deploy --prefix g --replicas 1 --create-rate 0 --start 1s --hold 1m --scale-down-to 0 --delete-rate 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a1": filepath.Join(dir, "a.csv"), "b1": filepath.Join(dir, "b.jsonl"), "g-000000": ""}
	n := 0
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if name, ok := want[string(ev.Pod)]; ok && ev.Op == OpAdd {
			n++
			if got := TraceName(r); got != name {
				t.Errorf("pod %s: trace name %q, want %q", ev.Pod, got, name)
			}
		}
	}
	if n != 3 {
		t.Errorf("saw %d of the 3 adds", n)
	}
}

// TestClusterScenarioRefusesNodeLines: a cluster scenario's node lines would
// be ignored (its groups name their types and max pods), so they are errors.
func TestClusterScenarioRefusesNodeLines(t *testing.T) {
	base := "name: c\nquestion: q?\nsubnet: s 10.0.0.0/24\ngroup: g type=m5.large count=1 subnets=s\nworkload: gen churn --rate 1 --mean-lifetime 1m --duration 1m\n"
	for _, c := range []struct{ line, want string }{
		{"instance-type: c5.large\n", `c.scn:6: field "instance-type": a cluster scenario's groups name their instance types`},
		{"max-pods: 20\n", `c.scn:6: field "max-pods": a cluster scenario's groups set their max pods`},
	} {
		_, err := ParseScenario("c.scn", []byte(base+c.line))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.line, err, c.want)
		}
	}
}

// FuzzTraceFromBytes: any bytes load as a trace or fail with a *ParseError
// (never a panic); a loaded trace replays the same events twice.
func FuzzTraceFromBytes(f *testing.F) {
	for _, s := range []string{
		"at,op,pod\n0,add,a\n1,del,a\n",
		"at,op,pod,node\n0,add,a,n1\n",
		`{"at":0,"op":"add","pod":"a"}` + "\n",
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create"}` + "\n",
		"\ufeff# c\n\nat ,op,pod\n",
		"", "hello", "{", "at", "at,\n\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := TraceFromBytes("fuzz", data, TraceOptions{})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		var runs [2]string
		for i := range runs {
			r, err := src.Open()
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = strings.Join(eventsOf(t, r), "|")
		}
		if runs[0] != runs[1] {
			t.Fatalf("two replays differ:\n%s\n%s", runs[0], runs[1])
		}
	})
}
