package cluster

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/sim"
)

func mustType(t testing.TB, name string) catalog.InstanceType {
	it, err := catalog.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func profile(t testing.TB, name string) ec2.Profile {
	p, err := ec2.ProfileByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// addAt schedules pod adds through the cluster.
func addAt(t testing.TB, eng *sim.Engine, c *Cluster, at sim.Time, name string) {
	eng.Schedule(at, sim.HandlerFunc(func(sim.Time, int64) {
		if err := c.AddPod([]byte(name), nil); err != nil {
			t.Fatal(err)
		}
	}), 0)
}

// pdCluster is one m5.large node with prefix delegation (WARM_PREFIX_TARGET=1)
// in a /24 where every 8th address belongs to something else: 7 of 8 addresses
// are free, but no aligned /28 is (§4 "Subnet exhaustion", #2749).
func pdCluster(t *testing.T, reserve []netip.Prefix) (*sim.Engine, *Cluster) {
	set := ipam.DefaultSettings()
	set.PrefixDelegation = true
	set.WarmPrefixTarget = 1
	eng := sim.NewEngine()
	c, err := New(eng, Spec{
		Subnets: []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/24"), ForeignEvery: 8, PrefixReservations: reserve}},
		Groups:  []GroupSpec{{Name: "pd", Instance: mustType(t, "m5.large"), Count: 1, Settings: set, Subnets: []string{"a"}, DaemonSetPods: 2}},
		Profile: profile(t, "zero"), Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	for i := 0; i < 10; i++ {
		addAt(t, eng, c, sim.Minute+sim.Time(i)*sim.Second, fmt.Sprintf("p%d", i))
	}
	eng.RunUntil(20 * sim.Minute)
	return eng, c
}

func TestPrefixDelegationFailsOnFragmentedSubnet(t *testing.T) {
	_, c := pdCluster(t, nil)
	n := c.Members()[0].Node
	sp := c.Subnets()[0].Space
	// The subnet still has addresses (251 usable minus the 31 foreign ones
	// minus the node's primary IP) but no aligned /28.
	if sp.Free() < 200 || sp.FreeAligned28() != 0 {
		t.Fatalf("subnet free %d, free /28s %d: want ≥200 and 0", sp.Free(), sp.FreeAligned28())
	}
	if st := n.Stats(); st.TotalPrefixes != 0 || st.AssignedIPs != 0 {
		t.Fatalf("node holds %d prefixes, %d pods assigned; want none", st.TotalPrefixes, st.AssignedIPs)
	}
	k := &n.Counters
	if k.EC2Latency[ipam.LatencyKey{API: ec2.AssignPrivateIpAddresses, Status: ec2.InsufficientCidrBlocks}] == nil {
		t.Fatalf("no InsufficientCidrBlocks answers recorded: %v", k.EC2Latency)
	}
	if k.NoAvailableIP == 0 || n.Waiting() != 10 {
		t.Fatalf("no-IP failures %d, waiting %d; want >0 and 10", k.NoAvailableIP, n.Waiting())
	}
}

func TestPrefixReservationAvoidsFragmentation(t *testing.T) {
	// The same workload with a /26 subnet CIDR reservation of type prefix.
	_, c := pdCluster(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.128/26")})
	n := c.Members()[0].Node
	st := n.Stats()
	if st.AssignedIPs != 10 || n.Waiting() != 0 {
		t.Fatalf("assigned %d, waiting %d; want 10 and 0", st.AssignedIPs, n.Waiting())
	}
	for _, e := range n.ENIs() {
		for _, cidr := range e.CIDRs() {
			if !netip.MustParsePrefix("10.0.0.128/26").Contains(cidr.Prefix.Addr()) {
				t.Errorf("prefix %s outside the reservation", cidr.Prefix)
			}
		}
	}
}

// burst runs nodes m5.large nodes that all join at t=0, each receiving 25 pods
// as soon as the scheduler can place them (pods arrive at 1 min), with the
// default EC2 profile and one shared account.
func burst(t *testing.T, nodes int) (c *Cluster, wait float64, throttled uint64) {
	eng := sim.NewEngine()
	c, err := New(eng, Spec{
		Subnets:   []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/16")}},
		Groups:    []GroupSpec{{Name: "ng", Instance: mustType(t, "m5.large"), Count: nodes, Settings: ipam.DefaultSettings(), Subnets: []string{"a"}, DaemonSetPods: 2}},
		Placement: RoundRobin, Profile: profile(t, "default"), Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	for i := 0; i < nodes*25; i++ {
		addAt(t, eng, c, sim.Minute, fmt.Sprintf("p%05d", i))
	}
	eng.RunUntil(30 * sim.Minute)
	var all hist.Histogram
	for _, m := range c.Members() {
		all.Merge(&m.Node.Counters.Wait)
		for api := ec2.API(0); api < ec2.NumAPIs; api++ {
			throttled += m.Node.Counters.EC2Throttled[api]
		}
	}
	if all.Count() != uint64(nodes*25) {
		t.Fatalf("%d nodes: %d pods got addresses, want %d", nodes, all.Count(), nodes*25)
	}
	return c, all.Quantile(0.99).Seconds(), throttled
}

func TestSimultaneousScaleUpThrottles(t *testing.T) {
	_, wait15, thr15 := burst(t, 15)
	_, wait150, thr150 := burst(t, 150)
	t.Logf("15 nodes: p99 pod IP wait %.1fs, %d throttled; 150 nodes: p99 %.1fs, %d throttled", wait15, thr15, wait150, thr150)
	if thr15 != 0 {
		t.Errorf("15 nodes were throttled %d times; the account's buckets should absorb them", thr15)
	}
	if thr150 == 0 {
		t.Errorf("150 nodes were never throttled")
	}
	if wait150 <= wait15+5 {
		t.Errorf("p99 pod IP wait with 150 nodes %.1fs is not clearly above 15 nodes' %.1fs", wait150, wait15)
	}
}

// TestLaunchFailsWhenSubnetIsFull: a /28 has 11 usable addresses; 12 nodes
// want one primary address each, so the twelfth cannot launch
// (InsufficientFreeAddressesInSubnet) and is counted, not a crash.
func TestLaunchFailsWhenSubnetIsFull(t *testing.T) {
	eng := sim.NewEngine()
	c, err := New(eng, Spec{
		Subnets: []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/28")}},
		Groups:  []GroupSpec{{Name: "ng", Instance: mustType(t, "m5.large"), Count: 12, Settings: ipam.DefaultSettings(), Subnets: []string{"a"}, DaemonSetPods: 2}},
		Profile: profile(t, "zero"), Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	eng.RunUntil(sim.Minute)
	g := c.Groups()[0]
	if len(g.Members) != 11 || g.LaunchFailures != 1 {
		t.Fatalf("%d nodes launched, %d failures; want 11 and 1", len(g.Members), g.LaunchFailures)
	}
	if sp := c.Subnets()[0].Space; sp.Free() != 0 {
		t.Fatalf("subnet free %d, want 0", sp.Free())
	}
}

// TestGroupConfigCheckedUpFront: a group whose nodes could never be built is
// an error from New, not a panic when the first node joins.
func TestGroupConfigCheckedUpFront(t *testing.T) {
	bad := mustType(t, "m5.large")
	bad.MaxENIs = 0
	_, err := New(sim.NewEngine(), Spec{
		Subnets: []SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/24")}},
		Groups:  []GroupSpec{{Name: "ng", Instance: bad, Count: 1, Settings: ipam.DefaultSettings(), Subnets: []string{"a"}}},
		Profile: profile(t, "zero"),
	})
	if err == nil || !strings.Contains(err.Error(), `node group "ng"`) {
		t.Fatalf("error %v, want one naming the group", err)
	}
}
