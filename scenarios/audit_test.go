package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/sim"
)

var auditUpdate = flag.Bool("audit.update", false, "rewrite testdata/audit fixtures and golden files")

// auditRow is a trace event with its names copied.
type auditRow struct {
	At   sim.Time
	Op   Op
	Pod  string
	Node string
	Line int
}

func (r auditRow) String() string {
	return fmt.Sprintf("%s,%v,%s,%s (line %d)", formatSeconds(r.At), r.Op, r.Pod, r.Node, r.Line)
}

// auditSecs is s seconds as a sim.Time, exactly for the decimals the tests use.
func auditSecs(s float64) sim.Time { return sim.Time(math.Round(s * 1e9)) }

func auditDrain(t testing.TB, r Reader) []auditRow {
	t.Helper()
	var rows []auditRow
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, auditRow{ev.At, ev.Op, string(ev.Pod), string(ev.Node), ev.Line})
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after EOF: %v, want io.EOF again", err)
	}
	return rows
}

func auditRead(t testing.TB, input string, opts AuditOptions) ([]auditRow, ImportSummary) {
	t.Helper()
	r, sum, err := ReadAudit(strings.NewReader(input), "test.jsonl", opts)
	if err != nil {
		t.Fatalf("ReadAudit: %v", err)
	}
	return auditDrain(t, r), sum
}

func auditReadFile(t testing.TB, name string, opts AuditOptions) ([]auditRow, ImportSummary) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "audit", name))
	if err != nil {
		t.Fatal(err)
	}
	return auditRead(t, string(b), opts)
}

// auditFind returns the events of pod.
func auditFind(rows []auditRow, pod string) []auditRow {
	var out []auditRow
	for _, r := range rows {
		if r.Pod == pod {
			out = append(out, r)
		}
	}
	return out
}

// auditWant checks that pod has exactly the events want (Line ignored when 0).
func auditWant(t *testing.T, rows []auditRow, pod string, want ...auditRow) {
	t.Helper()
	got := auditFind(rows, pod)
	if len(got) != len(want) {
		t.Fatalf("%s: got events %v, want %v", pod, got, want)
	}
	for i := range want {
		w := want[i]
		w.Pod = pod
		if w.Line == 0 {
			w.Line = got[i].Line
		}
		if got[i] != w {
			t.Errorf("%s: event %d is %v, want %v", pod, i, got[i], w)
		}
	}
}

// TestAuditSmallTrace checks the whole trace of the small fixture against
// the events derived by hand from its 28 lines (the log starts at
// 09:00:00.000000, line 1's requestReceivedTimestamp).
func TestAuditSmallTrace(t *testing.T) {
	rows, sum := auditReadFile(t, "small.jsonl", DefaultAuditOptions())
	want := []auditRow{
		{0, OpRunning, "kube-system/coredns-abc", "node-c", 10},         // running before the log: status patch names node-c
		{0, OpRunning, "shop/old-1", "node-a", 15},                      // running before the log: first seen in its delete
		{auditSecs(2.25), OpAdd, "shop/web-1", "node-a", 4},             // binding's stageTimestamp, not its 2.0 receipt
		{auditSecs(3.5), OpAdd, "shop/web-2", "node-b", 7},              // binding with stageTimestamp only; 409 on line 6 ignored
		{auditSecs(9), OpAdd, "shop/web-4", "node-c", 25},               // logged out of order, replayed in time order
		{auditSecs(15), OpDel, "shop/web-1", "node-a", 11},              // 10 + request gracePeriodSeconds 5
		{auditSecs(22), OpAdd, "batch/job-1", "node-b", 17},             // no binding: first status update naming spec.nodeName
		{auditSecs(30), OpDel, "batch/job-1", "node-b", 20},             // stageless event, grace 0; the 403 at 26 ignored
		{auditSecs(31), OpAdd, "db/db-0", "node-a", 21},                 // bound, create not in the log
		{auditSecs(34), OpAdd, "db/db-0#2", "node-b", 24},               // re-created (new uid) while db-0 terminates
		{auditSecs(35), OpDel, "kube-system/coredns-abc", "node-c", 18}, // eviction at 25 + spec grace 10 seen on line 10
		{auditSecs(50), OpDel, "shop/old-1", "node-a", 15},              // 20 + default 30
		{auditSecs(52), OpDel, "db/db-0", "node-a", 22},                 // 32 + deletionGracePeriodSeconds 20 (spec says 60)
		{auditSecs(56), OpDel, "shop/web-2", "node-b", 12},              // 11 + spec terminationGracePeriodSeconds 45
	}
	if !slices.Equal(rows, want) {
		t.Errorf("trace:\n%s\nwant:\n%s", auditRowsString(rows), auditRowsString(want))
	}
	wantSum := ImportSummary{
		Lines:             28, // line 26 is blank
		Events:            27,
		PodsAdded:         6,
		PodsDeleted:       6,
		AlreadyRunning:    2, // coredns-abc, old-1: running events, not adds
		UnknownDeletes:    1, // default/unknown-pod
		FailedRequests:    3, // 409 binding, 403 delete, 403 binding
		DuplicateBindings: 1, // web-2 bound again to node-c
		Ignored:           9, // lease, 4 pod creates, RequestReceived, status of a bound pod, kubelet's final delete, metrics.k8s.io
		WithSpec:          1, // shop/web-1: its create (line 2) carries the spec
	}
	if sum != wantSum {
		t.Errorf("summary %+v\nwant    %+v", sum, wantSum)
	}
}

func auditRowsString(rows []auditRow) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

