package ec2

// EC2 latency profiles as CSV: the users' own (--ec2-profile FILE) and the
// built-in one printed in the same format (docs/ec2-latency.md).

import (
	"github.com/ipamsim/ipamsim/internal/textdist"

	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/sim"
)

// EC2Latencies is how long each EC2 action ipamd calls takes, how long a
// throttled answer takes, and how long a newly attached ENI and its addresses
// take to show in instance metadata (model.md §7; docs/ec2-latency.md).
type EC2Latencies struct {
	// Call is the latency of a successful call of each action.
	Call [NumAPIs]LogNormal
	// Throttled is the latency of one attempt answered RequestLimitExceeded.
	Throttled LogNormal
	// IMDSVisible is the delay from a completed attach until the ENI and its
	// secondary addresses or prefixes show in IMDS (§7.7).
	IMDSVisible LogNormal
}

// The profile rows that are not EC2 actions.
const (
	ThrottledName   = "Throttled"
	IMDSVisibleName = "IMDSVisible"
)

// numLatencyRows counts the rows of a profile: every action, then Throttled
// and IMDSVisible.
const numLatencyRows = int(NumAPIs) + 2

// LatencyNames lists the names a profile's api column accepts, in the order
// WriteEC2Profile prints them: the EC2 actions in the order of §7's table,
// then Throttled and IMDSVisible.
func LatencyNames() []string {
	names := make([]string, 0, numLatencyRows)
	for a := API(0); a < NumAPIs; a++ {
		names = append(names, a.String())
	}
	return append(names, ThrottledName, IMDSVisibleName)
}

// row returns the distribution of row i (an index into LatencyNames).
func (l *EC2Latencies) row(i int) *LogNormal {
	switch {
	case i < int(NumAPIs):
		return &l.Call[i]
	case i == int(NumAPIs):
		return &l.Throttled
	default:
		return &l.IMDSVisible
	}
}

// Valid reports the first row that is not a latency distribution, or nil.
func (l EC2Latencies) Valid() error {
	for i, name := range LatencyNames() {
		if err := l.row(i).Valid(); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	return nil
}

// The profile's CSV header and the limit on its size.
const (
	ProfileHeader   = "api,p50_ms,p99_ms"
	MaxProfileBytes = 64 << 10
)

var profileColumns = [3]string{"api", "p50_ms", "p99_ms"}

// ProfileError is an EC2 profile that cannot be read: the file, the 1-based
// line (0 for the file as a whole), the column at fault ("" for the whole
// line) and what is wrong.
type ProfileError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *ProfileError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Field == "":
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: field %q: %s", e.File, e.Line, e.Field, e.Msg)
}

