package ec2

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestLatencyNames(t *testing.T) {
	names := LatencyNames()
	if len(names) != numLatencyRows || names[0] != "DescribeSubnets" || names[int(NumAPIs)-1] != "CreateTags" ||
		names[int(NumAPIs)] != "Throttled" || names[int(NumAPIs)+1] != "IMDSVisible" {
		t.Fatalf("names %v", names)
	}
	l := EC2Latencies{}
	for i := range names { // every row is a distinct field
		*l.row(i) = LogNormal{P50: sim.Time(i + 1), P99: sim.Time(i + 1)}
	}
	for a := API(0); a < NumAPIs; a++ {
		if l.Call[a].P50 != sim.Time(a+1) {
			t.Fatalf("row %d is not Call[%v]", a, a)
		}
	}
	if l.Throttled.P50 != sim.Time(NumAPIs+1) || l.IMDSVisible.P50 != sim.Time(NumAPIs+2) {
		t.Fatalf("pseudo rows: %+v %+v", l.Throttled, l.IMDSVisible)
	}
}

// A user's file replaces the rows it names, to the nanosecond, and leaves
// the others at the base's figures.
func TestParseEC2ProfileOverlaysBase(t *testing.T) {
	base := DefaultEC2Latencies()
	body := "\xef\xbb\xbf# my account, measured 2026-05\r\n" +
		"\n" +
		"  api , p50_ms , p99_ms \r\n" +
		"AttachNetworkInterface,20000,20000\r\n" +
		"   # a comment between rows\n" +
		"IMDSVisible, 800.5 ,1.2e4\n" +
		"Throttled,0,0\n" +
		"CreateTags,0.000001,0.25"
	got, err := ParseEC2Profile("mine.csv", strings.NewReader(body), base)
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Call[AttachNetworkInterface] = LogNormal{P50: 20 * sim.Second, P99: 20 * sim.Second}
	want.IMDSVisible = LogNormal{P50: 800_500 * sim.Microsecond, P99: 12 * sim.Second}
	want.Throttled = LogNormal{}
	want.Call[CreateTags] = LogNormal{P50: 1, P99: 250 * sim.Microsecond}
	if got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// A header alone changes nothing.
	if got, err := ParseEC2Profile("h.csv", strings.NewReader("api,p50_ms,p99_ms\n"), base); err != nil || got != base {
		t.Fatalf("header only: %v, changed %v", err, got != base)
	}
}

func TestParseEC2ProfileRefuses(t *testing.T) {
	const h = "api,p50_ms,p99_ms\n"
	for _, c := range []struct {
		name, body string
		line       int
		field, msg string
	}{
		{"empty", "", 1, "", "no header line"},
		{"comments only", "# x\n\n", 1, "", "no header line"},
		{"no header", "AttachNetworkInterface,1,2\n", 1, "", `the header must be "api,p50_ms,p99_ms"`},
		{"header order", "api,p99_ms,p50_ms\n", 1, "", "the header must be"},
		{"misspelled", h + "AtachNetworkInterface,500,900\n", 2, "api", "did you mean AttachNetworkInterface?"},
		{"wrong case", h + "imdsvisible,500,900\n", 2, "api", "did you mean IMDSVisible?"},
		{"unknown far", h + "RunInstances,500,900\n", 2, "api", `unknown API "RunInstances" (the names are: DescribeSubnets,`},
		{"repeat", h + "CreateTags,1,2\n# c\nCreateTags,3,4\n", 4, "api", "CreateTags repeats (first on line 2)"},
		{"too few fields", h + "CreateTags,1\n", 2, "", "2 fields, want 3"},
		{"too many fields", h + "CreateTags,1,2,3\n", 2, "", "4 fields, want 3"},
		{"p50 not a number", h + "CreateTags,fast,2\n", 2, "p50_ms", `"fast" is not a number`},
		{"p99 empty", h + "CreateTags,1,\n", 2, "p99_ms", "empty"},
		{"p50 NaN", h + "CreateTags,NaN,2\n", 2, "p50_ms", "not finite"},
		{"p99 inf", h + "CreateTags,1,+Inf\n", 2, "p99_ms", "not finite"},
		{"p50 negative", h + "CreateTags,-1,2\n", 2, "p50_ms", "negative"},
		{"p50 minus zero", h + "CreateTags,-0,2\n", 2, "p50_ms", "negative"},
		{"p50 plus", h + "CreateTags,+1,2\n", 2, "p50_ms", "has a sign"},
		{"p99 hex", h + "CreateTags,1,0x10\n", 2, "p99_ms", "not a decimal number"},
		{"p99 underscore", h + "CreateTags,1,1_000\n", 2, "p99_ms", "not a decimal number"},
		{"p99 too large", h + "CreateTags,1,3600001\n", 2, "p99_ms", "more than 3600000 (one hour)"},
		{"p99 overflow", h + "CreateTags,1,1e999\n", 2, "p99_ms", "more than 3600000"},
		{"p99 below p50", h + "CreateTags,500,300\n", 2, "p99_ms", "300 is less than p50_ms 500"},
		{"p50 zero", h + "CreateTags,0,300\n", 2, "p50_ms", "a lognormal needs p50_ms > 0"},
		{"too large", h + strings.Repeat("#", MaxProfileBytes), 0, "", "too large"},
		{"long name clipped", h + strings.Repeat("Q", 5000) + ",1,2\n", 2, "api", `unknown API "` + strings.Repeat("Q", 40) + `"… (the names`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseEC2Profile("p.csv", strings.NewReader(c.body), DefaultEC2Latencies())
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *ProfileError", err, err)
			}
			if pe.File != "p.csv" || pe.Line != c.line || pe.Field != c.field || !strings.Contains(pe.Msg, c.msg) {
				t.Fatalf("got %+v, want line %d field %q msg containing %q", *pe, c.line, c.field, c.msg)
			}
			if got != (EC2Latencies{}) {
				t.Fatalf("returned a profile with the error: %+v", got)
			}
			if !strings.HasPrefix(err.Error(), "p.csv") {
				t.Fatalf("message %q does not start with the file", err)
			}
		})
	}
}

