package replay

import (
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// A long run's samples stay bounded (Options.MaxSamples): the interval
// doubles each time MaxSamples are kept, and thinning to the multiples of
// the new interval leaves evenly spaced samples, never more than the bound.
func TestMaxSamplesBoundsALongRun(t *testing.T) {
	node, err := catalog.Lookup("m5.large")
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Instance: node, Settings: ipam.DefaultSettings(), Profile: ec2.Profile{Name: "zero"}, Seed: 1, Drain: sim.Minute}
	if spec.Profile, err = ec2.ProfileByName("zero"); err != nil {
		t.Fatal(err)
	}
	const days30 = 30 * 24 * 3600
	trace := "at,op,pod\n0,add,a\n2592000,del,a\n"
	var kept []sim.Time
	calls, coarsenings := 0, 0
	every := sim.Second
	opt := Options{SampleEvery: sim.Second, MaxSamples: 1000,
		OnSample: func(now sim.Time) { calls++; kept = append(kept, now) },
		OnCoarsen: func(e sim.Time) {
			if e != 2*every {
				t.Fatalf("interval %s after %s: want it doubled", e, every)
			}
			every, coarsenings = e, coarsenings+1
			w := 0
			for _, at := range kept {
				if at%e == 0 {
					kept[w] = at
					w++
				}
			}
			kept = kept[:w]
			if len(kept) > 1000 {
				t.Fatalf("%d samples kept after coarsening", len(kept))
			}
		}}
	if _, err := Execute(spec, scenarios.NewCSVReader(strings.NewReader(trace), "long.csv"), opt); err != nil {
		t.Fatal(err)
	}
	end := sim.Time(days30)*sim.Second + sim.Minute
	// 30 days at 1 s is 2,592,060 samples; kept under 1,000 the interval
	// becomes 2^12 s (4096 s: 633 samples) after 12 doublings.
	if coarsenings != 12 || every != 4096*sim.Second {
		t.Errorf("%d coarsenings to %s, want 12 to 4096s", coarsenings, every)
	}
	if len(kept) > 1001 || calls > 1000+500*12+1 {
		t.Errorf("%d samples kept, %d taken", len(kept), calls)
	}
	for i, at := range kept[:len(kept)-1] {
		if at != sim.Time(i)*every {
			t.Fatalf("sample %d at %s, want %s", i, at, sim.Time(i)*every)
		}
	}
	if last := kept[len(kept)-1]; last != end {
		t.Errorf("last sample at %s, want the end of the run %s", last, end)
	}
}
