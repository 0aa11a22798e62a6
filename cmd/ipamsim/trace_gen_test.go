package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/scenarios"
)

// traceGen runs `ipamsim trace gen ARGS...` and returns exit status, stdout
// and stderr.
func traceGen(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runTraceGen(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTraceGenKinds(t *testing.T) {
	for _, k := range genKinds {
		t.Run(k.name, func(t *testing.T) {
			code, out, errs := traceGen(k.name, "--seed", "3")
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			header := "at,op,pod\n"
			if k.nodes {
				header = "at,op,pod,node\n"
			}
			if !strings.HasPrefix(out, header) {
				t.Fatalf("output starts %q, want header %q", out[:min(len(out), 40)], header)
			}
			// What is written reads back as a valid trace.
			r := scenarios.NewCSVReader(strings.NewReader(out), "-")
			n := 0
			for {
				ev, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(ev.Pod, []byte(k.name+"-")) {
					t.Fatalf("pod %q lacks the kind prefix", ev.Pod)
				}
				n++
			}
			if n == 0 || n != strings.Count(out, "\n")-1 {
				t.Fatalf("read back %d events from %d lines", n, strings.Count(out, "\n"))
			}
			if _, again, _ := traceGen(k.name, "--seed", "3"); again != out {
				t.Fatal("same flags and seed gave different bytes")
			}
		})
	}
}

func TestTraceGenDeterminism(t *testing.T) {
	args := []string{"churn", "--rate", "20", "--duration", "2m", "--lifetime-dist", "lognormal", "--mean-lifetime", "30s", "--start-pods", "10"}
	_, a, _ := traceGen(append(args, "--seed", "42")...)
	_, b, _ := traceGen(append(args, "--seed", "42")...)
	_, c, _ := traceGen(append(args, "--seed", "43")...)
	if a != b {
		t.Fatal("same seed, different output")
	}
	if a == c {
		t.Fatal("different seeds, same output")
	}
	// The default seed is 1.
	_, d, _ := traceGen(args...)
	_, e, _ := traceGen(append(args, "--seed", "1")...)
	if d != e {
		t.Fatal("default seed is not 1")
	}
	// --prefix renames the pods.
	_, f, _ := traceGen(append(args, "--prefix", "bg")...)
	if !strings.Contains(f, ",running,bg-000000\n") || !strings.Contains(f, ",add,bg-000010\n") {
		t.Fatalf("--prefix not applied:\n%.200s", f)
	}
}

func TestTraceGenOutputFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trace.csv")
	code, out, errs := traceGen("deploy", "--replicas", "5", "--create-rate", "1", "-o", path)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := traceGen("deploy", "--replicas", "5", "--create-rate", "1")
	if string(got) != want {
		t.Fatalf("file %q, stdout gave %q", got, want)
	}
	if want != "at,op,pod\n0,add,deploy-000000\n1,add,deploy-000001\n2,add,deploy-000002\n3,add,deploy-000003\n4,add,deploy-000004\n"+
		"304,del,deploy-000004\n304,del,deploy-000003\n304,del,deploy-000002\n304,del,deploy-000001\n304,del,deploy-000000\n" {
		t.Fatalf("unexpected trace:\n%s", want)
	}

	// A failed run leaves an existing file alone and no temporary file.
	if code, _, _ := traceGen("deploy", "--replicas", "0", "-o", path); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if again, _ := os.ReadFile(path); string(again) != want {
		t.Fatal("failed run changed the output file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only trace.csv", len(entries))
	}
	// A destination in a missing directory is the user's to fix: exit 2,
	// naming the path given.
	missing := filepath.Join(dir, "missing", "t.csv")
	code, _, errs = traceGen("deploy", "-o", missing)
	if code != 2 || !strings.HasPrefix(errs, "ipamsim trace gen: -o "+missing+": directory") {
		t.Fatalf("exit %d, stderr %q; want 2", code, errs)
	}
}

func TestTraceGenErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "missing KIND"},
		{[]string{"bogus"}, `unknown kind "bogus"`},
		{[]string{"--seed", "1", "churn"}, "KIND must come before the flags"},
		{[]string{"churn", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"churn", "--rate", "abc"}, `"--rate"`},
		{[]string{"churn", "--rate", "-1"}, "--rate must be > 0, got -1"},
		{[]string{"churn", "--rate=0"}, "--rate must be > 0, got 0"},
		{[]string{"churn", "--duration", "10"}, `"--duration"`},
		{[]string{"churn", "--mean-lifetime", "-1s"}, "--mean-lifetime must be > 0, got -1s"},
		{[]string{"churn", "--lifetime-dist", "pareto"}, "--lifetime-dist must be exponential, lognormal or fixed"},
		{[]string{"churn", "extra"}, `unexpected argument "extra"`},
		{[]string{"churn", "--format", "json"}, `--format must be csv or jsonl, got "json"`},
		{[]string{"churn", "--seed", "-3"}, `"--seed"`},
		{[]string{"churn", "--prefix", "a b"}, "--prefix must not contain"},
		{[]string{"deploy", "--scale-down-to", "99"}, "--scale-down-to must be between 0 and --replicas"},
		{[]string{"rolling", "--max-surge", "0", "--max-unavailable", "0%"}, "--max-surge and --max-unavailable must not both be 0"},
		{[]string{"rolling", "--max-surge", "x%"}, `"--max-surge"`},
		{[]string{"cronjob", "--concurrency-policy", "Sometimes"}, "--concurrency-policy must be Allow, Forbid or Replace"},
		{[]string{"diurnal", "--min-pods", "50", "--max-pods", "10"}, "--max-pods must be >= --min-pods"},
		{[]string{"cl2", "--nodes", "0"}, "--nodes must be > 0, got 0"},
	}
	for _, c := range cases {
		code, out, errs := traceGen(c.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "ipamsim trace gen: ") || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
}

func TestTraceGenHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		code, out, errs := traceGen(args...)
		if code != 0 || errs != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{"Usage: ipamsim trace gen KIND", "churn", "deploy", "rolling", "cronjob", "diurnal", "cl2", "--seed", "--output", "--format"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q: help lacks %q:\n%s", args, want, out)
			}
		}
	}
	want := map[string][]string{
		"churn":   {"--rate", "--lifetime-dist", "--mean-lifetime", "--lifetime-sigma", "--duration", "--start-pods", "--drain"},
		"deploy":  {"--replicas", "--create-rate", "--start", "--hold", "--scale-down-to", "--delete-rate"},
		"rolling": {"--replicas", "--max-surge", "--max-unavailable", "--pod-start", "--start", "25%"},
		"cronjob": {"--period", "--pods-per-run", "--run-length", "--concurrency-policy", "--duration"},
		"diurnal": {"--min-pods", "--max-pods", "--period", "--duration", "--step", "24h0m0s"},
		"cl2":     {"--nodes", "--pods-per-node", "--create-rate", "--workload-size", "--settle", "--hold"},
	}
	for kind, flags := range want {
		code, out, errs := traceGen(kind, "-h")
		if code != 0 || errs != "" {
			t.Fatalf("%s -h: exit %d, stderr %q", kind, code, errs)
		}
		for _, f := range append(flags, "--seed", "-o, --output") {
			if !strings.Contains(out, f) {
				t.Errorf("%s -h lacks %q:\n%s", kind, f, out)
			}
		}
	}
}

// TestTraceGenMatchesGenFromArgs: a scenario's `workload: gen KIND FLAGS...`
// (scenarios.GenFromArgs) gives the same events as `ipamsim trace gen KIND
// FLAGS...`.
func TestTraceGenMatchesGenFromArgs(t *testing.T) {
	cases := [][]string{
		{"churn", "--rate", "3", "--duration", "1m", "--lifetime-dist", "lognormal", "--start-pods", "4", "--prefix", "bg"},
		{"deploy", "--replicas", "7", "--create-rate", "2", "--start", "30s", "--hold", "1m", "--scale-down-to", "2"},
		{"rolling", "--replicas", "6", "--max-surge", "1", "--max-unavailable", "50%"},
		{"cronjob", "--period", "1m", "--pods-per-run", "3", "--run-length", "50s", "--duration", "5m", "--seed", "9"},
		{"diurnal", "--min-pods", "2", "--max-pods", "9", "--period", "1h", "--duration", "2h", "--step", "5m"},
		{"cl2", "--nodes", "3", "--pods-per-node", "5", "--workload-size", "4"},
	}
	for _, args := range cases {
		code, want, errs := traceGen(append(args, "--seed=4")...)
		if code != 0 {
			t.Fatalf("%q: exit %d, %s", args, code, errs)
		}
		r, err := scenarios.GenFromArgs(args[0], append(args[1:], "--seed=4"), 1)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		var b bytes.Buffer
		if err := genWrite(&b, r, "csv", scenarios.Columns{Node: args[0] == "cl2"}, new(atomic.Int64)); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%q: GenFromArgs and trace gen differ", args)
		}
		// Without --seed, the seed argument is the seed.
		r, _ = scenarios.GenFromArgs(args[0], args[1:], 4)
		b.Reset()
		genWrite(&b, r, "csv", scenarios.Columns{Node: args[0] == "cl2"}, new(atomic.Int64))
		if _, want4, _ := traceGen(append(args, "--seed", "4")...); !strings.Contains(strings.Join(args, " "), "--seed") && b.String() != want4 {
			t.Errorf("%q: seed argument not used", args)
		}
	}
}

