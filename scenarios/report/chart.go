package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/sim"
)

// Shared pieces of the HTML reports (run, sweep and compare): the chart model
// drawn as inline SVG, axes, scales and number formats, and the stylesheet.
// Every page is self-contained: no script, font or stylesheet is fetched.

type chart struct {
	ID, Title, Note string
	Legend          []legendItem
	W, H            int
	X0, X1, Y0, Y1  float64 // plot area
	T0, T1          float64 // seconds at X0 and X1 (the hover maps x to time)
	Group           string  // hover data set ("" for none)
	Bands           []shape
	Grid            []shape
	Ticks           []label
	Paths           []shape
	Marks           []shape
	Labels          []label
}

type legendItem struct{ Class, Label string }

type shape struct {
	Class, D, Title string
	X, Y, W, H      float64
	X2, Y2          float64
	Fill            string // a fill colour ("" for the class's); the sweep and compare reports only
}

type label struct {
	X, Y         float64
	Anchor, Text string
	Class        string
}

// path draws v over the points as straight segments (step: as a step
// function), optionally closed down to the axis as an area.
func path(c *chart, n int, at func(int) float64, v func(int) float64, vmax float64, step, area bool, class string) {
	if n == 0 {
		return
	}
	var d strings.Builder
	if area {
		fmt.Fprintf(&d, "M%.1f %.1fL%.1f %.1f", at(0), c.Y1, at(0), yOf(c, v(0), vmax))
	} else {
		fmt.Fprintf(&d, "M%.1f %.1f", at(0), yOf(c, v(0), vmax))
	}
	for i := 1; i < n; i++ {
		if step {
			fmt.Fprintf(&d, "H%.1f", at(i))
		}
		fmt.Fprintf(&d, "L%.1f %.1f", at(i), yOf(c, v(i), vmax))
	}
	if step {
		fmt.Fprintf(&d, "H%.1f", c.X1)
	}
	if area {
		if step {
			fmt.Fprintf(&d, "V%.1fZ", c.Y1)
		} else {
			fmt.Fprintf(&d, "L%.1f %.1fZ", at(n-1), c.Y1)
		}
	}
	c.Paths = append(c.Paths, shape{Class: class, D: d.String()})
}

// hline draws a dashed limit across a chart.
func hline(c *chart, v, vmax float64) {
	if v <= 0 {
		return
	}
	y := yOf(c, v, vmax)
	c.Paths = append(c.Paths, shape{Class: "limit", D: fmt.Sprintf("M%.1f %.1fH%.1f", c.X0, y, c.X1)})
}

// ---- axes and scales ----

func yOf(c *chart, v, vmax float64) float64 { return c.Y1 - v/vmax*(c.Y1-c.Y0) }

func yAxis(c *chart, vmax float64) {
	step := niceStep(vmax, 5)
	if step < 1 {
		step = 1
	}
	for v := 0.0; v <= vmax+step/1000; v += step {
		y := yOf(c, v, vmax)
		c.Grid = append(c.Grid, shape{X: c.X0, Y: y, X2: c.X1, Y2: y})
		c.Ticks = append(c.Ticks, label{X: c.X0 - 6, Y: y + 4, Anchor: "end", Text: strconv.FormatFloat(v, 'f', -1, 64)})
	}
}

// niceStep is a 1-2-5 step (2.5 too, from 25 on) that splits vmax into
// about n parts.
func niceStep(vmax float64, n int) float64 {
	raw := vmax / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && mag < 10 {
			continue
		}
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// niceCeil rounds v up to a multiple of its axis step (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	step := max(niceStep(v, 5), 1)
	return math.Ceil(v/step-1e-9) * step
}

// tri is a small triangle pointing up or down with its tip at (x, y+6) or (x, y).
func tri(x, y float64, up bool) string {
	if up {
		return fmt.Sprintf("M%.1f %.1fl5 8h-10Z", x, y-1)
	}
	return fmt.Sprintf("M%.1f %.1fl5 -8h-10Z", x, y+8)
}

// ---- formatting ----

