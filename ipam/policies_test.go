package ipam

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// polNode drives one node under a policy on the "zero" EC2 profile (every
// call instant, never throttled, the kubelet retrying exactly 10 s later).
// The node is ready at t=0; a policy with its own clock ticks at k+0.5 s.
type polNode struct {
	t   *testing.T
	eng *sim.Engine
	n   *Node
}

func newPolNode(t *testing.T, instance string, p Policy, sets ...string) *polNode {
	t.Helper()
	it, err := catalog.Lookup(instance)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := ec2.ProfileByName("zero")
	if err != nil {
		t.Fatal(err)
	}
	st := DefaultSettings()
	for _, kv := range append(p.Settings(), sets...) {
		k, v, err := ParseAssignment("test", kv)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Set("test", k, v); err != nil {
			t.Fatal(err)
		}
	}
	eng := sim.NewEngine()
	n, _, err := NewNode(eng, Config{Name: "node-1", Instance: it, Settings: st, Profile: prof, Seed: 1, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	n.Start()
	return &polNode{t: t, eng: eng, n: n}
}

func mustPolicy(t *testing.T, name string, params map[string]string) Policy {
	t.Helper()
	p, err := NewPolicy(name, params)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *polNode) at(s float64, f func()) {
	h.eng.Schedule(sim.Seconds(s), sim.HandlerFunc(func(sim.Time, int64) { f() }), 0)
}

// add creates pods prefix0 … prefix(k−1) at second s.
func (h *polNode) add(s float64, prefix string, k int) {
	h.at(s, func() {
		for i := 0; i < k; i++ {
			if err := h.n.AddPod([]byte(fmt.Sprintf("%s%d", prefix, i))); err != nil {
				h.t.Error(err)
			}
		}
	})
}

func (h *polNode) del(s float64, prefix string, k int) {
	h.at(s, func() {
		for i := 0; i < k; i++ {
			if err := h.n.DelPod([]byte(fmt.Sprintf("%s%d", prefix, i))); err != nil {
				h.t.Error(err)
			}
		}
	})
}

func (h *polNode) run(s float64) { h.eng.RunUntil(sim.Seconds(s)) }

// expect checks ENIs, addresses held and addresses assigned at second s.
func (h *polNode) expect(s float64, enis, total, assigned int) {
	h.t.Helper()
	h.run(s)
	st := h.n.Stats()
	if st.ENIs != enis || st.TotalIPs != total || st.AssignedIPs != assigned {
		h.t.Errorf("t=%gs: ENIs %d, held %d, assigned %d; want %d, %d, %d", s, st.ENIs, st.TotalIPs, st.AssignedIPs, enis, total, assigned)
	}
}

func TestPolicyNamesSorted(t *testing.T) {
	got := PolicyNames()
	want := []string{"azure-cns", "calico", "cilium-eni", "static", "terway", "vpc-cni"}
	if !slices.Equal(got, want) {
		t.Fatalf("PolicyNames() = %v, want %v", got, want)
	}
	for _, name := range got {
		p, err := NewPolicy(name, nil)
		if err != nil {
			t.Fatalf("NewPolicy(%s, defaults): %v", name, err)
		}
		if p.Name() != name {
			t.Errorf("NewPolicy(%s).Name() = %s", name, p.Name())
		}
	}
	if _, ok := mustPolicy(t, "vpc-cni", nil).(*policy).kind.(vpcCNI); !ok {
		t.Error("vpc-cni is not the VPC CNI's ipamd")
	}
}

func TestNewPolicyErrors(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
		want   []string // substrings of the error
	}{
		{"flannel", nil, []string{`unknown policy "flannel"`, "azure-cns, calico, cilium-eni, static, terway, vpc-cni"}},
		{"vpc-cni", map[string]string{"WARM_IP_TARGET": "5"}, []string{`unknown parameter "WARM_IP_TARGET"`, "vpc-cni takes no parameters"}},
		{"cilium-eni", map[string]string{"preallocate": "4"}, []string{`unknown parameter "preallocate"`, "pre-allocate=8", "excess-ip-release-delay=180"}},
		{"cilium-eni", map[string]string{"pre-allocate": "four"}, []string{`pre-allocate="four"`, "not a whole number", "pre-allocate=8"}},
		{"cilium-eni", map[string]string{"ipam-cilium-node-update-rate": "soon"}, []string{"ipam-cilium-node-update-rate", "duration"}},
		{"azure-cns", map[string]string{"EnableIPAMv2": "maybe"}, []string{"EnableIPAMv2", "boolean", "BatchSize=16"}},
		{"terway", map[string]string{"min_pool_size": "9"}, []string{"must not exceed max_pool_size", "max_pool_size=5"}},
		{"terway", map[string]string{"idle_ip_reclaim_jitter_factor": "2"}, []string{"idle_ip_reclaim_jitter_factor", "0 to 1"}},
		{"calico", map[string]string{"blockSize": "30"}, []string{"blockSize", "between 22 and 28", "blockSize=26"}},
		{"static", map[string]string{"max-pods": "110"}, []string{`unknown parameter "max-pods"`, "max-pods-per-node=0"}},
	}
	for _, c := range cases {
		_, err := NewPolicy(c.name, c.params)
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("NewPolicy(%s, %v) = %v, want a *PolicyError", c.name, c.params, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("NewPolicy(%s, %v): %q lacks %q", c.name, c.params, err, w)
			}
		}
	}
}

