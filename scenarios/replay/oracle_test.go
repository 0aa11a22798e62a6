package replay_test

// The oracle cases: small traces with the outcome the real upstream ipamd
// pool code produced for them (testdata/oracle/README.md). Each case is
// replayed through replay.Execute as `ipamsim run --ec2 zero` would run it and
// its timeline is compared row by row with the expected files, by the rules of
// docs/model.md §9.7–§9.11.
//
// Helpers for other assignment orders: oracleRuns checks every case in one
// order and seed; oracleSeeds checks a range of seeds and counts the runs that
// leave the band of upstream's own runs, strict and widened.
// A new order (go-map) gets its test as
//
//	func TestOracleGoMapSeeds(t *testing.T) {
//		tally := oracleSeeds(t, ipam.GoMapOrder, seedRange(1, 10))
//		if tally.leftBand > 0 { t.Errorf(...) }
//	}

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

var oracleDir = flag.String("oracle.cases", filepath.Join("testdata", "oracle"),
	"directory of oracle cases, one folder per case (e.g. a held-back set)")

// oracleStretch is how many simulated seconds one unit of a case's `at`
// becomes, so that every event meets a settled node (§9.7).
const oracleStretch = 600

// oracleDrain is `ipamsim run`'s --drain default: the last row's state is
// measured at the end of the run.
const oracleDrain = 10 * time.Minute

// oracleRow is one row of a timeline or of an expected file: the event and
// the node's state after it. For a band (expected_range.csv) lo and hi hold
// the extremes; for an exact row lo == hi.
type oracleRow struct {
	line        int // line in its file, for messages about the data itself
	at, op, pod string
	results     []string // accepted `result` values
	lo, hi      [3]int   // enis, prefixes, ips_total
	assigned    int      // ips_assigned
}

// oracleCounts names lo/hi's columns, in their order.
var oracleCounts = [3]string{"enis", "prefixes", "ips_total"}

// oracleCase is one folder of testdata/oracle.
type oracleCase struct {
	name      string
	node      string            // instance type ("" for a node given by MAX_ENI and IPV4_PER_ENI)
	env       string            // settings.env without IPV4_PER_ENI and MAX_PODS: the env file ipamsim reads
	vals      map[string]string // every KEY=VALUE of settings.env
	maxPods   int
	trace     []oracleRow // at, op, pod only
	exact     []oracleRow // expected_timed.csv, else expected_firstfit.csv; nil if neither
	frequent  []oracleRow // expected.csv: the most frequent of upstream's random runs
	band      []oracleRow // expected_range.csv
	unsettled bool        // NOTES.md says UNSETTLED: only ips_assigned is comparable
}

var nodeComment = regexp.MustCompile(`^#\s*node:\s*(\S+)`)

