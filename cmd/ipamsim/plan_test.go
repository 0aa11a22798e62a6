package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planTrace writes 60 pods without requests, added at 1 s and deleted at
// 20 min.
func planTrace(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("at,op,pod\n")
	for i := range 60 {
		fmt.Fprintf(&b, "1,add,p%02d\n", i)
	}
	for i := range 60 {
		fmt.Fprintf(&b, "1200,del,p%02d\n", i)
	}
	name := filepath.Join(dir, "sixty.csv")
	writeFile(t, name, b.String())
	return name
}

func TestPlanCLIRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	trace := planTrace(t, dir)
	badPrices := filepath.Join(dir, "bad.csv")
	writeFile(t, badPrices, "instance_type,usd_per_hour\nm5.large,cheap\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24"}, "--instance-types is required"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.hugeish"}, "m5.hugeish"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "zz*"}, "matches no instance type"},
		{[]string{"--trace", trace, "--instance-types", "m5.large"}, "a trace needs the subnets"},
		{[]string{"--trace", trace, "--subnet", "10.0.0/24", "--instance-types", "m5.large"}, "--subnet"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--daemonset-cpu", "1x"}, "--daemonset-cpu"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--daemonset-memory", "-1Gi"}, "--daemonset-memory"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--region", "eu-west-1"}, "--prices FILE"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--prices", badPrices}, "bad.csv:2"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--min-free-addresses", "5"}, "needs --max-p99-wait"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "--grid", "WARM_IP_TARGET=a"}, "--grid"},
		{[]string{"--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "m5.large", "-o", "yaml"}, "-o"},
		{[]string{"--trace", trace, "--scenario", "default", "--instance-types", "m5.large"}, "exclude each other"},
		{[]string{"--scenario", "subnet-150-nodes", "--subnet", "10.0.0.0/24", "--instance-types", "m5.large"}, "is a cluster"},
	} {
		code, _, errs := cli(append([]string{"plan"}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("plan %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestPlanCLI: a plan's JSON carries every candidate's figures and the
// recommendation; its shards, merged, print the same plan; no candidate
// meeting the objective is exit status 1.
func TestPlanCLI(t *testing.T) {
	dir := t.TempDir()
	trace := planTrace(t, dir)
	args := []string{"plan", "--trace", trace, "--subnet", "10.0.0.0/24", "--instance-types", "t3.medium,m5.large,m5.xlarge",
		"--max-p99-wait", "1h", "--min-free-addresses", "175", "--workers", "2"}
	code, out, errs := cli(append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Candidates []map[string]any `json:"candidates"`
		Rec        struct {
			InstanceType string `json:"instance_type"`
		} `json:"recommendation"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Candidates) != 3 {
		t.Fatalf("%d candidates", len(doc.Candidates))
	}
	for _, c := range doc.Candidates {
		for _, k := range []string{"instance_type", "settings", "pods_per_node", "nodes_peak", "usd_per_hour", "wait_p99_seconds", "subnet_min_free", "meets"} {
			if _, ok := c[k]; !ok {
				t.Errorf("candidate %v lacks %q", c["instance_type"], k)
			}
		}
	}
	// us-east-1 list prices: t3.medium 0.0416 $/h, m5.large 0.096, m5.xlarge
	// 0.192; 4, 3 and 2 nodes (plan package's TestPlanSixtyPods). Only the
	// t3.medium leaves 175 free addresses (179).
	if got := doc.Candidates[1]["usd_per_node_hour"]; got != 0.096 {
		t.Errorf("m5.large costs %v $/h, want 0.096", got)
	}
	if got := doc.Candidates[0]["usd_per_hour"]; got != 0.166 {
		t.Errorf("t3.medium usd_per_hour %v, want 4 × 0.0416 = 0.166", got)
	}
	if doc.Rec.InstanceType != "t3.medium" {
		t.Errorf("recommended %q", doc.Rec.InstanceType)
	}

	code, whole, errs := cli(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var shards []string
	for i := range 2 {
		code, js, errs := cli(append(args, "-o", "json", "--shard", fmt.Sprintf("%d/2", i))...)
		if code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, code, errs)
		}
		name := filepath.Join(dir, fmt.Sprintf("s%d.json", i))
		writeFile(t, name, js)
		shards = append(shards, name)
	}
	report := filepath.Join(dir, "plan.html")
	code, merged, errs := cli("plan", "merge", "--report", report, shards[0], shards[1])
	if code != 0 || merged != whole {
		t.Fatalf("merge: exit %d (%s); output equal to the whole plan's: %v\n%s", code, errs, merged == whole, merged)
	}
	page, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "t3.medium") {
		t.Errorf("report: %v", err)
	}
	// Asking every subnet to keep 200 free addresses: none can.
	code, out, errs = cli("plan", "merge", "--max-p99-wait", "1h", "--min-free-addresses", "200", shards[0], shards[1])
	if code != 1 || !strings.Contains(out, "none of the 3 candidates meets") || !strings.Contains(errs, "no candidate meets") {
		t.Errorf("impossible objective: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
