package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// The sweep report (ipamsim sweep|recommend|sweep merge --report FILE.html)
// is one self-contained page like the run report (run.go, whose stylesheet
// and chart helpers it shares): the workload and the grid, a scatter of every
// setting combination's mean addresses held against its p99 pod IP wait with
// the Pareto frontier highlighted and connected and the colour giving its EC2
// calls, the recommended combination and the runner-up annotated, the
// objective drawn as a line, then the frontier's table and the
// recommendation with its reason. No script: tooltips are SVG titles.

const (
	// sweepMaxDrawn caps the dominated combinations drawn in the scatter
	// (frontier ones are always drawn); sweepMaxRows caps the tables.
	sweepMaxDrawn = 4000
	sweepMaxRows  = 300
)

type sweepPage struct {
	Title, Sub, Question string
	Glance               []string
	Plan                 [][2]string
	Chart                *chart
	Rec                  *sweepRec
	Policies             bool
	Objective            bool
	Frontier             []sweepRow
	FrontierMore         int
	All                  []sweepRow
	AllMore              int
	AllTotal             int
}

// sweepRec is the recommendation as the page shows it.
type sweepRec struct {
	Objective     string
	None          bool
	Best          string
	BestPoint     int
	Figures       [][2]string
	Rerun         string
	Why           string
	RunnerUp      string
	RunnerPoint   int
	RunnerFigures string
	RunnerRerun   string
	PerPolicy     [][3]string // policy, its cheapest meeting combination, its figures
}

// sweepRow is one combination in a table.
type sweepRow struct {
	Rank, Badge, Class                string
	Point                             int
	Policy, Instance, Order, Settings string
	Held, P99, EC2, EC2h, Waited      statCell
	Never                             statCell
	Verdict                           string
	Meets                             bool
	Rerun                             string
}

// statCell is a figure in a table: the mean and, with repetitions that
// differ, the min–max spread.
type statCell struct{ Mean, Spread string }

func cell(s sweep.Stat, reps int, f func(float64) string) statCell {
	c := statCell{Mean: f(s.Mean)}
	if lo, hi := f(s.Min), f(s.Max); reps > 1 && lo != hi {
		c.Spread = lo + " – " + hi
	}
	return c
}

