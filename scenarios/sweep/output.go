package sweep

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/ipam/ec2"
)

// FormatVersion heads every sweep JSON document.
const FormatVersion = "ipamsim-sweep/1"

// Document is a sweep's JSON output: the plan, the points run (all, or one
// shard's) in index order and, for a whole sweep, the Pareto frontier of its
// setting combinations.
type Document struct {
	Format string `json:"format"`
	Plan
	PointsTotal int           `json:"points_total"`
	Shard       *Shard        `json:"shard,omitempty"` // nil for a whole (or merged) sweep
	Points      []Result      `json:"points"`
	Frontier    []Combination `json:"frontier,omitempty"`

	combos     []Combination
	onFrontier []bool // by combination
	comboOf    map[int]int
}

// Complete reports whether the document holds every point of its sweep.
func (d *Document) Complete() bool { return d.Shard == nil && len(d.Points) == d.PointsTotal }

// finish aggregates a complete document's combinations and its frontier.
func (d *Document) finish() {
	d.Frontier = nil
	d.combos, d.onFrontier, d.comboOf = nil, nil, nil
	if !d.Complete() {
		return
	}
	d.combos = Aggregate(d.Points)
	vs := make([][3]float64, len(d.combos))
	d.comboOf = map[int]int{}
	for i := range d.combos {
		vs[i] = d.combos[i].Objectives()
		for _, p := range d.combos[i].Points {
			d.comboOf[p] = i
		}
	}
	d.onFrontier = Frontier(vs)
	d.Frontier = []Combination{}
	for i, on := range d.onFrontier {
		if on {
			d.Frontier = append(d.Frontier, d.combos[i])
		}
	}
}

// Combinations returns a complete document's setting combinations (nil for
// a shard).
func (d *Document) Combinations() []Combination { return d.combos }

// Recommend recommends a setting combination of a complete document.
func (d *Document) Recommend(c Constraints) (*Recommendation, error) {
	if !d.Complete() {
		return nil, fmt.Errorf("the sweep holds %d of %d points (a shard?): merge the shards first", len(d.Points), d.PointsTotal)
	}
	return Recommend(d.combos, d.Grid.Repetitions, c)
}

type docHeader struct {
	Format string `json:"format"`
	Plan
	PointsTotal int    `json:"points_total"`
	Shard       *Shard `json:"shard,omitempty"`
}

