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

	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// The compare report (ipamsim compare --report FILE.html) is one
// self-contained page like the run report, whose stylesheet and helpers it
// shares (chart.go): the comparison table with each row's best policy
// marked, then one small timeline per policy — addresses held and assigned,
// pods waiting — on the same time and value axes, sampled every
// --sample-interval of simulated time (replay.Options.SampleEvery/OnSample)
// with the most pods waiting at once between two samples. No script.

// Series samples one policy's run for the compare report: addresses held and
// assigned, and the most pods waiting at once between two samples.
type Series struct {
	rows    []cmpSample
	peak    int // pods waiting, most at once since the last sample
	samples uint64
}

type cmpSample struct {
	at                      sim.Time
	held, assigned, waiting int
}

// Step notes the pods waiting after an engine event.
func (s *Series) Step(waiting int) { s.peak = max(s.peak, waiting) }

// Sample records the node's state at now, a multiple of the sample interval
// (or the end of the run).
func (s *Series) Sample(now sim.Time, c State) {
	s.samples++
	row := cmpSample{at: now, held: c.Held, assigned: c.Assigned, waiting: max(s.peak, c.Waiting)}
	s.peak = c.Waiting
	if k := len(s.rows); k > 0 && s.rows[k-1].at == now {
		row.waiting = max(row.waiting, s.rows[k-1].waiting)
		s.rows[k-1] = row
		return
	}
	s.rows = append(s.rows, row)
}

// Hook sets opt so that the run feeds s from the node's event log
// (replay.Options.Log, made if opt has none) every `every` of simulated time
// and after every event. The run must feed opt.Log (replay.Execute does).
func (s *Series) Hook(opt *replay.Options, every sim.Time) {
	if opt.Log == nil {
		opt.Log = &replay.NodeLog{}
	}
	log := opt.Log
	opt.AfterStep = func() { s.Step(log.Waiting()) }
	opt.SampleEvery = every
	opt.OnSample = func(now sim.Time) { s.Sample(now, StateOf(log.Counts(now))) }
	opt.OnCoarsen = s.Thin
}

// Thin keeps only the samples at multiples of every (the sampling interval,
// doubled: replay.Options.OnCoarsen), each with the most pods waiting since
// the previous sample kept.
func (s *Series) Thin(every sim.Time) {
	w := 0
	for _, row := range s.rows {
		if w > 0 && s.rows[w-1].at%every != 0 {
			row.waiting = max(row.waiting, s.rows[w-1].waiting)
			w--
		}
		s.rows[w] = row
		w++
	}
	s.rows = s.rows[:w]
}

// SamplerEvents is how many engine events the sampling added to the run (all
// samples but the final one, which replay calls directly): the run's
// events_processed less them is the figure of a run without sampling.
func (s *Series) SamplerEvents() uint64 {
	if s.samples == 0 {
		return 0
	}
	return s.samples - 1
}

// maxDrawn caps the points of a drawn series: longer ones are reduced to the
// largest values of equal runs of samples.
const maxDrawn = 1500

func (s *Series) drawn() []cmpSample {
	if len(s.rows) <= maxDrawn {
		return s.rows
	}
	per := (len(s.rows) + maxDrawn - 1) / maxDrawn
	var out []cmpSample
	for i := 0; i < len(s.rows); i += per {
		b := s.rows[i]
		for _, r := range s.rows[i+1 : min(i+per, len(s.rows))] {
			b.at = r.at
			b.held, b.assigned, b.waiting = max(b.held, r.held), max(b.assigned, r.assigned), max(b.waiting, r.waiting)
		}
		out = append(out, b)
	}
	return out
}

type comparePage struct {
	Title, Sub, Question string
	Glance               []string
	Heads                []string
	Rows                 []cmpRow
	Notes                []string
	Legend               []legendItem
	Charts               []*chart
	SampleEvery          string
}

type cmpRow struct {
	Label string
	Cells []cmpCell
}

type cmpCell struct {
	Value string
	Lead  bool // the row's lowest (best) value, when not every policy has it
}

// Comparison is what the compare report shows: one workload's runs under
// several pool policies.
type Comparison struct {
	Workload     string // "scenario NAME" or "trace FILE"
	Question     string // the scenario's question, if any
	InstanceType string
	Seed         uint64
	EC2Profile   string
	SampleEvery  sim.Time      // the series' sample interval
	Figures      []Figure      // the table's rows, in order
	Runs         []ComparedRun // the table's columns, in order
}

