package replay_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

// Issue 10's headline figures, each checked against values worked out by
// hand from the model's rules.

// runTrace prepares and runs a trace as `ipamsim run --trace FILE` with ov
// (seed 1 unless ov says otherwise).
func runTrace(t *testing.T, trace string, ov replay.Overrides) *replay.Outcome {
	t.Helper()
	if ov.Seed == 0 {
		ov.Seed = 1
	}
	setup, err := replay.Prepare(replay.Request{TraceName: "t.csv", Overrides: ov,
		Trace: func() (scenarios.Reader, error) {
			return scenarios.NewCSVReader(strings.NewReader(trace), "t.csv"), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := setup.Execute(replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addsThenDels is a trace of n pods added at t=add and deleted at t=del.
func addsThenDels(n int, add, del float64) string {
	var b strings.Builder
	b.WriteString("at,op,pod\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%g,add,p%02d\n", add, i)
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%g,del,p%02d\n", del, i)
	}
	return b.String()
}

// TestCensoredWaitsSetP99: a node that can hold 15 pod addresses (3 ENIs of
// 6 IPv4, the primaries the node's), given 20 pods (max pods 20) from t=0
// for 10 minutes: 15 get addresses within a minute or so, 5 never do, and
// each of those waited the whole 10 minutes. The p99 of 20 waits is the
// 20th: 600 s, not the 0 s of the assigned pods alone.
func TestCensoredWaitsSetP99(t *testing.T) {
	out := runTrace(t, addsThenDels(20, 0, 600), replay.Overrides{ENIs: 3, IPv4PerENI: 6, InstanceType: "custom-15", MaxPods: 20})
	s := out.Summary
	if s.PodsAdded != 20 || s.PodsNeverAssigned != 5 {
		t.Fatalf("pods added %d, never assigned %d; want 20 and 5", s.PodsAdded, s.PodsNeverAssigned)
	}
	if s.WaitP99Seconds != 600 || s.WaitMaxSeconds != 600 {
		t.Errorf("p99 %.3fs, max %.3fs; want the censored 600 s", s.WaitP99Seconds, s.WaitMaxSeconds)
	}
	if s.WaitP50Seconds <= 0 || s.WaitP50Seconds >= 60 {
		t.Errorf("p50 %.3fs: want an assigned pod's wait, after start-up and a retry, under a minute", s.WaitP50Seconds)
	}
	var text bytes.Buffer
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pods          5 NEVER GOT AN ADDRESS", "p99 600.000s", "the 5 without an address count to their delete"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
}
