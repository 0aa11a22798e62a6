package sweep

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Stat is one figure of a setting combination across its repetitions: the
// mean and the min–max spread over the seeds.
type Stat struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// Combination is the points of one setting combination (policy, instance
// type, assign order and grid settings), one per repetition, and their aggregated figures.
type Combination struct {
	Key          string   `json:"combination"`
	Policy       string   `json:"policy,omitempty"` // with --policies only
	InstanceType string   `json:"instance_type"`
	AssignOrder  string   `json:"assign_order"`
	Settings     []string `json:"settings"`
	Points       []int    `json:"points"`
	Rerun        string   `json:"rerun"` // the first repetition's

	MeanAddressesHeld Stat `json:"mean_addresses_held"`
	PeakAddressesHeld Stat `json:"peak_addresses_held"`
	MeanIdleAddresses Stat `json:"mean_idle_addresses"`
	IdleIPSeconds     Stat `json:"idle_ip_seconds"`
	WaitP50Seconds    Stat `json:"wait_p50_seconds"`
	WaitP99Seconds    Stat `json:"wait_p99_seconds"`
	WaitMaxSeconds    Stat `json:"wait_max_seconds"`
	PodsWaited        Stat `json:"pods_waited"`
	NoIPAddFailures   Stat `json:"no_ip_add_failures"`
	PodsNeverAssigned Stat `json:"pods_never_assigned"`
	EC2CallsTotal     Stat `json:"ec2_calls_total"`
	EC2CallsPerHour   Stat `json:"ec2_calls_per_hour"`
	ThrottledCalls    Stat `json:"throttled_calls"`
	PeakENIs          Stat `json:"peak_enis"`
}

// Label is the combination for a person: "m5.large first-fit
// WARM_IP_TARGET=3", preceded by the policy with --policies ("cilium-eni
// m5.large first-fit WARM_IP_TARGET=3").
func (c *Combination) Label() string {
	var parts []string
	if c.Policy != "" {
		parts = append(parts, c.Policy)
	}
	parts = append(parts, c.InstanceType, c.AssignOrder)
	parts = append(parts, c.Settings...)
	return strings.Join(parts, " ")
}

// Aggregate groups results by combination, in the order of each
// combination's first point, and computes mean, min and max of its figures
// over the repetitions (in point order, so the sums are deterministic).
func Aggregate(results []Result) []Combination {
	byKey := map[string]int{}
	var groups [][]*Result
	for i := range results {
		r := &results[i]
		k := r.Combination()
		g, ok := byKey[k]
		if !ok {
			g = len(groups)
			byKey[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], r)
	}
	out := make([]Combination, len(groups))
	for g, rs := range groups {
		first := rs[0]
		c := Combination{Key: first.Combination(), Policy: first.Policy, InstanceType: first.InstanceType, AssignOrder: first.AssignOrder,
			Settings: first.Settings, Rerun: first.Rerun}
		for _, r := range rs {
			c.Points = append(c.Points, r.Index)
		}
		stat := func(f func(r *Result) float64) Stat {
			s := Stat{Min: math.Inf(1), Max: math.Inf(-1)}
			sum := 0.0
			for _, r := range rs {
				v := f(r)
				sum += v
				s.Min = min(s.Min, v)
				s.Max = max(s.Max, v)
			}
			s.Mean = sum / float64(len(rs))
			return s
		}
		c.MeanAddressesHeld = stat(func(r *Result) float64 { return r.Summary.MeanAddressesHeld })
		c.PeakAddressesHeld = stat(func(r *Result) float64 { return float64(r.Summary.PeakAddressesHeld) })
		c.MeanIdleAddresses = stat(func(r *Result) float64 { return r.MeanIdleAddresses })
		c.IdleIPSeconds = stat(func(r *Result) float64 { return r.Summary.IdleIPSeconds })
		c.WaitP50Seconds = stat(func(r *Result) float64 { return r.Summary.WaitP50Seconds })
		c.WaitP99Seconds = stat(func(r *Result) float64 { return r.Summary.WaitP99Seconds })
		c.WaitMaxSeconds = stat(func(r *Result) float64 { return r.Summary.WaitMaxSeconds })
		c.PodsWaited = stat(func(r *Result) float64 { return float64(r.Summary.PodsWaited) })
		c.NoIPAddFailures = stat(func(r *Result) float64 { return float64(r.Summary.NoIPAddFailures) })
		c.PodsNeverAssigned = stat(func(r *Result) float64 { return float64(r.Summary.PodsNeverAssigned) })
		c.EC2CallsTotal = stat(func(r *Result) float64 { return float64(r.Summary.EC2CallsTotal) })
		c.EC2CallsPerHour = stat(func(r *Result) float64 { return r.EC2CallsPerHour })
		c.ThrottledCalls = stat(func(r *Result) float64 { return float64(r.Summary.ThrottledCalls) })
		c.PeakENIs = stat(func(r *Result) float64 { return float64(r.Summary.PeakENIs) })
		out[g] = c
	}
	return out
}

