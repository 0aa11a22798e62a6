//go:build linux

package main

// The hostile-input probe (issue 12): every example of the issue and a few
// hundred more of the same kinds, run through ipamsim's real entry point in
// a child process (TestMain in probe_child_test.go), each asserting
//
//   - the exit status the case wants: 2 for bad input, 1 for a runtime
//     failure, 0 only for valid input (and never 3, a panic);
//   - no Go panic or runtime fatal error on stderr;
//   - done within seconds (probeTimeout) and under 300 MB resident;
//   - a message naming the input at fault (a flag, or file:line);
//   - the case's directory afterwards: every file that was there unchanged
//     unless the case names it as an output of a successful run, no new
//     file but those outputs, and no temporary file left behind.
//
// Cases marked pending are known to fail until the branch named fixes them:
// they run, and the test fails if one passes (so that the mark is removed).
//
// Run the probe alone, without the race detector (whose memory the limits
// do not allow for): go test -run TestHostileProbe -v ./cmd/ipamsim/

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeCase is one hostile command line.
type probeCase struct {
	class   string   // the class: panic, hang, resource, silent, output, unclear; valid for good input
	name    string   // what it tries
	args    []string // after "ipamsim"
	code    int      // the exit status wanted
	msg     []string // substrings stderr must hold (naming the input at fault)
	outputs []string // files a successful run may create or change
	stdin   string
	setup   func(t *testing.T, dir string) // extra files
	check   func(dir string) error         // extra checks after a clean run
	env     []string
	pending string // the branch that fixes it, or "" (must pass)
}

const (
	probeMaxRSS = 300 << 20 // bytes
)

// probeTimeout is how long one case may take: seconds, not minutes.
func probeTimeout() time.Duration {
	if raceEnabled {
		return 60 * time.Second
	}
	return 15 * time.Second
}

// The files every case's directory starts with.
const (
	probeTrace = "at,op,pod\n0,add,a\n1,add,b\n2,add,c\n30,del,a\n40,del,b\n"
	probeScn   = `name: probe
question: Does the probe run?
instance-type: m5.large
drain: 1m
workload: trace trace.csv
variant: wip WARM_IP_TARGET=2
`
	probeClusterScn = `name: probe-cluster
question: Does a small cluster run?
subnet: nodes 10.0.0.0/24
group: ng type=m5.large count=2 subnets=nodes
drain: 1m
workload: gen churn --rate 1 --mean-lifetime 1m --duration 2m
`
	probeEnv = "WARM_IP_TARGET=2\n"
)

var (
	sweepJSONOnce sync.Once
	sweepJSON     []byte
	sweepJSONErr  error
)

// probeSweepJSON is a small sweep's --out-json, for sweep merge and
// recommend --from cases.
func probeSweepJSON(t *testing.T) []byte {
	sweepJSONOnce.Do(func() {
		dir := t.TempDir()
		writeProbeFiles(t, dir, nil)
		cmd := exec.Command(os.Args[0], "sweep", "--scenario", "s.scn", "--grid", "WARM_IP_TARGET=1,2", "--workers", "1", "--out-json", "sweep.json")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), probeChildEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			sweepJSONErr = fmt.Errorf("making sweep.json: %v\n%s", err, out)
			return
		}
		sweepJSON, sweepJSONErr = os.ReadFile(filepath.Join(dir, "sweep.json"))
	})
	if sweepJSONErr != nil {
		t.Fatal(sweepJSONErr)
	}
	return sweepJSON
}

