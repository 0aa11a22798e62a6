package sim

import (
	"math"
	"strconv"
	"time"
)

// Time is a virtual instant: nanoseconds from the start of the run.
// It is also used for virtual durations (the difference of two instants).
type Time int64

// Common durations in virtual time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
	Hour             = 60 * Minute
)

// Seconds converts a number of seconds to a Time, rounded to the nearest
// nanosecond (halves away from zero). Values beyond the range of Time
// saturate; NaN panics.
func Seconds(s float64) Time {
	if math.IsNaN(s) {
		panic("sim: Seconds(NaN)")
	}
	ns := math.Round(s * float64(Second))
	// float64(math.MaxInt64) rounds up to 2^63, which does not fit.
	if ns >= float64(math.MaxInt64) {
		return Time(math.MaxInt64)
	}
	if ns <= float64(math.MinInt64) {
		return Time(math.MinInt64)
	}
	return Time(ns)
}

// Seconds returns t as a floating-point number of seconds.
func (t Time) Seconds() float64 {
	sec := t / Second
	nsec := t % Second
	return float64(sec) + float64(nsec)/1e9
}

// String formats t the way time.Duration does, e.g. "12.5s", "1m30s", "0s".
// This is pure formatting; no clock is read.
func (t Time) String() string {
	return time.Duration(t).String()
}

// AppendSeconds appends t as the shortest exact decimal number of seconds
// (12, 12.5, 0.000000001, -1.5): the form every output of simulated times
// uses (traces, timelines, event logs, per-pod files).
func (t Time) AppendSeconds(b []byte) []byte {
	u := uint64(t)
	if t < 0 {
		b = append(b, '-')
		u = -u
	}
	sec, ns := u/1e9, u%1e9
	b = strconv.AppendUint(b, sec, 10)
	if ns == 0 {
		return b
	}
	var frac [10]byte
	frac[0] = '.'
	for i := 9; i >= 1; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 10
	for frac[n-1] == '0' {
		n--
	}
	return append(b, frac[:n]...)
}
