package promexport

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// omSample is one parsed sample line of a backfill.
type omSample struct {
	name, labels string
	value        float64
	ts           string
}

var omSampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+) (-?\d+\.\d{3})$`)

// parseOM checks the structure OpenMetrics requires of a backfill (one block
// per family, # HELP and # TYPE before its samples, sample names that belong to
// the family's type, millisecond timestamps rising per series, # EOF last) and
// returns the families' types and the samples.
func parseOM(t *testing.T, body string) (types map[string]string, samples []omSample) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if lines[len(lines)-1] != "# EOF" {
		t.Fatalf("last line %q, want # EOF", lines[len(lines)-1])
	}
	types = map[string]string{}
	lastTS := map[string]float64{}
	var family, typ string
	for i, line := range lines[:len(lines)-1] {
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			family = strings.Fields(rest)[0]
			if _, dup := types[family]; dup {
				t.Fatalf("line %d: family %s appears twice", i+1, family)
			}
			types[family] = ""
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[0] != family {
				t.Fatalf("line %d: %q: TYPE must follow its family's HELP", i+1, line)
			}
			typ = f[1]
			types[family] = typ
			continue
		}
		m := omSampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d: %q is not a sample with a millisecond timestamp", i+1, line)
		}
		name := m[1]
		var suffixes []string
		switch typ {
		case "counter":
			suffixes = []string{"_total"}
		case "histogram":
			suffixes = []string{"_bucket", "_count", "_sum"}
		case "summary":
			suffixes = []string{"", "_count", "_sum"}
		case "gauge", "unknown":
			suffixes = []string{""}
		default:
			t.Fatalf("line %d: family %s has type %q", i+1, family, typ)
		}
		if !slices.ContainsFunc(suffixes, func(s string) bool { return name == family+s }) {
			t.Fatalf("line %d: sample %s does not belong to %s family %s", i+1, name, typ, family)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("line %d: value: %v", i+1, err)
		}
		ts, _ := strconv.ParseFloat(m[4], 64)
		key := name + m[2]
		if prev, ok := lastTS[key]; ok && ts <= prev {
			t.Fatalf("line %d: %s timestamp %s not after %v", i+1, key, m[4], prev)
		}
		lastTS[key] = ts
		samples = append(samples, omSample{name, m[2], v, m[4]})
	}
	return types, samples
}

// promSamples reads the sample lines of a Prometheus text exposition.
func promSamples(t *testing.T, body []byte) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// backfillRun runs the default scenario with a backfill sampled every `every`
// from start, and returns its text and the run.
func backfillRun(t *testing.T, start time.Time, every time.Duration, ec2 string) (string, *replay.Outcome) {
	t.Helper()
	bf := NewBackfill(start)
	ob, err := NewObserver(nil, bf)
	if err != nil {
		t.Fatal(err)
	}
	var opt replay.Options
	ob.Hook(&opt, sim.Time(every))
	run := defaultRun(t, opt, ec2)
	ob.Finish(run.Result)
	ob.Release()
	var b bytes.Buffer
	if err := bf.WriteOpenMetrics(&b); err != nil {
		t.Fatal(err)
	}
	return b.String(), run
}

func TestBackfill(t *testing.T) {
	dir := t.TempDir()
	body, run := backfillRun(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 15*time.Second, "default")
	om, prom := filepath.Join(dir, "run.om"), filepath.Join(dir, "run.prom")
	if err := os.WriteFile(om, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteNode(&text, run.Node, run.Result); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prom, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	types, samples := parseOM(t, body)

	// aws-node's counters keep their names as unknown families; ipamsim's
	// counters are OpenMetrics counters whose samples end in _total.
	for fam, want := range map[string]string{
		"awscni_add_ip_req_count": "unknown", "awscni_ec2api_req_count": "unknown", "awscni_no_available_ip_addresses": "unknown",
		"awscni_total_ip_addresses": "gauge", "awscni_aws_api_latency_ms": "summary",
		"ipamsim_idle_ip_seconds": "counter", "ipamsim_ec2_throttled_requests": "counter",
		"ipamsim_pod_ip_wait_seconds": "histogram", "ipamsim_pods_waiting": "gauge",
		"ipamsim_subnet_free_addresses": "gauge", "ipamsim_subnet_free_aligned_prefixes": "gauge",
	} {
		if types[fam] != want {
			t.Errorf("family %s: type %q, want %q", fam, types[fam], want)
		}
	}

	// Sampled every 15 s from 2026-01-01T00:00:00Z, plus the run's end.
	start := float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	var held []omSample
	for _, s := range samples {
		if s.name == "awscni_total_ip_addresses" {
			held = append(held, s)
		}
	}
	if len(held) < 2 || held[0].ts != strconv.FormatFloat(start, 'f', 3, 64) || held[1].ts != strconv.FormatFloat(start+15, 'f', 3, 64) {
		t.Fatalf("awscni_total_ip_addresses samples start %v", held[:min(len(held), 2)])
	}
	if last := held[len(held)-1].ts; last != "1767227988.795" {
		t.Errorf("last sample at %s, want the run's end 1767227988.795 (39m48.795s)", last)
	}

	// Every series of --metrics-file is in the backfill under the same name,
	// its last sample equal to the final value (the engine's event count aside:
	// the backfill's sampling ticks are events too).
	final := promSamples(t, mustRead(t, prom))
	last := map[string]float64{}
	for _, s := range samples {
		last[s.name+s.labels] = s.value
	}
	for series, v := range final {
		if strings.HasPrefix(series, "ipamsim_engine_events_total") {
			continue
		}
		got, ok := last[series]
		if !ok {
			t.Errorf("backfill lacks series %s", series)
		} else if got != v {
			t.Errorf("%s: last backfilled sample %v, final value %v", series, got, v)
		}
	}

	// promtool, when installed, must accept it (make visual-check always
	// runs this).
	if promtool, err := exec.LookPath("promtool"); err == nil {
		out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", om, filepath.Join(dir, "tsdb")).CombinedOutput()
		if err != nil {
			t.Errorf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
		}
	}
}

// TestBackfillStartAndInterval: samples are dated from the start given, every
// interval given.
func TestBackfillStartAndInterval(t *testing.T) {
	start, err := time.Parse(time.RFC3339, "2030-06-01T12:00:00+02:00")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := backfillRun(t, start, time.Minute, "zero")
	_, samples := parseOM(t, body)

	var ts []string
	for _, s := range samples {
		if s.name == "ipamsim_simulated_seconds" {
			ts = append(ts, s.ts)
		}
	}
	t0 := time.Date(2030, 6, 1, 10, 0, 0, 0, time.UTC).Unix()
	if len(ts) < 3 || ts[0] != strconv.FormatInt(t0, 10)+".000" || ts[1] != strconv.FormatInt(t0+60, 10)+".000" {
		t.Fatalf("timestamps %v", ts[:min(3, len(ts))])
	}
}

// TestBackfillSamples: a sample at the same millisecond replaces the previous
// one, label values and help are escaped, counters without _total are unknown.
func TestBackfillSamples(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_req_count", Help: `a "quoted" \ help`}, []string{"fn"})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "y", Help: "y"})
	reg.MustRegister(c, g)
	r := NewBackfill(time.Unix(100, 0))
	c.WithLabelValues("a\"b\n").Add(1)
	r.Sample(0, reg)
	g.Set(2)
	r.Sample(sim.Second, reg)
	g.Set(3)
	r.Sample(sim.Second+sim.Microsecond, reg) // same millisecond: replaces
	var b bytes.Buffer
	if err := r.WriteOpenMetrics(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP x_req_count a \"quoted\" \\ help
# TYPE x_req_count unknown
x_req_count{fn="a\"b\n"} 1 100.000
x_req_count{fn="a\"b\n"} 1 101.000
# HELP y y
# TYPE y gauge
y 0 100.000
y 3 101.000
# EOF
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