func writeProbeFiles(t *testing.T, dir string, sweep []byte) {
	t.Helper()
	files := map[string]string{"trace.csv": probeTrace, "s.scn": probeScn, "c.scn": probeClusterScn, "node.env": probeEnv}
	if sweep != nil {
		files["sweep.json"] = string(sweep)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// snapshot describes every file under dir: its type and content hash (a
// symlink: its target).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "symlink " + target
		case d.IsDir():
			out[rel] = "dir"
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file %x", sha256.Sum256(b))
		default:
			out[rel] = "special " + d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHostileProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("the probe runs a few hundred child processes")
	}
	if raceEnabled {
		t.Skip("the probe's time and memory limits hold without the race detector: make probe runs it")
	}
	cases := probeCases()
	sweep := probeSweepJSON(t)
	type tally struct{ tried, clean, pending int }
	var mu sync.Mutex
	classes := map[string]*tally{}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.class+"/"+c.name] {
			t.Fatalf("two cases named %s/%s", c.class, c.name)
		}
		seen[c.class+"/"+c.name] = true
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			// IPAMSIM_PROBE_ALL=1 ignores probeOpen, to list what still fails.
			if c.pending == "" && os.Getenv("IPAMSIM_PROBE_ALL") == "" && probeOpen[strings.ReplaceAll(c.class+"/"+c.name, " ", "_")] {
				c.pending = "hostile"
			}
			t.Run(c.class+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				failed := runProbeCase(t, c, sweep)
				mu.Lock()
				defer mu.Unlock()
				tl := classes[c.class]
				if tl == nil {
					tl = &tally{}
					classes[c.class] = tl
				}
				tl.tried++
				switch {
				case c.pending != "":
					tl.pending++
				case !failed:
					tl.clean++
				}
			})
		}
	})
	names := make([]string, 0, len(classes))
	for k := range classes {
		names = append(names, k)
	}
	sort.Strings(names)
	total := 0
	for _, k := range names {
		tl := classes[k]
		total += tl.tried
		t.Logf("%-9s tried %3d  clean %3d  pending %d", k, tl.tried, tl.clean, tl.pending)
	}
	t.Logf("%d cases", total)
}

// runProbeCase runs one case and reports whether any assertion failed (a
// pending case's failures are logged, not reported; its passing is).
func runProbeCase(t *testing.T, c probeCase, sweep []byte) bool {
	dir := t.TempDir()
	writeProbeFiles(t, dir, sweep)
	if c.setup != nil {
		c.setup(t, dir)
	}
	before := snapshot(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], c.args...)
	cmd.Dir = dir
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd.Env = append(append(os.Environ(), probeChildEnv+"=1", probeRSSEnv+"="+rssFile), c.env...)
	cmd.Stdin = strings.NewReader(c.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)

	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		fail("did not finish within %s (killed)", probeTimeout())
	case err != nil && cmd.ProcessState == nil:
		fail("did not run: %v", err)
	}
	errText := stderr.String()
	if code != c.code {
		fail("exit status %d, want %d", code, c.code)
	}
	for _, bad := range []string{"panic:", "fatal error:", "goroutine ", "ipamsim: internal error"} {
		if strings.Contains(errText, bad) {
			fail("stderr has %q", bad)
		}
	}
	if b, err := os.ReadFile(rssFile); err == nil && !raceEnabled {
		var kb int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(string(b), "VmHWM:"), "%d", &kb); err == nil && kb<<10 > probeMaxRSS {
			fail("peak resident size %d MB, want under %d MB", kb>>10, probeMaxRSS>>20)
		}
	}
	for _, m := range c.msg {
		if !strings.Contains(errText, m) {
			fail("stderr does not name %q", m)
		}
	}
	if c.code != 0 && strings.TrimSpace(errText) == "" {
		fail("exit %d with nothing on stderr", code)
	}

	after := snapshot(t, dir)
	allowed := map[string]bool{}
	if code == 0 {
		for _, o := range c.outputs {
			allowed[o] = true
		}
	}
	for name, was := range before {
		if now, ok := after[name]; !ok {
			fail("%s was removed", name)
		} else if now != was && !allowed[name] {
			fail("%s was changed (%s -> %s)", name, was, now)
		}
	}
	for name := range after {
		if _, ok := before[name]; ok {
			continue
		}
		switch {
		case strings.Contains(filepath.Base(name), ".tmp"):
			fail("temporary file %s left behind", name)
		case !allowed[name]:
			fail("unexpected file %s", name)
		}
	}
	if code == 0 {
		for _, o := range c.outputs {
			if _, ok := after[o]; !ok {
				fail("output %s not written", o)
			}
		}
	}
	if len(problems) == 0 && c.check != nil {
		if err := c.check(dir); err != nil {
			fail("%v", err)
		}
	}

	report := fmt.Sprintf("ipamsim %s\nexit %d in %s\nstderr: %s", strings.Join(c.args, " "), code, elapsed.Round(time.Millisecond), clipText(errText, 600))
	switch {
	case c.pending != "" && len(problems) == 0:
		t.Errorf("pending on %s, but clean now: remove the mark\n%s", c.pending, report)
		return true
	case c.pending != "":
		t.Logf("pending on %s:\n  %s\n%s", c.pending, strings.Join(problems, "\n  "), report)
		return true
	case len(problems) > 0:
		t.Errorf("%s\n  %s", report, strings.Join(problems, "\n  "))
		return true
	}
	return false
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
