//go:build unix

package ec2

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO is refused before it is opened: opening it would block until some
// writer came.
func TestReadEC2ProfileFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadEC2ProfileFile(fifo, DefaultEC2Latencies())
	var pe *ProfileError
	if !errors.As(err, &pe) || pe.File != fifo || !strings.Contains(pe.Msg, "not a regular file") {
		t.Fatalf("%v, want a *ProfileError saying it is not a regular file", err)
	}
}