// TestTraceGenResourcesAndFormats: --cpu and --memory add their columns,
// --format jsonl writes the same events as JSON Lines, and start pods are
// running.
func TestTraceGenResourcesAndFormats(t *testing.T) {
	args := []string{"rolling", "--replicas", "2", "--max-surge", "1", "--max-unavailable", "0", "--pod-start", "5s", "--start", "10s"}
	code, out, errs := traceGen(append(args, "--cpu", "0.5", "--memory", "256Mi")...)
	want := "at,op,pod,cpu,memory\n" +
		"0,running,rolling-000000,500m,256Mi\n" +
		"0,running,rolling-000001,500m,256Mi\n" +
		"10,add,rolling-000002,500m,256Mi\n" +
		"15,del,rolling-000000,,\n" +
		"15,add,rolling-000003,500m,256Mi\n" +
		"20,del,rolling-000001,,\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q\n%s\nwant\n%s", code, errs, out, want)
	}
	code, out, errs = traceGen(append(args, "--memory", "1Gi", "--format", "jsonl")...)
	wantJSONL := `{"at":0,"op":"running","pod":"rolling-000000","memory":"1Gi"}` + "\n" +
		`{"at":0,"op":"running","pod":"rolling-000001","memory":"1Gi"}` + "\n" +
		`{"at":10,"op":"add","pod":"rolling-000002","memory":"1Gi"}` + "\n" +
		`{"at":15,"op":"del","pod":"rolling-000000"}` + "\n" +
		`{"at":15,"op":"add","pod":"rolling-000003","memory":"1Gi"}` + "\n" +
		`{"at":20,"op":"del","pod":"rolling-000001"}` + "\n"
	if code != 0 || out != wantJSONL {
		t.Fatalf("exit %d, stderr %q\n%s\nwant\n%s", code, errs, out, wantJSONL)
	}
}

// TestTraceGenHostile: absurd parameters are refused at once with exit 2,
// naming the flag, and write nothing.
func TestTraceGenHostile(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"diurnal", "--step", "1ns"}, "more than --max-events 10000000"},
		{[]string{"churn", "--rate", "1e9", "--duration", "1h"}, "more than --max-events"},
		{[]string{"churn", "--rate", "1e10"}, "--rate must be at most 1e+09 per second"},
		{[]string{"churn", "--rate", "NaN"}, "--rate must be a finite number"},
		{[]string{"churn", "--rate", "Inf"}, "--rate must be a finite number"},
		{[]string{"churn", "--duration", "2562047h"}, "--duration must be at most 100 years"},
		{[]string{"churn", "--start-pods", "9999999999"}, "--start-pods must be at most 1000000000"},
		{[]string{"deploy", "--create-rate", "1e-12"}, "the trace would end after 100 years"},
		{[]string{"deploy", "--replicas", "5", "--max-events", "0"}, "--max-events must be between 1 and"},
		{[]string{"cronjob", "--period", "1ns"}, "more than --max-events"},
		{[]string{"cl2", "--create-rate", "0"}, "--create-rate must be > 0, got 0"},
		{[]string{"deploy", "--cpu", "-1"}, `invalid argument "-1" for "--cpu" flag: negative`},
		{[]string{"deploy", "--memory", "12 Gi"}, `"--memory" flag`},
		{[]string{"rolling", "--max-surge", "99999999999"}, `"--max-surge"`},
	}
	for _, c := range cases {
		start := time.Now()
		code, out, errs := traceGen(c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stdout %.40q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q took %v", c.args, d)
		}
	}
	// --max-events raises the bound.
	if code, _, errs := traceGen("deploy", "--replicas", "6", "--create-rate", "0", "--max-events", "12"); code != 0 {
		t.Errorf("--max-events 12: exit %d, %s", code, errs)
	}
}
