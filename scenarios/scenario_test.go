package scenarios_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

const goodScenario = `# A test scenario.
name: cron-test
question: Do CronJobs starve? (aws/amazon-vpc-cni-k8s#1446)   # '#1446' is text, this is a comment
instance-type: m5.large
max-pods: 29                       # optional

set: WARM_IP_TARGET=2              # repeatable
set: MINIMUM_IP_TARGET=4 IP_COOLDOWN_PERIOD=20
ec2: zero
drain: 5m
workload: gen cronjob --period 1m --pods-per-run 3 --run-length 50s --duration 3m --prefix job
workload: trace pods.csv
variant: warm-ip WARM_IP_TARGET=5 MINIMUM_IP_TARGET=10
variant: short-cooldown IP_COOLDOWN_PERIOD=5
`

func writeGood(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pods.csv"), []byte("at,op,pod\n1,add,a\n61.5,del,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cron.scn")
	if err := os.WriteFile(path, []byte(goodScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type row struct {
	at  sim.Time
	op  string
	pod string
}

func readAll(t *testing.T, r scenarios.Reader) []row {
	t.Helper()
	var out []row
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row{ev.At, ev.Op.String(), string(ev.Pod)})
	}
}

func TestParseScenarioGood(t *testing.T) {
	path := writeGood(t)
	s, err := scenarios.LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "cron-test" || s.Question != "Do CronJobs starve? (aws/amazon-vpc-cni-k8s#1446)" ||
		s.InstanceType != "m5.large" || s.MaxPods != 29 || s.EC2 != "zero" || s.Drain != 5*time.Minute ||
		s.Source != path || s.Text != goodScenario {
		t.Fatalf("parsed %+v", s)
	}
	if want := []string{"WARM_IP_TARGET=2", "MINIMUM_IP_TARGET=4", "IP_COOLDOWN_PERIOD=20"}; !reflect.DeepEqual(s.Settings, want) {
		t.Errorf("settings %q, want %q", s.Settings, want)
	}
	wantV := []scenarios.Variant{
		{Name: "warm-ip", Settings: []string{"WARM_IP_TARGET=5", "MINIMUM_IP_TARGET=10"}},
		{Name: "short-cooldown", Settings: []string{"IP_COOLDOWN_PERIOD=5"}},
	}
	if len(s.Variants) != 2 {
		t.Fatalf("variants %+v", s.Variants)
	}
	for i, v := range s.Variants {
		if v.Name != wantV[i].Name || !reflect.DeepEqual(v.Settings, wantV[i].Settings) {
			t.Errorf("variant %d: %+v, want %+v", i, v, wantV[i])
		}
	}

	// Settings: base, then a variant on top.
	st := ipam.DefaultSettings()
	if err := s.ApplySettings(&st, ""); err != nil {
		t.Fatal(err)
	}
	if st.WarmIPTarget != 2 || st.MinimumIPTarget != 4 || st.IPCooldown != 20*sim.Second {
		t.Errorf("base settings %+v", st)
	}
	st = ipam.DefaultSettings()
	if err := s.ApplySettings(&st, "warm-ip"); err != nil {
		t.Fatal(err)
	}
	if st.WarmIPTarget != 5 || st.MinimumIPTarget != 10 || st.IPCooldown != 20*sim.Second {
		t.Errorf("warm-ip settings %+v", st)
	}
	if err := s.ApplySettings(&st, "nope"); err == nil || !strings.Contains(err.Error(), "base, warm-ip, short-cooldown") {
		t.Errorf("unknown variant: %v", err)
	}

	// The workload: the generator merged with the trace file, in time order.
	r, err := s.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := []row{
		{0, "add", "job-000000"}, {0, "add", "job-000001"}, {0, "add", "job-000002"},
		{sim.Second, "add", "a"},
		{50 * sim.Second, "del", "job-000000"}, {50 * sim.Second, "del", "job-000001"}, {50 * sim.Second, "del", "job-000002"},
		{60 * sim.Second, "add", "job-000003"}, {60 * sim.Second, "add", "job-000004"}, {60 * sim.Second, "add", "job-000005"},
		{61500 * sim.Millisecond, "del", "a"},
	}
	if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("workload starts\n%v\nwant\n%v", got[:min(len(got), len(want))], want)
	}
	if c, ok := r.(io.Closer); !ok {
		t.Error("a workload with a trace file is not an io.Closer")
	} else if err := c.Close(); err != nil {
		t.Error(err)
	}
	// Each call gives a fresh reader with the same events.
	r2, err := s.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	if again := readAll(t, r2); !reflect.DeepEqual(again, got) {
		t.Error("a second Workload(1) gave other events")
	}
}

