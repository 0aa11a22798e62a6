package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// writeScenario writes the files (name → body) into a new directory and
// returns the path of the first one, the scenario.
func writeScenario(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		writeFile(t, filepath.Join(dir, files[i]), files[i+1])
	}
	return filepath.Join(dir, files[0])
}

// nodeScenario is a single-node scenario whose ec2:, drain: and max-pods:
// lines all change its figures.
const nodeScenario = `name: wiring-node
question: Does compare run the scenario as run does?
instance-type: m5.large
max-pods: 20
ec2: zero
drain: 2m
set: WARM_IP_TARGET=3
workload: gen deploy --prefix web --replicas 24 --create-rate 4 --start 10s --hold 2m --scale-down-to 0 --delete-rate 4
variant: more WARM_IP_TARGET=6
`

// clusterScenario is a small cluster: 3 m5.large nodes and 60 pods, more
// than one node can hold.
const clusterScenario = `name: wiring-cluster
question: Does a sweep point run the cluster its rerun command runs?
subnet: nodes 10.0.0.0/20
group: ng type=m5.large count=3 subnets=nodes
placement: least-allocated
drain: 2m
workload: gen deploy --prefix web --replicas 60 --create-rate 10 --start 1m --hold 5m --scale-down-to 0 --delete-rate 10
`

// TestCompareScenarioFileMatchesRun: compare takes a .scn file and honours
// its ec2:, drain:, max-pods: and set: lines; its vpc-cni column is exactly
// what run prints for the same file.
func TestCompareScenarioFileMatchesRun(t *testing.T) {
	scn := writeScenario(t, "n.scn", nodeScenario)
	for _, variant := range []string{"base", "more"} {
		code, out, errs := cli("run", "--scenario", scn, "--variant", variant, "-o", "json")
		if code != 0 {
			t.Fatalf("run: exit %d: %s", code, errs)
		}
		var ran replay.Summary
		if err := json.Unmarshal([]byte(out), &ran); err != nil {
			t.Fatal(err)
		}
		// The scenario's lines took effect: EC2 zero, max pods 20, and the
		// run ends 2m after the last pod's delete.
		// Max pods 20 binds 20 of the 24 replicas; the scale-down deletes
		// the 4 unschedulable ones first (§5.14).
		if ran.EC2Profile != "zero" || ran.MaxPods != 20 || ran.PodsAdded != 20 || ran.PodsUnschedulable != 4 {
			t.Fatalf("run: EC2 %s, max pods %d, %d pods, %d unschedulable; want zero, 20, 20, 4", ran.EC2Profile, ran.MaxPods, ran.PodsAdded, ran.PodsUnschedulable)
		}
		code, out, errs = cli("compare", "--scenario", scn, "--variant", variant, "--policies", "vpc-cni,static", "-o", "json")
		if code != 0 {
			t.Fatalf("compare: exit %d: %s", code, errs)
		}
		var c comparison
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatal(err)
		}
		if c.EC2Profile != "zero" || c.Variant != variant || c.Workload != "scenario wiring-node" {
			t.Errorf("compare header: %+v", c)
		}
		want, _ := json.Marshal(ran)
		got, _ := json.Marshal(c.Runs[0].Summary)
		if !bytes.Equal(got, want) {
			t.Errorf("variant %s: compare's vpc-cni summary\n%s\ndiffers from run's\n%s", variant, got, want)
		}
	}
}

