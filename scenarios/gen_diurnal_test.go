package scenarios

import (
	"fmt"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestGenDiurnal(t *testing.T) {
	cases := []DiurnalParams{
		{MinPods: 10, MaxPods: 110, Period: 24 * sim.Hour, Duration: 48 * sim.Hour, Step: sim.Minute},
		{MinPods: 0, MaxPods: 37, Period: sim.Hour, Duration: 150 * sim.Minute, Step: 7 * sim.Minute},
		{MinPods: 5, MaxPods: 5, Period: sim.Hour, Duration: sim.Hour, Step: sim.Minute},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		for _, p := range cases {
			name := fmt.Sprintf("%d..%d/%v step %v", p.MinPods, p.MaxPods, p.Period, p.Step)
			evs := genDrain(t, genMust[*Diurnal](t)(NewDiurnal(p, seed)))
			var order []string // live pods, oldest first
			peak, trough := 0, p.MaxPods+1
			for i, e := range evs {
				if e.at%p.Step != 0 {
					t.Fatalf("%s: event at %v off the step grid", name, e.at)
				}
				if (e.op == OpRunning) != (e.at == 0 && e.op != OpDel) {
					t.Fatalf("%s: %v at %v: the pods at t=0 are running, the later ones added", name, e.op, e.at)
				}
				if e.op != OpDel {
					order = append(order, e.pod)
				} else {
					if order[0] != e.pod {
						t.Fatalf("%s: deleted %s, oldest is %s", name, e.pod, order[0])
					}
					order = order[1:]
				}
				if i+1 < len(evs) && evs[i+1].at == e.at {
					continue // mid-step
				}
				// After each step the live count is the target.
				if want := p.Target(e.at); len(order) != want {
					t.Fatalf("%s: %d live at %v, target %d", name, len(order), e.at, want)
				}
				peak = max(peak, len(order))
				if e.at >= p.Period/2 { // past the first peak
					trough = min(trough, len(order))
				}
			}
			if p.MinPods == p.MaxPods {
				trough = len(order)
			}
			if seed == 1 {
				t.Logf("%s: peak %d (max %d), trough %d (min %d), %d events",
					name, peak, p.MaxPods, trough, p.MinPods, len(evs))
			}
			if peak < p.MaxPods-1 || peak > p.MaxPods {
				t.Fatalf("%s: peak %d, want within 1 of %d", name, peak, p.MaxPods)
			}
			if trough > p.MinPods+1 || trough < p.MinPods {
				t.Fatalf("%s: trough %d, want within 1 of %d", name, trough, p.MinPods)
			}
		}
	}
}