// TestAuditCases asserts each rule of the import separately on the small
// fixture.
func TestAuditCases(t *testing.T) {
	rows, sum := auditReadFile(t, "small.jsonl", DefaultAuditOptions())

	t.Run("binding time is stageTimestamp", func(t *testing.T) {
		auditWant(t, rows, "shop/web-1", auditRow{At: auditSecs(2.25), Op: OpAdd, Node: "node-a", Line: 4}, auditRow{At: auditSecs(15), Op: OpDel, Node: "node-a"})
	})
	t.Run("RequestReceived stage not counted", func(t *testing.T) {
		if n := len(auditFind(rows, "shop/web-1")); n != 2 {
			t.Errorf("web-1 has %d events, want 2 (one add, one del)", n)
		}
	})
	t.Run("grace from request", func(t *testing.T) {
		auditWant(t, rows, "shop/web-1", auditRow{At: auditSecs(2.25), Op: OpAdd, Node: "node-a"}, auditRow{At: auditSecs(10 + 5), Op: OpDel, Node: "node-a", Line: 11})
	})
	t.Run("grace from response deletionGracePeriodSeconds", func(t *testing.T) {
		auditWant(t, rows, "db/db-0", auditRow{At: auditSecs(31), Op: OpAdd, Node: "node-a"}, auditRow{At: auditSecs(32 + 20), Op: OpDel, Node: "node-a", Line: 22})
	})
	t.Run("grace from response spec", func(t *testing.T) {
		auditWant(t, rows, "shop/web-2", auditRow{At: auditSecs(3.5), Op: OpAdd, Node: "node-b"}, auditRow{At: auditSecs(11 + 45), Op: OpDel, Node: "node-b", Line: 12})
	})
	t.Run("grace from spec seen before (eviction)", func(t *testing.T) {
		auditWant(t, rows, "kube-system/coredns-abc", auditRow{At: 0, Op: OpRunning, Node: "node-c"}, auditRow{At: auditSecs(25 + 10), Op: OpDel, Node: "node-c", Line: 18})
	})
	t.Run("grace default 30s", func(t *testing.T) {
		auditWant(t, rows, "shop/old-1", auditRow{At: 0, Op: OpRunning, Node: "node-a"}, auditRow{At: auditSecs(20 + 30), Op: OpDel, Node: "node-a"})
	})
	t.Run("grace override", func(t *testing.T) {
		g := 7 * time.Second
		rows, _ := auditReadFile(t, "small.jsonl", AuditOptions{GracePeriod: &g, AssumeRunning: true})
		for pod, at := range map[string]float64{
			"shop/web-1": 10, "shop/web-2": 11, "db/db-0": 32, "kube-system/coredns-abc": 25, "shop/old-1": 20, "batch/job-1": 30,
		} {
			ev := auditFind(rows, pod)
			if len(ev) != 2 || ev[1].Op != OpDel || ev[1].At != auditSecs(at+7) {
				t.Errorf("%s: %v, want a del at %v+7s", pod, ev, at)
			}
		}
		zero := time.Duration(0)
		rows, _ = auditReadFile(t, "small.jsonl", AuditOptions{GracePeriod: &zero})
		auditWant(t, rows, "shop/web-2", auditRow{At: auditSecs(3.5), Op: OpAdd, Node: "node-b"}, auditRow{At: auditSecs(11), Op: OpDel, Node: "node-b"})
	})
	t.Run("pod without binding added at status update", func(t *testing.T) {
		auditWant(t, rows, "batch/job-1", auditRow{At: auditSecs(22), Op: OpAdd, Node: "node-b", Line: 17}, auditRow{At: auditSecs(30), Op: OpDel, Node: "node-b", Line: 20})
	})
	t.Run("already running", func(t *testing.T) {
		if sum.AlreadyRunning != 2 {
			t.Errorf("AlreadyRunning = %d, want 2", sum.AlreadyRunning)
		}
		auditWant(t, rows, "kube-system/coredns-abc", auditRow{At: 0, Op: OpRunning, Node: "node-c", Line: 10}, auditRow{At: auditSecs(35), Op: OpDel, Node: "node-c"})
		auditWant(t, rows, "shop/old-1", auditRow{At: 0, Op: OpRunning, Node: "node-a", Line: 15}, auditRow{At: auditSecs(50), Op: OpDel, Node: "node-a", Line: 15})
		// Running events come first, before the adds at 0 or later.
		if rows[0].Op != OpRunning || rows[1].Op != OpRunning || rows[2].Op == OpRunning {
			t.Errorf("running events are not first:\n%s", auditRowsString(rows))
		}
	})
	t.Run("assume running off", func(t *testing.T) {
		rows, sum := auditReadFile(t, "small.jsonl", AuditOptions{})
		if len(auditFind(rows, "kube-system/coredns-abc")) != 0 || len(auditFind(rows, "shop/old-1")) != 0 {
			t.Errorf("pods running before the log are in the trace:\n%s", auditRowsString(rows))
		}
		want := ImportSummary{Lines: 28, Events: 27, PodsAdded: 6, PodsDeleted: 4, UnknownDeletes: 3,
			FailedRequests: 3, DuplicateBindings: 1, Ignored: 10, WithSpec: 1}
		if sum != want {
			t.Errorf("summary %+v\nwant    %+v", sum, want)
		}
	})
	t.Run("unknown delete skipped", func(t *testing.T) {
		if sum.UnknownDeletes != 1 {
			t.Errorf("UnknownDeletes = %d, want 1", sum.UnknownDeletes)
		}
		auditWant(t, rows, "default/unknown-pod")
	})
	t.Run("failed requests change nothing", func(t *testing.T) {
		if sum.FailedRequests != 3 {
			t.Errorf("FailedRequests = %d, want 3", sum.FailedRequests)
		}
		auditWant(t, rows, "shop/web-5")                                                                                                                  // 403 binding
		auditWant(t, rows, "batch/job-1", auditRow{At: auditSecs(22), Op: OpAdd, Node: "node-b"}, auditRow{At: auditSecs(30), Op: OpDel, Node: "node-b"}) // 403 delete at 26
		if ev := auditFind(rows, "shop/web-2"); ev[0].Node != "node-b" {                                                                                  // 409 to node-c
			t.Errorf("web-2 added on %s, want node-b", ev[0].Node)
		}
	})
	t.Run("duplicate binding counted", func(t *testing.T) {
		if sum.DuplicateBindings != 1 {
			t.Errorf("DuplicateBindings = %d, want 1", sum.DuplicateBindings)
		}
		auditWant(t, rows, "shop/web-2", auditRow{At: auditSecs(3.5), Op: OpAdd, Node: "node-b"}, auditRow{At: auditSecs(56), Op: OpDel, Node: "node-b"})
	})
	t.Run("re-created pod renamed while the old one is live", func(t *testing.T) {
		auditWant(t, rows, "db/db-0#2", auditRow{At: auditSecs(34), Op: OpAdd, Node: "node-b", Line: 24})
	})
	t.Run("out of order line replayed in time order", func(t *testing.T) {
		auditWant(t, rows, "shop/web-4", auditRow{At: auditSecs(9), Op: OpAdd, Node: "node-c", Line: 25})
		for i := 1; i < len(rows); i++ {
			if rows[i].At < rows[i-1].At {
				t.Fatalf("event %d at %v before event %d at %v", i, rows[i].At, i-1, rows[i-1].At)
			}
		}
	})
	t.Run("metrics.k8s.io pods ignored", func(t *testing.T) {
		for _, r := range rows {
			if r.Line == 27 {
				t.Errorf("event from the metrics.k8s.io list: %v", r)
			}
		}
	})
}

func TestAuditSummaryString(t *testing.T) {
	s := ImportSummary{Lines: 1, Events: 2, PodsAdded: 3, PodsDeleted: 4, AlreadyRunning: 5, UnknownDeletes: 6,
		FailedRequests: 7, DuplicateBindings: 8, Ignored: 9, WithSpec: 10}
	want := "k8s-audit: lines=1 events=2 added=3 deleted=4 already_running=5 unknown_deletes=6 failed_requests=7 duplicate_bindings=8 ignored=9 with_spec=10"
	if got := s.String(); got != want {
		t.Errorf("String() = %q\nwant        %q", got, want)
	}
}

// auditCSV writes rows as the canonical CSV trace.
func auditCSV(t testing.TB, r Reader) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewCSVWriter(&buf, true)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func auditGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "audit", name)
	if *auditUpdate {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run Audit -audit.update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the import gives now:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestAuditGolden converts each fixture to the canonical CSV and its summary
// line and compares them with the golden files beside it.
func TestAuditGolden(t *testing.T) {
	for _, name := range []string{"small", "deployment", "deployment-cloudwatch"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "audit", name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, sum, err := ReadAudit(f, name+".jsonl", DefaultAuditOptions())
			if err != nil {
				t.Fatal(err)
			}
			csv := auditCSV(t, r)
			auditGolden(t, name+".csv", csv)
			auditGolden(t, name+".summary", []byte(sum.String()+"\n"))

			// The golden CSV reads back as the same trace.
			r2, _, _ := ReadAudit(bytes.NewReader(auditMust(os.ReadFile(filepath.Join("testdata", "audit", name+".jsonl")))), name, DefaultAuditOptions())
			want := auditDrain(t, r2)
			got := auditDrain(t, NewCSVReader(bytes.NewReader(csv), name+".csv"))
			if len(got) != len(want) {
				t.Fatalf("CSV has %d events, import %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				g.Line, w.Line = 0, 0
				if g != w {
					t.Errorf("CSV event %d = %v, import %v", i, g, w)
				}
			}
		})
	}
	// The CloudWatch export holds the same events as the raw log.
	raw := auditMust(os.ReadFile(filepath.Join("testdata", "audit", "deployment.csv")))
	cw := auditMust(os.ReadFile(filepath.Join("testdata", "audit", "deployment-cloudwatch.csv")))
	if !bytes.Equal(raw, cw) {
		t.Error("deployment.csv and deployment-cloudwatch.csv differ")
	}
}

func auditMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAuditFixturesUpToDate checks that the committed deployment fixtures
// are what auditDeploymentFixture writes (-audit.update rewrites them).
func TestAuditFixturesUpToDate(t *testing.T) {
	raw := auditDeploymentFixture()
	files := map[string][]string{
		"deployment.jsonl":            raw,
		"deployment-cloudwatch.jsonl": auditCloudWatchFixture(raw),
	}
	for name, lines := range files {
		data := []byte(strings.Join(lines, "\n") + "\n")
		path := filepath.Join("testdata", "audit", name)
		if *auditUpdate {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, data) {
			t.Errorf("%s is not what auditDeploymentFixture writes; go test -run AuditFixtures -audit.update", name)
		}
	}
}

