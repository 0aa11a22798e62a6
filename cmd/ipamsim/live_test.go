package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runRunCapture(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runRun(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

var servingRE = regexp.MustCompile(`serving (http://\S+/metrics)`)

// scrape fetches and parses one exposition in the Prometheus text format.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s: %s", url, resp.Status, body)
		return nil, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type %q, want the Prometheus text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(bytes.NewReader(body))
}

func gaugeValue(mfs map[string]*dto.MetricFamily, name string) (float64, bool) {
	mf := mfs[name]
	if mf == nil || len(mf.Metric) == 0 {
		return 0, false
	}
	m := mf.Metric[0]
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Untyped != nil:
		return m.Untyped.GetValue(), true
	}
	return 0, false
}

// TestLiveConcurrentScrapes runs the default scenario paced at 5000× (about
// half a second) while several clients scrape /metrics as fast as they can; run
// with -race it checks that the run's mutex keeps scrapes and the simulation
// apart. Afterwards the endpoint serves the final state, equal to
// --metrics-file, until --exit-after.
func TestLiveConcurrentScrapes(t *testing.T) {
	dir := t.TempDir()
	metricsFile := filepath.Join(dir, "final.prom")
	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int)
	start := time.Now()
	go func() {
		done <- runRun([]string{"--metrics-addr", "127.0.0.1:0", "--speed", "5000", "--exit-after", "1500ms",
			"--metrics-file", metricsFile}, strings.NewReader(""), &stdout, &stderr)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if m := servingRE.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no serving line on stderr: %s", stderr.String())
	}

	var running atomic.Bool
	running.Store(true)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[float64]bool{} // distinct ipamsim_simulated_seconds values during the run
	var scrapes atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for running.Load() {
				mfs, err := scrape(t, url)
				if err != nil {
					t.Errorf("scrape during the run: %v", err)
					return
				}
				scrapes.Add(1)
				if v, ok := gaugeValue(mfs, "ipamsim_simulated_seconds"); ok {
					held, _ := gaugeValue(mfs, "awscni_total_ip_addresses")
					assigned, _ := gaugeValue(mfs, "awscni_assigned_ip_addresses")
					if assigned > held {
						t.Errorf("scrape at %gs: %g assigned > %g held", v, assigned, held)
					}
					mu.Lock()
					seen[v] = true
					mu.Unlock()
				}
			}
		}()
	}
	// The run is over once the summary is printed; the server then holds the
	// final state until --exit-after.
	for !strings.Contains(stderr.String(), "run finished") {
		select {
		case code := <-done:
			t.Fatalf("exit %d before the run finished: %s", code, stderr.String())
		case <-time.After(time.Millisecond):
		}
	}
	running.Store(false)
	wg.Wait()
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond {
		t.Errorf("run took %s: --speed 5000 should pace 2389 s of simulated time to about 0.48 s", elapsed)
	}
	if scrapes.Load() < 4 || len(seen) < 2 {
		t.Errorf("%d scrapes saw %d distinct simulated times: want scrapes while the run advanced", scrapes.Load(), len(seen))
	}

	// The final state is what --metrics-file has, sample for sample.
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	final, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	file, err := os.ReadFile(metricsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		if !bytes.Contains(final, []byte(line+"\n")) {
			t.Errorf("final scrape lacks --metrics-file line %q", line)
		}
	}
	for _, want := range []string{"ipamsim_subnet_free_addresses{subnet=\"10.0.0.0/16\"}", "ipamsim_subnet_free_aligned_prefixes{subnet=\"10.0.0.0/16\"}"} {
		if !bytes.Contains(final, []byte(want)) {
			t.Errorf("final scrape lacks %s", want)
		}
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("--exit-after did not end the command")
	}
	if !strings.Contains(stdout.String(), "pod IP wait") {
		t.Errorf("no summary on stdout: %s", stdout.String())
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after the command returned")
	}
}

func TestLiveBindFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, _, stderr := runRunCapture("--metrics-addr", addr, "--exit-after", "1ms")
	if code != 2 || !strings.Contains(stderr, "--metrics-addr "+addr) {
		t.Fatalf("exit %d, stderr %q: want 2 naming %s", code, stderr, addr)
	}
}

func TestVisualFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--speed", "10"}, "need --metrics-addr"},
		{[]string{"--exit-after", "1s"}, "need --metrics-addr"},
		{[]string{"--metrics-addr", "127.0.0.1:0", "--speed", "-1"}, "--speed -1"},
		{[]string{"--metrics-addr", "127.0.0.1:0", "--exit-after", "-1s"}, "--exit-after -1s"},
		{[]string{"--openmetrics-file", "x.om", "--start-time", "yesterday"}, "RFC 3339"},
		{[]string{"--openmetrics-file", "x.om", "--sample-interval", "0s"}, "--sample-interval 0s"},
		{[]string{"--start-time", "2026-01-01T00:00:00Z"}, "needs --openmetrics-file"},
		{[]string{"--sample-interval", "1m"}, "needs --openmetrics-file or --report"},
		{[]string{"--scenario", "subnet-150-nodes", "--report", "x.html"}, "is a cluster"},
		{[]string{"--scenario", "warm-eni-waste", "--openmetrics-file", "x.om"}, "choose one with --variant"},
	} {
		code, _, stderr := runRunCapture(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q: want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
