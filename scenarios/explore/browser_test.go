package explore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipamsim/ipamsim/scenarios/explore"
)

// chromium finds a Chromium to drive; without one the test is skipped,
// unless CI=true (.ci/run installs chromium before make test).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found, and CI=true needs it (apt-get install chromium)")
	}
	t.Skip("chromium not found (apt-get install chromium); skipping the browser test")
	return ""
}

// apiFigures asks the server directly for a run's p99 wait (as the page
// prints it, 3 decimals) and error text.
func apiFigures(t *testing.T, base, query string) (p99, errText string) {
	t.Helper()
	res, err := http.Get(base + "api/run?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Error   string `json:"error"`
		Summary struct {
			P99 float64 `json:"wait_p99_seconds"`
		} `json:"summary"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatFloat(r.Summary.P99, 'f', 3, 64), r.Error
}

// The page in a real Chromium: it shows the WARM_IP_TARGET input, the
// charts and the p99 wait; typing a new WARM_IP_TARGET redraws the figures and
// the chart data; a bad value shows the CLI's error next to the input and
// keeps the last good charts; a pinned base shows beside the variant with
// deltas; the link reproduces the view.
func TestBrowser(t *testing.T) {
	chrome := chromium(t)
	srv, err := explore.New(explore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stopServe := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln, true) }()
	defer func() {
		stopServe()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String() + "/"

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1400))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	// Collect console errors and exceptions for the whole test. The 400s the
	// bad value draws are the API answering as designed, not page errors.
	var (
		mu       sync.Mutex
		problems []string
	)
	consoleDone := make(chan struct{})
	messages := chromedp.Console(ctx)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			if m.Source == "network" && strings.Contains(m.Text, "400 (Bad Request)") {
				continue
			}
			mu.Lock()
			problems = append(problems, m.String())
			mu.Unlock()
		}
	}()

	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancelStep := context.WithTimeout(ctx, 30*time.Second)
		defer cancelStep()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// settle waits until every change has been answered and drawn.
	settle := func(what string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.ipamsimUI !== undefined && ipamsimUI.settled()`,
			chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("%s: not settled: %v (status %q)", what, err, eval(`document.getElementById('status').textContent`))
		}
	}
	// typeInto replaces an input's text by typing, as a person would.
	typeInto := func(id, text string) {
		t.Helper()
		step("type into "+id, chromedp.Focus(chromedp.ID(id)),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf("document.getElementById(%q).select()", id)),
			chromedp.SendKeys(chromedp.ID(id), text))
	}
	shots := os.Getenv("IPAMSIM_UI_SCREENSHOTS")
	shot := func(name string) {
		if shots == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		if err == nil {
			err = os.WriteFile(filepath.Join(shots, name), png, 0o644)
		}
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
		}
	}
	chartData := `JSON.stringify(ipamsimUI.charts.addresses.data)`
	text := func(id string) string { return eval(fmt.Sprintf("document.getElementById(%q).textContent", id)) }

	// 1. Load: the input, a chart and the p99 figure.
	step("load", chromedp.Navigate(base))
	settle("load")
	if v := eval(`document.getElementById('WARM_IP_TARGET').value`); v != "0" {
		t.Errorf("WARM_IP_TARGET input holds %q, want the default scenario's 0", v)
	}
	if n := eval(`String(document.querySelectorAll('#chart-addresses canvas').length)`); n == "0" {
		t.Error("no chart canvas in #chart-addresses")
	}
	p99Default, _ := apiFigures(t, base, "")
	if got := text("fig-p99"); got != p99Default {
		t.Errorf("p99 shows %q, the API says %s", got, p99Default)
	}
	before := eval(chartData)
	if !strings.Contains(before, "[") || len(before) < 100 {
		t.Fatalf("chart data %q", before)
	}
	shot("ui-load.png")

	// 2. Change WARM_IP_TARGET: the p99 and the chart data move.
	typeInto("WARM_IP_TARGET", "5")
	settle("WARM_IP_TARGET=5")
	p99Five, _ := apiFigures(t, base, "WARM_IP_TARGET=5")
	if p99Five == p99Default {
		t.Fatalf("WARM_IP_TARGET=5 leaves p99 at %s: choose another value", p99Five)
	}
	if got := text("fig-p99"); got != p99Five {
		t.Errorf("after WARM_IP_TARGET=5 p99 shows %q, the API says %s", got, p99Five)
	}
	after := eval(chartData)
	if after == before {
		t.Error("the addresses chart's data did not change")
	}
	if got, want := text("command"), "ipamsim run --scenario default --set WARM_IP_TARGET=5"; got != want {
		t.Errorf("command %q, want %q", got, want)
	}
	shot("ui-warm-ip-5.png")

	// 3. A bad value: the CLI's text next to the input; the last good run stays.
	typeInto("WARM_IP_TARGET", "abc")
	settle("WARM_IP_TARGET=abc")
	_, wantErr := apiFigures(t, base, "WARM_IP_TARGET=abc")
	if got := text("err-WARM_IP_TARGET"); got != wantErr || !strings.Contains(got, `WARM_IP_TARGET="abc": not a whole number`) {
		t.Errorf("error next to the input %q, want %q", got, wantErr)
	}
	if got := eval(`document.getElementById('WARM_IP_TARGET').getAttribute('aria-invalid') || ''`); got != "true" {
		t.Errorf("the input is not marked invalid (%q)", got)
	}
	if text("fig-p99") != p99Five || eval(chartData) != after {
		t.Error("a bad value lost the last good figures or charts")
	}
	shot("ui-error.png")

	// 4. Latency: input change to redrawn frame, as the page measures it.
	first, err := strconv.Atoi(eval(`String(ipamsimUI.latencies.length)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "2", "3", "4", "6", "8", "10", "12", "16", "20"} {
		typeInto("WARM_IP_TARGET", v)
		settle("WARM_IP_TARGET=" + v)
	}
	if text("err-WARM_IP_TARGET") != "" {
		t.Error("the error stayed after a good value")
	}
	var lat []struct{ Total, Fetch, Run float64 }
	raw := eval(`JSON.stringify(ipamsimUI.latencies)`)
	if err := json.Unmarshal([]byte(raw), &lat); err != nil {
		t.Fatal(err)
	}
	var totals []float64
	for _, l := range lat[first:] { // the redraws of these changes
		totals = append(totals, l.Total)
	}
	slices.Sort(totals)
	t.Logf("redraw latency (input change → frame, %d changes, 60 ms debounce included): median %.0f ms, max %.0f ms; last request %.1f ms, last run %.2f ms on the server",
		len(totals), totals[len(totals)/2], totals[len(totals)-1], lat[len(lat)-1].Fetch, lat[len(lat)-1].Run)
	if totals[len(totals)/2] > 1000 {
		t.Errorf("median redraw %.0f ms: not a fraction of a second", totals[len(totals)/2])
	}

	// 5. Pin WARM_IP_TARGET=20 as the base; a variant shows beside it.
	typeInto("WARM_IP_TARGET", "5")
	settle("WARM_IP_TARGET=5 again")
	step("pin", chromedp.Click(chromedp.ID("pin")))
	typeInto("WARM_IP_TARGET", "10")
	settle("variant WARM_IP_TARGET=10")
	p99Ten, _ := apiFigures(t, base, "WARM_IP_TARGET=10")
	if got, b := text("fig-p99"), text("base-p99"); got != p99Ten || b != p99Five {
		t.Errorf("pinned: this run %q base %q; want %s and %s", got, b, p99Ten, p99Five)
	}
	if d := text("delta-p99"); !strings.HasPrefix(d, "−") && !strings.HasPrefix(d, "+") {
		t.Errorf("delta %q", d)
	}
	// Both runs on shared axes: base and variant series in one chart.
	// x, this run's held, assigned, idle and the instance limit, the base's
	// held, assigned and idle (same instance: one limit line).
	if n := eval(`String(ipamsimUI.charts.addresses.series.length)`); n != "8" {
		t.Errorf("pinned addresses chart has %s series, want 8", n)
	}
	shot("ui-pinned.png")

	// 6. The link reproduces the view, base included.
	link := eval(`document.getElementById('link').href`)
	if !strings.Contains(link, "WARM_IP_TARGET=10") || !strings.Contains(link, "pin=") {
		t.Errorf("link %s", link)
	}
	step("open link", chromedp.Navigate(link))
	settle("link")
	if got, b := text("fig-p99"), text("base-p99"); got != p99Ten || b != p99Five {
		t.Errorf("the link shows p99 %q base %q; want %s and %s", got, b, p99Ten, p99Five)
	}
	if v := eval(`document.getElementById('WARM_IP_TARGET').value`); v != "10" {
		t.Errorf("the link sets WARM_IP_TARGET to %q", v)
	}

	cancel()
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
}