// Figure is a row of the comparison table: one formatted number per run. The
// lowest is marked best when the runs differ.
type Figure struct {
	Label  string
	Values []string
}

// ComparedRun is one policy's run.
type ComparedRun struct {
	Policy       string
	Params       map[string]string // the policy's parameters as given
	NodeSettings []string          // VPC CNI settings the policy needs its node to run with
	Summary      replay.Summary
	Series       *Series
}

// WriteCompare renders the comparison's page into w.
func WriteCompare(w io.Writer, c Comparison) error {
	var b bytes.Buffer
	if err := compareTmpl.Execute(&b, comparePageOf(c)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func comparePageOf(c Comparison) *comparePage {
	p := &comparePage{Question: c.Question, SampleEvery: durText(time.Duration(c.SampleEvery))}
	p.Title = strings.ToUpper(c.Workload[:1]) + c.Workload[1:]
	node := c.InstanceType
	if len(c.Runs) > 0 {
		s := c.Runs[0].Summary
		node = fmt.Sprintf("%s (%d ENIs × %d IPv4)", c.InstanceType, s.MaxENIs, s.IPv4PerENI)
	}
	policies := "1 policy"
	if len(c.Runs) != 1 {
		policies = fmt.Sprintf("%d policies", len(c.Runs))
	}
	p.Sub = fmt.Sprintf("%s · node %s · seed %d · EC2 %s · %s on the same workload, node, subnet and EC2 model",
		c.Workload, node, c.Seed, c.EC2Profile, policies)
	for _, r := range c.Runs {
		p.Heads = append(p.Heads, r.Policy)
	}
	for _, row := range c.Figures {
		r := cmpRow{Label: row.Label}
		vals := make([]float64, len(row.Values))
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, v := range row.Values {
			r.Cells = append(r.Cells, cmpCell{Value: v})
			vals[i], _ = strconv.ParseFloat(v, 64)
			lo, hi = min(lo, vals[i]), max(hi, vals[i])
		}
		if hi > lo {
			for i := range r.Cells {
				r.Cells[i].Lead = vals[i] == lo
			}
		}
		p.Rows = append(p.Rows, r)
	}
	for _, run := range c.Runs {
		var notes []string
		if len(run.Params) > 0 {
			var kv []string
			for _, k := range sortedKeys(run.Params) {
				kv = append(kv, k+"="+run.Params[k])
			}
			notes = append(notes, "parameters "+strings.Join(kv, " "))
		}
		if len(run.NodeSettings) > 0 {
			notes = append(notes, "node settings "+strings.Join(run.NodeSettings, " "))
		}
		if len(notes) > 0 {
			p.Notes = append(p.Notes, run.Policy+": "+strings.Join(notes, "; "))
		}
	}
	p.Glance = compareGlance(c)
	p.Legend = []legendItem{{"sw-held", "addresses held"}, {"sw-assigned", "assigned to pods"}, {"sw-waitbar", "pods waiting (most at once per sample)"}}
	p.Charts = compareCharts(c)
	return p
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compareGlance names, for the figures people ask about first, the policies
// that do best.
func compareGlance(c Comparison) []string {
	if len(c.Runs) == 0 {
		return nil
	}
	best := func(f func(s *replay.Summary) float64, format func(float64) string) string {
		lo := math.Inf(1)
		for i := range c.Runs {
			lo = min(lo, f(&c.Runs[i].Summary))
		}
		var who []string
		for i := range c.Runs {
			if f(&c.Runs[i].Summary) == lo {
				who = append(who, c.Runs[i].Policy)
			}
		}
		if len(who) == len(c.Runs) && len(who) > 1 {
			return "every policy (" + format(lo) + ")"
		}
		return strings.Join(who, ", ") + " (" + format(lo) + ")"
	}
	var g []string
	g = append(g, "Fewest addresses held on average: "+best(func(s *replay.Summary) float64 { return s.MeanAddressesHeld }, oneDec)+
		"; fewest at the peak: "+best(func(s *replay.Summary) float64 { return float64(s.PeakAddressesHeld) }, noDec)+".")
	g = append(g, "Shortest p99 pod IP wait: "+best(func(s *replay.Summary) float64 { return s.WaitP99Seconds }, fmtSec)+
		"; fewest pods that waited: "+best(func(s *replay.Summary) float64 { return float64(s.PodsWaited) }, noDec)+".")
	g = append(g, "Fewest EC2 calls: "+best(func(s *replay.Summary) float64 { return float64(s.EC2CallsTotal) }, noDec)+".")
	var never []string
	for _, r := range c.Runs {
		if r.Summary.PodsNeverAssigned > 0 {
			never = append(never, fmt.Sprintf("%s (%d)", r.Policy, r.Summary.PodsNeverAssigned))
		}
	}
	if len(never) > 0 {
		g = append(g, "Pods left without an address: "+strings.Join(never, ", ")+".")
	}
	return g
}

// compareCharts are the small multiples: one chart per policy, every one on
// the same time axis and the same scales.
func compareCharts(c Comparison) []*chart {
	var end sim.Time
	amax, wmax := 1.0, 1.0
	for _, run := range c.Runs {
		if run.Series == nil {
			continue
		}
		for _, r := range run.Series.rows {
			end = max(end, r.at)
			amax = max(amax, float64(r.held))
			wmax = max(wmax, float64(r.waiting))
		}
	}
	end = max(end, sim.Second)
	amax = niceCeil(amax)
	wstep := max(niceStep(wmax, 2), 1)
	wmax = math.Ceil(wmax/wstep-1e-9) * wstep
	const (
		w, h   = 560, 256
		x0, x1 = 48.0, 548.0
		a0, a1 = 24.0, 150.0 // addresses panel
		p0, p1 = 178.0, 226.0
	)
	x := func(t sim.Time) float64 { return x0 + t.Seconds()/end.Seconds()*(x1-x0) }
	ya := func(v float64) float64 { return a1 - v/amax*(a1-a0) }
	yw := func(v float64) float64 { return p1 - v/wmax*(p1-p0) }
	var out []*chart
	for _, cr := range c.Runs {
		s, run := cr.Series, cr.Summary
		if s == nil {
			continue
		}
		ch := &chart{ID: "policy-" + cr.Policy, Title: cr.Policy, W: w, H: h, X0: x0, X1: x1, Y0: a0, Y1: p1}
		ch.Note = fmt.Sprintf("addresses held: mean %s, peak %d · p99 wait %s, %d pods waited · %d EC2 calls",
			oneDec(run.MeanAddressesHeld), run.PeakAddressesHeld, fmtSec(run.WaitP99Seconds), run.PodsWaited, run.EC2CallsTotal)
		simAxis(ch, 0, end, x, 6)
		// Value axes: the addresses panel and the waiting panel.
		step := max(niceStep(amax, 4), 1)
		for v := 0.0; v <= amax+step/1000; v += step {
			ch.Grid = append(ch.Grid, shape{X: x0, Y: ya(v), X2: x1, Y2: ya(v)})
			ch.Ticks = append(ch.Ticks, label{X: x0 - 6, Y: ya(v) + 4, Anchor: "end", Text: trimNum(v)})
		}
		for v := 0.0; v <= wmax+wstep/1000; v += wstep {
			ch.Grid = append(ch.Grid, shape{X: x0, Y: yw(v), X2: x1, Y2: yw(v)})
			ch.Ticks = append(ch.Ticks, label{X: x0 - 6, Y: yw(v) + 4, Anchor: "end", Text: trimNum(v)})
		}
		// The time grid spans both panels; blank the gap between them.
		ch.Bands = append(ch.Bands, shape{Class: "gap", X: x0 - 1, Y: a1 + 1, W: x1 - x0 + 2, H: p0 - a1 - 2})
		ch.Labels = append(ch.Labels,
			label{X: x0, Y: a0 - 8, Anchor: "start", Text: "addresses held and assigned", Class: "panel"},
			label{X: x0, Y: p0 - 7, Anchor: "start", Text: "pods waiting", Class: "panel"})
		rows := s.drawn()
		area := func(class string, v func(r cmpSample) float64, y func(float64) float64, base float64, closed bool) {
			if len(rows) == 0 {
				return
			}
			var d strings.Builder
			if closed {
				fmt.Fprintf(&d, "M%.1f %.1f", x(rows[0].at), base)
				for _, r := range rows {
					fmt.Fprintf(&d, "L%.1f %.1f", x(r.at), y(v(r)))
				}
				fmt.Fprintf(&d, "L%.1f %.1fZ", x(rows[len(rows)-1].at), base)
			} else {
				for k, r := range rows {
					op := "L"
					if k == 0 {
						op = "M"
					}
					fmt.Fprintf(&d, "%s%.1f %.1f", op, x(r.at), y(v(r)))
				}
			}
			ch.Paths = append(ch.Paths, shape{Class: class, D: d.String()})
		}
		area("held", func(r cmpSample) float64 { return float64(r.held) }, ya, a1, true)
		area("assigned", func(r cmpSample) float64 { return float64(r.assigned) }, ya, a1, true)
		area("heldline", func(r cmpSample) float64 { return float64(r.held) }, ya, a1, false)
		// Each sample's peak covers the interval that ends at it.
		if len(rows) > 0 {
			var d strings.Builder
			fmt.Fprintf(&d, "M%.1f %.1f", x(rows[0].at), p1)
			for k, r := range rows {
				y := yw(float64(r.waiting))
				fmt.Fprintf(&d, "L%.1f %.1fL%.1f %.1f", x(rows[max(k-1, 0)].at), y, x(r.at), y)
			}
			fmt.Fprintf(&d, "L%.1f %.1fZ", x(rows[len(rows)-1].at), p1)
			ch.Paths = append(ch.Paths, shape{Class: "waitbar", D: d.String()})
		}
		ch.Paths = append(ch.Paths, shape{Class: "axis", D: fmt.Sprintf("M%.1f %.1fH%.1f", x0, a1, x1)})
		out = append(out, ch)
	}
	return out
}

const compareCSS = `.cmp td, .cmp th { text-align: right; padding: 4px 10px; white-space: nowrap; }
.cmp th:first-child, .cmp td:first-child { text-align: left; }
.cmp thead th { color: var(--ink); font-weight: 600; }
.cmp td.lead { font-weight: 700; color: #166534; background: #ecfdf3; }
.multiples { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 14px; }
.multiples .chart h3 code { font-size: 14px; }
.notes { color: var(--muted); font-size: 12.5px; margin: 8px 0 0; padding-left: 18px; }
svg .gap { fill: #fff; }
@media (max-width: 900px) { .multiples { grid-template-columns: 1fr; } }
`

var compareTmpl = template.Must(template.New("compare").Parse(svgChartHTML + compareHTML))

const compareHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipamsim compare report: {{.Title}}</title>
<style>
` + reportCSS + sweepCSS + compareCSS + `</style>
</head>
<body>
<main>
<header>
<h1>ipamsim compare report: {{.Title}}</h1>
<div class="sub">{{.Sub}}</div>
</header>
{{if .Question}}<div class="question"><b>Question</b>{{.Question}}</div>{{end}}
<section class="card">
<h2>At a glance</h2>
<ul class="glance">{{range .Glance}}<li>{{.}}</li>{{end}}</ul>
</section>
<section class="card" id="table">
<h2>The policies side by side</h2>
<div class="scroll"><table class="cmp">
<thead><tr><th></th>{{range .Heads}}<th><code>{{.}}</code></th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th>{{.Label}}</th>{{range .Cells}}<td{{if .Lead}} class="lead"{{end}}>{{.Value}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
{{if .Notes}}<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
<section class="section" id="timelines">
<h2>Over time, one policy per chart <span class="legend">{{range .Legend}}<span class="{{.Class}}">{{.Label}}</span>{{end}}</span></h2>
<div class="note" style="color:var(--muted);font-size:12px;margin:-4px 0 8px">Every chart has the same time axis and the same scales, sampled every {{.SampleEvery}} of simulated time.</div>
<div class="multiples">
{{range .Charts}}{{template "svgchart" .}}{{end}}
</div>
</section>
<footer>Generated by <code>ipamsim compare --report</code>. Times are simulated, from the start of the run (m:ss). Green cells: the row's lowest figure. Every policy replays the same workload with the same seed, on the same node, subnet, EC2 latencies and kubelet retries.</footer>
</main>
</body>
</html>
`
