package sweep

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
)

func TestParseGrid(t *testing.T) {
	g, err := ParseGrid(GridSpec{
		Grid: []string{
			"WARM_IP_TARGET=0..10",
			"WARM_ENI_TARGET=0,1,2",
			"ENABLE_PREFIX_DELEGATION=false,TRUE",
			"MINIMUM_IP_TARGET=0..20:10",
			"IP_COOLDOWN_PERIOD=007, 0..4:2 ,30",
		},
		InstanceTypes: []string{"m5.large,c5.xlarge", "t3.medium"},
		Orders:        []string{"first-fit,random"},
		Repetitions:   2,
		Base:          []string{"MAX_ENI=2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Axis{
		{"ENABLE_PREFIX_DELEGATION", []string{"false", "true"}},
		{"IP_COOLDOWN_PERIOD", []string{"7", "0", "2", "4", "30"}},
		{"MINIMUM_IP_TARGET", []string{"0", "10", "20"}},
		{"WARM_ENI_TARGET", []string{"0", "1", "2"}},
		{"WARM_IP_TARGET", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}},
	}
	if !reflect.DeepEqual(g.Axes, want) {
		t.Errorf("axes %v\nwant %v", g.Axes, want)
	}
	if !reflect.DeepEqual(g.InstanceTypes, []string{"m5.large", "c5.xlarge", "t3.medium"}) || !reflect.DeepEqual(g.Orders, []string{"first-fit", "go-map"}) {
		t.Errorf("types %v orders %v", g.InstanceTypes, g.Orders)
	}
	n := 3 * 2 * 2 * 5 * 3 * 3 * 11 * 2
	if g.Len() != n {
		t.Fatalf("Len %d, want %d", g.Len(), n)
	}
	pts := g.Points(1)
	if len(pts) != n {
		t.Fatalf("%d points, want %d", len(pts), n)
	}
	// Order: types, orders, axes as an odometer (last fastest), repetitions.
	first := []string{"ENABLE_PREFIX_DELEGATION=false", "IP_COOLDOWN_PERIOD=7", "MINIMUM_IP_TARGET=0", "WARM_ENI_TARGET=0", "WARM_IP_TARGET=0"}
	if p := pts[0]; p.InstanceType != "m5.large" || p.AssignOrder != "first-fit" || p.Repetition != 1 || !reflect.DeepEqual(p.Settings, first) {
		t.Errorf("point 0 %+v", p)
	}
	if p := pts[1]; p.Repetition != 2 || !reflect.DeepEqual(p.Settings, first) {
		t.Errorf("point 1 %+v: want the second repetition of point 0", p)
	}
	if p := pts[2]; p.Settings[4] != "WARM_IP_TARGET=1" || p.Settings[3] != "WARM_ENI_TARGET=0" {
		t.Errorf("point 2 %+v: want the last axis to move fastest", p)
	}
	if p := pts[22]; p.Settings[4] != "WARM_IP_TARGET=0" || p.Settings[3] != "WARM_ENI_TARGET=1" {
		t.Errorf("point 22 %+v", p)
	}
	perType := n / 3
	if p := pts[perType/2]; p.AssignOrder != "go-map" || p.InstanceType != "m5.large" {
		t.Errorf("point %d %+v: want m5.large go-map (random is its alias)", perType/2, p)
	}
	if p := pts[perType]; p.InstanceType != "c5.xlarge" || p.AssignOrder != "first-fit" {
		t.Errorf("point %d %+v: want c5.xlarge first-fit", perType, p)
	}
	// Canonical strings are unique; seeds are common to a repetition (common
	// random numbers) and differ between repetitions.
	seedOf := map[int]uint64{}
	canon := map[string]bool{}
	for i, p := range pts {
		if p.Index != i {
			t.Fatalf("point %d has index %d", i, p.Index)
		}
		if canon[p.Canonical()] {
			t.Fatalf("point %d repeats a canonical string", i)
		}
		canon[p.Canonical()] = true
		if s, ok := seedOf[p.Repetition]; ok && s != p.Seed {
			t.Fatalf("point %d: repetition %d has seed %d, others of it %d", i, p.Repetition, p.Seed, s)
		}
		seedOf[p.Repetition] = p.Seed
	}
	for r1, s1 := range seedOf {
		for r2, s2 := range seedOf {
			if r1 != r2 && s1 == s2 {
				t.Fatalf("repetitions %d and %d share seed %d", r1, r2, s1)
			}
		}
	}
	// The flag order of --grid does not matter.
	g2, err := ParseGrid(GridSpec{Grid: []string{"WARM_ENI_TARGET=0,1", "WARM_IP_TARGET=1"}})
	if err != nil {
		t.Fatal(err)
	}
	g3, _ := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=1", "WARM_ENI_TARGET=0,1"}})
	if !reflect.DeepEqual(g2.Points(5), g3.Points(5)) {
		t.Error("--grid order changed the points")
	}
}

func TestParseGridDefaults(t *testing.T) {
	g, err := ParseGrid(GridSpec{DefaultInstanceType: "c5.large"})
	if err != nil {
		t.Fatal(err)
	}
	pts := g.Points(1)
	if len(pts) != 1 || pts[0].InstanceType != "c5.large" || pts[0].AssignOrder != "go-map" || pts[0].Repetition != 1 || len(pts[0].Settings) != 0 {
		t.Fatalf("points %+v", pts)
	}
	g, _ = ParseGrid(GridSpec{})
	if g.InstanceTypes[0] != "m5.large" {
		t.Errorf("default type %v", g.InstanceTypes)
	}
}

func TestParseGridErrors(t *testing.T) {
	cases := []struct {
		name string
		spec GridSpec
		flag string // the flag the error names
		msg  string // part of the message
	}{
		{"no equals", GridSpec{Grid: []string{"WARM_IP_TARGET"}}, "--grid", "KEY=V1"},
		{"empty key", GridSpec{Grid: []string{"=1,2"}}, "--grid", "KEY=V1"},
		{"no values", GridSpec{Grid: []string{"WARM_IP_TARGET="}}, "--grid", "no values"},
		{"empty item", GridSpec{Grid: []string{"WARM_IP_TARGET=1,,2"}}, "--grid", "empty value"},
		{"unknown key", GridSpec{Grid: []string{"WARM_IP_TARGT=1"}}, "--grid", "did you mean WARM_IP_TARGET"},
		{"bad value", GridSpec{Grid: []string{"WARM_IP_TARGET=1,x"}}, "--grid", "not a whole number"},
		{"bad bool", GridSpec{Grid: []string{"ENABLE_PREFIX_DELEGATION=yes"}}, "--grid", "not a boolean"},
		{"range on bool", GridSpec{Grid: []string{"ENABLE_PREFIX_DELEGATION=0..3"}}, "--grid", "not a boolean"},
		{"negative cooldown", GridSpec{Grid: []string{"IP_COOLDOWN_PERIOD=-5..5"}}, "--grid", "from 0 to 3600000"},
		{"lo > hi", GridSpec{Grid: []string{"WARM_IP_TARGET=5..1"}}, "--grid", "greater than HI"},
		{"step zero", GridSpec{Grid: []string{"WARM_IP_TARGET=0..4:0"}}, "--grid", "STEP 0 must be positive"},
		{"step negative", GridSpec{Grid: []string{"WARM_IP_TARGET=0..4:-1"}}, "--grid", "must be positive"},
		{"bad lo", GridSpec{Grid: []string{"WARM_IP_TARGET=a..4"}}, "--grid", "LO"},
		{"bad hi", GridSpec{Grid: []string{"WARM_IP_TARGET=0.."}}, "--grid", "HI"},
		{"bad step", GridSpec{Grid: []string{"WARM_IP_TARGET=0..4:x"}}, "--grid", "STEP"},
		{"duplicate key", GridSpec{Grid: []string{"WARM_IP_TARGET=1", "WARM_IP_TARGET=2"}}, "--grid", "duplicate key"},
		{"duplicate value", GridSpec{Grid: []string{"WARM_IP_TARGET=0..3,2"}}, "--grid", "duplicate value 2"},
		{"same setting", GridSpec{Grid: []string{"WARM_IP_TARGET=-1,0"}}, "--grid", "same setting"},
		{"same spelled twice", GridSpec{Grid: []string{"ENABLE_PREFIX_DELEGATION=true,TRUE"}}, "--grid", "duplicate value"},
		{"key also set", GridSpec{Grid: []string{"WARM_IP_TARGET=1,2"}, Base: []string{"WARM_IP_TARGET=3"}}, "--grid", "also given with --set"},
		{"bad base", GridSpec{Base: []string{"WARM_IP_TARGET=x"}}, "--set", "not a whole number"},
		{"unknown base", GridSpec{Base: []string{"NOPE=1"}}, "--set", "unknown setting"},
		{"huge range", GridSpec{Grid: []string{"WARM_IP_TARGET=0..99999999999"}}, "--grid", "at most 1000000 points"},
		{"too many points", GridSpec{Grid: []string{"WARM_IP_TARGET=0..999", "MINIMUM_IP_TARGET=0..999", "WARM_ENI_TARGET=0..1"}}, "--grid", "more than 1000000 points"},
		{"too many with reps", GridSpec{Grid: []string{"WARM_IP_TARGET=0..999"}, Repetitions: 1001}, "--grid", "1001 repetitions"},
		{"unknown type", GridSpec{InstanceTypes: []string{"m5.larg"}}, "--instance-types", "did you mean m5.large"},
		{"empty type", GridSpec{InstanceTypes: []string{"m5.large,"}}, "--instance-types", "empty item"},
		{"duplicate type", GridSpec{InstanceTypes: []string{"m5.large", "m5.large"}}, "--instance-types", "duplicate"},
		{"bad order", GridSpec{Orders: []string{"first-fit,last"}}, "--orders", "unknown assign order"},
		{"duplicate order", GridSpec{Orders: []string{"random,random"}}, "--orders", "duplicate"},
		{"negative reps", GridSpec{Repetitions: -1}, "--repetitions", "want 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseGrid(c.spec)
			if err == nil {
				t.Fatal("no error")
			}
			var ge *GridError
			var se *ipam.SettingError
			switch {
			case errors.As(err, &ge):
				if ge.Flag != c.flag {
					t.Errorf("flag %q, want %q (%v)", ge.Flag, c.flag, err)
				}
			case errors.As(err, &se):
				if se.Source != c.flag {
					t.Errorf("source %q, want %q (%v)", se.Source, c.flag, err)
				}
			default:
				t.Errorf("error %T %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), c.flag) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q: want it to start with %s and say %q", err, c.flag, c.msg)
			}
		})
	}
}