// TestAuditDeployment checks the realistic fixture against what its
// generator put in it.
func TestAuditDeployment(t *testing.T) {
	rows, sum := auditReadFile(t, "deployment.jsonl", DefaultAuditOptions())
	want := ImportSummary{
		Lines: sum.Lines, Events: sum.Lines, Ignored: sum.Ignored,
		// 9 scale-up pods, 3 replacements, debug, redis-0#2; running before
		// the log: web-...-k2x8p and coredns (status), web-...-r7t2n and
		// redis-0 (delete).
		PodsAdded:      14,
		AlreadyRunning: 4, // running events, not adds
		// 7 scale-down deletes, 2 kubectl deletes, debug, 1 eviction, redis-0.
		PodsDeleted:       12,
		UnknownDeletes:    1,  // default/tmp-shell
		FailedRequests:    4,  // 409, 403 and 422 bindings, 429 eviction
		DuplicateBindings: 1,  // bin-packer binds web-...-kp3zd again
		WithSpec:          18, // every pod's spec is in the log (RequestResponse level)
	}
	if sum != want {
		t.Errorf("summary %+v\nwant    %+v", sum, want)
	}
	if sum.Lines < 300 {
		t.Errorf("fixture has %d lines, want a few hundred", sum.Lines)
	}
	// Spot checks.
	auditWant(t, rows, "db/redis-0",
		auditRow{At: 0, Op: OpRunning, Node: auditNodes[1]},
		auditRow{At: auditSecs(480.005 + 60), Op: OpDel, Node: auditNodes[1]})
	auditWant(t, rows, "db/redis-0#2", auditRow{At: auditSecs(482.654), Op: OpAdd, Node: auditNodes[0]})
	auditWant(t, rows, "default/debug",
		auditRow{At: auditSecs(380.043), Op: OpAdd, Node: auditNodes[2]},
		auditRow{At: auditSecs(470.004 + 30), Op: OpDel, Node: auditNodes[2]})
	auditWant(t, rows, "shop/web-7d4b9c6f5-4hx9w", // kubectl delete --grace-period=5
		auditRow{At: auditSecs(30.040 + 0.035 + 0.004), Op: OpAdd, Node: auditNodes[0]},
		auditRow{At: auditSecs(300.005 + 5), Op: OpDel, Node: auditNodes[0]})
	auditWant(t, rows, "shop/web-7d4b9c6f5-8qzlm", // --grace-period=0 --force
		auditRow{At: auditSecs(30.052 + 0.050 + 0.004), Op: OpAdd, Node: auditNodes[1]},
		auditRow{At: auditSecs(330.005), Op: OpDel, Node: auditNodes[1]})
	auditWant(t, rows, "shop/web-7d4b9c6f5-c2vrk", // evicted, 45 s from its create
		auditRow{At: auditSecs(30.064 + 0.065 + 0.004), Op: OpAdd, Node: auditNodes[2]},
		auditRow{At: auditSecs(400.008 + 45), Op: OpDel, Node: auditNodes[2]})
	auditWant(t, rows, "shop/web-7d4b9c6f5-k2x8p", auditRow{At: 0, Op: OpRunning, Node: auditNodes[0]})
	auditWant(t, rows, "shop/web-7d4b9c6f5-m9q4z") // never in the log
}