// loadOracleCase reads one case folder. Bad data is an error naming the file
// and line.
func loadOracleCase(dir string) (*oracleCase, error) {
	c := &oracleCase{name: filepath.Base(dir), vals: map[string]string{}}
	envPath := filepath.Join(dir, "settings.env")
	body, err := os.ReadFile(envPath)
	if err != nil {
		return nil, err
	}
	var env strings.Builder
	for i, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if m := nodeComment.FindStringSubmatch(line); m != nil {
			c.node = m[1]
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is not KEY=VALUE", envPath, i+1, line)
		}
		c.vals[k] = v
		if k != "IPV4_PER_ENI" && k != "MAX_PODS" {
			env.WriteString(line + "\n")
		}
	}
	c.env = env.String()
	// The kubelet's max pods: MAX_PODS, else 110 with prefix delegation, else
	// the eni-max-pods.txt formula on the case's limits (testdata README).
	switch {
	case c.vals["MAX_PODS"] != "":
		c.maxPods, err = oracleInt(envPath, "MAX_PODS", c.vals["MAX_PODS"])
	case strings.EqualFold(c.vals["ENABLE_PREFIX_DELEGATION"], "true"):
		c.maxPods = 110
	default:
		var enis, perENI int
		if enis, err = oracleInt(envPath, "MAX_ENI", c.vals["MAX_ENI"]); err == nil {
			if perENI, err = oracleInt(envPath, "IPV4_PER_ENI", c.vals["IPV4_PER_ENI"]); err == nil {
				c.maxPods = enis*(perENI-1) + 2
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if c.trace, err = readOracleTable(filepath.Join(dir, "trace.csv"), tableTrace); err != nil {
		return nil, err
	}
	for _, name := range []string{"expected_timed.csv", "expected_firstfit.csv"} {
		c.exact, err = readOracleTable(filepath.Join(dir, name), tableExact)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		c.exact = nil
	}
	if c.frequent, err = readOracleTable(filepath.Join(dir, "expected.csv"), tableExact); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if c.band, err = readOracleTable(filepath.Join(dir, "expected_range.csv"), tableBand); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if c.exact == nil && (c.frequent == nil || c.band == nil) {
		return nil, fmt.Errorf("%s: no expected_timed.csv or expected_firstfit.csv, and no expected.csv with expected_range.csv", dir)
	}
	notes, err := os.ReadFile(filepath.Join(dir, "NOTES.md"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	c.unsettled = bytes.Contains(notes, []byte("UNSETTLED"))
	return c, nil
}

func oracleInt(file, key, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %s=%q: want a whole number >= 0", file, key, v)
	}
	return n, nil
}

type tableKind int

const (
	tableTrace tableKind = iota // at,op,pod
	tableExact                  // at,op,pod,result,enis,prefixes,ips_total,ips_assigned
	tableBand                   // at,op,pod,results,enis_min,enis_max,...,ips_assigned_max
)

// readOracleTable reads a CSV file with a header into rows; columns are found
// by name.
func readOracleTable(path string, kind tableKind) ([]oracleRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseOracleTable(f, path, kind)
}

func parseOracleTable(in io.Reader, path string, kind tableKind) ([]oracleRow, error) {
	r := csv.NewReader(in)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := []string{"at", "op", "pod"}
	switch kind {
	case tableExact:
		need = append(need, "result", "enis", "prefixes", "ips_total", "ips_assigned")
	case tableBand:
		need = append(need, "results", "ips_assigned_min")
		for _, c := range oracleCounts {
			need = append(need, c+"_min", c+"_max")
		}
	}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, fmt.Errorf("%s: header has no column %q", path, n)
		}
	}
	var rows []oracleRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		row := oracleRow{line: line, at: rec[col["at"]], op: rec[col["op"]], pod: rec[col["pod"]]}
		num := func(name string) int {
			if err != nil {
				return 0
			}
			var n int
			if n, err = strconv.Atoi(rec[col[name]]); err != nil || n < 0 {
				err = fmt.Errorf("%s:%d: field %q: %q is not a whole number >= 0", path, line, name, rec[col[name]])
			}
			return n
		}
		switch kind {
		case tableTrace:
			num("at")
		case tableExact:
			row.results = []string{rec[col["result"]]}
			for i, c := range oracleCounts {
				row.lo[i] = num(c)
				row.hi[i] = row.lo[i]
			}
			row.assigned = num("ips_assigned")
		case tableBand:
			row.results = strings.Split(rec[col["results"]], "|")
			for i, c := range oracleCounts {
				row.lo[i], row.hi[i] = num(c+"_min"), num(c+"_max")
			}
			row.assigned = num("ips_assigned_min")
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// loadOracleCases reads every case folder under -oracle.cases. Missing data
// fails the test: the cases are part of the repository.
func loadOracleCases(t *testing.T) []*oracleCase {
	t.Helper()
	entries, err := os.ReadDir(*oracleDir)
	if err != nil {
		t.Fatalf("oracle cases: %v", err)
	}
	var cases []*oracleCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := loadOracleCase(filepath.Join(*oracleDir, e.Name()))
		if err != nil {
			t.Fatalf("oracle case %s: %v", e.Name(), err)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatalf("no oracle cases in %s", *oracleDir)
	}
	return cases
}

// spec is the node `ipamsim run --ec2 zero --assign-order ORDER --env-file
// settings --instance-type NODE --max-pods N --seed SEED` builds for the case.
func (c *oracleCase) spec(order ipam.AssignOrder, seed uint64) (replay.Spec, error) {
	var inst catalog.InstanceType
	var err error
	if c.node != "" {
		inst, err = catalog.Lookup(c.node)
	} else {
		var enis, perENI int
		if enis, err = oracleInt(c.name+"/settings.env", "MAX_ENI", c.vals["MAX_ENI"]); err == nil {
			if perENI, err = oracleInt(c.name+"/settings.env", "IPV4_PER_ENI", c.vals["IPV4_PER_ENI"]); err == nil {
				inst, err = catalog.Custom("oracle-node", enis, perENI)
			}
		}
	}
	if err != nil {
		return replay.Spec{}, err
	}
	settings := ipam.DefaultSettings()
	if err := ipam.ParseEnvFile(c.name+"/settings.env", c.env, &settings); err != nil {
		return replay.Spec{}, err
	}
	profile, err := ec2.ProfileByName("zero")
	if err != nil {
		return replay.Spec{}, err
	}
	return replay.Spec{Instance: inst, Settings: settings, MaxPods: c.maxPods, Order: order, Profile: profile,
		Subnet: netip.MustParsePrefix("10.0.0.0/16"), Seed: seed, Drain: sim.Time(oracleDrain)}, nil
}

// stretchedTrace is the case's trace with `at` → (at+1)·600 s.
func (c *oracleCase) stretchedTrace() string {
	var b strings.Builder
	b.WriteString("at,op,pod\n")
	for _, r := range c.trace {
		at, _ := strconv.Atoi(r.at) // checked when read
		fmt.Fprintf(&b, "%d,%s,%s\n", (at+1)*oracleStretch, r.op, r.pod)
	}
	return b.String()
}

// run replays the case and returns its timeline.
func (c *oracleCase) run(order ipam.AssignOrder, seed uint64) ([]oracleRow, error) {
	spec, err := c.spec(order, seed)
	if err != nil {
		return nil, err
	}
	var tl bytes.Buffer
	src := scenarios.NewCSVReader(strings.NewReader(c.stretchedTrace()), c.name+"/trace.csv (stretched)")
	if _, err := replay.Execute(spec, src, replay.Options{Timeline: &tl}); err != nil {
		return nil, err
	}
	return parseOracleTable(bufio.NewReader(&tl), c.name+" timeline", tableExact)
}

// expectations returns the rows a run in order is compared with: for
// first-fit the exact file as a band of width zero; for any other order the
// band of upstream's random runs (§9.9).
func (c *oracleCase) expectations(order ipam.AssignOrder) []oracleRow {
	if order == ipam.FirstFit && c.exact != nil {
		return c.exact
	}
	want := c.exact
	if want == nil {
		want = c.frequent
	}
	return bandWith(c.band, want)
}

// bandWith is band with each row's event, `result` and ips_assigned taken
// from want: placement order never changes who holds an address or who
// waits, so those come from one exact answer; only the counts that placement
// moves come from the band.
func bandWith(band, want []oracleRow) []oracleRow {
	rows := slices.Clone(band[:min(len(band), len(want))])
	for i := range rows {
		rows[i].at, rows[i].op, rows[i].pod = want[i].at, want[i].op, want[i].pod
		rows[i].results = want[i].results
		rows[i].assigned = want[i].assigned
	}
	return rows
}

// compareOracle lists where a timeline departs from the expectations (§9.8–
// §9.11). widen is true for orders other than first-fit outside strict mode:
// on a row where upstream itself varies, one band width beyond its band is
// accepted. Messages read like the standalone check script's.
func compareOracle(got, want []oracleRow, unsettled, widen bool) []string {
	if len(got) != len(want) {
		return []string{fmt.Sprintf("timeline has %d rows, expected %d", len(got), len(want))}
	}
	sameAt := map[string]int{}
	for _, w := range want {
		sameAt[w.at]++
	}
	var bad []string
	for i, w := range want {
		g := got[i]
		key := fmt.Sprintf("row %d (%s,%s,%s)", i+1, w.at, w.op, w.pod)
		if g.op != w.op || g.pod != w.pod {
			bad = append(bad, fmt.Sprintf("%s: timeline row is %s,%s", key, g.op, g.pod))
			continue
		}
		inBurst := w.op != "init" && sameAt[w.at] > 1
		lastOfBurst := inBurst && (i+1 == len(want) || want[i+1].at != w.at)
		if inBurst && !lastOfBurst {
			continue // a same-instant burst is compared only after its last event
		}
		if g.assigned != w.assigned {
			bad = append(bad, fmt.Sprintf("%s: ips_assigned %d want %d", key, g.assigned, w.assigned))
		}
		if unsettled {
			continue // the real pool never settles here: only what pods hold compares
		}
		if !inBurst && !slices.Contains(w.results, g.results[0]) {
			bad = append(bad, fmt.Sprintf("%s: result %s want %s", key, g.results[0], strings.Join(w.results, "|")))
		}
		for k, name := range oracleCounts {
			lo, hi := w.lo[k], w.hi[k]
			if widen && hi > lo {
				lo, hi = lo-(hi-lo), hi+(hi-lo)
			}
			if v := g.lo[k]; v < lo || v > hi {
				want := strconv.Itoa(lo)
				if lo != hi {
					want = fmt.Sprintf("%d..%d", lo, hi)
				}
				bad = append(bad, fmt.Sprintf("%s: %s %d want %s", key, name, v, want))
			}
		}
	}
	return bad
}

// oracleOutcome is one case run in one order and seed: its mismatches
// against the widened band (what must hold) and against the strict band.
type oracleOutcome struct {
	name        string
	seed        uint64
	bad, strict []string
}

// summary is the case's line in the check script's format.
func (o oracleOutcome) summary(strict bool) string {
	bad := o.bad
	if strict {
		bad = o.strict
	}
	if len(bad) == 0 {
		return "ok   " + o.name
	}
	return fmt.Sprintf("FAIL %s: %d mismatches; first: %s", o.name, len(bad), strings.Join(bad[:min(3, len(bad))], "; "))
}

// oracleRuns replays every case in order with seed and compares each
// timeline, strictly and (for orders other than first-fit) with the widened
// band. A case that cannot run at all fails the test.
func oracleRuns(t *testing.T, cases []*oracleCase, order ipam.AssignOrder, seed uint64) []oracleOutcome {
	t.Helper()
	out := make([]oracleOutcome, len(cases))
	for i, c := range cases {
		got, err := c.run(order, seed)
		if err != nil {
			t.Fatalf("%s (%s, seed %d): %v", c.name, order, seed, err)
		}
		want := c.expectations(order)
		out[i] = oracleOutcome{name: c.name, seed: seed,
			bad:    compareOracle(got, want, c.unsettled, order != ipam.FirstFit),
			strict: compareOracle(got, want, c.unsettled, false)}
	}
	return out
}

// requireOracle fails t for every case that leaves the expectations, listing
// the first mismatches, and logs each case's line.
func requireOracle(t *testing.T, outcomes []oracleOutcome) {
	t.Helper()
	for _, o := range outcomes {
		t.Log(o.summary(false))
		if len(o.bad) > 0 {
			t.Errorf("%s: %d mismatches:\n  %s", o.name, len(o.bad), strings.Join(o.bad[:min(10, len(o.bad))], "\n  "))
		}
	}
}

// TestOracleFirstFit: first-fit order must reproduce, row for row, what the
// real ipamd did with every map walk sorted (§3.7, §9.8).
func TestOracleFirstFit(t *testing.T) {
	requireOracle(t, oracleRuns(t, loadOracleCases(t), ipam.FirstFit, 1))
}

// TestOracleGoMap: the go-map order with the default seed must stay inside
// the band of upstream's own runs, widened on varying rows (§9.9).
func TestOracleGoMap(t *testing.T) {
	requireOracle(t, oracleRuns(t, loadOracleCases(t), ipam.GoMapOrder, 1))
}

// oracleTally counts, over seeds × cases, the runs that leave the widened
// band (leftBand), the strict band (leftStrict), and those that get a
// column wrong that no order can change: a pod's result or the addresses
// pods hold (orderBound).
type oracleTally struct {
	runs, leftBand, leftStrict, orderBound int
	lines                                  []string // per seed and case: widened | strict, in the check script's format
}

func seedRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// orderBoundMismatch reports a mismatch in a column that upstream's runs
// never varied in (NOTES.md: result and ips_assigned), or a timeline of the
// wrong shape.
func orderBoundMismatch(m string) bool {
	return strings.Contains(m, ": ips_assigned ") || strings.Contains(m, ": result ") ||
		strings.Contains(m, "timeline row is") || strings.HasPrefix(m, "timeline has")
}

// oracleSeeds runs every case in order once per seed and tallies how the
// runs sit against upstream's band. It is the strict-mode check of an order
// that emulates Go's map iteration: the figures are for the caller to judge
// (and log); only a case that cannot run fails t here.
func oracleSeeds(t *testing.T, order ipam.AssignOrder, seeds []uint64) oracleTally {
	t.Helper()
	cases := loadOracleCases(t)
	var tally oracleTally
	for _, seed := range seeds {
		for _, o := range oracleRuns(t, cases, order, seed) {
			tally.runs++
			if len(o.bad) > 0 {
				tally.leftBand++
			}
			if len(o.strict) > 0 {
				tally.leftStrict++
			}
			if slices.ContainsFunc(o.strict, orderBoundMismatch) {
				tally.orderBound++
			}
			tally.lines = append(tally.lines, fmt.Sprintf("seed %d: %s | strict: %s", seed, o.summary(false), o.summary(true)))
		}
	}
	return tally
}

// TestOracleGoMapSeeds replays every case in go-map order with seeds 1..10
// and holds the emulation to upstream's strict band (§9.9, issue 11): real
// ipamd leaves it rarely, so at most 3 % of all runs may, and no case in more
// than 3 of its 10 seeds. Which pods wait and how many addresses pods hold
// never depend on the order (upstream's runs never varied in them), so those
// must match on every run. (The uniform rotation the old random order drew
// left the strict band in 4 of 60 runs here, 71 of 600 over seeds 1..100.)
func TestOracleGoMapSeeds(t *testing.T) {
	const seeds = 10
	tally := oracleSeeds(t, ipam.GoMapOrder, seedRange(1, seeds))
	perCase := map[string]int{}
	for _, l := range tally.lines {
		if i := strings.Index(l, "| strict: FAIL "); i >= 0 {
			t.Log(l) // the runs that leave the strict band
			name, _, _ := strings.Cut(l[i+len("| strict: FAIL "):], ":")
			perCase[name]++
		}
	}
	t.Logf("go-map, seeds 1..%d: %d runs; %d leave the widened band, %d the strict band", seeds, tally.runs, tally.leftBand, tally.leftStrict)
	if tally.orderBound > 0 {
		t.Errorf("%d of %d runs get a pod's result or ips_assigned wrong, which no assignment order may change", tally.orderBound, tally.runs)
	}
	if tally.leftStrict*100 > 3*tally.runs {
		t.Errorf("%d of %d runs leave the strict band: more than 3 %%", tally.leftStrict, tally.runs)
	}
	for name, k := range perCase {
		if k > 3 {
			t.Errorf("%s leaves the strict band in %d of %d seeds: more than 3", name, k, seeds)
		}
	}
}

// TestOracleCompareRules checks the comparison itself on small hand-made
// timelines, one rule at a time (§9.8–§9.11).
func TestOracleCompareRules(t *testing.T) {
	parse := func(kind tableKind, text string) []oracleRow {
		t.Helper()
		rows, err := parseOracleTable(strings.NewReader(text), "test", kind)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	const head = "at,op,pod,result,enis,prefixes,ips_total,ips_assigned\n"
	// init, a burst of three ADDs at 10, one ADD at 20.
	exact := parse(tableExact, head+"0,init,-,ok,1,0,9,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,ok,2,0,18,3\n20,add,d,wait,2,0,18,4\n")
	tests := []struct {
		name      string
		got       string
		unsettled bool
		want      []string
	}{
		{"identical", "0,init,-,ok,1,0,9,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,ok,2,0,18,3\n20,add,d,wait,2,0,18,4\n", false, nil},
		{"inside a burst only the last row counts",
			"0,init,-,ok,1,0,9,0\n10,add,a,wait,3,0,27,0\n10,add,b,fail,1,0,9,9\n10,add,c,ok,2,0,18,3\n20,add,d,wait,2,0,18,4\n", false, nil},
		{"the burst's last row: counts compared, result not",
			"0,init,-,ok,1,0,9,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,wait,3,0,27,2\n20,add,d,wait,2,0,18,4\n", false,
			[]string{"row 4 (10,add,c): ips_assigned 2 want 3", "row 4 (10,add,c): enis 3 want 2", "row 4 (10,add,c): ips_total 27 want 18"}},
		{"a single event: result and every count",
			"0,init,-,ok,1,0,9,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,ok,2,0,18,3\n20,add,d,ok,2,1,18,4\n", false,
			[]string{"row 5 (20,add,d): result ok want wait", "row 5 (20,add,d): prefixes 1 want 0"}},
		{"unsettled: only ips_assigned",
			"0,init,-,ok,3,0,27,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,ok,1,0,9,3\n20,add,d,fail,1,0,9,3\n", true,
			[]string{"row 5 (20,add,d): ips_assigned 3 want 4"}},
		{"wrong event", "0,init,-,ok,1,0,9,0\n10,add,a,ok,1,0,9,1\n10,add,b,ok,1,0,9,2\n10,add,c,ok,2,0,18,3\n20,del,d,ok,2,0,18,4\n", false,
			[]string{"row 5 (20,add,d): timeline row is del,d"}},
		{"missing row", "0,init,-,ok,1,0,9,0\n", false, []string{"timeline has 1 rows, expected 5"}},
	}
	for _, tc := range tests {
		got := compareOracle(parse(tableExact, head+tc.got), exact, tc.unsettled, false)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got  %q\n want %q", tc.name, got, tc.want)
		}
	}

	// Bands: a varying row widens by one band width beyond each end unless
	// strict; a row upstream never varied in does not widen.
	band := parse(tableBand, "at,op,pod,results,enis_min,enis_max,prefixes_min,prefixes_max,ips_total_min,ips_total_max,ips_assigned_min,ips_assigned_max\n"+
		"0,init,-,ok,1,1,0,0,9,9,0,0\n10,del,a,ok,2,3,0,0,18,27,0,0\n")
	for _, tc := range []struct {
		got   string
		widen bool
		want  []string
	}{
		{"0,init,-,ok,1,0,9,0\n10,del,a,ok,3,0,27,0\n", false, nil},
		{"0,init,-,ok,1,0,9,0\n10,del,a,ok,4,0,36,0\n", true, nil},
		{"0,init,-,ok,1,0,9,0\n10,del,a,ok,4,0,36,0\n", false, []string{"row 2 (10,del,a): enis 4 want 2..3", "row 2 (10,del,a): ips_total 36 want 18..27"}},
		{"0,init,-,ok,1,0,9,0\n10,del,a,ok,5,0,0,0\n", true, []string{"row 2 (10,del,a): enis 5 want 1..4", "row 2 (10,del,a): ips_total 0 want 9..36"}},
		{"0,init,-,ok,2,0,18,0\n10,del,a,ok,3,0,27,0\n", true, []string{"row 1 (0,init,-): enis 2 want 1", "row 1 (0,init,-): ips_total 18 want 9"}},
	} {
		if got := compareOracle(parse(tableExact, head+tc.got), band, false, tc.widen); !slices.Equal(got, tc.want) {
			t.Errorf("band, widen %v, timeline %q:\n got  %q\n want %q", tc.widen, tc.got, got, tc.want)
		}
	}
}

// TestOracleCaseData checks what the cases' own files must say: the trace,
// the exact outcome and the band describe the same events, and the first-fit
// outcome lies inside the band (NOTES.md states it did for every case).
func TestOracleCaseData(t *testing.T) {
	for _, c := range loadOracleCases(t) {
		if c.exact == nil || c.band == nil {
			continue
		}
		if len(c.exact) != len(c.trace)+1 || len(c.band) != len(c.exact) {
			t.Errorf("%s: %d trace events, %d exact rows, %d band rows; want n, n+1, n+1", c.name, len(c.trace), len(c.exact), len(c.band))
			continue
		}
		for i, tr := range c.trace {
			if e, b := c.exact[i+1], c.band[i+1]; e.at != tr.at || e.op != tr.op || e.pod != tr.pod || b.at != tr.at || b.op != tr.op || b.pod != tr.pod {
				t.Errorf("%s: trace line %d (%s,%s,%s) is not the exact row %d nor band row %d", c.name, tr.line, tr.at, tr.op, tr.pod, e.line, b.line)
			}
		}
		// expected_firstfit.csv, when present, is what NOTES.md says lies in
		// the band (the timed file can differ where pods retry).
		ff, err := readOracleTable(filepath.Join(*oracleDir, c.name, "expected_firstfit.csv"), tableExact)
		if err != nil {
			continue
		}
		if bad := compareOracle(ff, bandWith(c.band, ff), c.unsettled, false); len(bad) > 0 {
			t.Errorf("%s: expected_firstfit.csv leaves the band: %s", c.name, strings.Join(bad, "; "))
		}
	}
}
