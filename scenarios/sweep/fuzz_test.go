package sweep

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseGrid fuzzes the grid flags: a *GridError (or a setting error of
// --set) naming its flag, or a grid within MaxPoints whose every point
// Point(i) builds.
func FuzzParseGrid(f *testing.F) {
	f.Add("WARM_IP_TARGET=0..4,8", "m5.large,c5.xlarge", "first-fit,random", 2, "vpc-cni,static", "")
	f.Add("WARM_IP_TARGET=0..9223372036854775807", "", "", 1, "", "")
	f.Add("IP_COOLDOWN_PERIOD=-5..5:3", "m5.large", "", 0, "", "cilium-eni.pre-allocate=NaN")
	f.Add("ENABLE_PREFIX_DELEGATION=true,1", "", "", 1000001, "terway", "terway.idle_ip_reclaim_jitter_factor=0.5")
	f.Fuzz(func(t *testing.T, grid, types, orders string, reps int, policies, sets string) {
		spec := GridSpec{Grid: splitNonEmpty(grid, ";"), InstanceTypes: splitNonEmpty(types, ";"), Orders: splitNonEmpty(orders, ";"),
			Repetitions: reps, PolicySets: splitNonEmpty(sets, ";")}
		if policies != "" {
			spec.Policies = []string{policies}
		}
		g, err := ParseGrid(spec)
		if err != nil {
			var ge *GridError
			if !errors.As(err, &ge) && !strings.HasPrefix(err.Error(), "--set") {
				t.Fatalf("error %v names no flag", err)
			}
			return
		}
		n := g.Len()
		if n < 1 || n > MaxPoints {
			t.Fatalf("%d points", n)
		}
		for _, i := range []int{0, n / 2, n - 1} {
			if p := g.Point(i, 1); p.Index != i || p.Repetition < 1 || p.Repetition > g.Repetitions {
				t.Fatalf("Point(%d) = %+v", i, p)
			}
		}
	})
}

func splitNonEmpty(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// FuzzParseShard fuzzes --shard: an error, or 0 <= INDEX < COUNT.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "4/4", "-1/2", "0/0", "a/b", "0/99999999999999999999", " 1 / 2 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err == nil && (sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count) {
			t.Fatalf("accepted %q as %+v", s, sh)
		}
	})
}

// FuzzReadDocument fuzzes sweep JSON files (sweep merge, recommend --from):
// an error naming the file, or a document whose points are the plan's with
// figures no run would give refused.
func FuzzReadDocument(f *testing.F) {
	f.Add([]byte(`{"format":"ipamsim-sweep/v1"}`))
	f.Add([]byte(`{"format": 7}`))
	f.Add([]byte("\x00\x00"))
	f.Add([]byte(`{"format":"ipamsim-sweep/v1","points_total":1,"plan":{"grid":{"instance_types":["m5.large"],"assign_orders":["first-fit"],"repetitions":1}},"points":[{"index":0,"summary":{"wait_p99_seconds":-5}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ReadDocument(bytes.NewReader(body), "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		for i := range d.Points {
			if err := d.Points[i].checkFigures(); err != nil {
				t.Fatalf("accepted point %d: %v", i, err)
			}
		}
	})
}