// TestSweepClusterPointMatchesRerun: a sweep of a cluster scenario runs the
// cluster at every point, and each point's rerun command prints exactly the
// point's cluster figures.
func TestSweepClusterPointMatchesRerun(t *testing.T) {
	scn := writeScenario(t, "c.scn", clusterScenario)
	js := filepath.Join(t.TempDir(), "s.json")
	code, out, errs := cli("sweep", "--scenario", scn, "--grid", "WARM_IP_TARGET=0,2", "--ec2", "zero", "--workers", "2", "--out-json", js)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "2 points") {
		t.Errorf("stdout:\n%s", out)
	}
	doc := readDoc(t, js)
	for _, p := range doc.Points {
		if p.Cluster == nil {
			t.Fatalf("point %d: no cluster summary: the point ran one node", p.Index)
		}
		// 60 pods on 3 nodes: more than one m5.large's 29.
		if p.Cluster.PeakNodes != 3 || p.Cluster.PodsAdded != 60 || p.Summary.PodsAdded != 60 ||
			p.Summary.MeanAddressesHeld != p.Cluster.MeanAddressesHeld || p.Summary.WaitP99Seconds != p.Cluster.WaitP99Seconds {
			t.Errorf("point %d: peak nodes %d, pods %d/%d, held %.1f/%.1f", p.Index, p.Cluster.PeakNodes, p.Cluster.PodsAdded,
				p.Summary.PodsAdded, p.Summary.MeanAddressesHeld, p.Cluster.MeanAddressesHeld)
		}
		args, err := sweep.SplitRerun(p.Rerun)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(append(args, "-o", "json")...)
		if code != 0 {
			t.Fatalf("rerun %s: exit %d: %s", p.Rerun, code, errs)
		}
		want, _ := json.Marshal(p.Cluster)
		var rerun replay.ClusterSummary
		if err := json.Unmarshal([]byte(out), &rerun); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(rerun)
		if !bytes.Equal(got, want) {
			t.Errorf("point %d: rerun %s prints\n%s\nthe sweep has\n%s", p.Index, p.Rerun, got, want)
		}
	}
	if doc.Points[0].Cluster.MeanAddressesHeld == doc.Points[1].Cluster.MeanAddressesHeld {
		t.Error("WARM_IP_TARGET=0 and 2 hold the same addresses: the grid setting did not reach the groups")
	}
}

