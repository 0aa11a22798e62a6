package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

var fuzzSeedsCSV = []string{
	"at,op,pod\n0,add,a\n1.5,del,a\n",
	"at,op,pod,node\r\n0,add,a,n1\r\n0,add,b,\r\n",
	"\xef\xbb\xbf# c\n\nat,op,pod\n 1 , add , a \n",
	"at,op,pod\n9223372036.854775807,add,a\n",
	"at,op,pod\n9223372036.854775808,add,a\n",
	"at,op,pod\n1e3,add,a\n",
	"at,op,pod\n-1,add,a\n",
	"at,op,pod\n0.0000000001,add,a\n",
	"at,op,pod\n2,add,a\n1,add,b\n",
	"at,op,pod\n1,ADD,a\n",
	"at,op,pod\n1,add,a b\n",
	"at,op,pod\n1,add\n",
	"at,op\n",
	"",
	"\r\n\r",
	"at,op,pod\n0,running,a\n0,running,b\n0,add,c\n5,del,a\n",
	"at,op,pod\n0,add,a\n0,running,b\n",
	"at,op,pod\n1,running,a\n",
	"at,op,pod,cpu,memory\n0,running,a,500m,1Gi\n1,add,b,0.25,128974848\n2,del,a,,\n",
	"at,op,pod,memory,node,cpu\n1,add,a,1e9,n1,2\n",
	"at,op,pod,cpu\n1,del,a,1\n",
	"at,op,pod,cpu\n1,add,a,-1\n",
	"at,op,pod,cpu,cpu\n",
	"at,op,pod,zone\n",
	"at,op,pod\n1,add,\"web\n",
	"at,op,pod\n3153600000,add,a\n3153600000.000000001,add,b\n",
}

