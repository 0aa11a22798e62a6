package scenarios

import (
	"fmt"
	"math/big"
	"strconv"
)

// Kubernetes resource quantities, as pods' cpu and memory requests are
// written ("500m", "1.5", "128Mi", "1Gi", "1e9"), parsed by the rules of
// Kubernetes' resource.Quantity:
//
//	quantity = [ "+" ] number [ suffix ]
//	number   = digits | digits "." | digits "." digits | "." digits
//	suffix   = binary | decimal | exponent
//	binary   = "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"          (2^10 ... 2^60)
//	decimal  = "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"  (10^-9 ... 10^18)
//	exponent = ( "e" | "E" ) [ "+" | "-" ] digits              (10^digits)
//
// A value is rounded up to the unit asked for, as the scheduler counts
// requests: CPU to whole millicores (Quantity.MilliValue: "0.0001" is 1m),
// memory to whole bytes (Quantity.Value: "0.5" is 1 byte). Stricter than
// Kubernetes, which clamps or wraps some of these silently, ParseCPU and
// ParseMemory refuse a minus sign (also "-0"), a number without digits
// ("Mi", "e3", "."), a value above MaxCPUMilli or MaxMemoryBytes, and
// input longer than MaxQuantityLen bytes.

// Bounds on the quantities accepted.
const (
	// MaxCPUMilli is a million cores, in millicores: far above any node (the
	// largest instance type has 896 vCPUs).
	MaxCPUMilli = 1_000_000_000
	// MaxMemoryBytes is 1 PiB: far above any node (the largest has 32 TiB).
	MaxMemoryBytes = 1 << 50
	// MaxQuantityLen bounds the text of a quantity, in bytes.
	MaxQuantityLen = 64
)

// QuantityError is a quantity that ParseCPU or ParseMemory refuses.
type QuantityError struct {
	Resource string // "cpu" or "memory"
	Value    string // the text refused
	Msg      string // why, e.g. `unknown suffix "x"`
}

func (e *QuantityError) Error() string {
	return fmt.Sprintf("%s is not a valid %s quantity: %s", strconv.Quote(e.Value), e.Resource, e.Msg)
}

// ParseCPU parses a CPU quantity ("500m", "2", "0.5", "1.5") into millicores,
// rounding up. The error is a *QuantityError.
func ParseCPU(s string) (milli int64, err error) {
	return parseResource(s, "cpu", 3, MaxCPUMilli, "1000000 cores")
}

// ParseMemory parses a memory quantity ("128Mi", "1Gi", "512M", "1e9",
// "1048576") into bytes, rounding up. The error is a *QuantityError.
func ParseMemory(s string) (bytes int64, err error) {
	return parseResource(s, "memory", 0, MaxMemoryBytes, "1Pi")
}

// parseResource parses s and returns its value in units of 10^unitExp10
// (3: millis, 0: ones), rounded up, at most limit (described by limitText).
func parseResource(s, resource string, unitExp10 int, limit int64, limitText string) (int64, error) {
	q, msg := parseQuantity(s)
	if msg != "" {
		return 0, &QuantityError{Resource: resource, Value: s, Msg: msg}
	}
	v, ok := q.ceilUnits(unitExp10, limit)
	if !ok {
		return 0, &QuantityError{Resource: resource, Value: s, Msg: "more than " + limitText}
	}
	return v, nil
}

// quantity is a parsed quantity: digits·10^(exp10−frac)·2^exp2.
type quantity struct {
	digits string // the number's digits, fraction included, without the point
	frac   int    // how many of digits follow the point
	exp10  int    // decimal exponent of the suffix
	exp2   int    // binary exponent of the suffix
}

// Exponents beyond expLimit in magnitude saturate at it: with at most
// MaxQuantityLen digits, 10^±expLimit is far outside every bound.
const expLimit = 1000

var suffixes = map[string]quantity{
	"n": {exp10: -9}, "u": {exp10: -6}, "m": {exp10: -3}, "": {},
	"k": {exp10: 3}, "M": {exp10: 6}, "G": {exp10: 9}, "T": {exp10: 12}, "P": {exp10: 15}, "E": {exp10: 18},
	"Ki": {exp2: 10}, "Mi": {exp2: 20}, "Gi": {exp2: 30}, "Ti": {exp2: 40}, "Pi": {exp2: 50}, "Ei": {exp2: 60},
}

