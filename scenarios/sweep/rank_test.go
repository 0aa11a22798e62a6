package sweep

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios/replay"
)

// bruteFrontier is the O(n²) definition.
func bruteFrontier(vs [][3]float64) []bool {
	on := make([]bool, len(vs))
	for i := range vs {
		on[i] = true
		for j := range vs {
			if j != i && Dominates(vs[j], vs[i]) {
				on[i] = false
				break
			}
		}
	}
	return on
}

func TestFrontierBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := r.IntN(120)
		levels := 1 + r.IntN(8) // few levels: many ties and equal vectors
		vs := make([][3]float64, n)
		for i := range vs {
			for k := range vs[i] {
				if trial%2 == 0 {
					vs[i][k] = float64(r.IntN(levels))
				} else {
					vs[i][k] = r.Float64() * 100
				}
			}
			if i > 0 && r.IntN(10) == 0 {
				vs[i] = vs[r.IntN(i)] // exact duplicates
			}
		}
		got, want := Frontier(vs), bruteFrontier(vs)
		for i := range vs {
			if got[i] != want[i] {
				t.Fatalf("trial %d: vector %d %v: frontier %v, brute force %v\n%v", trial, i, vs[i], got[i], want[i], vs)
			}
		}
	}
	if len(Frontier(nil)) != 0 {
		t.Error("empty input")
	}
}

func TestDominates(t *testing.T) {
	cases := []struct {
		a, b [3]float64
		want bool
	}{
		{[3]float64{1, 1, 1}, [3]float64{1, 1, 1}, false},
		{[3]float64{1, 1, 1}, [3]float64{1, 1, 2}, true},
		{[3]float64{0, 5, 1}, [3]float64{1, 1, 1}, false},
		{[3]float64{0, 0, 0}, [3]float64{1, 1, 1}, true},
	}
	for _, c := range cases {
		if got := Dominates(c.a, c.b); got != c.want {
			t.Errorf("Dominates(%v, %v) = %v", c.a, c.b, got)
		}
	}
}

// result makes a synthetic point result.
func result(idx, rep int, setting string, held, p99 float64, calls uint64, never uint64) Result {
	return Result{
		Point:           Point{Index: idx, InstanceType: "m5.large", AssignOrder: "first-fit", Settings: []string{setting}, Repetition: rep},
		Rerun:           fmt.Sprintf("ipamsim run %d", idx),
		EC2CallsPerHour: float64(calls),
		Summary: replay.Summary{MeanAddressesHeld: held, WaitP99Seconds: p99, EC2CallsTotal: calls, PodsNeverAssigned: never,
			SimulatedSeconds: 3600},
	}
}