// fmtSim spells a simulated instant as m:ss(.s) or h:mm:ss.
func fmtSim(t sim.Time) string {
	d := time.Duration(t).Round(100 * time.Millisecond)
	h := int(d / time.Hour)
	mnt := int(d/time.Minute) % 60
	s := (d % time.Minute).Seconds()
	sec := strconv.FormatFloat(s, 'f', 1, 64)
	if s == math.Trunc(s) {
		sec = strconv.Itoa(int(s))
	}
	if s < 10 {
		sec = "0" + sec
	}
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%s", h, mnt, sec)
	}
	return fmt.Sprintf("%d:%s", mnt, sec)
}

// fmtDur formats d as time.Duration does, without zero trailing units
// ("10m0s" → "10m", "1h0m0s" → "1h").
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") { // "10m0s" → "10m", but "20s" stays
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

func fmtSec(v float64) string {
	if v == 0 {
		return "0 s"
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " s"
}

func fmtInt(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func pluralES(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// reportCSS is the stylesheet of every report page (the run report's).
const reportCSS = `:root { --ink:#1d2433; --muted:#5b6474; --rule:#e3e6ec; --held:#3b82f6; --assigned:#1e3a8a; --idle:#f59e0b;
  --wait:#e5484d; --eni:#7c3aed; --inflight:#f5b942; --ec2:#334155; --thr:#dc2626; --cdf:#0f766e; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f8; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 22px 26px 36px; }
header h1 { font-size: 22px; margin: 0 0 2px; }
header .sub { color: var(--muted); font-size: 13px; }
.question { margin: 12px 0 16px; padding: 11px 16px; background: #fff; border: 1px solid var(--rule); border-left: 4px solid var(--held); border-radius: 4px; font-size: 16px; }
.question b { display: block; font-size: 11px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); margin-bottom: 2px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1.55fr) minmax(0, 1fr); gap: 16px; align-items: start; }
.card { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 13px 16px; margin-bottom: 16px; }
.card h2, .section h2 { font-size: 15px; margin: 0 0 8px; }
.section h2 { margin: 4px 0 8px; }
.glance { padding-left: 18px; margin: 0; }
.glance li { margin: 3px 0; }
.glance li:first-child { font-weight: 600; }
.waits { padding-left: 18px; margin: 6px 0 0; color: #343b49; font-size: 13px; }
.waits li { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
td, th { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
.settings th { white-space: nowrap; }
.summary th { width: 44%; }
.settings code { font-size: 11.5px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.changed td, tr.changed th, tr.changed code { font-weight: 600; color: #9a3412; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.chart { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px 4px; margin-bottom: 12px; }
.chart h3 { font-size: 14px; margin: 0 6px 0 0; display: inline; }
.chart .note { color: var(--muted); font-size: 12px; margin: 1px 0 2px; }
.legend { display: inline-flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; color: var(--muted); vertical-align: 1px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 10px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
.sw-held::before { background: #dbe8fe; border: 1px solid var(--held); }
.sw-assigned::before { background: var(--assigned); }
.sw-idle::before, .sw-enis::before, .sw-ec2::before, .sw-thr::before, .sw-cdf::before { height: 3px !important; vertical-align: 3px !important; }
.sw-idle::before { background: var(--idle); }
.sw-enis::before { background: var(--eni); }
.sw-ec2::before { background: var(--ec2); }
.sw-thr::before { background: var(--thr); }
.sw-cdf::before { background: var(--cdf); }
.sw-limit::before { border-top: 2px dashed #8a93a3; height: 0 !important; vertical-align: 3px !important; border-radius: 0 !important; }
.sw-q::before { border-top: 2px dotted #64748b; height: 0 !important; vertical-align: 3px !important; border-radius: 0 !important; }
.sw-wait::before { background: rgba(229,72,77,.2); }
.sw-eni::before { border-left: 2px dashed var(--eni); width: 0 !important; border-radius: 0 !important; }
.sw-inflight::before { background: rgba(245,185,66,.5); }
.sw-waitbar::before { background: var(--wait); }
.sw-fail::before { background: var(--thr); clip-path: polygon(0 0, 100% 0, 50% 100%); }
.closeup { border: 1px solid #f3c4c6; background: #fff7f7; border-radius: 8px; padding: 10px 10px 2px; margin: 4px 0 14px; }
.closeup h2 { color: #9f1d22; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 11px; fill: #5b6474; }
svg .grid { stroke: #eef0f4; stroke-width: 1; }
svg .axis { stroke: #b8bfcc; stroke-width: 1; }
svg .waitband { fill: rgba(229,72,77,.13); }
svg .inflight { fill: rgba(245,185,66,.36); }
svg .enline { stroke: var(--eni); stroke-width: 1.3; stroke-dasharray: 4 3; opacity: .8; }
svg .held { fill: #dbe8fe; }
svg .assigned { fill: var(--assigned); opacity: .85; }
svg .heldline { fill: none; stroke: var(--held); stroke-width: 1.6; }
svg .idle { fill: none; stroke: var(--idle); stroke-width: 2; }
svg .limit { fill: none; stroke: #8a93a3; stroke-width: 1.2; stroke-dasharray: 6 4; }
svg .enis { fill: none; stroke: var(--eni); stroke-width: 2.2; }
svg .eniup { fill: var(--eni); }
svg .enidown { fill: #fff; stroke: var(--eni); stroke-width: 1.5; }
svg .waitbar { fill: var(--wait); opacity: .85; }
svg .fail { fill: var(--thr); }
svg .faillbl { fill: var(--thr); font-weight: 600; }
svg .inflbl { fill: #8a5a00; font-weight: 600; }
svg .enilbl { fill: #5b21b6; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .ec2 { fill: none; stroke: var(--ec2); stroke-width: 2; }
svg .thr { fill: none; stroke: var(--thr); stroke-width: 2; }
svg .cdf { fill: none; stroke: var(--cdf); stroke-width: 2.4; }
svg .q { fill: none; stroke: #64748b; stroke-width: 1.2; stroke-dasharray: 2 3; }
svg .qdot { fill: var(--cdf); }
svg .qlbl { fill: var(--ink); font-weight: 600; font-size: 12px; }
svg .empty { font-size: 14px; }
svg .cursor { stroke: #111827; stroke-width: 1; opacity: 0; pointer-events: none; }
#tip { position: absolute; display: none; pointer-events: none; background: rgba(17,24,39,.93); color: #fff; font-size: 12px; padding: 6px 9px; border-radius: 4px; white-space: nowrap; z-index: 5; line-height: 1.5; }
footer { color: var(--muted); font-size: 12px; margin-top: 14px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
`

// svgChartHTML defines the templates "svgchart" (a chart card: title, legend,
// note and the SVG) and "svg" (the SVG alone) over a *chart, for the sweep
// and compare reports: bands (rects), grid lines, paths, the x axis, marks
// (paths with a tooltip), labels and ticks, in that order.
const svgChartHTML = `{{define "svgchart"}}<div class="chart">
<h3>{{.Title}}</h3>{{if .Legend}}<span class="legend">{{range .Legend}}<span class="{{.Class}}">{{.Label}}</span>{{end}}</span>{{end}}
{{if .Note}}<div class="note">{{.Note}}</div>{{end}}
{{template "svg" .}}
</div>
{{end}}{{define "svg"}}<svg id="{{.ID}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{range .Grid}}<line class="grid" x1="{{.X}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y2}}"/>{{end}}
{{range .Bands}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"{{if .Fill}} fill="{{.Fill}}"{{end}}>{{if .Title}}<title>{{.Title}}</title>{{end}}</rect>{{end}}
{{range .Paths}}<path class="{{.Class}}" d="{{.D}}"/>{{end}}
<line class="axis" x1="{{.X0}}" y1="{{.Y1}}" x2="{{.X1}}" y2="{{.Y1}}"/>
{{range .Marks}}<path class="{{.Class}}" d="{{.D}}"{{if .Fill}} fill="{{.Fill}}"{{end}}>{{if .Title}}<title>{{.Title}}</title>{{end}}</path>{{end}}
{{range .Labels}}<text class="{{.Class}}" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{range .Ticks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
</svg>{{end}}`

// niceRange widens [lo, hi] to whole axis steps splitting it into about n
// parts; a flat range is widened around its value.
func niceRange(lo, hi float64, n int) (a, b, step float64) {
	if !(hi > lo) {
		lo, hi = lo-1, hi+1
		if lo < 0 && hi >= 0 && lo >= -1 {
			lo, hi = 0, hi+1
		}
	}
	step = niceStep(hi-lo, n)
	a = math.Floor(lo/step+1e-9) * step
	b = math.Ceil(hi/step-1e-9) * step
	return a, b, step
}

// trimNum spells an axis value without trailing zeros.
func trimNum(v float64) string {
	if math.Abs(v) < 1e-9 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ramp is a perceptually even colour scale (viridis) from t = 0 to 1: light
// for few, dark for many.
var ramp = [][3]float64{{253, 231, 37}, {94, 201, 98}, {33, 145, 140}, {59, 82, 139}, {68, 1, 84}}

// rampColour is the colour at t in [0, 1] as #rrggbb.
func rampColour(t float64) string {
	t = min(max(t, 0), 1) * float64(len(ramp)-1)
	i := min(int(t), len(ramp)-2)
	f := t - float64(i)
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(ramp[i][k] + f*(ramp[i+1][k]-ramp[i][k])))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}

// markerPath is a marker of size r centred on (x, y): 0 circle, 1 square,
// 2 diamond, 3 triangle up, 4 triangle down, 5 cross (kinds wrap).
func markerPath(kind int, x, y, r float64) string {
	switch kind % 6 {
	case 1:
		s := r * 0.9
		return fmt.Sprintf("M%.1f %.1fh%.1fv%.1fh%.1fZ", x-s, y-s, 2*s, 2*s, -2*s)
	case 2:
		s := r * 1.25
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-s, x+s, y, x, y+s, x-s, y)
	case 3:
		s := r * 1.2
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-s, x+s, y+0.75*s, x-s, y+0.75*s)
	case 4:
		s := r * 1.2
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y+s, x+s, y-0.75*s, x-s, y-0.75*s)
	case 5:
		a, b := r*1.1, r*0.38
		return fmt.Sprintf("M%.1f %.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fZ",
			x-b, y-a, 2*b, a-b, a-b, 2*b, -(a - b), a-b, -2*b, -(a - b), -(a - b), -2*b, a-b)
	}
	return circlePath(x, y, r)
}

