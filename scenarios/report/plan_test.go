package report

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios/plan"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// planDoc plans 60 pods without requests over three types in a /24.
func planDoc(t *testing.T, o plan.Objective) *plan.Document {
	t.Helper()
	var b strings.Builder
	b.WriteString("at,op,pod\n")
	for i := range 60 {
		fmt.Fprintf(&b, "1,add,p%02d\n", i)
	}
	w, err := sweep.BytesWorkload("sixty.csv", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.Build(plan.Spec{Workload: w, Subnets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")},
		Candidates: []string{"t3.medium", "m5.large", "m5.xlarge"}, Seed: 1, Prices: catalog.EmbeddedPrices(), Objective: o})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := pl.Run(2, sweep.Shard{})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func renderPlan(t *testing.T, doc *plan.Document) htmlDoc {
	t.Helper()
	var b bytes.Buffer
	if err := WritePlan(&b, doc); err != nil {
		t.Fatal(err)
	}
	return parsePage(t, b.String())
}

func TestPlanReport(t *testing.T) {
	doc := planDoc(t, plan.Objective{MaxP99Wait: time.Hour})
	rec := doc.Recommendation
	if rec == nil || rec.Best < 0 {
		t.Fatal("the test wants a recommendation")
	}
	best := doc.Candidates[rec.Best]
	p := renderPlan(t, doc)
	if p.count["svg"] != 1 {
		t.Errorf("%d svg elements, want 1 (the cost chart)", p.count["svg"])
	}
	for _, want := range []string{"ipamsim plan report: Trace sixty.csv", "Workload and candidates", "Cost and pod IP wait",
		"Recommended: " + best.Label(), "objective ≤ 1h", "t3.medium", "m5.large", "m5.xlarge", "subnet headroom",
		fmt.Sprintf("%.3f $/h", best.USDPerHour), "Candidates"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	// One marker per candidate, the recommendation ringed (and named, and its
	// table row marked: two elements of class best), the objective drawn.
	for class, n := range map[string]int{"front": 3, "bestring": 1, "objline": 1, "best": 2} {
		if p.class[class] != n {
			t.Errorf("%d elements of class %s, want %d", p.class[class], class, n)
		}
	}
	// Without an objective: no recommendation, no objective line.
	p2 := renderPlan(t, planDoc(t, plan.Objective{}))
	if !strings.Contains(p2.text, "No objective given") || p2.class["objline"] != 0 || p2.class["bestring"] != 0 || strings.Contains(p2.text, "Recommendation") {
		t.Error("a report without an objective shows one")
	}
	// A shard is refused.
	shard := *doc
	shard.Points = shard.Points[:1]
	if err := WritePlan(&bytes.Buffer{}, &shard); err == nil || !strings.Contains(err.Error(), "merge the shards") {
		t.Errorf("a shard's report: %v", err)
	}
}
