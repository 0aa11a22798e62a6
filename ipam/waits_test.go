package ipam

import (
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// TestWaitsCountCensored: Node.Waits holds one wait per pod that sent an
// ADD. On a t3.medium (3 ENIs × 5 secondary IPs: 15 addresses), zero EC2
// profile, 17 pods arrive at 10 s: 15 get addresses by the retries, 2 never
// do. One of those is deleted at 70 s (censored wait 60 s), the other is
// still waiting at 610 s (censored wait 600 s). The assigned waits are
// those of Counters.Wait.
func TestWaitsCountCensored(t *testing.T) {
	h := newHarness(t, "t3.medium", "zero", nil)
	h.add(10, podNames("p", 1, 17)...)
	h.run(69)
	var never []string
	for _, name := range podNames("p", 1, 17) {
		if waiting(h.n.Pod(name)) {
			never = append(never, name)
		}
	}
	if len(never) != 2 {
		t.Fatalf("pods waiting at 69 s: %v, want 2 (15 addresses for 17 pods)", never)
	}
	h.del(70, never[0])
	h.run(610)
	c := &h.n.Counters
	w := h.n.Waits()
	if w.Count() != c.PodsAdded || c.PodsAdded != 17 {
		t.Fatalf("Waits has %d waits, PodsAdded %d; want 17 each", w.Count(), c.PodsAdded)
	}
	if c.CensoredWait.Count() != 1 || c.CensoredWait.Max() != 60*sim.Second {
		t.Errorf("censored at DEL: %d waits, max %v; want 1 of 60 s", c.CensoredWait.Count(), c.CensoredWait.Max())
	}
	if w.Max() != 600*sim.Second {
		t.Errorf("longest wait %v, want the still-waiting pod's 600 s", w.Max())
	}
	// p99 over 17 pods is the 17th: the censored 600 s, not an assigned wait.
	if got := w.Quantile(0.99); got != 600*sim.Second {
		t.Errorf("p99 %v, want 600 s", got)
	}
	if c.Wait.Count() != 15 || c.Wait.Max() >= 60*sim.Second {
		t.Errorf("assigned waits: %d, longest %v; want 15, each under a minute", c.Wait.Count(), c.Wait.Max())
	}
	if w.Sum() != c.Wait.Sum()+60*sim.Second+600*sim.Second {
		t.Errorf("sum of waits %v, want assigned %v + 60 s + 600 s", w.Sum(), c.Wait.Sum())
	}
}