// runCluster runs the cluster scenario with extra flags and returns its
// summary.
func runClusterJSON(t *testing.T, scn string, args ...string) replay.ClusterSummary {
	t.Helper()
	code, out, errs := cli(append([]string{"run", "--scenario", scn, "--ec2", "zero", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var s replay.ClusterSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestClusterRunOverrides: a cluster run applies --instance-type, --enis
// and --policy to every node group, and refuses --subnet.
func TestClusterRunOverrides(t *testing.T) {
	scn := writeScenario(t, "c.scn", clusterScenario)
	base := runClusterJSON(t, scn)
	if g := base.Groups[0]; g.InstanceType != "m5.large" || base.PodsPendingAtEnd != 0 {
		t.Fatalf("base: %s, %d pending", g.InstanceType, base.PodsPendingAtEnd)
	}

	if g := runClusterJSON(t, scn, "--instance-type", "c5.xlarge").Groups[0]; g.InstanceType != "c5.xlarge" {
		t.Errorf("--instance-type c5.xlarge: the group runs %s", g.InstanceType)
	}

	// --enis 2 on m5.large: 2 ENIs x 9 secondary addresses = 18 per node and
	// max pods 2x9+2 = 20, of which 2 are the group's DaemonSet pods: each
	// node takes 18 of the 60 pods (6 are never placed) and every placed
	// pod gets one of the node's 18 addresses (WARM_ENI_TARGET=1 attaches
	// both ENIs, which stay to the end).
	for _, args := range [][]string{{"--enis", "2"}, {"--enis", "2", "--max-pods", "20"}} {
		s := runClusterJSON(t, scn, append(args, "--drain", "0s")...)
		if s.PodsAdded != 54 || s.PodsUnplaced != 6 || s.PodsNeverAssigned != 0 || s.Groups[0].FinalHeld != 54 {
			t.Errorf("%v: %d pods added, %d never placed, %d never assigned, %d addresses held; want 54, 6, 0, 54",
				args, s.PodsAdded, s.PodsUnplaced, s.PodsNeverAssigned, s.Groups[0].FinalHeld)
		}
	}

	// --policy static with 110 max pods preallocates a /24 per node: 3 x
	// 256 addresses held at the end (as compare's single node shows).
	s := runClusterJSON(t, scn, "--policy", "static", "--policy-set", "max-pods-per-node=110")
	if s.Groups[0].FinalHeld != 3*256 {
		t.Errorf("--policy static: %d addresses held at the end, want %d", s.Groups[0].FinalHeld, 3*256)
	}

	code, _, errs := cli("run", "--scenario", scn, "--subnet", "10.1.0.0/16")
	if code != 2 || !strings.Contains(errs, "--subnet: scenario wiring-cluster is a cluster") {
		t.Errorf("--subnet on a cluster: exit %d, %q", code, errs)
	}
}

// TestRunQuestionOnlyWhenNotOverridden: the scenario's question heads the
// run only when no override changed its node, settings or policy.
func TestRunQuestionOnlyWhenNotOverridden(t *testing.T) {
	question := "on a fresh m5.large with the VPC CNI's defaults"
	cases := []struct {
		args    []string
		heading string // what the first line must contain
	}{
		{nil, question},
		{[]string{"--seed", "3", "--ec2", "zero"}, question},
		{[]string{"--instance-type", "m5.large"}, question},
		{[]string{"--instance-type", "c5.xlarge"}, "scenario      default, overridden: --instance-type c5.xlarge\n"},
		{[]string{"--set", "WARM_IP_TARGET=5", "--enis", "2"}, "scenario      default, overridden: --enis 2 --set WARM_IP_TARGET=5\n"},
		{[]string{"--policy", "calico"}, "scenario      default, overridden: --policy calico\n"},
	}
	for _, c := range cases {
		code, out, errs := cli(append([]string{"run", "--ec2", "zero"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errs)
		}
		first := out[:strings.IndexByte(out, '\n')+1]
		if !strings.Contains(first, c.heading) {
			t.Errorf("%v: first line %q, want it to contain %q", c.args, first, c.heading)
		}
	}
}

// TestWiringRefusals: inputs that one command accepted and another ignored
// are refused by name.
func TestWiringRefusals(t *testing.T) {
	dir := t.TempDir()
	nodeScn := writeScenario(t, "n.scn", nodeScenario)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--scenario", "subnet-150-nodes", "--series", filepath.Join(dir, "s.csv")}, "scenario subnet-150-nodes has 2 variants: choose one with --variant"},
		{[]string{"run", "--scenario", nodeScn, "--sample-every", "10s"}, "--sample-every samples the series of a cluster scenario"},
		{[]string{"compare", "--policies", "vpc-cni,"}, `--policies "vpc-cni,": an empty item`},
		{[]string{"compare", "--scenario", "subnet-150-nodes"}, "scenario subnet-150-nodes is a cluster, and compare's table describes one node"},
		{[]string{"compare", "--scenario", nodeScn, "--variant", "less"}, `--variant "less": scenario wiring-node has base, more`},
		{[]string{"run", "--trace", dir}, "--trace: " + dir + ": is a directory"},
		{[]string{"compare", "--trace", dir}, "--trace: " + dir + ": is a directory"},
		{[]string{"sweep", "--trace", dir}, "--trace: " + dir + ": is a directory"},
		{[]string{"run", "--enis", "100000000000"}, "--enis 100000000000: want 1 to 4096"},
		{[]string{"run", "--drain", "2562047h"}, "--drain 2562047h0m0s: want 0 to 1000h0m0s"},
		{[]string{"sweep", "--scenario", nodeScn, "--variant", "less"}, `--variant "less"`},
	}
	for _, c := range cases {
		code, _, errs := cli(c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// TestTraceErrorsNameTheFile: an event the node or cluster cannot apply, in
// a scenario's trace file, is reported with that file, its line and the
// field at fault (the node column for a node the cluster does not have).
func TestTraceErrorsNameTheFile(t *testing.T) {
	node := writeScenario(t, "n.scn", `name: t
question: q?
instance-type: m5.large
workload: trace pods.csv
workload: gen churn --prefix gen --rate 0.1 --mean-lifetime 1m --duration 5m
`, "pods.csv", "at,op,pod\n1,add,a\n2,del,zz\n")
	cl := writeScenario(t, "c.scn", `name: c
question: q?
subnet: nodes 10.0.0.0/24
group: ng type=m5.large count=1 subnets=nodes
workload: trace pods.csv
`, "pods.csv", "at,op,pod,node\n60,add,a,ng-001\n61,add,b,ng-404\n")
	cases := []struct{ scn, want string }{
		{node, filepath.Join(filepath.Dir(node), "pods.csv") + `:3: field "pod": del of pod "zz"`},
		{cl, filepath.Join(filepath.Dir(cl), "pods.csv") + `:3: field "node": pod "b" names node "ng-404"`},
	}
	for _, c := range cases {
		code, _, errs := cli("run", "--scenario", c.scn)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.scn, code, errs, c.want)
		}
	}
}
