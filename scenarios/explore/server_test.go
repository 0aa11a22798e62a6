package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func get(t *testing.T, ts *httptest.Server, path string) (int, []byte) {
	t.Helper()
	res, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

func getRun(t *testing.T, ts *httptest.Server, query string) runJSON {
	t.Helper()
	code, body := get(t, ts, "/api/run?"+query)
	if code != http.StatusOK {
		t.Fatalf("/api/run?%s: %d %s", query, code, body)
	}
	var r runJSON
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// directRun runs a shipped scenario the way `ipamsim run --scenario NAME
// --variant V --set ...` does, straight through replay.Execute.
func directRun(t *testing.T, name, variant string, sets []string, inst, order string, seed uint64, policy string) replay.Summary {
	t.Helper()
	sc, err := scenarios.LookupBuiltin(name)
	if err != nil {
		t.Fatal(err)
	}
	settings := ipam.DefaultSettings()
	if err := sc.ApplySettings(&settings, variant); err != nil {
		t.Fatal(err)
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := settings.Set("--set", k, v); err != nil {
			t.Fatal(err)
		}
	}
	if inst == "" {
		inst = sc.InstanceType
	}
	it, err := catalog.Lookup(inst)
	if err != nil {
		t.Fatal(err)
	}
	ord, err := ipam.ParseAssignOrder(order)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := ec2.ProfileByName(sc.EC2)
	if err != nil {
		t.Fatal(err)
	}
	drain := 10 * time.Minute
	if sc.Drain > 0 {
		drain = sc.Drain
	}
	pol, err := ipam.NewPolicy(policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sc.Workload(seed)
	if err != nil {
		t.Fatal(err)
	}
	out, err := replay.Execute(replay.Spec{Instance: it, Settings: settings, MaxPods: sc.MaxPods, Order: ord, Profile: prof,
		Seed: seed, Drain: sim.Time(drain), Policy: pol}, src, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Summary
}

// The API's figures are those of a plain run of the same settings.
func TestRunMatchesDirectRun(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	cases := []struct {
		query           string
		name, variant   string
		sets            []string
		inst, order     string
		seed            uint64
		policy          string
		wantWaitedAtAll bool
	}{
		{"", "default", "base", nil, "", "go-map", 1, "vpc-cni", true},
		{"WARM_IP_TARGET=5", "default", "base", []string{"WARM_IP_TARGET=5"}, "", "go-map", 1, "vpc-cni", true},
		// Its only waits were its start pods', now running pods, restored
		// without an ADD (docs/model.md §9.13).
		{"scenario=churn-cooldown&variant=warm-ip-10&seed=3&instance-type=m5.2xlarge&IP_COOLDOWN_PERIOD=10",
			"churn-cooldown", "warm-ip-10", []string{"IP_COOLDOWN_PERIOD=10"}, "m5.2xlarge", "go-map", 3, "vpc-cni", false},
		{"scenario=prefix-delegation&assign-order=random&WARM_PREFIX_TARGET=2",
			"prefix-delegation", "base", []string{"WARM_PREFIX_TARGET=2"}, "", "random", 1, "vpc-cni", false},
		{"scenario=scale-burst&policy=cilium-eni&MAX_ENI=2", "scale-burst", "base", []string{"MAX_ENI=2"}, "", "go-map", 1, "cilium-eni", true},
	}
	for _, c := range cases {
		got := getRun(t, ts, c.query)
		want := directRun(t, c.name, c.variant, c.sets, c.inst, c.order, c.seed, c.policy)
		if !reflect.DeepEqual(got.Summary, want) {
			t.Errorf("%q: summary\n got %+v\nwant %+v", c.query, got.Summary, want)
		}
		if (got.Summary.PodsWaited > 0) != c.wantWaitedAtAll {
			t.Errorf("%q: %d pods waited; the case was chosen with waits=%v", c.query, got.Summary.PodsWaited, c.wantWaitedAtAll)
		}
		checkSeries(t, c.query, got)
	}
}

// checkSeries checks the sampled series against the run's exact figures.
func checkSeries(t *testing.T, name string, r runJSON) {
	t.Helper()
	s, sum := r.Series, r.Summary
	n := len(s.T)
	if n < 2 || n > maxRows+1 {
		t.Fatalf("%s: %d rows", name, n)
	}
	for _, col := range [][]int{s.Held, s.Assigned, s.Idle, s.Waiting, s.ENIs} {
		if len(col) != n {
			t.Fatalf("%s: a column has %d rows, t has %d", name, len(col), n)
		}
	}
	if s.T[0] != 0 || s.T[n-1] != roundMillis(sum.SimulatedSeconds) {
		t.Errorf("%s: series spans %g–%g s, the run %g s", name, s.T[0], s.T[n-1], sum.SimulatedSeconds)
	}
	maxHeld, maxWait := 0, 0
	for i := range n {
		if i > 0 && s.T[i] <= s.T[i-1] {
			t.Fatalf("%s: t[%d]=%g after %g", name, i, s.T[i], s.T[i-1])
		}
		if s.Idle[i] != s.Held[i]-s.Assigned[i] {
			t.Errorf("%s: row %d idle %d, held %d, assigned %d", name, i, s.Idle[i], s.Held[i], s.Assigned[i])
		}
		maxHeld, maxWait = max(maxHeld, s.Held[i]), max(maxWait, s.Waiting[i])
	}
	if maxHeld > sum.PeakAddressesHeld {
		t.Errorf("%s: series holds %d addresses, the run's peak is %d", name, maxHeld, sum.PeakAddressesHeld)
	}
	// The waiting column is the exact peak per interval, so it sees every
	// pod that waited.
	if (maxWait > 0) != (sum.PodsWaited > 0) {
		t.Errorf("%s: most pods waiting at once %d, pods that waited %d", name, maxWait, sum.PodsWaited)
	}
	if s.Held[n-1] != sum.FinalAddressesHeld || s.Assigned[n-1] != sum.FinalAddressesInUse || s.ENIs[n-1] != sum.FinalENIs {
		t.Errorf("%s: last row held %d assigned %d ENIs %d; the run ends with %d, %d, %d", name,
			s.Held[n-1], s.Assigned[n-1], s.ENIs[n-1], sum.FinalAddressesHeld, sum.FinalAddressesInUse, sum.FinalENIs)
	}
	if s.EC2[n-1] != sum.EC2CallsTotal || s.Throttled[n-1] != sum.ThrottledCalls {
		t.Errorf("%s: last row %d EC2 calls, %d throttled; the run %d, %d", name, s.EC2[n-1], s.Throttled[n-1], sum.EC2CallsTotal, sum.ThrottledCalls)
	}
	c := r.CDF
	if k := len(c.Wait); k == 0 || c.Fraction[k-1] != 1 || c.Wait[k-1] != roundMillis(sum.WaitMaxSeconds) {
		t.Errorf("%s: CDF ends at %v/%v, the run's max wait is %g", name, c.Wait, c.Fraction, sum.WaitMaxSeconds)
	}
}

// The recorder's rows are the node's state at each multiple of its final
// interval (after every event at or before it), each with the most pods
// waiting at once since the previous row: checked against the state after
// every engine event, recorded separately.
func TestRecorderMatchesTrajectory(t *testing.T) {
	for _, name := range []string{"scale-burst", "churn-cooldown", "warm-eni-waste"} { // 1,205 s, 1,800 s, 4,184 s
		sc, err := scenarios.LookupBuiltin(name)
		if err != nil {
			t.Fatal(err)
		}
		settings := ipam.DefaultSettings()
		if err := sc.ApplySettings(&settings, ""); err != nil {
			t.Fatal(err)
		}
		it, _ := catalog.Lookup(sc.InstanceType)
		src, err := sc.Workload(1)
		if err != nil {
			t.Fatal(err)
		}
		type point struct {
			at                          sim.Time
			held, assigned, enis, waits int
		}
		var (
			node *ipam.Node
			traj []point
			at   sim.Time
			log  = &replay.NodeLog{}
			rec  = newRecorder(log)
		)
		opt := replay.Options{Log: log,
			OnStart:    func(n *ipam.Node) { node = n; rec.start(n) },
			BeforeStep: func(next sim.Time) { rec.advance(next); at = next },
			AfterStep: func() {
				rec.afterStep()
				st := node.Stats()
				traj = append(traj, point{at, st.TotalIPs, st.AssignedIPs, st.ENIs, node.Waiting()})
			},
		}
		prof, _ := ec2.ProfileByName(sc.EC2)
		out, err := replay.Execute(replay.Spec{Instance: it, Settings: settings, Profile: prof, Seed: 1, Drain: sim.Time(sc.Drain) + 10*sim.Minute}, src, opt)
		if err != nil {
			t.Fatal(err)
		}
		end := out.Result.End
		rec.finish(end)
		every := sim.Second
		for end/every > maxRows {
			every *= 2
		}
		if rec.every != every {
			t.Fatalf("%s: interval %s for a %s run; want %s", name, rec.every, end, every)
		}
		var want []row
		i, peak := 0, 0
		state := point{}
		for g := sim.Time(0); ; g += every {
			if g > end {
				g = end
			}
			for ; i < len(traj) && traj[i].at <= g; i++ {
				state = traj[i]
				peak = max(peak, state.waits)
			}
			want = append(want, row{at: g, held: state.held, assigned: state.assigned, enis: state.enis, waitingPeak: peak})
			peak = state.waits
			if g == end {
				break
			}
		}
		if len(rec.rows) != len(want) {
			t.Fatalf("%s: %d rows, want %d", name, len(rec.rows), len(want))
		}
		for k, w := range want {
			g := rec.rows[k]
			g.ec2, g.throttled = 0, 0
			if g != w {
				t.Fatalf("%s: row %d: %+v, want %+v", name, k, g, w)
			}
		}
	}
}

// A bad value gets the CLI's error text (as `ipamsim run` printed it for
// the same flag) and the field it belongs to.
func TestErrorsNameTheField(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	cases := []struct{ query, field, msg string }{
		{"WARM_IP_TARGET=abc", "WARM_IP_TARGET", `--set: WARM_IP_TARGET="abc": not a whole number`},
		{"IP_COOLDOWN_PERIOD=-4", "IP_COOLDOWN_PERIOD", `--set: IP_COOLDOWN_PERIOD="-4": want a whole number of seconds from 0 to 3600000 (1000 hours)`},
		{"ENABLE_PREFIX_DELEGATION=maybe", "ENABLE_PREFIX_DELEGATION", `--set: ENABLE_PREFIX_DELEGATION="maybe": not a boolean (true/false)`},
		{"WARM_IP_TARGT=2", "WARM_IP_TARGT", `--set: WARM_IP_TARGT="2": unknown setting; did you mean WARM_IP_TARGET?`},
		{"instance-type=m5.lrage", "instance-type", `unknown instance type "m5.lrage"; did you mean m5.large, c5.large, m1.large?`},
		{"assign-order=x", "assign-order", `--assign-order: unknown assign order "x" (want go-map, first-fit, or random, an alias of go-map)`},
		{"seed=x", "seed", `invalid argument "x" for "--seed" flag: must be a non-negative integer`},
		{"policy=x", "policy", `unknown policy "x" (valid: azure-cns, calico, cilium-eni, static, terway, vpc-cni)`},
		{"scenario=default&variant=nope", "variant", `--variant "nope": scenario default has base`},
		{"scenario=/etc/passwd", "scenario", `unknown scenario "/etc/passwd" (this server offers `},
		{"scenario=scale-up-150-nodes", "scenario", `unknown scenario "scale-up-150-nodes"`},
		{"pin=x", "query", `unknown parameter "pin"`},
		{"seed=1&seed=2", "seed", `parameter "seed" is given 2 times`},
		{"a=%zz", "query", `invalid URL escape "%zz"`},
		{"WARM_IP_TARGET=" + strings.Repeat("9", maxQueryBytes), "query", "at most 4096 are accepted"},
	}
	for _, c := range cases {
		code, body := get(t, ts, "/api/run?"+c.query)
		var e errorJSON
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%q: %v: %s", c.query, err, body)
		}
		if code != http.StatusBadRequest || e.Field != c.field || !strings.Contains(e.Error, c.msg) {
			t.Errorf("%q: %d field %q error %q; want 400, %q, %q", c.query, code, e.Field, e.Error, c.field, c.msg)
		}
	}
}

func TestCommandLine(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	cases := []struct{ query, want string }{
		{"", "ipamsim run --scenario default"},
		// The scenario's own values need no flag.
		{"scenario=default&variant=base&WARM_ENI_TARGET=1&WARM_IP_TARGET=0&MINIMUM_IP_TARGET=0&WARM_PREFIX_TARGET=0&ENABLE_PREFIX_DELEGATION=false&IP_COOLDOWN_PERIOD=30&instance-type=m5.large&assign-order=go-map&seed=1&policy=vpc-cni",
			"ipamsim run --scenario default"},
		{"WARM_IP_TARGET=5&MINIMUM_IP_TARGET=10&seed=7&assign-order=random&policy=terway&instance-type=c5.xlarge",
			"ipamsim run --scenario default --set WARM_IP_TARGET=5 --set MINIMUM_IP_TARGET=10 --instance-type c5.xlarge --assign-order random --seed 7 --policy terway"},
		// A scenario with variants names the variant shown.
		{"scenario=churn-cooldown&WARM_IP_TARGET=2", "ipamsim run --scenario churn-cooldown --variant base"},
		{"scenario=churn-cooldown&variant=warm-eni&WARM_IP_TARGET=3", "ipamsim run --scenario churn-cooldown --variant warm-eni --set WARM_IP_TARGET=3"},
	}
	for _, c := range cases {
		if got := getRun(t, ts, c.query).Command; got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.query, got, c.want)
		}
	}
	for in, want := range map[string]string{"plain-1.x/y=z": "plain-1.x/y=z", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "$HOME": "'$HOME'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMeta(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	code, body := get(t, ts, "/api/meta")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var m metaJSON
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	var names, defaults []string
	for _, s := range m.Settings {
		names = append(names, s.Name)
		defaults = append(defaults, s.Default)
	}
	// docs/model.md §1: WARM_ENI_TARGET 1, WARM_IP_TARGET and
	// MINIMUM_IP_TARGET unset, WARM_PREFIX_TARGET 0, no prefix delegation,
	// a 30 s cooldown.
	if want := []string{"WARM_ENI_TARGET", "WARM_IP_TARGET", "MINIMUM_IP_TARGET", "WARM_PREFIX_TARGET", "ENABLE_PREFIX_DELEGATION", "IP_COOLDOWN_PERIOD"}; !slices.Equal(names, want) {
		t.Errorf("inputs %v, want %v", names, want)
	}
	if want := []string{"1", "0", "0", "0", "false", "30"}; !slices.Equal(defaults, want) {
		t.Errorf("defaults %v, want %v", defaults, want)
	}
	var ids []string
	var churn scenarioJSON
	for _, s := range m.Scenarios {
		ids = append(ids, s.ID)
		if s.ID == "churn-cooldown" {
			churn = s
		}
	}
	want := []string{"churn-cooldown", "cronjob-spike", "default", "prefix-delegation", "rolling-update", "scale-burst", "warm-eni-waste"}
	if !slices.Equal(ids, want) || m.DefaultScenario != "default" {
		t.Errorf("scenarios %v (default %s), want the single-node ones %v", ids, m.DefaultScenario, want)
	}
	// churn-cooldown.scn: base WARM_IP_TARGET=2 MINIMUM_IP_TARGET=23; the
	// variants change one thing each.
	got := map[string][3]string{}
	for _, v := range churn.Variants {
		got[v.Name] = [3]string{v.Settings["WARM_IP_TARGET"], v.Settings["MINIMUM_IP_TARGET"], v.Settings["IP_COOLDOWN_PERIOD"]}
	}
	wantV := map[string][3]string{"base": {"2", "23", "30"}, "short-cooldown": {"2", "23", "5"}, "warm-ip-10": {"10", "23", "30"}, "warm-eni": {"0", "0", "30"}}
	if !reflect.DeepEqual(got, wantV) || churn.Variants[0].Name != "base" || churn.InstanceType != "m5.xlarge" {
		t.Errorf("churn-cooldown variants %v (first %s, type %s), want %v", got, churn.Variants[0].Name, churn.InstanceType, wantV)
	}
	i := slices.IndexFunc(m.InstanceTypes, func(it instanceJSON) bool { return it.Name == "m5.large" })
	if i < 0 || m.InstanceTypes[i] != (instanceJSON{"m5.large", 3, 10, true}) || len(m.InstanceTypes) < 500 {
		t.Errorf("%d instance types; m5.large at %d", len(m.InstanceTypes), i)
	}
	if !slices.Equal(m.AssignOrders, []string{"go-map", "first-fit"}) || m.DefaultOrder != "go-map" || !slices.Contains(m.Policies, "vpc-cni") {
		t.Errorf("orders %v (%s), policies %v", m.AssignOrders, m.DefaultOrder, m.Policies)
	}
}

func TestScenarioFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.scn")
	text := "name: mine\nquestion: Does a burst of 12 pods wait?\ninstance-type: t3.medium\nset: WARM_IP_TARGET=1\n" +
		"workload: gen deploy --prefix b --replicas 12 --create-rate 6 --start 30s --hold 2m\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, Config{Scenario: path})
	var m metaJSON
	_, body := get(t, ts, "/api/meta")
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m.DefaultScenario != path || m.Scenarios[0].ID != path || m.Scenarios[0].Question != "Does a burst of 12 pods wait?" {
		t.Fatalf("default %q, first %+v", m.DefaultScenario, m.Scenarios[0])
	}
	r := getRun(t, ts, "WARM_IP_TARGET=4")
	if r.Summary.InstanceType != "t3.medium" || r.Summary.PodsAdded != 12 {
		t.Errorf("summary %+v", r.Summary)
	}
	if want := "ipamsim run --scenario " + shellQuote(path) + " --set WARM_IP_TARGET=4"; r.Command != want {
		t.Errorf("command %s, want %s", r.Command, want)
	}
	// A cluster scenario, a missing file and a bad instance type are refused
	// at start-up.
	for _, bad := range []string{"scale-up-150-nodes", filepath.Join(dir, "none.scn")} {
		if _, err := New(Config{Scenario: bad}); err == nil {
			t.Errorf("New(%q): no error", bad)
		}
	}
}

// A run past the server's limits stops with 422 instead of hanging.
func TestRunLimits(t *testing.T) {
	_, ts := newTestServer(t, Config{MaxEvents: 50}) // the default scenario has 116
	code, body := get(t, ts, "/api/run")
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "run stopped after 50 engine events") {
		t.Errorf("event cap: %d %.300s", code, body)
	}
	_, ts = newTestServer(t, Config{RunTimeout: time.Nanosecond})
	code, body = get(t, ts, "/api/run?scenario=churn-cooldown") // 1,328 events
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "run stopped after 1ns") {
		t.Errorf("time limit: %d %.300s", code, body)
	}
	// The server still answers afterwards.
	_, ts = newTestServer(t, Config{})
	getRun(t, ts, "")
}