const suffixHelp = "want one of Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent such as e3"

// parseQuantity splits s into number and suffix. The message is "" when s
// is well formed, else what is wrong.
func parseQuantity(s string) (quantity, string) {
	switch {
	case s == "":
		return quantity{}, "empty"
	case len(s) > MaxQuantityLen:
		return quantity{}, fmt.Sprintf("longer than %d bytes", MaxQuantityLen)
	case s[0] == '-':
		return quantity{}, "negative"
	}
	i := 0
	if s[0] == '+' {
		i++
	}
	wholeEnd := skipDigits(s, i)
	whole := s[i:wholeEnd]
	fracPart := ""
	j := wholeEnd
	if j < len(s) && s[j] == '.' {
		j = skipDigits(s, j+1)
		fracPart = s[wholeEnd+1 : j]
	}
	if whole == "" && fracPart == "" {
		return quantity{}, "no number before the suffix (want e.g. 500m, 1.5 or 128Mi)"
	}
	suffix := s[j:]
	q, ok := suffixes[suffix]
	if !ok {
		if suffix[0] != 'e' && suffix[0] != 'E' {
			return quantity{}, fmt.Sprintf("unknown suffix %q: %s", suffix, suffixHelp)
		}
		exp, ok := parseExponent(suffix[1:])
		if !ok {
			return quantity{}, fmt.Sprintf("unknown suffix %q: %s", suffix, suffixHelp)
		}
		q = quantity{exp10: exp}
	}
	q.digits = whole + fracPart
	q.frac = len(fracPart)
	return q, ""
}

// skipDigits returns the index of the first non-digit of s at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// parseExponent parses an optionally signed run of digits, saturating at
// ±expLimit.
func parseExponent(s string) (int, bool) {
	sign := 1
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if s == "" || skipDigits(s, 0) != len(s) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = min(n*10+int(s[i]-'0'), expLimit)
	}
	return sign * n, true
}

// ceilUnits returns q in units of 10^unitExp10, rounded up, and whether it
// is at most limit.
func (q quantity) ceilUnits(unitExp10 int, limit int64) (int64, bool) {
	n, _ := new(big.Int).SetString(q.digits, 10) // digits only, at least one
	if n.Sign() == 0 {
		return 0, true
	}
	e := q.exp10 - q.frac + unitExp10
	switch {
	case e > 100: // n >= 1, so at least 10^100: beyond any limit
		return 0, false
	case e < -400: // n·2^exp2 < 10^64·2^60 < 10^83, so below 10^-317: rounds up to 1
		return 1, limit >= 1
	}
	n.Lsh(n, uint(q.exp2))
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil)
	if e >= 0 {
		n.Mul(n, pow)
	} else {
		var rem big.Int
		n.QuoRem(n, pow, &rem)
		if rem.Sign() != 0 {
			n.Add(n, big.NewInt(1))
		}
	}
	if !n.IsInt64() || n.Int64() > limit {
		return 0, false
	}
	return n.Int64(), true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// FormatCPU writes millicores as a Kubernetes quantity that ParseCPU reads
// back to the same value: whole cores without a suffix ("2"), else
// millicores ("500m").
func FormatCPU(milli int64) string {
	if milli%1000 == 0 {
		return strconv.FormatInt(milli/1000, 10)
	}
	return strconv.FormatInt(milli, 10) + "m"
}

// FormatMemory writes bytes as a Kubernetes quantity that ParseMemory reads
// back to the same value: with the largest binary suffix that divides it
// exactly ("128Mi", "1Gi"), else plain bytes ("1000").
func FormatMemory(bytes int64) string {
	if bytes != 0 {
		for i, suf := range []string{"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"} {
			shift := uint(60 - 10*i)
			if bytes%(1<<shift) == 0 {
				return strconv.FormatInt(bytes>>shift, 10) + suf
			}
		}
	}
	return strconv.FormatInt(bytes, 10)
}