// WriteJSON writes the document, streaming its points.
func (d *Document) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	h, err := json.MarshalIndent(docHeader{Format: d.Format, Plan: d.Plan, PointsTotal: d.PointsTotal, Shard: d.Shard}, "", "  ")
	if err != nil {
		return err
	}
	bw.Write(bytes.TrimSuffix(h, []byte("\n}")))
	writeList := func(name string, n int, item func(i int) any) error {
		fmt.Fprintf(bw, ",\n  %q: [", name)
		for i := 0; i < n; i++ {
			b, err := json.MarshalIndent(item(i), "    ", "  ")
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(b)
		}
		if n > 0 {
			bw.WriteString("\n  ")
		}
		bw.WriteByte(']')
		return nil
	}
	if err := writeList("points", len(d.Points), func(i int) any { return &d.Points[i] }); err != nil {
		return err
	}
	if d.Complete() {
		if err := writeList("frontier", len(d.Frontier), func(i int) any { return &d.Frontier[i] }); err != nil {
			return err
		}
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// CSVHeader returns the CSV columns of a sweep with these setting axes. A
// sweep with --policies has a "policy" column after "index".
func CSVHeader(axes []Axis) []string {
	h := []string{"index", "instance_type", "assign_order", "repetition", "seed"}
	for _, ax := range axes {
		h = append(h, ax.Key)
	}
	h = append(h, "mean_addresses_held", "peak_addresses_held", "mean_idle_addresses", "idle_ip_seconds",
		"peak_addresses_assigned", "wait_p50_seconds", "wait_p99_seconds", "wait_max_seconds",
		"pods_added", "pods_waited", "no_ip_add_failures", "pods_never_assigned",
		"ec2_calls_total", "ec2_calls_per_hour", "ec2_errors", "throttled_calls")
	for api := ec2.API(0); api < ec2.NumAPIs; api++ {
		h = append(h, "ec2_"+api.String())
	}
	return append(h, "peak_enis", "enis_attached", "enis_freed", "simulated_seconds", "on_frontier", "rerun")
}

// WriteCSV writes one row per point: its identity, one column per grid
// setting, every figure, whether its combination is on the frontier (empty
// in a shard's output) and its rerun command.
func (d *Document) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	header := CSVHeader(d.Grid.Axes)
	policies := len(d.Grid.Policies) > 0
	if policies {
		header = slices.Insert(header, 1, "policy")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	i := strconv.Itoa
	row := make([]string, 0, 64)
	for k := range d.Points {
		r := &d.Points[k]
		s := &r.Summary
		row = append(row[:0], i(r.Index))
		if policies {
			row = append(row, r.Policy)
		}
		row = append(row, r.InstanceType, r.AssignOrder, i(r.Repetition), u(r.Seed))
		for _, ax := range d.Grid.Axes {
			v := ""
			for _, kv := range r.Settings {
				if key, val, _ := strings.Cut(kv, "="); key == ax.Key {
					v = val
				}
			}
			row = append(row, v)
		}
		row = append(row, f(s.MeanAddressesHeld), i(s.PeakAddressesHeld), f(r.MeanIdleAddresses), f(s.IdleIPSeconds),
			i(s.PeakAddressesInUse), f(s.WaitP50Seconds), f(s.WaitP99Seconds), f(s.WaitMaxSeconds),
			u(s.PodsAdded), u(s.PodsWaited), u(s.NoIPAddFailures), u(s.PodsNeverAssigned),
			u(s.EC2CallsTotal), f(r.EC2CallsPerHour), u(s.EC2Errors), u(s.ThrottledCalls))
		for api := ec2.API(0); api < ec2.NumAPIs; api++ {
			row = append(row, u(s.EC2Calls[api.String()]))
		}
		front := ""
		if d.onFrontier != nil {
			front = strconv.FormatBool(d.onFrontier[d.comboOf[r.Index]])
		}
		row = append(row, i(s.PeakENIs), u(s.ENIsAttached), u(s.ENIsFreed), f(s.SimulatedSeconds), front, r.Rerun)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadDocument reads a sweep JSON document (a whole sweep or a shard's).
func ReadDocument(r io.Reader, name string) (*Document, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: not a sweep JSON document: %v", name, err)
	}
	if d.Shard != nil && d.Shard.Count == 1 && d.Shard.Index == 0 {
		d.Shard = nil
	}
	if d.Format != FormatVersion {
		return nil, fmt.Errorf("%s: format %q, want %q", name, d.Format, FormatVersion)
	}
	if err := d.check(name); err != nil {
		return nil, err
	}
	d.finish()
	return &d, nil
}

// check verifies that the points are the plan's: the grid expands to
// PointsTotal points, each point here is in the shard, in index order, with
// the identity, seed and rerun command the plan gives it.
func (d *Document) check(name string) error {
	if _, err := d.Grid.count(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	total := d.Plan.Grid.Len()
	if total != d.PointsTotal {
		return fmt.Errorf("%s: points_total %d, but the grid has %d points", name, d.PointsTotal, total)
	}
	sh := Shard{}
	if d.Shard != nil {
		if err := d.Shard.Validate("shard"); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		sh = *d.Shard
	}
	last := -1
	for k := range d.Points {
		p := &d.Points[k]
		if p.Index < 0 || p.Index >= total {
			return fmt.Errorf("%s: point index %d out of range 0..%d", name, p.Index, total-1)
		}
		if p.Index <= last {
			return fmt.Errorf("%s: point %d is out of order or repeated", name, p.Index)
		}
		last = p.Index
		if !sh.Contains(p.Index) {
			return fmt.Errorf("%s: point %d is not in shard %d/%d", name, p.Index, sh.Index, sh.Count)
		}
		wp := d.Plan.Grid.Point(p.Index, d.Plan.Seed)
		w := &wp
		if p.Canonical() != w.Canonical() || p.Seed != w.Seed {
			return fmt.Errorf("%s: point %d is %q seed %d; the plan gives %q seed %d", name, p.Index, p.Canonical(), p.Seed, w.Canonical(), w.Seed)
		}
		if p.Rerun != d.Plan.Rerun(w) {
			return fmt.Errorf("%s: point %d's rerun command differs from the plan's", name, p.Index)
		}
		if err := p.checkFigures(); err != nil {
			return fmt.Errorf("%s: point %d: %v", name, p.Index, err)
		}
	}
	expected := 0
	for i := range total {
		if sh.Contains(i) {
			expected++
		}
	}
	if len(d.Points) != expected {
		return fmt.Errorf("%s: %d points, want %d for shard %d/%d", name, len(d.Points), expected, sh.Index, max(sh.Count, 1))
	}
	return nil
}

// Merge combines shard documents (read from the files named) into the
// document a single-machine run of the same plan gives. The shards must share
// one plan and shard count and be there once each.
func Merge(docs []*Document, names []string) (*Document, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("no files to merge")
	}
	ref, err := json.Marshal(docs[0].Plan)
	if err != nil {
		return nil, err
	}
	count := 1
	if docs[0].Shard != nil {
		count = docs[0].Shard.Count
	}
	have := make([]string, count)
	for k, d := range docs {
		b, err := json.Marshal(d.Plan)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(b, ref) {
			return nil, fmt.Errorf("%s: its sweep differs from %s's (%s)", names[k], names[0], planDiff(&docs[0].Plan, &d.Plan))
		}
		c, idx := 1, 0
		if d.Shard != nil {
			c, idx = d.Shard.Count, d.Shard.Index
		}
		if c != count {
			return nil, fmt.Errorf("%s: shard %d/%d, but %s is one of %d shards", names[k], idx, c, names[0], count)
		}
		if have[idx] != "" {
			return nil, fmt.Errorf("%s: shard %d/%d is already in %s", names[k], idx, c, have[idx])
		}
		have[idx] = names[k]
	}
	var missing []string
	for i, n := range have {
		if n == "" {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing shard(s) %s of %d", strings.Join(missing, ", "), count)
	}
	out := &Document{Format: FormatVersion, Plan: docs[0].Plan, PointsTotal: docs[0].PointsTotal}
	out.Points = make([]Result, 0, out.PointsTotal)
	for _, d := range docs {
		out.Points = append(out.Points, d.Points...)
	}
	slices.SortFunc(out.Points, func(a, b Result) int { return a.Index - b.Index })
	if err := out.check("merged"); err != nil {
		return nil, err
	}
	out.finish()
	return out, nil
}

// planDiff names the first field in which two plans differ.
func planDiff(a, b *Plan) string {
	fields := []struct {
		name string
		a, b any
	}{
		{"workload", a.Workload, b.Workload}, {"ec2_profile", a.EC2Profile, b.EC2Profile},
		{"ec2_profile_file", a.EC2ProfileFile, b.EC2ProfileFile}, {"seed", a.Seed, b.Seed},
		{"drain", a.Drain, b.Drain}, {"max_pods", a.MaxPods, b.MaxPods}, {"base_settings", a.BaseSettings, b.BaseSettings},
		{"grid", a.Grid, b.Grid},
	}
	for _, f := range fields {
		x, _ := json.Marshal(f.a)
		y, _ := json.Marshal(f.b)
		if !bytes.Equal(x, y) {
			return fmt.Sprintf("%s %s vs %s", f.name, clip(x), clip(y))
		}
	}
	return "?"
}

func clip(b []byte) string {
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}

// checkFigures refuses figures no run gives: negative, NaN or infinite
// numbers, and wait quantiles out of order (a hand-edited file must not
// steer a recommendation).
func (r *Result) checkFigures() error {
	s := &r.Summary
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"wait_p50_seconds", s.WaitP50Seconds}, {"wait_p99_seconds", s.WaitP99Seconds}, {"wait_max_seconds", s.WaitMaxSeconds},
		{"mean_addresses_held", s.MeanAddressesHeld}, {"idle_ip_seconds", s.IdleIPSeconds}, {"simulated_seconds", s.SimulatedSeconds},
		{"mean_idle_addresses", r.MeanIdleAddresses}, {"ec2_calls_per_hour", r.EC2CallsPerHour},
	} {
		if !(f.v >= 0 && f.v <= math.MaxFloat64) {
			return fmt.Errorf("%s is %g: want a finite number >= 0", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"max_enis", s.MaxENIs}, {"ipv4_per_eni", s.IPv4PerENI}, {"max_pods", s.MaxPods}, {"peak_enis", s.PeakENIs},
		{"peak_addresses_held", s.PeakAddressesHeld}, {"peak_addresses_assigned", s.PeakAddressesInUse},
		{"peak_idle_addresses", s.PeakIdleAddresses}, {"final_enis", s.FinalENIs},
		{"final_addresses_held", s.FinalAddressesHeld}, {"final_addresses_assigned", s.FinalAddressesInUse},
	} {
		if f.v < 0 {
			return fmt.Errorf("%s is %d: want a count >= 0", f.name, f.v)
		}
	}
	if s.WaitP50Seconds > s.WaitP99Seconds || s.WaitP99Seconds > s.WaitMaxSeconds {
		return fmt.Errorf("wait quantiles out of order: p50 %g, p99 %g, max %g", s.WaitP50Seconds, s.WaitP99Seconds, s.WaitMaxSeconds)
	}
	return nil
}