// circlePath is a circle as a path.
func circlePath(x, y, r float64) string {
	return fmt.Sprintf("M%.1f %.1fa%.1f %.1f 0 1 0 %.1f 0a%.1f %.1f 0 1 0 %.1f 0Z", x-r, y, r, r, 2*r, r, r, -2*r)
}

// textWidth estimates the width of a label of font size px: per-character
// widths (in em) of a wide sans-serif (DejaVu Sans, what headless Linux
// browsers fall back to), 10 % more in bold; narrower fonts only leave more
// room.
func textWidth(s string, px float64, bold bool) float64 {
	em := 0.0
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			em += 0.72
		case r >= 'a' && r <= 'z':
			em += 0.6
		case r >= '0' && r <= '9':
			em += 0.64
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == ';' || r == '\'':
			em += 0.33
		case r == '=' || r == '+' || r == '<' || r == '>' || r == '≤':
			em += 0.84
		case r == '_' || r == '-' || r == '(' || r == ')' || r == '/':
			em += 0.5
		default:
			em += 0.7
		}
	}
	if bold {
		em *= 1.1
	}
	return em * px
}

// box is a rectangle a label or marker covers.
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

// placer puts labels where they overlap no label placed before, nor the
// obstacles (boxes, and line segments unless loose), within the plot area.
type placer struct {
	area  box
	taken []box
	segs  [][4]float64 // x0, y0, x1, y1
	loose bool         // ignore segs
}