func TestParseShard(t *testing.T) {
	for _, s := range []string{"0/1", "2/3", " 6 / 7 "} {
		if _, err := ParseShard(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"", "1", "3/3", "-1/3", "0/0", "a/b", "1/"} {
		_, err := ParseShard(s)
		var ge *GridError
		if !errors.As(err, &ge) || ge.Flag != "--shard" {
			t.Errorf("%q: error %v, want a --shard error", s, err)
		}
	}
}

// TestPointSeed pins the seed derivation and checks that a point's seed
// depends on its identity only, not on its index.
func TestPointSeed(t *testing.T) {
	// Golden: changing the derivation changes every sweep's figures.
	if got := PointSeed(1, "instance-type=m5.large assign-order=first-fit repetition=1 WARM_IP_TARGET=3"); got != goldenSeed {
		t.Errorf("PointSeed = %d, want %d", got, goldenSeed)
	}
	if PointSeed(1, "a") == PointSeed(2, "a") || PointSeed(1, "a") == PointSeed(1, "b") {
		t.Error("seed ignores its inputs")
	}
	small, _ := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=2,4", "WARM_ENI_TARGET=1"}, Repetitions: 2})
	big, _ := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..6", "WARM_ENI_TARGET=0,1,2"}, Repetitions: 3,
		InstanceTypes: []string{"c5.large,m5.large"}, Orders: []string{"random,first-fit"}})
	byCanon := map[string]Point{}
	for _, p := range big.Points(9) {
		byCanon[p.Canonical()] = p
	}
	moved := 0
	for _, p := range small.Points(9) {
		q, ok := byCanon[p.Canonical()]
		if !ok {
			t.Fatalf("point %s missing from the bigger grid", p.Canonical())
		}
		if q.Seed != p.Seed {
			t.Errorf("%s: seed %d in the small grid, %d in the big one", p.Canonical(), p.Seed, q.Seed)
		}
		if q.Index != p.Index {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no point changed index between the grids: the test proves nothing")
	}
	if fmt.Sprint(small.Points(9)[0].Seed) == fmt.Sprint(small.Points(10)[0].Seed) {
		t.Error("sweep seed ignored")
	}
}