// WriteSweep renders a complete sweep's report into w.
func WriteSweep(w io.Writer, doc *sweep.Document, con sweep.Constraints, hasCon bool) error {
	if !doc.Complete() {
		return fmt.Errorf("the sweep holds %d of %d points: merge the shards first", len(doc.Points), doc.PointsTotal)
	}
	var b bytes.Buffer
	if err := sweepTmpl.Execute(&b, sweepPageOf(doc, con, hasCon)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// statText is a figure with its [min–max] spread over the repetitions.
func statText(s sweep.Stat, reps int, f func(float64) string) string {
	if reps <= 1 || f(s.Min) == f(s.Max) {
		return f(s.Mean)
	}
	return fmt.Sprintf("%s [%s–%s]", f(s.Mean), f(s.Min), f(s.Max))
}

// durText spells a duration as Go does, less a trailing zero unit: 20s,
// 1m30s, 2m, 1h.
func durText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func oneDec(v float64) string  { return strconv.FormatFloat(v, 'f', 1, 64) }
func noDec(v float64) string   { return strconv.FormatFloat(v, 'f', 0, 64) }
func waitSec(v float64) string { return fmtSec(v) }

// shortLabel names a combination by what varies in the grid: the policy,
// type and order only when the sweep has more than one, then the settings.
func shortLabel(c *sweep.Combination, g *sweep.Grid) string {
	var parts []string
	if len(g.Policies) > 1 {
		parts = append(parts, c.Policy)
	}
	if len(g.InstanceTypes) > 1 {
		parts = append(parts, c.InstanceType)
	}
	if len(g.Orders) > 1 {
		parts = append(parts, c.AssignOrder)
	}
	parts = append(parts, c.Settings...)
	if len(parts) == 0 {
		return "(base settings)"
	}
	return strings.Join(parts, " ")
}

func settingsText(s []string) string {
	if len(s) == 0 {
		return "(base)"
	}
	return strings.Join(s, " ")
}

func sweepPageOf(doc *sweep.Document, con sweep.Constraints, hasCon bool) *sweepPage {
	g := &doc.Grid
	reps := g.Repetitions
	combos := doc.Combinations()
	front := map[string]int{} // key → rank on the frontier (1: cheapest)
	ranked := make([]*sweep.Combination, len(doc.Frontier))
	for i := range doc.Frontier {
		ranked[i] = &doc.Frontier[i]
	}
	slices.SortFunc(ranked, sweep.Cheaper)
	for i, c := range ranked {
		front[c.Key] = i + 1
	}
	var rec *sweep.Recommendation
	if hasCon {
		rec, _ = doc.Recommend(con)
	}

	wl := "scenario " + doc.Workload.Scenario
	title := "Scenario " + doc.Workload.Scenario
	if doc.Workload.Trace != "" {
		wl, title = "trace "+doc.Workload.Trace, "Trace "+doc.Workload.Trace
	}
	p := &sweepPage{Title: title, Policies: len(g.Policies) > 0, Objective: hasCon}
	p.Sub = fmt.Sprintf("%s · %d points: %d setting combinations × %s · EC2 %s · sweep seed %d",
		wl, doc.PointsTotal, len(combos), pluralWord(reps, "repetition"), doc.EC2Profile, doc.Seed)
	if doc.Workload.Scenario != "" {
		if sc, err := scenarios.LoadScenario(doc.Workload.Scenario); err == nil {
			p.Question = sc.Question
		}
	}
	p.Plan = sweepPlanRows(doc)

	// The recommendation.
	if rec != nil {
		r := &sweepRec{Objective: con.Objective() + ", no pod left without an address"}
		if reps > 1 {
			r.Objective += fmt.Sprintf(", in every one of %d repetitions", reps)
		}
		if rec.Best == nil {
			r.None = true
		} else {
			b := rec.Best
			r.Best, r.BestPoint, r.Rerun, r.Why = b.Label(), b.Points[0], b.Rerun, rec.Reason()
			r.Figures = [][2]string{
				{"mean addresses held", statText(b.MeanAddressesHeld, reps, oneDec)},
				{"p99 pod IP wait", statText(b.WaitP99Seconds, reps, waitSec) + " ≤ " + durText(con.MaxP99Wait)},
				{"EC2 calls", statText(b.EC2CallsTotal, reps, noDec) + " in all, " + statText(b.EC2CallsPerHour, reps, oneDec) + " per simulated hour"},
				{"pods waited / never assigned", statText(b.PodsWaited, reps, noDec) + " / 0"},
				{"peak addresses held / ENIs", statText(b.PeakAddressesHeld, reps, noDec) + " / " + statText(b.PeakENIs, reps, noDec)},
			}
			if con.MaxEC2CallsPerHour > 0 {
				r.Figures[2][1] += fmt.Sprintf(" ≤ %g", con.MaxEC2CallsPerHour)
			}
			if ru := rec.RunnerUp; ru != nil {
				r.RunnerUp, r.RunnerPoint, r.RunnerRerun = ru.Label(), ru.Points[0], ru.Rerun
				r.RunnerFigures = fmt.Sprintf("%s addresses held, p99 wait %s, %s EC2 calls",
					statText(ru.MeanAddressesHeld, reps, oneDec), statText(ru.WaitP99Seconds, reps, waitSec), statText(ru.EC2CallsTotal, reps, noDec))
			}
		}
		if len(g.Policies) > 1 {
			for _, pol := range g.Policies {
				var mine []sweep.Combination
				for _, c := range combos {
					if c.Policy == pol {
						mine = append(mine, c)
					}
				}
				pr, _ := sweep.Recommend(mine, reps, con)
				row := [3]string{pol, "none of its " + strconv.Itoa(len(mine)) + " combinations meets the objective", ""}
				if pr != nil && pr.Best != nil {
					b := pr.Best
					row[1] = settingsText(b.Settings)
					if len(g.InstanceTypes) > 1 || len(g.Orders) > 1 {
						row[1] = b.InstanceType + " " + b.AssignOrder + " " + row[1]
					}
					row[2] = fmt.Sprintf("%s addresses held, p99 wait %s, %s EC2 calls", oneDec(b.MeanAddressesHeld.Mean), waitSec(b.WaitP99Seconds.Mean), noDec(b.EC2CallsTotal.Mean))
				}
				r.PerPolicy = append(r.PerPolicy, row)
			}
		}
		p.Rec = r
	}

	// The tables.
	row := func(c *sweep.Combination) sweepRow {
		r := sweepRow{Point: c.Points[0], Policy: c.Policy, Instance: c.InstanceType, Order: c.AssignOrder,
			Settings: settingsText(c.Settings), Held: cell(c.MeanAddressesHeld, reps, oneDec),
			P99: cell(c.WaitP99Seconds, reps, waitSec), EC2: cell(c.EC2CallsTotal, reps, noDec),
			EC2h: cell(c.EC2CallsPerHour, reps, oneDec), Waited: cell(c.PodsWaited, reps, noDec),
			Never: cell(c.PodsNeverAssigned, reps, noDec), Rerun: c.Rerun}
		if k, ok := front[c.Key]; ok {
			r.Rank = strconv.Itoa(k)
		}
		if hasCon {
			why := con.Failures(c)
			r.Meets = len(why) == 0
			r.Verdict = "meets"
			if !r.Meets {
				r.Verdict = strings.Join(why, "; ")
			}
		}
		if rec != nil && rec.Best != nil && rec.Best.Key == c.Key {
			r.Badge, r.Class = "recommended", "best"
		} else if rec != nil && rec.RunnerUp != nil && rec.RunnerUp.Key == c.Key {
			r.Badge, r.Class = "runner-up", "runner"
		}
		return r
	}
	for i, c := range ranked {
		if i == sweepMaxRows {
			p.FrontierMore = len(ranked) - sweepMaxRows
			break
		}
		p.Frontier = append(p.Frontier, row(c))
	}
	all := make([]*sweep.Combination, len(combos))
	for i := range combos {
		all[i] = &combos[i]
	}
	slices.SortFunc(all, sweep.Cheaper)
	p.AllTotal = len(all)
	for i, c := range all {
		if i == sweepMaxRows {
			p.AllMore = len(all) - sweepMaxRows
			break
		}
		p.All = append(p.All, row(c))
	}

	p.Chart = sweepChart(doc, all, front, rec, con, hasCon)
	p.Glance = sweepGlance(doc, ranked, all, rec, con, hasCon)
	return p
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

// sweepPlanRows describe the workload and the grid.
func sweepPlanRows(doc *sweep.Document) [][2]string {
	g := &doc.Grid
	rows := [][2]string{}
	if doc.Workload.Trace != "" {
		rows = append(rows, [2]string{"workload", "trace " + doc.Workload.Trace + " (the same events for every point)"})
	} else {
		rows = append(rows, [2]string{"workload", "scenario " + doc.Workload.Scenario + ", generated from each repetition's seed"})
	}
	if len(g.Policies) > 0 {
		rows = append(rows, [2]string{"pool policies", strings.Join(g.Policies, ", ")})
		if len(g.PolicyParams) > 0 {
			rows = append(rows, [2]string{"policy parameters", strings.Join(g.PolicyParams, " ")})
		}
	}
	rows = append(rows, [2]string{"instance types", strings.Join(g.InstanceTypes, ", ")},
		[2]string{"assign orders", strings.Join(g.Orders, ", ")})
	for _, ax := range g.Axes {
		rows = append(rows, [2]string{ax.Key, strings.Join(ax.Values, ", ")})
	}
	if len(g.Axes) == 0 {
		rows = append(rows, [2]string{"grid settings", "none (the base settings only)"})
	}
	base := "VPC CNI defaults"
	if len(doc.BaseSettings) > 0 {
		base = strings.Join(doc.BaseSettings, " ")
	}
	if doc.Workload.Scenario != "" {
		base += " (over the scenario's own settings)"
	}
	mp := "what an EKS managed node group sets for each type (max-pods calculator, capped at 110 or 250)"
	if doc.MaxPods > 0 {
		mp = strconv.Itoa(doc.MaxPods)
	}
	seeds := "one seed per repetition, shared by every combination (common random numbers)"
	if g.Repetitions == 1 {
		seeds = "one seed, shared by every combination (common random numbers)"
	}
	rows = append(rows, [2]string{"fixed settings", base},
		[2]string{"repetitions", strconv.Itoa(g.Repetitions) + ": " + seeds},
		[2]string{"EC2 model", doc.EC2Profile + " latencies; drain " + doc.Drain + "; max pods " + mp})
	return rows
}

// sweepGlance is the page's first lines.
func sweepGlance(doc *sweep.Document, ranked, all []*sweep.Combination, rec *sweep.Recommendation, con sweep.Constraints, hasCon bool) []string {
	g := &doc.Grid
	reps := g.Repetitions
	var out []string
	switch {
	case rec != nil && rec.Best != nil:
		b := rec.Best
		worst := ""
		if reps > 1 {
			worst = " in the worst repetition"
		}
		out = append(out, fmt.Sprintf("Recommended: %s — %s addresses held on average, p99 pod IP wait %s%s (objective ≤ %s), %s EC2 calls.",
			b.Label(), oneDec(b.MeanAddressesHeld.Mean), waitSec(b.WaitP99Seconds.Max), worst, durText(con.MaxP99Wait), noDec(b.EC2CallsTotal.Mean)))
		if rec.RunnerUp != nil {
			ru := rec.RunnerUp
			out = append(out, fmt.Sprintf("Runner-up: %s — %s addresses held, p99 wait %s, %s EC2 calls. %d of %d combinations meet the objective.",
				ru.Label(), oneDec(ru.MeanAddressesHeld.Mean), waitSec(ru.WaitP99Seconds.Mean), noDec(ru.EC2CallsTotal.Mean), rec.Meeting, rec.Combinations))
		} else {
			out = append(out, fmt.Sprintf("No runner-up: it is the only one of the %d combinations that meets the objective.", rec.Combinations))
		}
	case rec != nil:
		out = append(out, fmt.Sprintf("None of the %d setting combinations meets %s with no pod left without an address.", rec.Combinations, con.Objective()))
	case !hasCon:
		out = append(out, "No objective given: add --max-p99-wait D (and --max-ec2-calls-per-hour N) for a recommendation.")
	}
	if len(ranked) > 0 {
		lo, hi := ranked[0], ranked[len(ranked)-1]
		line := fmt.Sprintf("The Pareto frontier (no other combination has fewer addresses, a lower p99 wait and fewer EC2 calls at once) holds %d of the %d combinations",
			len(ranked), len(all))
		if len(ranked) > 1 {
			line += fmt.Sprintf(": from %s (%s addresses, p99 %s) to %s (%s addresses, p99 %s).",
				shortLabel(lo, g), oneDec(lo.MeanAddressesHeld.Mean), waitSec(lo.WaitP99Seconds.Mean),
				shortLabel(hi, g), oneDec(hi.MeanAddressesHeld.Mean), waitSec(hi.WaitP99Seconds.Mean))
		} else {
			line += fmt.Sprintf(": %s.", shortLabel(lo, g))
		}
		if n := len(all) - len(ranked); n > 0 {
			line += fmt.Sprintf(" The other %d %s dominated: one on the frontier is as good on all three and better on one.", n, map[bool]string{true: "is", false: "are"}[n == 1])
		} else if len(all) > 1 {
			line += " None is dropped: no combination dominates another."
		}
		out = append(out, line)
	}
	never := 0
	for _, c := range all {
		if c.PodsNeverAssigned.Max > 0 {
			never++
		}
	}
	if never > 0 {
		out = append(out, fmt.Sprintf("%d combination%s left a pod without an address in some repetition (red crosses): none of them can meet an objective.", never, plural(never)))
	}
	spread := ""
	if reps > 1 {
		spread = fmt.Sprintf(" Figures are means over %d repetitions; [min–max] gives the spread, whiskers in the chart.", reps)
	}
	out = append(out, fmt.Sprintf("Every combination replays the same workload and EC2 latency draws (one seed per repetition), so they differ by their settings alone.%s", spread))
	return out
}

// sweepChart is the scatter of mean addresses held against p99 wait.
func sweepChart(doc *sweep.Document, all []*sweep.Combination, front map[string]int, rec *sweep.Recommendation, con sweep.Constraints, hasCon bool) *chart {
	g := &doc.Grid
	reps := g.Repetitions
	c := &chart{ID: "frontier", Title: "Addresses held against p99 pod IP wait, one marker per setting combination",
		W: 1100, H: 520, X0: 74, X1: 868, Y0: 34, Y1: 456}
	c.Note = "Lower left is better on both. Large outlined markers: the Pareto frontier (fewest addresses, lowest p99 wait and fewest EC2 calls — no other combination is better on all three), numbered cheapest first and connected in order of addresses held; small faded markers: dominated combinations. Colour: EC2 calls per run."
	if len(g.Policies) > 1 {
		c.Note += " Shape: pool policy."
	}
	if reps > 1 {
		c.Note += fmt.Sprintf(" Markers are means over %d repetitions; whiskers span the min–max.", reps)
	}

	// What to draw: every frontier combination and up to sweepMaxDrawn others
	// (an even sample in cost order).
	var others []*sweep.Combination
	var drawn []*sweep.Combination
	for _, cb := range all {
		if _, ok := front[cb.Key]; ok {
			drawn = append(drawn, cb)
		} else {
			others = append(others, cb)
		}
	}
	if n := len(others); n > sweepMaxDrawn {
		var keep []*sweep.Combination
		for i := 0; i < sweepMaxDrawn; i++ {
			keep = append(keep, others[i*n/sweepMaxDrawn])
		}
		c.Note += fmt.Sprintf(" %d of the %d dominated combinations are drawn (an even sample).", sweepMaxDrawn, n)
		others = keep
	}
	drawn = append(others, drawn...) // frontier last: on top

	// Scales. The p99 axis spans the frontier's combinations that gave every
	// pod an address (all the frontier's if none did) and the objective:
	// a combination above it is drawn on the top edge.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ymax, yall, cmin, cmax := 0.0, 0.0, math.Inf(1), math.Inf(-1)
	for _, cb := range drawn {
		xlo, xhi = min(xlo, cb.MeanAddressesHeld.Min), max(xhi, cb.MeanAddressesHeld.Max)
		if _, on := front[cb.Key]; on {
			yall = max(yall, cb.WaitP99Seconds.Mean)
			if cb.PodsNeverAssigned.Max == 0 {
				ymax = max(ymax, cb.WaitP99Seconds.Mean)
			}
		}
		cmin, cmax = min(cmin, cb.EC2CallsTotal.Mean), max(cmax, cb.EC2CallsTotal.Mean)
	}
	if ymax == 0 {
		ymax = yall
	}
	if hasCon {
		ymax = max(ymax, con.MaxP99Wait.Seconds()*1.12)
	}
	pad := max((xhi-xlo)*0.04, 0.5)
	xa, xb, xstep := niceRange(max(xlo-pad, 0), xhi+pad, 8)
	yb := niceCeil(ymax * 1.08)
	if ymax*1.08 < 1 {
		yb = 1
	}
	x := func(v float64) float64 { return c.X0 + (v-xa)/(xb-xa)*(c.X1-c.X0) }
	// The p99 axis is linear from 0, unless an objective would sit in its
	// lowest tenth: then it is logarithmic, with 0 s on a row of its own at
	// the bottom, so that the objective, the recommendation and everything
	// near them have room while the slowest combinations stay on the chart
	// in their order (clipping them to the top edge would lose it).
	logY := hasCon && con.MaxP99Wait.Seconds() > 0 && con.MaxP99Wait.Seconds() < yb/10
	var y func(float64) float64
	var yTicks []float64
	if logY {
		y, yTicks = logAxis(c, drawn, con.MaxP99Wait.Seconds())
	} else {
		y = func(v float64) float64 { return c.Y1 - min(v, yb)/yb*(c.Y1-c.Y0) }
		ystep := niceStep(yb, 6)
		for v := 0.0; v <= yb+ystep/1000; v += ystep {
			yTicks = append(yTicks, v)
		}
	}
	offScale := 0
	colour := func(v float64) string {
		if cmax <= cmin {
			return rampColour(0.5)
		}
		return rampColour((v - cmin) / (cmax - cmin))
	}

	// Axes.
	for v := xa; v <= xb+xstep/1000; v += xstep {
		c.Grid = append(c.Grid, shape{X: x(v), Y: c.Y0, X2: x(v), Y2: c.Y1})
		c.Ticks = append(c.Ticks, label{X: x(v), Y: c.Y1 + 17, Anchor: "middle", Text: trimNum(math.Round(v*1000) / 1000)})
	}
	for _, v := range yTicks {
		c.Grid = append(c.Grid, shape{X: c.X0, Y: y(v), X2: c.X1, Y2: y(v)})
		c.Ticks = append(c.Ticks, label{X: c.X0 - 7, Y: y(v) + 4, Anchor: "end", Text: trimNum(math.Round(v*1000)/1000) + " s"})
	}
	c.Paths = append(c.Paths, shape{Class: "axis", D: fmt.Sprintf("M%.1f %.1fV%.1f", c.X0, c.Y0, c.Y1)})
	ylabel := "p99 pod IP wait ↑"
	if logY {
		ylabel = "p99 pod IP wait ↑ (log scale)"
		// A break in the axis between the 0 s row and the lowest decade.
		yz := (c.Y1 + y(yTicks[1])) / 2
		c.Paths = append(c.Paths, shape{Class: "axisbreak", D: fmt.Sprintf("M%.1f %.1fl10 -4M%.1f %.1fl10 -4", c.X0-5, yz, c.X0-5, yz+4)})
		c.Note += " The p99 axis is logarithmic (1, 2, 5, 10 …) so that the objective and the combinations near it are not flattened by the slowest ones; 0 s is the bottom row."
	}
	c.Labels = append(c.Labels,
		label{X: (c.X0 + c.X1) / 2, Y: c.Y1 + 40, Anchor: "middle", Text: "mean addresses held by the node →  (fewer is cheaper)", Class: "axlbl"},
		label{X: c.X0 - 60, Y: c.Y0 - 16, Anchor: "start", Text: ylabel, Class: "axlbl"})

	// The objective.
	objBox := box{}
	if hasCon {
		obj := con.MaxP99Wait.Seconds()
		yo := y(obj)
		c.Bands = append(c.Bands, shape{Class: "missband", X: c.X0, Y: c.Y0, W: c.X1 - c.X0, H: max(yo-c.Y0, 0),
			Title: fmt.Sprintf("misses the objective: p99 pod IP wait > %s", durText(con.MaxP99Wait))})
		c.Paths = append(c.Paths, shape{Class: "objline", D: fmt.Sprintf("M%.1f %.1fH%.1f", c.X0, yo, c.X1)})
		ol := label{X: c.X0 + 6, Y: yo - 6, Anchor: "start", Text: "objective: p99 ≤ " + durText(con.MaxP99Wait), Class: "objlbl"}
		if yo-6-12 < c.Y0 {
			ol.Y = yo + 16
		}
		c.Labels = append(c.Labels, ol)
		objBox = box{ol.X, ol.Y - 12, ol.X + textWidth(ol.Text, 12, true), ol.Y + 3}
		c.Legend = append(c.Legend, legendItem{"sw-obj", "p99 objective (above: misses it)"})
	}

	// Markers: combinations with the same three figures share one.
	type group struct {
		cbs  []*sweep.Combination
		rank int // first frontier rank, 0 if dominated
		last int
	}
	var groups []*group
	byVec := map[[3]float64]*group{}
	for _, cb := range drawn {
		v := cb.Objectives()
		gr := byVec[v]
		if gr == nil {
			gr = &group{}
			byVec[v] = gr
			groups = append(groups, gr)
		}
		gr.cbs = append(gr.cbs, cb)
		if k := front[cb.Key]; k > 0 {
			if gr.rank == 0 || k < gr.rank {
				gr.rank = k
			}
			gr.last = max(gr.last, k)
		}
	}
	kind := map[string]int{}
	for i, pol := range g.Policies {
		kind[pol] = i
	}
	pl := &placer{area: box{c.X0 + 2, c.Y0 + 2, c.X1 - 2, c.Y1 - 2}}
	if hasCon {
		// Labels keep off the objective's label and line.
		yo := y(con.MaxP99Wait.Seconds())
		pl.taken = append(pl.taken, objBox)
		pl.segs = append(pl.segs, [4]float64{c.X0, yo, c.X1, yo})
	}
	var frontPts [][2]float64
	isBest := func(gr *group, r *sweep.Combination) bool {
		if r == nil {
			return false
		}
		for _, cb := range gr.cbs {
			if cb.Key == r.Key {
				return true
			}
		}
		return false
	}
	var bestAt, runAt *[2]float64
	var bestG, runG *group
	for _, gr := range groups {
		cb := gr.cbs[0]
		px, py := x(cb.MeanAddressesHeld.Mean), y(cb.WaitP99Seconds.Mean)
		r, class := 3.6, "combo"
		off := !logY && cb.WaitP99Seconds.Mean > yb
		if off {
			offScale += len(gr.cbs)
		}
		if gr.rank > 0 {
			r, class = 6.5, "front"
			frontPts = append(frontPts, [2]float64{px, py})
			if reps > 1 {
				c.Paths = append(c.Paths,
					shape{Class: "whisker", D: fmt.Sprintf("M%.1f %.1fH%.1fM%.1f %.1fV%.1f", x(cb.MeanAddressesHeld.Min), py, x(cb.MeanAddressesHeld.Max),
						px, y(cb.WaitP99Seconds.Min), y(cb.WaitP99Seconds.Max))})
			}
		}
		// Labels keep clear of every marker.
		pad := r + 3
		pl.taken = append(pl.taken, box{px - pad, py - pad, px + pad, py + pad})
		var t strings.Builder
		for i, m := range gr.cbs {
			if i == 6 {
				fmt.Fprintf(&t, "\n… and %d more with the same figures", len(gr.cbs)-6)
				break
			}
			if i > 0 {
				t.WriteString("\n")
			}
			t.WriteString(m.Label())
			fmt.Fprintf(&t, " (point %d)", m.Points[0])
		}
		fmt.Fprintf(&t, "\n%s addresses held, p99 pod IP wait %s, %s EC2 calls, %s pods never assigned",
			statText(cb.MeanAddressesHeld, reps, oneDec), statText(cb.WaitP99Seconds, reps, waitSec), statText(cb.EC2CallsTotal, reps, noDec),
			statText(cb.PodsNeverAssigned, reps, noDec))
		if gr.rank > 0 {
			fmt.Fprintf(&t, "\non the Pareto frontier (#%d)", gr.rank)
		}
		if off {
			// On the top edge, with a tick pointing up.
			c.Paths = append(c.Paths, shape{Class: "offtick", D: fmt.Sprintf("M%.1f %.1fV%.1f", px, py-r, c.Y0-7)})
			class += " off"
		}
		c.Marks = append(c.Marks, shape{Class: class, D: markerPath(kind[cb.Policy], px, py, r), Fill: colour(cb.EC2CallsTotal.Mean), Title: t.String()})
		if cb.PodsNeverAssigned.Max > 0 {
			k, cc := r+2.5, "nevercross"
			if gr.rank == 0 {
				k, cc = r+1.2, "nevercross small"
			}
			c.Marks = append(c.Marks, shape{Class: cc, D: fmt.Sprintf("M%.1f %.1fl%.1f %.1fM%.1f %.1fl%.1f %.1f", px-k, py-k, 2*k, 2*k, px+k, py-k, -2*k, 2*k), Title: t.String()})
		}
		if rec != nil && isBest(gr, rec.Best) {
			bestAt, bestG = &[2]float64{px, py}, gr
		}
		if rec != nil && isBest(gr, rec.RunnerUp) {
			runAt, runG = &[2]float64{px, py}, gr
		}
	}
	// The frontier, connected in order of addresses held.
	slices.SortFunc(frontPts, func(a, b [2]float64) int {
		if a[0] != b[0] {
			return cmpFloat(a[0], b[0])
		}
		return cmpFloat(b[1], a[1])
	})
	if len(frontPts) > 1 {
		var d strings.Builder
		for i, q := range frontPts {
			op := "L"
			if i == 0 {
				op = "M"
			} else {
				pl.segs = append(pl.segs, [4]float64{frontPts[i-1][0], frontPts[i-1][1], q[0], q[1]})
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", op, q[0], q[1])
		}
		c.Paths = append(c.Paths, shape{Class: "frontline", D: d.String()})
	}
	c.Legend = append(c.Legend, legendItem{"sw-front", "on the frontier"})
	if len(others) > 0 {
		c.Legend = append(c.Legend, legendItem{"sw-combo", "dominated"})
	}
	if len(frontPts) > 1 {
		c.Legend = append(c.Legend, legendItem{"sw-frontline", "frontier, by addresses held"})
	}

	// The recommendation and the runner-up, then the frontier's numbers.
	callout := func(at *[2]float64, gr *group, ringClass, lblClass, text string) {
		if at == nil {
			return
		}
		px, py := at[0], at[1]
		c.Marks = append(c.Marks, shape{Class: ringClass, D: circlePath(px, py, 12.5), Title: text + ": " + gr.cbs[0].Label()})
		w := textWidth(text, 12.5, true)
		// Nearest first: above or below, right or left, further and further.
		var cands []label
		for _, dy := range []float64{-22, 30, -40, 48, -58, 66, -76, 84, -94, -112, -130, -148} {
			for _, dx := range []float64{20, -20} {
				anchor := "start"
				if dx < 0 {
					anchor = "end"
				}
				cands = append(cands, label{X: px + dx, Y: py + dy, Anchor: anchor, Text: text, Class: lblClass})
			}
		}
		cands = append(cands, label{X: px + 24, Y: py + 4, Anchor: "start", Text: text, Class: lblClass},
			label{X: px - 24, Y: py + 4, Anchor: "end", Text: text, Class: lblClass})
		l, ok := pl.place(w, cands)
		if !ok {
			l, ok = pl.nearest(w, px, py, cands[0])
		}
		if !ok {
			l = cands[0]
			if px+20+w > c.X1 {
				l = cands[1]
			}
		}
		c.Labels = append(c.Labels, l)
		// A leader from the ring to the nearest point of the text.
		lx0, lx1 := l.X, l.X+w
		if l.Anchor == "end" {
			lx0, lx1 = l.X-w, l.X
		}
		tx := min(max(px, lx0-2), lx1+2)
		ty := l.Y - 4
		if tx > lx0 && tx < lx1 {
			ty = l.Y + 3 // below the point: to the text's foot; above: its baseline
			if py < l.Y {
				ty = l.Y - 13
			}
		}
		dx, dy := tx-px, ty-py
		if n := math.Hypot(dx, dy); n > 14 {
			c.Paths = append(c.Paths, shape{Class: "leader " + strings.TrimSuffix(lblClass, "lbl") + "lead", D: fmt.Sprintf("M%.1f %.1fL%.1f %.1f", px+dx/n*13, py+dy/n*13, tx, ty)})
		}
	}
	if rec != nil && rec.Best != nil {
		callout(bestAt, bestG, "bestring", "bestlbl", "recommended: "+shortLabel(rec.Best, g))
		c.Legend = append(c.Legend, legendItem{"sw-best", "recommended"})
		if rec.RunnerUp != nil {
			text := "runner-up: " + shortLabel(rec.RunnerUp, g)
			if runG == bestG {
				text = "runner-up, same figures: " + shortLabel(rec.RunnerUp, g)
			}
			callout(runAt, runG, "runring", "runlbl", text)
			c.Legend = append(c.Legend, legendItem{"sw-runner", "runner-up"})
		}
	}
	for _, gr := range groups {
		if gr.rank == 0 {
			continue
		}
		cb := gr.cbs[0]
		px, py := x(cb.MeanAddressesHeld.Mean), y(cb.WaitP99Seconds.Mean)
		text := strconv.Itoa(gr.rank)
		if gr.last > gr.rank {
			text += "–" + strconv.Itoa(gr.last)
		}
		w := textWidth(text, 11, true)
		cands := []label{{X: px + 11, Y: py - 7, Anchor: "start"}, {X: px - 11, Y: py - 7, Anchor: "end"},
			{X: px + 11, Y: py + 16, Anchor: "start"}, {X: px - 11, Y: py + 16, Anchor: "end"},
			{X: px + 12, Y: py + 4, Anchor: "start"}, {X: px - 12, Y: py + 4, Anchor: "end"},
			{X: px, Y: py - 13, Anchor: "middle"}, {X: px, Y: py + 23, Anchor: "middle"}}
		for i := range cands {
			cands[i].Text, cands[i].Class = text, "ptlbl"
		}
		l, ok := pl.place(w, cands)
		if !ok {
			// Across the frontier's line rather than not at all.
			pl.loose = true
			l, ok = pl.place(w, cands)
			pl.loose = false
		}
		if ok {
			c.Labels = append(c.Labels, l)
		}
	}
	for _, gr := range groups {
		if gr.cbs[0].PodsNeverAssigned.Max > 0 {
			c.Legend = append(c.Legend, legendItem{"sw-never", "left pods without an address"})
			break
		}
	}
	if offScale > 0 {
		c.Legend = append(c.Legend, legendItem{"sw-off", fmt.Sprintf("on the top edge: p99 above %s", trimNum(yb)+" s")})
		c.Note += fmt.Sprintf(" %d combination%s with a p99 wait above the scale (set by the frontier's combinations that gave every pod an address) %s drawn on the top edge; hover for the figures.",
			offScale, plural(offScale), map[bool]string{true: "is", false: "are"}[offScale == 1])
	}

	// The colour scale and the policies' marker shapes, right of the plot.
	lx := c.X1 + 44.0
	c.Labels = append(c.Labels, label{X: lx - 4, Y: c.Y0 - 2, Anchor: "start", Text: "EC2 calls per run", Class: "axlbl"})
	const steps = 40
	top, bot := c.Y0+12, c.Y0+182
	for i := 0; i < steps; i++ {
		t := 1 - float64(i)/float64(steps-1)
		c.Bands = append(c.Bands, shape{Class: "ramp", X: lx, Y: top + float64(i)*(bot-top)/steps, W: 16, H: (bot-top)/steps + 0.6, Fill: rampColour(t)})
	}
	c.Paths = append(c.Paths, shape{Class: "rampbox", D: fmt.Sprintf("M%.1f %.1fh16V%.1fh-16Z", lx, top, bot)})
	if cmax > cmin {
		for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
			v := cmin + f*(cmax-cmin)
			yy := bot - f*(bot-top)
			c.Ticks = append(c.Ticks, label{X: lx + 22, Y: yy + 4, Anchor: "start", Text: fmtInt(v)})
		}
	} else {
		c.Ticks = append(c.Ticks, label{X: lx + 22, Y: (top+bot)/2 + 4, Anchor: "start", Text: fmtInt(cmin) + " (all)"})
	}
	if len(g.Policies) > 1 {
		yy := bot + 36
		c.Labels = append(c.Labels, label{X: lx - 4, Y: yy, Anchor: "start", Text: "policy", Class: "axlbl"})
		for i, pol := range g.Policies {
			yy += 21
			c.Marks = append(c.Marks, shape{Class: "front", D: markerPath(i, lx+7, yy-4, 6), Fill: "#cbd5e1", Title: pol})
			c.Labels = append(c.Labels, label{X: lx + 22, Y: yy, Anchor: "start", Text: pol})
		}
	}
	return c
}

// logZeroRow is the height of the 0 s row under a logarithmic p99 axis.
const logZeroRow = 30.0

// logAxis is a logarithmic p99 axis over c's plot area for the drawn
// combinations and the objective obj: from the decade at or below the
// smallest positive p99 (means and their min–max), and at least a decade
// under obj, where the combinations that meet it are, to the 1-2-5 step at or
// above the largest; 0 s (and only 0 s) on the row under it. ticks are 0 and
// the 1-2-5 steps in range.
func logAxis(c *chart, drawn []*sweep.Combination, obj float64) (y func(float64) float64, ticks []float64) {
	pmin, pmax := obj/10, obj
	for _, cb := range drawn {
		for _, v := range []float64{cb.WaitP99Seconds.Mean, cb.WaitP99Seconds.Min, cb.WaitP99Seconds.Max} {
			if v > 0 {
				pmin, pmax = min(pmin, v), max(pmax, v)
			}
		}
	}
	lo := math.Pow(10, math.Floor(math.Log10(pmin)+1e-9))
	hi := lo
	for i := 0; hi < pmax*1.05; i++ {
		hi = lo * math.Pow(10, float64(i/3)) * []float64{2, 5, 10}[i%3]
	}
	hi = max(hi, 10*lo)
	base := c.Y1 - logZeroRow
	la, lb := math.Log10(lo), math.Log10(hi)
	y = func(v float64) float64 {
		if v <= 0 {
			return c.Y1
		}
		return base - (math.Log10(min(max(v, lo), hi))-la)/(lb-la)*(base-c.Y0)
	}
	ticks = []float64{0}
	for d := lo; d <= hi*(1+1e-9); d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * d; v <= hi*(1+1e-9) {
				ticks = append(ticks, v)
			}
		}
	}
	return y, ticks
}

// sweepCSS is the sweep and compare reports' stylesheet over reportCSS.
const sweepCSS = `.card.rec { border-left: 4px solid #c026d3; }
.card.rec.none { border-left-color: var(--wait); }
.rec .objective { color: var(--muted); margin: 0 0 8px; }
.rec .best { font-size: 16px; font-weight: 600; margin: 2px 0 8px; }
.rec .why { margin: 8px 0 4px; color: #343b49; }
.rec table { max-width: 760px; }
.cmd { display: block; background: #f6f7f9; border: 1px solid var(--rule); border-radius: 4px; padding: 6px 8px; margin: 4px 0 2px; white-space: pre-wrap; word-break: break-all; font-size: 11.5px; }
.badge { display: inline-block; font-size: 11px; font-weight: 600; border-radius: 9px; padding: 0 7px; margin-left: 6px; color: #fff; background: #a21caf; vertical-align: 1px; }
.badge.runner-up { background: #64748b; }
table.combos td, table.combos th { white-space: nowrap; padding-right: 12px; }
table.combos td.set { white-space: normal; }
table.combos tr.best td { background: #fdf4ff; font-weight: 600; }
table.combos tr.runner td { background: #f1f5f9; }
td.miss { color: #b42318; white-space: normal !important; min-width: 160px; }
.spread { display: block; color: var(--muted); font-size: 11px; font-weight: 400; }
td.ok { color: #15803d; }
.scroll { overflow-x: auto; }
details summary { cursor: pointer; font-weight: 600; font-size: 15px; }
.plan th { width: 30%; }
.sw-front::before { background: #cbd5e1; border: 1.5px solid #111827; border-radius: 50% !important; width: 10px !important; }
.sw-combo::before { background: #cbd5e1; opacity: .6; border-radius: 50% !important; width: 7px !important; height: 7px !important; }
.sw-frontline::before { border-top: 2px solid #111827; height: 0 !important; vertical-align: 3px !important; border-radius: 0 !important; }
.sw-best::before { border: 2.5px solid #c026d3; border-radius: 50% !important; background: none; width: 10px !important; }
.sw-runner::before { border: 2px dashed #475569; border-radius: 50% !important; background: none; width: 10px !important; }
.sw-obj::before { border-top: 2px dashed var(--wait); height: 0 !important; vertical-align: 3px !important; border-radius: 0 !important; }
.sw-never::before { content: "×" !important; color: #dc2626; font-weight: 700; font-size: 16px; line-height: 10px; width: auto !important; height: auto !important; background: none; }
svg .combo { stroke: #475569; stroke-width: .6; opacity: .55; }
svg .front { stroke: #111827; stroke-width: 1.5; }
svg .nevercross { fill: none; stroke: #dc2626; stroke-width: 2.2; stroke-linecap: round; }
svg .nevercross.small { stroke-width: 1.3; opacity: .7; }
svg .offtick { fill: none; stroke: #64748b; stroke-width: 1.2; }
.sw-off::before { border-left: 1.5px solid #64748b; width: 0 !important; border-radius: 0 !important; }
svg .frontline { fill: none; stroke: #111827; stroke-width: 1.6; opacity: .7; }
svg .whisker { fill: none; stroke: #334155; stroke-width: 1; opacity: .55; }
svg .missband { fill: rgba(229,72,77,.05); }
svg .objline { fill: none; stroke: var(--wait); stroke-width: 1.6; stroke-dasharray: 7 4; }
svg .objlbl { fill: #b42318; font-weight: 600; font-size: 12px; }
svg .bestring { fill: none; stroke: #c026d3; stroke-width: 3.2; }
svg .runring { fill: none; stroke: #475569; stroke-width: 2; stroke-dasharray: 4 3; }
svg .bestlbl { fill: #86198f; font-weight: 700; font-size: 12.5px; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
svg .runlbl { fill: #334155; font-weight: 600; font-size: 12px; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
svg .leader { fill: none; stroke: #475569; stroke-width: 1.2; }
svg .leader.bestlead { stroke: #a21caf; stroke-width: 1.4; }
svg .ptlbl { fill: #111827; font-weight: 600; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .axlbl { fill: var(--ink); font-weight: 600; font-size: 12px; }
svg .axisbreak { fill: none; stroke: #64748b; stroke-width: 1.4; }
svg .rampbox { fill: none; stroke: #94a3b8; stroke-width: .8; }
svg .panel { fill: var(--ink); font-weight: 600; font-size: 11.5px; }
`

var sweepTmpl = template.Must(template.New("sweep").Funcs(template.FuncMap{
	"rows": func(r []sweepRow, p, o bool) comboTable { return comboTable{r, p, o} },
}).Parse(svgChartHTML + sweepHTML))

const sweepHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipamsim sweep report: {{.Title}}</title>
<style>
` + reportCSS + sweepCSS + `</style>
</head>
<body>
<main>
<header>
<h1>ipamsim sweep report: {{.Title}}</h1>
<div class="sub">{{.Sub}}</div>
</header>
{{if .Question}}<div class="question"><b>Question</b>{{.Question}}</div>{{end}}
<div class="grid2">
<section class="card">
<h2>At a glance</h2>
<ul class="glance">{{range .Glance}}<li>{{.}}</li>{{end}}</ul>
</section>
<section class="card">
<h2>Workload and grid</h2>
<table class="settings plan">{{range .Plan}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
</section>
</div>
<section class="section" id="chart">
<h2>Pareto frontier</h2>
{{template "svgchart" .Chart}}
</section>
{{with .Rec}}<section class="card rec{{if .None}} none{{end}}" id="recommendation">
<h2>Recommendation</h2>
<p class="objective">Objective: {{.Objective}}.</p>
{{if .None}}<p class="best">No setting combination of the sweep meets it.</p>{{else}}
<p class="best">{{.Best}} <span class="badge">recommended</span> <span class="objective">(point {{.BestPoint}})</span></p>
<table>{{range .Figures}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<p class="why"><b>Why:</b> {{.Why}}.</p>
<div>Rerun it alone:<code class="cmd">{{.Rerun}}</code></div>
{{if .RunnerUp}}<p class="why"><b>Runner-up:</b> {{.RunnerUp}} (point {{.RunnerPoint}}): {{.RunnerFigures}}.</p>
<code class="cmd">{{.RunnerRerun}}</code>{{else}}<p class="why"><b>Runner-up:</b> none (no other combination meets the objective).</p>{{end}}{{end}}
{{if .PerPolicy}}<h2 style="margin-top:14px">The cheapest combination meeting it, per policy</h2>
<table>{{range .PerPolicy}}<tr><th><code>{{index . 0}}</code></th><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>{{end}}</table>{{end}}
</section>{{end}}
{{define "combos"}}<div class="scroll"><table class="combos">
<tr><th>#</th><th>point</th>{{if .Policies}}<th>policy</th>{{end}}<th>instance</th><th>order</th><th>settings</th><th>addresses held</th><th>p99 wait</th><th>EC2 calls</th><th>EC2 calls / h</th><th>pods waited</th><th>never assigned</th>{{if .Objective}}<th>objective</th>{{end}}</tr>
{{$p := .Policies}}{{$o := .Objective}}{{range .Rows}}<tr{{if .Class}} class="{{.Class}}"{{end}}><td>{{.Rank}}</td><td title="{{.Rerun}}">{{.Point}}</td>{{if $p}}<td><code>{{.Policy}}</code></td>{{end}}<td>{{.Instance}}</td><td>{{.Order}}</td><td class="set"><code>{{.Settings}}</code>{{if .Badge}}<span class="badge {{.Badge}}">{{.Badge}}</span>{{end}}</td>{{template "stat" .Held}}{{template "stat" .P99}}{{template "stat" .EC2}}{{template "stat" .EC2h}}{{template "stat" .Waited}}{{template "stat" .Never}}{{if $o}}<td class="{{if .Meets}}ok{{else}}miss{{end}}">{{if .Meets}}✓ {{else}}✗ {{end}}{{.Verdict}}</td>{{end}}</tr>
{{end}}</table></div>{{end}}
{{define "stat"}}<td class="num">{{.Mean}}{{with .Spread}}<span class="spread">{{.}}</span>{{end}}</td>{{end}}
<section class="card" id="frontier-table">
<h2>The frontier, cheapest first</h2>
{{template "combos" (rows .Frontier .Policies .Objective)}}
{{if .FrontierMore}}<p class="objective">… and {{.FrontierMore}} more frontier combinations (see --out-json or --out-csv).</p>{{end}}
</section>
<section class="card">
<details><summary>All {{.AllTotal}} setting combinations, cheapest first</summary>
{{template "combos" (rows .All .Policies .Objective)}}
{{if .AllMore}}<p class="objective">… and {{.AllMore}} more (see --out-json or --out-csv).</p>{{end}}
</details>
</section>
<footer>Generated by <code>ipamsim sweep --report</code>. "#" is a combination's rank on the Pareto frontier, cheapest first (fewest mean addresses held, then EC2 calls, then p99 wait); "point" is its first point's index in the sweep's outputs (hover for its rerun command). Hover over a marker for its settings and figures.</footer>
</main>
</body>
</html>
`

// comboTable is what the "combos" template draws.
type comboTable struct {
	Rows      []sweepRow
	Policies  bool
	Objective bool
}
