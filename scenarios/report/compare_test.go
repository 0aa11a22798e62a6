package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// compareRuns replays shortTrace under each policy on the default scenario's
// node, sampled every `every`, as `ipamsim compare` does.
func compareRuns(t *testing.T, policies []string, params map[string]map[string]string, every time.Duration) []ComparedRun {
	t.Helper()
	sc, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	var runs []ComparedRun
	for _, name := range policies {
		p, err := ipam.NewPolicy(name, params[name])
		if err != nil {
			t.Fatal(err)
		}
		spec := scenarioSpec(t, sc)
		spec.Policy, spec.Drain = p, 2*sim.Minute
		for _, kv := range ipam.PolicySettings(p) {
			k, v, _ := strings.Cut(kv, "=")
			if err := spec.Settings.Set("policy", k, v); err != nil {
				t.Fatal(err)
			}
		}
		ser := new(Series)
		var opt replay.Options
		ser.Hook(&opt, sim.Time(every))
		out, err := replay.Execute(spec, scenarios.NewCSVReader(strings.NewReader(shortTrace), "short.csv"), opt)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, ComparedRun{Policy: name, Params: params[name], NodeSettings: ipam.PolicySettings(p), Summary: out.Summary, Series: ser})
	}
	return runs
}

// TestCompareReport: the page has the comparison table with each row's
// lowest figure marked, and one timeline per policy.
func TestCompareReport(t *testing.T) {
	policies := []string{"vpc-cni", "terway", "static"}
	runs := compareRuns(t, policies, map[string]map[string]string{"terway": {"max_pool_size": "3"}}, 5*time.Second)
	c := Comparison{Workload: "trace short.csv", InstanceType: "m5.large", Seed: 1, EC2Profile: "default", SampleEvery: 5 * sim.Second, Runs: runs}
	mean, calls := Figure{Label: "addresses held, mean"}, Figure{Label: "EC2 calls"}
	lowCalls := 0
	for i, r := range runs {
		mean.Values = append(mean.Values, strconv.FormatFloat(r.Summary.MeanAddressesHeld, 'f', 1, 64))
		calls.Values = append(calls.Values, strconv.FormatUint(r.Summary.EC2CallsTotal, 10))
		if r.Summary.EC2CallsTotal < runs[lowCalls].Summary.EC2CallsTotal {
			lowCalls = i
		}
	}
	c.Figures = []Figure{mean, calls, {Label: "same everywhere", Values: []string{"7", "7", "7"}}}
	var b bytes.Buffer
	if err := WriteCompare(&b, c); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	p := parsePage(t, page)
	if p.count["svg"] != len(policies) {
		t.Errorf("%d svg elements, want one per policy (%d)", p.count["svg"], len(policies))
	}
	for _, want := range []string{"ipamsim compare report: Trace short.csv", "The policies side by side", "addresses held, mean", "EC2 calls",
		"terway: parameters max_pool_size=3", "static: node settings IP_COOLDOWN_PERIOD=0", "sampled every 5s",
		"Fewest EC2 calls: " + runs[lowCalls].Policy} {
		if !strings.Contains(p.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	for _, pol := range policies {
		if !strings.Contains(page, `id="policy-`+pol+`"`) || strings.Count(p.text, pol) < 2 {
			t.Errorf("no timeline or column for %s", pol)
		}
	}
	for class, n := range map[string]int{"held": len(policies), "assigned": len(policies), "waitbar": len(policies)} {
		if p.class[class] < n {
			t.Errorf("%d elements of class %s, want at least %d", p.class[class], class, n)
		}
	}
	// The lowest EC2 calls are marked; a row where every policy has the
	// same figure marks none.
	if !strings.Contains(page, `<td class="lead">`+calls.Values[lowCalls]+`</td>`) {
		t.Errorf("the fewest EC2 calls (%s) are not marked", calls.Values[lowCalls])
	}
	if strings.Contains(page, `<td class="lead">7</td>`) {
		t.Error("a row with one figure for every policy marks a lead")
	}
	// The series' samples: one every 5 s from 0 to the end of the run.
	s := runs[0].Series
	end := runs[0].Summary.SimulatedSeconds
	if want := int(end/5) + 2; len(s.rows) != want && len(s.rows) != want-1 {
		t.Errorf("%d samples over %.1f s, want one every 5 s and the end", len(s.rows), end)
	}
	if s.SamplerEvents() != s.samples-1 {
		t.Errorf("sampler events %d of %d samples", s.SamplerEvents(), s.samples)
	}
}
