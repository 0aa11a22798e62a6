package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
)

func scenariosCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runScenarios(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestScenariosList(t *testing.T) {
	for _, args := range [][]string{nil, {"list"}} {
		code, out, errs := scenariosCmd(args...)
		if code != 0 || errs != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errs)
		}
		all := scenarios.Builtins()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(all) {
			t.Fatalf("%d lines for %d scenarios:\n%s", len(lines), len(all), out)
		}
		col := strings.Index(lines[0], all[0].Question)
		for i, s := range all {
			if !strings.HasPrefix(lines[i], s.Name+" ") || !strings.HasSuffix(lines[i], "  "+s.Question) || strings.Index(lines[i], s.Question) != col {
				t.Errorf("line %q: want %q then its question in column %d", lines[i], s.Name, col)
			}
		}
	}
}

func TestScenariosShow(t *testing.T) {
	s, err := scenarios.LookupBuiltin("cronjob-spike")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := scenariosCmd("show", "cronjob-spike")
	if code != 0 || errs != "" || out != s.Text {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
	}
	// The copy runs exactly as the shipped scenario.
	path := filepath.Join(t.TempDir(), "my.scn")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	var a, b, ea, eb bytes.Buffer
	if c := run([]string{"run", "--scenario", "cronjob-spike", "-o", "json"}, nil, &a, &ea); c != 0 {
		t.Fatalf("run shipped: exit %d, %s", c, ea.String())
	}
	if c := run([]string{"run", "--scenario", path, "-o", "json"}, nil, &b, &eb); c != 0 {
		t.Fatalf("run copy: exit %d, %s", c, eb.String())
	}
	if a.String() != b.String() || !strings.Contains(a.String(), `"no_ip_add_failures"`) {
		t.Fatalf("the copy ran differently:\n%s\n%s", a.String(), b.String())
	}
}

func TestScenariosErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"show", "nope"}, `unknown scenario "nope" (shipped: churn-cooldown, cronjob-spike, default,`},
		{[]string{"show"}, "show wants one NAME (shipped: churn-cooldown, cronjob-spike"},
		{[]string{"show", "a", "b"}, "show wants one NAME"},
		{[]string{"list", "x"}, `unexpected argument "x"`},
		{[]string{"frobnicate"}, `unknown subcommand "frobnicate"`},
	}
	for _, c := range cases {
		code, out, errs := scenariosCmd(c.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "ipamsim scenarios: ") || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
	code, out, _ := scenariosCmd("--help")
	if code != 0 || !strings.Contains(out, "ipamsim scenarios show NAME") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

// TestRunScenarioFileErrors: a bad scenario file is a usage error naming
// file:line and the key.
func TestRunScenarioFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.scn")
	os.WriteFile(path, []byte("name: bad\nquestion: q\ninstance-type: m5.large\ndrain: soon\nworkload: gen churn\n"), 0o644)
	var out, errb bytes.Buffer
	code := run([]string{"run", "--scenario", path}, nil, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), path+`:4: field "drain": "soon" is not a duration`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	code = run([]string{"run", "--scenario", "no-such-scenario"}, nil, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), `unknown scenario "no-such-scenario"`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
