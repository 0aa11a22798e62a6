package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// renderSweep renders doc's report.
func renderSweep(t *testing.T, doc *sweep.Document, con sweep.Constraints, hasCon bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSweep(&b, doc, con, hasCon); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSweepReport: the sweep's page has the workload and grid, one chart
// with the frontier, the objective and the recommended point and runner-up
// marked, and the frontier's table with the recommendation's settings.
func TestSweepReport(t *testing.T) {
	doc := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..4", "MINIMUM_IP_TARGET=0,5"}, Repetitions: 2},
		"default", "2m0s")
	con := sweep.Constraints{MaxP99Wait: 45 * time.Second}
	rec, err := doc.Recommend(con)
	if err != nil || rec.Best == nil || rec.RunnerUp == nil {
		t.Fatalf("the test wants a recommendation and a runner-up: %v", err)
	}
	page := renderSweep(t, doc, con, true)
	p := parsePage(t, page)
	if p.count["svg"] != 1 {
		t.Errorf("%d svg elements, want 1 (the frontier chart)", p.count["svg"])
	}
	best := strings.Join(rec.Best.Settings, " ")
	for _, want := range []string{"ipamsim sweep report: Trace short.csv", "Workload and grid", "WARM_IP_TARGET", "0, 1, 2, 3, 4",
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

	// Nothing meets 1ms: the page says so.
	p3 := parsePage(t, renderSweep(t, doc, sweep.Constraints{MaxP99Wait: time.Millisecond}, true))
	if !strings.Contains(p3.text, "No setting combination of the sweep meets it") || p3.class["bestring"] != 0 || p3.count["svg"] != 1 {
		t.Error("the unmeetable report does not say so")
	}
	// Without an objective: the frontier only.
	plain := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}}, "default", "2m0s")
	p4 := parsePage(t, renderSweep(t, plain, sweep.Constraints{}, false))
	if !strings.Contains(p4.text, "No objective given") || p4.class["objline"] != 0 || p4.class["bestring"] != 0 || strings.Contains(p4.text, "Recommendation") {
		t.Error("a report without an objective shows one")
	}
	// A shard is refused.
	shard := *doc
	shard.Points = shard.Points[:3]
	if err := WriteSweep(&bytes.Buffer{}, &shard, con, true); err == nil || !strings.Contains(err.Error(), "merge the shards") {
		t.Errorf("a shard's report: %v", err)
	}
}

// TestSweepReportPolicies: with several policies, the page names every
// policy, in the grid, the legend and the cheapest-per-policy table.
func TestSweepReportPolicies(t *testing.T) {
	policies := []string{"vpc-cni", "cilium-eni", "terway", "static"}
	doc := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Policies: policies, PolicySets: []string{"cilium-eni.pre-allocate=4"},
		Grid: []string{"WARM_IP_TARGET=0..2"}}, "zero", "2m0s")
	p := parsePage(t, renderSweep(t, doc, sweep.Constraints{MaxP99Wait: 15 * time.Second}, true))
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

// TestSweepReportDropped: the page says how many combinations the frontier
// drops, or that none dominates another.
func TestSweepReportDropped(t *testing.T) {
	doc := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..4", "MINIMUM_IP_TARGET=0,5,10,20"}}, "default", "2m0s")
	n := len(doc.Combinations()) - len(doc.Frontier)
	if n < 2 {
		t.Fatalf("the test wants dominated combinations, got %d", n)
	}
	p := parsePage(t, renderSweep(t, doc, sweep.Constraints{}, false))
	if want := fmt.Sprintf("The other %d are dominated", n); !strings.Contains(p.text, want) {
		t.Errorf("the page lacks %q", want)
	}
	all := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}}, "zero", "2m0s")
	if len(all.Frontier) != len(all.Combinations()) {
		t.Fatalf("the test wants a frontier of every combination, got %d of %d", len(all.Frontier), len(all.Combinations()))
	}
	p = parsePage(t, renderSweep(t, all, sweep.Constraints{}, false))
	if !strings.Contains(p.text, "None is dropped: no combination dominates another.") {
		t.Error("the page does not say that none is dropped")
	}
}

// TestSweepReportLogAxis: an objective that a linear p99 axis would flatten
// (under a tenth of it) gets a logarithmic one: the objective line sits well
// above the bottom, the recommendation is marked inside the plot, and no
// combination is clipped to the top edge.
func TestSweepReportLogAxis(t *testing.T) {
	doc := traceSweep(t, "short.csv", shortTrace, sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..2", "MINIMUM_IP_TARGET=0,20"}}, "zero", "2m0s")
	con := sweep.Constraints{MaxP99Wait: 2 * time.Second}
	rec, err := doc.Recommend(con)
	if err != nil || rec.Best == nil {
		t.Fatalf("the test wants a recommendation: %v", err)
	}
	slowest := 0.0
	for _, c := range doc.Combinations() {
		slowest = max(slowest, c.WaitP99Seconds.Mean)
	}
	if slowest < 10*con.MaxP99Wait.Seconds() {
		t.Fatalf("the test wants waits over 10× the objective, the slowest is %gs", slowest)
	}
	all := make([]*sweep.Combination, 0)
	for i := range doc.Combinations() {
		all = append(all, &doc.Combinations()[i])
	}
	front := map[string]int{}
	for i := range doc.Frontier {
		front[doc.Frontier[i].Key] = i + 1
	}
	c := sweepChart(doc, all, front, rec, con, true)
	ticks := map[string]bool{}
	for _, tk := range c.Ticks {
		ticks[tk.Text] = true
	}
	for _, want := range []string{"0 s", "1 s", "2 s", "5 s", "10 s"} {
		if !ticks[want] {
			t.Errorf("no tick %q on the log axis", want)
		}
	}
	var yo float64
	rings := 0
	for _, p := range c.Paths {
		if p.Class == "objline" {
			fmt.Sscanf(p.D, "M%f %f", new(float64), &yo)
		}
	}
	if h := c.Y1 - c.Y0; c.Y1-yo < 0.25*h {
		t.Errorf("the objective line is %.0f of %.0f units above the bottom: flattened", c.Y1-yo, h)
	}
	for _, m := range c.Marks {
		if strings.Contains(m.Class, "off") {
			t.Errorf("a combination is clipped to the top edge: %s", m.Title)
		}
		if m.Class == "bestring" {
			rings++
			var x, y, r float64
			fmt.Sscanf(m.D, "M%f %fa%f", &x, &y, &r)
			if y < c.Y0 || y > c.Y1 {
				t.Errorf("the recommendation is drawn at y %.1f, outside %.0f–%.0f", y, c.Y0, c.Y1)
			}
		}
	}
	if rings != 1 || !strings.Contains(c.Note, "logarithmic") {
		t.Errorf("%d recommendation rings; note %q", rings, c.Note)
	}
	checkLabels(t, "log axis", c)
	// An objective a linear axis shows well keeps it.
	if c := sweepChart(doc, all, front, rec, sweep.Constraints{MaxP99Wait: time.Duration(slowest/2) * time.Second}, true); strings.Contains(c.Note, "logarithmic") {
		t.Error("an objective at half the slowest wait gets a log axis")
	}
}
