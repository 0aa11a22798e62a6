package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunReplaysAuditLog: `ipamsim run --trace` detects a Kubernetes audit
// log (raw and CloudWatch export) and replays its pods: the fixture binds 18
// pods (4 already running when the log starts) and deletes 12.
func TestRunReplaysAuditLog(t *testing.T) {
	for _, f := range []string{"deployment.jsonl", "deployment-cloudwatch.jsonl"} {
		t.Run(f, func(t *testing.T) {
			var out, errb bytes.Buffer
			path := filepath.Join("..", "..", "scenarios", "testdata", "audit", f)
			if code := run([]string{"run", "--trace", path, "-o", "json"}, nil, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var sum struct {
				PodsAdded   int `json:"pods_added"`
				DelRequests int `json:"del_requests"`
				TraceEvents int `json:"trace_events"`
			}
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.PodsAdded != 18 || sum.DelRequests != 12 || sum.TraceEvents != 30 {
				t.Errorf("pods added %d, deleted %d, events %d; want 18, 12, 30", sum.PodsAdded, sum.DelRequests, sum.TraceEvents)
			}
			if !strings.Contains(errb.String(), "already_running=4") {
				t.Errorf("no import summary on stderr: %q", errb.String())
			}
		})
	}
}

// TestRunTraceErrorsExit2: a trace event the node cannot apply exits 2 naming
// the file, line and field, and leaves no timeline behind.
func TestRunTraceErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.csv")
	writeFile(t, trace, "at,op,pod\n1,add,a\n2,del,zz\n")
	tl := filepath.Join(dir, "tl.csv")
	var out, errb bytes.Buffer
	code := run([]string{"run", "--trace", trace, "--timeline", tl}, nil, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), trace+`:3: field "pod"`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*tl*")); len(matches) != 0 {
		t.Fatalf("left %v behind", matches)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
