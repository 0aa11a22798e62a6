package ipam

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// TestDormancyIsExact: a node whose pool loop sleeps through passes that
// cannot act (and wakes only for pods and timers) must behave exactly like one
// that runs every 5 s pass, in first-fit order: the same pods wait, the same
// addresses are held at every event, the same EC2 calls are made.
func TestDormancyIsExact(t *testing.T) {
	settings := map[string]func(*Settings){
		"default":   func(*Settings) {},
		"warm-eni0": func(s *Settings) { s.WarmENITarget = 0 },
		"warm-ip":   func(s *Settings) { s.WarmIPTarget = 3; s.MinimumIPTarget = 7 },
		"min-only":  func(s *Settings) { s.MinimumIPTarget = 12 },
		"pd":        func(s *Settings) { s.PrefixDelegation = true; s.WarmPrefixTarget = 1 },
		"pd-wip":    func(s *Settings) { s.PrefixDelegation = true; s.WarmIPTarget = 5 },
		"cooldown":  func(s *Settings) { s.IPCooldown = 5 * sim.Second; s.WarmIPTarget = 2 },
	}
	inst, _ := catalog.Lookup("t3.medium")
	for name, set := range settings {
		for _, prof := range []string{"zero", "default"} {
			for seed := uint64(1); seed <= 3; seed++ {
				t.Run(fmt.Sprintf("%s/%s/%d", name, prof, seed), func(t *testing.T) {
					a := dormancyTrace(t, inst, set, prof, seed, false)
					b := dormancyTrace(t, inst, set, prof, seed, true)
					if len(a) != len(b) {
						t.Fatalf("%d vs %d observations", len(a), len(b))
					}
					for i := range a {
						if a[i] != b[i] {
							t.Fatalf("observation %d: dormant %s, always ticking %s", i, a[i], b[i])
						}
					}
				})
			}
		}
	}
}

func dormancyTrace(t *testing.T, inst catalog.InstanceType, set func(*Settings), prof string, seed uint64, always bool) []string {
	s := DefaultSettings()
	set(&s)
	p, _ := ec2.ProfileByName(prof)
	eng := sim.NewEngine()
	n, _, err := NewNode(eng, Config{Name: "n", Instance: inst, Settings: s, Profile: p, Seed: seed, AlwaysTick: always})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	n.Start()
	r := rand.New(rand.NewPCG(seed, 99))
	var obs []string
	var live []string
	next := 0
	at := sim.Time(0)
	for i := 0; i < 400; i++ {
		// Bursts and quiet spells: sometimes many events close together,
		// sometimes minutes apart.
		if r.IntN(5) == 0 {
			at += sim.Time(r.IntN(300)) * sim.Second
		} else {
			at += sim.Time(r.IntN(3000)) * sim.Millisecond
		}
		eng.RunUntil(at)
		if len(live) > 0 && (r.IntN(2) == 0 || len(live) > 40) {
			k := r.IntN(len(live))
			if err := n.DelPod([]byte(live[k])); err != nil {
				t.Fatal(err)
			}
			live[k] = live[len(live)-1]
			live = live[:len(live)-1]
		} else {
			name := fmt.Sprintf("p%d", next)
			next++
			if err := n.AddPod([]byte(name)); err != nil {
				t.Fatal(err)
			}
			live = append(live, name)
		}
		st := n.Stats()
		obs = append(obs, fmt.Sprintf("t=%v %+v waiting=%d ec2=%v", at, st, n.Waiting(), n.Counters.EC2Requests))
	}
	eng.RunUntil(at + 20*sim.Minute)
	obs = append(obs, fmt.Sprintf("end %+v waiting=%d ec2=%v wait=%v/%v", n.Stats(), n.Waiting(), n.Counters.EC2Requests, n.Counters.Wait.Count(), n.Counters.Wait.Sum()))
	return obs
}
