package replay_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestMaxPodsAsEKSSetsIt: run's max pods is catalog.NodeMaxPods's eks rule.
// c6g.16xlarge (64 vCPUs) with prefix delegation: the calculator's PD figure,
// 15·((50−1)·16)+2 = 11,762, capped at 250 (> 30 vCPUs); m5.large (2 vCPUs)
// with prefix delegation: 3·((10−1)·16)+2 = 434, capped at 110. The source
// is named in text and JSON.
func TestMaxPodsAsEKSSetsIt(t *testing.T) {
	pd := []string{"ENABLE_PREFIX_DELEGATION=true"}
	for _, tc := range []struct {
		inst   string
		want   int
		source string
	}{
		{"c6g.16xlarge", 250, "eks-mng: calculator PD figure 11762 capped at 250 (64 vCPUs > 30)"},
		{"m5.large", 110, "eks-mng: calculator PD figure 434 capped at 110 (2 vCPUs <= 30)"},
	} {
		s := runTrace(t, addsThenDels(2, 0, 60), replay.Overrides{InstanceType: tc.inst, Settings: pd}).Summary
		if s.MaxPods != tc.want || s.MaxPodsSource != tc.source {
			t.Errorf("%s PD: max pods %d (%s), want %d (%s)", tc.inst, s.MaxPods, s.MaxPodsSource, tc.want, tc.source)
		}
		var text bytes.Buffer
		s.WriteText(&text)
		if want := fmt.Sprintf("max pods %d (%s)", tc.want, tc.source); !strings.Contains(text.String(), want) {
			t.Errorf("%s: summary lacks %q:\n%s", tc.inst, want, text.String())
		}
	}
	// The bootstrap rules ignore prefix delegation: eni-max-pods.txt's
	// m5.large line, 3·(10−1)+2 = 29.
	s := runTrace(t, addsThenDels(2, 0, 60), replay.Overrides{InstanceType: "m5.large", Settings: pd, MaxPodsFrom: "eni-max-pods"}).Summary
	if s.MaxPods != 29 || !strings.HasPrefix(s.MaxPodsSource, "eni-max-pods:") {
		t.Errorf("m5.large PD, --max-pods-from eni-max-pods: %d (%s), want 29", s.MaxPods, s.MaxPodsSource)
	}
}

// TestMaxPodsBoundsOneNode: 40 pods at once on one m5.large (max pods 29,
// 3 ENIs of 10 IPv4: 27 pod addresses), kept to the end of the run. 29 pods
// are bound, 27 of them get an address and 2 wait to the end; the other 11
// are unschedulable: never ADDed, in no wait figure, at most 29 addresses
// assigned at any time.
func TestMaxPodsBoundsOneNode(t *testing.T) {
	trace := strings.Split(addsThenDels(40, 0, 600), "600,")[0]
	s := runTrace(t, trace, replay.Overrides{InstanceType: "m5.large"}).Summary
	if s.MaxPods != 29 || s.PeakAddressesInUse > 29 || s.PeakAddressesInUse != 27 {
		t.Errorf("max pods %d, peak assigned %d; want 29 and 27 (never above 29)", s.MaxPods, s.PeakAddressesInUse)
	}
	if s.PodsUnschedulable != 11 || s.PodsAdded != 29 || s.PodsNeverAssigned != 2 {
		t.Errorf("unschedulable %d, added %d, never assigned %d; want 11, 29, 2", s.PodsUnschedulable, s.PodsAdded, s.PodsNeverAssigned)
	}
	var text bytes.Buffer
	s.WriteText(&text)
	if !strings.Contains(text.String(), "unschedulable 11 PODS NEVER RAN: the node ran max pods (29)") {
		t.Errorf("summary lacks the unschedulable line:\n%s", text.String())
	}
}