// crosses reports whether a segment passes through b (sampled every 3 units).
func (b box) crosses(sg [4]float64) bool {
	n := int(math.Hypot(sg[2]-sg[0], sg[3]-sg[1])/3) + 1
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		x, y := sg[0]+f*(sg[2]-sg[0]), sg[1]+f*(sg[3]-sg[1])
		if x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1 {
			return true
		}
	}
	return false
}

// place tries each candidate (x, y, anchor) in turn for a text of width w;
// ok is false if none fits (the caller may drop the label).
func (p *placer) place(w float64, cands []label) (label, bool) {
	for _, c := range cands {
		// A little air on every side, so that neighbours do not read as one.
		b := box{c.X - 2, c.Y - 12, c.X + w + 2, c.Y + 4}
		switch c.Anchor {
		case "end":
			b.x0, b.x1 = c.X-w-2, c.X+2
		case "middle":
			b.x0, b.x1 = c.X-w/2-2, c.X+w/2+2
		}
		if b.x0 < p.area.x0 || b.x1 > p.area.x1 || b.y0 < p.area.y0 || b.y1 > p.area.y1 {
			continue
		}
		free := true
		for _, t := range p.taken {
			if b.overlaps(t) {
				free = false
				break
			}
		}
		if free && !p.loose {
			for _, sg := range p.segs {
				if b.crosses(sg) {
					free = false
					break
				}
			}
		}
		if free {
			p.taken = append(p.taken, b)
			return c, true
		}
	}
	return label{}, false
}

