package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/ec2"
)

// TestEC2ProfileCommand: `ipamsim ec2-profile` prints the built-in latencies
// (docs/ec2-latency.md's table) in the format --ec2-profile reads back.
func TestEC2ProfileCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"ec2-profile"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Rows of docs/ec2-latency.md's table, worked out there from the dump.
	for _, row := range []string{"api,p50_ms,p99_ms\n", "\nAttachNetworkInterface,460,1840\n", "\nIMDSVisible,1500,20000\n", "\nThrottled,110,440\n"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("no %q in\n%s", row, out.String())
		}
	}
	got, err := ec2.ParseEC2Profile("stdout", &out, ec2.EC2Latencies{})
	if err != nil || got != ec2.DefaultEC2Latencies() {
		t.Errorf("printed profile reads back as %+v, %v", got, err)
	}
	if code := run([]string{"ec2-profile", "x"}, nil, &out, &errb); code != 2 {
		t.Errorf("ec2-profile x: exit %d, want 2", code)
	}
	out.Reset()
	if code := run([]string{"ec2-profile", "--help"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "Usage: ipamsim ec2-profile") {
		t.Errorf("ec2-profile --help: exit %d, %q", code, out.String())
	}
}

// TestEC2ProfileFlag: a profile whose attaches take 20 s (§7.14) delays every
// pod that waits for a new ENI by about 20 s more, so the default scenario's
// p99 wait rises by at least 15 s; a misspelled API is refused with exit
// status 2 naming the file, line and field, by every command that runs.
func TestEC2ProfileFlag(t *testing.T) {
	dir := t.TempDir()
	slow, bad := filepath.Join(dir, "slow.csv"), filepath.Join(dir, "bad.csv")
	writeFile(t, slow, "# attaches of 20 s\napi,p50_ms,p99_ms\nAttachNetworkInterface,20000,20000\n")
	writeFile(t, bad, "api,p50_ms,p99_ms\nAtachNetworkInterface,900,6000\n")
	p99 := func(args ...string) (float64, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"run", "-o", "json"}, args...), nil, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		var sum struct {
			P99     float64 `json:"wait_p99_seconds"`
			Profile string  `json:"ec2_profile"`
		}
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		return sum.P99, sum.Profile
	}
	base, _ := p99()
	slowed, name := p99("--ec2-profile", slow)
	if slowed < base+15 || name != "default + "+slow {
		t.Errorf("p99 wait %.1f s with 20 s attaches (%q), %.1f s without: want at least 15 s more", slowed, name, base)
	}
	want := bad + `:2: field "api": unknown API "AtachNetworkInterface"; did you mean AttachNetworkInterface?`
	for _, cmd := range [][]string{{"run"}, {"compare", "--policies", "vpc-cni,terway"}, {"sweep", "--grid", "WARM_IP_TARGET=1,2"}} {
		var out, errb bytes.Buffer
		if code := run(append(cmd, "--ec2-profile", bad), nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), want) {
			t.Errorf("%s --ec2-profile with a misspelled API: exit %d, %q; want 2 and %q", cmd[0], code, errb.String(), want)
		}
	}
}
