package explore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// FuzzParseQuery: any query is either refused with a FieldError naming a
// field, or resolves to a run whose command line, read back as a query,
// resolves to the same settings.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "WARM_IP_TARGET=5", "scenario=churn-cooldown&variant=warm-eni&seed=3",
		"instance-type=m5.large&assign-order=random&policy=terway", "ENABLE_PREFIX_DELEGATION=true&WARM_PREFIX_TARGET=1",
		"WARM_IP_TARGET=-3", "IP_COOLDOWN_PERIOD=99999999999999999999", "a=%zz", "seed=&seed=", "MAX_ENI=1&ENABLE_IMDS_ONLY_MODE=true",
	} {
		f.Add(seed)
	}
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseQuery(raw)
		var in *runInput
		if err == nil {
			in, err = s.resolve(req)
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" || fe.Error() == "" {
				t.Fatalf("%q: error %v is not a FieldError with a field", raw, err)
			}
			return
		}
		// Rebuild a query from the command line's flags and check it
		// describes the same run.
		q := "scenario=" + in.scenario.id
		args := in.args[3:]
		for i := 0; i+1 < len(args); i += 2 {
			flag, v := args[i][2:], args[i+1]
			if flag == "set" {
				q += "&" + v
			} else {
				q += "&" + flag + "=" + v
			}
		}
		req2, err := parseQuery(q)
		if err != nil {
			return // a value the command line carries verbatim but a query cannot (e.g. '&')
		}
		in2, err := s.resolve(req2)
		if err != nil {
			t.Fatalf("%q: its command line %v does not resolve: %v", raw, in.args, err)
		}
		if in2.settings != in.settings || in2.instance.Name != in.instance.Name || in2.order != in.order ||
			in2.seed != in.seed || in2.policy != in.policy || in2.variant != in.variant || !slices.Equal(in2.args, in.args) {
			t.Fatalf("%q: command line %v resolves to a different run", raw, in.args)
		}
	})
}
