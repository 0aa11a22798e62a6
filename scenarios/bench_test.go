package scenarios

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// csvTrace returns a CSV trace of n typical events: "123.456,add,pod-12345".
func csvTrace(n int) []byte {
	b := make([]byte, 0, 32*n)
	b = append(b, "at,op,pod\n"...)
	for i := range n {
		b = (sim.Time(i)*1_000_000 + 123_456_000_000).AppendSeconds(b)
		if i%2 == 0 {
			b = append(b, ",add,pod-"...)
		} else {
			b = append(b, ",del,pod-"...)
		}
		b = strconv.AppendInt(b, int64(10000+i/2%90000), 10)
		b = append(b, '\n')
	}
	return b
}

func jsonlTrace(n int) []byte {
	b := make([]byte, 0, 64*n)
	for i := range n {
		b = append(b, `{"at":`...)
		b = (sim.Time(i)*1_000_000 + 123_456_000_000).AppendSeconds(b)
		b = append(b, `,"op":"add","pod":"pod-`...)
		b = strconv.AppendInt(b, int64(10000+i%90000), 10)
		b = append(b, "\"}\n"...)
	}
	return b
}

// benchReader reads b.N events from data, starting over at the end.
func benchReader(b *testing.B, data []byte, r interface {
	Reader
	Reset(io.Reader, string)
}) {
	src := bytes.NewReader(data)
	r.Reset(src, "bench")
	b.SetBytes(int64(len(data)) / int64(bytes.Count(data, []byte("\n"))))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := r.Next()
		if err == io.EOF {
			src.Reset(data)
			r.Reset(src, "bench")
			_, err = r.Next()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkCSVReader(b *testing.B) {
	benchReader(b, csvTrace(1_000_000), NewCSVReader(nil, ""))
}

func BenchmarkJSONLReader(b *testing.B) {
	benchReader(b, jsonlTrace(100_000), NewJSONLReader(nil, ""))
}

func BenchmarkCSVWriter(b *testing.B) {
	w := NewCSVWriter(io.Discard, false)
	e := Event{At: 123_456_000_000, Op: OpAdd, Pod: []byte("pod-12345")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.At += sim.Millisecond
		if err := w.Write(e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestCSVReaderAllocs(t *testing.T) {
	data := csvTrace(10_000)
	r := NewCSVReader(bytes.NewReader(data), "t.csv")
	allocs := testing.AllocsPerRun(5000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event", allocs)
	}
}

func TestJSONLReaderAllocs(t *testing.T) {
	data := jsonlTrace(10_000)
	r := NewJSONLReader(bytes.NewReader(data), "t.jsonl")
	allocs := testing.AllocsPerRun(5000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event", allocs)
	}
}

// BenchmarkChurnGenerator draws churn events with about 100,000 pods live
// (290 arrivals/s living 345 s on average: BenchmarkClusterDay's load at
// 5,000 nodes), where the generator's queue of scheduled deletes is large
// enough to miss the cache (issue 16).
func BenchmarkChurnGenerator(b *testing.B) {
	p := DefaultChurnParams()
	p.Rate = 290
	p.MeanLifetime = 345 * sim.Second
	p.StartPods = 100_000
	p.Duration = sim.Seconds(1e6)
	c, err := NewChurn(p, 1)
	if err != nil {
		b.Fatal(err)
	}
	for range 200_000 { // past the start pods, into steady state
		if _, err := c.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
