package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// htmlDoc is a parsed report: its elements' counts, its text and attributes.
type htmlDoc struct {
	count map[string]int
	class map[string]int // elements per class name
	text  string
	attrs []xml.Attr
}

var scriptRE = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// parseReport parses the page as HTML with encoding/xml in its lenient HTML
// mode: tags must nest and close, entities must be known. The inline script
// is checked apart (it is JavaScript, not markup).
func parseReport(t *testing.T, page string) (htmlDoc, string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		t.Fatal("no doctype")
	}
	scripts := scriptRE.FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 {
		t.Fatalf("%d inline scripts, want 1", len(scripts))
	}
	return parseHTML(t, scriptRE.ReplaceAllString(page, "<script></script>")), scripts[0][1]
}

// parseHTML parses a page with encoding/xml in its lenient HTML mode: tags must
// nest and close, entities must be known. Class attributes count per word.
func parseHTML(t *testing.T, body string) htmlDoc {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	doc := htmlDoc{count: map[string]int{}, class: map[string]int{}}
	var text strings.Builder
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed HTML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			doc.count[tok.Name.Local]++
			doc.attrs = append(doc.attrs, tok.Attr...)
			for _, a := range tok.Attr {
				if a.Name.Local == "class" {
					for _, c := range strings.Fields(a.Value) {
						doc.class[c]++
					}
				}
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Name.Local {
				t.Fatalf("</%s> closes %v", tok.Name.Local, stack)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			text.Write(tok)
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
	doc.text = strings.Join(strings.Fields(text.String()), " ")
	return doc
}

func TestReportDefaultScenario(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	code, _, stderr := runRunCapture("--report", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page := string(mustRead(t, out))
	doc, script := parseReport(t, page)

	sc, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	// Four timelines of the whole run, the two-chart close-up of the first
	// time pods waited, and the wait CDF.
	if doc.count["svg"] != 7 {
		t.Errorf("%d svg elements, want 7", doc.count["svg"])
	}
	for _, want := range []string{sc.Question, "At a glance", "When and why pods waited", "15 of 33 pods (45 %) waited",
		"ENI #2 created", "kubelet's retry", "Close-up", "Pod IP wait: cumulative distribution", "p99 29.6 s",
		"WARM_ENI_TARGET", "EC2 calls by API", "AttachNetworkInterface"} {
		if !strings.Contains(doc.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	// The annotations that say when and why pods waited.
	for class, atLeast := range map[string]int{"waitband": 6, "enline": 8, "inflight": 4, "fail": 5, "eniup": 2, "cdf": 1, "held": 2, "waitbar": 2} {
		if doc.class[class] < atLeast {
			t.Errorf("%d elements of class %s, want at least %d", doc.class[class], class, atLeast)
		}
	}
	// Self-contained: nothing is fetched.
	for _, a := range doc.attrs {
		if (a.Name.Local == "src" || a.Name.Local == "href") && a.Value != "" {
			t.Errorf("external reference %s=%q", a.Name.Local, a.Value)
		}
	}
	if doc.count["link"] != 0 || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the report refers to something outside itself")
	}
	// The hover data is valid JSON with one value per column.
	m := regexp.MustCompile(`var data = (\{.*?\});`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("no hover data in the script")
	}
	var data map[string]hoverData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("hover data: %v", err)
	}
	for _, g := range []string{"main", "close"} {
		d := data[g]
		if len(d.Rows) < 5 {
			t.Fatalf("hover group %s has %d rows", g, len(d.Rows))
		}
		for _, r := range d.Rows {
			if len(r) != len(d.Cols)+1 {
				t.Fatalf("hover group %s row %v for columns %v", g, r, d.Cols)
			}
		}
	}
	if got := data["main"].Rows[1][0]; got != 15 {
		t.Errorf("second sample at %v s, want 15", got)
	}
}

func TestReportNoWaits(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "calm.csv")
	if err := os.WriteFile(trace, []byte("at,op,pod\n30,add,a\n60,add,b\n90,del,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.html")
	code, _, stderr := runRunCapture("--trace", trace, "--report", out, "--sample-interval", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, _ := parseReport(t, string(mustRead(t, out)))
	if doc.count["svg"] != 5 {
		t.Errorf("%d svg elements, want 5 (no close-up)", doc.count["svg"])
	}
	for _, want := range []string{"All 2 pods got an address at their first CNI ADD", "Trace " + trace} {
		if !strings.Contains(doc.text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	if strings.Contains(doc.text, "When and why pods waited") || doc.class["waitband"] != 0 {
		t.Error("a run without waits shows waits")
	}
}

func TestReportFormatting(t *testing.T) {
	for _, tc := range []struct {
		t    sim.Time
		want string
	}{{0, "0:00"}, {sim.Seconds(61.8), "1:01.8"}, {sim.Seconds(599.96), "10:00"}, {sim.Seconds(3725), "1:02:05"}} {
		if got := fmtSim(tc.t); got != tc.want {
			t.Errorf("fmtSim(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
	for v, want := range map[float64]float64{0: 1, 1: 1, 3: 3, 4: 4, 15: 15, 27: 30, 29: 30, 101: 125, 2389: 2500} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}