// TestPolicyParamsDefaults checks that every declared default parses and
// that the parsed policy carries the project's defaults.
func TestPolicyParamsDefaults(t *testing.T) {
	c := mustPolicy(t, "cilium-eni", nil).(*policy).kind.(*cilium)
	if c.PreAllocate != 8 || c.ReleaseDelay != 180*sim.Second || c.ReleaseExcessIPs || c.NodeUpdateRate != 15*sim.Second ||
		c.IntervalRefresh != sim.Minute || c.ResyncInterval != sim.Second {
		t.Errorf("cilium-eni defaults: %+v", c)
	}
	a := mustPolicy(t, "azure-cns", nil).(*policy).kind.(*azure)
	if a.V2 || a.BatchSize != 16 || a.RequestPercent != 50 || a.ReleasePercent != 150 {
		t.Errorf("azure-cns defaults: %+v", a)
	}
	w := mustPolicy(t, "terway", nil).(*policy).kind.(*terway)
	if w.MaxPoolSize != 5 || w.MinPoolSize != 0 || w.ReclaimAfter != 0 || w.ReclaimEvery != 10*sim.Minute ||
		w.ReclaimBatch != 5 || w.ReclaimJitter != 0.1 || w.GCPeriod != 2*sim.Minute {
		t.Errorf("terway defaults: %+v", w)
	}
	k := mustPolicy(t, "calico", nil).(*policy).kind.(*calico)
	if k.BlockSize != 26 || k.MaxBlocksPerHost != 0 || k.StrictAffinity || k.LeakGracePeriod != 15*sim.Minute {
		t.Errorf("calico defaults: %+v", k)
	}
	for _, name := range PolicyNames() {
		ps, _ := PolicyParams(name)
		for _, p := range ps {
			if p.Help == "" {
				t.Errorf("%s.%s has no help", name, p.Name)
			}
		}
	}
}

// TestPoliciesDeterministic runs each policy twice on the same churn and
// compares the counters.
func TestPoliciesDeterministic(t *testing.T) {
	for _, name := range PolicyNames() {
		params := map[string]string(nil)
		switch name {
		case "terway":
			params = map[string]string{"idle_ip_reclaim_after": "1m", "idle_ip_reclaim_interval": "2m"}
		case "cilium-eni":
			params = map[string]string{"aws-release-excess-ips": "true"}
		}
		var got [2]string
		for i := range got {
			h := newPolNode(t, "m5.large", mustPolicy(t, name, params))
			for k := 0; k < 20; k++ {
				h.add(float64(10+k*7), fmt.Sprintf("p%d-", k), 3)
				h.del(float64(40+k*7), fmt.Sprintf("p%d-", k), 3)
			}
			h.run(1200)
			c := h.n.Counters
			got[i] = fmt.Sprint(c.EC2Requests, c.PodsWaited, c.PeakTotalIPs, c.HeldIPSeconds, c.Wait.Quantile(0.99))
		}
		if got[0] != got[1] {
			t.Errorf("%s is not deterministic:\n%s\n%s", name, got[0], got[1])
		}
	}
}

// TestPolicyOneValueManyNodes: a policy value holds only its parameters and
// each node attaches its own controller, so one value can serve several nodes
// (as a node group shares it).
func TestPolicyOneValueManyNodes(t *testing.T) {
	p := mustPolicy(t, "cilium-eni", nil)
	a := newPolNode(t, "m5.large", p)
	b := newPolNode(t, "m5.large", p)
	a.add(30, "a", 5)
	a.expect(40, 2, 13, 5)
	b.expect(40, 1, 8, 0)
}

func (c *Counters) totalEC2() uint64 {
	var t uint64
	for _, v := range c.EC2Requests {
		t += v
	}
	return t
}
