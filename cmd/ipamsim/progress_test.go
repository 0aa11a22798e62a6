//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A run of a few seconds draws its progress line on stderr at a terminal
// (here a pty made by script(1)), and nothing when stderr is a pipe or with
// --quiet (issue 15 item 3).
func TestProgressOnATerminal(t *testing.T) {
	if raceEnabled {
		t.Skip("timed for a build without the race detector: make probe runs it")
	}
	if testing.Short() {
		t.Skip("a few seconds of simulation")
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed")
	}
	dir := t.TempDir()
	scn := "name: long\nquestion: q?\ninstance-type: m5.large\ndrain: 1m\nworkload: gen churn --rate 5 --mean-lifetime 5s --duration 150h\n"
	if err := os.WriteFile(filepath.Join(dir, "long.scn"), []byte(scn), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--scenario", "long.scn", "--ec2", "zero"}
	child := func(name string, arg ...string) *exec.Cmd {
		cmd := exec.Command(name, arg...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), probeChildEnv+"=1")
		return cmd
	}
	atTerminal := func(extra ...string) string {
		t.Helper()
		line := os.Args[0] + " " + strings.Join(append(args, extra...), " ")
		out, err := child(script, "-qec", line, "/dev/null").Output()
		if err != nil {
			t.Fatalf("script -qec %q: %v\n%s", line, err, out)
		}
		if !strings.Contains(string(out), "pods          ") {
			t.Fatalf("no summary at the terminal:\n%q", out)
		}
		return string(out)
	}

	out := atTerminal()
	if n := strings.Count(out, "\ripamsim run: simulated "); n < 2 {
		t.Errorf("%d progress lines at a terminal, want some (the run takes seconds):\n%q", n, out)
	}
	if !strings.Contains(out, " events, ") || !strings.Contains(out, "/s, ") || !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("the line lacks events, rate or its erasure:\n%q", out)
	}
	if q := atTerminal("--quiet"); strings.Contains(q, "ipamsim run: simulated") {
		t.Errorf("--quiet drew progress:\n%q", q)
	}

	cmd := child(os.Args[0], args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 || strings.Contains(stdout.String(), "\r") {
		t.Errorf("piped: stderr %q, stdout has a carriage return: %v", stderr.String(), strings.Contains(stdout.String(), "\r"))
	}
}