// TestAuditCloudWatchForms reads each wrapping of an event.
func TestAuditCloudWatchForms(t *testing.T) {
	const ev = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods","namespace":"ns","name":"p","subresource":"binding"},"responseStatus":{"code":201},"requestObject":{"target":{"name":"n1"}},"requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-01-01T00:00:01Z"}`
	quoted := fmt.Sprintf("%q", ev)
	for name, line := range map[string]string{
		"raw":                    ev,
		"@message string":        `{"@timestamp":"2024-01-01 00:00:01.000","@message":` + quoted + `,"@logStream":"kube-apiserver-audit-abc","@log":"1:/aws/eks/c/cluster"}`,
		"@message object":        `{"@timestamp":"2024-01-01 00:00:01.000","@message":` + ev + `}`,
		"message string":         `{"logStreamName":"kube-apiserver-audit-abc","timestamp":1704067201000,"message":` + quoted + `,"eventId":"1"}`,
		"message object":         `{"timestamp":1704067201000,"message":` + ev + `}`,
		"message string, padded": `{"message":" ` + quoted[1:len(quoted)-1] + ` "}`,
	} {
		t.Run(name, func(t *testing.T) {
			rows, sum := auditRead(t, line+"\n", DefaultAuditOptions())
			want := []auditRow{{auditSecs(1), OpAdd, "ns/p", "n1", 1}} // stageTimestamp, from requestReceivedTimestamp
			if !slices.Equal(rows, want) {
				t.Errorf("got %v, want %v", rows, want)
			}
			if sum.PodsAdded != 1 || sum.Events != 1 || sum.Lines != 1 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
	t.Run("other log streams ignored", func(t *testing.T) {
		in := `{"@message":"time=\"2024\" level=info msg=\"access granted\"","@logStream":"authenticator-abc"}` + "\n" +
			`{"message":"I0101 00:00:00 controller.go:1] started","logStreamName":"kube-controller-manager-abc"}` + "\n"
		rows, sum := auditRead(t, in, DefaultAuditOptions())
		if len(rows) != 0 || sum.Ignored != 2 || sum.Events != 2 {
			t.Errorf("rows %v, summary %+v", rows, sum)
		}
	})
}

// TestAuditErrors checks that malformed lines are *ParseErrors naming the
// file, line and field.
func TestAuditErrors(t *testing.T) {
	const good = `{"verb":"get","objectRef":{"resource":"configmaps"},"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`
	pod := func(extra string) string {
		return `{"verb":"create","objectRef":{"resource":"pods","namespace":"ns","name":"p","subresource":"binding"},"stageTimestamp":"2024-01-01T00:00:01Z"` + extra + `}`
	}
	tests := []struct {
		line, field, msg string
	}{
		{`not json`, "", "not a JSON object"},
		{`[1,2]`, "", "not a JSON object"},
		{`{"verb":"get"`, "", "invalid JSON"},
		{`{"verb":"get"}`, "requestReceivedTimestamp", "missing"},
		{`{"verb":"get","requestReceivedTimestamp":"yesterday"}`, "requestReceivedTimestamp", "not an RFC 3339 timestamp"},
		{`{"verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-13-01T00:00:00Z"}`, "stageTimestamp", "not an RFC 3339"},
		{`{"verb":"get","requestReceivedTimestamp":"2300-01-01T00:00:00Z"}`, "requestReceivedTimestamp", "out of range"},
		{`{"verb":"get","requestReceivedTimestamp":1704067200}`, "requestReceivedTimestamp", "a JSON number where a string belongs"},
		{`{"verb":5,"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "verb", "a JSON number"},
		{`{"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "verb", "missing"},
		{`{"kind":"Pod","verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "kind", `"Pod"`},
		{`{"apiVersion":"v1","verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "apiVersion", `"v1"`},
		{`{"stage":"Done","verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "stage", "not an audit stage"},
		{`{"verb":"get","objectRef":{"name":7},"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "objectRef.name", "a JSON number"},
		{`{"verb":"get","responseStatus":{"code":"200"},"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}`, "responseStatus.code", "a JSON string"},
		{pod(`,"requestObject":{"target":{"name":5}}`), "requestObject.target.name", "a JSON number"},
		{pod(`,"requestObject":"binding"`), "requestObject", "a JSON string"},
		{pod(`,"requestObject":{"target":{"name":"node 1"}}`), "requestObject.target.name", "space"},
		{strings.Replace(pod(``), `"name":"p"`, `"name":"p,q"`, 1), "objectRef.name", `contains ','`},
		{strings.Replace(pod(``), `"namespace":"ns"`, `"namespace":"a/b"`, 1), "objectRef.namespace", `contains '/'`},
		{`{"verb":"delete","objectRef":{"resource":"pods","name":"p"},"requestObject":{"gracePeriodSeconds":"30"},"stageTimestamp":"2024-01-01T00:00:01Z"}`, "requestObject.gracePeriodSeconds", "a JSON string"},
		{`{"verb":"delete","objectRef":{"resource":"pods","name":"p"},"responseObject":{"spec":{"terminationGracePeriodSeconds":1.5}},"stageTimestamp":"2024-01-01T00:00:01Z"}`, "responseObject.spec.terminationGracePeriodSeconds", "a JSON number"},
		{`{"verb":"delete","objectRef":{"resource":"pods","name":"p"},"responseObject":{"spec":{"nodeName":"a\u0000b"}},"stageTimestamp":"2024-01-01T00:00:01Z"}`, "responseObject.spec.nodeName", "control character"},
		{`{"@message":"not json","@logStream":"kube-apiserver-audit-1"}`, "@message", "not an audit event"},
		{`{"@message":17}`, "@message", "not an audit event"},
		{`{"message":"{\"verb\":\"get\"}"}`, "requestReceivedTimestamp", "missing"},
		{`{"@message":{"message":"{}"}}`, "verb", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			in := good + "\n\n" + tt.line + "\n" + good + "\n"
			r, sum, err := ReadAudit(strings.NewReader(in), "audit.log", DefaultAuditOptions())
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if r != nil {
				t.Error("a Reader returned with an error")
			}
			if pe.File != "audit.log" || pe.Line != 3 || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("error %+v, want audit.log line 3 field %q message containing %q", pe, tt.field, tt.msg)
			}
			if sum.Lines != 3 {
				t.Errorf("summary.Lines = %d at the error, want 3", sum.Lines)
			}
		})
	}
	t.Run("message format", func(t *testing.T) {
		_, _, err := ReadAudit(strings.NewReader(`{"verb":"get","requestReceivedTimestamp":"x"}`), "a.log", AuditOptions{})
		want := `a.log:1: field "requestReceivedTimestamp": "x" is not an RFC 3339 timestamp such as 2024-05-14T09:00:00.123456Z`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant  %s", err, want)
		}
	})
	t.Run("negative grace override", func(t *testing.T) {
		g := -time.Second
		_, _, err := ReadAudit(strings.NewReader(good), "a.log", AuditOptions{GracePeriod: &g})
		var pe *ParseError
		if err == nil || errors.As(err, &pe) {
			t.Errorf("err = %v, want a plain error", err)
		}
	})
	t.Run("read error", func(t *testing.T) {
		_, _, err := ReadAudit(io.MultiReader(strings.NewReader(good+"\n"), auditErrReader{}), "a.log", AuditOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, "read error") {
			t.Errorf("err = %v, want a read error at line 2", err)
		}
	})
}

type auditErrReader struct{}

func (auditErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// auditLine builds an audit event line from its parts.
func auditLine(verb, ns, name, sub string, code int, at string, req, resp string) string {
	s := fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":%q,"objectRef":{"resource":"pods","namespace":%q,"name":%q,"subresource":%q},"responseStatus":{"code":%d},"stageTimestamp":"2024-01-01T00:%s"`,
		verb, ns, name, sub, code, at)
	if req != "" {
		s += `,"requestObject":` + req
	}
	if resp != "" {
		s += `,"responseObject":` + resp
	}
	return s + "}\n"
}

func auditBind(ns, name, uid, node, at string) string {
	return auditLine("create", ns, name, "binding", 201, at,
		fmt.Sprintf(`{"kind":"Binding","metadata":{"name":%q,"namespace":%q,"uid":%q},"target":{"kind":"Node","name":%q}}`, name, ns, uid, node), "")
}

func auditDel(ns, name, uid string, grace int64, at string) string {
	return auditLine("delete", ns, name, "", 200, at,
		fmt.Sprintf(`{"kind":"DeleteOptions","gracePeriodSeconds":%d,"preconditions":{"uid":%q}}`, grace, uid), "")
}

// TestAuditNames checks the names of re-created pods: unique among live
// pods, the plain name reused once free.
func TestAuditNames(t *testing.T) {
	in := auditBind("s", "db-0", "u1", "n1", "00:00Z") + // 0
		auditDel("s", "db-0", "u1", 10, "00:01Z") + // del at 11
		auditBind("s", "db-0", "u2", "n2", "00:02Z") + // db-0#2
		auditDel("s", "db-0", "u2", 10, "00:03Z") + // del at 13
		auditBind("s", "db-0", "u3", "n1", "00:04Z") + // db-0 and #2 live: #3
		auditDel("s", "db-0", "u3", 0, "00:05Z") + // del at 5
		auditBind("s", "db-0", "u4", "n1", "00:11Z") + // db-0 deleted at 11, same time: not free; #3 is
		auditDel("s", "db-0", "u4", 0, "00:12Z") +
		auditBind("s", "db-0", "u5", "n1", "00:14Z") // all free: plain name
	rows, sum := auditRead(t, in, DefaultAuditOptions())
	want := []auditRow{
		{auditSecs(0), OpAdd, "s/db-0", "n1", 1},
		{auditSecs(2), OpAdd, "s/db-0#2", "n2", 3},
		{auditSecs(4), OpAdd, "s/db-0#3", "n1", 5},
		{auditSecs(5), OpDel, "s/db-0#3", "n1", 6},
		{auditSecs(11), OpDel, "s/db-0", "n1", 2},
		{auditSecs(11), OpAdd, "s/db-0#3", "n1", 7},
		{auditSecs(12), OpDel, "s/db-0#3", "n1", 8},
		{auditSecs(13), OpDel, "s/db-0#2", "n2", 4},
		{auditSecs(14), OpAdd, "s/db-0", "n1", 9},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("trace:\n%s\nwant:\n%s", auditRowsString(rows), auditRowsString(want))
	}
	if sum.PodsAdded != 5 || sum.PodsDeleted != 4 {
		t.Errorf("summary %+v", sum)
	}
}

// TestAuditRunningBeforeNames: a pod running before the log, seen only in
// its delete, is a running event at 0; its name must not clash with a pod of the same
// name that the log binds (and deletes) before that delete.
func TestAuditRunningBeforeNames(t *testing.T) {
	in := `{"verb":"get","objectRef":{"resource":"configmaps"},"requestReceivedTimestamp":"2024-01-01T00:00:00Z"}` + "\n" +
		auditBind("s", "a", "u-new", "n1", "00:10Z") +
		auditDel("s", "a", "u-new", 0, "00:11Z") +
		auditLine("delete", "s", "a", "", 200, "00:20Z", `{}`, `{"kind":"Pod","metadata":{"uid":"u-old"},"spec":{"nodeName":"n2"}}`)
	rows, sum := auditRead(t, in, DefaultAuditOptions())
	want := []auditRow{
		{0, OpRunning, "s/a#2", "n2", 4},
		{auditSecs(10), OpAdd, "s/a", "n1", 2},
		{auditSecs(11), OpDel, "s/a", "n1", 3},
		{auditSecs(50), OpDel, "s/a#2", "n2", 4},
	}
	if !slices.Equal(rows, want) || sum.AlreadyRunning != 1 {
		t.Errorf("trace:\n%s\nwant:\n%s\nsummary %+v", auditRowsString(rows), auditRowsString(want), sum)
	}
}

// TestAuditDeleteCollection: each item of a deletecollection's response is
// a delete, with the request's grace period.
func TestAuditDeleteCollection(t *testing.T) {
	in := auditBind("s", "a", "ua", "n1", "00:00Z") +
		auditBind("s", "b", "ub", "n2", "00:01Z") +
		auditLine("deletecollection", "s", "", "", 200, "00:02Z", `{"kind":"DeleteOptions","gracePeriodSeconds":3}`,
			`{"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"s","uid":"ua"}},{"metadata":{"name":"b","uid":"ub"}},{"metadata":{"name":"c"}}]}`) +
		auditLine("deletecollection", "t", "", "", 200, "00:03Z", `{}`, "")
	rows, sum := auditRead(t, in, DefaultAuditOptions())
	want := []auditRow{
		{0, OpAdd, "s/a", "n1", 1},
		{auditSecs(1), OpAdd, "s/b", "n2", 2},
		{auditSecs(5), OpDel, "s/a", "n1", 3},
		{auditSecs(5), OpDel, "s/b", "n2", 3},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("trace:\n%s\nwant:\n%s", auditRowsString(rows), auditRowsString(want))
	}
	if sum.UnknownDeletes != 1 || sum.Ignored != 1 || sum.PodsDeleted != 2 {
		t.Errorf("summary %+v, want 1 unknown delete (s/c), 1 ignored (no response)", sum)
	}
}

// TestAuditGraceEdges: negative grace periods count as 1 s; the longest
// accepted is 100 years, and only if the pod then goes by MaxTraceTime.
func TestAuditGraceEdges(t *testing.T) {
	in := auditBind("s", "a", "ua", "n1", "00:00Z") + auditDel("s", "a", "ua", -5, "00:01Z") +
		auditBind("s", "b", "ub", "n1", "00:00Z") + auditDel("s", "b", "ub", auditMaxGrace, "00:00Z")
	rows, _ := auditRead(t, in, DefaultAuditOptions())
	auditWant(t, rows, "s/a", auditRow{At: 0, Op: OpAdd, Node: "n1"}, auditRow{At: auditSecs(2), Op: OpDel, Node: "n1"})
	auditWant(t, rows, "s/b", auditRow{At: 0, Op: OpAdd, Node: "n1"}, auditRow{At: MaxTraceTime, Op: OpDel, Node: "n1"})
}

// TestAuditPendingDelete: a pod created and deleted before it was bound
// never had an address: its delete is an unknown delete, not a running pod.
func TestAuditPendingDelete(t *testing.T) {
	in := auditLine("create", "s", "p", "", 201, "00:00Z", "", `{"kind":"Pod","metadata":{"uid":"u1"},"spec":{"nodeName":"n1"}}`) +
		auditLine("delete", "s", "p", "", 200, "00:05Z", `{}`, `{"kind":"Pod","metadata":{"uid":"u1"},"spec":{"nodeName":"n1"}}`)
	rows, sum := auditRead(t, in, DefaultAuditOptions())
	if len(rows) != 0 || sum.UnknownDeletes != 1 || sum.AlreadyRunning != 0 {
		t.Errorf("rows %v, summary %+v", rows, sum)
	}
}

// TestAuditReversed: the log's order does not matter, only its timestamps
// (the CloudWatch Logs Insights console sorts newest first).
func TestAuditReversed(t *testing.T) {
	b := auditMust(os.ReadFile(filepath.Join("testdata", "audit", "deployment.jsonl")))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Reverse(lines)
	fwd, fsum := auditReadFile(t, "deployment.jsonl", DefaultAuditOptions())
	rev, rsum := auditRead(t, strings.Join(lines, "\n"), DefaultAuditOptions())
	key := func(r auditRow) string { return fmt.Sprintf("%020d %v %s %s", r.At, r.Op, r.Pod, r.Node) }
	var f, r []string
	for i := range fwd {
		f = append(f, key(fwd[i]))
	}
	for i := range rev {
		r = append(r, key(rev[i]))
	}
	slices.Sort(f)
	slices.Sort(r)
	if !slices.Equal(f, r) || fsum != rsum {
		t.Errorf("reversed log gives another trace or summary:\n%+v\n%+v", fsum, rsum)
	}
}

// TestAuditLongLine: events carrying whole objects are longer than the
// trace readers' line limit.
func TestAuditLongLine(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	in := auditLine("create", "s", "p", "binding", 201, "00:00Z",
		`{"target":{"name":"n1"},"metadata":{"annotations":{"big":"`+big+`"}}}`, "")
	rows, _ := auditRead(t, in, DefaultAuditOptions())
	if len(rows) != 1 {
		t.Errorf("got %v", rows)
	}
}

func TestAuditEmpty(t *testing.T) {
	rows, sum := auditRead(t, "\n\n", DefaultAuditOptions())
	if len(rows) != 0 || sum != (ImportSummary{Lines: 2}) {
		t.Errorf("rows %v, summary %+v", rows, sum)
	}
}

// ---------------------------------------------------------------------------
// The generator of testdata/audit/deployment.jsonl and its CloudWatch Logs
// export form, deployment-cloudwatch.jsonl: ten minutes of a three-node EKS
// cluster's audit log. TestAuditFixturesUpToDate checks that the committed
// files are what this generator writes; go test -run AuditFixtures
// -audit.update rewrites them (and the golden outputs).

// auditGenEvent is an audit.k8s.io/v1 Event with the fields in the order
// the API server writes them.
type auditGenEvent struct {
	Kind                     string            `json:"kind"`
	APIVersion               string            `json:"apiVersion"`
	Level                    string            `json:"level"`
	AuditID                  string            `json:"auditID"`
	Stage                    string            `json:"stage"`
	RequestURI               string            `json:"requestURI"`
	Verb                     string            `json:"verb"`
	User                     auditGenUser      `json:"user"`
	SourceIPs                []string          `json:"sourceIPs"`
	UserAgent                string            `json:"userAgent"`
	ObjectRef                *auditGenRef      `json:"objectRef,omitempty"`
	ResponseStatus           *auditGenStatus   `json:"responseStatus,omitempty"`
	RequestObject            any               `json:"requestObject,omitempty"`
	ResponseObject           any               `json:"responseObject,omitempty"`
	RequestReceivedTimestamp string            `json:"requestReceivedTimestamp"`
	StageTimestamp           string            `json:"stageTimestamp"`
	Annotations              map[string]string `json:"annotations,omitempty"`
}

type auditGenUser struct {
	Username string   `json:"username"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

type auditGenRef struct {
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	APIGroup    string `json:"apiGroup,omitempty"`
	APIVersion  string `json:"apiVersion"`
	Subresource string `json:"subresource,omitempty"`
}

type auditGenStatus struct {
	Metadata struct{} `json:"metadata"`
	Status   string   `json:"status,omitempty"`
	Message  string   `json:"message,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Code     int      `json:"code"`
}

// auditGenActor is who makes a request.
type auditGenActor struct {
	user   string
	groups []string
	ip     string
	agent  string
}

var (
	auditNodes = [3]string{
		"ip-10-0-1-17.us-west-2.compute.internal",
		"ip-10-0-2-33.us-west-2.compute.internal",
		"ip-10-0-3-51.us-west-2.compute.internal",
	}
	auditNodeIPs = [3]string{"10.0.1.17", "10.0.2.33", "10.0.3.51"}

	actScheduler  = auditGenActor{"system:kube-scheduler", nil, "10.0.0.12", "kube-scheduler/v1.29.3 (linux/amd64) kubernetes/6813625/scheduler"}
	actScheduler2 = auditGenActor{"system:kube-scheduler", nil, "10.0.0.76", "kube-scheduler/v1.29.3 (linux/amd64) kubernetes/6813625/scheduler"}
	actRS         = auditGenActor{"system:serviceaccount:kube-system:replicaset-controller", []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}, "10.0.0.12", "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:replicaset-controller"}
	actDeploy     = auditGenActor{"system:serviceaccount:kube-system:deployment-controller", []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}, "10.0.0.12", "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:deployment-controller"}
	actSTS        = auditGenActor{"system:serviceaccount:kube-system:statefulset-controller", []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}, "10.0.0.12", "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:statefulset-controller"}
	actAlice      = auditGenActor{"alice@example.com", []string{"ops", "system:authenticated"}, "203.0.113.9", "kubectl/v1.29.1 (darwin/arm64) kubernetes/bc401b9"}
	actBob        = auditGenActor{"bob@example.com", []string{"dev", "system:authenticated"}, "203.0.113.27", "kubectl/v1.28.4 (linux/amd64) kubernetes/bae2c62"}
	actMySched    = auditGenActor{"system:serviceaccount:tools:bin-packer", []string{"system:serviceaccounts", "system:authenticated"}, "10.0.2.101", "bin-packer/0.4.1"}
	actAutoscale  = auditGenActor{"system:serviceaccount:kube-system:cluster-autoscaler", []string{"system:serviceaccounts", "system:authenticated"}, "10.0.1.88", "cluster-autoscaler/v1.29.0"}
)

func auditKubelet(n int) auditGenActor {
	return auditGenActor{"system:node:" + auditNodes[n], []string{"system:nodes", "system:authenticated"}, auditNodeIPs[n], "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625"}
}

// auditGen writes an audit log, one event at a time.
type auditGen struct {
	base  time.Time
	ids   int
	lines []string
}

type auditGenReq struct {
	at      time.Duration // request received, from the log's start
	latency time.Duration
	stage   string // "" = ResponseComplete
	rr      bool   // also log the RequestReceived stage (before this)
	id      string // audit ID ("" = next)
	level   string
	verb    string
	uri     string
	actor   auditGenActor
	ref     auditGenRef
	code    int
	reason  string
	req     any
	resp    any
}

func (g *auditGen) nextID() string {
	g.ids++
	return fmt.Sprintf("%08x-%04x-4%03x-9%03x-%012x", 0x5e1c0000+g.ids*0x2f, g.ids*7%0x10000, g.ids%0x1000, g.ids*13%0x1000, uint64(g.ids)*0x9e3779b1)
}

func (g *auditGen) stamp(d time.Duration) string {
	return g.base.Add(d).Format("2006-01-02T15:04:05.000000Z")
}

// emit writes the request's ResponseComplete event, after its
// RequestReceived event with rr.
func (g *auditGen) emit(r auditGenReq) {
	id := r.id
	if id == "" {
		id = g.nextID()
	}
	if r.level == "" {
		r.level = "RequestResponse"
	}
	ev := auditGenEvent{
		Kind: "Event", APIVersion: "audit.k8s.io/v1", Level: r.level, AuditID: id,
		RequestURI: r.uri, Verb: r.verb,
		User:      auditGenUser{Username: r.actor.user, Groups: r.actor.groups},
		SourceIPs: []string{r.actor.ip}, UserAgent: r.actor.agent,
		RequestReceivedTimestamp: g.stamp(r.at),
	}
	if r.ref.Resource != "" {
		ref := r.ref
		if ref.APIVersion == "" {
			ref.APIVersion = "v1"
		}
		ev.ObjectRef = &ref
	}
	if r.level != "Metadata" {
		ev.RequestObject = r.req
	}
	if r.rr {
		ev.Stage = "RequestReceived"
		ev.StageTimestamp = ev.RequestReceivedTimestamp
		g.add(ev)
	}
	ev.Stage = "ResponseComplete"
	if r.stage != "" {
		ev.Stage = r.stage
	}
	ev.StageTimestamp = g.stamp(r.at + r.latency)
	st := &auditGenStatus{Code: r.code}
	if r.code >= 300 {
		st.Status = "Failure"
		st.Reason = r.reason
		st.Message = r.reason
	}
	ev.ResponseStatus = st
	if r.level == "RequestResponse" {
		ev.ResponseObject = r.resp
	}
	ev.Annotations = map[string]string{"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
	if r.code == 403 {
		ev.Annotations["authorization.k8s.io/decision"] = "forbid"
	}
	g.add(ev)
}

func (g *auditGen) add(ev auditGenEvent) {
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	g.lines = append(g.lines, string(b))
}

// auditGenPod is a pod of the fixture.
type auditGenPod struct {
	ns, name, uid string
	node          int // index into auditNodes, -1 while pending
	grace         int64
	owner         string
}

func (p *auditGenPod) object(phase string, deleting time.Time, delGrace int64) map[string]any {
	meta := map[string]any{
		"name": p.name, "namespace": p.ns, "uid": p.uid,
		"labels": map[string]any{"app": strings.SplitN(p.name, "-", 2)[0]},
	}
	if p.owner != "" {
		meta["generateName"] = strings.TrimSuffix(p.name, p.name[strings.LastIndexByte(p.name, '-')+1:])
		meta["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": p.owner, "controller": true}}
	}
	if !deleting.IsZero() {
		meta["deletionTimestamp"] = deleting.Format(time.RFC3339)
		meta["deletionGracePeriodSeconds"] = delGrace
	}
	spec := map[string]any{
		"containers":                    []any{map[string]any{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.25"}},
		"restartPolicy":                 "Always",
		"terminationGracePeriodSeconds": p.grace,
		"schedulerName":                 "default-scheduler",
	}
	if p.node >= 0 {
		spec["nodeName"] = auditNodes[p.node]
	}
	status := map[string]any{"phase": phase, "qosClass": "BestEffort"}
	if p.node >= 0 && phase == "Running" {
		status["hostIP"] = auditNodeIPs[p.node]
	}
	return map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}
}

func (g *auditGen) podURI(p *auditGenPod, sub string) string {
	u := "/api/v1/namespaces/" + p.ns + "/pods/" + p.name
	if sub != "" {
		u += "/" + sub
	}
	return u
}

// create logs a ReplicaSet-style pod create (generateName: no name in the
// objectRef).
func (g *auditGen) create(at time.Duration, actor auditGenActor, p *auditGenPod, named bool) {
	req := p.object("", time.Time{}, 0)
	delete(req["metadata"].(map[string]any), "uid")
	if !named {
		delete(req["metadata"].(map[string]any), "name")
	}
	delete(req, "status")
	ref := auditGenRef{Resource: "pods", Namespace: p.ns}
	if named {
		ref.Name = p.name
	}
	g.emit(auditGenReq{at: at, latency: 6 * time.Millisecond, verb: "create", uri: "/api/v1/namespaces/" + p.ns + "/pods",
		actor: actor, ref: ref, code: 201, req: req, resp: p.object("Pending", time.Time{}, 0)})
}

func (g *auditGen) bind(at time.Duration, actor auditGenActor, p *auditGenPod, node int, code int, reason string, rr bool) {
	req := map[string]any{
		"kind": "Binding", "apiVersion": "v1",
		"metadata": map[string]any{"name": p.name, "namespace": p.ns, "uid": p.uid, "creationTimestamp": nil},
		"target":   map[string]any{"kind": "Node", "name": auditNodes[node]},
	}
	g.emit(auditGenReq{at: at, latency: 4 * time.Millisecond, rr: rr, level: "Request", verb: "create", uri: g.podURI(p, "binding"),
		actor: actor, ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name, Subresource: "binding"},
		code: code, reason: reason, req: req})
	if code == 201 {
		p.node = node
	}
}

func (g *auditGen) status(at time.Duration, p *auditGenPod, phase string, rr bool) {
	req := map[string]any{"metadata": map[string]any{"uid": p.uid}, "status": map[string]any{"phase": phase}}
	g.emit(auditGenReq{at: at, latency: 3 * time.Millisecond, rr: rr, verb: "patch", uri: g.podURI(p, "status"),
		actor: auditKubelet(p.node), ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name, Subresource: "status"},
		code: 200, req: req, resp: p.object(phase, time.Time{}, 0)})
}

// del logs a delete by actor with gracePeriodSeconds grace (grace < 0:
// none in the request, the pod's own applies).
func (g *auditGen) del(at time.Duration, actor auditGenActor, p *auditGenPod, grace int64) {
	req := map[string]any{"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
	applied := p.grace
	if grace >= 0 {
		req["gracePeriodSeconds"] = grace
		applied = grace
	}
	g.emit(auditGenReq{at: at, latency: 5 * time.Millisecond, verb: "delete", uri: g.podURI(p, ""),
		actor: actor, ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name}, code: 200,
		req: req, resp: p.object("Running", g.base.Add(at).Add(time.Duration(applied)*time.Second), applied)})
}

// finalDel logs the kubelet's delete of a pod whose containers have
// stopped: grace 0, on the pod's uid.
func (g *auditGen) finalDel(at time.Duration, p *auditGenPod) {
	g.emit(auditGenReq{at: at, latency: 4 * time.Millisecond, level: "Request", verb: "delete", uri: g.podURI(p, ""),
		actor: auditKubelet(p.node), ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name}, code: 200,
		req: map[string]any{"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0, "preconditions": map[string]any{"uid": p.uid}}})
}

// lease logs node n's heartbeat.
func (g *auditGen) lease(at time.Duration, n int) {
	g.emit(auditGenReq{at: at, latency: 2 * time.Millisecond, level: "Metadata", verb: "update",
		uri: "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + auditNodes[n], actor: auditKubelet(n),
		ref: auditGenRef{Resource: "leases", Namespace: "kube-node-lease", Name: auditNodes[n], APIGroup: "coordination.k8s.io"}, code: 200})
}

// auditDeploymentFixture returns the lines of deployment.jsonl.
func auditDeploymentFixture() []string {
	g := &auditGen{base: time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)}
	ms := time.Millisecond
	sec := time.Second

	// Pods running before the log starts.
	old := []*auditGenPod{
		{ns: "shop", name: "web-7d4b9c6f5-k2x8p", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e01", node: 0, grace: 45, owner: "web-7d4b9c6f5"},
		{ns: "shop", name: "web-7d4b9c6f5-m9q4z", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e02", node: 1, grace: 45, owner: "web-7d4b9c6f5"},
		{ns: "shop", name: "web-7d4b9c6f5-r7t2n", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e03", node: 2, grace: 45, owner: "web-7d4b9c6f5"},
	}
	coredns := &auditGenPod{ns: "kube-system", name: "coredns-5d78c9869d-8xk2p", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e04", node: 0, grace: 30, owner: "coredns-5d78c9869d"}
	redis := &auditGenPod{ns: "db", name: "redis-0", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e05", node: 1, grace: 60}

	// Background: node leases every 10 s (the bulk of any audit log).
	type timed struct {
		at time.Duration
		fn func()
	}
	var steps []timed
	at := func(d time.Duration, fn func()) { steps = append(steps, timed{d, fn}) }
	for s := 0; s < 60; s++ {
		for n := 0; n < 3; n++ {
			d := time.Duration(s)*10*sec + time.Duration(n)*1700*ms
			n := n
			at(d, func() { g.lease(d, n) })
		}
	}

	// Leader election of the control plane's controllers, every 5 s.
	for s := 0; s < 120; s++ {
		d := time.Duration(s)*5*sec + 900*ms
		at(d, func() {
			g.emit(auditGenReq{at: d, latency: 3 * ms, level: "Metadata", verb: "update",
				uri: "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler", actor: actScheduler,
				ref: auditGenRef{Resource: "leases", Namespace: "kube-system", Name: "kube-scheduler", APIGroup: "coordination.k8s.io"}, code: 200})
		})
	}

	// Already running pods show up in status updates.
	at(5*sec, func() { g.status(5*sec, old[0], "Running", false) })
	at(12*sec, func() { g.status(12*sec, coredns, "Running", false) })

	// 09:00:30 kubectl scale deployment web --replicas=12: 9 new pods.
	suffixes := []string{"4hx9w", "8qzlm", "c2vrk", "dj5tn", "f6wbp", "hx7sq", "kp3zd", "nm8vc", "q9rfx", "t4gzb", "w2jkh", "z5lnd"}
	newPod := func(i int) *auditGenPod {
		return &auditGenPod{ns: "shop", name: "web-7d4b9c6f5-" + suffixes[i],
			uid: fmt.Sprintf("7f3e%04x-2b6a-4c1d-8e9f-%012x", i, 0xa1b2c3d40000+i), node: -1, grace: 45, owner: "web-7d4b9c6f5"}
	}
	pods := make([]*auditGenPod, 12)
	at(30*sec, func() {
		g.emit(auditGenReq{at: 30 * sec, latency: 9 * ms, verb: "patch", uri: "/apis/apps/v1/namespaces/shop/deployments/web/scale",
			actor: actAlice, ref: auditGenRef{Resource: "deployments", Namespace: "shop", Name: "web", APIGroup: "apps", APIVersion: "v1", Subresource: "scale"},
			code: 200, req: map[string]any{"spec": map[string]any{"replicas": 12}}})
		g.emit(auditGenReq{at: 30*sec + 15*ms, latency: 5 * ms, level: "Metadata", verb: "update", uri: "/apis/apps/v1/namespaces/shop/replicasets/web-7d4b9c6f5",
			actor: actDeploy, ref: auditGenRef{Resource: "replicasets", Namespace: "shop", Name: "web-7d4b9c6f5", APIGroup: "apps", APIVersion: "v1"}, code: 200})
	})
	for i := 0; i < 9; i++ {
		i := i
		c := 30*sec + 40*ms + time.Duration(i)*12*ms
		b := c + 35*ms + time.Duration(i)*15*ms
		node := i % 3
		pods[i] = newPod(i)
		p := pods[i]
		at(c, func() { g.create(c, actRS, p, false) })
		at(b, func() {
			g.bind(b, actScheduler, p, node, 201, "", i%2 == 0)
			g.emit(auditGenReq{at: b + 2*ms, latency: 2 * ms, level: "Metadata", verb: "create", uri: "/api/v1/namespaces/shop/events",
				actor: actScheduler, ref: auditGenRef{Resource: "events", Namespace: "shop", Name: p.name + ".17cf0a1b2c3d4e5f", APIGroup: "events.k8s.io"}, code: 201})
		})
		at(b+800*ms, func() { g.status(b+800*ms, p, "Pending", true) })
		at(b+4*sec, func() { g.status(b+4*sec, p, "Running", false) })
	}
	// A second scheduler replica that lost the lease binds web-...-dj5tn
	// again: 409. A developer binds by hand: 403. A bad target: 422. A
	// custom scheduler binds web-...-kp3zd a second time, and the API
	// server (in this log) let it through: a duplicate binding.
	at(30*sec+250*ms, func() {
		p := pods[3]
		g.bind(30*sec+250*ms, actScheduler2, p, 1, 409, "Conflict", false)
	})
	at(95*sec, func() { g.bind(95*sec, actBob, pods[5], 0, 403, "Forbidden", false) })
	at(96*sec, func() {
		p := newPod(11)
		g.emit(auditGenReq{at: 96 * sec, latency: 3 * ms, level: "Request", verb: "create", uri: g.podURI(p, "binding"),
			actor: actBob, ref: auditGenRef{Resource: "pods", Namespace: "shop", Name: p.name, Subresource: "binding"},
			code: 422, reason: "Invalid", req: map[string]any{"kind": "Binding", "apiVersion": "v1",
				"metadata": map[string]any{"name": p.name, "namespace": "shop"}, "target": map[string]any{"kind": "Node", "name": ""}}})
	})
	at(31*sec, func() { g.bind(31*sec, actMySched, pods[6], 2, 201, "", false) })

	// 09:04:00 scale down to 5: the ReplicaSet deletes 7 pods, among them
	// one that was running before the log (first seen in its delete).
	at(240*sec, func() {
		g.emit(auditGenReq{at: 240 * sec, latency: 9 * ms, verb: "patch", uri: "/apis/apps/v1/namespaces/shop/deployments/web/scale",
			actor: actAlice, ref: auditGenRef{Resource: "deployments", Namespace: "shop", Name: "web", APIGroup: "apps", APIVersion: "v1", Subresource: "scale"},
			code: 200, req: map[string]any{"spec": map[string]any{"replicas": 5}}})
	})
	victims := []*auditGenPod{pods[3], pods[4], pods[5], pods[6], pods[7], pods[8], old[2]}
	for i, p := range victims {
		p := p
		d := 240*sec + 60*ms + time.Duration(i)*11*ms
		at(d, func() { g.del(d, actRS, p, -1) })
		f := d + 2*sec + time.Duration(i)*300*ms // SIGTERM, containers stop
		at(f, func() { g.finalDel(f, p) })
	}

	// 09:05:00 kubectl delete pod --grace-period=5; the ReplicaSet replaces it.
	at(300*sec, func() { g.del(300*sec, actAlice, pods[0], 5) })
	at(305*sec+20*ms, func() { g.finalDel(305*sec+20*ms, pods[0]) })
	pods[9] = newPod(9)
	at(300*sec+30*ms, func() { g.create(300*sec+30*ms, actRS, pods[9], false) })
	at(300*sec+70*ms, func() { g.bind(300*sec+70*ms, actScheduler, pods[9], 0, 201, "", true) })
	at(301*sec, func() { g.status(301*sec, pods[9], "Running", false) })

	// 09:05:30 kubectl delete pod --grace-period=0 --force, and replacement.
	at(330*sec, func() { g.del(330*sec, actAlice, pods[1], 0) })
	pods[10] = newPod(10)
	at(330*sec+25*ms, func() { g.create(330*sec+25*ms, actRS, pods[10], false) })
	at(330*sec+60*ms, func() { g.bind(330*sec+60*ms, actScheduler, pods[10], 1, 201, "", false) })

	// 09:06:00 delete of a pod the log knows nothing about (Metadata level).
	at(360*sec, func() {
		g.emit(auditGenReq{at: 360 * sec, latency: 4 * ms, level: "Metadata", verb: "delete", uri: "/api/v1/namespaces/default/pods/tmp-shell",
			actor: actBob, ref: auditGenRef{Resource: "pods", Namespace: "default", Name: "tmp-shell"}, code: 200})
	})

	// 09:06:20 kubectl run debug (Request level: no defaults in the request,
	// no response), deleted at 09:07:50 with no grace anywhere: 30 s.
	debug := &auditGenPod{ns: "default", name: "debug", uid: "", node: -1}
	at(380*sec, func() {
		g.emit(auditGenReq{at: 380 * sec, latency: 7 * ms, level: "Request", verb: "create", uri: "/api/v1/namespaces/default/pods",
			actor: actBob, ref: auditGenRef{Resource: "pods", Namespace: "default", Name: "debug"}, code: 201,
			req: map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": "debug", "namespace": "default"},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "debug", "image": "busybox", "stdin": true, "tty": true}}}}})
	})
	at(380*sec+40*ms, func() {
		g.emit(auditGenReq{at: 380*sec + 40*ms, latency: 3 * ms, level: "Request", verb: "create", uri: g.podURI(debug, "binding"),
			actor: actScheduler, ref: auditGenRef{Resource: "pods", Namespace: "default", Name: "debug", Subresource: "binding"}, code: 201,
			req: map[string]any{"kind": "Binding", "apiVersion": "v1", "metadata": map[string]any{"name": "debug", "namespace": "default"},
				"target": map[string]any{"kind": "Node", "name": auditNodes[2]}}})
	})
	at(470*sec, func() {
		g.emit(auditGenReq{at: 470 * sec, latency: 4 * ms, level: "Request", verb: "delete", uri: g.podURI(debug, ""),
			actor: actBob, ref: auditGenRef{Resource: "pods", Namespace: "default", Name: "debug"}, code: 200,
			req: map[string]any{"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}})
	})

	// 09:06:40 the cluster autoscaler drains a node: one eviction goes
	// through (the pod's 45 s grace is known from its create), one is
	// refused by a PodDisruptionBudget (429); a replacement comes up.
	at(400*sec, func() {
		p := pods[2]
		g.emit(auditGenReq{at: 400 * sec, latency: 8 * ms, level: "Request", verb: "create", uri: g.podURI(p, "eviction"),
			actor: actAutoscale, ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name, Subresource: "eviction"}, code: 201,
			req: map[string]any{"kind": "Eviction", "apiVersion": "policy/v1", "metadata": map[string]any{"name": p.name, "namespace": p.ns}, "deleteOptions": map[string]any{}}})
	})
	at(400*sec+20*ms, func() {
		p := coredns
		g.emit(auditGenReq{at: 400*sec + 20*ms, latency: 3 * ms, level: "Request", verb: "create", uri: g.podURI(p, "eviction"),
			actor: actAutoscale, ref: auditGenRef{Resource: "pods", Namespace: p.ns, Name: p.name, Subresource: "eviction"}, code: 429,
			reason: "TooManyRequests",
			req:    map[string]any{"kind": "Eviction", "apiVersion": "policy/v1", "metadata": map[string]any{"name": p.name, "namespace": p.ns}}})
	})
	at(402*sec+100*ms, func() { g.finalDel(402*sec+100*ms, pods[2]) })
	pods[11] = newPod(11)
	at(400*sec+50*ms, func() { g.create(400*sec+50*ms, actRS, pods[11], false) })
	at(400*sec+90*ms, func() { g.bind(400*sec+90*ms, actScheduler, pods[11], 1, 201, "", true) })

	// 09:08:00 StatefulSet rolling update: redis-0 (running before the log)
	// is deleted with its 60 s grace and re-created under the same name
	// while the old one still terminates: the new one is db/redis-0#2.
	at(480*sec, func() { g.del(480*sec, actSTS, redis, -1) })
	at(482*sec+500*ms, func() { g.finalDel(482*sec+500*ms, redis) })
	redis2 := &auditGenPod{ns: "db", name: "redis-0", uid: "0b7c9a52-1f0e-4d7e-9c1a-5a1b2c3d4e06", node: -1, grace: 60}
	at(482*sec+600*ms, func() { g.create(482*sec+600*ms, actSTS, redis2, true) })
	at(482*sec+650*ms, func() { g.bind(482*sec+650*ms, actScheduler, redis2, 0, 201, "", false) })
	at(484*sec, func() { g.status(484*sec, redis2, "Running", false) })

	// Steps are replayed in time order; the API server writes an event when
	// its request completes, so the log is slightly out of request order.
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].at < steps[j-1].at; j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	for _, s := range steps {
		s.fn()
	}
	return g.lines
}

// auditCloudWatchFixture wraps the lines of deployment.jsonl as CloudWatch
// Logs exports do: mostly Logs Insights records with the event as an
// escaped string in "@message", some with it as an object, some in the
// filter-log-events form ("message", "logStreamName"), and a few records of
// the authenticator's log stream, which the import ignores.
func auditCloudWatchFixture(raw []string) []string {
	const stream = "kube-apiserver-audit-5f1c0e2b8a9d4c7e6b3a2f1e0d9c8b7a"
	var out []string
	for i, line := range raw {
		var ev struct {
			StageTimestamp string `json:"stageTimestamp"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			panic(err)
		}
		t, err := time.Parse(time.RFC3339Nano, ev.StageTimestamp)
		if err != nil {
			panic(err)
		}
		var rec any
		switch {
		case i%11 == 5:
			rec = struct {
				LogStreamName string `json:"logStreamName"`
				Timestamp     int64  `json:"timestamp"`
				Message       string `json:"message"`
				IngestionTime int64  `json:"ingestionTime"`
				EventID       string `json:"eventId"`
			}{stream, t.UnixMilli(), line, t.UnixMilli() + 812, fmt.Sprintf("3820394857%030d", i)}
		case i%7 == 3:
			rec = struct {
				Timestamp string          `json:"@timestamp"`
				Message   json.RawMessage `json:"@message"`
				LogStream string          `json:"@logStream"`
				Log       string          `json:"@log"`
			}{t.Format("2006-01-02 15:04:05.000"), json.RawMessage(line), stream, "123456789012:/aws/eks/prod/cluster"}
		default:
			rec = struct {
				Timestamp string `json:"@timestamp"`
				Message   string `json:"@message"`
				LogStream string `json:"@logStream"`
				Log       string `json:"@log"`
			}{t.Format("2006-01-02 15:04:05.000"), line, stream, "123456789012:/aws/eks/prod/cluster"}
		}
		b, err := json.Marshal(rec)
		if err != nil {
			panic(err)
		}
		out = append(out, string(b))
		if i%97 == 40 {
			b, _ := json.Marshal(struct {
				Timestamp string `json:"@timestamp"`
				Message   string `json:"@message"`
				LogStream string `json:"@logStream"`
				Log       string `json:"@log"`
			}{t.Format("2006-01-02 15:04:05.000"),
				`time="` + t.Format(time.RFC3339) + `" level=info msg="access granted" arn="arn:aws:iam::123456789012:role/eks-node" client="127.0.0.1:51122" groups="[system:bootstrappers system:nodes]" method=POST path=/authenticate uid="aws-iam-authenticator:123456789012:AROAEXAMPLE" username="system:node:ip-10-0-1-17.us-west-2.compute.internal"`,
				"authenticator-5f1c0e2b8a9d4c7e6b3a2f1e0d9c8b7a", "123456789012:/aws/eks/prod/cluster"})
			out = append(out, string(b))
		}
	}
	return out
}
