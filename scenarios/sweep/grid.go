package sweep

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

// MaxPoints is the largest grid a sweep expands.
const MaxPoints = 1_000_000

// Axis is one VPC CNI setting of the grid and the values it takes, in the
// order given (ranges ascending by their step).
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// errAxisTooLarge is an axis with more values (n) than the grid has room
// for.
type errAxisTooLarge struct {
	key string
	n   int
}

func (e errAxisTooLarge) Error() string { return "axis too large" }

// Grid is a sweep's parameter space: the setting axes (sorted by key), the
// instance types and assign orders (in the order given) and the repetitions
// (seeds) of every combination; with --policies, the pool policies (in the
// order given) and their fixed parameters.
type Grid struct {
	Axes          []Axis   `json:"settings"`
	InstanceTypes []string `json:"instance_types"`
	Orders        []string `json:"assign_orders"`
	Repetitions   int      `json:"repetitions"`
	// Policies are the pool policies swept (ipam.PolicyNames); empty when
	// --policies is not given: every point runs the VPC CNI and no output
	// names a policy.
	Policies []string `json:"policies,omitempty"`
	// PolicyParams are the policies' parameters, POLICY.KEY=VALUE, one per
	// key (the last --policy-set of a key wins), in --policies order and
	// sorted by key within a policy.
	PolicyParams []string `json:"policy_params,omitempty"`
}

// GridError is a grid spec that cannot be expanded; Flag names the flag at
// fault and Value the argument that is wrong.
type GridError struct {
	Flag  string
	Value string
	Msg   string
}

func (e *GridError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Flag, e.Msg)
	}
	return fmt.Sprintf("%s %q: %s", e.Flag, e.Value, e.Msg)
}

// GridSpec is a grid as the command line spells it.
type GridSpec struct {
	// Grid holds the --grid arguments: KEY=ITEM[,ITEM...] where an ITEM is a
	// value or an integer range LO..HI[:STEP].
	Grid []string
	// InstanceTypes holds the --instance-types arguments, each a
	// comma-separated list; empty means DefaultInstanceType.
	InstanceTypes []string
	// DefaultInstanceType is used when InstanceTypes is empty.
	DefaultInstanceType string
	// Orders holds the --orders arguments (go-map, first-fit; random is an
	// alias of go-map), each a comma-separated list; empty means go-map.
	Orders []string
	// Repetitions is the number of seeds per combination; 0 means 1.
	Repetitions int
	// Base holds the --set KEY=VALUE arguments applied to every point: they
	// are validated, and a key may not be both in Base and in the grid.
	Base []string
	// Policies holds the --policies arguments, each a comma-separated list of
	// pool policies; nil means the flag was not given (the VPC CNI only, and
	// no output names a policy).
	Policies []string
	// PolicySets holds the --policy-set POLICY.KEY=VALUE arguments: a
	// parameter of a policy in Policies, the same for each of its points.
	PolicySets []string
}

