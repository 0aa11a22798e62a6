package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/scenarios/sweep"
	"github.com/ipamsim/ipamsim/sim"
)

// shortTrace is 17 pods on a fresh m5.large, 14 of them within 3 s: a few wait.
const shortTrace = "at,op,pod\n" +
	"5,add,a\n5.2,add,b\n5.4,add,c\n5.6,add,d\n5.8,add,e\n6,add,f\n6.2,add,g\n6.4,add,h\n6.6,add,i\n6.8,add,j\n" +
	"7,add,k\n7.2,add,l\n7.4,add,m\n7.6,add,n\n30,add,o\n31,add,p\n90,del,a\n91,del,b\n92,del,c\n93,del,d\n120,add,q\n"

// scenarioSpec is the spec `ipamsim run --scenario NAME --variant V` builds
// with the default flags (variant "" is the base).
func scenarioSpec(t *testing.T, sc *scenarios.Scenario, variant ...string) replay.Spec {
	t.Helper()
	inst, err := catalog.Lookup(sc.InstanceType)
	if err != nil {
		t.Fatal(err)
	}
	settings := ipam.DefaultSettings()
	v := scenarios.BaseName
	if len(variant) > 0 && variant[0] != "" {
		v = variant[0]
	}
	if err := sc.ApplySettings(&settings, v); err != nil {
		t.Fatal(err)
	}
	profileName, drain := "default", 10*time.Minute
	if sc.EC2 != "" {
		profileName = sc.EC2
	}
	if sc.Drain > 0 {
		drain = sc.Drain
	}
	profile, err := ec2.ProfileByName(profileName)
	if err != nil {
		t.Fatal(err)
	}
	return replay.Spec{Instance: inst, Settings: settings, MaxPods: sc.MaxPods, Order: ipam.FirstFit, Profile: profile,
		Subnet: netip.MustParsePrefix("10.0.0.0/16"), Seed: 1, Drain: sim.Time(drain)}
}

// record replays src under spec with a recorder sampling every `every` and
// returns it with info's figures filled in.
func record(t *testing.T, spec replay.Spec, src scenarios.Reader, every time.Duration, info RunInfo) (*Recorder, RunInfo) {
	t.Helper()
	rec := NewRecorder(sim.Time(every))
	var opt replay.Options
	rec.Hook(&opt)
	run, err := replay.Execute(spec, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	info.Summary, info.SampleEvery, info.Drain = run.Summary, every, time.Duration(spec.Drain)
	info.Settings = Settings(spec.Settings)
	lim := run.Node.Limits()
	info.IPMax = lim.IPsPerENI() * lim.MaxENIs
	info.CDF = run.Node.Counters.Wait.CDF()
	return rec, info
}

// runPage is the run report of src under spec, described by info.
func runPage(t *testing.T, spec replay.Spec, src scenarios.Reader, every time.Duration, info RunInfo) string {
	t.Helper()
	rec, info := record(t, spec, src, every, info)
	var b bytes.Buffer
	if err := rec.WriteRun(&b, info); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// scenarioRecord records a shipped scenario's variant ("" for the base), as
// `ipamsim run --scenario NAME --variant V --report FILE` does.
func scenarioRecord(t *testing.T, name, variant string) (*Recorder, RunInfo) {
	t.Helper()
	sc, err := scenarios.LoadScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sc.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	return record(t, scenarioSpec(t, sc, variant), src, 15*time.Second,
		RunInfo{Title: "Scenario " + sc.Name, Question: sc.Question, Source: "scenario " + sc.Name + " (" + sc.Source + ")"})
}

// scenarioPage is the run report of a shipped scenario's base settings.
func scenarioPage(t *testing.T, name string) string {
	t.Helper()
	rec, info := scenarioRecord(t, name, "")
	var b bytes.Buffer
	if err := rec.WriteRun(&b, info); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// traceSweep runs a sweep of trace (named name) over spec's grid.
func traceSweep(t *testing.T, name, trace string, spec sweep.GridSpec, ec2, drain string) *sweep.Document {
	t.Helper()
	w, err := sweep.BytesWorkload(name, []byte(trace))
	if err != nil {
		t.Fatal(err)
	}
	spec.DefaultInstanceType = "m5.large"
	g, err := sweep.ParseGrid(spec)
	if err != nil {
		t.Fatal(err)
	}
	sw := &sweep.Sweep{Plan: sweep.Plan{Workload: w.Ref, EC2Profile: ec2, Seed: 1, Drain: drain, Grid: *g}, Workload: w, Workers: 2}
	doc, err := sw.Run()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

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

// parsePage parses a sweep or compare report as HTML (encoding/xml in its
// lenient HTML mode: tags must nest and close) and checks it is
// self-contained: no script, no link, no src or href, no URL.
func parsePage(t *testing.T, page string) htmlDoc {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		t.Fatal("no doctype")
	}
	doc := parseHTML(t, page)
	for _, a := range doc.attrs {
		if (a.Name.Local == "src" || a.Name.Local == "href") && a.Value != "" {
			t.Errorf("external reference %s=%q", a.Name.Local, a.Value)
		}
	}
	if doc.count["script"] != 0 || doc.count["link"] != 0 || doc.count["img"] != 0 || doc.count["iframe"] != 0 ||
		strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "url(") || strings.Contains(page, "@import") {
		t.Error("the report refers to something outside itself")
	}
	return doc
}
