package scenarios

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestAppendSeconds(t *testing.T) {
	tests := []struct {
		t    sim.Time
		want string
	}{
		{0, "0"},
		{1, "0.000000001"},
		{12 * sim.Second, "12"},
		{12*sim.Second + 500*sim.Millisecond, "12.5"},
		{100 * sim.Millisecond, "0.1"},
		{123_456_789_012, "123.456789012"},
		{10 * sim.Microsecond, "0.00001"},
		{math.MaxInt64, "9223372036.854775807"},
		{-1500 * sim.Millisecond, "-1.5"},
		{math.MinInt64, "-9223372036.854775808"},
	}
	for _, tt := range tests {
		if got := formatSeconds(tt.t); got != tt.want {
			t.Errorf("formatSeconds(%d) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, false)
	if buf.Len() != 0 {
		t.Fatal("header written before the first event")
	}
	for _, e := range []Event{
		{At: 0, Op: OpAdd, Pod: []byte("a")},
		{At: 12*sim.Second + 500*sim.Millisecond, Op: OpAdd, Pod: []byte("b")},
		{At: 12*sim.Second + 500*sim.Millisecond + 1, Op: OpDel, Pod: []byte("a")},
	} {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "at,op,pod\n0,add,a\n12.5,add,b\n12.500000001,del,a\n"
	if buf.String() != want {
		t.Errorf("wrote %q\nwant  %q", buf.String(), want)
	}
}

func TestCSVWriterEmpty(t *testing.T) {
	for _, withNode := range []bool{false, true} {
		var buf bytes.Buffer
		w := NewCSVWriter(&buf, withNode)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: "at,op,pod\n", true: "at,op,pod,node\n"}[withNode]
		if buf.String() != want {
			t.Errorf("withNode=%v: empty trace %q, want %q", withNode, buf.String(), want)
		}
		got, err := readAllEvents(NewCSVReader(&buf, "t"))
		if err != nil || len(got) != 0 {
			t.Errorf("reading it back: %v, %v", got, err)
		}
	}
}

func TestCSVWriterRefuses(t *testing.T) {
	good := Event{At: 5 * sim.Second, Op: OpAdd, Pod: []byte("a")}
	tests := []struct {
		name     string
		withNode bool
		rowEv    Event
		msg      string
	}{
		{"no op", false, Event{At: 5 * sim.Second, Pod: []byte("b")}, "Op(0) is not an op"},
		{"negative", false, Event{At: -1, Op: OpAdd, Pod: []byte("b")}, "time -0.000000001 is negative"},
		{"decreasing", false, Event{At: 4 * sim.Second, Op: OpAdd, Pod: []byte("b")}, "time 4 is before the previous event's 5"},
		{"empty pod", false, Event{At: 6 * sim.Second, Op: OpAdd}, `pod "" is empty`},
		{"pod with space", false, Event{At: 6 * sim.Second, Op: OpAdd, Pod: []byte("a b")}, "contains a space"},
		{"pod with comma", false, Event{At: 6 * sim.Second, Op: OpAdd, Pod: []byte("a,b")}, "contains a comma"},
		{"pod with newline", false, Event{At: 6 * sim.Second, Op: OpAdd, Pod: []byte("a\nb")}, "control character"},
		{"node with comma", true, Event{At: 6 * sim.Second, Op: OpAdd, Pod: []byte("b"), Node: []byte("n,1")}, "contains a comma"},
		{"node without column", false, Event{At: 6 * sim.Second, Op: OpAdd, Pod: []byte("b"), Node: []byte("n1")}, "no node column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewCSVWriter(&buf, tt.withNode)
			if err := w.Write(good); err != nil {
				t.Fatal(err)
			}
			err := w.Write(tt.rowEv)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "event 2") {
				t.Fatalf("Write = %v, want an error containing %q", err, tt.msg)
			}
			// The refused event is not written and the writer goes on.
			if err := w.Write(Event{At: 7 * sim.Second, Op: OpDel, Pod: []byte("a")}); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			got, err := readAllEvents(NewCSVReader(&buf, "t"))
			if err != nil || len(got) != 2 {
				t.Fatalf("read back %v, %v; want 2 events", got, err)
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestCSVWriterIOError(t *testing.T) {
	w := NewCSVWriter(&failWriter{n: 100}, false)
	var err error
	for i := 0; err == nil && i < 10_000; i++ {
		err = w.Write(Event{At: sim.Time(i), Op: OpAdd, Pod: []byte("pod-" + strconv.Itoa(i))})
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want disk full", err)
	}
}

// randomTrace returns n random valid events.
func randomCSVTrace(rng *rand.Rand, n int, withNode bool) []Event {
	var evs []Event
	var at sim.Time
	for i := range n {
		switch rng.IntN(4) {
		case 0: // same time
		case 1:
			at += sim.Time(rng.IntN(10)) // nanoseconds
		case 2:
			at += sim.Time(rng.Int64N(int64(10 * sim.Second)))
		case 3:
			at += sim.Time(rng.IntN(100)) * sim.Second
		}
		e := Event{At: at, Op: Op(1 + rng.IntN(2)), Pod: []byte("pod-" + strconv.Itoa(rng.IntN(n)))}
		if withNode && rng.IntN(5) > 0 {
			e.Node = []byte("ip-10-0-" + strconv.Itoa(i%4) + "-1.ec2.internal")
		}
		evs = append(evs, e)
	}
	return evs
}

func TestCSVRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, withNode := range []bool{false, true} {
		for _, n := range []int{0, 1, 2, 10, 1000} {
			evs := randomCSVTrace(rng, n, withNode)
			if n == 1000 {
				evs[999].At = MaxTraceTime
			}
			var buf bytes.Buffer
			w := NewCSVWriter(&buf, withNode)
			for _, e := range evs {
				if err := w.Write(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			r := NewCSVReader(&buf, "rt.csv")
			got, err := readAllEvents(r)
			if err != nil {
				t.Fatalf("withNode=%v n=%d: %v", withNode, n, err)
			}
			if r.HasNode() != withNode {
				t.Errorf("HasNode = %v", r.HasNode())
			}
			want := make([]rowEv, len(evs))
			for i, e := range evs {
				want[i] = toRowEv(e)
				want[i].Line = i + 2
			}
			if !equalEvs(got, want) {
				t.Errorf("withNode=%v n=%d: round trip differs", withNode, n)
			}
		}
	}
}

func TestCSVWriterAllocs(t *testing.T) {
	w := NewCSVWriter(discardWriter{}, true)
	e := Event{At: 123_456_000_000, Op: OpAdd, Pod: []byte("pod-12345"), Node: []byte("n1")}
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

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
