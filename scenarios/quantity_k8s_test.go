package scenarios

import (
	"math/big"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Kubernetes' own parser is the reference (a test-only dependency): every
// quantity ParseCPU or ParseMemory accepts, resource.ParseQuantity accepts
// with the same MilliValue or Value, and every quantity Kubernetes accepts
// that ours refuses is one of the documented refusals.

var k8sSeeds = []string{
	"500m", "2", "0.5", "1.5", "128Mi", "1Gi", "512M", "1e9", "1E", "1E3", "1e-3", "1.5Gi", "0.1Ki",
	"100m", "-1", "-0", "+1", ".5", "5.", "1.G", "Mi", "e3", ".", "0", "000", "1e-1000", "0.0001",
	"1n", "250000u", "1k", "1K", "1Ei", "1e4294967296", "1e99999999999999999999", "1e999999999999999", "1e-999999999999999", "1e2147483648", "999999999.9999m",
}

func TestQuantitiesAgreeWithKubernetes(t *testing.T) {
	for _, s := range k8sSeeds {
		checkAgainstKubernetes(t, s)
	}
}

func FuzzQuantityAgainstKubernetes(f *testing.F) {
	for _, s := range k8sSeeds {
		f.Add(s)
	}
	f.Fuzz(checkAgainstKubernetes)
}

func checkAgainstKubernetes(t *testing.T, s string) {
	if hugeExponent(s) {
		// Kubernetes wraps such exponents to int32 and can then run for
		// minutes ("1e999999999999999" becomes 10^-1530494977); ours
		// saturates: a positive amount is beyond every bound or rounds up
		// to one unit.
		for _, parse := range []func(string) (int64, error){ParseCPU, ParseMemory} {
			if v, err := parse(s); err == nil && v > 1 {
				t.Fatalf("%q: %d from a huge exponent", s, v)
			}
		}
		return
	}
	q, kerr := resource.ParseQuantity(s)
	for _, r := range []struct {
		name  string
		parse func(string) (int64, error)
		value func(*resource.Quantity) int64
		unit  int64 // our unit in Kubernetes' base units: 1/unit
		limit int64
	}{
		{"cpu", ParseCPU, (*resource.Quantity).MilliValue, 1000, MaxCPUMilli},
		{"memory", ParseMemory, (*resource.Quantity).Value, 1, MaxMemoryBytes},
	} {
		v, err := r.parse(s)
		switch {
		case err == nil && kerr != nil:
			t.Fatalf("%s %q: ours %d, Kubernetes refuses: %v", r.name, s, v, kerr)
		case err == nil:
			if kv := r.value(&q); kv != v {
				t.Fatalf("%s %q: ours %d, Kubernetes %d", r.name, s, v, kv)
			}
		case kerr == nil:
			if why := documentedRefusal(s, &q, r.unit, r.limit); why == "" {
				t.Fatalf("%s %q: ours refuses (%v), Kubernetes accepts %s", r.name, s, err, q.String())
			}
		}
	}
}

// hugeExponent reports whether s ends in an exponent suffix of more than
// four digits.
func hugeExponent(s string) bool {
	i := strings.LastIndexAny(s, "eE")
	if i < 0 {
		return false
	}
	exp := strings.TrimLeft(strings.TrimLeft(s[i+1:], "+-"), "0")
	return len(exp) > 4 && skipDigits(exp, 0) == len(exp)
}

// documentedRefusal says why our parser may refuse s although Kubernetes
// reads it as q ("" when there is no such reason): a minus sign, no digits
// before the suffix, input longer than MaxQuantityLen, or a value above our
// bound (limit in our units, unit of ours per Kubernetes base unit).
func documentedRefusal(s string, q *resource.Quantity, unit, limit int64) string {
	switch {
	case strings.HasPrefix(s, "-"):
		return "negative"
	case len(s) > MaxQuantityLen:
		return "too long"
	}
	num := strings.TrimPrefix(s, "+")
	end := skipDigits(num, 0)
	digits := end > 0
	if end < len(num) && num[end] == '.' {
		digits = digits || skipDigits(num, end+1) > end+1
	}
	if !digits {
		return "no digits"
	}
	// Above our bound: Kubernetes' exact decimal value times unit > limit.
	d := q.AsDec()
	v := new(big.Rat).SetFrac(d.UnscaledBig(), big.NewInt(1))
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(int(d.Scale())))), nil)
	if d.Scale() > 0 {
		v.Quo(v, new(big.Rat).SetInt(scale))
	} else {
		v.Mul(v, new(big.Rat).SetInt(scale))
	}
	v.Mul(v, new(big.Rat).SetInt64(unit))
	if v.Cmp(new(big.Rat).SetInt64(limit)) > 0 {
		return "above our bound"
	}
	return ""
}
