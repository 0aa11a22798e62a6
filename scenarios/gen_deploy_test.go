package scenarios

import (
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestGenDeploy(t *testing.T) {
	cases := []DeployParams{
		{Replicas: 100, CreateRate: 7, Start: 30 * sim.Second, Hold: sim.Minute},
		{Replicas: 50, CreateRate: 3, Hold: 10 * sim.Second, ScaleDownTo: 20, DeleteRate: 4},
		{Replicas: 1, CreateRate: 5, Hold: 0, ScaleDownTo: 0},
		{Replicas: 40, CreateRate: 0, Start: sim.Second, Hold: sim.Second, ScaleDownTo: 40},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		for _, p := range cases {
			evs := genDrain(t, genMust[*Deploy](t)(NewDeploy(p, seed)))
			live, peak := 0, 0
			var adds, dels []genEv
			for _, e := range evs {
				if e.op == OpAdd {
					live++
					adds = append(adds, e)
				} else {
					live--
					dels = append(dels, e)
				}
				peak = max(peak, live)
			}
			if peak != p.Replicas {
				t.Fatalf("%+v: peak %d, want %d", p, peak, p.Replicas)
			}
			if live != p.ScaleDownTo || len(dels) != p.Replicas-p.ScaleDownTo {
				t.Fatalf("%+v: %d live at the end after %d deletes, want %d", p, live, len(dels), p.ScaleDownTo)
			}
			if len(adds) != p.Replicas || len(adds)+len(dels) != len(evs) {
				t.Fatalf("%+v: %d adds", p, len(adds))
			}
			// Ramp pace: the k-th add at Start + k/CreateRate, within 1 ns
			// of rounding.
			for k, e := range adds {
				want := p.Start
				if p.CreateRate > 0 {
					want += sim.Seconds(float64(k) / p.CreateRate)
				}
				if d := e.at - want; d < -1 || d > 1 {
					t.Fatalf("%+v: add %d at %v, want %v", p, k, e.at, want)
				}
			}
			if p.CreateRate > 0 && len(adds) > 1 {
				span := adds[len(adds)-1].at - adds[0].at
				pace := float64(len(adds)-1) / span.Seconds()
				if pace < p.CreateRate*0.999999 || pace > p.CreateRate*1.000001 {
					t.Fatalf("%+v: pace %g pods/s", p, pace)
				}
			}
			// Scale-down after Hold at the last add, paced or instant, newest
			// first.
			down := adds[len(adds)-1].at + p.Hold
			for j, e := range dels {
				want := down
				if p.DeleteRate > 0 {
					want += sim.Seconds(float64(j) / p.DeleteRate)
				}
				if e.at != want {
					t.Fatalf("%+v: delete %d at %v, want %v", p, j, e.at, want)
				}
				if e.pod != adds[len(adds)-1-j].pod {
					t.Fatalf("%+v: delete %d is %s, want newest-first %s", p, j, e.pod, adds[len(adds)-1-j].pod)
				}
			}
		}
	}
}
