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
			if sum.PodsAdded != 14 || sum.DelRequests != 12 || sum.TraceEvents != 30 { // the 4 already running are restored, not added (§9.13)
				t.Errorf("pods added %d, deleted %d, events %d; want 14, 12, 30", sum.PodsAdded, sum.DelRequests, sum.TraceEvents)
			}
			if !strings.Contains(errb.String(), "already_running=4") {
				t.Errorf("no import summary on stderr: %q", errb.String())
			}
			// The log spans several nodes: a single-node replay says so.
			if !strings.Contains(errb.String(), "places pods on several nodes") {
				t.Errorf("no warning about the node column: %q", errb.String())
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

// TestRunClusterScenarioOutputs: a cluster scenario writes the sampled series
// (per-subnet free addresses, free /28s and fragmentation over time) and a
// metrics file whose aws-node metrics carry a node label.
func TestRunClusterScenarioOutputs(t *testing.T) {
	dir := t.TempDir()
	series, metrics := filepath.Join(dir, "series.csv"), filepath.Join(dir, "m.prom")
	var out, errb bytes.Buffer
	code := run([]string{"run", "--scenario", "pd-fragmented-subnet", "--series", series, "--metrics-file", metrics}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(string(mustReadFile(t, series))), "\n")
	if lines[0] != "at,nodes,enis,addresses_held,addresses_assigned,pods_waiting,pods_pending,shared_free,shared_free_28,shared_fragmentation" || len(lines) < 30 {
		t.Fatalf("series header %q, %d rows", lines[0], len(lines))
	}
	// Fragmented subnet: no free aligned /28 at any sample, fragmentation 1.
	for _, l := range lines[1:] {
		if !strings.HasSuffix(l, ",0,1.000") {
			t.Fatalf("sample %q: want no free /28 and fragmentation 1", l)
		}
	}
	m := string(mustReadFile(t, metrics))
	for _, want := range []string{`awscni_total_ip_addresses{node="pd-001"}`, `ipamsim_subnet_free_aligned_prefixes{subnet="shared"} 0`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics file lacks %s", want)
		}
	}
	if !strings.Contains(out.String(), "subnet shared") {
		t.Errorf("summary lacks the subnet line:\n%s", out.String())
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunDefaultOrderIsGoMap: with no --assign-order a run walks upstream's
// maps as Go does and says so (§3.7); random is the same order by another
// name (the same bytes), and first-fit is reported as such.
func TestRunDefaultOrderIsGoMap(t *testing.T) {
	order := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"run", "-o", "json"}, args...), nil, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		var sum struct {
			AssignOrder string `json:"assign_order"`
		}
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		return sum.AssignOrder, out.String()
	}
	def, defOut := order()
	if def != "go-map" {
		t.Errorf(`default run: "assign_order": %q, want "go-map"`, def)
	}
	if o, out := order("--assign-order", "random"); o != "go-map" || out != defOut {
		t.Errorf(`--assign-order random: "assign_order": %q (want "go-map"), same output as the default: %v`, o, out == defOut)
	}
	if o, _ := order("--assign-order", "first-fit"); o != "first-fit" {
		t.Errorf(`--assign-order first-fit: "assign_order": %q`, o)
	}
}

// TestRunRefusesMultiNIC: ENABLE_MULTI_NIC=true on a type with two network
// cards (c6in.32xlarge) would give card 1 its own datastore, which ipamsim
// does not model (§1.14): refused by name, exit 2, not run as if unset.
func TestRunRefusesMultiNIC(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--instance-type", "c6in.32xlarge", "--set", "ENABLE_MULTI_NIC=true"}, nil, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "ENABLE_MULTI_NIC=true is not modelled") || out.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %d bytes; want 2, ENABLE_MULTI_NIC named as not modelled, nothing written", code, errb.String(), out.Len())
	}
}
