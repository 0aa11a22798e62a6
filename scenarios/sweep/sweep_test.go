package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

// newSweep builds a sweep of the default scenario over grid.
func newSweep(t testing.TB, spec GridSpec, ec2 string, seed uint64, workers int) *Sweep {
	t.Helper()
	w, err := ScenarioWorkload("", "")
	if err != nil {
		t.Fatal(err)
	}
	spec.DefaultInstanceType = w.DefaultInstanceType()
	g, err := ParseGrid(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &Sweep{Plan: Plan{Workload: w.Ref, EC2Profile: ec2, Seed: seed, Drain: FormatDrain(10 * sim.Minute),
		BaseSettings: append([]string{}, spec.Base...), Grid: *g}, Workload: w, Workers: workers}
}

func outputs(t testing.TB, d *Document) (js, csv []byte) {
	t.Helper()
	var a, b bytes.Buffer
	if err := d.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes()
}

// rerunAlone replays one point through replay.Execute the way `ipamsim run`
// builds it from the point's settings and seed, without the sweep.
func rerunAlone(t testing.TB, pl *Plan, p *Point) replay.Summary {
	t.Helper()
	sc, err := scenarios.LookupBuiltin(pl.Workload.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	set := ipam.DefaultSettings()
	for _, kv := range append(append(append([]string{}, sc.Settings...), pl.BaseSettings...), p.Settings...) {
		k, v, _ := strings.Cut(kv, "=")
		if err := set.Set("test", k, v); err != nil {
			t.Fatal(err)
		}
	}
	inst, _ := catalog.Lookup(p.InstanceType)
	order, _ := ipam.ParseAssignOrder(p.AssignOrder)
	prof, _ := ec2.ProfileByName(pl.EC2Profile)
	drain, _ := pl.DrainTime()
	src, err := sc.Workload(p.Seed)
	if err != nil {
		t.Fatal(err)
	}
	out, err := replay.Execute(replay.Spec{Instance: inst, Settings: set, MaxPods: pl.MaxPods, Order: order, Profile: prof, Seed: p.Seed, Drain: drain}, src, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Summary
}

func TestRerunAlone(t *testing.T) {
	sw := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=0,3", "ENABLE_PREFIX_DELEGATION=false,true"},
		InstanceTypes: []string{"m5.large,c4.large"}, Orders: []string{"first-fit,random"}, Base: []string{"MINIMUM_IP_TARGET=2"}}, "default", 3, 2)
	doc, err := sw.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) != 16 || !doc.Complete() {
		t.Fatalf("%d points", len(doc.Points))
	}
	for i := range doc.Points {
		r := &doc.Points[i]
		if got := rerunAlone(t, &doc.Plan, &r.Point); !reflect.DeepEqual(got, r.Summary) {
			t.Errorf("point %d (%s): rerun alone gives\n%+v\nthe sweep gave\n%+v", r.Index, r.Canonical(), got, r.Summary)
		}
		args, err := SplitRerun(r.Rerun)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("run --scenario default --instance-type %s --assign-order %s --ec2 default --seed %d --drain 10m0s --set MINIMUM_IP_TARGET=2 --set %s --set %s",
			r.InstanceType, r.AssignOrder, r.Seed, r.Settings[0], r.Settings[1])
		if strings.Join(args, " ") != want {
			t.Errorf("rerun %q\nwant      %q", strings.Join(args, " "), want)
		}
	}
	// c4.large is not nitro: prefix delegation falls back with a warning.
	warned := false
	for _, r := range doc.Points {
		warned = warned || len(r.Warnings) > 0 && r.InstanceType == "c4.large"
	}
	if !warned {
		t.Error("no point carries the PD fallback warning")
	}
}

