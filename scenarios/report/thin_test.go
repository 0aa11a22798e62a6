package report

import (
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// Thinning keeps the samples at multiples of the new interval, each with
// the most pods waiting since the previous one kept.
func TestThinKeepsPeaks(t *testing.T) {
	var s Series
	var r Recorder
	r.every = sim.Second
	for i, w := range []int{0, 5, 1, 2, 3} {
		at := sim.Time(i) * sim.Second
		s.rows = append(s.rows, cmpSample{at: at, held: 10 + i, waiting: w})
		r.rows = append(r.rows, repRow{at: at, held: 10 + i, waitingPeak: w})
	}
	s.Thin(2 * sim.Second)
	r.Thin(2 * sim.Second)
	want := []struct {
		at         sim.Time
		held, peak int
	}{{0, 10, 0}, {2 * sim.Second, 12, 5}, {4 * sim.Second, 14, 3}}
	if len(s.rows) != 3 || len(r.rows) != 3 {
		t.Fatalf("%d and %d rows after thinning, want 3", len(s.rows), len(r.rows))
	}
	for i, w := range want {
		if g := s.rows[i]; g.at != w.at || g.held != w.held || g.waiting != w.peak {
			t.Errorf("series row %d: %+v, want %+v", i, g, w)
		}
		if g := r.rows[i]; g.at != w.at || g.held != w.held || g.waitingPeak != w.peak {
			t.Errorf("report row %d: %+v, want %+v", i, g, w)
		}
	}
	if r.Every() != 2*sim.Second {
		t.Errorf("Every %s after thinning, want 2s", r.Every())
	}
}
