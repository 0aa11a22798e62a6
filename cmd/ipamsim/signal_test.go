//go:build linux

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGINT and SIGTERM in the middle of a run remove the temporary files of
// its outputs, keep the files already there, and exit 130 or 143.
func TestSignalsRemoveTemporaryFiles(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			old := filepath.Join(dir, "t.csv")
			if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// The trace comes from standard input, held open: the run waits
			// for it with its outputs open.
			cmd := exec.Command(os.Args[0], "run", "--trace", "-", "--timeline", "t.csv", "--report", "r.html", "--metrics-file", "m.prom")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), probeChildEnv+"=1")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			io.WriteString(stdin, "at,op,pod\n0,add,a\n")
			deadline := time.Now().Add(30 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*")); len(m) == 3 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the run never opened its three outputs")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			stdin.Close()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit %d (%v), want %d; stderr %s", code, err, c.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "stopped; no output written") {
				t.Errorf("stderr %q", stderr.String())
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != "t.csv" {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("left behind: %v, want t.csv only", names)
			}
			if b, _ := os.ReadFile(old); string(b) != "old\n" {
				t.Errorf("t.csv changed to %q", b)
			}
		})
	}
}
