package catalog

import (
	"strings"
	"testing"
)

func TestNodeMaxPodsWorkedValues(t *testing.T) {
	custom, err := Custom("mine", 8, 30)
	if err != nil {
		t.Fatal(err)
	}
	// Limits (instance-limits.csv) and vCPUs (instance-resources.csv):
	//   c6g.16xlarge 15 ENIs, L=50, 64 vCPUs, nitro
	//   c6g.4xlarge   8 ENIs, L=30, 16 vCPUs, nitro
	//   m5.large      3 ENIs, L=10,  2 vCPUs, nitro
	//   t3.medium     3 ENIs, L=6,   2 vCPUs, nitro
	//   m4.large      2 ENIs, L=10,  2 vCPUs, xen
	//   a1.metal      8 ENIs, L=30, 16 vCPUs, hypervisor unknown, bare metal
	//   c7g.metal    15 ENIs, L=50, 64 vCPUs, nitro, bare metal
	//   m5.metal     15 ENIs, L=50, 96 vCPUs, hypervisor unknown, bare metal
	//   mac1.metal    8 ENIs, L=30, no vCPU data
	//   mine (Custom) 8 ENIs, L=30, no vCPU data
	pd := NodeMaxPodsOptions{PrefixDelegation: true}
	cn := NodeMaxPodsOptions{CustomNetworking: true}
	tests := []struct {
		typ    string
		it     *InstanceType // nil: Lookup(typ)
		o      NodeMaxPodsOptions
		want   int
		source string
	}{
		// 15*(49*16)+2 = 11762 > 250, 64 vCPUs > 30 (issue 10: 250).
		{"c6g.16xlarge", nil, pd, 250, "eks-mng: calculator PD figure 11762 capped at 250 (64 vCPUs > 30)"},
		// 15*49+2 = 737.
		{"c6g.16xlarge", nil, NodeMaxPodsOptions{}, 250, "eks-mng: calculator SIP figure 737 capped at 250 (64 vCPUs > 30)"},
		// 3*(9*16)+2 = 434 > 110, 2 vCPUs (issue 10: 110).
		{"m5.large", nil, pd, 110, "eks-mng: calculator PD figure 434 capped at 110 (2 vCPUs <= 30)"},
		// 3*9+2 = 29.
		{"m5.large", nil, NodeMaxPodsOptions{}, 29, "eks-mng: calculator SIP figure 29, under the 110 cap (2 vCPUs <= 30)"},
		// MAX_ENI=2: 2*9+2 = 20; with PD 2*144+2 = 290 -> 110.
		{"m5.large", nil, NodeMaxPodsOptions{MaxENI: 2}, 20, "eks-mng: calculator SIP figure 20 (MAX_ENI=2), under the 110 cap (2 vCPUs <= 30)"},
		{"m5.large", nil, NodeMaxPodsOptions{MaxENI: 2, PrefixDelegation: true}, 110, "eks-mng: calculator PD figure 290 (MAX_ENI=2) capped at 110 (2 vCPUs <= 30)"},
		// MAX_ENI at or above the limit changes nothing and is not named.
		{"m5.large", nil, NodeMaxPodsOptions{MaxENI: 3}, 29, "eks-mng: calculator SIP figure 29, under the 110 cap (2 vCPUs <= 30)"},
		// Custom networking: (8-1)*29+2 = 205, 16 vCPUs -> 110.
		{"c6g.4xlarge", nil, cn, 110, "eks-mng: calculator SIP figure 205 (custom networking) capped at 110 (16 vCPUs <= 30)"},
		// 3*5+2 = 17; PD 3*(5*16)+2 = 242 -> 110.
		{"t3.medium", nil, NodeMaxPodsOptions{}, 17, "eks-mng: calculator SIP figure 17, under the 110 cap (2 vCPUs <= 30)"},
		{"t3.medium", nil, pd, 110, "eks-mng: calculator PD figure 242 capped at 110 (2 vCPUs <= 30)"},
		// Custom networking and PD on t3.medium: 2*80+2 = 162 -> 110.
		{"t3.medium", nil, NodeMaxPodsOptions{PrefixDelegation: true, CustomNetworking: true}, 110, "eks-mng: calculator PD figure 162 (custom networking) capped at 110 (2 vCPUs <= 30)"},
		// xen: the calculator keeps the SIP figure 2*9+2 = 20.
		{"m4.large", nil, pd, 20, "eks-mng: calculator SIP figure 20 (PD counted on nitro only, xen hypervisor), under the 110 cap (2 vCPUs <= 30)"},
		// Bare metal without a nitro hypervisor: SIP 8*29+2 = 234 -> 110.
		{"a1.metal", nil, pd, 110, "eks-mng: calculator SIP figure 234 (PD counted on nitro only, unknown hypervisor) capped at 110 (16 vCPUs <= 30)"},
		// m5.metal: SIP 15*49+2 = 737 -> 250 (96 vCPUs).
		{"m5.metal", nil, pd, 250, "eks-mng: calculator SIP figure 737 (PD counted on nitro only, unknown hypervisor) capped at 250 (96 vCPUs > 30)"},
		// c7g.metal is nitro in the VPC CNI's table: PD 11762 -> 250.
		{"c7g.metal", nil, pd, 250, "eks-mng: calculator PD figure 11762 capped at 250 (64 vCPUs > 30)"},
		// No vCPU data: the lower cap.
		{"mac1.metal", nil, NodeMaxPodsOptions{}, 110, "eks-mng: calculator SIP figure 234 capped at 110 (vCPUs unknown, lower cap assumed)"},
		{"mine", &custom, NodeMaxPodsOptions{}, 110, "eks-mng: calculator SIP figure 234 capped at 110 (vCPUs unknown, lower cap assumed)"},
		{"mine", &custom, NodeMaxPodsOptions{MaxENI: 1}, 31, "eks-mng: calculator SIP figure 31 (MAX_ENI=1), under the 110 cap (vCPUs unknown, lower cap assumed)"},

		// The bootstrap rules: N*(L-1)+2 whatever the mode.
		{"c6g.16xlarge", nil, NodeMaxPodsOptions{From: FromENIMaxPods}, 737, "eni-max-pods: AL2 bootstrap, eni-max-pods.txt figure"},
		{"c6g.16xlarge", nil, NodeMaxPodsOptions{From: FromENIMaxPods, PrefixDelegation: true}, 737, "eni-max-pods: AL2 bootstrap, eni-max-pods.txt figure (ignores prefix delegation)"},
		{"c6g.4xlarge", nil, NodeMaxPodsOptions{From: FromENIMaxPods, CustomNetworking: true, MaxENI: 2}, 234, "eni-max-pods: AL2 bootstrap, eni-max-pods.txt figure (ignores custom networking, MAX_ENI)"},
		{"m5.large", nil, NodeMaxPodsOptions{From: FromNodeadm, PrefixDelegation: true}, 29, "nodeadm: AL2023 default_enis*(ips_per_eni-1)+2, uncapped (ignores prefix delegation)"},
		{"c6g.16xlarge", nil, NodeMaxPodsOptions{From: FromNodeadm}, 737, "nodeadm: AL2023 default_enis*(ips_per_eni-1)+2, uncapped"},
		{"mine", &custom, NodeMaxPodsOptions{From: FromNodeadm}, 234, "nodeadm: AL2023 default_enis*(ips_per_eni-1)+2, uncapped"},

		// An explicit value wins over every rule.
		{"m5.large", nil, NodeMaxPodsOptions{Override: 50, PrefixDelegation: true}, 50, "override: max pods set explicitly"},
		{"m5.large", nil, NodeMaxPodsOptions{Override: 7, From: FromNodeadm}, 7, "override: max pods set explicitly"},
	}
	for _, tc := range tests {
		it := tc.it
		if it == nil {
			l, err := Lookup(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			it = &l
		}
		got, source, err := NodeMaxPods(*it, tc.o)
		if err != nil {
			t.Errorf("%s %+v: %v", tc.typ, tc.o, err)
			continue
		}
		if got != tc.want || source != tc.source {
			t.Errorf("%s %+v = %d %q\nwant %d %q", tc.typ, tc.o, got, source, tc.want, tc.source)
		}
	}
}

// TestNodeMaxPodsCustomNetworkingAgrees pins issue 10's disagreement: under
// custom networking on c6g.4xlarge the raw calculator (ipamsim maxpods
// --custom-networking) and the EKS rule start from the same figure,
// (8-1)*(30-1)+2 = 205, and the node gets it capped at 110 for 16 vCPUs.
func TestNodeMaxPodsCustomNetworkingAgrees(t *testing.T) {
	it, err := Lookup("c6g.4xlarge")
	if err != nil {
		t.Fatal(err)
	}
	const figure = (8-1)*(30-1) + 2
	if raw := MaxPods(it, MaxPodsOptions{CustomNetworking: true}); raw != figure {
		t.Errorf("raw calculator %d, want %d", raw, figure)
	}
	if capped := MaxPods(it, MaxPodsOptions{CustomNetworking: true, Cap: EKSMaxPodsCapSmall}); capped != 110 {
		t.Errorf("raw calculator capped %d, want 110", capped)
	}
	got, source, err := NodeMaxPods(it, NodeMaxPodsOptions{CustomNetworking: true})
	if err != nil || got != 110 || !strings.Contains(source, "figure 205 ") {
		t.Errorf("NodeMaxPods = %d %q %v, want 110 from 205", got, source, err)
	}
}

// TestNodeMaxPodsEveryType checks every type and mode against the rules
// worked out independently here from the limits (and, for the bootstrap
// rules, against eni-max-pods.txt itself).
func TestNodeMaxPodsEveryType(t *testing.T) {
	file := map[string]int{}
	for _, e := range readENIMaxPods(t) {
		file[e.name] = e.pods
	}
	modes := []NodeMaxPodsOptions{
		{}, {PrefixDelegation: true}, {CustomNetworking: true},
		{PrefixDelegation: true, CustomNetworking: true}, {MaxENI: 2}, {PrefixDelegation: true, MaxENI: 1},
	}
	for _, it := range All() {
		for _, o := range modes {
			enis := it.MaxENIs
			if o.MaxENI > 0 {
				enis = min(enis, o.MaxENI)
			}
			if o.CustomNetworking {
				enis--
			}
			perENI := it.IPv4PerENI - 1
			if o.PrefixDelegation && it.Hypervisor == "nitro" {
				perENI *= 16
			}
			figure := max(enis, 0)*perENI + 2
			limit := 110
			if it.HasResources && it.VCPUs > 30 {
				limit = 250
			}
			got, _, err := NodeMaxPods(it, o)
			if err != nil || got != min(figure, limit) {
				t.Fatalf("%s %+v: eks %d (%v), want min(%d, %d)", it.Name, o, got, err, figure, limit)
			}
			for _, from := range []MaxPodsFrom{FromENIMaxPods, FromNodeadm} {
				o.From = from
				got, _, err := NodeMaxPods(it, o)
				if err != nil || got != file[it.Name] {
					t.Fatalf("%s %+v: %d (%v), eni-max-pods.txt says %d", it.Name, o, got, err, file[it.Name])
				}
			}
		}
	}
}

func TestNodeMaxPodsErrors(t *testing.T) {
	it, err := Lookup("m5.large")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o   NodeMaxPodsOptions
		err string
	}{
		{NodeMaxPodsOptions{From: "al2"}, `unknown max-pods source "al2": want one of eks, eni-max-pods, nodeadm`},
		{NodeMaxPodsOptions{From: "EKS"}, `unknown max-pods source "EKS": want one of eks, eni-max-pods, nodeadm`},
		{NodeMaxPodsOptions{Override: -1}, "max pods -1 out of range [1, 100000]"},
		{NodeMaxPodsOptions{Override: 100001}, "max pods 100001 out of range [1, 100000]"},
		{NodeMaxPodsOptions{Override: 5, From: "x"}, `unknown max-pods source "x": want one of eks, eni-max-pods, nodeadm`},
	}
	for _, tc := range tests {
		got, source, err := NodeMaxPods(it, tc.o)
		if err == nil || err.Error() != tc.err || got != 0 || source != "" {
			t.Errorf("%+v: %d %q %v, want error %s", tc.o, got, source, err, tc.err)
		}
	}
	if got, _, err := NodeMaxPods(it, NodeMaxPodsOptions{Override: 100000}); err != nil || got != 100000 {
		t.Errorf("override at the limit: %d %v", got, err)
	}
}

func TestParseMaxPodsFrom(t *testing.T) {
	for _, s := range MaxPodsFromNames {
		if f, err := ParseMaxPodsFrom(s); err != nil || string(f) != s {
			t.Errorf("ParseMaxPodsFrom(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "EKS", " eks", "eks-mng", "al2023"} {
		if f, err := ParseMaxPodsFrom(s); err == nil {
			t.Errorf("ParseMaxPodsFrom(%q) = %q, want an error", s, f)
		}
	}
	if MaxPodsFromNames[0] != string(FromEKS) {
		t.Errorf("the default is not listed first: %q", MaxPodsFromNames)
	}
}