// ParseGrid validates a grid spec and returns its grid. Every setting value is
// checked with ipam.Settings.Set; errors are *GridError (or *ipam.SettingError
// for a bad --set) naming the flag at fault.
func ParseGrid(spec GridSpec) (*Grid, error) {
	g := &Grid{Repetitions: spec.Repetitions}
	if g.Repetitions == 0 {
		g.Repetitions = 1
	}
	if g.Repetitions < 0 || g.Repetitions > MaxPoints {
		return nil, &GridError{Flag: "--repetitions", Value: strconv.Itoa(spec.Repetitions), Msg: fmt.Sprintf("want 1 to %d", MaxPoints)}
	}
	baseKeys := map[string]bool{}
	for _, kv := range spec.Base {
		k, v, err := ipam.ParseAssignment("--set", kv)
		if err != nil {
			return nil, err
		}
		s := ipam.DefaultSettings()
		if err := s.Set("--set", k, v); err != nil {
			return nil, err
		}
		baseKeys[k] = true
	}
	types, err := splitList("--instance-types", spec.InstanceTypes)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		def := spec.DefaultInstanceType
		if def == "" {
			def = "m5.large"
		}
		types = []string{def}
	}
	for _, t := range types {
		if _, err := catalog.Lookup(t); err != nil {
			return nil, &GridError{Flag: "--instance-types", Value: t, Msg: err.Error()}
		}
	}
	g.InstanceTypes = types

	orders, err := splitList("--orders", spec.Orders)
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		orders = []string{ipam.GoMapOrder.String()} // the node as shipped (§3.7)
	}
	for i, o := range orders {
		ord, err := ipam.ParseAssignOrder(o)
		if err != nil {
			return nil, &GridError{Flag: "--orders", Value: o, Msg: err.Error()}
		}
		orders[i] = ord.String() // random is go-map
		if slices.Contains(orders[:i], orders[i]) {
			return nil, &GridError{Flag: "--orders", Value: o, Msg: fmt.Sprintf("duplicate %q (random is an alias of go-map)", o)}
		}
	}
	g.Orders = orders

	if g.Policies, g.PolicyParams, err = parsePolicies(spec.Policies, spec.PolicySets); err != nil {
		return nil, err
	}

	// The axes, each within what the grid has room for: a grid over
	// MaxPoints is refused before its axes are expanded.
	points := int64(len(g.InstanceTypes)) * int64(len(g.Orders)) * int64(max(len(g.Policies), 1)) * int64(g.Repetitions)
	if points > MaxPoints {
		_, err := g.count()
		return nil, err
	}
	seen := map[string]bool{}
	for _, arg := range spec.Grid {
		ax, err := parseAxis(arg, max(MaxPoints/points, 0))
		var big errAxisTooLarge
		if errors.As(err, &big) {
			return nil, g.tooLarge(big)
		}
		if err != nil {
			return nil, err
		}
		if seen[ax.Key] {
			return nil, &GridError{Flag: "--grid", Value: arg, Msg: fmt.Sprintf("duplicate key %s (give all its values in one --grid)", ax.Key)}
		}
		if baseKeys[ax.Key] {
			return nil, &GridError{Flag: "--grid", Value: arg, Msg: fmt.Sprintf("%s is also given with --set; a key is either fixed or swept", ax.Key)}
		}
		seen[ax.Key] = true
		g.Axes = append(g.Axes, ax)
		points *= int64(len(ax.Values))
	}
	slices.SortFunc(g.Axes, func(a, b Axis) int { return strings.Compare(a.Key, b.Key) })

	if _, err := g.count(); err != nil {
		return nil, err
	}
	return g, nil
}