func TestShellQuote(t *testing.T) {
	pl := Plan{Workload: WorkloadRef{Trace: "my traces/it's.csv"}, EC2Profile: "zero", Seed: 1, Drain: "1m0s", MaxPods: 20,
		BaseSettings: []string{"WARM_IP_TARGET=1"}}
	p := Point{InstanceType: "m5.large", AssignOrder: "random", Settings: []string{"MAX_ENI=2"}, Seed: 42}
	cmd := pl.Rerun(&p) // the plan's 20 is given
	if !strings.Contains(cmd, `--trace 'my traces/it'\''s.csv'`) {
		t.Errorf("rerun %s", cmd)
	}
	args, err := SplitRerun(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run", "--trace", "my traces/it's.csv", "--instance-type", "m5.large", "--assign-order", "random", "--ec2", "zero",
		"--seed", "42", "--drain", "1m0s", "--max-pods", "20", "--set", "WARM_IP_TARGET=1", "--set", "MAX_ENI=2"}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("split %q\nwant  %q", args, want)
	}
}

// TestShardMergeBytes: merging the shards' JSON gives byte for byte the JSON
// and CSV of the unsharded sweep, whatever the shard count and workers.
func TestShardMergeBytes(t *testing.T) {
	spec := GridSpec{Grid: []string{"WARM_IP_TARGET=0..4", "WARM_ENI_TARGET=0,1"}, Orders: []string{"first-fit,random"}, Repetitions: 2}
	whole, err := newSweep(t, spec, "default", 7, 2).Run()
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, wantCSV := outputs(t, whole)
	if !bytes.Contains(wantJSON, []byte(`"frontier": [`)) || bytes.Contains(wantJSON, []byte(`"shard"`)) {
		t.Fatal("the whole sweep's JSON lacks the frontier or has a shard")
	}
	// A re-read document writes the same bytes.
	back, err := ReadDocument(bytes.NewReader(wantJSON), "whole.json")
	if err != nil {
		t.Fatal(err)
	}
	if js, csv := outputs(t, back); !bytes.Equal(js, wantJSON) || !bytes.Equal(csv, wantCSV) {
		t.Fatal("JSON round trip changes the outputs")
	}
	for _, n := range []int{1, 2, 3, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var docs []*Document
			var names []string
			for i := n - 1; i >= 0; i-- { // any order
				sw := newSweep(t, spec, "default", 7, 1+i%3)
				sw.Shard = Shard{Index: i, Count: n}
				d, err := sw.Run()
				if err != nil {
					t.Fatal(err)
				}
				js, _ := outputs(t, d)
				if n > 1 && (!bytes.Contains(js, []byte(`"shard"`)) || bytes.Contains(js, []byte(`"frontier"`))) {
					t.Fatal("a shard's JSON lacks its shard or has a frontier")
				}
				rd, err := ReadDocument(bytes.NewReader(js), fmt.Sprintf("shard-%d.json", i))
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, rd)
				names = append(names, fmt.Sprintf("shard-%d.json", i))
			}
			m, err := Merge(docs, names)
			if err != nil {
				t.Fatal(err)
			}
			js, csv := outputs(t, m)
			if !bytes.Equal(js, wantJSON) {
				t.Errorf("merged JSON differs from the unsharded run's:\n%s", firstDiff(js, wantJSON))
			}
			if !bytes.Equal(csv, wantCSV) {
				t.Errorf("merged CSV differs from the unsharded run's:\n%s", firstDiff(csv, wantCSV))
			}
		})
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < min(len(la), len(lb)); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(la), len(lb))
}

