package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func runMaxPodsCapture(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runMaxPods(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// eniMaxPodsEntries returns the non-comment, non-blank lines of upstream's
// eni-max-pods.txt (the verbatim copy kept as the catalogue's test data,
// docs/model.md §5.11), each followed by "\n".
func eniMaxPodsEntries(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "ipam", "catalog", "testdata", "eni-max-pods.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMaxPodsAllMatchesENIMaxPodsFile(t *testing.T) {
	want := eniMaxPodsEntries(t)
	code, out, errOut := runMaxPodsCapture()
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != want {
		gl, wl := strings.Split(out, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("line %d: got %q, want %q", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("got %d lines, want %d", len(gl), len(wl))
	}
	if n := strings.Count(out, "\n"); n != 1391 {
		t.Errorf("%d lines, want 1391", n)
	}
	// An explicit empty argument list behaves the same.
	if _, out2, _ := runMaxPodsCapture([]string{}...); out2 != want {
		t.Error("runMaxPods([]string{}) differs from runMaxPods(nil)")
	}
}

func TestMaxPodsCLIVariants(t *testing.T) {
	// Figures worked out by hand (docs/model.md §5.1–§5.5):
	// m5.large 3 ENIs L=10; t3.medium 3 ENIs L=6; m4.large (xen) 2 ENIs L=10;
	// c6in.metal (bare metal) 8 ENIs L=50.
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"m5.large"}, "m5.large 29\n"},
		{[]string{"m5.large", "t3.medium", "m4.large"}, "m5.large 29\nt3.medium 17\nm4.large 20\n"},
		{[]string{"t3.medium", "m5.large"}, "t3.medium 17\nm5.large 29\n"}, // argument order kept
		{[]string{"m5.large", "m5.large"}, "m5.large 29\nm5.large 29\n"},
		{[]string{"--prefix-delegation", "m5.large", "t3.medium", "m4.large", "c6in.metal"},
			"m5.large 434\nt3.medium 242\nm4.large 20\nc6in.metal 6274\n"},
		{[]string{"m5.large", "--prefix-delegation"}, "m5.large 434\n"}, // flags after types
		{[]string{"--custom-networking", "m5.large", "m4.large"}, "m5.large 20\nm4.large 11\n"},
		{[]string{"--max-eni", "2", "m5.large"}, "m5.large 20\n"},
		{[]string{"--max-eni=1", "m5.large"}, "m5.large 11\n"},
		{[]string{"--max-eni", "0", "m5.large"}, "m5.large 29\n"},   // 0 = no cap
		{[]string{"--max-eni", "100", "m5.large"}, "m5.large 29\n"}, // above the limit
		{[]string{"--max-eni", "2", "--custom-networking", "m5.large"}, "m5.large 11\n"},
		{[]string{"--max-eni", "1", "--custom-networking", "m5.large"}, "m5.large 2\n"},
		{[]string{"--prefix-delegation", "--max-pods-cap", "110", "m5.large", "t3.medium"}, "m5.large 110\nt3.medium 110\n"},
		{[]string{"--prefix-delegation", "--max-pods-cap=250", "m5.large", "m4.large"}, "m5.large 250\nm4.large 20\n"},
		{[]string{"--max-pods-cap", "110", "m5.large"}, "m5.large 29\n"},
		{[]string{"--prefix-delegation", "--custom-networking", "--max-eni", "2", "m5.large"}, "m5.large 146\n"}, // 1*9*16+2
		{[]string{"--prefix-delegation=false", "m5.large"}, "m5.large 29\n"},
		{[]string{"--", "m5.large"}, "m5.large 29\n"},
	}
	for _, tc := range tests {
		code, out, errOut := runMaxPodsCapture(tc.args...)
		if code != 0 || errOut != "" || out != tc.want {
			t.Errorf("maxpods %q: exit %d, stdout %q, stderr %q; want exit 0, stdout %q",
				tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestMaxPodsAllPrefixDelegation(t *testing.T) {
	sip := strings.Split(strings.TrimSuffix(eniMaxPodsEntries(t), "\n"), "\n")
	code, out, errOut := runMaxPodsCapture("--prefix-delegation")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	pd := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(pd) != len(sip) {
		t.Fatalf("%d lines, want %d", len(pd), len(sip))
	}
	same, bigger := 0, 0
	for i := range sip {
		sn, sv, _ := strings.Cut(sip[i], " ")
		pn, pv, _ := strings.Cut(pd[i], " ")
		s, _ := strconv.Atoi(sv)
		p, err := strconv.Atoi(pv)
		if sn != pn || err != nil {
			t.Fatalf("line %d: %q vs %q", i+1, pd[i], sip[i])
		}
		switch {
		case p == s:
			same++ // no PD support
		case p == (s-2)*16+2:
			bigger++
		default:
			t.Errorf("%s: PD %d, SIP %d", pn, p, s)
		}
	}
	// 80 xen types and 2 non-metal types with an unknown hypervisor keep SIP.
	if same != 82 || bigger != 1391-82 {
		t.Errorf("%d types kept SIP, %d got PD; want 82 and %d", same, bigger, 1391-82)
	}
}

func TestMaxPodsUnknownType(t *testing.T) {
	for _, args := range [][]string{
		{"m5.lage"},
		{"m5.large", "m5.lage"}, // a valid type first: still nothing printed
		{"--prefix-delegation", "m5.lage", "t3.medium"},
	} {
		code, out, errOut := runMaxPodsCapture(args...)
		if code != 2 {
			t.Errorf("maxpods %q: exit %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("maxpods %q: stdout %q, want nothing", args, out)
		}
		const want = "ipamsim maxpods: unknown instance type \"m5.lage\"; did you mean m5.large, c5.large, m1.large?\n"
		if errOut != want {
			t.Errorf("maxpods %q: stderr %q, want %q", args, errOut, want)
		}
	}
	// Every unknown type is reported.
	code, out, errOut := runMaxPodsCapture("foo", "m5.large", "t3.medum")
	if code != 2 || out != "" || strings.Count(errOut, "ipamsim maxpods: unknown instance type") != 2 ||
		!strings.Contains(errOut, `"foo"`) || !strings.Contains(errOut, `"t3.medum"; did you mean t3.medium`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestMaxPodsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--max-eni", "x", "m5.large"}, `invalid argument "x" for "--max-eni"`},
		{[]string{"--max-eni=2.5"}, `invalid argument "2.5" for "--max-eni"`},
		{[]string{"--max-eni", "-1", "m5.large"}, "--max-eni must be 0 (no cap) or 1 to 4096, got -1"},
		{[]string{"--max-eni=-3"}, "--max-eni must be 0 (no cap) or 1 to 4096, got -3"},
		{[]string{"--max-pods-cap", "-110"}, "--max-pods-cap must be 0 (no cap) or 1 to 1000000, got -110"},
		{[]string{"--max-pods-cap", "abc"}, `invalid argument "abc" for "--max-pods-cap"`},
		{[]string{"--max-pods-cap", "99999999999999999999"}, `invalid argument "99999999999999999999"`},
		{[]string{"--max-eni"}, "flag needs an argument"},
		{[]string{"--bogus", "m5.large"}, "unknown flag: --bogus"},
		{[]string{"-x"}, "unknown shorthand flag: 'x'"},
		{[]string{"--prefix-delegation=maybe"}, `invalid argument "maybe" for "--prefix-delegation"`},
	}
	for _, tc := range tests {
		code, out, errOut := runMaxPodsCapture(tc.args...)
		if code != 2 {
			t.Errorf("maxpods %q: exit %d, want 2", tc.args, code)
		}
		if out != "" {
			t.Errorf("maxpods %q: stdout %q, want nothing", tc.args, out)
		}
		if !strings.HasPrefix(errOut, "ipamsim maxpods: ") || !strings.Contains(errOut, tc.msg) {
			t.Errorf("maxpods %q: stderr %q, want \"ipamsim maxpods: ...%s...\"", tc.args, errOut, tc.msg)
		}
		if !strings.Contains(errOut, "Usage: ipamsim maxpods") || !strings.Contains(errOut, "--max-pods-cap") {
			t.Errorf("maxpods %q: stderr lacks the usage: %q", tc.args, errOut)
		}
	}
}

func TestMaxPodsHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"m5.lage", "-h"}, {"--prefix-delegation", "--help", "m5.large"}} {
		code, out, errOut := runMaxPodsCapture(args...)
		if code != 0 || errOut != "" {
			t.Errorf("maxpods %q: exit %d, stderr %q; want 0 and no stderr", args, code, errOut)
		}
		if !strings.HasPrefix(out, "Usage: ipamsim maxpods") {
			t.Errorf("maxpods %q: stdout %q, want the usage", args, out)
		}
		for _, f := range []string{"--prefix-delegation", "--custom-networking", "--max-eni", "--max-pods-cap", "-h, --help"} {
			if !strings.Contains(out, f) {
				t.Errorf("maxpods %q: usage lacks %s", args, f)
			}
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestMaxPodsWriteError(t *testing.T) {
	var errOut bytes.Buffer
	if code := runMaxPods([]string{"m5.large"}, failingWriter{}, &errOut); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut.String(), "disk full") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// TestRunAndMaxPodsAgree: run and maxpods take max pods from the same rule
// (catalog.NodeMaxPods). c6g.4xlarge (8 ENIs of 30 IPv4, 16 vCPUs) with
// custom networking: the calculator's raw figure, 7·29+2 = 205, is what
// maxpods prints by default; what an EKS managed node group sets, and run
// uses, is that capped at 110. With prefix delegation too: 7·(29·16)+2 =
// 3,250 raw, 110 set.
func TestRunAndMaxPodsAgree(t *testing.T) {
	for _, tc := range []struct {
		sets     []string
		flags    []string
		raw, eks int
	}{
		{[]string{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true"}, []string{"--custom-networking"}, 205, 110},
		{[]string{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true", "ENABLE_PREFIX_DELEGATION=true"}, []string{"--custom-networking", "--prefix-delegation"}, 3250, 110},
	} {
		_, raw, _ := runMaxPodsCapture(append(tc.flags, "c6g.4xlarge")...)
		_, eks, _ := runMaxPodsCapture(append(tc.flags, "--max-pods-from", "eks", "c6g.4xlarge")...)
		if raw != fmt.Sprintf("c6g.4xlarge %d\n", tc.raw) || eks != fmt.Sprintf("c6g.4xlarge %d\n", tc.eks) {
			t.Errorf("maxpods %v: raw %q, eks %q; want %d and %d", tc.flags, raw, eks, tc.raw, tc.eks)
		}
		args := []string{"run", "--instance-type", "c6g.4xlarge", "--ec2", "zero", "-o", "json"}
		for _, s := range tc.sets {
			args = append(args, "--set", s)
		}
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 0 {
			t.Fatalf("run exit %d: %s", code, errb.String())
		}
		var sum struct {
			MaxPods int    `json:"max_pods"`
			Source  string `json:"max_pods_source"`
		}
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("figure %d (custom networking) capped at 110 (16 vCPUs <= 30)", tc.raw); sum.MaxPods != tc.eks || !strings.Contains(sum.Source, want) {
			t.Errorf("run %v: max pods %d (%s), want %d (… %s)", tc.sets, sum.MaxPods, sum.Source, tc.eks, want)
		}
	}
}