// Concurrent runs share nothing: each answer equals the same run made
// alone (go test -race checks the rest).
func TestConcurrentRuns(t *testing.T) {
	_, ts := newTestServer(t, Config{MaxConcurrent: 2})
	queries := []string{"WARM_IP_TARGET=1", "WARM_IP_TARGET=5", "scenario=cronjob-spike", "scenario=rolling-update&seed=9"}
	alone := map[string]replay.Summary{}
	for _, q := range queries {
		alone[q] = getRun(t, ts, q).Summary
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 16 {
		wg.Add(1)
		go func(q string) {
			defer wg.Done()
			res, err := http.Get(ts.URL + "/api/run?" + q)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer res.Body.Close()
			var r runJSON
			if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
				errs <- err.Error()
				return
			}
			if !reflect.DeepEqual(r.Summary, alone[q]) {
				errs <- fmt.Sprintf("%s: concurrent summary differs", q)
			}
		}(queries[i%len(queries)])
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestPageAndHeaders(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	for _, p := range []string{"/", "/assets/app.js", "/assets/style.css", "/assets/uplot/uPlot.iife.min.js", "/assets/uplot/uPlot.min.css"} {
		code, body := get(t, ts, p)
		if code != http.StatusOK || len(body) < 500 {
			t.Errorf("%s: %d, %d bytes", p, code, len(body))
		}
	}
	_, page := get(t, ts, "/")
	for _, want := range []string{`id="scenario"`, `id="instance-type"`, `id="figures"`, `src="assets/app.js"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %s", want)
		}
	}
	res, err := http.Get(ts.URL + "/api/meta")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", res.Header)
	}
	if code, _ := get(t, ts, "/nope"); code != http.StatusNotFound {
		t.Errorf("/nope: %d", code)
	}
	res, err = http.Post(ts.URL+"/api/run", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/run: %d", res.StatusCode)
	}
}

func TestCheckAddr(t *testing.T) {
	for _, a := range []string{"127.0.0.1:8080", "127.0.0.1:0", "localhost:80", "[::1]:8080", "127.1.2.3:9"} {
		if w, err := CheckAddr(a, false); err != nil || w != "" {
			t.Errorf("CheckAddr(%q) = %q, %v; want fine", a, w, err)
		}
	}
	for _, a := range []string{":8080", "0.0.0.0:8080", "192.168.1.5:80", "[::]:80", "example.com:80"} {
		if _, err := CheckAddr(a, false); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("CheckAddr(%q): %v; want a refusal naming --allow-remote", a, err)
		}
		if w, err := CheckAddr(a, true); err != nil || !strings.Contains(w, "not a loopback address") {
			t.Errorf("CheckAddr(%q, allow) = %q, %v; want a warning", a, w, err)
		}
	}
	if _, err := CheckAddr("8080", false); err == nil {
		t.Error("CheckAddr(8080): no error")
	}
}

// Serve answers loopback names only (no DNS rebinding) and stops with its
// context.
func TestServeGuardAndShutdown(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, true) }()
	base := "http://" + ln.Addr().String()
	for host, want := range map[string]int{"": 200, "localhost:1": 200, "evil.example:80": 403, "10.0.0.1": 403} {
		req, _ := http.NewRequest("GET", base+"/api/meta", nil)
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, res.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

// The vendored uPlot files are the ones its README's table names.
func TestVendoredHashes(t *testing.T) {
	readme, err := assets.ReadFile("assets/uplot/README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(readme), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "|", " "))
		if len(f) != 2 || len(f[1]) != 64 {
			continue
		}
		body, err := assets.ReadFile("assets/uplot/" + f[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256hex(body); got != f[1] {
			t.Errorf("%s: sha256 %s, README says %s", f[0], got, f[1])
		}
		n++
	}
	if n != 3 {
		t.Errorf("README lists %d files, want 3", n)
	}
}

func TestParseQueryOrder(t *testing.T) {
	q, err := parseQuery(url.Values{"MAX_ENI": {"2"}, "IP_COOLDOWN_PERIOD": {"1"}, "WARM_ENI_TARGET": {"0"}, "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": {"false"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range q.sets {
		keys = append(keys, a.key)
	}
	// The page's inputs in its order, then the rest by name.
	if want := []string{"WARM_ENI_TARGET", "IP_COOLDOWN_PERIOD", "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "MAX_ENI"}; !slices.Equal(keys, want) {
		t.Errorf("order %v, want %v", keys, want)
	}
}
