package progress

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Work shorter than Delay draws nothing.
func TestShortWorkDrawsNothing(t *testing.T) {
	var out syncBuffer
	l := Start(&out, func(time.Duration) string { return "working" })
	l.Stop()
	l.Stop()
	if out.String() != "" {
		t.Fatalf("drew %q", out.String())
	}
	Start(nil, func(time.Duration) string { return "x" }).Stop()
}

// Longer work redraws its line in place and erases it at the end.
func TestLineRedrawnThenErased(t *testing.T) {
	var out syncBuffer
	l := Start(&out, func(el time.Duration) string { return "simulated " + el.Round(time.Second).String() })
	time.Sleep(Delay + 3*Every)
	l.Stop()
	got := out.String()
	if n := strings.Count(got, "\rsimulated "); n < 2 || n > 5 {
		t.Errorf("%d redraws in %s: %q", n, 3*Every, got)
	}
	if !strings.HasSuffix(got, "\r\x1b[K") || strings.Contains(got, "\n") {
		t.Errorf("the line is not erased, or not redrawn in place: %q", got)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Count(999), "999"}, {Count(12345), "12.3k"}, {Count(2.5e6), "2.5M"}, {Count(3e9), "3.0G"},
		{Rate(5e6, 2*time.Second), "2.5M/s"}, {Rate(1, 0), "-"},
		{ETA(1, 4, 10*time.Second), "30s"}, {ETA(0, 4, time.Second), ""}, {ETA(4, 4, time.Second), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestBar(t *testing.T) {
	var done atomic.Int64
	done.Store(10)
	got := Bar("sweep", "points", 40, &done)(5 * time.Second)
	want := "sweep [=======                       ] 10/40 points  2/s  ETA 15s"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
