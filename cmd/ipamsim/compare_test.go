package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

func runCompareCapture(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runCompare(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCompareDefaultScenario(t *testing.T) {
	code, out, errOut := runCompareCapture("", "--ec2", "zero")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"scenario  default", "vpc-cni", "cilium-eni", "azure-cns", "terway", "static", "calico",
		"addresses held, peak", "idle IP-seconds", "pod IP wait p99 (s)", "pods that waited", "EC2 calls throttled", "ENIs, peak",
		"static: node settings IP_COOLDOWN_PERIOD=0 ENABLE_PREFIX_DELEGATION=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The same seed gives the same table.
	_, again, _ := runCompareCapture("", "--ec2", "zero")
	if again != out {
		t.Error("two runs with the same seed differ")
	}
}

func TestCompareJSONAndCSV(t *testing.T) {
	args := []string{"--ec2", "zero", "--policies", "vpc-cni,static", "--policy-set", "static.max-pods-per-node=110"}
	code, out, errOut := runCompareCapture("", append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Runs) != 2 || c.Runs[0].Policy != "vpc-cni" || c.Runs[1].Policy != "static" {
		t.Fatalf("runs: %+v", c.Runs)
	}
	if got := c.Runs[1].Summary.PeakAddressesHeld; got != 256 {
		t.Errorf("static with 110 max pods holds %d, want 256 (/24)", got)
	}
	if c.Runs[1].Params["max-pods-per-node"] != "110" {
		t.Errorf("params not reported: %v", c.Runs[1].Params)
	}
	code, out, errOut = runCompareCapture("", append(args, "-o", "csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "policy" || rows[1][0] != "vpc-cni" || rows[2][1] != "256" {
		t.Errorf("csv: %v", rows)
	}
}

func TestCompareUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--policies", "vpc-cni,flannel"}, []string{`unknown policy "flannel"`, "azure-cns, calico, cilium-eni, static, terway, vpc-cni"}},
		{[]string{"--policies", "cilium-eni", "--policy-set", "cilium-eni.preallocate=4"}, []string{`unknown parameter "preallocate"`, "pre-allocate=8"}},
		{[]string{"--policies", "cilium-eni", "--policy-set", "cilium-eni.pre-allocate=x"}, []string{"not a whole number"}},
		{[]string{"--policies", "cilium-eni", "--policy-set", "terway.max_pool_size=3"}, []string{"not in --policies"}},
		{[]string{"--policy-set", "pre-allocate=3"}, []string{"POLICY.KEY=VALUE"}},
		{[]string{"--policies", "vpc-cni,vpc-cni"}, []string{"given twice"}},
		{[]string{"-o", "yaml"}, []string{"text, json or csv"}},
		{[]string{"--scenario", "default", "--trace", "x.csv"}, []string{"exclude each other"}},
		{[]string{"--scenario", "nosuch"}, []string{"nosuch"}},
	}
	for _, c := range cases {
		code, _, errOut := runCompareCapture("", c.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
}

// TestCompareTraceFromStdin replays one trace, read once from stdin, under
// two policies, and writes the table to --out.
func TestCompareTraceFromStdin(t *testing.T) {
	trace := "at,op,pod\n10,add,a\n10,add,b\n20,del,a\n"
	dir := t.TempDir()
	outFile := filepath.Join(dir, "cmp.txt")
	code, out, errOut := runCompareCapture(trace, "--trace", "-", "--ec2", "zero", "--policies", "vpc-cni,calico", "--out", outFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout not empty with --out: %q", out)
	}
	body, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "trace     -") || !strings.Contains(string(body), "calico") {
		t.Errorf("--out file:\n%s", body)
	}
}

func TestParsePolicySets(t *testing.T) {
	params, err := parsePolicySets([]string{"max_pool_size=8", " min_pool_size =2"})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := replay.Prepare(replay.Request{Scenario: mustScenario(t, "default"),
		Overrides: replay.Overrides{Policy: "terway", PolicyParams: params}})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(setup.Node.Policy); !strings.Contains(s, " max_pool_size=8") || !strings.Contains(s, " min_pool_size=2") {
		t.Errorf("terway parsed as %s", s)
	}
	var ue usageError
	if _, err := parsePolicySets([]string{"max_pool_size"}); err == nil || !asUsage(err, &ue) {
		t.Errorf("KEY without =VALUE: %v, want a usage error", err)
	}
	var code int
	var errb bytes.Buffer
	if code = run([]string{"run", "--policy", "nosuch"}, nil, io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), `unknown policy "nosuch"`) {
		t.Errorf("unknown policy: exit %d, %s", code, errb.String())
	}
}

func mustScenario(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func asUsage(err error, ue *usageError) bool {
	u, ok := err.(usageError)
	if ok {
		*ue = u
	}
	return ok
}