func TestAggregateAndRecommend(t *testing.T) {
	rs := []Result{
		// A: cheapest, but one repetition misses the 5 s objective.
		result(0, 1, "W=1", 10, 1, 10, 0), result(1, 2, "W=1", 10, 6, 10, 0),
		// B: meets in both; ties C on held and calls, lower p99.
		result(2, 1, "W=2", 12, 2, 20, 0), result(3, 2, "W=2", 14, 4, 20, 0),
		// C: same cost as B, higher p99.
		result(4, 1, "W=3", 13, 3, 20, 0), result(5, 2, "W=3", 13, 4, 20, 0),
		// D: fast, but a pod never got an address.
		result(6, 1, "W=4", 11, 0, 5, 1), result(7, 2, "W=4", 11, 0, 5, 0),
		// E: expensive and many EC2 calls.
		result(8, 1, "W=5", 20, 0.5, 100, 0), result(9, 2, "W=5", 20, 0.5, 120, 0),
	}
	cs := Aggregate(rs)
	if len(cs) != 5 {
		t.Fatalf("%d combinations", len(cs))
	}
	b := cs[1]
	if b.Key != "instance-type=m5.large assign-order=first-fit W=2" || fmt.Sprint(b.Points) != "[2 3]" || b.Rerun != "ipamsim run 2" {
		t.Errorf("combination %+v", b)
	}
	if b.MeanAddressesHeld != (Stat{13, 12, 14}) || b.WaitP99Seconds != (Stat{3, 2, 4}) {
		t.Errorf("stats %+v %+v", b.MeanAddressesHeld, b.WaitP99Seconds)
	}
	rec, err := Recommend(cs, 2, Constraints{MaxP99Wait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Best.Settings[0] != "W=2" || rec.RunnerUp.Settings[0] != "W=3" || rec.Meeting != 3 {
		t.Errorf("best %v runner-up %v meeting %d", rec.Best.Settings, rec.RunnerUp.Settings, rec.Meeting)
	}
	// The nearest cheaper failure is D (11 held) before A (10 held).
	if rec.CheaperCount != 2 || rec.CheaperFailing.Settings[0] != "W=4" || fmt.Sprint(rec.CheaperWhy) != "[1 pods never got an address]" {
		t.Errorf("cheaper %d %v %v", rec.CheaperCount, rec.CheaperFailing.Settings, rec.CheaperWhy)
	}
	// The EC2 cap rules B and C out (20 calls/hour > 15): nothing is left.
	rec, err = Recommend(cs, 2, Constraints{MaxP99Wait: 5 * time.Second, MaxEC2CallsPerHour: 15})
	if !errors.Is(err, ErrNoneMeets) || rec.Best != nil || rec.Meeting != 0 {
		t.Errorf("with the EC2 cap: %v %+v", err, rec)
	}
	// A generous objective picks A, with B... as runner-up by cost (D next).
	rec, _ = Recommend(cs, 2, Constraints{MaxP99Wait: 10 * time.Second})
	if rec.Best.Settings[0] != "W=1" || rec.RunnerUp.Settings[0] != "W=2" || rec.CheaperFailing != nil {
		t.Errorf("generous: best %v runner-up %v", rec.Best.Settings, rec.RunnerUp.Settings)
	}
	// Ties on every figure fall to point order.
	tie := Aggregate([]Result{result(0, 1, "W=9", 5, 1, 1, 0), result(1, 1, "W=8", 5, 1, 1, 0)})
	rec, _ = Recommend(tie, 1, Constraints{MaxP99Wait: time.Second})
	if rec.Best.Points[0] != 0 {
		t.Errorf("tie broken to point %d", rec.Best.Points[0])
	}
	// The frontier of the aggregated combinations.
	vs := make([][3]float64, len(cs))
	for i := range cs {
		vs[i] = cs[i].Objectives()
	}
	// D (11, 0, 5) dominates B, C and E; A holds the fewest addresses.
	if got := fmt.Sprint(Frontier(vs)); got != "[true false false true false]" {
		t.Errorf("frontier %s", got)
	}
}

func TestConstraintsValidate(t *testing.T) {
	bad := []Constraints{
		{MaxP99Wait: 0},
		{MaxP99Wait: -time.Second},
		{MaxP99Wait: time.Second, MaxEC2CallsPerHour: -1},
		{MaxP99Wait: time.Second, MaxEC2CallsPerHour: math.NaN()},
		{MaxP99Wait: time.Second, MaxEC2CallsPerHour: math.Inf(1)},
	}
	for _, c := range bad {
		var ge *GridError
		if err := c.Validate(); !errors.As(err, &ge) {
			t.Errorf("%+v: %v", c, err)
		}
		if _, err := Recommend(nil, 1, c); err == nil {
			t.Errorf("Recommend accepted %+v", c)
		}
	}
	if err := (Constraints{MaxP99Wait: time.Millisecond, MaxEC2CallsPerHour: 3}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestFrontierSummary: the frontier's line counts the combinations it drops
// and lists their first points, the ones the O(n²) definition finds
// dominated; with none dropped it says that none dominates another.
func TestFrontierSummary(t *testing.T) {
	doc, err := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=0..11"}}, "zero", 1, 2).Run()
	if err != nil {
		t.Fatal(err)
	}
	combos := doc.Combinations()
	vs := make([][3]float64, len(combos))
	for i := range combos {
		vs[i] = combos[i].Objectives()
	}
	var dropped []string
	for i, on := range bruteFrontier(vs) {
		if !on {
			dropped = append(dropped, strconv.Itoa(combos[i].Points[0]))
		}
	}
	if len(dropped) < 2 || len(dropped) > 10 {
		t.Fatalf("the test wants 2 to 10 dropped combinations, got %d", len(dropped))
	}
	list := strings.Join(dropped[:len(dropped)-1], ", ") + " and " + dropped[len(dropped)-1]
	want := fmt.Sprintf("Pareto frontier: %d of 12 setting combinations (minimising mean addresses held, p99 pod IP wait and EC2 calls); "+
		"%d dropped, each dominated by one on the frontier (as good on all three, better on one): points %s", 12-len(dropped), len(dropped), list)
	if got := doc.FrontierSummary(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var text strings.Builder
	if err := doc.WriteFrontier(&text); err != nil || !strings.HasPrefix(text.String(), want+"\n") {
		t.Errorf("WriteFrontier does not start with the summary: %v\n%s", err, text.String())
	}

	one, err := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=3"}, Repetitions: 2}, "zero", 1, 2).Run()
	if err != nil {
		t.Fatal(err)
	}
	want = "Pareto frontier: 1 of 1 setting combinations (none dominates another on mean addresses held, p99 pod IP wait and EC2 calls; means over 2 repetitions, [min–max])"
	if got := one.FrontierSummary(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
