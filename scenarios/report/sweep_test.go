package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// parsePage parses a sweep or compare report as HTML (encoding/xml in its
// lenient HTML mode: tags must nest and close) and checks it is
// self-contained: no script, no link, no src or href, no URL.
func parsePage(t *testing.T, page string) htmlDoc {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		t.Fatal("no doctype")
	}
	doc := parseHTML(t, page)
	for _, a := range doc.attrs {
		if (a.Name.Local == "src" || a.Name.Local == "href") && a.Value != "" {
			t.Errorf("external reference %s=%q", a.Name.Local, a.Value)
		}
	}
	if doc.count["script"] != 0 || doc.count["link"] != 0 || doc.count["img"] != 0 || doc.count["iframe"] != 0 ||
		strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "url(") || strings.Contains(page, "@import") {
		t.Error("the report refers to something outside itself")
	}
	return doc
}

// TestSweepReport: the sweep's page has the workload and grid, one chart
// with the frontier, the objective and the recommended point and runner-up
// marked, and the frontier's table with the recommendation's settings.
func TestSweepReport(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	js, html := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.html")
	code, out, errs := cli("sweep", "--trace", trace, "--grid", "WARM_IP_TARGET=0..4", "--grid", "MINIMUM_IP_TARGET=0,5", "--drain", "2m",
		"--repetitions", "2", "--max-p99-wait", "45s", "--out-json", js, "--report", html)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	doc := readDoc(t, js)
	rec, err := doc.Recommend(sweep.Constraints{MaxP99Wait: 45 * time.Second})
	if err != nil || rec.Best == nil || rec.RunnerUp == nil {
		t.Fatalf("the test wants a recommendation and a runner-up: %v", err)
	}
	if !strings.Contains(out, rec.Best.Label()) {
		t.Fatalf("stdout does not recommend %s", rec.Best.Label())
	}
	page := string(mustRead(t, html))
	p := parsePage(t, page)
	if p.count["svg"] != 1 {
		t.Errorf("%d svg elements, want 1 (the frontier chart)", p.count["svg"])
	}
	best := strings.Join(rec.Best.Settings, " ")
	for _, want := range []string{"ipamsim sweep report: Trace " + trace, "Workload and grid", "WARM_IP_TARGET", "0, 1, 2, 3, 4",
		"MINIMUM_IP_TARGET", "0, 5", "Pareto frontier", "The frontier, cheapest first",
		"Recommended: " + rec.Best.Label(), "recommended: " + best, "runner-up: " + strings.Join(rec.RunnerUp.Settings, " "),
		"objective: p99 ≤ 45s", "Why: " + rec.Reason(), rec.Best.Rerun, rec.RunnerUp.Rerun, "mean addresses held by the node", "EC2 calls per run",
		"All 10 setting combinations"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	for class, n := range map[string]int{"front": len(doc.Frontier), "bestring": 1, "runring": 1, "objline": 1, "best": 1, "runner": 1} {
		if p.class[class] < n {
			t.Errorf("%d elements of class %s, want at least %d", p.class[class], class, n)
		}
	}
	if len(doc.Frontier) > 1 && p.class["frontline"] != 1 {
		t.Error("the frontier is not connected")
	}
	// The frontier table has one row per frontier combination, and the
	// table of every combination one per combination.
	if rows := strings.Count(page, "<tr"); rows < len(doc.Frontier)+len(doc.Combinations()) {
		t.Errorf("%d table rows", rows)
	}

	// recommend --from and inline give the same page as the sweep.
	for _, args := range [][]string{
		{"recommend", "--from", js, "--max-p99-wait", "45s"},
		{"recommend", "--trace", trace, "--grid", "WARM_IP_TARGET=0..4", "--grid", "MINIMUM_IP_TARGET=0,5", "--drain", "2m", "--repetitions", "2", "--max-p99-wait", "45s"},
	} {
		h2 := filepath.Join(dir, "r.html")
		if code, _, errs := cli(append(args, "--report", h2)...); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errs)
		}
		if string(mustRead(t, h2)) != page {
			t.Errorf("%q: the report differs from the sweep's", args)
		}
	}
	// Nothing meets 1ms: recommend exits 1 and the page says so.
	h3 := filepath.Join(dir, "none.html")
	if code, _, _ := cli("recommend", "--from", js, "--max-p99-wait", "1ms", "--report", h3); code != 1 {
		t.Errorf("unmeetable: exit %d, want 1", code)
	}
	p3 := parsePage(t, string(mustRead(t, h3)))
	if !strings.Contains(p3.text, "No setting combination of the sweep meets it") || p3.class["bestring"] != 0 || p3.count["svg"] != 1 {
		t.Error("the unmeetable report does not say so")
	}
	// Without an objective: the frontier only.
	h4 := filepath.Join(dir, "plain.html")
	if code, _, errs := cli("sweep", "--trace", trace, "--grid", "WARM_IP_TARGET=0..2", "--drain", "2m", "--report", h4); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p4 := parsePage(t, string(mustRead(t, h4)))
	if !strings.Contains(p4.text, "No objective given") || p4.class["objline"] != 0 || p4.class["bestring"] != 0 || strings.Contains(p4.text, "Recommendation") {
		t.Error("a report without an objective shows one")
	}
}

// TestSweepReportPolicies: with --policies, the page names every policy, in
// the grid, the legend and the cheapest-per-policy table.
func TestSweepReportPolicies(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	html := filepath.Join(dir, "p.html")
	policies := []string{"vpc-cni", "cilium-eni", "terway", "static"}
	code, _, errs := cli("sweep", "--trace", trace, "--policies", strings.Join(policies, ","), "--policy-set", "cilium-eni.pre-allocate=4",
		"--grid", "WARM_IP_TARGET=0..2", "--drain", "2m", "--ec2", "zero", "--max-p99-wait", "15s", "--report", html)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p := parsePage(t, string(mustRead(t, html)))
	if p.count["svg"] != 1 {
		t.Errorf("%d svg elements, want 1", p.count["svg"])
	}
	for _, want := range []string{"pool policies", "cilium-eni.pre-allocate=4", "The cheapest combination meeting it, per policy", "Shape: pool policy"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	for _, pol := range policies {
		if strings.Count(p.text, pol) < 3 {
			t.Errorf("policy %s named %d times", pol, strings.Count(p.text, pol))
		}
	}
}