// checkStream reads r to the end and checks what every reader promises:
// no panic, every error a *ParseError with a line, accepted events in
// non-decreasing time order with a known op and a pod name. It returns copies
// of the events.
func checkStream(t *testing.T, r Reader) []rowEv {
	var evs []rowEv
	prev := sim.Time(0)
	started := false
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, not a *ParseError", err, err)
			}
			if pe.Line <= 0 {
				t.Fatalf("error %v has line %d", err, pe.Line)
			}
			if _, err2 := r.Next(); err2 != err {
				t.Fatalf("error is not sticky: %v then %v", err, err2)
			}
			return evs
		}
		if e.At < prev {
			t.Fatalf("event %d at %d, before the previous %d", i, e.At, prev)
		}
		prev = e.At
		if e.At > MaxTraceTime {
			t.Fatalf("event %d at %d, after MaxTraceTime", i, e.At)
		}
		switch e.Op {
		case OpAdd:
			started = true
		case OpDel:
			started = true
			if e.CPUMilli != 0 || e.MemoryBytes != 0 {
				t.Fatalf("event %d: a del with resources", i)
			}
		case OpRunning:
			if started || e.At != 0 {
				t.Fatalf("event %d: running at %d after an add or del", i, e.At)
			}
		default:
			t.Fatalf("event %d has op %v", i, e.Op)
		}
		if e.CPUMilli < 0 || e.CPUMilli > MaxCPUMilli || e.MemoryBytes < 0 || e.MemoryBytes > MaxMemoryBytes {
			t.Fatalf("event %d: resources %d, %d out of range", i, e.CPUMilli, e.MemoryBytes)
		}
		if len(e.Pod) == 0 || e.Line <= 0 {
			t.Fatalf("event %d: pod %q line %d", i, e.Pod, e.Line)
		}
		evs = append(evs, toRowEv(e))
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range fuzzSeedsCSV {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewCSVReader(bytes.NewReader(data), "fuzz.csv")
		evs := checkStream(t, r)
		// What was accepted writes out and reads back the same.
		var buf bytes.Buffer
		w := NewCSVWriterColumns(&buf, r.Columns())
		for _, e := range evs {
			if err := w.Write(fromRowEv(e)); err != nil {
				t.Fatalf("writing back %v: %v", e, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := readAllEvents(NewCSVReader(&buf, "back.csv"))
		if err != nil {
			t.Fatalf("reading back: %v\n%s", err, buf.Bytes())
		}
		if len(back) != len(evs) {
			t.Fatalf("read back %d events, want %d", len(back), len(evs))
		}
		for i := range back {
			back[i].Line = evs[i].Line
			if back[i] != evs[i] {
				t.Fatalf("event %d read back as %v, want %v", i, back[i], evs[i])
			}
		}
	})
}

func FuzzJSONLReader(f *testing.F) {
	for _, s := range []string{
		`{"at":0,"op":"add","pod":"a"}` + "\n" + `{"at":1.5,"op":"del","pod":"a","node":"n1"}`,
		`{"at":"2","op":"add","pod":"a","node":null}`,
		`{"at":1e-9,"op":"add","pod":"a"}`,
		`{"at":1e-10,"op":"add","pod":"a"}`,
		`{"at":9223372036.854775808,"op":"add","pod":"a"}`,
		`{"at":1,"op":"add","pod":"a","x":1}`,
		`{"at":1,"op":"add","pod":"a","pod":"b"}`,
		`{"at":1,"op":"add"}`,
		`{"at":2,"op":"add","pod":"a"}` + "\n" + `{"at":1,"op":"add","pod":"b"}`,
		`{"at":true,"op":"add","pod":"a"}`,
		`[1]`,
		`{"at":1,`,
		"\xef\xbb\xbf# c\r\n\r\n{\"at\":1,\"op\":\"add\",\"pod\":\"p\\u00f6d\"}\r\n",
		`{"at":0,"op":"running","pod":"a","cpu":"500m","memory":"1Gi"}` + "\n" + `{"at":1,"op":"add","pod":"b","cpu":0.5,"memory":1e9}`,
		`{"at":0,"op":"add","pod":"a"}` + "\n" + `{"at":0,"op":"running","pod":"b"}`,
		`{"at":2,"op":"running","pod":"a"}`,
		`{"at":1,"op":"del","pod":"a","cpu":"1"}`,
		`{"at":1,"op":"add","pod":"a","cpu":true}`,
		`{"at":1,"op":"add","pod":"a","memory":"-1Gi","cpu":null}`,
		`{"at":1,"op":"add","pod":"a","cpu":""}`,
		`{"at":1,"op":"add","pod":"a\"b"}`,
		`{"at":1,"op":"add","pod":"a,b"}`,
		`{"at":1,"op":"add","pod":"a\\b","node":"n\u00e9"}`,
		`{"at":3153600000.000000001,"op":"add","pod":"a"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs := checkStream(t, NewJSONLReader(bytes.NewReader(data), "fuzz.jsonl"))
		// What was accepted writes out and reads back the same, unless a
		// name is not valid UTF-8 (which a JSON string cannot hold; the
		// reader decodes it as U+FFFD, so this cannot happen).
		var buf bytes.Buffer
		w := NewJSONLWriter(&buf)
		for _, e := range evs {
			if err := w.Write(fromRowEv(e)); err != nil {
				t.Fatalf("writing back %v: %v", e, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back, err := readAllEvents(NewJSONLReader(&buf, "back.jsonl"))
		if err != nil {
			t.Fatalf("reading back: %v\n%s", err, buf.Bytes())
		}
		if len(back) != len(evs) {
			t.Fatalf("read back %d events, want %d", len(back), len(evs))
		}
		for i := range back {
			back[i].Line = evs[i].Line
			if back[i] != evs[i] {
				t.Fatalf("event %d read back as %v, want %v", i, back[i], evs[i])
			}
		}
		// The scanning reader agrees with the reference over encoding/json's
		// Decoder: the same events, then the same error.
		r, slow := NewJSONLReader(bytes.NewReader(data), "fuzz.jsonl"), newSlowJSONLReader(bytes.NewReader(data), "fuzz.jsonl")
		for i := 0; ; i++ {
			e1, err1 := r.Next()
			e2, err2 := slow.Next()
			if toRowEv(e1) != toRowEv(e2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("event %d: got %v, %v\nreference %v, %v", i, toRowEv(e1), err1, toRowEv(e2), err2)
			}
			if err1 != nil {
				break
			}
		}
	})
}

// fromRowEv returns e as an Event.
func fromRowEv(e rowEv) Event {
	return Event{At: e.At, Op: e.Op, Pod: []byte(e.Pod), Node: []byte(e.Node), Line: e.Line, CPUMilli: e.CPU, MemoryBytes: e.Mem}
}

var decimalRE = regexp.MustCompile(`^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

// slowSeconds is the reference for parseSeconds: a regular expression for the
// syntax and exact rational arithmetic with math/big for the value.
func slowSeconds(s string, allowExp bool) (sim.Time, bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil || m[1]+m[2] == "" {
		return 0, false
	}
	intPart, frac, exp := m[1], m[2], m[3]
	// Without allowExp (CSV), no exponent and at most 9 fractional digits;
	// with it (JSON), any value that is a whole number of nanoseconds.
	if !allowExp && (exp != "" || len(frac) > 9) {
		return 0, false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, true // zero, whatever the exponent
	}
	// value = digits × 10^(exp - len(frac)) seconds = digits × 10^shift ns
	shift := big.NewInt(int64(9 - len(frac)))
	if exp != "" {
		e, ok := new(big.Int).SetString(exp, 10)
		if !ok {
			return 0, false
		}
		shift.Add(shift, e)
	}
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		shift.Add(shift, big.NewInt(1))
	}
	if shift.Sign() < 0 {
		return 0, false // not a whole number of nanoseconds
	}
	if shift.Cmp(big.NewInt(19)) > 0 {
		return 0, false // at least 10^19 ns
	}
	d, _ := new(big.Int).SetString(digits, 10)
	d.Mul(d, new(big.Int).Exp(big.NewInt(10), shift, nil))
	if d.Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return 0, false
	}
	return sim.Time(d.Int64()), true
}

func FuzzParseSeconds(f *testing.F) {
	for _, s := range []string{"0", "12.5", ".5", "5.", "0.000000001", "9223372036.854775807",
		"9223372036.854775808", "1e3", "1.5e-9", "1e-9", "0e99999999", "00.10", "1.0000000000"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, allowExp bool) {
		got, terr := parseSeconds([]byte(s), allowExp)
		want, ok := slowSeconds(s, allowExp)
		if (terr == timeOK) != ok || got != want {
			t.Fatalf("parseSeconds(%q, %v) = %d, %d; reference %d, %v", s, allowExp, got, terr, want, ok)
		}
		if ok {
			// The shortest form reads back exactly.
			back, terr := parseSeconds(got.AppendSeconds(nil), false)
			if terr != timeOK || back != got {
				t.Fatalf("%q formats as %q which reads as %d, %d", s, formatSeconds(got), back, terr)
			}
		}
	})
}

func FuzzJSONStringContent(f *testing.F) {
	for _, s := range []string{`""`, `"web-1"`, `"p\u00f6d"`, `"a\"b"`, `"\\"`, "\"\xff\"", `"\ud800"`, `"é"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		raw = bytes.TrimRight(raw, " \t\r\n") // Unmarshal allows trailing space
		var want string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &want) != nil {
			return // not a JSON string
		}
		if got := jsonStringContent(raw); string(got) != want {
			t.Fatalf("jsonStringContent(%q) = %q, want %q", raw, got, want)
		}
		// jsonValueEnd finds its end, also inside a longer line.
		line := append(append([]byte{}, raw...), `, "x"`...)
		if end := jsonValueEnd(line, 0); end != len(raw) {
			t.Fatalf("jsonValueEnd(%q) = %d, want %d", line, end, len(raw))
		}
	})
}
