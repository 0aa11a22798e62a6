package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// The reports' pages are tested in scenarios/report; these tests check that
// the --report flags reach them.

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunReport: run --report writes the scenario's page: its title,
// question, variant and the seven charts of a run in which pods waited.
func TestRunReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	code, _, stderr := runRunCapture("--scenario", "scale-burst", "--variant", "warm-ip-5", "--report", out, "--sample-interval", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page := string(mustRead(t, out))
	sc, err := scenarios.LoadScenario("scale-burst")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>ipamsim report: Scenario scale-burst, variant warm-ip-5</title>", sc.Question,
		"scenario scale-burst (builtin)", "timelines sampled every 5s", `<tr class="changed"><th><code>WARM_IP_TARGET</code></th><td>5 (changed)</td></tr>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 7 {
		t.Errorf("%d charts, want 7", n)
	}
}

// A failed run leaves no backfill, report or temporary file behind.
func TestVisualOutputsAtomic(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(trace, []byte("at,op,pod\n1,add,a\n2,add,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _ := runRunCapture("--trace", trace, "--openmetrics-file", filepath.Join(dir, "x.om"), "--report", filepath.Join(dir, "x.html"))
	if code != 2 {
		t.Fatalf("exit %d, want 2 for a duplicate add", code)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("left behind: %v", names)
	}
}

// TestSweepReportFlags: sweep, recommend --from and recommend running the
// sweep itself write the same page; recommend writes it when nothing meets
// the objective (and exits 1); a shard cannot have one.
func TestSweepReportFlags(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	js, html := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.html")
	grid := []string{"--trace", trace, "--grid", "WARM_IP_TARGET=0..4", "--grid", "MINIMUM_IP_TARGET=0,5", "--drain", "2m", "--repetitions", "2"}
	code, out, errs := cli(append(append([]string{"sweep"}, grid...), "--max-p99-wait", "45s", "--out-json", js, "--report", html)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rec, err := readDoc(t, js).Recommend(sweep.Constraints{MaxP99Wait: 45 * time.Second})
	if err != nil || rec.Best == nil {
		t.Fatalf("the test wants a recommendation: %v", err)
	}
	page := string(mustRead(t, html))
	if !strings.Contains(out, rec.Best.Label()) || !strings.Contains(page, "Recommended: "+rec.Best.Label()) {
		t.Fatalf("stdout or the page does not recommend %s", rec.Best.Label())
	}
	for _, args := range [][]string{
		{"recommend", "--from", js, "--max-p99-wait", "45s"},
		append(append([]string{"recommend"}, grid...), "--max-p99-wait", "45s"),
	} {
		h2 := filepath.Join(dir, "r.html")
		if code, _, errs := cli(append(args, "--report", h2)...); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errs)
		}
		if string(mustRead(t, h2)) != page {
			t.Errorf("%q: the report differs from the sweep's", args)
		}
	}
	h3 := filepath.Join(dir, "none.html")
	if code, _, _ := cli("recommend", "--from", js, "--max-p99-wait", "1ms", "--report", h3); code != 1 {
		t.Errorf("unmeetable: exit %d, want 1", code)
	}
	if !strings.Contains(string(mustRead(t, h3)), "No setting combination of the sweep meets it") {
		t.Error("the unmeetable report does not say so")
	}
	code, _, errs = cli(append(append([]string{"sweep"}, grid...), "--shard", "0/2", "--report", filepath.Join(dir, "shard.html"))...)
	if code != 2 || !strings.Contains(errs, "--report needs the whole sweep") {
		t.Errorf("a shard's --report: exit %d, %s", code, errs)
	}
}

// TestCompareReportFlags: --report changes none of compare's own output and
// draws one timeline per policy.
func TestCompareReportFlags(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	html := filepath.Join(dir, "c.html")
	args := []string{"--trace", trace, "--policies", "vpc-cni,terway,static", "--policy-set", "terway.max_pool_size=3", "--drain", "2m"}
	for _, format := range []string{"json", "text", "csv"} {
		a := append(append([]string{}, args...), "-o", format)
		code, plain, errs := runCompareCapture("", a...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		code, withReport, errs := runCompareCapture("", append(a, "--report", html, "--sample-interval", "5s")...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if withReport != plain {
			t.Errorf("--report changes compare's %s output", format)
		}
	}
	page := string(mustRead(t, html))
	for _, want := range []string{"ipamsim compare report: Trace " + trace, "sampled every 5s", "terway: parameters max_pool_size=3",
		`id="policy-vpc-cni"`, `id="policy-terway"`, `id="policy-static"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The default scenario: the question and all six policies.
	if code, _, errs := runCompareCapture("", "--report", html); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	page = string(mustRead(t, html))
	if n := strings.Count(page, "<svg"); n != 6 || !strings.Contains(page, "How long do pods wait for an address") {
		t.Errorf("default scenario: %d svg elements", n)
	}
}

func TestCompareReportErrors(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "c.html")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--sample-interval", "5s"}, "needs --report"},
		{[]string{"--report", html, "--sample-interval", "0s"}, "--sample-interval"},
		{[]string{"--report", filepath.Join(dir, "no", "dir", "c.html")}, "--report"},
		{[]string{"--report", html, "--policies", "vpc-cni,nope"}, "valid: azure-cns"},
		{[]string{"--report", html, "--policy-set", "terway.nope=1"}, "valid parameters of terway"},
	} {
		code, _, errs := runCompareCapture("", c.args...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.msg)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}