// parsePolicies validates --policies and --policy-set: every policy is
// known, every parameter is one its policy takes with a value that parses.
// It returns the policies in the order given and the canonical parameters.
func parsePolicies(lists, sets []string) ([]string, []string, error) {
	valid := "valid: " + strings.Join(ipam.PolicyNames(), ", ")
	if lists == nil {
		if len(sets) > 0 {
			return nil, nil, &GridError{Flag: "--policy-set", Value: sets[0], Msg: "needs --policies (the policies to sweep; " + valid + ")"}
		}
		return nil, nil, nil
	}
	var names []string
	seen := map[string]bool{}
	for _, a := range lists {
		for _, it := range strings.Split(a, ",") {
			it = strings.TrimSpace(it)
			if it == "" {
				return nil, nil, &GridError{Flag: "--policies", Value: a, Msg: "empty item (" + valid + ")"}
			}
			if seen[it] {
				return nil, nil, &GridError{Flag: "--policies", Value: a, Msg: fmt.Sprintf("duplicate %q", it)}
			}
			if _, err := ipam.PolicyParams(it); err != nil {
				return nil, nil, &GridError{Flag: "--policies", Value: a, Msg: err.Error()}
			}
			seen[it] = true
			names = append(names, it)
		}
	}
	if len(names) == 0 {
		return nil, nil, &GridError{Flag: "--policies", Value: strings.Join(lists, ","), Msg: "no policy given (" + valid + ")"}
	}
	params := map[string]map[string]string{}
	for _, s := range sets {
		pk, v, ok := strings.Cut(s, "=")
		pol, key, ok2 := strings.Cut(strings.TrimSpace(pk), ".")
		pol, key = strings.TrimSpace(pol), strings.TrimSpace(key)
		if !ok || !ok2 || pol == "" || key == "" {
			return nil, nil, &GridError{Flag: "--policy-set", Value: s, Msg: "want POLICY.KEY=VALUE"}
		}
		if _, err := ipam.PolicyParams(pol); err != nil {
			return nil, nil, &GridError{Flag: "--policy-set", Value: s, Msg: err.Error()}
		}
		if !seen[pol] {
			return nil, nil, &GridError{Flag: "--policy-set", Value: s, Msg: fmt.Sprintf("policy %s is not in --policies", pol)}
		}
		v = strings.TrimSpace(v)
		if err := replay.CheckPolicyParams(map[string]string{key: v}); err != nil {
			return nil, nil, &GridError{Flag: "--policy-set", Value: s, Msg: "want a finite number"}
		}
		if _, err := ipam.NewPolicy(pol, map[string]string{key: v}); err != nil {
			return nil, nil, &GridError{Flag: "--policy-set", Value: s, Msg: err.Error()}
		}
		if params[pol] == nil {
			params[pol] = map[string]string{}
		}
		params[pol][key] = v
	}
	var canon []string
	for _, pol := range names {
		if _, err := ipam.NewPolicy(pol, params[pol]); err != nil {
			return nil, nil, &GridError{Flag: "--policy-set", Value: pol, Msg: err.Error()}
		}
		keys := make([]string, 0, len(params[pol]))
		for k := range params[pol] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			canon = append(canon, pol+"."+k+"="+params[pol][k])
		}
	}
	return names, canon, nil
}

