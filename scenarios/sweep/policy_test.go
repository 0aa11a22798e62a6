package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestGridPolicies: --policies is the outermost grid dimension, named in the
// points' identities and reruns, and leaves the seeds to the repetition.
func TestGridPolicies(t *testing.T) {
	g, err := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}, Repetitions: 2,
		Policies: []string{"vpc-cni", "terway"}, PolicySets: []string{"terway.max_pool_size=3", "terway.min_pool_size= 1", "terway.max_pool_size=4"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.PolicyParams, []string{"terway.max_pool_size=4", "terway.min_pool_size=1"}) {
		t.Errorf("policy params %q: the last value of a key wins, sorted by key", g.PolicyParams)
	}
	pts := g.Points(7)
	if len(pts) != 12 || g.Len() != 12 {
		t.Fatalf("%d points, Len %d, want 12", len(pts), g.Len())
	}
	for i, p := range pts {
		want := "vpc-cni"
		if i >= 6 {
			want = "terway"
		}
		if p.Policy != want || p.Index != i {
			t.Errorf("point %d: policy %q index %d", i, p.Policy, p.Index)
		}
		if !strings.HasPrefix(p.Canonical(), "policy="+want+" instance-type=m5.large ") || !strings.HasPrefix(p.Combination(), "policy="+want+" ") {
			t.Errorf("point %d: canonical %q combination %q", i, p.Canonical(), p.Combination())
		}
		// Common random numbers: the seed is the repetition's, whatever the policy.
		if p.Seed != PointSeed(7, seedIdentity(p.Repetition)) {
			t.Errorf("point %d: seed %d", i, p.Seed)
		}
	}
	pl := Plan{Workload: WorkloadRef{Scenario: "default"}, EC2Profile: "zero", Seed: 7, Drain: "1m0s", Grid: *g}
	if r := pl.Rerun(&pts[6]); !strings.Contains(r, " --policy terway --policy-set max_pool_size=4 --policy-set min_pool_size=1 --set WARM_IP_TARGET=0") {
		t.Errorf("rerun %s", r)
	}
	if r := pl.Rerun(&pts[0]); !strings.Contains(r, " --policy vpc-cni --set WARM_IP_TARGET=0") || strings.Contains(r, "--policy-set") {
		t.Errorf("rerun %s", r)
	}
	// Without --policies nothing names a policy.
	g0, err := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}})
	if err != nil {
		t.Fatal(err)
	}
	p0 := g0.Points(7)[0]
	b, _ := json.Marshal(g0)
	pb, _ := json.Marshal(p0)
	if p0.Policy != "" || strings.Contains(string(b), "polic") || strings.Contains(string(pb), "polic") ||
		strings.Contains(p0.Canonical(), "policy") || strings.Contains((&Plan{Grid: *g0}).Rerun(&p0), "--policy") {
		t.Errorf("a grid without policies names one: %s %s %s", b, pb, p0.Canonical())
	}
}

func TestGridPolicyErrors(t *testing.T) {
	for _, c := range []struct {
		spec      GridSpec
		flag, msg string
	}{
		{GridSpec{Policies: []string{"vpc-cni,nope"}}, "--policies", "valid: azure-cns, calico, cilium-eni, static, terway, vpc-cni"},
		{GridSpec{Policies: []string{"terway,terway"}}, "--policies", "duplicate"},
		{GridSpec{Policies: []string{" , "}}, "--policies", "empty item (valid: "},
		{GridSpec{PolicySets: []string{"terway.max_pool_size=3"}}, "--policy-set", "needs --policies"},
		{GridSpec{Policies: []string{"vpc-cni"}, PolicySets: []string{"terway.max_pool_size=3"}}, "--policy-set", "not in --policies"},
		{GridSpec{Policies: []string{"terway"}, PolicySets: []string{"terway.max_pool=3"}}, "--policy-set", "valid parameters of terway"},
		{GridSpec{Policies: []string{"terway"}, PolicySets: []string{"terway.max_pool_size=x"}}, "--policy-set", "not a whole number"},
		{GridSpec{Policies: []string{"vpc-cni"}, PolicySets: []string{"vpc-cni.x=1"}}, "--policy-set", "vpc-cni takes no parameters"},
		{GridSpec{Policies: []string{"terway"}, PolicySets: []string{"max_pool_size=3"}}, "--policy-set", "want POLICY.KEY=VALUE"},
		{GridSpec{Policies: []string{"terway"}, PolicySets: []string{"nope.x=3"}}, "--policy-set", "unknown policy"},
	} {
		_, err := ParseGrid(c.spec)
		var ge *GridError
		if !errors.As(err, &ge) || ge.Flag != c.flag || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: %v; want a %s error with %q", c.spec, err, c.flag, c.msg)
		}
	}
}

