package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// cli runs `ipamsim ARGS...` and returns exit status, stdout and stderr.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func readDoc(t *testing.T, name string) *sweep.Document {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := sweep.ReadDocument(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSweepCLIRerun: a sweep's outputs are written, and every point's rerun
// command, run through `ipamsim run -o json`, prints the point's summary.
func TestSweepCLIRerun(t *testing.T) {
	dir := t.TempDir()
	js, csv := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.csv")
	code, out, errs := cli("sweep", "--grid", "WARM_IP_TARGET=0..2", "--grid", "ENABLE_PREFIX_DELEGATION=false,true",
		"--instance-types", "m5.large", "--orders", "first-fit,random", "--set", "MINIMUM_IP_TARGET=3", "--seed", "4",
		"--drain", "5m", "--max-pods", "20", "--workers", "3", "--out-json", js, "--out-csv", csv, "--max-p99-wait", "30s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"sweep of scenario default: 12 points (12 setting combinations x 1 repetition)", "Pareto frontier:", "Recommendation for p99 pod IP wait <= 30s"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	doc := readDoc(t, js)
	if len(doc.Points) != 12 {
		t.Fatalf("%d points", len(doc.Points))
	}
	body, _ := os.ReadFile(csv)
	if lines := strings.Count(string(body), "\n"); lines != 13 {
		t.Errorf("CSV has %d lines, want 13", lines)
	}
	if !strings.HasPrefix(string(body), "index,instance_type,assign_order,repetition,seed,ENABLE_PREFIX_DELEGATION,WARM_IP_TARGET,mean_addresses_held,") {
		t.Errorf("CSV header %s", strings.SplitN(string(body), "\n", 2)[0])
	}
	checkReruns(t, doc)
	// Without --max-pods each point runs with the node's default, which
	// depends on the settings (prefix delegation); the rerun gives it.
	if code, _, errs := cli("sweep", "--grid", "ENABLE_PREFIX_DELEGATION=false,true", "--set", "WARM_PREFIX_TARGET=1",
		"--instance-types", "m5.large,c4.large", "--out-json", js); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	doc = readDoc(t, js)
	if doc.Points[0].Summary.MaxPods == doc.Points[1].Summary.MaxPods {
		t.Logf("prefix delegation does not change the default max pods (%d)", doc.Points[0].Summary.MaxPods)
	}
	checkReruns(t, doc)
}

// checkReruns runs every point's rerun command through `ipamsim run -o json`
// and compares its summary with the sweep's.
func checkReruns(t *testing.T, doc *sweep.Document) {
	t.Helper()
	for _, p := range doc.Points {
		args, err := sweep.SplitRerun(p.Rerun)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(append(args, "-o", "json")...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", p.Rerun, code, errs)
		}
		want, _ := json.MarshalIndent(p.Summary, "", "  ")
		if strings.TrimSpace(out) != string(want) {
			t.Errorf("point %d: %s\nprints\n%s\nthe sweep has\n%s", p.Index, p.Rerun, out, want)
		}
	}
}

// TestSweepCLIShardMerge: merging shard outputs gives byte for byte the
// unsharded run's JSON and CSV.
func TestSweepCLIShardMerge(t *testing.T) {
	dir := t.TempDir()
	grid := []string{"sweep", "--grid", "WARM_IP_TARGET=0..4", "--grid", "WARM_ENI_TARGET=0,1", "--repetitions", "2", "--ec2", "default", "--seed", "9"}
	whole := func(name string) string { return filepath.Join(dir, name) }
	if code, _, errs := cli(append(grid, "--out-json", whole("all.json"), "--out-csv", whole("all.csv"))...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	wantJSON, _ := os.ReadFile(whole("all.json"))
	wantCSV, _ := os.ReadFile(whole("all.csv"))
	for _, n := range []int{1, 2, 3, 7} {
		var shards []string
		for i := 0; i < n; i++ {
			name := whole(fmt.Sprintf("s%d-%d.json", n, i))
			code, out, errs := cli(append(grid, "--shard", fmt.Sprintf("%d/%d", i, n), "--workers", "1", "--out-json", name)...)
			if code != 0 {
				t.Fatalf("shard %d/%d: exit %d: %s", i, n, code, errs)
			}
			if n > 1 && !strings.Contains(out, fmt.Sprintf("shard %d/%d:", i, n)) {
				t.Errorf("shard stdout %s", out)
			}
			shards = append(shards, name)
		}
		mj, mc := whole(fmt.Sprintf("m%d.json", n)), whole(fmt.Sprintf("m%d.csv", n))
		code, out, errs := cli(append([]string{"sweep", "merge", "--out-json", mj, "--out-csv", mc}, shards...)...)
		if code != 0 {
			t.Fatalf("merge %d: exit %d: %s", n, code, errs)
		}
		if !strings.Contains(out, "Pareto frontier") {
			t.Errorf("merge stdout %s", out)
		}
		gotJSON, _ := os.ReadFile(mj)
		gotCSV, _ := os.ReadFile(mc)
		if !bytes.Equal(gotJSON, wantJSON) || !bytes.Equal(gotCSV, wantCSV) {
			t.Errorf("%d shards: merged outputs differ from the unsharded run's", n)
		}
		// Without output files the merged JSON goes to stdout.
		if code, out, _ := cli(append([]string{"sweep", "merge"}, shards...)...); code != 0 || out != string(wantJSON) {
			t.Errorf("%d shards: merge to stdout: exit %d", n, code)
		}
	}
	// --shard-count takes the index from JOB_COMPLETION_INDEX.
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	name := whole("job-1.json")
	if code, _, errs := cli(append(grid, "--shard-count", "3", "--out-json", name)...); code != 0 {
		t.Fatalf("--shard-count: exit %d: %s", code, errs)
	}
	a, _ := os.ReadFile(name)
	b, _ := os.ReadFile(whole("s3-1.json"))
	if !bytes.Equal(a, b) {
		t.Error("--shard-count 3 with JOB_COMPLETION_INDEX=1 differs from --shard 1/3")
	}
	// Merge errors are input errors.
	if code, _, errs := cli("sweep", "merge", whole("s3-0.json"), whole("s3-1.json")); code != 2 || !strings.Contains(errs, "missing shard(s) 2 of 3") {
		t.Errorf("missing shard: exit %d: %s", code, errs)
	}
	if code, _, _ := cli("sweep", "merge", whole("nope.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := cli("sweep", "merge"); code != 2 {
		t.Errorf("no files: exit %d", code)
	}
}

func TestRecommendCLI(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "s.json")
	if code, _, errs := cli("sweep", "--grid", "WARM_IP_TARGET=0..6", "--instance-types", "m5.large", "--out-json", js); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := cli("recommend", "--from", js, "--max-p99-wait", "60s")
	if code != 0 || !strings.Contains(out, "Recommendation for p99 pod IP wait <= 1m0s") || !strings.Contains(out, "Runner-up:") || !strings.Contains(out, "rerun                ipamsim run") {
		t.Errorf("exit %d: %s\n%s", code, out, errs)
	}
	// Inline: the same grid flags give the same recommendation.
	code, inline, errs := cli("recommend", "--grid", "WARM_IP_TARGET=0..6", "--instance-types", "m5.large", "--max-p99-wait", "60s")
	if code != 0 || inline != out {
		t.Errorf("inline: exit %d %s\n%s\nwant\n%s", code, errs, inline, out)
	}
	code, out, _ = cli("recommend", "--from", js, "--max-p99-wait", "60s", "--max-ec2-calls-per-hour", "1000", "-o", "json")
	var rec struct {
		Best        *sweep.Combination
		Constraints map[string]float64
	}
	if err := json.Unmarshal([]byte(out), &rec); code != 0 || err != nil || rec.Best == nil || rec.Constraints["max_p99_wait_seconds"] != 60 {
		t.Errorf("json: exit %d %v %s", code, err, out)
	}
	// Nothing meets 1 ms: exit 1, and the text says so.
	code, out, _ = cli("recommend", "--from", js, "--max-p99-wait", "1ms")
	if code != 1 || !strings.Contains(out, "none of the 7 setting combinations meets it") {
		t.Errorf("unmeetable: exit %d: %s", code, out)
	}
	usage := [][]string{
		{"recommend", "--from", js},
		{"recommend", "--from", js, "--max-p99-wait", "0s"},
		{"recommend", "--from", js, "--max-p99-wait", "-5s"},
		{"recommend", "--from", js, "--max-p99-wait", "5s", "--max-ec2-calls-per-hour", "-1"},
		{"recommend", "--from", js, "--max-p99-wait", "5s", "--max-ec2-calls-per-hour", "0"},
		{"recommend", "--from", js, "--max-ec2-calls-per-hour", "10"},
		{"recommend", "--from", js, "--max-p99-wait", "5s", "--grid", "WARM_IP_TARGET=1"},
		{"recommend", "--from", js, "--max-p99-wait", "5s", "-o", "yaml"},
		{"recommend", "--from", filepath.Join(dir, "none.json"), "--max-p99-wait", "5s"},
		{"recommend", "--max-p99-wait", "5s", "--shard", "0/2"},
		{"recommend", "--max-p99-wait", "5s", "extra"},
	}
	for _, args := range usage {
		if code, _, errs := cli(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errs)
		}
	}
	// A shard is refused until merged.
	shard := filepath.Join(dir, "shard.json")
	if code, _, errs := cli("sweep", "--grid", "WARM_IP_TARGET=0..3", "--shard", "0/2", "--out-json", shard); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := cli("recommend", "--from", shard, "--max-p99-wait", "5s"); code != 2 || !strings.Contains(errs, "merge") {
		t.Errorf("shard: exit %d: %s", code, errs)
	}
}

func TestSweepCLIErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	trace := filepath.Join(dir, "bad.csv")
	os.WriteFile(trace, []byte("at,op,pod\n0,add,a\n1,add,a\n"), 0o644)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--grid", "WARM_IP_TARGET=5..1"}, 2, "--grid"},
		{[]string{"--grid", "WARM_IP_TARGT=1"}, 2, "did you mean WARM_IP_TARGET"},
		{[]string{"--grid", "WARM_IP_TARGET=1", "--grid", "WARM_IP_TARGET=2"}, 2, "duplicate key"},
		{[]string{"--grid", "WARM_IP_TARGET=0..2000", "--grid", "MINIMUM_IP_TARGET=0..2000"}, 2, "1000000 points"},
		{[]string{"--instance-types", "m5.huge"}, 2, "--instance-types"},
		{[]string{"--orders", "best-fit"}, 2, "--orders"},
		{[]string{"--repetitions", "0"}, 2, "--repetitions"},
		{[]string{"--set", "WARM_IP_TARGET=x"}, 2, "--set"},
		{[]string{"--ec2", "fast"}, 2, "--ec2"},
		{[]string{"--drain", "-1s"}, 2, "--drain"},
		{[]string{"--max-pods", "-1"}, 2, "--max-pods"},
		{[]string{"--workers", "0"}, 2, "--workers"},
		{[]string{"--scenario", "nope"}, 2, "unknown scenario"},
		{[]string{"--scenario", "default", "--trace", trace}, 2, "exclude"},
		{[]string{"--trace", "-"}, 2, "standard input"},
		{[]string{"--trace", filepath.Join(dir, "none.csv")}, 2, "--trace"},
		{[]string{"--trace", trace}, 2, "already live"},
		{[]string{"--shard", "2/2"}, 2, "--shard"},
		{[]string{"--shard", "0/2", "--shard-count", "2"}, 2, "exclude"},
		{[]string{"--shard-count", "2"}, 2, "JOB_COMPLETION_INDEX"},
		{[]string{"--max-p99-wait", "0s"}, 2, "--max-p99-wait"},
		{[]string{"--max-p99-wait", "-1s"}, 2, "--max-p99-wait"},
		{[]string{"--max-ec2-calls-per-hour", "5"}, 2, "needs --max-p99-wait"},
		{[]string{"--nope"}, 2, "unknown flag"},
		{[]string{"stray"}, 2, "unexpected argument"},
	}
	for _, c := range cases {
		args := append([]string{"sweep", "--out-json", out}, c.args...)
		code, _, errs := cli(args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%q: left %s behind", c.args, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if code, out, _ := cli("sweep", "--help"); code != 0 || !strings.Contains(out, "--grid") {
		t.Errorf("--help: exit %d", code)
	}
	if code, _, _ := cli("sweep", "merge", "--help"); code != 0 {
		t.Errorf("merge --help: exit %d", code)
	}
	if code, _, _ := cli("recommend", "--help"); code != 0 {
		t.Errorf("recommend --help: exit %d", code)
	}
}

