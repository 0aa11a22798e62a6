package replay

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// clusterDay is the scale target: 1,000 m5.large nodes over 24
// simulated hours with about 10 M pod events (Poisson arrivals at 58/s, mean
// lifetime 345 s: about 20 pods per node), placed by the scheduler, the
// default EC2 profile and one shared account.
func clusterDay(b testing.TB, nodes int, hours float64) (ClusterSummary, uint64) {
	inst, _ := catalog.Lookup("m5.large")
	p, _ := ec2.ProfileByName("default")
	eng := sim.NewEngine()
	c, err := cluster.New(eng, cluster.Spec{
		Subnets: []cluster.SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/16")},
			{Name: "b", CIDR: netip.MustParsePrefix("10.1.0.0/16")}},
		Groups: []cluster.GroupSpec{{Name: "ng", Instance: inst, Count: nodes, Settings: ipam.DefaultSettings(),
			Subnets: []string{"a", "b"}, DaemonSetPods: 2, JoinStagger: 100 * sim.Millisecond}},
		Profile: p, Seed: 1,
	})
	if err != nil {
		b.Fatal(err)
	}
	cp := scenarios.DefaultChurnParams()
	cp.Rate = 58 * float64(nodes) / 1000
	cp.MeanLifetime = 345 * sim.Second
	cp.Duration = sim.Seconds(hours * 3600)
	src, err := scenarios.NewChurn(cp, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := RunCluster(eng, c, src, ClusterOptions{Drain: sim.Minute, SampleEvery: 5 * sim.Minute}, "default", "least-allocated", 1)
	if err != nil {
		b.Fatal(err)
	}
	return s, s.TraceEvents
}

// BenchmarkClusterDay: the 1,000-node, 24-hour cluster day (target: under
// 10 s and 1 GiB on the 2-core machine). Reports trace events per second
// and the heap in use at the end.
func BenchmarkClusterDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, n := clusterDay(b, 1000, 24)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(n), "trace-events")
		b.ReportMetric(float64(n)/b.Elapsed().Seconds()*float64(i+1), "trace-events/s")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(s.EventsProcessed), "engine-events")
	}
}
