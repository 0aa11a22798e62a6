package sim

import (
	"math"
	"testing"
)

func TestTimeConstants(t *testing.T) {
	tests := []struct {
		got, want Time
	}{
		{Nanosecond, 1},
		{Microsecond, 1e3},
		{Millisecond, 1e6},
		{Second, 1e9},
		{Minute, 60e9},
		{Hour, 3600e9},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("constant = %d, want %d", tt.got, tt.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want Time
	}{
		{0, 0},
		{1, Second},
		{12.5, 12*Second + 500*Millisecond},
		{0.0000000004, 0}, // 0.4ns rounds down
		{0.0000000006, 1}, // 0.6ns rounds up
		{0.0000000017, 2}, // 1.7ns: nearest, not truncated
		{-2.5, -2*Second - 500*Millisecond},
		{1e300, Time(math.MaxInt64)}, // saturates
		{-1e300, Time(math.MinInt64)},
	}
	for _, tt := range tests {
		if got := Seconds(tt.in); got != tt.want {
			t.Errorf("Seconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
	mustPanic(t, "Seconds(NaN)", func() { Seconds(math.NaN()) })
}

func TestTimeSeconds(t *testing.T) {
	tests := []struct {
		in   Time
		want float64
	}{
		{0, 0},
		{Second, 1},
		{90 * Second, 90},
		{1500 * Millisecond, 1.5},
		{-250 * Millisecond, -0.25},
		{1, 1e-9},
	}
	for _, tt := range tests {
		if got := tt.in.Seconds(); got != tt.want {
			t.Errorf("Time(%d).Seconds() = %v, want %v", int64(tt.in), got, tt.want)
		}
	}
	// Round trip for a range of values.
	for _, s := range []float64{0.001, 0.5, 10, 123.456789, 86400} {
		if got := Seconds(s).Seconds(); got != s {
			t.Errorf("Seconds(%v).Seconds() = %v", s, got)
		}
	}
}

func TestTimeString(t *testing.T) {
	tests := []struct {
		in   Time
		want string
	}{
		{0, "0s"},
		{12*Second + 500*Millisecond, "12.5s"},
		{90 * Second, "1m30s"},
		{Hour + 2*Minute + 3*Second, "1h2m3s"},
		{1500 * Microsecond, "1.5ms"},
		{42, "42ns"},
		{-Second, "-1s"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Time(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestAppendSeconds(t *testing.T) {
	for _, c := range []struct {
		t    Time
		want string
	}{
		{0, "0"},
		{1, "0.000000001"},
		{12*Second + 500*Millisecond, "12.5"},
		{123_456_789_012, "123.456789012"},
		{-1500 * Millisecond, "-1.5"},
		{math.MinInt64, "-9223372036.854775808"}, // negating it would overflow an int64
	} {
		if got := string(c.t.AppendSeconds([]byte("x="))); got != "x="+c.want {
			t.Errorf("%d.AppendSeconds = %q, want %q", int64(c.t), got, "x="+c.want)
		}
	}
}
