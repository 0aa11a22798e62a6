package plan

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// FormatVersion heads every plan JSON document.
const FormatVersion = "ipamsim-plan/1"

type sweepShard = sweep.Shard

// Document is a plan's output: its header, the points run (all, or one
// shard's) and, for a whole plan, every candidate's figures and the
// recommendation.
type Document struct {
	Format string `json:"format"`
	Header
	PointsTotal int           `json:"points_total"`
	Shard       *sweepShard   `json:"shard,omitempty"`
	Points      []PointResult `json:"points"`
	// Candidates and Recommendation are those of a complete document.
	Candidates     []Candidate     `json:"candidates,omitempty"`
	Recommendation *Recommendation `json:"recommendation"`
}

// Complete reports whether the document holds every point of its plan.
func (d *Document) Complete() bool { return d.Shard == nil && len(d.Points) == d.PointsTotal }

// Candidate is one instance type and setting combination: its static
// figures (Row), its run's and its cost.
type Candidate struct {
	Row
	Index int `json:"index"` // its point
	// NodesPeak is the most nodes the run had at once, NodeHours their
	// hours from launch to the end of the run.
	NodesPeak     int     `json:"nodes_peak"`
	NodeHours     float64 `json:"node_hours"`
	AddressesMean float64 `json:"addresses_held_mean"`
	AddressesPeak int     `json:"addresses_held_peak"`
	// SubnetMinFree is the fewest free addresses any subnet had.
	SubnetMinFree     int     `json:"subnet_min_free"`
	WaitP99Seconds    float64 `json:"wait_p99_seconds"`
	EC2CallsPerHour   float64 `json:"ec2_calls_per_hour"`
	ThrottledCalls    uint64  `json:"ec2_throttled"`
	PodsNeverAssigned uint64  `json:"pods_never_assigned"`
	// PodsWithoutNode were never placed (deleted while pending, or pending
	// at the end); PodsUnschedulable of them fit no node of the type.
	PodsWithoutNode   uint64 `json:"pods_without_node"`
	PodsUnschedulable uint64 `json:"pods_unschedulable"`
	LaunchFailures    int    `json:"launch_failures"`
	// USDPerHour is NodesPeak × the type's hourly price; USDTotal the node
	// hours × the price.
	USDPerHour float64 `json:"usd_per_hour"`
	USDTotal   float64 `json:"usd_total"`
	// Meets says whether the candidate meets the objective (false without
	// one); Fails says why not.
	Meets bool     `json:"meets"`
	Fails []string `json:"fails,omitempty"`
}

// Label names the candidate: its type and grid settings.
func (c *Candidate) Label() string {
	if len(c.Settings) == 0 {
		return c.InstanceType
	}
	return c.InstanceType + " " + strings.Join(c.Settings, " ")
}

// Recommendation is the cheapest candidate that meets the objective, and
// why each cheaper one does not.
type Recommendation struct {
	Objective string `json:"objective"`
	// Best is the candidate's index in Candidates; -1 when none meets.
	Best         int      `json:"best"`
	InstanceType string   `json:"instance_type,omitempty"`
	Settings     []string `json:"settings,omitempty"`
	USDPerHour   float64  `json:"usd_per_hour,omitempty"`
	// Cheaper are the candidates that cost less (or as much, listed before
	// it), cheapest first, with their failures.
	Cheaper []Failing `json:"cheaper_fail"`
	Meeting int       `json:"meeting"` // candidates that meet the objective
}

// Failing is a candidate that does not meet the objective.
type Failing struct {
	Candidate  string   `json:"candidate"`
	USDPerHour float64  `json:"usd_per_hour"`
	Why        []string `json:"why"`
}

// cheaper orders candidates by cost per hour, then cost over the run, then
// point order.
func cheaper(a, b *Candidate) int {
	return cmp.Or(cmp.Compare(a.USDPerHour, b.USDPerHour), cmp.Compare(a.USDTotal, b.USDTotal), cmp.Compare(a.Index, b.Index))
}

// SetObjective replaces the document's objective and works its
// recommendation out again.
func (d *Document) SetObjective(o Objective) {
	d.Objective = o
	d.finish()
}

// finish works out a complete document's candidates and recommendation.
func (d *Document) finish() {
	d.Candidates, d.Recommendation = nil, nil
	if !d.Complete() {
		return
	}
	for i := range d.Points {
		d.Candidates = append(d.Candidates, d.candidate(&d.Rows[i], &d.Points[i]))
	}
	if !d.Objective.Set() {
		return
	}
	order := make([]int, len(d.Candidates))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cheaper(&d.Candidates[a], &d.Candidates[b]) })
	rec := &Recommendation{Objective: d.Objective.String(), Best: -1, Cheaper: []Failing{}}
	for _, i := range order {
		c := &d.Candidates[i]
		if c.Meets {
			rec.Meeting++
			if rec.Best < 0 {
				rec.Best, rec.InstanceType, rec.Settings, rec.USDPerHour = i, c.InstanceType, c.Settings, c.USDPerHour
			}
			continue
		}
		if rec.Best < 0 {
			rec.Cheaper = append(rec.Cheaper, Failing{Candidate: c.Label(), USDPerHour: c.USDPerHour, Why: c.Fails})
		}
	}
	d.Recommendation = rec
}

