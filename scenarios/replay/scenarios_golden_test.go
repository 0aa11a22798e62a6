package replay_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this run")

// prepare builds one run of a shipped scenario (variant "" for the base) as
// `ipamsim run --scenario NAME` does with its default flags: seed 1,
// first-fit order.
func prepare(t *testing.T, s *scenarios.Scenario, variant string) *replay.Setup {
	t.Helper()
	setup, err := replay.Prepare(replay.Request{Scenario: s, Variant: variant, Overrides: replay.Overrides{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return setup
}

// runScenario replays one run of a shipped single-node scenario, feeding its
// event log to d if d is not nil.
func runScenario(t *testing.T, s *scenarios.Scenario, variant string, d *digest) replay.Summary {
	t.Helper()
	setup := prepare(t, s, variant)
	if d != nil {
		setup.Node.Events = d.add
	}
	out, err := setup.Execute(replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Summary
}

// scenarioFacts are hand-checkable claims each shipped scenario makes: what
// its question expects the numbers to show. sums are keyed by run name
// (replay/scenarios.BaseName for the base).
var scenarioFacts = map[string]func(t *testing.T, sums map[string]replay.Summary){
	"default": func(t *testing.T, sums map[string]replay.Summary) {
		b := sums[scenarios.BaseName]
		check(t, b.PodsWaited > 0, "pods that arrive while ENIs attach wait (pods_waited %d)", b.PodsWaited)
		check(t, b.PeakENIs == 3, "the scale-up attaches the second and third ENIs (peak_enis %d)", b.PeakENIs)
		check(t, b.PodsNeverAssigned == 0, "every pod gets an address (pods_never_assigned %d)", b.PodsNeverAssigned)
	},
	"cronjob-spike": func(t *testing.T, sums map[string]replay.Summary) {
		b, short, minIP := sums[scenarios.BaseName], sums["short-cooldown"], sums["min-ip"]
		check(t, b.NoIPAddFailures > 0, "CronJob pods find no address (no_ip_add_failures %d)", b.NoIPAddFailures)
		check(t, b.PodsNeverAssigned > 0, "some job pods never start (pods_never_assigned %d)", b.PodsNeverAssigned)
		check(t, b.PeakAddressesHeld <= 10, "the pool stays small: WARM_IP_TARGET=2 plus one run (peak held %d)", b.PeakAddressesHeld)
		check(t, short.NoIPAddFailures < b.NoIPAddFailures && short.WaitP50Seconds < b.WaitP50Seconds,
			"a shorter cooldown means fewer failures (%d vs %d) and shorter waits (p50 %.1fs vs %.1fs)",
			short.NoIPAddFailures, b.NoIPAddFailures, short.WaitP50Seconds, b.WaitP50Seconds)
		check(t, minIP.NoIPAddFailures*10 < b.NoIPAddFailures, "MINIMUM_IP_TARGET covering two runs all but ends the failures (%d vs %d)",
			minIP.NoIPAddFailures, b.NoIPAddFailures)
	},
	"scale-burst": func(t *testing.T, sums map[string]replay.Summary) {
		b := sums[scenarios.BaseName]
		for run, s := range sums {
			check(t, s.PodsWaited >= 18, "%s: the 18 pods beyond the primary ENI's 9 addresses wait (pods_waited %d)", run, s.PodsWaited)
			check(t, s.PeakENIs == 3, "%s: the node ends up with all 3 ENIs (peak_enis %d)", run, s.PeakENIs)
		}
		// The worst wait is the last ENI's, whose IMDS delay has a heavy tail
		// (§7.14), and waits end on the kubelet's 1 s sync ticks (§3.17):
		// MINIMUM_IP_TARGET may only tie it, but it spares failed ADDs.
		m := sums["min-ip"]
		check(t, m.WaitMaxSeconds <= b.WaitMaxSeconds && m.NoIPAddFailures < b.NoIPAddFailures,
			"MINIMUM_IP_TARGET means fewer failed ADDs (%d vs %d) and no longer a worst wait (%.1fs vs %.1fs)",
			m.NoIPAddFailures, b.NoIPAddFailures, m.WaitMaxSeconds, b.WaitMaxSeconds)
		check(t, sums["warm-ip-5"].WaitMaxSeconds > b.WaitMaxSeconds, "growing 5 addresses at a time makes the worst wait longer (%.1fs vs %.1fs)",
			sums["warm-ip-5"].WaitMaxSeconds, b.WaitMaxSeconds)
	},
	"churn-cooldown": func(t *testing.T, sums map[string]replay.Summary) {
		b, short, eni := sums[scenarios.BaseName], sums["short-cooldown"], sums["warm-eni"]
		check(t, b.NoIPAddFailures > 0 && b.PeakAddressesHeld == 23,
			"pods fail (%d no-IP ADD failures) while the pool never grows past MINIMUM_IP_TARGET=23 (peak held %d)",
			b.NoIPAddFailures, b.PeakAddressesHeld)
		check(t, short.NoIPAddFailures*2 < b.NoIPAddFailures, "a 5 s cooldown cuts the failures by more than half (%d vs %d)",
			short.NoIPAddFailures, b.NoIPAddFailures)
		check(t, eni.NoIPAddFailures*10 < b.NoIPAddFailures && eni.IdleIPSeconds > b.IdleIPSeconds,
			"the defaults fail far less (%d vs %d) but hold more idle addresses (%.0f vs %.0f IP-s)",
			eni.NoIPAddFailures, b.NoIPAddFailures, eni.IdleIPSeconds, b.IdleIPSeconds)
	},
	"rolling-update": func(t *testing.T, sums map[string]replay.Summary) {
		b, short := sums[scenarios.BaseName], sums["short-cooldown"]
		check(t, b.NoIPAddFailures > 0 && b.PeakENIs == 3, "new pods find no address on a node at its ENI limit (%d failures, peak ENIs %d)",
			b.NoIPAddFailures, b.PeakENIs)
		check(t, short.NoIPAddFailures < b.NoIPAddFailures && short.WaitP50Seconds < b.WaitP50Seconds,
			"a 5 s cooldown means fewer failures (%d vs %d) and shorter waits (p50 %.1fs vs %.1fs)",
			short.NoIPAddFailures, b.NoIPAddFailures, short.WaitP50Seconds, b.WaitP50Seconds)
	},
	"warm-eni-waste": func(t *testing.T, sums map[string]replay.Summary) {
		b := sums[scenarios.BaseName]
		for _, run := range []string{"warm-ip", "min-ip"} {
			v := sums[run]
			check(t, v.IdleIPSeconds*2 < b.IdleIPSeconds, "%s holds less than half the idle IP-seconds (%.0f vs %.0f)", run, v.IdleIPSeconds, b.IdleIPSeconds)
			check(t, v.PeakAddressesHeld < b.PeakAddressesHeld, "%s holds fewer addresses at the peak (%d vs %d)", run, v.PeakAddressesHeld, b.PeakAddressesHeld)
			check(t, v.EC2CallsTotal > b.EC2CallsTotal, "%s makes more EC2 calls (%d vs %d)", run, v.EC2CallsTotal, b.EC2CallsTotal)
		}
		check(t, b.PeakENIs == 4, "WARM_ENI_TARGET=1 attaches all 4 ENIs for about 30 pods (peak_enis %d)", b.PeakENIs)
	},
	"prefix-delegation": func(t *testing.T, sums map[string]replay.Summary) {
		b := sums[scenarios.BaseName]
		check(t, b.Mode == "prefix" && b.MaxPods == 110, "the node runs in prefix mode with max pods 110 (%s, %d)", b.Mode, b.MaxPods)
		check(t, b.PodsWaited == 0, "with a spare /28 no pod waits after start-up (pods_waited %d)", b.PodsWaited)
		for _, run := range []string{"warm-ip", "warm-ip-2"} {
			v := sums[run]
			check(t, v.PeakAddressesHeld < b.PeakAddressesHeld && v.IdleIPSeconds < b.IdleIPSeconds,
				"%s holds fewer addresses (peak %d vs %d, %.0f vs %.0f idle IP-s)", run, v.PeakAddressesHeld, b.PeakAddressesHeld, v.IdleIPSeconds, b.IdleIPSeconds)
			check(t, v.EC2CallsTotal > b.EC2CallsTotal, "%s makes more EC2 calls (%d vs %d)", run, v.EC2CallsTotal, b.EC2CallsTotal)
		}
	},
}

func check(t *testing.T, ok bool, format string, a ...any) {
	t.Helper()
	if !ok {
		t.Errorf("fact does not hold: "+format, a...)
	}
}

func TestScenariosGolden(t *testing.T) {
	all := scenarios.Builtins()
	if len(all) == 0 {
		t.Fatal("no shipped scenarios")
	}
	produced := map[string]bool{}
	for _, s := range all {
		for _, ext := range []string{".json", ".events"} {
			produced[s.Name+ext] = true
			for _, v := range s.Variants {
				produced[s.Name+"."+v.Name+ext] = true
			}
		}
	}
	// A golden file no run produces is stale: a renamed or removed scenario
	// or variant.
	stale, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	for _, path := range stale {
		if produced[filepath.Base(path)] || filepath.Base(path) == "README.md" {
			continue
		}
		if *update {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: no shipped scenario run produces it (run with -update to remove it)", path)
	}
	for _, s := range all {
		if s.IsCluster() {
			t.Run(s.Name, func(t *testing.T) { clusterGolden(t, s) })
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			runs := s.RunNames()
			sums := map[string]replay.Summary{}
			list := make([]replay.Summary, len(runs))
			for i, run := range runs {
				variant, file := "", s.Name+".json"
				if run != scenarios.BaseName {
					variant, file = run, s.Name+"."+run+".json"
				}
				d := &digest{}
				sum := runScenario(t, s, variant, d)
				sums[run], list[i] = sum, sum
				golden(t, strings.TrimSuffix(file, ".json")+".events", d.text())
				// The golden files pin what a run shows, not how many engine
				// events the model takes to get there.
				pinned := sum
				pinned.EventsProcessed = 0
				got, err := json.MarshalIndent(pinned, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				golden(t, file, got)
			}
			var table bytes.Buffer
			if err := replay.WriteComparison(&table, runs, list); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s\n%s", s.Name, s.Question, table.String())
			facts, ok := scenarioFacts[s.Name]
			if !ok {
				t.Fatalf("no facts for shipped scenario %q: add them to scenarioFacts", s.Name)
			}
			facts(t, sums)
		})
	}
}

// runClusterScenario replays one run of a shipped cluster scenario, feeding
// its event log to d if d is not nil.
func runClusterScenario(t *testing.T, s *scenarios.Scenario, variant string, d *clusterDigest) replay.ClusterSummary {
	t.Helper()
	setup := prepare(t, s, variant)
	if d != nil {
		setup.Cluster.Events = d.add
	}
	out, err := setup.ExecuteCluster(replay.ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Summary
}

// clusterFacts are the hand-checkable claims of the shipped cluster scenarios.
var clusterFacts = map[string]func(t *testing.T, sums map[string]replay.ClusterSummary){
	"subnet-150-nodes": func(t *testing.T, sums map[string]replay.ClusterSummary) {
		b, w := sums[scenarios.BaseName], sums["warm-ip"]
		check(t, b.Subnets[0].MinFree == 0, "WARM_ENI_TARGET=1 runs the /20 dry (min free %d)", b.Subnets[0].MinFree)
		check(t, b.Subnets[0].InsufficientErrors > 0, "EC2 refuses addresses (%d errors)", b.Subnets[0].InsufficientErrors)
		check(t, w.Subnets[0].MinFree > 500, "WARM_IP_TARGET keeps hundreds free (min free %d)", w.Subnets[0].MinFree)
		check(t, w.MeanAddressesHeld < b.MeanAddressesHeld, "and holds fewer addresses (%.0f vs %.0f)", w.MeanAddressesHeld, b.MeanAddressesHeld)
	},
	"pd-fragmented-subnet": func(t *testing.T, sums map[string]replay.ClusterSummary) {
		b := sums[scenarios.BaseName]
		check(t, b.Subnets[0].MinFree > 500, "the subnet keeps hundreds of free addresses (min %d)", b.Subnets[0].MinFree)
		check(t, b.Subnets[0].FinalFreeAligned28 == 0, "but no free aligned /28 (%d)", b.Subnets[0].FinalFreeAligned28)
		check(t, b.PodsNeverAssigned == b.PodsAdded, "so no pod gets an address (%d of %d never did)", b.PodsNeverAssigned, b.PodsAdded)
	},
	"pd-subnet-reservation": func(t *testing.T, sums map[string]replay.ClusterSummary) {
		b := sums[scenarios.BaseName]
		check(t, b.PodsNeverAssigned == 0 && b.PodsAdded == 300, "with the reservation every pod gets an address (%d of %d never did)", b.PodsNeverAssigned, b.PodsAdded)
	},
	"web-tier-plan": func(t *testing.T, sums map[string]replay.ClusterSummary) {
		// 300 pods at three per m5.large (500m each, 1780m free after the
		// reservations and daemonsets) would need 100 nodes.
		b := sums[scenarios.BaseName]
		check(t, b.Subnets[0].MinFree == 0, "m5.large nodes run the /22 dry (min free %d)", b.Subnets[0].MinFree)
		check(t, b.Groups[0].LaunchFailures > 0 && b.PeakNodes < 100, "so nodes fail to launch (%d) before the tier's 100 are up (peak %d)",
			b.Groups[0].LaunchFailures, b.PeakNodes)
		check(t, b.PodsUnplaced+uint64(b.PodsPendingAtEnd) > 0 && b.PodsNeverAssigned > 0, "and pods never get a node (%d) or an address (%d)",
			b.PodsUnplaced+uint64(b.PodsPendingAtEnd), b.PodsNeverAssigned)
	},
	"scale-up-150-nodes": func(t *testing.T, sums map[string]replay.ClusterSummary) {
		b := sums[scenarios.BaseName]
		check(t, b.ThrottledCalls > 0, "150 simultaneous scale-ups are throttled (%d)", b.ThrottledCalls)
		check(t, b.WaitP99Seconds > 10, "and pods wait for addresses (p99 %.1fs)", b.WaitP99Seconds)
	},
}

func clusterGolden(t *testing.T, s *scenarios.Scenario) {
	runs := s.RunNames()
	sums := map[string]replay.ClusterSummary{}
	for _, run := range runs {
		variant, file := "", s.Name+".json"
		if run != scenarios.BaseName {
			variant, file = run, s.Name+"."+run+".json"
		}
		d := &clusterDigest{}
		sum := runClusterScenario(t, s, variant, d)
		sums[run] = sum
		golden(t, strings.TrimSuffix(file, ".json")+".events", d.text())
		pinned := sum
		pinned.EventsProcessed = 0
		got, err := json.MarshalIndent(pinned, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, file, got)
	}
	facts, ok := clusterFacts[s.Name]
	if !ok {
		t.Fatalf("no facts for shipped cluster scenario %q: add them to clusterFacts", s.Name)
	}
	facts(t, sums)
}

// golden compares a run's JSON with testdata/golden/file, or rewrites the file
// with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from this run (run with -update if the change is intended):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines of want and got that differ, for a short failure
// message.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}

func TestWriteComparison(t *testing.T) {
	a := replay.Summary{PeakAddressesHeld: 27, MeanAddressesHeld: 20.077, IdleIPSeconds: 22721.441, PodsWaited: 15,
		WaitP50Seconds: 0, WaitP99Seconds: 29.59315408, WaitMaxSeconds: 29.59315408, NoIPAddFailures: 21,
		PeakENIs: 3, EC2CallsTotal: 16}
	b := replay.Summary{PeakAddressesHeld: 9, MeanAddressesHeld: 8, IdleIPSeconds: 5, PodsWaited: 0,
		PodsNeverAssigned: 2, PeakENIs: 1, EC2CallsTotal: 3, ThrottledCalls: 1}
	var out bytes.Buffer
	if err := replay.WriteComparison(&out, []string{"base", "warm-ip-target"}, []replay.Summary{a, b}); err != nil {
		t.Fatal(err)
	}
	want := `                       base  warm-ip-target
addresses peak held      27               9
addresses mean held    20.1             8.0
idle IP-seconds       22721               5
pods waited              15               0
wait p50 (s)          0.000           0.000
wait p99 (s)         29.593           0.000
wait max (s)         29.593           0.000
no-IP ADD failures       21               0
pods never assigned       0               2
ENIs peak                 3               1
EC2 calls total          16               3
throttled                 0               1
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if err := replay.WriteComparison(&out, []string{"base"}, nil); err == nil {
		t.Error("mismatched names and summaries: no error")
	}
}
