package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// convertTestdata is the scenarios package's fixtures.
const convertTestdata = "../../scenarios/testdata"

func traceConvert(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := runTraceConvert(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func convertRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func convertGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(convertTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTraceConvertAudit converts the audit fixtures and compares the output
// with their golden CSV and summary.
func TestTraceConvertAudit(t *testing.T) {
	for _, tt := range []struct {
		in, csv, summary string
		args             []string
	}{
		{"audit/small.jsonl", "audit/small.csv", "audit/small.summary", []string{"--from", "k8s-audit"}},
		{"audit/small.jsonl", "audit/small.csv", "audit/small.summary", nil}, // detected
		{"audit/deployment.jsonl", "audit/deployment.csv", "audit/deployment.summary", []string{"--from=k8s-audit", "--assume-running=true"}},
		{"audit/deployment-cloudwatch.jsonl", "audit/deployment.csv", "audit/deployment-cloudwatch.summary", []string{"--from", "K8S-AUDIT"}},
	} {
		t.Run(tt.in+strings.Join(tt.args, " "), func(t *testing.T) {
			path := filepath.Join(convertTestdata, tt.in)
			code, stdout, stderr := traceConvert(append(tt.args, path)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if want := convertGolden(t, tt.csv); stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
			}
			wantErr := "ipamsim trace convert: " + path + ": " + convertGolden(t, tt.summary)
			if stderr != wantErr {
				t.Errorf("stderr %q\nwant   %q", stderr, wantErr)
			}
		})
	}
}

func TestTraceConvertAuditOptions(t *testing.T) {
	path := filepath.Join(convertTestdata, "audit/small.jsonl")
	code, stdout, stderr := traceConvert("--from", "k8s-audit", "--grace-period", "7s", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// web-2 is deleted at 11 s with a 45 s spec grace period: overridden.
	if !strings.Contains(stdout, "\n18,del,shop/web-2,node-b\n") || strings.Contains(stdout, "56,del") {
		t.Errorf("--grace-period 7s not applied:\n%s", stdout)
	}
	code, stdout, stderr = traceConvert("--from", "k8s-audit", "--assume-running=false", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "coredns") || strings.Contains(stdout, "old-1") {
		t.Errorf("--assume-running=false still adds running pods:\n%s", stdout)
	}
	if !strings.Contains(stderr, "already_running=0 unknown_deletes=3") {
		t.Errorf("stderr %q", stderr)
	}
}

// TestTraceConvertOutputFile writes with -o, and checks that an error
// leaves no file behind, nor touches an existing one.
func TestTraceConvertOutputFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "trace.csv")
	in := filepath.Join(convertTestdata, "audit/small.jsonl")
	code, stdout, stderr := traceConvert("--from", "k8s-audit", "-o", out, in)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got, want := convertGolden(t, "audit/small.csv"), convertRead(t, out); got != want {
		t.Errorf("-o file:\n%s\nwant:\n%s", got, want)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stat: %v %v", fi, err)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	good := convertGolden(t, "audit/small.jsonl")
	if err := os.WriteFile(bad, []byte(good+`{"verb":"get","requestReceivedTimestamp":"noon"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = traceConvert("--from", "k8s-audit", "-o", out, bad)
	if code != 2 || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	want := "ipamsim trace convert: " + bad + `:29: field "requestReceivedTimestamp": "noon" is not an RFC 3339 timestamp such as 2024-05-14T09:00:00.123456Z` + "\n"
	if stderr != want {
		t.Errorf("stderr %q\nwant   %q", stderr, want)
	}
	if got := convertRead(t, out); got != convertGolden(t, "audit/small.csv") {
		t.Errorf("existing -o file changed on error: %q", got)
	}
	out2 := filepath.Join(dir, "new.csv")
	if code, _, _ := traceConvert("-o", out2, bad); code != 2 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(out2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-o file created on error: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // trace.csv, bad.jsonl, and no temporary file
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v", names)
	}
}

// TestTraceConvertTraces normalises CSV and JSONL traces.
func TestTraceConvertTraces(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "csv", "traces/basic.csv"}, ""},
		{[]string{"traces/cluster-crlf-bom.csv"}, ""},
		{[]string{"--from", "jsonl", "traces/basic.jsonl"}, ""},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			args[len(args)-1] = filepath.Join(convertTestdata, args[len(args)-1])
			code, stdout, stderr := traceConvert(args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if lines[0] != "at,op,pod" && lines[0] != "at,op,pod,node" {
				t.Errorf("header %q", lines[0])
			}
			if !strings.Contains(stderr, ": events=") {
				t.Errorf("stderr %q", stderr)
			}
			// Converting the output again changes nothing.
			tmp := filepath.Join(t.TempDir(), "t.csv")
			if err := os.WriteFile(tmp, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			code, again, stderr := traceConvert("--from", "csv", tmp)
			if code != 0 || again != stdout {
				t.Errorf("not canonical: exit %d %s\n%s\nthen\n%s", code, stderr, stdout, again)
			}
		})
	}
	// basic.jsonl gives a node to some events only: the column is kept.
	_, stdout, _ := traceConvert(filepath.Join(convertTestdata, "traces/basic.jsonl"))
	if !strings.HasPrefix(stdout, "at,op,pod,node\n0,add,web-1,\n") {
		t.Errorf("jsonl output:\n%s", stdout)
	}
}

func TestTraceConvertStdin(t *testing.T) {
	defer func(r io.Reader) { convertStdin = r }(convertStdin)
	convertStdin = strings.NewReader(convertGolden(t, "audit/small.jsonl"))
	code, stdout, stderr := traceConvert("--from", "k8s-audit", "-")
	if code != 0 || stdout != convertGolden(t, "audit/small.csv") {
		t.Errorf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	if !strings.HasPrefix(stderr, "ipamsim trace convert: <stdin>: k8s-audit: lines=28") {
		t.Errorf("stderr %q", stderr)
	}
	convertStdin = strings.NewReader("{\"at\":1,\"op\":\"add\",\"pod\":\"a\"}\n")
	code, stdout, _ = traceConvert("-")
	if code != 0 || stdout != "at,op,pod,node,cpu,memory\n1,add,a,,,\n" {
		t.Errorf("exit %d, %q", code, stdout)
	}
	convertStdin = strings.NewReader("{\"verb\":\"get\"}\n")
	code, stdout, stderr = traceConvert("--from", "k8s-audit", "-")
	if code != 2 || stdout != "" || !strings.HasPrefix(stderr, `ipamsim trace convert: <stdin>:1: field "requestReceivedTimestamp"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestTraceConvertErrors(t *testing.T) {
	audit := filepath.Join(convertTestdata, "audit/small.jsonl")
	csv := filepath.Join(convertTestdata, "traces/basic.csv")
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{nil, "missing FILE"},
		{[]string{"--nope", audit}, "unknown flag: --nope"},
		{[]string{"--from", "xml", audit}, "--from: unknown trace format"},
		{[]string{"--grace-period", "soon", audit}, "invalid argument"},
		{[]string{"--grace-period", "-5s", audit}, "--grace-period must be between 0s and 100 years (876000h0m0s), got -5s"},
		{[]string{"--grace-period", "876001h", audit}, "--grace-period must be between 0s and 100 years"},
		{[]string{"--to", "json", audit}, `--to must be csv or jsonl, got "json"`},
		{[]string{"--assume-running=maybe", audit}, "invalid argument"},
		{[]string{"--from", "csv", "--grace-period", "5s", csv}, "--grace-period applies to --from k8s-audit only"},
		{[]string{"--from", "jsonl", "--assume-running=false", csv}, "--assume-running applies to --from k8s-audit only"},
		{[]string{audit, audit}, "want one FILE, got 2"},
		{[]string{"-o", "", audit}, "-o must name a file"},
		{[]string{"no/such/file.jsonl"}, "no/such/file.jsonl: no such file"},
		{[]string{"--from", "csv", audit}, audit + ":1: the header must be"},
		{[]string{filepath.Join(convertTestdata, "traces/bad-decreasing.csv")}, "bad-decreasing.csv:"},
		{[]string{filepath.Join(convertTestdata, "traces/bad-unknown-key.jsonl")}, "bad-unknown-key.jsonl:"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := traceConvert(tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.HasPrefix(stderr, "ipamsim trace convert: ") || !strings.Contains(stderr, tt.msg) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.msg)
			}
			if strings.HasPrefix(tt.msg, "bad-") || tt.msg == "" {
				return // a streamed trace may have written some events
			}
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
		})
	}
}

func TestTraceConvertHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		code, stdout, stderr := traceConvert(arg)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: ipamsim trace convert") {
			t.Errorf("%s: exit %d, stderr %q, stdout %q", arg, code, stderr, stdout)
		}
		for _, flag := range []string{"--from", "--grace-period", "--assume-running", "--output"} {
			if !strings.Contains(stdout, flag) {
				t.Errorf("%s: usage lacks %s", arg, flag)
			}
		}
	}
	// Through the command's dispatcher too.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"trace", "convert", "-h"}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "Usage: ipamsim trace convert") {
		t.Errorf("ipamsim trace convert -h: exit %d, %q", code, stdout.String())
	}
}

