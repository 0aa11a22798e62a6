package promexport

import (
	"net"
	"testing"
	"time"
)

// TestLivePaceInterrupt checks that an interrupt (what SIGINT/SIGTERM
// trigger) ends pacing at once and ends ServeFinal.
func TestLivePaceInterrupt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(ln, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	l.begin()
	paced := make(chan struct{})
	go func() {
		l.pace(3600e9) // an hour of simulated time at 1×
		close(paced)
	}()
	time.Sleep(20 * time.Millisecond)
	l.Interrupt()
	select {
	case <-paced:
	case <-time.After(5 * time.Second):
		t.Fatal("pace did not return after the interrupt")
	}
	var said []string
	if err := l.ServeFinal(func(format string, args ...any) { said = append(said, format) }); err != nil {
		t.Fatal(err)
	}
	if len(said) != 1 || said[0] != "interrupted: the run was finished without pacing; stopping" {
		t.Errorf("ServeFinal said %q", said)
	}
	l.Stop() // idempotent
}