// PolicyArgs returns a policy's parameters in the grid as KEY=VALUE (its
// --policy-set arguments for `ipamsim run --policy`), sorted by key.
func (g *Grid) PolicyArgs(policy string) []string {
	var out []string
	for _, kv := range g.PolicyParams {
		if rest, ok := strings.CutPrefix(kv, policy+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

// policyParams returns a policy's parameters in the grid as ipam.NewPolicy
// takes them.
func (g *Grid) policyParams(policy string) map[string]string {
	m := map[string]string{}
	for _, kv := range g.PolicyArgs(policy) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// splitList splits comma-separated flag values, refusing empty items and
// duplicates.
func splitList(flag string, args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		for _, it := range strings.Split(a, ",") {
			it = strings.TrimSpace(it)
			if it == "" {
				return nil, &GridError{Flag: flag, Value: a, Msg: "empty item"}
			}
			if seen[it] {
				return nil, &GridError{Flag: flag, Value: a, Msg: fmt.Sprintf("duplicate %q", it)}
			}
			seen[it] = true
			out = append(out, it)
		}
	}
	return out, nil
}

// parseAxis parses one --grid argument of at most limit values (what the
// rest of the grid leaves of MaxPoints).
func parseAxis(arg string, limit int64) (Axis, error) {
	bad := func(format string, a ...any) (Axis, error) {
		return Axis{}, &GridError{Flag: "--grid", Value: arg, Msg: fmt.Sprintf(format, a...)}
	}
	k, list, ok := strings.Cut(arg, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return bad("want KEY=V1,V2,... or KEY=LO..HI[:STEP]")
	}
	if strings.TrimSpace(list) == "" {
		return bad("no values for %s", k)
	}
	if !slices.Contains(ipam.KnownSettings(), k) {
		s := ipam.DefaultSettings()
		msg := "unknown setting"
		var se *ipam.SettingError
		if err := s.Set("--grid", k, ""); errors.As(err, &se) {
			msg = se.Msg
		}
		return bad("%s: %s", k, msg)
	}
	// Count the values first: a list over the limit is refused before any
	// is expanded.
	items := strings.Split(list, ",")
	var count uint64
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			return bad("empty value in the list")
		}
		lo, hi, step, isRange, err := parseRange(item)
		if err != nil {
			return bad("range %s: %v", item, err)
		}
		n := uint64(1)
		if isRange {
			// (hi-lo)/step + 1 values, in unsigned arithmetic: hi-lo can
			// exceed the largest int64.
			if d := (uint64(hi) - uint64(lo)) / uint64(step); d >= MaxPoints {
				return bad("range %s has more than %d values; a grid has at most %d points", item, MaxPoints, MaxPoints)
			} else {
				n = d + 1
			}
		}
		if count += n; count > uint64(limit) {
			if count > MaxPoints {
				return bad("%d or more values; a grid has at most %d points", count, MaxPoints)
			}
			return Axis{}, errAxisTooLarge{key: k, n: int(count)}
		}
	}
	ax := Axis{Key: k, Values: make([]string, 0, count)}
	// The settings the values make, by hash, each with the index of the
	// value that made it: a small map, so that a million values check in
	// linear time and little memory; a hash match is confirmed by
	// comparing the settings themselves.
	seen := make(map[uint64]int32, count)
	hashSeed := maphash.MakeSeed()
	settingOf := func(v string) ipam.Settings {
		s := ipam.DefaultSettings()
		s.Set("--grid", k, v) // checked when v was added
		return s
	}
	add := func(v string) error {
		s := ipam.DefaultSettings()
		if err := s.Set("--grid", k, v); err != nil {
			var se *ipam.SettingError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Msg
			}
			_, e := bad("%s=%s: %s", k, v, msg)
			return e
		}
		h := maphash.Comparable(hashSeed, s)
		if i, ok := seen[h]; ok && settingOf(ax.Values[i]) == s {
			if first := ax.Values[i]; first == v {
				_, e := bad("duplicate value %s", v)
				return e
			} else {
				_, e := bad("values %s and %s give the same setting", first, v)
				return e
			}
		}
		seen[h] = int32(len(ax.Values))
		ax.Values = append(ax.Values, v)
		return nil
	}
	for _, item := range items {
		item = strings.TrimSpace(item)
		lo, hi, step, isRange, _ := parseRange(item) // checked above
		if !isRange {
			if err := add(canonicalValue(item)); err != nil {
				return Axis{}, err
			}
			continue
		}
		for v := lo; v <= hi; v += step {
			if err := add(strconv.FormatInt(v, 10)); err != nil {
				return Axis{}, err
			}
			if v > math.MaxInt64-step {
				break
			}
		}
	}
	return ax, nil
}

// parseRange parses LO..HI[:STEP]. isRange is false for an item without "..".
func parseRange(item string) (lo, hi, step int64, isRange bool, err error) {
	l, rest, ok := strings.Cut(item, "..")
	if !ok {
		return 0, 0, 0, false, nil
	}
	h, st, hasStep := strings.Cut(rest, ":")
	step = 1
	if lo, err = strconv.ParseInt(strings.TrimSpace(l), 10, 64); err != nil {
		return 0, 0, 0, true, fmt.Errorf("LO %q is not a whole number", l)
	}
	if hi, err = strconv.ParseInt(strings.TrimSpace(h), 10, 64); err != nil {
		return 0, 0, 0, true, fmt.Errorf("HI %q is not a whole number", h)
	}
	if hasStep {
		if step, err = strconv.ParseInt(strings.TrimSpace(st), 10, 64); err != nil {
			return 0, 0, 0, true, fmt.Errorf("STEP %q is not a whole number", st)
		}
		if step <= 0 {
			return 0, 0, 0, true, fmt.Errorf("STEP %d must be positive", step)
		}
	}
	if lo > hi {
		return 0, 0, 0, true, fmt.Errorf("LO %d is greater than HI %d (empty range)", lo, hi)
	}
	return lo, hi, step, true, nil
}

// canonicalValue spells a value one way: whole numbers in decimal without
// sign or leading zeros, booleans as true/false; anything else as given.
func canonicalValue(v string) string {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return strconv.FormatBool(b)
	}
	return v
}