// candidate combines a row with its point's run.
func (d *Document) candidate(r *Row, p *PointResult) Candidate {
	s := &p.Summary
	c := Candidate{Row: *r, Index: p.Index, NodesPeak: s.PeakNodes, NodeHours: s.NodeHours,
		AddressesMean: s.MeanAddressesHeld, AddressesPeak: s.PeakHeldSampled, WaitP99Seconds: s.WaitP99Seconds,
		ThrottledCalls: s.ThrottledCalls, PodsNeverAssigned: s.PodsNeverAssigned,
		PodsWithoutNode: s.PodsUnplaced + uint64(s.PodsPendingAtEnd), PodsUnschedulable: s.PodsUnschedulable}
	if s.SimulatedSeconds > 0 {
		c.EC2CallsPerHour = round3(float64(s.EC2CallsTotal) * 3600 / s.SimulatedSeconds)
	}
	for i, sn := range s.Subnets {
		if i == 0 || sn.MinFree < c.SubnetMinFree {
			c.SubnetMinFree = sn.MinFree
		}
	}
	for _, g := range s.Groups {
		c.LaunchFailures += g.LaunchFailures
	}
	c.USDPerHour = round3(float64(c.NodesPeak) * r.USDPerNode)
	c.USDTotal = round3(finite(c.NodeHours * r.USDPerNode))
	if d.Objective.Set() {
		c.Fails = d.Objective.failures(&c)
		c.Meets = len(c.Fails) == 0
	}
	return c
}

// failures says how c misses the objective (nil: it meets it).
func (o Objective) failures(c *Candidate) []string {
	var why []string
	if max := o.MaxP99Wait.Seconds(); c.WaitP99Seconds > max {
		why = append(why, fmt.Sprintf("p99 pod IP wait %.3fs > %s", c.WaitP99Seconds, o.MaxP99Wait))
	}
	if c.PodsNeverAssigned > 0 {
		why = append(why, fmt.Sprintf("%d pods never got an address", c.PodsNeverAssigned))
	}
	if n := c.PodsUnschedulable; n > 0 {
		why = append(why, fmt.Sprintf("%d pods fit no %s node (their requests and the daemonsets' exceed its allocatable)", n, c.InstanceType))
	}
	if n := c.PodsWithoutNode - min(c.PodsWithoutNode, c.PodsUnschedulable); n > 0 {
		msg := fmt.Sprintf("%d pods never got a node", n)
		if c.LaunchFailures > 0 {
			msg += fmt.Sprintf(" (%d node launches failed: the subnets are out of addresses)", c.LaunchFailures)
		}
		why = append(why, msg)
	}
	if o.MinFreeAddresses > 0 && c.SubnetMinFree < o.MinFreeAddresses {
		why = append(why, fmt.Sprintf("a subnet fell to %d free addresses < %d", c.SubnetMinFree, o.MinFreeAddresses))
	}
	return why
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// WriteJSON writes the document.
func (d *Document) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(b)
	bw.WriteByte('\n')
	return bw.Flush()
}

// ReadDocument reads a plan JSON document (a whole plan or a shard's).
func ReadDocument(r io.Reader, name string) (*Document, error) {
	var d Document
	dec := json.NewDecoder(bufio.NewReader(r))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: not a plan JSON document: %v", name, err)
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
// PointsTotal points, one row each, and each point here is in the shard, in
// index order, with the identity and seed the plan gives it.
func (d *Document) check(name string) error {
	if d.Grid.Repetitions != 1 {
		return fmt.Errorf("%s: %d repetitions; a plan has one", name, d.Grid.Repetitions)
	}
	if n := d.Grid.Len(); n == 0 || n > MaxPoints || n != d.PointsTotal || len(d.Rows) != n {
		return fmt.Errorf("%s: points_total %d and %d rows, but the grid has %d points (at most %d)", name, d.PointsTotal, len(d.Rows), n, MaxPoints)
	}
	want := d.Grid.Points(d.Seed)
	sh := sweepShard{}
	if d.Shard != nil {
		if err := d.Shard.Validate("shard"); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		sh = *d.Shard
	}
	last := -1
	for k := range d.Points {
		p := &d.Points[k]
		if p.Index <= last || p.Index >= len(want) {
			return fmt.Errorf("%s: point index %d out of order or range", name, p.Index)
		}
		last = p.Index
		if !sh.Contains(p.Index) {
			return fmt.Errorf("%s: point %d is not in shard %d/%d", name, p.Index, sh.Index, sh.Count)
		}
		w := &want[p.Index]
		if p.InstanceType != w.InstanceType || !slices.Equal(p.Settings, w.Settings) || p.Seed != w.Seed {
			return fmt.Errorf("%s: point %d is %s %v seed %d; the plan gives %s %v seed %d", name, p.Index,
				p.InstanceType, p.Settings, p.Seed, w.InstanceType, w.Settings, w.Seed)
		}
		if r := &d.Rows[p.Index]; r.InstanceType != w.InstanceType || !slices.Equal(r.Settings, w.Settings) {
			return fmt.Errorf("%s: row %d is %s %v; the plan gives %s %v", name, p.Index, r.InstanceType, r.Settings, w.InstanceType, w.Settings)
		}
	}
	expected := 0
	for i := range want {
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
// document one run of the whole plan gives. The shards must share one
// header and shard count and be there once each.
func Merge(docs []*Document, names []string) (*Document, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("no files to merge")
	}
	ref, err := json.Marshal(docs[0].Header)
	if err != nil {
		return nil, err
	}
	count := 1
	if docs[0].Shard != nil {
		count = docs[0].Shard.Count
	}
	have := make([]string, count)
	for k, d := range docs {
		b, err := json.Marshal(d.Header)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(b, ref) {
			return nil, fmt.Errorf("%s: its plan differs from %s's", names[k], names[0])
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
	out := &Document{Format: FormatVersion, Header: docs[0].Header, PointsTotal: docs[0].PointsTotal}
	for _, d := range docs {
		out.Points = append(out.Points, d.Points...)
	}
	slices.SortFunc(out.Points, func(a, b PointResult) int { return a.Index - b.Index })
	if err := out.check("merged"); err != nil {
		return nil, err
	}
	out.finish()
	return out, nil
}
