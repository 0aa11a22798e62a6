package scenarios

import (
	"fmt"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestGenRollingIntOrPercent(t *testing.T) {
	for _, c := range []struct {
		in       string
		total    int
		up, down int
	}{
		{"25%", 10, 3, 2}, {"25%", 4, 1, 1}, {"25%", 1, 1, 0}, {"0%", 10, 0, 0},
		{"3", 10, 3, 3}, {"100%", 7, 7, 7}, {"33%", 10, 4, 3},
	} {
		v, err := ParseIntOrPercent(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if v.String() != c.in {
			t.Errorf("String(%q) = %q", c.in, v.String())
		}
		if up, down := v.Resolve(c.total, true), v.Resolve(c.total, false); up != c.up || down != c.down {
			t.Errorf("%s of %d: up %d down %d, want %d %d", c.in, c.total, up, down, c.up, c.down)
		}
	}
	for _, bad := range []string{"", "%", "-1", "x%", "1.5", "+2", "2%%"} {
		if _, err := ParseIntOrPercent(bad); err == nil {
			t.Errorf("ParseIntOrPercent(%q) accepted", bad)
		}
	}
	// Both resolving to 0 gives one unavailable, as Kubernetes does.
	p := RollingParams{Replicas: 3, MaxSurge: IntOrPercent{0, false}, MaxUnavailable: IntOrPercent{10, true}}
	if s, u := p.Resolved(); s != 0 || u != 1 {
		t.Errorf("Resolved = %d, %d; want 0, 1", s, u)
	}
}

// TestGenRolling replays rolling updates and checks, after every event, that
// live pods never exceed replicas+surge and live Ready pods never drop below
// replicas-unavailable, and at the end that every old pod was replaced.
func TestGenRolling(t *testing.T) {
	pct := func(v int) IntOrPercent { return IntOrPercent{v, true} }
	abs := func(v int) IntOrPercent { return IntOrPercent{v, false} }
	cases := []RollingParams{
		{Replicas: 10, MaxSurge: pct(25), MaxUnavailable: pct(25), PodStart: 10 * sim.Second, Start: sim.Minute},
		{Replicas: 7, MaxSurge: abs(1), MaxUnavailable: abs(0), PodStart: 5 * sim.Second},
		{Replicas: 7, MaxSurge: abs(0), MaxUnavailable: abs(1), PodStart: 5 * sim.Second, Start: sim.Second},
		{Replicas: 20, MaxSurge: pct(100), MaxUnavailable: abs(0), PodStart: 3 * sim.Second},
		{Replicas: 20, MaxSurge: abs(0), MaxUnavailable: pct(100), PodStart: 3 * sim.Second},
		{Replicas: 50, MaxSurge: pct(10), MaxUnavailable: pct(30), PodStart: 0, Start: 2 * sim.Second},
		{Replicas: 3, MaxSurge: abs(0), MaxUnavailable: pct(10), PodStart: sim.Second},
		{Replicas: 1, MaxSurge: abs(1), MaxUnavailable: abs(0), PodStart: sim.Second},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		for _, p := range cases {
			name := fmt.Sprintf("R=%d surge=%s unavail=%s", p.Replicas, p.MaxSurge.String(), p.MaxUnavailable.String())
			surge, unavail := p.Resolved()
			evs := genDrain(t, genMust[*Rolling](t)(NewRolling(p, seed)))
			prefix := "rolling-"
			isOld := func(pod string) bool { return pod < fmt.Sprintf("%s%06d", prefix, p.Replicas) }
			// readyAt of live pods; old pods are Ready from t=0.
			readyAt := map[string]sim.Time{}
			var oldAdded, oldDeleted, newAdded int
			var lastOldDel sim.Time
			minReady, maxLive := p.Replicas, 0
			for i, e := range evs {
				if e.op != OpDel {
					if isOld(e.pod) != (e.op == OpRunning) {
						t.Fatalf("%s: %v of pod %s: old pods are running, new ones added", name, e.op, e.pod)
					}
					if isOld(e.pod) {
						if e.at != 0 {
							t.Fatalf("%s: old pod %s running at %v", name, e.pod, e.at)
						}
						oldAdded++
						readyAt[e.pod] = 0
					} else {
						newAdded++
						readyAt[e.pod] = e.at + p.PodStart
						if e.at < p.Start {
							t.Fatalf("%s: new pod before the rollout start", name)
						}
					}
				} else {
					if !isOld(e.pod) {
						t.Fatalf("%s: new pod %s deleted", name, e.pod)
					}
					oldDeleted++
					lastOldDel = e.at
					delete(readyAt, e.pod)
				}
				if i < p.Replicas-1 {
					continue // the initial adds at t=0
				}
				// Check after every event: readiness only rises between
				// events, and live counts change only at events.
				ready := 0
				for _, r := range readyAt {
					if r <= e.at {
						ready++
					}
				}
				if len(readyAt) > p.Replicas+surge {
					t.Fatalf("%s: %d live pods at %v, max %d", name, len(readyAt), e.at, p.Replicas+surge)
				}
				if ready < p.Replicas-unavail {
					t.Fatalf("%s: %d ready pods at %v, min %d", name, ready, e.at, p.Replicas-unavail)
				}
				maxLive = max(maxLive, len(readyAt))
				minReady = min(minReady, ready)
			}
			if oldAdded != p.Replicas || oldDeleted != p.Replicas || newAdded != p.Replicas {
				t.Fatalf("%s: old added %d deleted %d, new added %d; want all %d", name, oldAdded, oldDeleted, newAdded, p.Replicas)
			}
			if len(readyAt) != p.Replicas {
				t.Fatalf("%s: %d pods live at the end", name, len(readyAt))
			}
			if seed == 1 {
				t.Logf("%s (surge %d, unavailable %d): max live %d, min ready %d, rollout %v..%v",
					name, surge, unavail, maxLive, minReady, p.Start, lastOldDel)
			}
		}
	}
}