type convertFailWriter struct{}

func (convertFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTraceConvertWriteError(t *testing.T) {
	var stderr bytes.Buffer
	code := runTraceConvert([]string{filepath.Join(convertTestdata, "audit/small.jsonl")}, convertFailWriter{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	// A path whose directory is missing is the user's to fix: exit 2,
	// naming the path given.
	out := filepath.Join(t.TempDir(), "no", "dir", "t.csv")
	code, _, stderr2 := traceConvert("-o", out, filepath.Join(convertTestdata, "audit/small.jsonl"))
	if code != 2 || !strings.Contains(stderr2, "-o "+out+": directory") {
		t.Errorf("-o in a missing directory: exit %d, stderr %q", code, stderr2)
	}
}

// TestTraceConvertResources: cpu and memory columns survive a conversion,
// in either direction, and the summary counts running pods apart.
func TestTraceConvertResources(t *testing.T) {
	dir := t.TempDir()
	csvIn := "at,op,pod,memory,cpu\n0,running,db,4Gi,2\n1,add,web,256Mi,0.5\n2,add,job,,\n3,del,web,,\n"
	csvPath := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csvPath, []byte(csvIn), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := traceConvert("--to", "jsonl", csvPath)
	wantJSONL := `{"at":0,"op":"running","pod":"db","cpu":"2","memory":"4Gi"}` + "\n" +
		`{"at":1,"op":"add","pod":"web","cpu":"500m","memory":"256Mi"}` + "\n" +
		`{"at":2,"op":"add","pod":"job"}` + "\n" +
		`{"at":3,"op":"del","pod":"web"}` + "\n"
	if code != 0 || out != wantJSONL {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	if !strings.Contains(errs, "csv: events=4 running=1 added=2 deleted=1") {
		t.Errorf("summary %q", errs)
	}
	jsonlPath := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(jsonlPath, []byte(wantJSONL), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = traceConvert(jsonlPath)
	wantCSV := "at,op,pod,cpu,memory\n0,running,db,2,4Gi\n1,add,web,500m,256Mi\n2,add,job,,\n3,del,web,,\n"
	if code != 0 || out != wantCSV {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	// A quantity that does not parse is an input error naming file, line
	// and field.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("at,op,pod,cpu\n1,add,a,lots\n"), 0o644)
	if code, _, errs := traceConvert(bad); code != 2 || !strings.Contains(errs, `bad.csv:2: field "cpu": "lots" is not a cpu quantity`) {
		t.Errorf("exit %d, %q", code, errs)
	}
}