// TestParseScenarioErrors checks that each error names file:line and the key
// at fault.
func TestParseScenarioErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.scn")
	head := "name: x\nquestion: q?\ninstance-type: m5.large\n"
	wl := "workload: gen churn\n"
	cases := []struct {
		text string
		line int
		key  string
		want string
	}{
		{head + "colour: blue\n" + wl, 4, "colour", "unknown key"},
		{head + "just words\n" + wl, 4, "", `want "key: value"`},
		{head + "drain: 10\n" + wl, 4, "drain", `"10" is not a duration`},
		{head + "drain: -1m\n" + wl, 4, "drain", "not a duration > 0"},
		{head + "max-pods: many\n" + wl, 4, "max-pods", "not a whole number"},
		{head + "max-pods: 0\n" + wl, 4, "max-pods", "not a whole number from 1 to 1000000"},
		{head + "ec2: fast\n" + wl, 4, "ec2", "want default or zero"},
		{head + "set: WARM_IP_TARGT=2\n" + wl, 4, "set", "did you mean WARM_IP_TARGET?"},
		{head + "set: WARM_IP_TARGET=two\n" + wl, 4, "set", "not a whole number"},
		{head + "set: WARM_IP_TARGET\n" + wl, 4, "set", "not KEY=VALUE"},
		{head + "set:\n" + wl, 4, "set", "missing value"},
		{head + "name: y\n" + wl, 4, "name", "given twice (first at line 1)"},
		{"name: Bad_Name\nquestion: q\n" + wl, 1, "name", "lower-case"},
		{head + "workload: gen\n", 4, "workload", "missing KIND"},
		{head + "workload: gen bogus\n", 4, "workload", `unknown kind "bogus"`},
		{head + "workload: gen churn --rate -1\n", 4, "workload", "--rate must be > 0, got -1"},
		{head + "workload: gen churn --bogus 1\n", 4, "workload", "unknown flag: --bogus"},
		{head + "workload: gen churn -o x.csv\n", 4, "workload", "do not apply to a workload"},
		{head + "workload: gen churn extra\n", 4, "workload", `unexpected argument "extra"`},
		{head + "workload: gen churn --duration 10\n", 4, "workload", `"--duration"`},
		{head + "workload: trace missing.csv\n", 4, "workload", "missing.csv: no such file"},
		{head + "workload: trace\n", 4, "workload", "trace: missing PATH"},
		{head + "workload:\n", 4, "workload", "missing value"},
		{head + "workload: replay x\n", 4, "workload", `want "gen KIND FLAGS..." or "trace PATH"`},
		{head + wl + "variant: base WARM_IP_TARGET=1\n", 5, "variant", "names the run without a variant"},
		{head + wl + "variant: lonely\n", 5, "variant", "sets nothing"},
		{head + wl + "variant: v WARM_IP_TARGET=1\nvariant: v WARM_IP_TARGET=2\n", 6, "variant", "given twice (first at line 5)"},
		{head + wl + "variant: v WARM_ENI_TARGT=2\n", 5, "variant", "v: WARM_ENI_TARGT"},
		{head + wl + "variant: V WARM_IP_TARGET=2\n", 5, "variant", "variant name"},
		{"question: q\ninstance-type: m5.large\n" + wl, 3, "name", "missing"},
		{"name: x\ninstance-type: m5.large\n" + wl + "\n# end\n", 5, "question", "missing"},
		{"name: x\nquestion: q\n" + wl, 3, "instance-type", "missing"},
		{head, 3, "workload", "missing"},
		{"", 1, "name", "missing"},
	}
	for _, c := range cases {
		_, err := scenarios.ParseScenario(file, []byte(c.text))
		var pe *scenarios.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v, want a *ParseError", c.text, err)
			continue
		}
		prefix := fmt.Sprintf("%s:%d: ", file, c.line)
		if c.key != "" {
			prefix += fmt.Sprintf("field %q: ", c.key)
		}
		if pe.File != file || pe.Line != c.line || pe.Field != c.key || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s...%s", c.text, err, prefix, c.want)
		}
	}
}

