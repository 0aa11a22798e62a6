package cluster

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/sim"
)

const mib = 1 << 20

// readyCluster builds groups (one node each unless count says) in a /16 with
// instant EC2 and runs until every node is ready.
func readyCluster(t *testing.T, placement Placement, groups ...GroupSpec) (*sim.Engine, *Cluster) {
	t.Helper()
	for i := range groups {
		if groups[i].Settings == (ipam.Settings{}) {
			groups[i].Settings = ipam.DefaultSettings()
		}
		groups[i].Subnets = []string{"a"}
		groups[i].DaemonSetPods = 2
	}
	eng := sim.NewEngine()
	c, err := New(eng, Spec{Subnets: []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/16")}},
		Groups: groups, Placement: placement, Profile: profile(t, "zero"), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	eng.RunUntil(sim.Minute)
	for _, m := range c.Members() {
		if !m.Node.Ready() {
			t.Fatalf("%s not ready after a minute", m.Name)
		}
	}
	return eng, c
}

// memberOf returns the name of the node a live pod is on, or "" if pending.
func memberOf(c *Cluster, pod string) string {
	r := c.pods[pod]
	if r.member < 0 {
		return ""
	}
	return c.members[r.member].Name
}

func TestGroupShapeFollowsEKSReservations(t *testing.T) {
	// m5.large: 2 vCPUs, 8192 MiB, eni-max-pods 29. kube-reserved CPU 60m +
	// 10m; memory 255 + 11·29 = 574 MiB, plus the 100 MiB eviction
	// threshold (docs/model.md §10.2).
	s, err := GroupShape(GroupSpec{Name: "g", Instance: mustType(t, "m5.large"), Settings: ipam.DefaultSettings(), DaemonSetPods: 2}, profile(t, "zero"))
	if err != nil {
		t.Fatal(err)
	}
	want := Shape{Known: true, Allocatable: Requests{1930, (8192 - 574 - 100) * mib}, DaemonSet: Requests{CPUMilli: 150}, PodSlots: 27, MaxPods: 29,
		MaxPodsSource: "eks-mng: calculator SIP figure 29, under the 110 cap (2 vCPUs <= 30)"}
	if s != want {
		t.Fatalf("shape %+v, want %+v", s, want)
	}
	cases := []struct {
		req   Requests
		n     int
		limit Limit
	}{
		// 1930 − 150 = 1780m free: three 500m pods fit, not four.
		{Requests{500, 512 * mib}, 3, LimitCPU},
		// 7518 MiB free: one 4 GiB pod.
		{Requests{100, 4096 * mib}, 1, LimitMemory},
		{Requests{}, 27, LimitMaxPods},
		// 1780/65 = 27.4 and 7518/278 = 27.04: all three at 27.
		{Requests{65, 278 * mib}, 27, "max-pods+cpu+memory"},
		{Requests{2000, 0}, 0, LimitCPU},
	}
	for _, tc := range cases {
		if n, l := s.PodsPerNode(tc.req); n != tc.n || l != tc.limit {
			t.Errorf("PodsPerNode(%+v) = %d, %s; want %d, %s", tc.req, n, l, tc.n, tc.limit)
		}
	}
	own := Requests{CPUMilli: 300, MemoryBytes: 1 << 30}
	s2, err := GroupShape(GroupSpec{Name: "g", Instance: mustType(t, "m5.large"), Settings: ipam.DefaultSettings(),
		DaemonSetPods: 3, DaemonSetRequests: &own, MaxPods: 20}, profile(t, "zero"))
	if err != nil {
		t.Fatal(err)
	}
	// The memory reservation stays the eni-max-pods figure's, whatever max pods is.
	if s2.Allocatable != want.Allocatable || s2.DaemonSet != own || s2.PodSlots != 17 || s2.MaxPods != 20 {
		t.Fatalf("shape with own daemonset requests and max pods 20: %+v", s2)
	}
}

func TestScoresAsKubeScheduler(t *testing.T) {
	// An m5.large (1930m, 7518 MiB allocatable) and an m5.xlarge (3920m,
	// 15391 MiB) with the default daemonsets: 150m CPU, and 2 × 200 MiB
	// memory as the scoring counts pods without a memory request. A pod of
	// 500m and 1 GiB (§10.6, worked by hand):
	//   m5.large  least: cpu (1930−650)·100/1930 = 66, memory (7518−1424)·100/7518 = 81 → 73
	//   m5.xlarge least: cpu (3920−650)·100/3920 = 83, memory (15391−1424)·100/15391 = 90 → 86
	//   m5.large  most:  cpu 650·100/1930 = 33, memory 1424·100/7518 = 18 → 25
	//   m5.xlarge most:  cpu 650·100/3920 = 16, memory 1424·100/15391 = 9 → 12
	pod := Requests{500, 1024 * mib}
	large := Requests{1930, 7518 * mib}
	xlarge := Requests{3920, 15391 * mib}
	ds := Requests{150, 400 * mib}
	for _, tc := range []struct {
		p     Placement
		alloc Requests
		want  int64
	}{{LeastAllocated, large, 73}, {LeastAllocated, xlarge, 86}, {MostAllocated, large, 25}, {MostAllocated, xlarge, 12}} {
		if got := score(tc.p, tc.alloc, ds, pod.nonZero()); got != tc.want {
			t.Errorf("%s score on %+v: %d, want %d", tc.p, tc.alloc, got, tc.want)
		}
	}
	// Requests beyond allocatable score 0 (least) or are capped (most).
	if got := score(LeastAllocated, large, ds, Requests{5000, 0}.nonZero()); got != (0+(7518-600)*100/7518)/2 {
		t.Errorf("over-committed least score %d", got)
	}
	if got := score(MostAllocated, large, ds, Requests{5000, 0}.nonZero()); got != (100+600*100/7518)/2 {
		t.Errorf("over-committed most score %d", got)
	}
}

func TestPlacementByScore(t *testing.T) {
	groups := func() []GroupSpec {
		return []GroupSpec{{Name: "large", Instance: mustType(t, "m5.large"), Count: 1},
			{Name: "xlarge", Instance: mustType(t, "m5.xlarge"), Count: 1}}
	}
	pod := Requests{500, 1024 * mib}
	// Least-allocated, pods of 500m and 1 GiB (scores as in
	// TestScoresAsKubeScheduler): the first goes to the m5.xlarge (86 vs
	// 73); the second too, scoring cpu (3920−1150)·100/3920 = 70 and memory
	// (15391−2448)·100/15391 = 84 → 77 against 73; the third to the
	// m5.large, the m5.xlarge now scoring cpu 57 and memory
	// (15391−3472)·100/15391 = 77 → 67.
	_, c := readyCluster(t, LeastAllocated, groups()...)
	var got []string
	for i := range 3 {
		p := fmt.Sprintf("p%d", i)
		if err := c.AddPodRequests([]byte(p), nil, pod); err != nil {
			t.Fatal(err)
		}
		got = append(got, memberOf(c, p))
	}
	if fmt.Sprint(got) != "[xlarge-001 xlarge-001 large-001]" {
		t.Errorf("least-allocated placed on %v", got)
	}
	// Most-allocated: the m5.large (25 vs 12) until its CPU is spent (three
	// pods: 150 + 3·500 = 1650 of 1930), then the m5.xlarge.
	_, c = readyCluster(t, MostAllocated, groups()...)
	got = nil
	for i := range 5 {
		p := fmt.Sprintf("p%d", i)
		if err := c.AddPodRequests([]byte(p), nil, pod); err != nil {
			t.Fatal(err)
		}
		got = append(got, memberOf(c, p))
	}
	if fmt.Sprint(got) != "[large-001 large-001 large-001 xlarge-001 xlarge-001]" {
		t.Errorf("most-allocated placed on %v", got)
	}
}

func TestThreeHalfCorePodsFitAnM5Large(t *testing.T) {
	_, c := readyCluster(t, LeastAllocated, GroupSpec{Name: "ng", Instance: mustType(t, "m5.large"), Count: 1})
	for i := range 4 {
		if err := c.AddPodRequests([]byte(fmt.Sprintf("p%d", i)), nil, Requests{CPUMilli: 500}); err != nil {
			t.Fatal(err)
		}
	}
	if c.PodsPlaced != 3 || c.Pending() != 1 || c.Unschedulable != 0 {
		t.Fatalf("placed %d, pending %d, unschedulable %d; want 3, 1, 0 (1780m free after the daemonsets)", c.PodsPlaced, c.Pending(), c.Unschedulable)
	}
	// A pod asking more than any node has is unschedulable, and does not
	// block the pods behind it (no head-of-line blocking).
	if err := c.AddPodRequests([]byte("big"), nil, Requests{CPUMilli: 1800}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPodRequests([]byte("small"), nil, Requests{CPUMilli: 200}); err != nil {
		t.Fatal(err)
	}
	if c.Unschedulable != 1 || memberOf(c, "small") != "ng-001" || c.Pending() != 2 {
		t.Fatalf("unschedulable %d, small on %q, pending %d; want 1, ng-001, 2", c.Unschedulable, memberOf(c, "small"), c.Pending())
	}
	// Deleting a placed pod makes room for the pending 500m one (80m left +
	// 500m freed), which is the first pending that fits.
	if err := c.DelPod([]byte("p0")); err != nil {
		t.Fatal(err)
	}
	if memberOf(c, "p3") != "ng-001" || c.Pending() != 1 {
		t.Fatalf("after a delete: p3 on %q, pending %d", memberOf(c, "p3"), c.Pending())
	}
}

func TestAutoscalerPacksByResources(t *testing.T) {
	eng := sim.NewEngine()
	c, err := New(eng, Spec{Subnets: []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/24")}},
		Groups: []GroupSpec{{Name: "ng", Instance: mustType(t, "m5.large"), Settings: ipam.DefaultSettings(), Subnets: []string{"a"},
			DaemonSetPods: 2, Autoscale: &Autoscale{Max: 10, BootDelay: 60 * sim.Second, ScanInterval: sim.Second}}},
		Profile: profile(t, "default"), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	for i := range 10 {
		eng.Schedule(sim.Second/2, sim.HandlerFunc(func(sim.Time, int64) {
			if err := c.AddPodRequests([]byte(fmt.Sprintf("p%d", i)), nil, Requests{500, 512 * mib}); err != nil {
				t.Error(err)
			}
		}), 0)
	}
	// A pod no m5.large can take (2 CPUs) is counted and never scaled for.
	eng.Schedule(sim.Second/2, sim.HandlerFunc(func(sim.Time, int64) {
		if err := c.AddPodRequests([]byte("huge"), nil, Requests{CPUMilli: 2000}); err != nil {
			t.Error(err)
		}
	}), 0)
	eng.RunUntil(10 * sim.Minute)
	g := c.Groups()[0]
	// Three 500m pods per node: 3+3+3+1 = four nodes, launched at the first
	// scan (1 s). Scans every second while they boot (60 s) and start ipamd
	// count them as on their way and add none.
	if g.PeakNodes != 4 || len(g.Members) != 4 || c.PodsPlaced != 10 || c.Pending() != 1 || c.Unschedulable != 1 {
		t.Fatalf("peak %d nodes (%d joined), %d placed, %d pending, %d unschedulable; want 4, 4, 10, 1, 1",
			g.PeakNodes, len(g.Members), c.PodsPlaced, c.Pending(), c.Unschedulable)
	}
	for _, m := range g.Members {
		if m.Launched != sim.Second {
			t.Errorf("%s launched at %s, want 1s", m.Name, m.Launched)
		}
	}
	if got, want := g.NodeSeconds(10*sim.Minute), 4*(600.0-1); got != want {
		t.Errorf("node-seconds %g, want %g", got, want)
	}
}

func TestPackFirstFit(t *testing.T) {
	s := Shape{Known: true, Allocatable: Requests{1000, 1000}, DaemonSet: Requests{100, 0}, PodSlots: 3}
	pods := []Requests{{600, 0}, {300, 0}, {600, 0}, {200, 0}, {2000, 0}, {100, 900}, {100, 200}}
	// Bins of 900 free CPU, 3 slots: [600 300] [600 200 100/900] [100/200].
	// 2000m fits no node. With one node already on its way, two are opened.
	opened, left := s.pack(pods, 1, 5, true)
	if opened != 2 || len(left) != 1 || left[0] != (Requests{2000, 0}) {
		t.Fatalf("opened %d, left %v; want 2, [{2000 0}]", opened, left)
	}
	// No room for new nodes: what the one on its way cannot take is left.
	opened, left = s.pack(pods, 1, 0, true)
	if opened != 0 || len(left) != 5 {
		t.Fatalf("with no room: opened %d, left %v", opened, left)
	}
	// Without resource data only pod slots count: 7 pods, 3 a node.
	opened, _ = s.pack(pods, 0, 5, false)
	if opened != 3 {
		t.Fatalf("by slots alone: opened %d, want 3", opened)
	}
}

// TestUniformFastPathAgreesWithScoring checks the scheduler's shortcut for a
// cluster of one shape and one pod size against scoring every node, over
// random adds and deletes.
func TestUniformFastPathAgreesWithScoring(t *testing.T) {
	reqs := []Requests{{}, {100, 256 * mib}, {300, 0}, {0, 700 * mib}, {450, 2000 * mib}}
	for _, pl := range []Placement{LeastAllocated, MostAllocated} {
		for ri, req := range reqs {
			_, c := readyCluster(t, pl, GroupSpec{Name: "ng", Instance: mustType(t, "m5.large"), Count: 5})
			rng := rand.New(rand.NewPCG(uint64(ri), 7))
			var live []string
			for step := range 400 {
				if len(live) > 0 && rng.IntN(3) == 0 {
					k := rng.IntN(len(live))
					if err := c.DelPod([]byte(live[k])); err != nil {
						t.Fatal(err)
					}
					live = append(live[:k], live[k+1:]...)
					continue
				}
				if !c.uniform(req) {
					t.Fatal("a one-shape cluster with one pod size is not uniform")
				}
				fast, slow := c.pick(req), c.bestScore(req)
				if fast != slow {
					t.Fatalf("%s %+v step %d: fast path picks %v, scoring %v", pl, req, step, fast, slow)
				}
				p := fmt.Sprintf("p%d", step)
				if err := c.AddPodRequests([]byte(p), nil, req); err != nil {
					t.Fatal(err)
				}
				live = append(live, p)
			}
		}
	}
}