// Objectives are the three figures the frontier minimises, per combination:
// mean addresses held, p99 pod IP wait and EC2 calls (means over the
// repetitions).
func (c *Combination) Objectives() [3]float64 {
	return [3]float64{c.MeanAddressesHeld.Mean, c.WaitP99Seconds.Mean, c.EC2CallsTotal.Mean}
}

// Dominates reports whether a is at least as good as b in every objective and
// better in one (all minimised).
func Dominates(a, b [3]float64) bool {
	better := false
	for k := range a {
		if a[k] > b[k] {
			return false
		}
		if a[k] < b[k] {
			better = true
		}
	}
	return better
}

// Frontier reports which vectors are Pareto-optimal (no other vector
// dominates them; equal vectors are all optimal or all not) in O(n log n):
// after a lexicographic sort, a vector can only be dominated by one before
// it, and one before it dominates it exactly when its second and third
// coordinates are no larger; a Fenwick tree over the ranks of the second
// coordinate gives the least third coordinate among those before.
func Frontier(vs [][3]float64) []bool {
	n := len(vs)
	on := make([]bool, n)
	if n == 0 {
		return on
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		for k := 0; k < 3; k++ {
			if c := cmp.Compare(vs[a][k], vs[b][k]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a, b)
	})
	ys := make([]float64, n)
	for i, v := range vs {
		ys[i] = v[1]
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	tree := make([]float64, len(ys)+1) // prefix minimum of z by rank of y
	for i := range tree {
		tree[i] = math.Inf(1)
	}
	for j := 0; j < n; {
		// A run of equal vectors shares one answer; only vectors strictly
		// before the run can dominate it.
		k := j
		for k < n && vs[order[k]] == vs[order[j]] {
			k++
		}
		v := vs[order[j]]
		r, _ := slices.BinarySearch(ys, v[1])
		best := math.Inf(1)
		for x := r + 1; x > 0; x -= x & -x {
			best = min(best, tree[x])
		}
		dominated := best <= v[2]
		for ; j < k; j++ {
			on[order[j]] = !dominated
		}
		for x := r + 1; x < len(tree); x += x & -x {
			tree[x] = min(tree[x], v[2])
		}
	}
	return on
}

// Constraints are a recommendation's service-level objective.
type Constraints struct {
	// MaxP99Wait is the largest acceptable p99 pod IP wait (> 0).
	MaxP99Wait time.Duration
	// MaxEC2CallsPerHour, if > 0, caps EC2 calls per simulated hour.
	MaxEC2CallsPerHour float64
}

// MarshalJSON spells the wait in seconds.
func (c Constraints) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MaxP99WaitSeconds  float64 `json:"max_p99_wait_seconds"`
		MaxEC2CallsPerHour float64 `json:"max_ec2_calls_per_hour,omitempty"`
	}{c.MaxP99Wait.Seconds(), c.MaxEC2CallsPerHour})
}

// Validate refuses constraints no run can meet or that make no sense.
func (c Constraints) Validate() error {
	if c.MaxP99Wait <= 0 {
		return &GridError{Flag: "--max-p99-wait", Value: c.MaxP99Wait.String(), Msg: "must be positive (a zero or negative wait is not an objective any node can meet)"}
	}
	if math.IsNaN(c.MaxEC2CallsPerHour) || math.IsInf(c.MaxEC2CallsPerHour, 0) || c.MaxEC2CallsPerHour < 0 {
		return &GridError{Flag: "--max-ec2-calls-per-hour", Value: fmt.Sprint(c.MaxEC2CallsPerHour), Msg: "must be a positive number"}
	}
	return nil
}

// Failures lists why a combination misses the constraints in some
// repetition; none means it meets them in every repetition. A pod that never
// got an address fails the objective: its wait is unbounded and not in p99.
func (c Constraints) Failures(cb *Combination) []string {
	var why []string
	d := c.MaxP99Wait.Seconds()
	if cb.WaitP99Seconds.Max > d {
		why = append(why, fmt.Sprintf("p99 wait %s > %s", secs(cb.WaitP99Seconds.Max), c.MaxP99Wait))
	}
	if cb.PodsNeverAssigned.Max > 0 {
		why = append(why, fmt.Sprintf("%g pods never got an address", cb.PodsNeverAssigned.Max))
	}
	if c.MaxEC2CallsPerHour > 0 && cb.EC2CallsPerHour.Max > c.MaxEC2CallsPerHour {
		why = append(why, fmt.Sprintf("%.1f EC2 calls/hour > %g", cb.EC2CallsPerHour.Max, c.MaxEC2CallsPerHour))
	}
	return why
}

