package replay_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

func parse(t *testing.T, text string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.ParseScenario(filepath.Join(t.TempDir(), "s.scn"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

const nodeScn = `name: n
question: What does an m5.xlarge hold?
instance-type: m5.xlarge
max-pods: 20
ec2: zero
drain: 3m
set: WARM_IP_TARGET=2 MINIMUM_IP_TARGET=4
workload: gen churn --rate 1 --mean-lifetime 1m --duration 2m
variant: more WARM_IP_TARGET=6
`

const clusterScn = `name: c
question: Does the subnet last?
subnet: a 10.0.0.0/20
subnet: b 10.0.16.0/20
group: small type=m5.large count=2 subnets=a set=MINIMUM_IP_TARGET=5
group: big type=c5.4xlarge count=1 subnets=b max-pods=50
drain: 90s
workload: gen churn --rate 1 --mean-lifetime 1m --duration 2m
`

// TestPrepareLayers: the scenario gives the defaults, its variant adds
// settings, and overrides win; what changed the question's node is listed.
func TestPrepareLayers(t *testing.T) {
	sc := parse(t, nodeScn)
	s, err := replay.Prepare(replay.Request{Scenario: sc, Overrides: replay.Overrides{Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	n := s.Node
	if n.Instance.Name != "m5.xlarge" || n.MaxPods != 20 || n.Profile.Name != "zero" || s.Drain != sim.Time(3*time.Minute) ||
		n.Drain != s.Drain || n.Settings.WarmIPTarget != 2 || n.Settings.MinimumIPTarget != 4 || n.Seed != 7 || n.Order != ipam.GoMapOrder ||
		n.Policy != nil || s.Variant != scenarios.BaseName || s.IsCluster() {
		t.Errorf("scenario defaults: %+v, drain %v, variant %q", n, s.Drain, s.Variant)
	}
	if s.Question() != sc.Question || s.Heading() != "n: "+sc.Question || s.Workload() != "scenario n" {
		t.Errorf("question %q, heading %q, workload %q", s.Question(), s.Heading(), s.Workload())
	}

	v, err := replay.Prepare(replay.Request{Scenario: sc, Variant: "more"})
	if err != nil || v.Node.Settings.WarmIPTarget != 6 || v.Node.Settings.MinimumIPTarget != 4 || v.Variant != "more" {
		t.Errorf("variant: %v %+v", err, v)
	}

	drain := time.Duration(0)
	jitter := 0.25
	envFile := filepath.Join(t.TempDir(), "aws-node.env")
	if err := os.WriteFile(envFile, []byte("# env\nWARM_IP_TARGET=9\nWARM_ENI_TARGET=0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := replay.Prepare(replay.Request{Scenario: sc, Variant: "more", Overrides: replay.Overrides{
		InstanceType: "c5.large", ENIs: 2, MaxPods: 11, EC2: "default", Drain: &drain, KubeletJitter: &jitter,
		EnvFile: envFile, Settings: []string{"WARM_IP_TARGET=7"}, Order: "random", Policy: "calico", Subnet: "10.9.0.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	n = o.Node
	// The env file comes after the variant, --set after the env file.
	if n.Instance.Name != "c5.large" || n.Instance.MaxENIs != 2 || n.Instance.IPv4PerENI != 10 || n.MaxPods != 11 ||
		n.Profile.Name != "default" || n.Profile.KubeletJitter != 0.25 || o.Drain != 0 || n.Drain != 0 ||
		n.Settings.WarmIPTarget != 7 || n.Settings.WarmENITarget != 0 || n.Settings.MinimumIPTarget != 4 ||
		n.Order != ipam.GoMapOrder || n.Policy == nil || n.Policy.Name() != "calico" || n.Subnet.String() != "10.9.0.0/24" {
		t.Errorf("overrides: %+v", n)
	}
	want := "--instance-type c5.large --enis 2 --max-pods 11 --env-file " + envFile + " --set WARM_IP_TARGET=7 --policy calico"
	if got := strings.Join(o.Overridden, " "); got != want {
		t.Errorf("overridden %q, want %q", got, want)
	}
	if o.Question() != "" || o.Heading() != "n, overridden: "+want {
		t.Errorf("an overridden node keeps the question: %q / %q", o.Question(), o.Heading())
	}

	// Overrides equal to the scenario's own node change nothing it asks.
	same, err := replay.Prepare(replay.Request{Scenario: sc, Overrides: replay.Overrides{InstanceType: "m5.xlarge", MaxPods: 20, Policy: "vpc-cni"}})
	if err != nil || len(same.Overridden) != 0 || same.Question() != sc.Question {
		t.Errorf("same node: %v %q", err, same.Overridden)
	}
}

// TestPrepareTrace: a plain trace runs on DefaultInstanceType with the
// defaults; an unknown type with both limits describes a custom node.
func TestPrepareTrace(t *testing.T) {
	open := func() (scenarios.Reader, error) { return scenarios.NewEventReader("t.csv", nil), nil }
	s, err := replay.Prepare(replay.Request{Trace: open, TraceName: "t.csv", Overrides: replay.Overrides{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := catalog.Lookup(replay.DefaultInstanceType)
	if s.Node.Instance.Name != def.Name || s.Node.MaxPods != 0 || s.Drain != sim.Time(replay.DefaultDrain) ||
		s.Node.Profile.Name != "default" || s.Heading() != "" || s.Workload() != "trace t.csv" || s.Overridden != nil {
		t.Errorf("trace defaults: %+v", s)
	}
	c, err := replay.Prepare(replay.Request{Trace: open, Overrides: replay.Overrides{InstanceType: "lab.node", ENIs: 3, IPv4PerENI: 7}})
	if err != nil || c.Node.Instance.Name != "lab.node" || c.Node.Instance.MaxENIs != 3 || c.Node.Instance.IPv4PerENI != 7 {
		t.Errorf("custom type: %v %+v", err, c)
	}
	var ute *catalog.UnknownTypeError
	if _, err := replay.Prepare(replay.Request{Trace: open, Overrides: replay.Overrides{InstanceType: "lab.node", ENIs: 3}}); !errors.As(err, &ute) {
		t.Errorf("unknown type with --enis only: %v", err)
	}
	out, err := s.Execute(replay.Options{})
	if err != nil || out.Summary.InstanceType != def.Name {
		t.Errorf("Execute: %v", err)
	}
	if _, err := s.ExecuteCluster(replay.ClusterOptions{}); err == nil {
		t.Error("ExecuteCluster of a node setup: no error")
	}
}

// TestPrepareCluster: on a cluster the node overrides reach every group, on
// top of the group's own settings, each group with its own policy.
func TestPrepareCluster(t *testing.T) {
	sc := parse(t, clusterScn)
	s, err := replay.Prepare(replay.Request{Scenario: sc, Overrides: replay.Overrides{Seed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cluster
	if s.Node != nil || !s.IsCluster() || len(c.Groups) != 2 || len(c.Subnets) != 2 || c.Seed != 3 || s.Drain != sim.Time(90*time.Second) {
		t.Fatalf("cluster: %+v", s)
	}
	if g := c.Groups[0]; g.Instance.Name != "m5.large" || g.Settings.MinimumIPTarget != 5 || g.Count != 2 || g.Policy != nil {
		t.Errorf("group small: %+v", g)
	}
	if g := c.Groups[1]; g.Instance.Name != "c5.4xlarge" || g.MaxPods != 50 || g.Settings.MinimumIPTarget != 0 {
		t.Errorf("group big: %+v", g)
	}

	o, err := replay.Prepare(replay.Request{Scenario: sc, Overrides: replay.Overrides{
		InstanceType: "m5.xlarge", ENIs: 2, IPv4PerENI: 5, MaxPods: 17, Policy: "static",
		PolicyParams: map[string]string{"max-pods-per-node": "30"}, Settings: []string{"WARM_IP_TARGET=3"}, EC2: "zero"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range o.Cluster.Groups {
		if g.Instance.Name != "m5.xlarge" || g.Instance.MaxENIs != 2 || g.Instance.IPv4PerENI != 5 || g.MaxPods != 17 ||
			g.Settings.WarmIPTarget != 3 || g.Policy == nil || g.Policy.Name() != "static" {
			t.Errorf("group %d: %+v", i, g)
		}
	}
	if o.Cluster.Groups[0].Settings.MinimumIPTarget != 5 {
		t.Error("the group's own set= was lost")
	}
	if o.Cluster.Groups[0].Policy == o.Cluster.Groups[1].Policy {
		t.Error("two groups share one policy value")
	}
	if o.Cluster.Profile.Name != "zero" {
		t.Errorf("EC2 %s", o.Cluster.Profile.Name)
	}
	if got := strings.Join(o.Warnings, "|"); got != "--instance-type m5.xlarge replaces the types of every group (small m5.large, big c5.4xlarge)" {
		t.Errorf("warnings %q", got)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("no override, warnings %q", s.Warnings)
	}
	// Group small keeps its MINIMUM_IP_TARGET=5: only big trips the entrypoint.
	pd, err := replay.Prepare(replay.Request{Scenario: sc, Overrides: replay.Overrides{Settings: []string{"ENABLE_PREFIX_DELEGATION=true", "WARM_PREFIX_TARGET=0"}}})
	if err != nil || len(pd.Warnings) != 1 || !strings.HasPrefix(pd.Warnings[0], "group big: ENABLE_PREFIX_DELEGATION=true with WARM_PREFIX_TARGET") {
		t.Errorf("entrypoint warnings: %v %q", err, pd.Warnings)
	}
	if got := strings.Join(o.Overridden, " "); !strings.HasPrefix(got, "--instance-type m5.xlarge --enis 2 --ipv4-per-eni 5 --max-pods 17") {
		t.Errorf("overridden %q", got)
	}
	// Both groups already run m5.large: no change of node.
	one := parse(t, strings.Replace(clusterScn, "c5.4xlarge", "m5.large", 1))
	same, err := replay.Prepare(replay.Request{Scenario: one, Overrides: replay.Overrides{InstanceType: "m5.large"}})
	if err != nil || len(same.Overridden) != 0 {
		t.Errorf("same type: %v %q", err, same.Overridden)
	}
	out, err := o.ExecuteCluster(replay.ClusterOptions{})
	if err != nil || out.Summary.PeakNodes != 3 || out.Summary.Groups[1].InstanceType != "m5.xlarge" {
		t.Errorf("ExecuteCluster: %v", err)
	}
	tot := out.Summary.Totals()
	if tot.PodsAdded != out.Summary.PodsAdded || tot.MeanAddressesHeld != out.Summary.MeanAddressesHeld ||
		tot.EC2CallsTotal != out.Summary.EC2CallsTotal || tot.PeakAddressesHeld != out.Summary.PeakHeldSampled {
		t.Errorf("totals %+v", tot)
	}
}

// TestPrepareRefusals: overrides that cannot apply are refused by their
// flag's name.
func TestPrepareRefusals(t *testing.T) {
	node, cl := parse(t, nodeScn), parse(t, clusterScn)
	neg, long, nan := -time.Second, replay.MaxDrain+time.Hour, math.NaN()
	big := filepath.Join(t.TempDir(), "big.env")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 200_000)), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func() (scenarios.Reader, error) { return nil, nil }
	cases := []struct {
		req  replay.Request
		want string
	}{
		{replay.Request{Scenario: node, Variant: "less"}, `--variant "less": scenario n has base, more`},
		{replay.Request{Trace: open, Variant: "more"}, "--variant needs a scenario"},
		{replay.Request{Scenario: cl, Overrides: replay.Overrides{Subnet: "10.1.0.0/16"}}, "--subnet: scenario c is a cluster"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Subnet: "10.1.0.0"}}, "--subnet:"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{ENIs: -1}}, "--enis -1: want 1 to 4096"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{ENIs: 100_000_000_000}}, "--enis 100000000000: want 1 to 4096"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{IPv4PerENI: 1}}, "--ipv4-per-eni 1: want 2 to 4096"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{MaxPods: -3}}, "--max-pods -3: want 1 to 1000000"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Drain: &neg}}, "--drain -1s: want 0 to 1000h0m0s"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Drain: &long}}, "--drain 1001h0m0s: want 0 to 1000h0m0s"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{KubeletJitter: &nan}}, "--kubelet-jitter NaN: want 0 to 10"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Order: "lifo"}}, "--assign-order: unknown assign order"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{EC2: "fast"}}, "--ec2:"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{PolicyParams: map[string]string{"a": "1"}}}, "--policy-set needs --policy"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Policy: "flannel"}}, `unknown policy "flannel"`},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{EnvFile: t.TempDir()}}, "is a directory, not a file of KEY=VALUE lines"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{EnvFile: big}}, "is larger than 1048576 bytes"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Settings: []string{"WARM_IP_TARGET=x"}}}, "WARM_IP_TARGET"},
		{replay.Request{Scenario: node, Overrides: replay.Overrides{Settings: []string{"ENABLE_PREFIX_DELEGATION=true", "WARM_IP_TARGET=0",
			"MINIMUM_IP_TARGET=0", "WARM_PREFIX_TARGET=0"}, StrictEntrypoint: true}}, "--strict-entrypoint: ENABLE_PREFIX_DELEGATION=true"},
		{replay.Request{Scenario: cl, Overrides: replay.Overrides{InstanceType: "m9.huge"}}, `--instance-type: unknown instance type "m9.huge"`},
	}
	for _, c := range cases {
		_, err := replay.Prepare(c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.req.Overrides, err, c.want)
		}
	}
}