func TestProfileErrorText(t *testing.T) {
	for _, c := range []struct {
		e    ProfileError
		want string
	}{
		{ProfileError{File: "f.csv", Msg: "too large"}, "f.csv: too large"},
		{ProfileError{File: "f.csv", Line: 3, Msg: "2 fields"}, "f.csv:3: 2 fields"},
		{ProfileError{File: "f.csv", Line: 3, Field: "api", Msg: "x"}, `f.csv:3: field "api": x`},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}

func TestReadEC2ProfileFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("api,p50_ms,p99_ms\nDescribeSubnets,10,20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadEC2ProfileFile(good, DefaultEC2Latencies())
	if err != nil || l.Call[DescribeSubnets] != lnMS(10, 20) || l.Call[CreateTags] != DefaultEC2Latencies().Call[CreateTags] {
		t.Fatalf("%v %+v", err, l.Call[DescribeSubnets])
	}
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), MaxProfileBytes), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, msg string }{
		{dir, "not a regular file"},
		{filepath.Join(dir, "missing.csv"), "no such file"},
		{big, "too large"},
	} {
		_, err := ReadEC2ProfileFile(c.path, DefaultEC2Latencies())
		var pe *ProfileError
		if !errors.As(err, &pe) || pe.File != c.path || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%s: %v, want a *ProfileError saying %q", c.path, err, c.msg)
		}
	}
}

// What WriteEC2Profile prints, ParseEC2Profile reads back exactly, whatever
// the base: the built-in table, the zero profile, and random figures to the
// nanosecond.
func TestWriteEC2ProfileRoundTrip(t *testing.T) {
	r := sim.NewRand(11, "roundtrip")
	profiles := []EC2Latencies{DefaultEC2Latencies(), {}}
	for range 200 {
		var l EC2Latencies
		for i := range numLatencyRows {
			a := sim.Time(r.Int64N(int64(MaxLatency) + 1))
			b := sim.Time(r.Int64N(int64(MaxLatency) + 1))
			switch r.IntN(4) {
			case 0:
				a = sim.Time(r.Int64N(1000)) // tiny: fractions of a microsecond
			case 1:
				b = a // constant
			}
			*l.row(i) = LogNormal{P50: min(a, b), P99: max(a, b)}
			if l.row(i).P50 == 0 {
				l.row(i).P99 = 0
			}
		}
		profiles = append(profiles, l)
	}
	for _, l := range profiles {
		var b bytes.Buffer
		if err := WriteEC2Profile(&b, l); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		if !strings.HasPrefix(text, ProfileHeader+"\n") || strings.Count(text, "\n") != numLatencyRows+1 {
			t.Fatalf("output:\n%s", text)
		}
		other := DefaultEC2Latencies()
		other.Call[CreateTags] = lnMS(7, 9) // a base unlike l
		got, err := ParseEC2Profile("w.csv", strings.NewReader(text), other)
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		if got != l {
			t.Fatalf("round trip changed the profile:\n%s\ngot %+v", text, got)
		}
	}
}

func TestWriteEC2ProfileFormat(t *testing.T) {
	var l EC2Latencies
	l.Call[CreateTags] = LogNormal{P50: 94 * sim.Millisecond, P99: 1500*sim.Millisecond + 250*sim.Microsecond + 1}
	var b bytes.Buffer
	if err := WriteEC2Profile(&b, l); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nCreateTags,94,1500.250001\n") || !strings.Contains(b.String(), "\nDescribeSubnets,0,0\n") {
		t.Fatalf("output:\n%s", b.String())
	}
	l.Throttled = LogNormal{P50: 5, P99: 1}
	b.Reset()
	if err := WriteEC2Profile(&b, l); err == nil || b.Len() != 0 || !strings.Contains(err.Error(), "Throttled") {
		t.Fatalf("invalid profile: err %v, wrote %q", err, b.String())
	}
}