// TestWarmUpStartsSettled: five pods added at trace time 0 on a node that
// booted 5 minutes earlier (--warm-up 5m) find ipamd ready and the warm ENI
// attached (WARM_ENI_TARGET=1: 9 addresses): each waits 0 s, none is "before
// ipamd was ready", and the EC2 calls of the boot (start-up's CreateTags
// among them) are not the trace's: only the growth the five pods cause. The
// same trace on a cold node sends all five ADDs before ipamd is ready.
func TestWarmUpStartsSettled(t *testing.T) {
	trace := strings.Split(addsThenDels(5, 0, 60), "60,")[0]
	warm := 5 * time.Minute
	s := runTrace(t, trace, replay.Overrides{InstanceType: "m5.large", WarmUp: &warm}).Summary
	if s.PodsAdded != 5 || s.AddsBeforeReady != 0 || s.PodsWaited != 0 || s.WaitMaxSeconds != 0 {
		t.Errorf("warm: %d added, %d before ready, %d waited, max wait %v s; want 5, 0, 0, 0", s.PodsAdded, s.AddsBeforeReady, s.PodsWaited, s.WaitMaxSeconds)
	}
	cold := runTrace(t, trace, replay.Overrides{InstanceType: "m5.large"}).Summary
	if s.EC2Calls["CreateTags"] != 0 || cold.EC2Calls["CreateTags"] != 1 || s.EC2CallsTotal >= cold.EC2CallsTotal {
		t.Errorf("warm: %d EC2 calls (%d CreateTags), cold %d (%d); want the start-up's only in the cold run", s.EC2CallsTotal, s.EC2Calls["CreateTags"], cold.EC2CallsTotal, cold.EC2Calls["CreateTags"])
	}
	if cold.AddsBeforeReady != 5 || cold.WaitP50Seconds <= 0 {
		t.Errorf("cold: %d ADDs before ready, p50 %v s; want 5 and a wait", cold.AddsBeforeReady, cold.WaitP50Seconds)
	}
	// The summary names how the node started, whichever it was (§9.15).
	for _, c := range []struct {
		s    replay.Summary
		secs float64
		text string
	}{{s, 300, ", warm-up 5m0s before trace time 0\n"}, {cold, 0, ", cold start at trace time 0\n"}} {
		var b strings.Builder
		if err := c.s.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if c.s.WarmUpSeconds != c.secs || !strings.Contains(b.String(), c.text) {
			t.Errorf("warm_up_seconds %v, text:\n%s\nwant %v and a run line ending %q", c.s.WarmUpSeconds, b.String(), c.secs, c.text)
		}
	}
}

// TestRunningPodsHoldAddresses: twelve running pods and one add at trace
// time 0 on a node warmed up 5 minutes. The running pods were restored
// during the warm-up: the timeline's first row (the state just before the
// add at 0) shows 12 addresses assigned, and the summary counts 1 pod added,
// 1 ADD, no wait for the twelve.
func TestRunningPodsHoldAddresses(t *testing.T) {
	var b strings.Builder
	b.WriteString("at,op,pod\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "0,running,r%02d\n", i)
	}
	b.WriteString("0,add,a1\n")
	warm := 5 * time.Minute
	setup, err := replay.Prepare(replay.Request{TraceName: "t.csv", Overrides: replay.Overrides{Seed: 1, WarmUp: &warm},
		Trace: func() (scenarios.Reader, error) {
			return scenarios.NewCSVReader(strings.NewReader(b.String()), "t.csv"), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	var tl bytes.Buffer
	out, err := setup.Execute(replay.Options{Timeline: &tl})
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(tl.String(), "\n")
	if !strings.HasPrefix(rows[1], "0,init,-,ok,") || !strings.HasSuffix(rows[1], ",12") {
		t.Errorf("first timeline row %q: want 12 addresses assigned at trace time 0", rows[1])
	}
	s := out.Summary
	if s.PodsAdded != 1 || s.AddRequests != 1 || s.FinalAddressesInUse != 13 || s.WaitMaxSeconds != 0 {
		t.Errorf("%d added, %d ADDs, %d assigned at the end, max wait %v s; want 1, 1, 13, 0", s.PodsAdded, s.AddRequests, s.FinalAddressesInUse, s.WaitMaxSeconds)
	}
}