func TestWorkersDeterministic(t *testing.T) {
	spec := GridSpec{Grid: []string{"WARM_IP_TARGET=0..7"}, Repetitions: 2}
	var ref []byte
	for _, w := range []int{1, 2, 5, 64} {
		d, err := newSweep(t, spec, "default", 1, w).Run()
		if err != nil {
			t.Fatal(err)
		}
		js, _ := outputs(t, d)
		if ref == nil {
			ref = js
		} else if !bytes.Equal(js, ref) {
			t.Fatalf("workers=%d gives other output", w)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	spec := GridSpec{Grid: []string{"WARM_IP_TARGET=0..3"}}
	shard := func(seed uint64, i, n int) *Document {
		sw := newSweep(t, spec, "zero", seed, 2)
		sw.Shard = Shard{Index: i, Count: n}
		d, err := sw.Run()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, c := shard(1, 0, 3), shard(1, 1, 3), shard(1, 2, 3)
	other := shard(2, 2, 3)
	two := shard(1, 1, 2)
	cases := []struct {
		name string
		docs []*Document
		msg  string
	}{
		{"missing", []*Document{a, c}, "missing shard(s) 1 of 3"},
		{"duplicate", []*Document{a, b, b, c}, "already in"},
		{"other plan", []*Document{a, b, other}, "seed 1 vs 2"},
		{"other count", []*Document{a, b, two}, "one of 3 shards"},
		{"none", nil, "no files"},
	}
	for _, tc := range cases {
		names := make([]string, len(tc.docs))
		for i := range names {
			names[i] = fmt.Sprintf("f%d.json", i)
		}
		if _, err := Merge(tc.docs, names); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.msg)
		}
	}
	if m, err := Merge([]*Document{c, a, b}, []string{"c", "a", "b"}); err != nil || !m.Complete() {
		t.Errorf("merge: %v", err)
	}
	// Tampered documents are refused on reading.
	js, _ := outputs(t, b)
	bad := map[string]string{
		`"seed": 1,`:                  `"seed": 3,`,
		`"points_total": 4`:           `"points_total": 5`,
		`"format": "ipamsim-sweep/1"`: `"format": "ipamsim-sweep/0"`,
		`"WARM_IP_TARGET=1"`:          `"WARM_IP_TARGET=2"`,
		`"index": 1,`:                 `"index": 0,`,
	}
	for from, to := range bad {
		if !bytes.Contains(js, []byte(from)) {
			t.Fatalf("%q not in the JSON", from)
		}
		if _, err := ReadDocument(bytes.NewReader(bytes.Replace(js, []byte(from), []byte(to), 1)), "x.json"); err == nil {
			t.Errorf("%s -> %s: read without error", from, to)
		}
	}
	if _, err := ReadDocument(strings.NewReader("{"), "x.json"); err == nil {
		t.Error("truncated JSON read")
	}
	if _, err := b.Recommend(Constraints{MaxP99Wait: time.Second}); err == nil {
		t.Error("recommended from a shard")
	}
}

// TestRecommendKnownWorkload: on the default scenario with WARM_IP_TARGET
// 0..6 on m5.large, the recommended setting meets the objective when rerun
// alone, and a cheaper grid point, rerun alone, does not.
func TestRecommendKnownWorkload(t *testing.T) {
	sw := newSweep(t, GridSpec{Grid: []string{"WARM_IP_TARGET=0..6"}, InstanceTypes: []string{"m5.large"}}, "default", 1, 2)
	doc, err := sw.Run()
	if err != nil {
		t.Fatal(err)
	}
	con := Constraints{MaxP99Wait: 60 * time.Second}
	rec, err := doc.Recommend(con)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rec.WriteText(&buf)
	t.Logf("\n%s", buf.String())
	best := &doc.Points[rec.Best.Points[0]]
	got := rerunAlone(t, &doc.Plan, &best.Point)
	if got.WaitP99Seconds > con.MaxP99Wait.Seconds() || got.PodsNeverAssigned > 0 {
		t.Errorf("recommended %v rerun alone: p99 %.3fs, %d never assigned", best.Settings, got.WaitP99Seconds, got.PodsNeverAssigned)
	}
	if best.Settings[0] == "WARM_IP_TARGET=0" || best.Settings[0] == "WARM_IP_TARGET=1" {
		t.Errorf("recommended %v: want a low WARM_IP_TARGET to fail", best.Settings)
	}
	if rec.CheaperFailing == nil {
		t.Fatal("no cheaper point fails: the objective does not discriminate")
	}
	cheaper := 0
	for i := range doc.Points {
		p := &doc.Points[i]
		if p.Summary.MeanAddressesHeld >= best.Summary.MeanAddressesHeld {
			continue
		}
		cheaper++
		s := rerunAlone(t, &doc.Plan, &p.Point)
		if s.WaitP99Seconds <= con.MaxP99Wait.Seconds() && s.PodsNeverAssigned == 0 {
			t.Errorf("cheaper point %v (%.1f addresses) meets the objective alone: p99 %.3fs", p.Settings, s.MeanAddressesHeld, s.WaitP99Seconds)
		}
	}
	if cheaper == 0 {
		t.Error("no cheaper point in the grid")
	}
	if rec.RunnerUp == nil || Cheaper(rec.RunnerUp, rec.Best) <= 0 {
		t.Errorf("runner-up %+v", rec.RunnerUp)
	}
}

func TestTraceWorkloads(t *testing.T) {
	dir := t.TempDir()
	csv := "at,op,pod\n0,add,a\n1,add,b\n2,add,c\n30,del,a\n40,add,d\n"
	jsonl := `{"at":0,"op":"add","pod":"a"}` + "\n" + `{"at":1,"op":"add","pod":"b"}` + "\n"
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	defer func(l int64) { scenarios.PreloadLimit = l }(scenarios.PreloadLimit)
	g, _ := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=1,2"}})
	var ref []byte
	for _, limit := range []int64{1 << 20, 0} { // preloaded, then streamed
		scenarios.PreloadLimit = limit
		for _, path := range []string{write("t.csv", csv), write("t.jsonl", jsonl)} {
			w, note, err := TraceWorkload(path)
			if err != nil || note != "" {
				t.Fatalf("%s: %v %q", path, err, note)
			}
			sw := &Sweep{Plan: Plan{Workload: w.Ref, EC2Profile: "zero", Seed: 1, Drain: "1m0s", Grid: *g}, Workload: w, Workers: 2}
			d, err := sw.Run()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range d.Points {
				if r.Summary.PodsAdded == 0 || !strings.Contains(r.Rerun, "--trace "+path) {
					t.Errorf("%s: point %d: %d pods, rerun %s", path, r.Index, r.Summary.PodsAdded, r.Rerun)
				}
			}
			if js, _ := outputs(t, d); strings.HasSuffix(path, ".csv") {
				if ref == nil {
					ref = js
				} else if !bytes.Equal(js, ref) {
					t.Error("streamed and preloaded traces give other outputs")
				}
			}
		}
		// A malformed line stops the sweep: before it starts when the trace
		// is preloaded, at point 0 when it is streamed.
		bad := write("bad.csv", "at,op,pod\n0,add,a\n1,oops,b\n")
		w, _, err := TraceWorkload(bad)
		if err == nil {
			_, err = (&Sweep{Plan: Plan{Workload: w.Ref, EC2Profile: "zero", Drain: "0s", Grid: *g}, Workload: w, Workers: 3}).Run()
		}
		var pe *scenarios.ParseError
		if !errors.As(err, &pe) || pe.Line != 3 {
			t.Errorf("limit %d: error %v: want a ParseError on line 3", limit, err)
		}
	}
	// An event the node refuses stops the sweep at the first point.
	live, _, err := TraceWorkload(write("live.csv", "at,op,pod\n0,add,a\n1,add,a\n"))
	if err != nil {
		t.Fatal(err)
	}
	g10, _ := ParseGrid(GridSpec{Grid: []string{"WARM_IP_TARGET=0..9"}})
	_, err = (&Sweep{Plan: Plan{Workload: live.Ref, EC2Profile: "zero", Drain: "0s", Grid: *g10}, Workload: live, Workers: 3}).Run()
	var re *replay.Error
	var ptErr *PointError
	if !errors.As(err, &re) || !errors.As(err, &ptErr) || ptErr.Index != 0 {
		t.Errorf("error %v: want a replay.Error at point 0", err)
	}
	if _, _, err := TraceWorkload("-"); err == nil {
		t.Error("stdin accepted")
	}
	if _, _, err := TraceWorkload(filepath.Join(dir, "none.csv")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestRunRejectsBadPlan(t *testing.T) {
	w, _ := ScenarioWorkload("", "")
	g, _ := ParseGrid(GridSpec{})
	cases := map[string]Plan{
		"--ec2":   {Workload: w.Ref, EC2Profile: "fast", Drain: "0s", Grid: *g},
		"--drain": {Workload: w.Ref, EC2Profile: "zero", Drain: "soon", Grid: *g},
	}
	for flag, pl := range cases {
		_, err := (&Sweep{Plan: pl, Workload: w}).Run()
		var ge *GridError
		if !errors.As(err, &ge) || ge.Flag != flag {
			t.Errorf("%s: error %v", flag, err)
		}
	}
	if _, err := ScenarioWorkload("nope", ""); err == nil {
		t.Error("unknown scenario accepted")
	}
}