// ReadEC2ProfileFile reads the profile at path over base (see
// ParseEC2Profile). It refuses anything but a regular file of at most
// MaxProfileBytes.
func ReadEC2ProfileFile(path string, base EC2Latencies) (EC2Latencies, error) {
	// Stat before opening: opening a FIFO would block until a writer comes.
	if err := checkProfileFile(path, os.Stat); err != nil {
		return EC2Latencies{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return EC2Latencies{}, &ProfileError{File: path, Msg: pathErrMsg(err)}
	}
	defer f.Close()
	// And again on what was opened, in case the path changed in between.
	if err := checkProfileFile(path, func(string) (fs.FileInfo, error) { return f.Stat() }); err != nil {
		return EC2Latencies{}, err
	}
	return ParseEC2Profile(path, f, base)
}

// checkProfileFile refuses anything but a regular file of at most
// MaxProfileBytes.
func checkProfileFile(path string, stat func(string) (fs.FileInfo, error)) error {
	st, err := stat(path)
	switch {
	case err != nil:
		return &ProfileError{File: path, Msg: pathErrMsg(err)}
	case !st.Mode().IsRegular():
		return &ProfileError{File: path, Msg: fmt.Sprintf("not a regular file (%v)", st.Mode().Type())}
	case st.Size() > MaxProfileBytes:
		return tooLarge(path)
	}
	return nil
}

// pathErrMsg is err without the operation and path an *fs.PathError repeats.
func pathErrMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func tooLarge(file string) *ProfileError {
	return &ProfileError{File: file, Msg: fmt.Sprintf("too large: an EC2 profile has at most %d bytes", MaxProfileBytes)}
}

// ParseEC2Profile reads a CSV profile from r and returns base with the rows
// it names replaced; rows it does not name keep base's figures. file names
// the source in errors.
//
// The first line that is not blank and not a comment (first non-space
// character '#') is the header "api,p50_ms,p99_ms"; each later such line is
// one row: a name from LatencyNames (case as listed), then its p50 and p99 in
// milliseconds, decimal numbers such as 510 or 0.25 (an exponent is allowed,
// nothing else: no sign, no hex, no underscores), finite, at most one hour,
// with p99 ≥ p50 and p50 > 0 unless both are 0 (an instant answer). A name
// may appear once. Fields are not quoted; spaces around them are ignored; a
// UTF-8 byte order mark at the start is skipped; lines may end in "\r\n".
// Figures are kept to the nanosecond. Errors are *ProfileError, naming the
// line and column; on error nothing is returned but the error.
func ParseEC2Profile(file string, r io.Reader, base EC2Latencies) (EC2Latencies, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxProfileBytes+1))
	if err != nil {
		return EC2Latencies{}, &ProfileError{File: file, Msg: err.Error()}
	}
	if len(data) > MaxProfileBytes {
		return EC2Latencies{}, tooLarge(file)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))

	out := base
	var seen [numLatencyRows]int // line where each row was set, 0 if not
	names := LatencyNames()
	header := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxProfileBytes+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		text := strings.TrimSpace(line)
		if text == "" || text[0] == '#' {
			continue
		}
		bad := func(field, format string, args ...any) (EC2Latencies, error) {
			return EC2Latencies{}, &ProfileError{File: file, Line: n, Field: field, Msg: fmt.Sprintf(format, args...)}
		}
		fields := strings.Split(line, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if !header {
			if len(fields) != 3 || fields[0] != profileColumns[0] || fields[1] != profileColumns[1] || fields[2] != profileColumns[2] {
				return bad("", "the header must be %q, not %s", ProfileHeader, clip(text))
			}
			header = true
			continue
		}
		if len(fields) != 3 {
			return bad("", "%d fields, want 3 (%s)", len(fields), ProfileHeader)
		}
		i := indexOf(names, fields[0])
		if i < 0 {
			if s := nearestLatencyName(fields[0], names); s != "" {
				return bad("api", "unknown API %s; did you mean %s?", clip(fields[0]), s)
			}
			return bad("api", "unknown API %s (the names are: %s)", clip(fields[0]), strings.Join(names, ", "))
		}
		if seen[i] != 0 {
			return bad("api", "%s repeats (first on line %d)", names[i], seen[i])
		}
		seen[i] = n
		p50, msg := parseMillis(fields[1])
		if msg != "" {
			return bad("p50_ms", "%s", msg)
		}
		p99, msg := parseMillis(fields[2])
		if msg != "" {
			return bad("p99_ms", "%s", msg)
		}
		switch {
		case p99 < p50:
			return bad("p99_ms", "%s is less than p50_ms %s", fields[2], fields[1])
		case p50 == 0 && p99 > 0:
			return bad("p50_ms", "0 with p99_ms %s: a lognormal needs p50_ms > 0 (give both 0 for an instant answer)", fields[2])
		}
		*out.row(i) = LogNormal{P50: p50, P99: p99}
	}
	if err := sc.Err(); err != nil {
		return EC2Latencies{}, &ProfileError{File: file, Msg: err.Error()}
	}
	if !header {
		return EC2Latencies{}, &ProfileError{File: file, Line: 1, Msg: fmt.Sprintf("no header line: an EC2 profile starts with %q", ProfileHeader)}
	}
	return out, nil
}

// clip quotes s for a message, shortened to 40 bytes: a bad field may be a
// whole 64 KiB line.
func clip(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

// nearestLatencyName is the name closest to s, ignoring case, if it is close
// enough to be a likely misspelling (at most max(3, len/4) edits); ""
// otherwise.
func nearestLatencyName(s string, names []string) string {
	best, bestD := "", max(3, len(s)/4)+1
	for _, n := range names {
		if d := textdist.Levenshtein([]rune(strings.ToLower(s)), []rune(strings.ToLower(n)), bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// parseMillis reads a number of milliseconds, rounded to the nanosecond. The
// message says what is wrong with it, or is "" when it is good.
func parseMillis(s string) (sim.Time, string) {
	if s == "" {
		return 0, "empty: want a number of milliseconds"
	}
	q := clip(s)
	if strings.ContainsAny(s, "xX_") {
		return 0, q + " is not a decimal number of milliseconds"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, q + " is not a number of milliseconds"
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) && err == nil:
		return 0, q + " is not finite"
	case v < 0 || math.Signbit(v) || s[0] == '-':
		return 0, q + " is negative"
	case s[0] == '+':
		return 0, q + " has a sign: write the number alone"
	case v > float64(MaxLatency/sim.Millisecond):
		return 0, fmt.Sprintf("%s is more than %d (one hour)", q, MaxLatency/sim.Millisecond)
	}
	return sim.Time(math.Round(v * float64(sim.Millisecond))), ""
}

// WriteEC2Profile prints l in the profile format ParseEC2Profile reads:
// the header, then one row per name in LatencyNames order, figures in
// milliseconds with as many digits as they need (to the nanosecond). An
// invalid l is an error, and nothing is written.
func WriteEC2Profile(w io.Writer, l EC2Latencies) error {
	if err := l.Valid(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(ProfileHeader + "\n")
	for i, name := range LatencyNames() {
		d := l.row(i)
		fmt.Fprintf(&b, "%s,%s,%s\n", name, formatMillis(d.P50), formatMillis(d.P99))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatMillis writes t in milliseconds, exactly: t is a whole number of
// nanoseconds, so at most six decimals.
func formatMillis(t sim.Time) string {
	s := strconv.FormatInt(int64(t/sim.Millisecond), 10)
	if frac := int64(t % sim.Millisecond); frac != 0 {
		f := strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
		s += "." + f
	}
	return s
}