// count returns the number of points, refusing grids over MaxPoints.
func (g *Grid) count() (int, error) {
	n := int64(len(g.InstanceTypes)) * int64(len(g.Orders)) * int64(max(len(g.Policies), 1))
	over := func() (int, error) { return 0, g.over(g.shape()) }
	if n > MaxPoints {
		return over()
	}
	for _, ax := range g.Axes {
		n *= int64(len(ax.Values))
		if n > MaxPoints {
			return over()
		}
	}
	n *= int64(g.Repetitions)
	if n > MaxPoints {
		return over()
	}
	return int(n), nil
}

// over is the error of a grid of this shape over MaxPoints.
func (g *Grid) over(shape string) error {
	return &GridError{Flag: "--grid", Msg: fmt.Sprintf("%s: more than %d points; narrow the --grid ranges, --instance-types, --orders, --policies or --repetitions", shape, MaxPoints)}
}

// tooLarge is the error of the grid with an axis too large to expand.
func (g *Grid) tooLarge(big errAxisTooLarge) error {
	c := *g
	c.Axes = append(slices.Clip(g.Axes), Axis{Key: big.key})
	slices.SortFunc(c.Axes, func(a, b Axis) int { return strings.Compare(a.Key, b.Key) })
	shape := c.shape()
	// The placeholder axis has no values: spell its count.
	shape = strings.Replace(shape, "0 "+big.key, strconv.Itoa(big.n)+" "+big.key, 1)
	return g.over(shape)
}

