package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/plan"
)

// The plan report (ipamsim plan|plan merge --report FILE.html) is one
// self-contained page like the sweep report, whose stylesheet and chart
// helpers it shares: a scatter of every candidate's cost per hour against
// its p99 pod IP wait, coloured by the subnet headroom it leaves (the
// subnets' least free addresses as a share of what they had), the objective
// drawn, the recommendation ringed; then the candidates' table, the
// recommendation with why each cheaper candidate fails, and how many nodes
// of each the subnets hold. No script: tooltips are SVG titles.

type planPage struct {
	Title, Sub, Question string
	Glance               []string
	Plan                 [][2]string
	Chart                *chart
	Objective            bool
	Rec                  *planRec
	Rows                 []planRow
}

type planRec struct {
	Objective, Best string
	None            bool
	Figures         [][2]string
	Cheaper         [][2]string
}

type planRow struct {
	Label, Class, Badge                           string
	VCPU, GiB, PodsPerNode, Limit, Nodes          string
	Held, Peak, MinFree, P99, EC2h, Thr           string
	Price, PerHour, Total, Verdict, Capacity, Per string
	Meets                                         bool
}

// WritePlan renders a complete plan's report into w.
func WritePlan(w io.Writer, doc *plan.Document) error {
	if !doc.Complete() {
		return fmt.Errorf("the plan holds %d of %d points: merge the shards first", len(doc.Points), doc.PointsTotal)
	}
	var b bytes.Buffer
	if err := planTmpl.Execute(&b, planPageOf(doc)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func planPageOf(doc *plan.Document) *planPage {
	wl, title := "scenario "+doc.Workload.Scenario, "Scenario "+doc.Workload.Scenario
	if doc.Workload.Trace != "" {
		wl, title = "trace "+doc.Workload.Trace, "Trace "+doc.Workload.Trace
	}
	p := &planPage{Title: title, Objective: doc.Objective.Set()}
	p.Sub = fmt.Sprintf("%s · %d candidates · EC2 %s · seed %d · %s", wl, len(doc.Candidates), doc.EC2Profile, doc.Seed, doc.Prices)
	if doc.Workload.Scenario != "" {
		if sc, err := scenarios.LoadScenario(doc.Workload.Scenario); err == nil {
			p.Question = sc.Question
		}
	}
	ps := doc.PodSize
	p.Plan = [][2]string{
		{"workload", wl},
		{"subnets", fmt.Sprintf("%s: %d free addresses when the run starts", strings.Join(doc.Subnets, ", "), doc.SubnetFree)},
		{"pods", fmt.Sprintf("%d of %d request %s: pods per node are worked out for that size", ps.Pods, ps.Total, ps.Size)},
		{"daemonsets", "request " + doc.DaemonSet.String() + " on every node"},
		{"candidates", strings.Join(doc.Grid.InstanceTypes, ", ")},
	}
	if doc.Group != "" {
		p.Plan = append(p.Plan, [2]string{"nodes", doc.Group})
	}
	for _, ax := range doc.Grid.Axes {
		p.Plan = append(p.Plan, [2]string{ax.Key, strings.Join(ax.Values, ", ")})
	}
	if len(doc.BaseSettings) > 0 {
		p.Plan = append(p.Plan, [2]string{"fixed settings", strings.Join(doc.BaseSettings, " ")})
	}
	p.Plan = append(p.Plan, [2]string{"prices", doc.Prices})

	rec := doc.Recommendation
	if rec != nil {
		r := &planRec{Objective: rec.Objective, None: rec.Best < 0}
		if !r.None {
			c := &doc.Candidates[rec.Best]
			r.Best = c.Label()
			r.Figures = [][2]string{
				{"cost", fmt.Sprintf("%.3f $/h: %d nodes at the peak × %.4f $/h; %.3f $ over the run", c.USDPerHour, c.NodesPeak, c.USDPerNode, c.USDTotal)},
				{"pods per node", fmt.Sprintf("%d (limited by %s)", c.PodsPerNode, c.Limit)},
				{"p99 pod IP wait", fmt.Sprintf("%s ≤ %s", fmtSec(c.WaitP99Seconds), durText(doc.Objective.MaxP99Wait))},
				{"subnets' least free addresses", strconv.Itoa(c.SubnetMinFree)},
				{"addresses held", fmt.Sprintf("%s on average, %d at the peak", oneDec(c.AddressesMean), c.AddressesPeak)},
			}
		}
		for _, f := range rec.Cheaper {
			r.Cheaper = append(r.Cheaper, [2]string{fmt.Sprintf("%s (%.3f $/h)", f.Candidate, f.USDPerHour), strings.Join(f.Why, "; ")})
		}
		p.Rec = r
	}
	for i := range doc.Candidates {
		c := &doc.Candidates[i]
		r := planRow{Label: c.Label(), VCPU: strconv.Itoa(c.VCPUs), GiB: trimNum(float64(c.MemoryMiB) / 1024),
			PodsPerNode: strconv.Itoa(c.PodsPerNode), Limit: c.Limit, Nodes: strconv.Itoa(c.NodesPeak),
			Held: oneDec(c.AddressesMean), Peak: strconv.Itoa(c.AddressesPeak), MinFree: strconv.Itoa(c.SubnetMinFree),
			P99: fmtSec(c.WaitP99Seconds), EC2h: oneDec(c.EC2CallsPerHour), Thr: strconv.FormatUint(c.ThrottledCalls, 10),
			Price: fmt.Sprintf("%.4f", c.USDPerNode), PerHour: fmt.Sprintf("%.3f", c.USDPerHour), Total: fmt.Sprintf("%.3f", c.USDTotal),
			Capacity: strconv.Itoa(c.SubnetNodes), Per: strconv.Itoa(c.AddressesPerNode), Meets: c.Meets}
		if p.Objective {
			r.Verdict = "meets"
			if !c.Meets {
				r.Verdict = strings.Join(c.Fails, "; ")
			}
		}
		if rec != nil && rec.Best == i {
			r.Class, r.Badge = "best", "recommended"
		}
		p.Rows = append(p.Rows, r)
	}
	p.Glance = planGlance(doc)
	p.Chart = planChart(doc)
	return p
}

func planGlance(doc *plan.Document) []string {
	var out []string
	rec := doc.Recommendation
	switch {
	case rec != nil && rec.Best >= 0:
		c := &doc.Candidates[rec.Best]
		out = append(out, fmt.Sprintf("Recommended: %s at %.3f $/h (%d nodes of %d pods), p99 pod IP wait %s. %d of %d candidates meet the objective.",
			c.Label(), c.USDPerHour, c.NodesPeak, c.PodsPerNode, fmtSec(c.WaitP99Seconds), rec.Meeting, len(doc.Candidates)))
		if n := len(rec.Cheaper); n > 0 {
			out = append(out, fmt.Sprintf("%d cheaper candidate%s fail%s the objective: see why below.", n, plural(n), map[bool]string{true: "s", false: ""}[n == 1]))
		} else {
			out = append(out, "No candidate is cheaper.")
		}
	case rec != nil:
		out = append(out, fmt.Sprintf("None of the %d candidates meets %s.", len(doc.Candidates), rec.Objective))
	default:
		out = append(out, "No objective given: add --max-p99-wait D (and --min-free-addresses N) for a recommendation.")
	}
	lo, hi := 0, 0
	for i := range doc.Candidates {
		c := &doc.Candidates[i]
		if c.SubnetNodes < doc.Candidates[lo].SubnetNodes {
			lo = i
		}
		if c.SubnetNodes > doc.Candidates[hi].SubnetNodes {
			hi = i
		}
	}
	if len(doc.Candidates) > 0 {
		l, h := &doc.Candidates[lo], &doc.Candidates[hi]
		out = append(out, fmt.Sprintf("The subnets hold from %d nodes of %s (%d pods) to %d nodes of %s (%d pods) at these settings.",
			l.SubnetNodes, l.Label(), l.SubnetNodes*l.PodsPerNode, h.SubnetNodes, h.Label(), h.SubnetNodes*h.PodsPerNode))
	}
	out = append(out, "Every candidate replays the same workload and EC2 latency draws (one seed), so they differ by their type and settings alone.")
	return out
}

// planChart is the scatter of cost per hour against p99 wait.
func planChart(doc *plan.Document) *chart {
	c := &chart{ID: "cost", Title: "Cost against p99 pod IP wait, one marker per candidate",
		W: 1100, H: 480, X0: 74, X1: 868, Y0: 34, Y1: 416}
	c.Note = "Lower left is cheaper and faster. Colour: the subnet headroom a candidate leaves (the subnets' least free addresses during the run, as a share of those free at the start; dark is little). A cross: some pod never got a node or an address."
	var xmax, ymax float64
	for i := range doc.Candidates {
		xmax = max(xmax, doc.Candidates[i].WaitP99Seconds)
		ymax = max(ymax, doc.Candidates[i].USDPerHour)
	}
	if doc.Objective.Set() {
		xmax = max(xmax, doc.Objective.MaxP99Wait.Seconds())
	}
	_, xb, xs := niceRange(0, max(xmax, 1e-3)*1.05, 6)
	_, yb, ys := niceRange(0, max(ymax, 1e-3)*1.08, 5)
	x := func(v float64) float64 { return c.X0 + v/xb*(c.X1-c.X0) }
	y := func(v float64) float64 { return c.Y1 - v/yb*(c.Y1-c.Y0) }
	for v := 0.0; v <= yb+ys/1000; v += ys {
		c.Grid = append(c.Grid, shape{X: c.X0, Y: y(v), X2: c.X1, Y2: y(v)})
		c.Ticks = append(c.Ticks, label{X: c.X0 - 6, Y: y(v) + 4, Anchor: "end", Text: trimNum(v)})
	}
	for v := 0.0; v <= xb+xs/1000; v += xs {
		c.Grid = append(c.Grid, shape{X: x(v), Y: c.Y0, X2: x(v), Y2: c.Y1})
		c.Ticks = append(c.Ticks, label{X: x(v), Y: c.Y1 + 16, Anchor: "middle", Text: trimNum(v)})
	}
	c.Labels = append(c.Labels, label{X: (c.X0 + c.X1) / 2, Y: c.Y1 + 36, Anchor: "middle", Text: "p99 pod IP wait (s)", Class: "axlbl"},
		label{X: c.X0 - 52, Y: c.Y0 - 12, Anchor: "start", Text: "cost ($/h, nodes at the peak × price)", Class: "axlbl"})
	if doc.Objective.Set() {
		ox := x(doc.Objective.MaxP99Wait.Seconds())
		c.Bands = append(c.Bands, shape{Class: "missband", X: ox, Y: c.Y0, W: c.X1 - ox, H: c.Y1 - c.Y0})
		c.Paths = append(c.Paths, shape{Class: "objline", D: fmt.Sprintf("M%.1f %.1fV%.1f", ox, c.Y0, c.Y1)})
		c.Labels = append(c.Labels, label{X: ox + 5, Y: c.Y0 + 12, Anchor: "start", Text: "objective ≤ " + durText(doc.Objective.MaxP99Wait), Class: "objlbl"})
		c.Legend = append(c.Legend, legendItem{"sw-obj", "objective"})
	}
	pl := &placer{area: box{c.X0, c.Y0, c.X1, c.Y1}}
	for i := range doc.Candidates {
		cd := &doc.Candidates[i]
		px, py := x(cd.WaitP99Seconds), y(cd.USDPerHour)
		pl.taken = append(pl.taken, box{px - 9, py - 9, px + 9, py + 9})
	}
	for i := range doc.Candidates {
		cd := &doc.Candidates[i]
		px, py := x(cd.WaitP99Seconds), y(cd.USDPerHour)
		head := 0.0
		if doc.SubnetFree > 0 {
			head = float64(cd.SubnetMinFree) / float64(doc.SubnetFree)
		}
		tip := fmt.Sprintf("%s\n%.3f $/h (%d nodes × %.4f $/h), p99 pod IP wait %s\n%d pods per node (%s), subnets' least free addresses %d (%.0f %% of %d)",
			cd.Label(), cd.USDPerHour, cd.NodesPeak, cd.USDPerNode, fmtSec(cd.WaitP99Seconds), cd.PodsPerNode, cd.Limit,
			cd.SubnetMinFree, 100*head, doc.SubnetFree)
		if len(cd.Fails) > 0 {
			tip += "\nfails: " + strings.Join(cd.Fails, "; ")
		}
		c.Marks = append(c.Marks, shape{Class: "front", D: circlePath(px, py, 7), Fill: rampColour(1 - math.Min(math.Max(head, 0), 1)), Title: tip})
		if cd.PodsNeverAssigned > 0 || cd.PodsWithoutNode > 0 {
			k := 9.5
			c.Marks = append(c.Marks, shape{Class: "nevercross", D: fmt.Sprintf("M%.1f %.1fl%.1f %.1fM%.1f %.1fl%.1f %.1f", px-k, py-k, 2*k, 2*k, px+k, py-k, -2*k, 2*k), Title: tip})
		}
		if rec := doc.Recommendation; rec != nil && rec.Best == i {
			c.Marks = append(c.Marks, shape{Class: "bestring", D: circlePath(px, py, 12.5), Title: "recommended: " + cd.Label()})
		}
		text := cd.Label()
		w := textWidth(text, 11, true)
		cands := []label{{X: px + 12, Y: py - 8, Anchor: "start", Text: text, Class: "ptlbl"}, {X: px - 12, Y: py - 8, Anchor: "end", Text: text, Class: "ptlbl"},
			{X: px + 12, Y: py + 16, Anchor: "start", Text: text, Class: "ptlbl"}, {X: px - 12, Y: py + 16, Anchor: "end", Text: text, Class: "ptlbl"}}
		if l, ok := pl.place(w, cands); ok {
			c.Labels = append(c.Labels, l)
		}
	}
	if doc.Recommendation != nil {
		c.Legend = append(c.Legend, legendItem{"sw-best", "recommended"})
	}
	c.Legend = append(c.Legend, legendItem{"sw-never", "a pod left without a node or address"})
	// The headroom ramp.
	lx, ly := c.X1+40.0, c.Y0+20
	c.Labels = append(c.Labels, label{X: lx, Y: ly - 8, Anchor: "start", Text: "subnet headroom", Class: "panel"})
	for k := 0; k <= 10; k++ {
		t := float64(k) / 10
		c.Bands = append(c.Bands, shape{X: lx, Y: ly + float64(10-k)*16, W: 22, H: 16, Fill: rampColour(1 - t)})
	}
	c.Labels = append(c.Labels, label{X: lx + 28, Y: ly + 12, Anchor: "start", Text: "100 % free"},
		label{X: lx + 28, Y: ly + 172, Anchor: "start", Text: "0 % (full)"})
	return c
}

// planCSS widens the candidates' verdicts so that their rows stay short.
const planCSS = `table.combos td.miss { min-width: 340px; }
`

var planTmpl = template.Must(template.New("plan").Parse(svgChartHTML + planHTML))

const planHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipamsim plan report: {{.Title}}</title>
<style>
` + reportCSS + sweepCSS + planCSS + `</style>
</head>
<body>
<main>
<header>
<h1>ipamsim plan report: {{.Title}}</h1>
<div class="sub">{{.Sub}}</div>
</header>
{{if .Question}}<div class="question"><b>Question</b>{{.Question}}</div>{{end}}
<div class="grid2">
<section class="card">
<h2>At a glance</h2>
<ul class="glance">{{range .Glance}}<li>{{.}}</li>{{end}}</ul>
</section>
<section class="card">
<h2>Workload and candidates</h2>
<table class="settings plan">{{range .Plan}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
</section>
</div>
<section class="section" id="chart">
<h2>Cost and pod IP wait</h2>
{{template "svgchart" .Chart}}
</section>
{{with .Rec}}<section class="card rec{{if .None}} none{{end}}" id="recommendation">
<h2>Recommendation</h2>
<p class="objective">Objective: {{.Objective}}.</p>
{{if .None}}<p class="best">No candidate meets it.</p>{{else}}
<p class="best">{{.Best}} <span class="badge">recommended</span></p>
<table>{{range .Figures}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}
{{if .Cheaper}}<p class="why"><b>{{if .None}}Why each fails, cheapest first{{else}}Cheaper candidates, and why they fail{{end}}:</b></p>
<table>{{range .Cheaper}}<tr><th>{{index . 0}}</th><td class="miss">{{index . 1}}</td></tr>{{end}}</table>{{end}}
</section>{{end}}
<section class="card" id="candidates">
<h2>Candidates</h2>
<div class="scroll"><table class="combos">
<tr><th>candidate</th><th>vCPU</th><th>GiB</th><th>pods / node</th><th>limit</th><th>nodes at peak</th><th>addresses mean</th><th>peak</th><th>subnet min free</th><th>p99 wait</th><th>EC2 calls / h</th><th>throttled</th><th>$ / node-h</th><th>$ / h</th><th>$ total</th><th>subnets hold (nodes)</th><th>addresses / node</th>{{if .Objective}}<th>objective</th>{{end}}</tr>
{{$o := .Objective}}{{range .Rows}}<tr{{if .Class}} class="{{.Class}}"{{end}}><td class="set">{{.Label}}{{if .Badge}}<span class="badge">{{.Badge}}</span>{{end}}</td><td class="num">{{.VCPU}}</td><td class="num">{{.GiB}}</td><td class="num">{{.PodsPerNode}}</td><td>{{.Limit}}</td><td class="num">{{.Nodes}}</td><td class="num">{{.Held}}</td><td class="num">{{.Peak}}</td><td class="num">{{.MinFree}}</td><td class="num">{{.P99}}</td><td class="num">{{.EC2h}}</td><td class="num">{{.Thr}}</td><td class="num">{{.Price}}</td><td class="num">{{.PerHour}}</td><td class="num">{{.Total}}</td><td class="num">{{.Capacity}}</td><td class="num">{{.Per}}</td>{{if $o}}<td class="{{if .Meets}}ok{{else}}miss{{end}}">{{if .Meets}}✓ {{else}}✗ {{end}}{{.Verdict}}</td>{{end}}</tr>
{{end}}</table></div>
</section>
<footer>Generated by <code>ipamsim plan --report</code>. Pods per node: how many pods of the workload's most common size fit an empty node after the daemonsets, and what limits them (max pods, CPU or memory). "Subnets hold": the subnets' free addresses divided by the addresses one node holds with that many pods once its pool settles (ENI primaries, pods' and warm addresses), measured by running one such node alone. Hover over a marker for its figures.</footer>
</main>
</body>
</html>
`
