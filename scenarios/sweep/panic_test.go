package sweep

import (
	"errors"
	"strings"
	"testing"
)

func TestRunRecoveredCarriesPanic(t *testing.T) {
	err := RunRecovered(func(i int) error {
		var s []int
		_ = s[i]
		return nil
	}, 3)
	var pe *PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "index out of range [3] with length 0") || !strings.Contains(string(pe.Stack), "panic_test.go") {
		t.Fatalf("err %v", err)
	}
	if err := RunRecovered(func(int) error { return nil }, 0); err != nil {
		t.Fatalf("no panic: %v", err)
	}
}