// TestSweepCLIScenarioFile: a scenario file's ec2, drain and max-pods are the
// sweep's defaults, and the rerun commands reproduce every point.
func TestSweepCLIScenarioFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pods.csv"), []byte("at,op,pod\n0,add,a\n1,add,b\n2,add,c\n3,add,d\n60,del,a\n61,add,e\n"), 0o644)
	scn := filepath.Join(dir, "mine.scn")
	os.WriteFile(scn, []byte("name: mine\nquestion: Does it sweep?\ninstance-type: t3.medium\nmax-pods: 12\nset: WARM_ENI_TARGET=0\n"+
		"ec2: zero\ndrain: 2m\nworkload: trace pods.csv\nworkload: gen churn --prefix bg --rate 0.05 --duration 5m\n"), 0o644)
	js := filepath.Join(dir, "s.json")
	code, _, errs := cli("sweep", "--scenario", scn, "--grid", "WARM_IP_TARGET=1..3", "--repetitions", "2", "--out-json", js)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	doc := readDoc(t, js)
	if doc.EC2Profile != "zero" || doc.Drain != "2m0s" || doc.MaxPods != 12 || doc.Grid.InstanceTypes[0] != "t3.medium" || len(doc.Points) != 6 {
		t.Fatalf("plan %+v", doc.Plan)
	}
	for _, p := range doc.Points {
		if p.Summary.MaxPods != 12 || p.Summary.PodsAdded < 5 {
			t.Errorf("point %d: max pods %d, %d pods", p.Index, p.Summary.MaxPods, p.Summary.PodsAdded)
		}
	}
	checkReruns(t, doc)
	// Flags override the scenario's defaults.
	code, _, errs = cli("sweep", "--scenario", scn, "--ec2", "default", "--drain", "1m", "--max-pods", "8", "--out-json", js)
	if d := readDoc(t, js); code != 0 || d.EC2Profile != "default" || d.Drain != "1m0s" || d.MaxPods != 8 {
		t.Errorf("exit %d %s: plan %+v", code, errs, d.Plan)
	}
}