// nearest places a label of width w at the free spot nearest to (px, py),
// scanning the whole area, for when no candidate of place fits; ok is false
// if the area is full.
func (p *placer) nearest(w, px, py float64, l label) (label, bool) {
	type spot struct {
		l label
		d float64
	}
	var spots []spot
	for y := p.area.y0 + 13; y <= p.area.y1-4; y += 8 {
		for x := p.area.x0 + 2; x+w <= p.area.x1-2; x += 12 {
			cx := x + w/2
			if x > px {
				cx = x
			} else if x+w < px {
				cx = x + w
			}
			spots = append(spots, spot{label{X: x, Y: y, Anchor: "start", Text: l.Text, Class: l.Class}, math.Hypot(cx-px, (y-4-py)*1.3)})
		}
	}
	slices.SortStableFunc(spots, func(a, b spot) int { return cmpFloat(a.d, b.d) })
	for _, s := range spots {
		if s.d < 16 {
			continue // not on the marker itself
		}
		if got, ok := p.place(w, []label{s.l}); ok {
			return got, true
		}
	}
	return label{}, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// simAxis draws simulated-time ticks on a chart whose x maps time through x.
func simAxis(c *chart, ta, tb sim.Time, x func(sim.Time) float64, maxTicks int) {
	total := max((tb - ta).Seconds(), 1e-3)
	steps := []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if total/s <= float64(maxTicks) {
			step = s
			break
		}
	}
	first := math.Ceil(ta.Seconds()/step-1e-9) * step
	for v := first; v <= tb.Seconds()+1e-9; v += step {
		xx := x(sim.Seconds(v))
		c.Grid = append(c.Grid, shape{X: xx, Y: c.Y0, X2: xx, Y2: c.Y1})
		c.Ticks = append(c.Ticks, label{X: xx, Y: c.Y1 + 16, Anchor: "middle", Text: fmtSim(sim.Seconds(v))})
	}
}

// labelFont is the font size and weight (bold or not) of a label's class, as
// the stylesheets set them (svg text: 11px).
func labelFont(class string) (px float64, bold bool) {
	switch strings.Fields(class + " -")[0] {
	case "qlbl", "runlbl", "objlbl", "axlbl":
		return 12, true
	case "bestlbl":
		return 12.5, true
	case "panel":
		return 11.5, true
	case "faillbl", "inflbl", "enilbl", "ptlbl":
		return 11, true
	case "empty":
		return 14, false
	}
	return 11, false
}

// labelBox is the box a label's text covers: its estimated width
// (textWidth) at its anchor, from the cap height above the baseline to the
// descenders below it.
func labelBox(l label) box {
	px, bold := labelFont(l.Class)
	w := textWidth(l.Text, px, bold)
	x0 := l.X
	switch l.Anchor {
	case "end":
		x0 -= w
	case "middle":
		x0 -= w / 2
	}
	return box{x0, l.Y - 0.78*px, x0 + w, l.Y + 0.22*px}
}
