package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareReport: the page has the comparison table and one timeline per
// policy, and --report changes none of compare's own output.
func TestCompareReport(t *testing.T) {
	dir := t.TempDir()
	trace := writeShortTrace(t, dir)
	html := filepath.Join(dir, "c.html")
	policies := []string{"vpc-cni", "terway", "static"}
	args := []string{"--trace", trace, "--policies", strings.Join(policies, ","), "--policy-set", "terway.max_pool_size=3", "--drain", "2m", "-o", "json"}
	code, plain, errs := runCompareCapture("", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, withReport, errs := runCompareCapture("", append(args, "--report", html, "--sample-interval", "5s")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if withReport != plain {
		t.Error("--report changes compare's JSON output")
	}
	page := string(mustRead(t, html))
	p := parsePage(t, page)
	if p.count["svg"] != len(policies) {
		t.Errorf("%d svg elements, want one per policy (%d)", p.count["svg"], len(policies))
	}
	for _, want := range []string{"ipamsim compare report: Trace " + trace, "The policies side by side", "addresses held, mean", "pod IP wait p99 (s)",
		"EC2 calls", "terway: parameters max_pool_size=3", "static: node settings IP_COOLDOWN_PERIOD=0", "sampled every 5s", "Fewest EC2 calls: static"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	for _, pol := range policies {
		if !strings.Contains(page, `id="policy-`+pol+`"`) || strings.Count(p.text, pol) < 2 {
			t.Errorf("no timeline or column for %s", pol)
		}
	}
	for class, n := range map[string]int{"held": len(policies), "assigned": len(policies), "waitbar": len(policies), "lead": 3} {
		if p.class[class] < n {
			t.Errorf("%d elements of class %s, want at least %d", p.class[class], class, n)
		}
	}
	// The text table is the same with --report too.
	_, text, _ := runCompareCapture("", "--trace", trace, "--policies", "vpc-cni,static", "--drain", "2m")
	_, text2, _ := runCompareCapture("", "--trace", trace, "--policies", "vpc-cni,static", "--drain", "2m", "--report", html)
	if text != text2 {
		t.Error("--report changes compare's text output")
	}
	// The default scenario: the question and all six policies.
	if code, _, errs := runCompareCapture("", "--report", html); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p = parsePage(t, string(mustRead(t, html)))
	if p.count["svg"] != 6 || !strings.Contains(p.text, "How long do pods wait for an address") {
		t.Errorf("default scenario: %d svg elements", p.count["svg"])
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
