package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestGenCL2(t *testing.T) {
	cases := []CL2Params{
		{Nodes: 5, PodsPerNode: 30, CreateRate: 10, WorkloadSize: 10, Settle: sim.Minute, Hold: 10 * sim.Minute},
		{Nodes: 3, PodsPerNode: 20, CreateRate: 50, WorkloadSize: 5, Settle: 0, Hold: sim.Hour},
		{Nodes: 12, PodsPerNode: 110, CreateRate: 100, WorkloadSize: 33, Settle: 30 * sim.Second, Hold: 5 * sim.Minute},
	}
	for seed := uint64(1); seed <= 5; seed++ {
		for _, p := range cases {
			name := fmt.Sprintf("%dx%d size %d", p.Nodes, p.PodsPerNode, p.WorkloadSize)
			g := genMust[*CL2](t)(NewCL2(p, seed))
			targets := g.Targets()
			evs := genDrain(t, g)
			total := p.Nodes * p.PodsPerNode
			lo, hi := p.ResizeBounds()
			gap := 1 / p.CreateRate

			// Phase 1: total adds at the create pace, round-robin.
			for k := 0; k < total; k++ {
				e := evs[k]
				wantNode := fmt.Sprintf("node-%03d", k%p.Nodes+1)
				if e.op != OpAdd || e.node != wantNode || e.at != sim.Seconds(float64(k)*gap) {
					t.Fatalf("%s: create %d = %+v, want add on %s at %v", name, k, e, wantNode, sim.Seconds(float64(k)*gap))
				}
				if w := workloadOf(t, e.pod); w != k/p.WorkloadSize {
					t.Fatalf("%s: create %d in workload %d", name, k, w)
				}
			}
			if evs[total].at-evs[total-1].at != p.Settle {
				t.Fatalf("%s: resize starts %v after the last create, want %v", name, evs[total].at-evs[total-1].at, p.Settle)
			}

			perNode := map[string]int{}
			size := map[int]int{}
			var resized map[int]int
			resizeOps := 0
			for i, e := range evs {
				w := workloadOf(t, e.pod)
				if e.op == OpAdd {
					perNode[e.node]++
					size[w]++
					if perNode[e.node] > p.PodsPerNode {
						t.Fatalf("%s: %d pods on %s", name, perNode[e.node], e.node)
					}
				} else {
					perNode[e.node]--
					size[w]--
				}
				if i >= total && resized == nil {
					resizeOps++
				}
				// The hold separates the resize from the final deletion.
				if i > total && resized == nil && i+1 < len(evs) && evs[i+1].at-e.at == p.Hold {
					resized = map[int]int{}
					for k, v := range size {
						resized[k] = v
					}
				}
			}
			if resized == nil {
				t.Fatalf("%s: no hold found", name)
			}
			for w, target := range targets {
				s := resized[w]
				full := (w+1)*p.WorkloadSize <= total
				if full && (s < lo || s > hi) {
					t.Fatalf("%s: workload %d has %d pods after resize, want in [%d, %d]", name, w, s, lo, hi)
				}
				if s > target {
					t.Fatalf("%s: workload %d has %d pods, above its target %d", name, w, s, target)
				}
				if target < lo || target > hi {
					t.Fatalf("%s: target %d outside [%d, %d]", name, target, lo, hi)
				}
			}
			for n, c := range perNode {
				if c != 0 {
					t.Fatalf("%s: %d pods left on %s", name, c, n)
				}
			}
			if seed == 1 {
				sum := 0
				for _, s := range resized {
					sum += s
				}
				t.Logf("%s: %d created, %d resize ops, %d pods after resize across %d workloads (sizes in [%d, %d]), %d events",
					name, total, resizeOps, sum, len(targets), lo, hi, len(evs))
			}
		}
	}
}

// workloadOf parses the workload number from a cl2 pod name "cl2-w0003-000017".
func workloadOf(t testing.TB, pod string) int {
	t.Helper()
	var w, id int
	if _, err := fmt.Sscanf(strings.TrimPrefix(pod, "cl2-"), "w%04d-%d", &w, &id); err != nil {
		t.Fatalf("pod name %q: %v", pod, err)
	}
	return w
}