// shape describes the grid's size as a product, e.g. "2 instance types x 1
// order x 7 WARM_IP_TARGET x 3 repetitions".
func (g *Grid) shape() string {
	parts := []string{plural(len(g.InstanceTypes), "instance type"), plural(len(g.Orders), "order")}
	if len(g.Policies) > 0 {
		pol := "1 policy"
		if len(g.Policies) > 1 {
			pol = fmt.Sprintf("%d policies", len(g.Policies))
		}
		parts = append([]string{pol}, parts...)
	}
	for _, ax := range g.Axes {
		parts = append(parts, fmt.Sprintf("%d %s", len(ax.Values), ax.Key))
	}
	parts = append(parts, plural(g.Repetitions, "repetition"))
	return strings.Join(parts, " x ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Len returns the number of points of the grid.
func (g *Grid) Len() int {
	n, err := g.count()
	if err != nil {
		return 0
	}
	return n
}

// Point is one run of a sweep.
type Point struct {
	Index        int      `json:"index"`
	Policy       string   `json:"policy,omitempty"` // "" without --policies: the VPC CNI
	InstanceType string   `json:"instance_type"`
	AssignOrder  string   `json:"assign_order"`
	Settings     []string `json:"settings"`   // the grid's KEY=VALUE, sorted by key
	Repetition   int      `json:"repetition"` // 1-based
	Seed         uint64   `json:"seed"`
}

// Combination returns the point's identity without its repetition: the
// points of one setting combination differ only in repetition and seed.
func (p *Point) Combination() string {
	var b strings.Builder
	p.writePolicy(&b)
	b.WriteString("instance-type=")
	b.WriteString(p.InstanceType)
	b.WriteString(" assign-order=")
	b.WriteString(p.AssignOrder)
	for _, kv := range p.Settings {
		b.WriteByte(' ')
		b.WriteString(kv)
	}
	return b.String()
}

// Canonical returns the point's identity: "instance-type=T assign-order=O
// repetition=R KEY=VALUE..." with the settings sorted by key, preceded by
// "policy=P " when the sweep has --policies. Its seed derives from the
// repetition alone (seedIdentity).
func (p *Point) Canonical() string {
	var b strings.Builder
	p.writePolicy(&b)
	b.WriteString("instance-type=")
	b.WriteString(p.InstanceType)
	b.WriteString(" assign-order=")
	b.WriteString(p.AssignOrder)
	b.WriteString(" repetition=")
	b.WriteString(strconv.Itoa(p.Repetition))
	for _, kv := range p.Settings {
		b.WriteByte(' ')
		b.WriteString(kv)
	}
	return b.String()
}

func (p *Point) writePolicy(b *strings.Builder) {
	if p.Policy != "" {
		b.WriteString("policy=")
		b.WriteString(p.Policy)
		b.WriteByte(' ')
	}
}

// PointSeed derives a point's seed from the sweep seed and an identity string
// (seedIdentity): a 64-bit FNV-1a hash over the sweep seed's 8
// little-endian bytes followed by the identity's bytes, finished with the
// splitmix64 mixer. The point's index plays no part, so adding values to an
// axis, or types or orders, leaves every other point's seed unchanged.
func PointSeed(sweepSeed uint64, canonical string) uint64 {
	const (
		fnvOffset = 14695981039346656037
		fnvPrime  = 1099511628211
	)
	h := uint64(fnvOffset)
	for i := 0; i < 8; i++ {
		h ^= (sweepSeed >> (8 * i)) & 0xff
		h *= fnvPrime
	}
	for i := 0; i < len(canonical); i++ {
		h ^= uint64(canonical[i])
		h *= fnvPrime
	}
	z := h + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// seedIdentity is the part of a point that its seed derives from: the
// repetition only. Every setting combination, policy, instance type and
// order of one repetition replays the same workload draw and the same EC2 latency draws
// (common random numbers), so points differ by their settings alone and their
// comparison is not blurred by sampling noise; repetitions give the spread.
func seedIdentity(repetition int) string { return "repetition=" + strconv.Itoa(repetition) }

// Point returns the point with index i (0 <= i < Len()) of the order
// Points gives, without expanding the others: index i reads as a mixed-radix
// number, policies most significant, then instance types, orders, the
// axes in key order, and repetitions least significant.
func (g *Grid) Point(i int, sweepSeed uint64) Point {
	p := Point{Index: i}
	p.Repetition = i%g.Repetitions + 1
	i /= g.Repetitions
	p.Settings = make([]string, len(g.Axes))
	for a := len(g.Axes) - 1; a >= 0; a-- {
		ax := &g.Axes[a]
		p.Settings[a] = ax.Key + "=" + ax.Values[i%len(ax.Values)]
		i /= len(ax.Values)
	}
	p.AssignOrder = g.Orders[i%len(g.Orders)]
	i /= len(g.Orders)
	p.InstanceType = g.InstanceTypes[i%len(g.InstanceTypes)]
	i /= len(g.InstanceTypes)
	if len(g.Policies) > 0 {
		p.Policy = g.Policies[i]
	}
	p.Seed = PointSeed(sweepSeed, seedIdentity(p.Repetition))
	return p
}

// Points expands the grid in its deterministic order: policies (as given,
// with --policies), then instance types (as given), then assign orders (as
// given), then the setting axes as an odometer (axes sorted by key, the last
// key changing fastest, values as given), then repetitions 1..N innermost.
func (g *Grid) Points(sweepSeed uint64) []Point {
	n := g.Len()
	if n == 0 {
		return nil
	}
	pts := make([]Point, 0, n)
	idx := make([]int, len(g.Axes))
	policies := g.Policies
	if len(policies) == 0 {
		policies = []string{""}
	}
	for _, pol := range policies {
		for _, it := range g.InstanceTypes {
			for _, o := range g.Orders {
				clear(idx)
				for {
					settings := make([]string, len(g.Axes))
					for a, ax := range g.Axes {
						settings[a] = ax.Key + "=" + ax.Values[idx[a]]
					}
					for r := 1; r <= g.Repetitions; r++ {
						p := Point{Index: len(pts), Policy: pol, InstanceType: it, AssignOrder: o, Settings: settings, Repetition: r}
						p.Seed = PointSeed(sweepSeed, seedIdentity(r))
						pts = append(pts, p)
					}
					a := len(idx) - 1
					for ; a >= 0; a-- {
						idx[a]++
						if idx[a] < len(g.Axes[a].Values) {
							break
						}
						idx[a] = 0
					}
					if a < 0 {
						break
					}
				}
			}
		}
	}
	return pts
}
