package cluster

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// TestSubnetInvariantsRandomised drives a cluster of secondary-IP and
// prefix-delegation groups sharing fragmented, partly reserved subnets with
// random pod churn, a group that leaves and an autoscaler, and after every
// engine event checks the subnets: no address in two places, every held /28
// aligned and inside its subnet, and free + held + foreign + AWS-reserved =
// subnet size.
func TestSubnetInvariantsRandomised(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		for _, prof := range []string{"zero", "default"} {
			t.Run(fmt.Sprintf("seed%d/%s", seed, prof), func(t *testing.T) {
				runInvariants(t, seed, prof)
			})
		}
	}
}

func runInvariants(t *testing.T, seed uint64, prof string) {
	pd := ipam.DefaultSettings()
	pd.PrefixDelegation = true
	pd.WarmPrefixTarget = 1
	wip := ipam.DefaultSettings()
	wip.WarmIPTarget = 3
	wip.MinimumIPTarget = 5
	spec := Spec{
		Subnets: []SubnetSpec{
			{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/24"), ForeignEvery: 13},
			{Name: "b", CIDR: netip.MustParsePrefix("10.0.1.0/24"), PrefixReservations: []netip.Prefix{netip.MustParsePrefix("10.0.1.128/26")}, CNI: true},
		},
		Groups: []GroupSpec{
			{Name: "sip", Instance: mustType(t, "m5.large"), Count: 3, Settings: ipam.DefaultSettings(), Subnets: []string{"a", "b"}, DaemonSetPods: 2},
			{Name: "warm", Instance: mustType(t, "t3.medium"), Count: 2, Settings: wip, Subnets: []string{"a"}, DaemonSetPods: 2, LeaveAt: 40 * sim.Minute},
			{Name: "pd", Instance: mustType(t, "m5.large"), Count: 1, Settings: pd, Subnets: []string{"b"}, DaemonSetPods: 2,
				Autoscale: &Autoscale{Max: 3, BootDelay: 90 * sim.Second}},
		},
		Placement: Placement(seed % 3), Order: ipam.AssignOrder(seed % 2), Profile: profile(t, prof), Seed: seed,
	}
	eng := sim.NewEngine()
	c, err := New(eng, spec)
	if err != nil {
		t.Fatal(err)
	}
	foreign := map[string]int{}
	for _, sn := range c.Subnets() {
		// Before anything joins, everything not free is AWS-reserved or foreign.
		foreign[sn.Spec.Name] = sn.Space.Size() - 5 - sn.Space.Free() - sn.Space.ReservedFree()
	}
	c.Start()
	r := rand.New(rand.NewPCG(seed, 7))
	var live []string
	next := 0
	end := 90 * sim.Minute
	for at := sim.Time(0); at < end; at += sim.Time(r.IntN(4000)) * sim.Millisecond {
		for {
			t0, ok := eng.NextAt()
			if !ok || t0 > at {
				break
			}
			eng.Step()
			checkSubnets(t, c, foreign)
		}
		eng.RunUntil(at)
		if len(live) > 0 && (r.IntN(2) == 0 || len(live) > 120) {
			k := r.IntN(len(live))
			if err := c.DelPod([]byte(live[k])); err != nil {
				t.Fatal(err)
			}
			live[k] = live[len(live)-1]
			live = live[:len(live)-1]
		} else {
			name := fmt.Sprintf("p%d", next)
			next++
			if err := c.AddPod([]byte(name), nil); err != nil {
				t.Fatal(err)
			}
			live = append(live, name)
		}
		checkSubnets(t, c, foreign)
	}
}

func checkSubnets(t *testing.T, c *Cluster, foreign map[string]int) {
	t.Helper()
	held := map[*vpc.Subnet]int{}
	seen := map[netip.Addr]string{}
	for _, m := range c.Members() {
		m.Node.EC2Addresses(func(s *vpc.Subnet, p netip.Prefix) {
			if !s.Prefix().Contains(p.Addr()) || p.Masked() != p {
				t.Fatalf("%s holds %s: outside %s or unaligned", m.Name, p, s.Prefix())
			}
			if s.IsFree(netip.PrefixFrom(p.Addr(), 32)) {
				t.Fatalf("%s holds %s, which its subnet says is free", m.Name, p)
			}
			a := p.Addr()
			for i := 0; i < 1<<(32-p.Bits()); i++ {
				if other, dup := seen[a]; dup {
					t.Fatalf("address %s held by %s and %s", a, other, m.Name)
				}
				seen[a] = m.Name
				a = a.Next()
			}
			held[s] += 1 << (32 - p.Bits())
		})
	}
	for _, sn := range c.Subnets() {
		sp := sn.Space
		if got := sp.Free() + sp.ReservedFree() + held[sp] + foreign[sn.Spec.Name] + 5; got != sp.Size() {
			t.Fatalf("subnet %s: free %d + reserved free %d + held %d + foreign %d + 5 = %d, want %d",
				sn.Spec.Name, sp.Free(), sp.ReservedFree(), held[sp], foreign[sn.Spec.Name], got, sp.Size())
		}
	}
}
