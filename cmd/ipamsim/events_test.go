package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// eventLines runs `ipamsim run ARGS --events FILE -o json` and returns the
// log's lines, each split into words, and the run's JSON summary.
func eventLines(t *testing.T, args ...string) ([][]string, map[string]any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.log")
	var out, errb bytes.Buffer
	if code := run(append(append([]string{"run"}, args...), "--events", path, "-o", "json"), nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var sum map[string]any
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	prev := -1.0
	for _, l := range strings.Split(strings.TrimSuffix(string(mustReadFile(t, path)), "\n"), "\n") {
		w := strings.Fields(l)
		at, err := strconv.ParseFloat(w[0], 64)
		if err != nil || at < prev {
			t.Fatalf("line %q: the time %q is not a number at or after %g", l, w[0], prev)
		}
		prev = at
		lines = append(lines, w)
	}
	return lines, sum
}

// count counts the lines whose words, from the kind on (word k), start with
// prefix.
func count(lines [][]string, k int, prefix ...string) int {
	n := 0
	for _, w := range lines {
		if len(w) >= k+len(prefix) && slicesEqual(w[k:k+len(prefix)], prefix) {
			n++
		}
	}
	return n
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestRunEventsDefaultScenario: `ipamsim run --events FILE` on the default
// scenario logs each ENI's create and attach, in that order, and its lines
// agree with the run's summary: one ec2 line per EC2 request, one add line
// with an address per pod, one no-address line per failed ADD.
func TestRunEventsDefaultScenario(t *testing.T) {
	lines, sum := eventLines(t)
	num := func(k string) int { return int(sum[k].(float64)) }
	attached := num("enis_attached") - 1 // the primary ENI comes with the instance
	if attached < 2 {
		t.Fatalf("the default scenario attached %d ENIs; the test wants at least 2", attached)
	}
	for id := 2; id <= attached+1; id++ {
		eni := "eni-" + strings.Repeat("0", 8-len(strconv.Itoa(id))) + strconv.Itoa(id)
		created, attachedAt := -1, -1
		for i, w := range lines {
			switch {
			case w[1] == "eni-create" && w[2] == eni:
				created = i
			case w[1] == "eni-attach" && w[2] == eni:
				attachedAt = i
			}
		}
		if created < 0 || attachedAt < created {
			t.Errorf("%s: eni-create at line %d, eni-attach at line %d", eni, created+1, attachedAt+1)
		}
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"eni-attach lines", count(lines, 1, "eni-attach"), attached},
		{"ec2 lines", count(lines, 1, "ec2"), num("ec2_calls_total")},
		{"ready lines", count(lines, 1, "ready"), 1},
		{"add lines with an address", count(lines, 1, "add") - count(lines, 3, "no-address") - count(lines, 3, "before-ready"), num("pods_added")},
		{"no-address lines", count(lines, 3, "no-address"), num("no_ip_add_failures")},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
}

// TestRunEventsCluster: a cluster run's log names each event's node after
// its time, and logs every placement.
func TestRunEventsCluster(t *testing.T) {
	lines, sum := eventLines(t, "--scenario", "pd-fragmented-subnet")
	for _, w := range lines {
		if !strings.HasPrefix(w[1], "pd-") {
			t.Fatalf("line %q does not name its node", strings.Join(w, " "))
		}
	}
	placed := 0
	for _, g := range sum["groups"].([]any) {
		placed += int(g.(map[string]any)["pods_added"].(float64))
	}
	if got := count(lines, 2, "place"); got != placed || placed == 0 {
		t.Errorf("%d place lines, want %d (pods added to nodes)", got, placed)
	}
}

// TestRunEventsOneRun: --events describes one run: a scenario with variants
// needs --variant, and nothing is written.
func TestRunEventsOneRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.log")
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--scenario", "scale-burst", "--events", path}, nil, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "--variant") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Fatalf("left %v behind", m)
	}
}