const goldenSeed = 265933856914013357

// Ranges at the edges of int64 are counted without overflow and refused
// over MaxPoints, and a million values check in linear time (issue 12:
// both hung).
func TestParseGridHugeRanges(t *testing.T) {
	for _, g := range []string{
		"WARM_IP_TARGET=0..9223372036854775807",
		"WARM_IP_TARGET=-9223372036854775808..9223372036854775807",
		"WARM_IP_TARGET=-9223372036854775808..9223372036854775807:2",
		"WARM_IP_TARGET=0..999999,1000000..1000001",
	} {
		_, err := ParseGrid(GridSpec{Grid: []string{g}})
		var ge *GridError
		if !errors.As(err, &ge) || ge.Flag != "--grid" || !strings.Contains(err.Error(), "a grid has at most 1000000 points") {
			t.Errorf("%s: %v", g, err)
		}
	}
	// Exactly a million values: accepted (linear duplicate checks).
	g, err := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..999999"}})
	if err != nil || len(g.Axes[0].Values) != 1_000_000 || g.Axes[0].Values[999_999] != "999999" {
		t.Fatalf("a million values: %v", err)
	}
	// The last of a million values duplicates the first setting: negative
	// WARM_IP_TARGET values all mean unset (0).
	_, err = ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..999998,-1"}})
	if err == nil || !strings.Contains(err.Error(), "values 0 and -1 give the same setting") {
		t.Fatalf("duplicate setting: %v", err)
	}
}

// Point(i) is the i-th point of Points, for every i of a grid with every
// kind of dimension.
func TestGridPointMatchesPoints(t *testing.T) {
	g, err := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..2", "MINIMUM_IP_TARGET=4,8"},
		InstanceTypes: []string{"m5.large,c5.xlarge"}, Orders: []string{"first-fit,random"}, Repetitions: 3,
		Policies: []string{"vpc-cni,static"}})
	if err != nil {
		t.Fatal(err)
	}
	all := g.Points(42)
	if len(all) != 2*2*2*3*2*3 || len(all) != g.Len() {
		t.Fatalf("%d points, Len %d", len(all), g.Len())
	}
	for i := range all {
		if p := g.Point(i, 42); p.Canonical() != all[i].Canonical() || p.Seed != all[i].Seed || p.Index != i {
			t.Fatalf("Point(%d) = %q seed %d, Points gives %q seed %d", i, p.Canonical(), p.Seed, all[i].Canonical(), all[i].Seed)
		}
	}
}
