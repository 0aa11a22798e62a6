package promexport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipamsim/ipamsim/sim"
)

// Thin keeps a backfill's samples at multiples of the new interval, in every
// series and for histograms' every bucket.
func TestBackfillThin(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ipamsim_test_gauge", Help: "A gauge."})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ipamsim_test_seconds", Help: "A histogram.", Buckets: []float64{1, 2}})
	reg.MustRegister(g, h)
	bf := NewBackfill(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range 5 {
		g.Set(float64(10 + i))
		h.Observe(float64(i))
		bf.Sample(sim.Time(i)*sim.Second, reg)
	}
	bf.Thin(2 * sim.Second)
	var out bytes.Buffer
	if err := bf.WriteOpenMetrics(&out); err != nil {
		t.Fatal(err)
	}
	_, samples := parseOM(t, out.String())
	got := map[string][]string{}
	for _, s := range samples {
		got[s.name+s.labels] = append(got[s.name+s.labels], s.ts)
	}
	want := []string{"1767225600.000", "1767225602.000", "1767225604.000"}
	for _, name := range []string{"ipamsim_test_gauge", `ipamsim_test_seconds_bucket{le="1"}`, "ipamsim_test_seconds_count"} {
		if strings.Join(got[name], " ") != strings.Join(want, " ") {
			t.Errorf("%s at %v, want %v", name, got[name], want)
		}
	}
	if !strings.Contains(out.String(), "ipamsim_test_gauge 14 1767225604.000") {
		t.Errorf("the last gauge sample is not 14 at 4 s:\n%s", out.String())
	}
}
