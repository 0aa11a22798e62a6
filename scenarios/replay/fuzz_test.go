package replay

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// FuzzPrepareOverrides fuzzes a run's overrides as the flags of ipamsim run
// give them: Prepare either refuses them with an input error, or builds a
// node within the documented ranges; it never panics.
func FuzzPrepareOverrides(f *testing.F) {
	f.Add("m5.large", 0, 0, 0, "10.0.0.0/16", "WARM_IP_TARGET=2", "", "", int64(0))
	f.Add("x9.huge", 4096, 4096, 1000000, "10.0.0.1/16", "IP_COOLDOWN_PERIOD=9223372037", "terway", "idle_ip_reclaim_jitter_factor=NaN", int64(-1))
	f.Add("m5.large", 100000000000, 1, -1, "fd00::/64", "=", "cilium-eni", "pre-allocate=1e300", int64(1<<62))
	f.Fuzz(func(t *testing.T, inst string, enis, ipv4, maxPods int, subnet, set, policy, param string, drain int64) {
		ov := Overrides{InstanceType: inst, ENIs: enis, IPv4PerENI: ipv4, MaxPods: maxPods, Subnet: subnet, Policy: policy, Seed: 1}
		if set != "" {
			ov.Settings = []string{set}
		}
		if policy != "" && param != "" {
			k, v, _ := strings.Cut(param, "=")
			ov.PolicyParams = map[string]string{k: v}
		}
		d := time.Duration(drain)
		ov.Drain = &d
		trace := func() (scenarios.Reader, error) {
			return scenarios.NewCSVReader(strings.NewReader("at,op,pod\n"), "t.csv"), nil
		}
		s, err := Prepare(Request{Trace: trace, TraceName: "t.csv", Overrides: ov})
		if err != nil {
			var (
				spe *SpecError
				se  *ipam.SettingError
				poe *ipam.PolicyError
				ce  *catalog.UnknownTypeError
			)
			if !errors.As(err, &spe) && !errors.As(err, &se) && !errors.As(err, &poe) && !errors.As(err, &ce) {
				t.Fatalf("%T %v is not an input error", err, err)
			}
			return
		}
		n := s.Node
		if n.Instance.MaxENIs < 1 || n.Instance.MaxENIs > maxOverrideCount || n.Instance.IPv4PerENI < 2 || n.Instance.IPv4PerENI > maxOverrideCount ||
			n.MaxPods < 0 || n.MaxPods > MaxMaxPods || s.Drain < 0 || s.Drain > sim.Time(MaxDrain) {
			t.Fatalf("accepted %+v as %+v", ov, n)
		}
		if p := n.Subnet; p.IsValid() && (p != p.Masked() || p.Bits() < 16 || p.Bits() > 28) {
			t.Fatalf("accepted subnet %s", p)
		}
		if c := n.Settings.IPCooldown; c < 0 || c > ipam.MaxCooldownSeconds*sim.Second {
			t.Fatalf("accepted cooldown %s", c)
		}
	})
}
