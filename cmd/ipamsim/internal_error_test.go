package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios/sweep"
)

// A panic is exit status 3 with "internal error" and the command line and
// seed that reproduce it: never 2, which a usage error gives.
func TestPanicIsInternalError(t *testing.T) {
	var stderr bytes.Buffer
	args := []string{"run", "--seed", "7", "--set", "WARM_IP_TARGET=5 x"}
	code := guard(args, &stderr, func() int { panic("index out of range [3] with length 3") })
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	for _, want := range []string{
		"ipamsim: internal error (a bug in ipamsim, not in your input): index out of range [3] with length 3",
		"ipamsim: to reproduce, run (seed 7): ipamsim run --seed 7 --set 'WARM_IP_TARGET=5 x'",
		"internal_error_test.go", // the stack
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	stderr.Reset()
	guard([]string{"sweep"}, &stderr, func() int { panic("x") })
	if !strings.Contains(stderr.String(), "(seed 1, the default): ipamsim sweep") {
		t.Errorf("default seed: %s", stderr.String())
	}
}

// A sweep point that panics on a worker goroutine reaches the command as a
// *sweep.PanicError: exit 3 too.
func TestSweepPanicIsInternalError(t *testing.T) {
	var stderr bytes.Buffer
	err := &sweep.PointError{Index: 4, Err: &sweep.PanicError{Value: "boom", Stack: []byte("goroutine 9 [running]:")}}
	if code := exitStatus(&stderr, "ipamsim sweep", err); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if !strings.Contains(stderr.String(), "internal error") || !strings.Contains(stderr.String(), "goroutine 9") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if code := exitStatus(&stderr, "ipamsim sweep", errors.New("disk full")); code != 1 {
		t.Errorf("a runtime failure: exit %d, want 1", code)
	}
}