// TestSweepPolicies runs a sweep over policies on several workers (run it
// with -race: each point builds its own policy) and checks that the explicit
// vpc-cni points are the points of the same sweep without --policies, that
// each point ran its policy, and that shards merge byte for byte.
func TestSweepPolicies(t *testing.T) {
	spec := GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}, Policies: []string{"vpc-cni", "cilium-eni", "static"},
		PolicySets: []string{"cilium-eni.pre-allocate=4"}}
	sw := newSweep(t, spec, "zero", 3, 4)
	doc, err := sw.Run()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}}, "zero", 3, 2).Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) != 9 {
		t.Fatalf("%d points", len(doc.Points))
	}
	for i, p := range doc.Points {
		if p.Summary.Policy != p.Policy {
			t.Errorf("point %d: policy %s ran %s", i, p.Policy, p.Summary.Policy)
		}
		if i < 3 && !reflect.DeepEqual(p.Summary, plain.Points[i].Summary) {
			t.Errorf("point %d: vpc-cni with --policies differs from the sweep without", i)
		}
	}
	if doc.Points[3].Summary.EC2CallsTotal == doc.Points[0].Summary.EC2CallsTotal && doc.Points[3].Summary.MeanAddressesHeld == doc.Points[0].Summary.MeanAddressesHeld {
		t.Error("cilium-eni gives the VPC CNI's figures")
	}
	for _, c := range doc.Frontier {
		if c.Policy == "" || !strings.HasPrefix(c.Label(), c.Policy+" ") {
			t.Errorf("frontier combination %q without its policy", c.Label())
		}
	}
	var text bytes.Buffer
	if err := doc.WriteFrontier(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "point  policy ") {
		t.Errorf("frontier table without a policy column:\n%s", text.String())
	}
	js, csv := outputs(t, doc)
	if !strings.HasPrefix(string(csv), "index,policy,instance_type,assign_order,repetition,seed,WARM_IP_TARGET,") {
		t.Errorf("CSV header %s", strings.SplitN(string(csv), "\n", 2)[0])
	}
	for _, n := range []int{2, 3} {
		var docs []*Document
		var names []string
		for i := 0; i < n; i++ {
			s := newSweep(t, spec, "zero", 3, 2)
			s.Shard = Shard{Index: i, Count: n}
			d, err := s.Run()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := d.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			rd, err := ReadDocument(&b, "shard")
			if err != nil {
				t.Fatal(err)
			}
			docs, names = append(docs, rd), append(names, "shard")
		}
		m, err := Merge(docs, names)
		if err != nil {
			t.Fatal(err)
		}
		mj, mc := outputs(t, m)
		if !bytes.Equal(mj, js) || !bytes.Equal(mc, csv) {
			t.Errorf("%d shards with policies: merged outputs differ", n)
		}
	}
	// A shard of another policy list does not merge.
	other := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=0..2"}, Policies: []string{"vpc-cni", "terway", "static"}}, "zero", 3, 2)
	other.Shard = Shard{Index: 1, Count: 2}
	od, err := other.Run()
	if err != nil {
		t.Fatal(err)
	}
	first := newSweep(t, spec, "zero", 3, 2)
	first.Shard = Shard{Index: 0, Count: 2}
	fd, err := first.Run()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge([]*Document{fd, od}, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "grid") {
		t.Errorf("merging shards of different policy lists: %v", err)
	}
}