func TestParseScenarioComments(t *testing.T) {
	text := "name: c # trailing\n" +
		"question: Why #1446 and a#b? #\n" +
		"instance-type: m5.large\t# tab before\n" +
		"   # indented comment\n" +
		"workload: gen deploy --replicas 2 # two\r\n"
	s, err := scenarios.ParseScenario("c.scn", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "c" || s.Question != "Why #1446 and a#b?" || s.InstanceType != "m5.large" {
		t.Fatalf("parsed %+v", s)
	}
	r, err := s.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readAll(t, r)); n != 4 {
		t.Errorf("workload has %d events, want 4 (2 adds, 2 dels)", n)
	}
}

// TestWorkloadTraceErrors: a trace file's errors name the trace file; a
// file removed after loading names the scenario line.
func TestWorkloadTraceErrors(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.csv")
	os.WriteFile(tr, []byte("at,op,pod\n1,add,a\nx,del,a\n"), 0o644)
	text := "name: t\nquestion: q\ninstance-type: m5.large\nworkload: trace t.csv\n"
	s, err := scenarios.ParseScenario(filepath.Join(dir, "t.scn"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.Workload(1)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	var pe *scenarios.ParseError
	if !errors.As(err, &pe) || pe.File != tr || pe.Line != 3 {
		t.Fatalf("error %v, want %s:3", err, tr)
	}
	os.Remove(tr)
	r, _ = s.Workload(1)
	_, err = r.Next()
	if !errors.As(err, &pe) || pe.Line != 4 || pe.Field != "workload" {
		t.Fatalf("error %v, want t.scn:4 workload", err)
	}
}

var issueRef = regexp.MustCompile(`\(aws/amazon-vpc-cni-k8s#\d+`)

func TestBuiltins(t *testing.T) {
	all := scenarios.Builtins()
	want := []string{"churn-cooldown", "cronjob-spike", "default", "pd-fragmented-subnet", "pd-subnet-reservation",
		"prefix-delegation", "rolling-update", "scale-burst", "scale-up-150-nodes", "subnet-150-nodes", "warm-eni-waste", "web-tier-plan"}
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
	}
	if !reflect.DeepEqual(names, want) || !reflect.DeepEqual(scenarios.BuiltinNames(), want) {
		t.Fatalf("shipped %q, want %q", names, want)
	}
	for _, s := range all {
		if s.Source != "builtin" || s.Text == "" || (s.InstanceType == "") != s.IsCluster() {
			t.Errorf("%s: source %q, %d bytes of text, type %q", s.Name, s.Source, len(s.Text), s.InstanceType)
		}
		if strings.ContainsAny(s.Question, "\n") || !strings.HasSuffix(s.Question, ")") && !strings.HasSuffix(s.Question, "?") {
			t.Errorf("%s: question %q", s.Name, s.Question)
		}
		if s.Name != scenarios.DefaultScenarioName && !issueRef.MatchString(s.Question) {
			t.Errorf("%s: question does not cite an upstream issue: %q", s.Name, s.Question)
		}
		// The text re-parses to the same scenario, as a copied file would.
		dir := t.TempDir()
		path := filepath.Join(dir, s.Name+".scn")
		os.WriteFile(path, []byte(s.Text), 0o644)
		c, err := scenarios.LoadScenario(path)
		if err != nil {
			t.Errorf("%s: a copy does not load: %v", s.Name, err)
			continue
		}
		if c.Name != s.Name || c.Question != s.Question || !reflect.DeepEqual(c.Settings, s.Settings) || !reflect.DeepEqual(c.Variants, s.Variants) {
			t.Errorf("%s: the copy parses differently", s.Name)
		}
		for _, v := range append([]string{""}, variantNames(s)...) {
			st := ipam.DefaultSettings()
			if err := s.ApplySettings(&st, v); err != nil {
				t.Errorf("%s %s: %v", s.Name, v, err)
			}
		}
		a, err := s.Workload(7)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.Workload(7)
		ea, eb := readAll(t, a), readAll(t, b)
		if len(ea) == 0 || !reflect.DeepEqual(ea, eb) {
			t.Errorf("%s: workload has %d events, or is not deterministic", s.Name, len(ea))
		}
	}
	// Callers get copies.
	all[0].Settings = append(all[0].Settings, "X=1")
	all[0].Name = "changed"
	if again := scenarios.Builtins(); again[0].Name == "changed" || len(again[0].Settings) == len(all[0].Settings) {
		t.Error("Builtins returned shared scenarios")
	}
}

func variantNames(s *scenarios.Scenario) []string {
	var out []string
	for _, v := range s.Variants {
		out = append(out, v.Name)
	}
	return out
}

// TestDefaultScenarioWorkload pins the default scenario's workload to the
// generators it was defined with before it became a file.
func TestDefaultScenarioWorkload(t *testing.T) {
	s, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	dp := scenarios.DefaultDeployParams()
	dp.Prefix, dp.Replicas, dp.CreateRate, dp.Start, dp.Hold, dp.ScaleDownTo, dp.DeleteRate = "web", 24, 5, sim.Minute, 10*sim.Minute, 5, 2
	deploy, err := scenarios.NewDeploy(dp, 3)
	if err != nil {
		t.Fatal(err)
	}
	cp := scenarios.DefaultChurnParams()
	cp.Prefix, cp.Rate, cp.MeanLifetime, cp.Duration = "batch", 1.0/120, 4*sim.Minute, 30*sim.Minute
	churn, err := scenarios.NewChurn(cp, 3)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Workload(3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := readAll(t, r), readAll(t, scenarios.Merge(deploy, churn)); !reflect.DeepEqual(got, want) {
		t.Fatalf("default workload differs from its definition: %d vs %d events", len(got), len(want))
	}
	if s.InstanceType != "m5.large" || len(s.Settings) != 0 || len(s.Variants) != 0 {
		t.Errorf("default scenario: %+v", s)
	}
}

func TestLoadScenario(t *testing.T) {
	if s, err := scenarios.LoadScenario("cronjob-spike"); err != nil || s.Name != "cronjob-spike" {
		t.Fatalf("%v, %v", s, err)
	}
	_, err := scenarios.LoadScenario("no-such")
	if err == nil || !strings.Contains(err.Error(), `unknown scenario "no-such"`) || !strings.Contains(err.Error(), "cronjob-spike") {
		t.Errorf("unknown name: %v", err)
	}
	_, err = scenarios.LoadScenario(filepath.Join(t.TempDir(), "none.scn"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := scenarios.LookupBuiltin("my.scn"); err == nil {
		t.Error("LookupBuiltin accepted a file name")
	}
}

func TestGenFromArgs(t *testing.T) {
	// --seed overrides the seed argument; the default is the argument.
	a, err := scenarios.GenFromArgs("churn", []string{"--rate", "2", "--duration", "1m"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := scenarios.GenFromArgs("churn", []string{"--rate", "2", "--duration", "1m", "--seed", "5"}, 9)
	c, _ := scenarios.GenFromArgs("churn", []string{"--rate", "2", "--duration", "1m"}, 6)
	ea, eb, ec := readAll(t, a), readAll(t, b), readAll(t, c)
	if !reflect.DeepEqual(ea, eb) || reflect.DeepEqual(ea, ec) {
		t.Error("--seed does not act as the seed")
	}
	for _, args := range [][]string{{"-h"}, {"--format", "csv"}, {"--output=x"}} {
		if _, err := scenarios.GenFromArgs("churn", args, 1); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	kinds := scenarios.GenKindList()
	if len(kinds) != len(scenarios.GenKinds) {
		t.Fatalf("%d kinds, GenKinds has %d", len(kinds), len(scenarios.GenKinds))
	}
	for i, k := range kinds {
		if k.Name != scenarios.GenKinds[i] || k.Summary == "" || k.Nodes != (k.Name == scenarios.KindCL2) {
			t.Errorf("kind %d: %+v", i, k)
		}
	}
}

func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(goodScenario))
	for _, s := range scenarios.Builtins() {
		f.Add([]byte(s.Text))
	}
	f.Add([]byte("name: x\nquestion: q\ninstance-type: t\nworkload: gen cl2 --nodes 67108864 --pods-per-node 1\nvariant: a B=1\n"))
	f.Add([]byte("\xef\xbb\xbfname:\xff\n#\n:\nset: =\nvariant: \t \n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		s, err := scenarios.ParseScenario("fuzz.scn", text)
		if err != nil {
			var pe *scenarios.ParseError
			if !errors.As(err, &pe) || pe.File != "fuzz.scn" || pe.Line < 1 {
				t.Fatalf("error %v is not a *ParseError with a line", err)
			}
			return
		}
		if s.Name == "" || s.Question == "" || (s.InstanceType == "" && !s.IsCluster()) || s.Text != string(text) {
			t.Fatalf("accepted %q as %+v", text, s)
		}
		for _, v := range append([]string{""}, variantNames(s)...) {
			st := ipam.DefaultSettings()
			if err := s.ApplySettings(&st, v); err != nil {
				t.Fatalf("variant %q of an accepted scenario: %v", v, err)
			}
		}
	})
}
