package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios/explore"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

func uiServer(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := explore.New(explore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func uiGet(t *testing.T, ts *httptest.Server, query string) (int, map[string]json.RawMessage) {
	t.Helper()
	res, err := http.Get(ts.URL + "/api/run?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return res.StatusCode, m
}

// The command line the page shows, run through the CLI's own entry point,
// prints the page's summary.
func TestUICommandLineReproducesRun(t *testing.T) {
	ts := uiServer(t)
	for _, q := range []string{
		"",
		"WARM_IP_TARGET=5",
		"scenario=churn-cooldown&variant=short-cooldown&WARM_IP_TARGET=4&seed=11",
		"scenario=prefix-delegation&ENABLE_PREFIX_DELEGATION=true&WARM_PREFIX_TARGET=2&instance-type=c5.xlarge&assign-order=random",
		"scenario=cronjob-spike&policy=azure-cns&IP_COOLDOWN_PERIOD=0&MINIMUM_IP_TARGET=12",
	} {
		code, m := uiGet(t, ts, q)
		if code != http.StatusOK {
			t.Fatalf("%q: %d %s", q, code, m["error"])
		}
		var args []string
		var command string
		var page replay.Summary
		for k, v := range map[string]any{"args": &args, "command": &command, "summary": &page} {
			if err := json.Unmarshal(m[k], v); err != nil {
				t.Fatal(err)
			}
		}
		if command != "ipamsim "+strings.Join(args, " ") {
			t.Errorf("%q: command %q is not its args %q", q, command, args)
		}
		var stdout, stderr bytes.Buffer
		if rc := run(append(args, "-o", "json"), nil, &stdout, &stderr); rc != 0 {
			t.Fatalf("%q: ipamsim %v: exit %d: %s", q, args, rc, stderr.String())
		}
		var cli replay.Summary
		if err := json.Unmarshal(stdout.Bytes(), &cli); err != nil {
			t.Fatalf("%q: %v: %s", q, err, stdout.String())
		}
		if !reflect.DeepEqual(cli, page) {
			t.Errorf("%q: ipamsim %v prints\n%+v\nthe page shows\n%+v", q, args, cli, page)
		}
	}
}

// A bad value on the page reads exactly as `ipamsim run` words it for the
// same flag.
func TestUIErrorsAreTheCLIs(t *testing.T) {
	ts := uiServer(t)
	for _, c := range []struct {
		query string
		args  []string
	}{
		{"WARM_IP_TARGET=abc", []string{"--set", "WARM_IP_TARGET=abc"}},
		{"IP_COOLDOWN_PERIOD=-1", []string{"--set", "IP_COOLDOWN_PERIOD=-1"}},
		{"WARM_ENI_TARGT=1", []string{"--set", "WARM_ENI_TARGT=1"}},
		{"instance-type=m5.lrage", []string{"--instance-type", "m5.lrage"}},
		{"assign-order=fifo", []string{"--assign-order", "fifo"}},
		{"policy=flannel", []string{"--policy", "flannel"}},
		{"scenario=churn-cooldown&variant=nope", []string{"--scenario", "churn-cooldown", "--variant", "nope"}},
		{"seed=-1", []string{"--seed", "-1"}},
	} {
		code, m := uiGet(t, ts, c.query)
		var msg string
		if err := json.Unmarshal(m["error"], &msg); err != nil || code != http.StatusBadRequest {
			t.Fatalf("%q: %d %v", c.query, code, err)
		}
		var stdout, stderr bytes.Buffer
		if rc := run(append([]string{"run"}, c.args...), nil, &stdout, &stderr); rc != 2 {
			t.Fatalf("ipamsim run %v: exit %d", c.args, rc)
		}
		got := stderr.String()
		if strings.HasPrefix(got, "Usage of ipamsim run:") { // a flag the parser refused
			got = got[strings.LastIndex(got, "\nError: ")+len("\nError: "):]
		} else {
			got = strings.TrimPrefix(got, "ipamsim run: ")
		}
		if got != msg+"\n" {
			t.Errorf("%q: the page says %q, ipamsim run %v says %q", c.query, msg, c.args, got)
		}
	}
}

func TestUIFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "not a loopback address"},
		{[]string{"--addr", ":8080"}, "add --allow-remote"},
		{[]string{"--scenario", "scale-up-150-nodes"}, "describes a cluster"},
		{[]string{"--scenario", "no-such"}, `unknown scenario "no-such"`},
		{[]string{"--port", "1"}, "unknown flag: --port"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		if rc := run(append([]string{"ui", "--addr", "127.0.0.1:0"}, c.args...), nil, &stdout, &stderr); rc != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("ipamsim ui %v: exit %d, %q; want 2 and %q", c.args, rc, stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"ui", "--help"}, nil, &stdout, &stderr); rc != 0 || !strings.Contains(stdout.String(), "--allow-remote") {
		t.Errorf("ipamsim ui --help: exit %d, %q", rc, stdout.String())
	}
}
