package scenarios

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzReadAudit checks that ReadAudit never panics, that its errors are
// *ParseErrors on a line of the input, and that the traces it returns are
// sound: in time order, names unique among live pods, every del of a live
// pod, counts that match, and writable as a CSV trace that reads back.
func FuzzReadAudit(f *testing.F) {
	for _, name := range []string{"small.jsonl", "deployment.jsonl", "deployment-cloudwatch.jsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", "audit", name))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		f.Add(strings.Join(lines[:min(len(lines), 40)], "\n"), true, int64(-1))
		// Single pod lines, each a seed of its own.
		for i, l := range lines {
			if strings.Contains(l, `"pods"`) && i%9 == 0 {
				f.Add(l, i%2 == 0, int64(i%3-1))
			}
		}
	}
	for _, s := range []string{
		"",
		"\n\n",
		"{}",
		"[]",
		`{"verb":"get"}`,
		`{"@message":"{}"}`,
		`{"message":"{\"verb\":\"delete\",\"objectRef\":{\"resource\":\"pods\",\"name\":\"p\"},\"requestReceivedTimestamp\":\"2024-01-01T00:00:00Z\"}"}`,
		auditBind("s", "a", "u1", "n1", "00:00Z") + auditDel("s", "a", "u1", 5, "00:01Z") + auditBind("s", "a", "u2", "n2", "00:02Z"),
		auditLine("deletecollection", "s", "", "", 200, "00:02Z", `{"gracePeriodSeconds":-3}`, `{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"a"}}]}`),
		auditLine("delete", "s", "p", "", 200, "00:05Z", `{"gracePeriodSeconds":9223372036854775807}`, `{"kind":"Pod","spec":{"nodeName":"n"}}`),
		auditLine("delete", "s", "p", "", 200, "00:05Z", `{"gracePeriodSeconds":3153600000}`, `{"kind":"Pod","spec":{"nodeName":"n"}}`),
		auditLine("delete", "s", "p", "", 200, "00:05Z", `{"gracePeriodSeconds":1000000000000}`, `{"kind":"Pod","spec":{"nodeName":"n"}}`),
		auditLine("create", "s", "p", "", 201, "00:00Z", "", `{"kind":"Pod","spec":{"nodeName":"n1","containers":[{"resources":{"requests":{"cpu":"250m","memory":"64Mi"}}},{"resources":{"limits":{"cpu":1,"memory":"1e9"}}}],"initContainers":[{"restartPolicy":"Always","resources":{"requests":{"cpu":"100m"}}},{"resources":{"requests":{"cpu":"2","memory":"-1"}}}],"overhead":{"cpu":"10m"}}}`) +
			auditBind("s", "p", "", "n1", "00:01Z"),
		auditLine("create", "s", "p", "", 201, "00:00Z", "", `{"kind":"Pod","spec":{"containers":[{"resources":{"requests":{"cpu":"x"}}}],"resources":{"requests":{"memory":"1Gi"}}}}`),
		auditBind("s", "a", "u", "n", "00:00Z") + strings.Replace(auditBind("s", "b", "u", "n", "00:00Z"), "2024-01-01", "2124-01-02", 1),
	} {
		f.Add(s, true, int64(-1))
	}
	f.Fuzz(func(t *testing.T, input string, assumeRunning bool, graceSec int64) {
		opts := AuditOptions{AssumeRunning: assumeRunning}
		if graceSec >= 0 {
			g := time.Duration(graceSec%1000) * time.Second
			opts.GracePeriod = &g
		}
		r, sum, err := ReadAudit(strings.NewReader(input), "fuzz.jsonl", opts)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.Line <= 0 || pe.Line > strings.Count(input, "\n")+1 {
				t.Fatalf("error on line %d of a %d-line input: %v", pe.Line, strings.Count(input, "\n")+1, err)
			}
			if pe.File != "fuzz.jsonl" || pe.Msg == "" {
				t.Fatalf("error %+v", pe)
			}
			return
		}
		live := map[string]bool{}
		adds, dels, running := 0, 0, 0
		var prev Event
		var csv bytes.Buffer
		w := NewCSVWriterColumns(&csv, Columns{Node: true, CPU: true, Memory: true})
		for i := 0; ; i++ {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if ev.At < 0 || (i > 0 && ev.At < prev.At) {
				t.Fatalf("event %d at %v after %v", i, ev.At, prev.At)
			}
			if ev.Line <= 0 {
				t.Fatalf("event %d has line %d", i, ev.Line)
			}
			pod := string(ev.Pod)
			switch ev.Op {
			case OpAdd, OpRunning:
				if live[pod] {
					t.Fatalf("event %d adds %q, which is live", i, pod)
				}
				live[pod] = true
				if ev.Op == OpRunning {
					if ev.At != 0 || adds+dels > 0 {
						t.Fatalf("event %d: running at %v after %d adds and dels", i, ev.At, adds+dels)
					}
					running++
				} else {
					adds++
				}
			case OpDel:
				if !live[pod] {
					t.Fatalf("event %d deletes %q, which is not live", i, pod)
				}
				delete(live, pod)
				dels++
			default:
				t.Fatalf("event %d has op %v", i, ev.Op)
			}
			if err := w.Write(ev); err != nil {
				t.Fatalf("CSV writer refuses event %d: %v", i, err)
			}
			prev = ev
		}
		if adds != sum.PodsAdded || dels != sum.PodsDeleted || running != sum.AlreadyRunning {
			t.Fatalf("trace has %d adds, %d dels, %d running; summary %+v", adds, dels, running, sum)
		}
		if !assumeRunning && sum.AlreadyRunning != 0 {
			t.Fatalf("summary %+v", sum)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		cr := NewCSVReader(&csv, "out.csv")
		for n := 0; ; n++ {
			if _, err := cr.Next(); err == io.EOF {
				if n != adds+dels+running {
					t.Fatalf("CSV reads back %d events, want %d", n, adds+dels+running)
				}
				break
			} else if err != nil {
				t.Fatalf("CSV does not read back: %v\n%s", err, csv.String())
			}
		}
	})
}
