package scenarios

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCPU(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"500m", 500},
		{"2", 2000},
		{"0.5", 500},
		{"1.5", 1500},
		{"100m", 100},
		{"0.1", 100},
		{"0", 0},
		{"0m", 0},
		{"000", 0},
		{"+1", 1000},
		{".5", 500},
		{"5.", 5000},
		{"0.0001", 1},     // rounds up to 1m, as MilliValue does
		{"0.0015", 2},     // 1.5m -> 2m
		{"1500001n", 2},   // 1.500001m -> 2m
		{"250000u", 250},  // micro
		{"1n", 1},         // nano rounds up
		{"1k", 1_000_000}, // a thousand cores
		{"1e3", 1_000_000},
		{"1E3", 1_000_000}, // E followed by digits is an exponent, not exa
		{"1e+3", 1_000_000},
		{"15e-1", 1500},
		{"1E-3", 1},
		{"1e-4", 1},    // 0.1m rounds up
		{"1e-1000", 1}, // any positive amount is at least 1m
		{"0e999", 0},   // zero stays zero
		{"2.5e2", 250_000},
		{"1Ki", 1_024_000}, // binary suffixes work for CPU too
		{"0.5Ki", 512_000},
		{"1000000", MaxCPUMilli},
		{"1M", MaxCPUMilli},
		{"999999999.9999m", MaxCPUMilli},
	}
	for _, tc := range tests {
		got, err := ParseCPU(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCPU(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"128Mi", 128 << 20},
		{"1Gi", 1 << 30},
		{"1.5Gi", 3 << 29},
		{"512M", 512_000_000},
		{"1e9", 1_000_000_000},
		{"1048576", 1 << 20},
		{"1k", 1000},
		{"1Ki", 1024},
		{"0.1Ki", 103}, // 102.4 rounds up
		{"0.5", 1},
		{"100m", 1}, // a tenth of a byte rounds up to one
		{"2.5e3", 2500},
		{"1e+3", 1000},
		{"1E6", 1_000_000},
		{"4Ti", 4 << 40},
		{"1Pi", MaxMemoryBytes},
		{"1024Ti", MaxMemoryBytes},
		{"0Ei", 0},
		{"1.0000000001", 2},
	}
	for _, tc := range tests {
		got, err := ParseMemory(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseQuantityErrors(t *testing.T) {
	const help = "want one of Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent such as e3"
	tests := []struct {
		in, cpuErr, memErr string // memErr "" = same message with "memory"
	}{
		{"", `"" is not a valid cpu quantity: empty`, ""},
		{"-1", `"-1" is not a valid cpu quantity: negative`, ""},
		{"-0", `"-0" is not a valid cpu quantity: negative`, ""},
		{"abc", `"abc" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"Mi", `"Mi" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{".", `"." is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"+", `"+" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"e3", `"e3" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"1x", `"1x" is not a valid cpu quantity: unknown suffix "x": ` + help, ""},
		{"1K", `"1K" is not a valid cpu quantity: unknown suffix "K": ` + help, ""},
		{"1ki", `"1ki" is not a valid cpu quantity: unknown suffix "ki": ` + help, ""},
		{"1MiB", `"1MiB" is not a valid cpu quantity: unknown suffix "MiB": ` + help, ""},
		{"1 Mi", `"1 Mi" is not a valid cpu quantity: unknown suffix " Mi": ` + help, ""},
		{"1Mi ", `"1Mi " is not a valid cpu quantity: unknown suffix "Mi ": ` + help, ""},
		{" 1", `" 1" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"1e", `"1e" is not a valid cpu quantity: unknown suffix "e": ` + help, ""},
		{"1e+", `"1e+" is not a valid cpu quantity: unknown suffix "e+": ` + help, ""},
		{"1ee3", `"1ee3" is not a valid cpu quantity: unknown suffix "ee3": ` + help, ""},
		{"1e3m", `"1e3m" is not a valid cpu quantity: unknown suffix "e3m": ` + help, ""},
		{"1e1.5", `"1e1.5" is not a valid cpu quantity: unknown suffix "e1.5": ` + help, ""},
		{"1..5", `"1..5" is not a valid cpu quantity: unknown suffix ".5": ` + help, ""},
		{"1.5.5", `"1.5.5" is not a valid cpu quantity: unknown suffix ".5": ` + help, ""},
		{"0x10", `"0x10" is not a valid cpu quantity: unknown suffix "x10": ` + help, ""},
		{"1_000", `"1_000" is not a valid cpu quantity: unknown suffix "_000": ` + help, ""},
		{"NaN", `"NaN" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"++1", `"++1" is not a valid cpu quantity: no number before the suffix (want e.g. 500m, 1.5 or 128Mi)`, ""},
		{"1000001", `"1000001" is not a valid cpu quantity: more than 1000000 cores`, "-"},
		{"1Ei", `"1Ei" is not a valid cpu quantity: more than 1000000 cores`, `"1Ei" is not a valid memory quantity: more than 1Pi`},
		{"1E", `"1E" is not a valid cpu quantity: more than 1000000 cores`, `"1E" is not a valid memory quantity: more than 1Pi`},
		{"1e99999999999999999999", `"1e99999999999999999999" is not a valid cpu quantity: more than 1000000 cores`,
			`"1e99999999999999999999" is not a valid memory quantity: more than 1Pi`},
		{strings.Repeat("1", 65), `"` + strings.Repeat("1", 65) + `" is not a valid cpu quantity: longer than 64 bytes`, ""},
	}
	for _, tc := range tests {
		_, err := ParseCPU(tc.in)
		var qe *QuantityError
		if !errors.As(err, &qe) || qe.Resource != "cpu" || qe.Value != tc.in || err.Error() != tc.cpuErr {
			t.Errorf("ParseCPU(%q): %v\nwant %s", tc.in, err, tc.cpuErr)
		}
		memErr := tc.memErr
		if memErr == "" {
			memErr = strings.Replace(tc.cpuErr, "valid cpu", "valid memory", 1)
		}
		if memErr == "-" {
			continue // a valid memory quantity
		}
		_, err = ParseMemory(tc.in)
		if !errors.As(err, &qe) || qe.Resource != "memory" || err.Error() != memErr {
			t.Errorf("ParseMemory(%q): %v\nwant %s", tc.in, err, memErr)
		}
	}
	// Just above the memory bound.
	if _, err := ParseMemory("1125899906842625"); err == nil {
		t.Error("ParseMemory(2^50+1) accepted")
	}
}

func TestFormatQuantities(t *testing.T) {
	cpu := map[int64]string{0: "0", 500: "500m", 1000: "1", 2000: "2", 1500: "1500m", 1: "1m", MaxCPUMilli: "1000000"}
	for milli, want := range cpu {
		if got := FormatCPU(milli); got != want {
			t.Errorf("FormatCPU(%d) = %q, want %q", milli, got, want)
		}
	}
	mem := map[int64]string{0: "0", 128 << 20: "128Mi", 1 << 30: "1Gi", 1000: "1000", 1536: "1536",
		3 << 29: "1536Mi", 1024: "1Ki", MaxMemoryBytes: "1Pi", 1 << 60: "1Ei"}
	for b, want := range mem {
		if got := FormatMemory(b); got != want {
			t.Errorf("FormatMemory(%d) = %q, want %q", b, got, want)
		}
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"500m", "1.5", "128Mi", "1e9", "1E", "-1", ".5", "5.", "1e-1000", "0.0001", "1Ki", "e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range []struct {
			name   string
			parse  func(string) (int64, error)
			format func(int64) string
			limit  int64
		}{
			{"cpu", ParseCPU, FormatCPU, MaxCPUMilli},
			{"memory", ParseMemory, FormatMemory, MaxMemoryBytes},
		} {
			v, err := r.parse(s)
			if err != nil {
				var qe *QuantityError
				if !errors.As(err, &qe) || qe.Resource != r.name || qe.Value != s || v != 0 {
					t.Fatalf("%s %q: %d, %v (%T)", r.name, s, v, err, err)
				}
				continue
			}
			if v < 0 || v > r.limit {
				t.Fatalf("%s %q = %d, out of [0, %d]", r.name, s, v, r.limit)
			}
			if again, err := r.parse(r.format(v)); err != nil || again != v {
				t.Fatalf("%s %q = %d, formatted %q reads back %d, %v", r.name, s, v, r.format(v), again, err)
			}
		}
	})
}
