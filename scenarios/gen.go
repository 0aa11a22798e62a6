package scenarios

// Seeded, streaming trace generators.
//
// Every generator is a Reader that produces its events lazily, in
// non-decreasing time order, from a small amount of state: a min-heap (or a
// FIFO when times arrive in order) of the pending events of live pods, keyed by
// (time, sequence number) so that ties break in a fixed order. Memory is
// proportional to the number of live pods, never to the length of the trace,
// and no Go map is ever iterated, so the same parameters and seed always give
// the same events.
//
// Pod names are "<prefix>-<id>" with the id zero-padded to six digits
// ("churn-000123"); ids are never reused within one generator, so names are
// unique among live pods (and over the whole trace). The returned Event's Pod
// (and Node) alias a buffer of the generator that is overwritten by the next
// call to Next.
//
// Pods a generator has at t=0 before anything happens (churn's --start-pods,
// rolling's old replicas, diurnal's trough) are running events (OpRunning):
// they hold their addresses when the trace starts.
//
// Every parameter has a range, checked by Validate with a message naming
// its flag: counts up to MaxGenCount, rates up to MaxGenRate per second,
// durations up to MaxTraceTime, and the trace must end by MaxTraceTime.
// Through the command line and scenario files (GenFromArgs, GenFlags) a
// generator is also refused when its event bound (genParams.workBound)
// exceeds --max-events, DefaultMaxEvents unless raised.

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ipamsim/ipamsim/sim"
)

// Generator kinds: the names used on the command line ("ipamsim trace gen
// KIND"), the default pod-name prefix of each generator, and the stream name
// its randomness is drawn from (sim.NewRand(seed, kind)).
const (
	KindChurn   = "churn"
	KindDeploy  = "deploy"
	KindRolling = "rolling"
	KindCronJob = "cronjob"
	KindDiurnal = "diurnal"
	KindCL2     = "cl2"
)

// GenKinds lists the generator kinds in the order the CLI documents them.
var GenKinds = []string{KindChurn, KindDeploy, KindRolling, KindCronJob, KindDiurnal, KindCL2}

// maxTime is the largest representable instant; generated times saturate there.
const maxTime = sim.Time(math.MaxInt64)

// Bounds of generator parameters.
const (
	// MaxGenCount bounds every count parameter (replicas, pods per run,
	// start pods, ...): 10^9.
	MaxGenCount = 1_000_000_000
	// MaxGenRate bounds every rate, in pods (or operations) per second: one
	// a nanosecond, the trace's resolution.
	MaxGenRate = 1e9
	// DefaultMaxEvents is the default of --max-events: a generator whose
	// event bound is larger is refused unless --max-events raises it. Ten
	// million events are about 300 MB of CSV.
	DefaultMaxEvents = 10_000_000
	// MaxMaxEvents is the largest --max-events accepted.
	MaxMaxEvents = 1_000_000_000_000
)

// addTime returns a+d (d >= 0), saturating at maxTime instead of overflowing.
func addTime(a, d sim.Time) sim.Time {
	if d > maxTime-a {
		return maxTime
	}
	return a + d
}

// nsTime converts a (non-negative) float number of nanoseconds to a Time,
// rounding to the nearest nanosecond and saturating at maxTime.
func nsTime(ns float64) sim.Time {
	if !(ns > 0) {
		return 0
	}
	if ns >= float64(math.MaxInt64) {
		return maxTime
	}
	return sim.Time(math.Round(ns))
}

// paced returns the offset of the k-th (0-based) action of a sequence paced at
// rate actions per second: k/rate seconds. A rate of 0 means "all at once".
// The offset is computed from k directly, not accumulated, so it does not
// drift.
func paced(k uint64, rate float64) sim.Time {
	if rate == 0 {
		return 0
	}
	return sim.Seconds(float64(k) / rate)
}

// namer builds pod (or node) names into a reused buffer.
type namer struct {
	buf  []byte
	plen int // length of "prefix-"
}

func newNamer(prefix string) namer {
	b := make([]byte, 0, len(prefix)+24)
	b = append(b, prefix...)
	b = append(b, '-')
	return namer{buf: b, plen: len(b)}
}

// name returns "prefix-<id>" with id zero-padded to width digits. The result
// aliases the namer's buffer until the next call.
func (n *namer) name(id uint64, width int) []byte {
	n.buf = appendPadded(n.buf[:n.plen], id, width)
	return n.buf
}

// appendPadded appends v in decimal, left-padded with zeros to width digits.
func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// podIDWidth is the minimum number of digits of a pod id in generated names.
const podIDWidth = 6

// prefixOr returns prefix, or def when prefix is empty.
func prefixOr(prefix, def string) string {
	if prefix == "" {
		return def
	}
	return prefix
}

// checkPrefix validates a pod-name prefix: generated names must survive a
// CSV round trip, so no spaces, commas or control characters.
func checkPrefix(prefix string) error {
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if c <= ' ' || c == ',' || c == 0x7f {
			return fmt.Errorf("--prefix must not contain spaces, commas or control characters, got %q", prefix)
		}
	}
	return nil
}

// Validation helpers. Messages name the CLI flag, e.g. "--rate must be > 0,
// got -1".

// checkRate checks a rate: finite, > 0 (>= 0 with allowZero), at most
// MaxGenRate.
func checkRate(flag string, v float64, allowZero bool) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%s must be a finite number, got %g", flag, v)
	case allowZero && v < 0:
		return fmt.Errorf("%s must be >= 0, got %g", flag, v)
	case !allowZero && v <= 0:
		return fmt.Errorf("%s must be > 0, got %g", flag, v)
	case v > MaxGenRate:
		return fmt.Errorf("%s must be at most %g per second (one a nanosecond), got %g", flag, float64(MaxGenRate), v)
	}
	return nil
}

// checkDur checks a duration: > 0 (>= 0 with allowZero), at most
// MaxTraceTime.
func checkDur(flag string, v sim.Time, allowZero bool) error {
	switch {
	case allowZero && v < 0:
		return fmt.Errorf("%s must be >= 0, got %s", flag, v)
	case !allowZero && v <= 0:
		return fmt.Errorf("%s must be > 0, got %s", flag, v)
	case v > MaxTraceTime:
		return fmt.Errorf("%s must be at most 100 years (%s), got %s", flag, MaxTraceTime, v)
	}
	return nil
}

// checkCount checks a count: > 0 (>= 0 with allowZero), at most
// MaxGenCount.
func checkCount(flag string, v int, allowZero bool) error {
	switch {
	case allowZero && v < 0:
		return fmt.Errorf("%s must be >= 0, got %d", flag, v)
	case !allowZero && v <= 0:
		return fmt.Errorf("%s must be > 0, got %d", flag, v)
	case v > MaxGenCount:
		return fmt.Errorf("%s must be at most %d, got %d", flag, MaxGenCount, v)
	}
	return nil
}

// checkEnd checks that a trace whose last event is at end seconds (a float,
// so that it cannot overflow) ends by MaxTraceTime; what says how end is
// computed, for the message.
func checkEnd(end float64, what string) error {
	if !(end <= MaxTraceTime.Seconds()) {
		return fmt.Errorf("the trace would end after 100 years (%s s): %s = %.6g s", formatSeconds(MaxTraceTime), what, end)
	}
	return nil
}
