package promexport

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/ipamsim/ipamsim/scenarios/replay"
)

const dashboardPath = "../../deploy/grafana/ipamsim-dashboard.json"

// exportedSeriesNames runs the default scenario and returns the series names
// its registry (the one live scrapes and backfills read) produces.
func exportedSeriesNames(t *testing.T) map[string]bool {
	t.Helper()
	run := defaultRun(t, replay.Options{})
	reg, err := NewRunRegistry(&RunState{Node: run.Node, Result: run.Result}, false)
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		n := mf.GetName()
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM:
			names[n+"_bucket"], names[n+"_count"], names[n+"_sum"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[n], names[n+"_count"], names[n+"_sum"] = true, true, true
		default:
			names[n] = true
		}
	}
	return names
}

// promqlWords are the PromQL functions, aggregations and keywords the
// dashboard may use besides metric names.
var promqlWords = map[string]bool{
	"sum": true, "avg": true, "max": true, "min": true, "count": true, "rate": true, "irate": true, "increase": true,
	"histogram_quantile": true, "label_values": true, "by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true,
	"clamp_min": true, "max_over_time": true, "min_over_time": true, "avg_over_time": true, "le": true, "instance": true,
}

var (
	promqlStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promqlMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promqlGrouping  = regexp.MustCompile(`\b(by|without|on|ignoring)\s*\([^)]*\)`)
	promqlRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlVariables = regexp.MustCompile(`\$\{?\w+\}?`)
	promqlWord      = regexp.MustCompile(`(?:^|[^a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)`)
)

// promqlNames returns the metric names an expression selects.
func promqlNames(t *testing.T, expr string) []string {
	s := promqlStrings.ReplaceAllString(expr, `""`)
	s = promqlMatchers.ReplaceAllString(s, " ")
	s = promqlGrouping.ReplaceAllString(s, " ")
	s = promqlRanges.ReplaceAllString(s, " ")
	s = promqlVariables.ReplaceAllString(s, " ")
	var names []string
	for _, m := range promqlWord.FindAllStringSubmatchIndex(s, -1) {
		w := s[m[2]:m[3]]
		rest := strings.TrimLeft(s[m[3]:], " ")
		if strings.HasPrefix(rest, "(") || promqlWords[w] {
			if !promqlWords[w] {
				t.Errorf("%q: unknown function %s", expr, w)
			}
			continue
		}
		names = append(names, w)
	}
	return names
}

// TestGrafanaDashboard checks that the dashboard parses, takes its data
// source as a variable, and queries only series the exporter produces.
func TestGrafanaDashboard(t *testing.T) {
	body, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name, Type string
				Query      json.RawMessage `json:"query"`
				Definition string          `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr       string `json:"expr"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(body, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Error("dashboard needs a title and a uid")
	}
	var exprs []string
	hasDS := false
	for _, v := range dash.Templating.List {
		if v.Type == "datasource" && v.Name == "datasource" {
			hasDS = true
		}
		if v.Definition != "" {
			exprs = append(exprs, v.Definition)
		}
	}
	if !hasDS {
		t.Error("no datasource template variable")
	}
	produced := exportedSeriesNames(t)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %q, want ${datasource}", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: a target's datasource is %q", p.Title, tg.Datasource.UID)
			}
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, e := range exprs {
		names := promqlNames(t, e)
		if len(names) == 0 {
			t.Errorf("%q selects no metric", e)
		}
		for _, n := range names {
			used[n] = true
			if !produced[n] {
				t.Errorf("%q uses %s, which the exporter does not produce", e, n)
			}
		}
	}
	// The figures the dashboard is for.
	for _, n := range []string{"awscni_total_ip_addresses", "awscni_assigned_ip_addresses", "awscni_eni_allocated", "awscni_eni_max",
		"ipamsim_pods_waiting", "ipamsim_pod_ip_wait_seconds_bucket", "awscni_ec2api_req_count", "ipamsim_ec2_throttled_requests_total",
		"ipamsim_subnet_free_addresses", "ipamsim_subnet_free_aligned_prefixes"} {
		if !used[n] {
			t.Errorf("the dashboard does not show %s", n)
		}
	}
	var list []string
	for n := range used {
		list = append(list, n)
	}
	sort.Strings(list)
	t.Logf("series used: %s", strings.Join(list, " "))
}

func TestPromQLNames(t *testing.T) {
	got := promqlNames(t, `histogram_quantile(0.99, sum by (le) (rate(x_bucket{instance=~"$instance", a="b{c}"}[$__rate_interval]))) - sum(y) / 1e3`)
	if strings.Join(got, ",") != "x_bucket,y" {
		t.Errorf("got %v", got)
	}
}