// secs formats seconds as a short duration: 2.345s.
func secs(s float64) string { return fmt.Sprintf("%.3fs", s) }

// Cheaper orders combinations by cost: fewest mean addresses held, then fewest
// EC2 calls, then lowest p99 wait, then point order.
func Cheaper(a, b *Combination) int {
	if c := cmp.Compare(a.MeanAddressesHeld.Mean, b.MeanAddressesHeld.Mean); c != 0 {
		return c
	}
	if c := cmp.Compare(a.EC2CallsTotal.Mean, b.EC2CallsTotal.Mean); c != 0 {
		return c
	}
	if c := cmp.Compare(a.WaitP99Seconds.Mean, b.WaitP99Seconds.Mean); c != 0 {
		return c
	}
	return cmp.Compare(a.Points[0], b.Points[0])
}

// Recommendation is the cheapest combination that meets the constraints,
// the runner-up, and the nearest cheaper combination that does not.
type Recommendation struct {
	Constraints  Constraints  `json:"constraints"`
	Combinations int          `json:"combinations"`
	Repetitions  int          `json:"repetitions"`
	Meeting      int          `json:"meeting"`
	Best         *Combination `json:"best"`
	RunnerUp     *Combination `json:"runner_up"`
	// CheaperFailing is, of the combinations cheaper than Best that miss the
	// constraints, the most expensive (the nearest to Best); CheaperCount
	// counts them all.
	CheaperFailing *Combination `json:"cheaper_failing,omitempty"`
	CheaperWhy     []string     `json:"cheaper_failing_why,omitempty"`
	CheaperCount   int          `json:"cheaper_failing_count"`
}

// ErrNoneMeets is returned by Recommend when no combination meets the
// constraints.
var ErrNoneMeets = errors.New("no setting combination meets the constraints in every repetition")

// Recommend picks the cheapest combination (see Cheaper) that meets c in
// every repetition. The Recommendation is filled in (Best nil) even when it
// returns ErrNoneMeets.
func Recommend(combos []Combination, repetitions int, c Constraints) (*Recommendation, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	rec := &Recommendation{Constraints: c, Combinations: len(combos), Repetitions: repetitions}
	ranked := make([]*Combination, len(combos))
	for i := range combos {
		ranked[i] = &combos[i]
	}
	slices.SortFunc(ranked, Cheaper)
	var cheaper []*Combination
	for _, cb := range ranked {
		if len(c.Failures(cb)) > 0 {
			if rec.Best == nil {
				cheaper = append(cheaper, cb)
			}
			continue
		}
		rec.Meeting++
		switch {
		case rec.Best == nil:
			rec.Best = cb
		case rec.RunnerUp == nil:
			rec.RunnerUp = cb
		}
	}
	if rec.Best == nil {
		return rec, ErrNoneMeets
	}
	rec.CheaperCount = len(cheaper)
	if len(cheaper) > 0 {
		rec.CheaperFailing = cheaper[len(cheaper)-1]
		rec.CheaperWhy = c.Failures(rec.CheaperFailing)
	}
	return rec, nil
}

// FrontierSummary says how many setting combinations of a complete document
// the Pareto frontier holds and what it dropped: the combinations that a
// frontier one dominates, by their first points, or that no combination
// dominates another.
func (d *Document) FrontierSummary() string {
	spread := ""
	if reps := d.Grid.Repetitions; reps > 1 {
		spread = fmt.Sprintf("; means over %d repetitions, [min–max]", reps)
	}
	head := fmt.Sprintf("Pareto frontier: %d of %d setting combinations", len(d.Frontier), len(d.combos))
	if len(d.Frontier) == len(d.combos) {
		return head + fmt.Sprintf(" (none dominates another on mean addresses held, p99 pod IP wait and EC2 calls%s)", spread)
	}
	var dropped []int
	for i, on := range d.onFrontier {
		if !on {
			dropped = append(dropped, d.combos[i].Points[0])
		}
	}
	slices.Sort(dropped)
	const listed = 10
	var pts []string
	for _, p := range dropped[:min(len(dropped), listed)] {
		pts = append(pts, strconv.Itoa(p))
	}
	list := strings.Join(pts, ", ")
	switch {
	case len(dropped) > listed:
		list += ", …"
	case len(pts) > 1:
		list = strings.Join(pts[:len(pts)-1], ", ") + " and " + pts[len(pts)-1]
	}
	what := "points"
	if len(dropped) == 1 {
		what = "point"
	}
	return head + fmt.Sprintf(" (minimising mean addresses held, p99 pod IP wait and EC2 calls%s); %d dropped, each dominated by one on the frontier (as good on all three, better on one): %s %s",
		spread, len(dropped), what, list)
}
