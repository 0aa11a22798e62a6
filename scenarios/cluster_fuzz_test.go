package scenarios

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// FuzzClusterLines fuzzes the value of a subnet: and a group: line: either
// an error, or a subnet and group that keep the documented ranges (issue
// 12): an IPv4 /16../28 without host bits, reserves inside it that do not
// overlap, counts and durations in range.
func FuzzClusterLines(f *testing.F) {
	f.Add("nodes 10.0.0.0/20 reserve=10.0.0.0/28 foreign-every=3 cni", "ng type=m5.large count=150 subnets=nodes stagger=2s")
	f.Add("a 10.0.0.1/24", "g type=m5.large count=1 autoscale-max=4 boot-delay=90s subnets=a,b pod-subnet=c max-pods=58 daemonset-pods=3 join=1m leave=2h set=WARM_IP_TARGET=2")
	f.Add("a 10.0.0.0/24 reserve=10.0.0.0/26 reserve=10.0.0.16/28", "g type=x count=99999999999999999999 subnets=a stagger=1500000h")
	f.Add("a fd00::/64", "g count=0 subnets=")
	f.Fuzz(func(t *testing.T, subnet, group string) {
		if sn, err := parseClusterSubnet(subnet); err == nil {
			p := sn.CIDR
			if !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 28 || p != p.Masked() || sn.ForeignEvery == 1 || sn.ForeignEvery < 0 {
				t.Fatalf("accepted subnet %q as %+v", subnet, sn)
			}
			for i, r := range sn.Reserve {
				if !p.Contains(r.Addr()) || r != r.Masked() || r.Bits() > 28 {
					t.Fatalf("accepted reserve %s of %q", r, subnet)
				}
				for _, o := range sn.Reserve[:i] {
					if o.Overlaps(r) {
						t.Fatalf("accepted overlapping reserves %s and %s of %q", o, r, subnet)
					}
				}
			}
			var _ netip.Prefix = p
		}
		if g, err := parseClusterGroup(group); err == nil {
			for _, d := range []time.Duration{g.Join, g.Stagger, g.Leave, g.BootDelay} {
				if d < 0 || d > MaxDuration {
					t.Fatalf("accepted duration %s in %q", d, group)
				}
			}
			if g.InstanceType == "" || len(g.Subnets) == 0 || g.Count < 0 || g.Count == 0 && g.AutoscaleMax == 0 ||
				g.MaxPods < 0 || g.MaxPods > MaxMaxPods || g.DaemonSetPods < 0 || g.DaemonSetPods > MaxMaxPods {
				t.Fatalf("accepted group %q as %+v", group, g)
			}
			if g.Count > 1 && g.Join+time.Duration(g.Count-1)*g.Stagger > MaxDuration {
				t.Fatalf("the last node of %q joins after %s", group, MaxDuration)
			}
			for _, s := range g.Subnets {
				if strings.TrimSpace(s) == "" {
					t.Fatalf("empty subnet name in %q", group)
				}
			}
		}
	})
}
