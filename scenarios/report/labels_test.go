package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
	"github.com/ipamsim/ipamsim/sim"
)

// markBox is the box of a failed-ADD triangle (tri pointing down: the path
// starts at its tip) or a quantile dot (radius 4); ok is false for other marks.
func markBox(m shape) (b box, ok bool) {
	switch m.Class {
	case "fail":
		var x, y float64
		if _, err := fmt.Sscanf(m.D, "M%f %f", &x, &y); err != nil {
			return box{}, false
		}
		return box{x - 5, y - 8, x + 5, y}, true
	case "qdot":
		return box{m.X - 4, m.Y - 4, m.X + 4, m.Y + 4}, true
	}
	return box{}, false
}

// overlaps lists the pairs of texts of c (labels and ticks) whose boxes
// (labelBox) intersect, and the texts that cover a failed-ADD mark or a
// quantile dot.
func overlaps(c *chart) []string {
	texts := append(append([]label{}, c.Labels...), c.Ticks...)
	var out []string
	for i := range texts {
		bi := labelBox(texts[i])
		for j := i + 1; j < len(texts); j++ {
			if bi.overlaps(labelBox(texts[j])) {
				out = append(out, fmt.Sprintf("%q at (%.1f, %.1f) and %q at (%.1f, %.1f)",
					texts[i].Text, texts[i].X, texts[i].Y, texts[j].Text, texts[j].X, texts[j].Y))
			}
		}
		for _, m := range c.Marks {
			if mb, ok := markBox(m); ok && bi.overlaps(mb) {
				out = append(out, fmt.Sprintf("%q at (%.1f, %.1f) covers the mark %q", texts[i].Text, texts[i].X, texts[i].Y, m.Title))
			}
		}
	}
	return out
}

func checkLabels(t *testing.T, name string, charts ...*chart) {
	t.Helper()
	for _, c := range charts {
		if c == nil {
			continue
		}
		for _, o := range overlaps(c) {
			t.Errorf("%s, chart %s: labels overlap: %s", name, c.ID, o)
		}
	}
}

// TestLabelsDoNotOverlap: no two texts of any chart overlap, in the run
// report of every shipped single-node scenario and variant, and in sweep and
// compare reports.
func TestLabelsDoNotOverlap(t *testing.T) {
	for _, sc := range scenarios.Builtins() {
		if sc.IsCluster() {
			continue
		}
		variants := []string{""}
		for _, v := range sc.Variants {
			variants = append(variants, v.Name)
		}
		for _, v := range variants {
			rec, info := scenarioRecord(t, sc.Name, v)
			end := rec.rows[len(rec.rows)-1].at
			rec.finish(end)
			p := rec.page(info, end)
			name := sc.Name + " " + v
			checkLabels(t, name, p.Charts...)
			checkLabels(t, name, p.Close...)
			checkLabels(t, name, p.CDF)
		}
	}
	for _, tc := range []struct {
		spec   sweep.GridSpec
		ec2    string
		con    sweep.Constraints
		hasCon bool
	}{
		{sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..4", "MINIMUM_IP_TARGET=0,5"}, Repetitions: 2}, "default", sweep.Constraints{MaxP99Wait: 45 * time.Second}, true},
		{sweep.GridSpec{Grid: []string{"WARM_IP_TARGET=0..3"}}, "zero", sweep.Constraints{MaxP99Wait: 5 * time.Second}, true},
		{sweep.GridSpec{Policies: []string{"vpc-cni", "cilium-eni", "terway", "static"}, Grid: []string{"WARM_IP_TARGET=0..2"}}, "zero", sweep.Constraints{}, false},
	} {
		doc := traceSweep(t, "short.csv", shortTrace, tc.spec, tc.ec2, "2m0s")
		p := sweepPageOf(doc, tc.con, tc.hasCon)
		checkLabels(t, fmt.Sprintf("sweep %v", tc.spec.Grid), p.Chart)
	}
	runs := compareRuns(t, []string{"vpc-cni", "terway", "static", "calico"}, nil, 5*time.Second)
	p := comparePageOf(Comparison{Workload: "trace short.csv", InstanceType: "m5.large", SampleEvery: 5 * sim.Second, Runs: runs})
	checkLabels(t, "compare", p.Charts...)
}
