package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shortTrace is a small burst and a scale-down: a few seconds of work per
// point.
const shortTrace = "at,op,pod\n" +
	"5,add,a\n5.2,add,b\n5.4,add,c\n5.6,add,d\n5.8,add,e\n6,add,f\n6.2,add,g\n6.4,add,h\n6.6,add,i\n6.8,add,j\n" +
	"7,add,k\n7.2,add,l\n7.4,add,m\n7.6,add,n\n30,add,o\n31,add,p\n90,del,a\n91,del,b\n92,del,c\n93,del,d\n120,add,q\n"

func writeShortTrace(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "short.csv")
	if err := os.WriteFile(path, []byte(shortTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSweepCLIPolicies: --policies over two policies and a small grid on a
// short workload; every point runs its policy, the outputs name it, and each
// rerun command (with --policy and --policy-set) prints the point's summary.
func TestSweepCLIPolicies(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	js, csv := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.csv")
	code, out, errs := cli("sweep", "--trace", trace, "--policies", "vpc-cni,terway", "--policy-set", "terway.max_pool_size=3",
		"--grid", "WARM_IP_TARGET=0..2", "--drain", "2m", "--workers", "3", "--max-p99-wait", "30s", "--out-json", js, "--out-csv", csv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"6 points (6 setting combinations x 1 repetition)", "policies vpc-cni,terway", "point  policy ", "Recommendation for p99 pod IP wait <= 30s"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	doc := readDoc(t, js)
	if len(doc.Points) != 6 || len(doc.Grid.Policies) != 2 || doc.Grid.PolicyParams[0] != "terway.max_pool_size=3" {
		t.Fatalf("%d points, grid %+v", len(doc.Points), doc.Grid)
	}
	for i, p := range doc.Points {
		want := []string{"vpc-cni", "terway"}[i/3]
		if p.Policy != want || p.Summary.Policy != want || !strings.Contains(p.Rerun, "--policy "+want) {
			t.Errorf("point %d: policy %q ran %q, rerun %s", i, p.Policy, p.Summary.Policy, p.Rerun)
		}
		if want == "terway" && !strings.Contains(p.Rerun, "--policy-set max_pool_size=3") {
			t.Errorf("point %d: rerun %s lacks the policy's parameter", i, p.Rerun)
		}
		if p.Seed != doc.Points[i%3].Seed {
			t.Errorf("point %d: seed %d differs from the other policy's (common random numbers)", i, p.Seed)
		}
	}
	body := string(mustRead(t, csv))
	if !strings.HasPrefix(body, "index,policy,instance_type,assign_order,repetition,seed,WARM_IP_TARGET,mean_addresses_held,") ||
		!strings.Contains(body, "\n3,terway,m5.large,go-map,") {
		t.Errorf("CSV:\n%s", body)
	}
	checkReruns(t, doc)
	// recommend --from gives the policy in the recommendation.
	code, rec, errs := cli("recommend", "--from", js, "--max-p99-wait", "30s")
	if code != 0 || !strings.Contains(rec, "rerun                ipamsim run") || !strings.Contains(rec, "--policy ") {
		t.Errorf("recommend: exit %d %s\n%s", code, errs, rec)
	}
}

// TestSweepCLIWithoutPolicies: without --policies nothing names a policy
// (the outputs of the sweep before policies joined the grid).
func TestSweepCLIWithoutPolicies(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	js, csv := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.csv")
	code, out, errs := cli("sweep", "--trace", trace, "--grid", "WARM_IP_TARGET=0..2", "--drain", "2m", "--max-p99-wait", "30s", "--out-json", js, "--out-csv", csv)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "polic") {
		t.Errorf("stdout names a policy:\n%s", out)
	}
	if !strings.Contains(out, "\npoint  instance  order   settings ") {
		t.Errorf("frontier header changed:\n%s", out)
	}
	j := string(mustRead(t, js))
	if strings.Contains(j, `"policies"`) || strings.Contains(j, `"policy_params"`) || strings.Contains(j, "--policy") {
		t.Error("JSON names a policy outside the summaries")
	}
	if n := strings.Count(j, `"policy"`); n != 3 { // summary.policy, one per point, as before
		t.Errorf("%d \"policy\" keys, want the 3 summaries'", n)
	}
	if !strings.HasPrefix(string(mustRead(t, csv)), "index,instance_type,assign_order,repetition,seed,WARM_IP_TARGET,mean_addresses_held,") {
		t.Error("CSV header changed")
	}
	// --policies vpc-cni runs the same points, and names the policy.
	js2 := filepath.Join(dir, "p.json")
	if code, _, errs := cli("sweep", "--trace", trace, "--grid", "WARM_IP_TARGET=0..2", "--drain", "2m", "--policies", "vpc-cni", "--out-json", js2); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	a, b := readDoc(t, js), readDoc(t, js2)
	for i := range a.Points {
		if fmt.Sprint(a.Points[i].Summary) != fmt.Sprint(b.Points[i].Summary) || b.Points[i].Policy != "vpc-cni" {
			t.Errorf("point %d differs with --policies vpc-cni", i)
		}
	}
}

// TestSweepCLIPoliciesShardMerge: shards of a sweep with policies merge byte
// for byte into the unsharded run's JSON, CSV and report.
func TestSweepCLIPoliciesShardMerge(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	grid := []string{"sweep", "--trace", trace, "--policies", "vpc-cni,cilium-eni,static", "--policy-set", "cilium-eni.pre-allocate=4",
		"--grid", "WARM_IP_TARGET=0,2", "--repetitions", "2", "--drain", "2m", "--seed", "5"}
	if code, _, errs := cli(append(grid, "--out-json", p("all.json"), "--out-csv", p("all.csv"), "--report", p("all.html"), "--max-p99-wait", "20s")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, n := range []int{2, 3, 5} {
		var shards []string
		for i := 0; i < n; i++ {
			name := p(fmt.Sprintf("s%d-%d.json", n, i))
			if code, _, errs := cli(append(grid, "--shard", fmt.Sprintf("%d/%d", i, n), "--workers", "2", "--out-json", name)...); code != 0 {
				t.Fatalf("shard %d/%d: exit %d: %s", i, n, code, errs)
			}
			shards = append(shards, name)
		}
		mj, mc, mh := p(fmt.Sprintf("m%d.json", n)), p(fmt.Sprintf("m%d.csv", n)), p(fmt.Sprintf("m%d.html", n))
		code, _, errs := cli(append([]string{"sweep", "merge", "--out-json", mj, "--out-csv", mc, "--report", mh, "--max-p99-wait", "20s"}, shards...)...)
		if code != 0 {
			t.Fatalf("merge %d: exit %d: %s", n, code, errs)
		}
		for _, f := range [][2]string{{mj, "all.json"}, {mc, "all.csv"}, {mh, "all.html"}} {
			if !bytes.Equal(mustRead(t, f[0]), mustRead(t, p(f[1]))) {
				t.Errorf("%d shards: %s differs from the unsharded run's %s", n, filepath.Base(f[0]), f[1])
			}
		}
	}
}

// TestSweepCLIPolicyErrors: a bad policy, parameter or report flag is a
// usage error (exit 2) naming what is valid, and leaves no file behind.
func TestSweepCLIPolicyErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	report := filepath.Join(dir, "r.html")
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"sweep", "--policies", "vpc-cni,flannel"}, "valid: azure-cns, calico, cilium-eni, static, terway, vpc-cni"},
		{[]string{"sweep", "--policies", ""}, "empty item (valid: azure-cns"},
		{[]string{"sweep", "--policies", "terway,terway"}, "duplicate"},
		{[]string{"sweep", "--policies", "terway", "--policy-set", "terway.max_pool=3"}, "valid parameters of terway, with their defaults: max_pool_size=5"},
		{[]string{"sweep", "--policies", "terway", "--policy-set", "terway.max_pool_size=many"}, "not a whole number"},
		{[]string{"sweep", "--policies", "terway", "--policy-set", "cilium-eni.pre-allocate=3"}, "not in --policies"},
		{[]string{"sweep", "--policy-set", "terway.max_pool_size=3"}, "needs --policies"},
		{[]string{"sweep", "--policies", "terway", "--policy-set", "max_pool_size=3"}, "POLICY.KEY=VALUE"},
		{[]string{"sweep", "--shard", "0/2", "--report", report}, "--report needs the whole sweep"},
		{[]string{"sweep", "--report", filepath.Join(dir, "no", "such", "dir", "r.html")}, "--report"},
		{[]string{"recommend", "--max-p99-wait", "5s", "--policies", "nope"}, "valid: azure-cns"},
		{[]string{"recommend", "--max-p99-wait", "5s", "--from", out, "--policies", "terway"}, "exclude"},
		{[]string{"sweep", "merge", "--report", report}, "want the shards' JSON files"},
	}
	for _, c := range cases {
		args := append(append([]string{}, c.args...), "--out-json", out)
		if c.args[0] == "sweep" && len(c.args) > 1 && c.args[1] == "merge" {
			args = c.args
		}
		code, _, errs := cli(args...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.msg)
		}
		for _, f := range []string{out, report} {
			if _, err := os.Stat(f); err == nil {
				t.Fatalf("%q: left %s behind", c.args, f)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	if code, help, _ := cli("sweep", "--help"); code != 0 || !strings.Contains(help, "--policies") || !strings.Contains(help, "--report") {
		t.Errorf("sweep --help: exit %d", code)
	}
}
