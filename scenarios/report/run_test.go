package report

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

func TestReportDefaultScenario(t *testing.T) {
	page := scenarioPage(t, scenarios.DefaultScenarioName)
	doc, script := parseReport(t, page)

	sc, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	// Four timelines of the whole run, the two-chart close-up of the first
	// time pods waited, and the wait CDF.
	if doc.count["svg"] != 7 {
		t.Errorf("%d svg elements, want 7", doc.count["svg"])
	}
	for _, want := range []string{sc.Question, "At a glance", "When and why pods waited", "15 of 33 pods (45 %) waited",
		"ENI #2 created", "kubelet's retry", "Close-up", "Pod IP wait: cumulative distribution", "p99 30.6 s",
		"WARM_ENI_TARGET", "EC2 calls by API", "AttachNetworkInterface"} {
		if !strings.Contains(doc.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	// The annotations that say when and why pods waited.
	for class, atLeast := range map[string]int{"waitband": 6, "enline": 8, "inflight": 4, "fail": 5, "eniup": 2, "cdf": 1, "held": 2, "waitbar": 2} {
		if doc.class[class] < atLeast {
			t.Errorf("%d elements of class %s, want at least %d", doc.class[class], class, atLeast)
		}
	}
	// Self-contained: nothing is fetched.
	for _, a := range doc.attrs {
		if (a.Name.Local == "src" || a.Name.Local == "href") && a.Value != "" {
			t.Errorf("external reference %s=%q", a.Name.Local, a.Value)
		}
	}
	if doc.count["link"] != 0 || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the report refers to something outside itself")
	}
	// The hover data is valid JSON with one value per column.
	m := regexp.MustCompile(`var data = (\{.*?\});`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("no hover data in the script")
	}
	var data map[string]hoverData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("hover data: %v", err)
	}
	for _, g := range []string{"main", "close"} {
		d := data[g]
		if len(d.Rows) < 5 {
			t.Fatalf("hover group %s has %d rows", g, len(d.Rows))
		}
		for _, r := range d.Rows {
			if len(r) != len(d.Cols)+1 {
				t.Fatalf("hover group %s row %v for columns %v", g, r, d.Cols)
			}
		}
	}
	if got := data["main"].Rows[1][0]; got != 15 {
		t.Errorf("second sample at %v s, want 15", got)
	}
}

func TestReportNoWaits(t *testing.T) {
	trace := "calm.csv"
	src := scenarios.NewCSVReader(strings.NewReader("at,op,pod\n30,add,a\n60,add,b\n90,del,a\n"), trace)
	sc, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	page := runPage(t, scenarioSpec(t, sc), src, 5*time.Second, RunInfo{Title: "Trace " + trace, Source: "trace " + trace})
	doc, _ := parseReport(t, page)
	if doc.count["svg"] != 5 {
		t.Errorf("%d svg elements, want 5 (no close-up)", doc.count["svg"])
	}
	for _, want := range []string{"All 2 pods got an address at their first CNI ADD", "Trace " + trace} {
		if !strings.Contains(doc.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	if strings.Contains(doc.text, "When and why pods waited") || doc.class["waitband"] != 0 {
		t.Error("a run without waits shows waits")
	}
}

func TestReportFormatting(t *testing.T) {
	for _, tc := range []struct {
		t    sim.Time
		want string
	}{{0, "0:00"}, {sim.Seconds(61.8), "1:01.8"}, {sim.Seconds(599.96), "10:00"}, {sim.Seconds(3725), "1:02:05"}} {
		if got := fmtSim(tc.t); got != tc.want {
			t.Errorf("fmtSim(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
	for v, want := range map[float64]float64{0: 1, 1: 1, 3: 3, 4: 4, 15: 15, 27: 30, 29: 30, 101: 125, 2389: 2500} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}

// TestSettings: the settings table lists every variable ipam knows once, in
// ipam's order, and marks exactly those that differ from the VPC CNI's
// defaults (§1), spelled as a person reads them.
func TestSettings(t *testing.T) {
	s := ipam.DefaultSettings()
	for _, kv := range []string{"WARM_IP_TARGET=5", "MAX_ENI=3", "IP_COOLDOWN_PERIOD=5", "ENABLE_PREFIX_DELEGATION=true"} {
		k, v, _ := strings.Cut(kv, "=")
		if err := s.Set("test", k, v); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]Setting{}
	var keys []string
	for _, st := range Settings(s) {
		if _, dup := got[st.Key]; dup {
			t.Errorf("%s listed twice", st.Key)
		}
		got[st.Key] = st
		keys = append(keys, st.Key)
	}
	slices.Sort(keys)
	if known := ipam.KnownSettings(); !slices.Equal(keys, known) {
		t.Errorf("listed %v, want every known setting %v", keys, known)
	}
	for key, want := range map[string]Setting{
		"WARM_IP_TARGET":           {Value: "5", Changed: true},
		"MINIMUM_IP_TARGET":        {Value: "unset"},
		"WARM_ENI_TARGET":          {Value: "1"},
		"MAX_ENI":                  {Value: "3", Changed: true},
		"IP_COOLDOWN_PERIOD":       {Value: "5s", Changed: true},
		"ENABLE_PREFIX_DELEGATION": {Value: "true", Changed: true},
		"ENABLE_SUBNET_DISCOVERY":  {Value: "true"},
	} {
		want.Key = key
		if got[key] != want {
			t.Errorf("%s: %+v, want %+v", key, got[key], want)
		}
	}
	for _, st := range Settings(ipam.DefaultSettings()) {
		if st.Changed {
			t.Errorf("default %s=%s marked changed", st.Key, st.Value)
		}
	}
	if v := Settings(ipam.DefaultSettings()); v[5].Key != "MAX_ENI" || v[5].Value != "unset" {
		t.Errorf("default MAX_ENI: %+v", v[5])
	}
}
