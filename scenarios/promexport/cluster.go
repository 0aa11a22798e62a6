package promexport

import (
	"github.com/prometheus/client_golang/prometheus"
	"io"

	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// The subnet and scheduling figures of cluster runs; a single-node run
// exports its subnet's under the same names (live.go).
var (
	dSubnetFree      = desc("ipamsim_subnet_free_addresses", "Addresses of the subnet EC2 could still hand out, prefix reservations included", "subnet")
	dSubnetMinFree   = desc("ipamsim_subnet_min_free_addresses", "The lowest number of free addresses the subnet had during the run", "subnet")
	dSubnetFree28    = desc("ipamsim_subnet_free_aligned_prefixes", "Wholly free, aligned /28 blocks in the subnet", "subnet")
	dSubnetSize      = desc("ipamsim_subnet_size_addresses", "Addresses in the subnet, AWS-reserved ones included", "subnet")
	dSubnetFrag      = desc("ipamsim_subnet_fragmentation_ratio", "Share of free addresses that no free aligned /28 can use", "subnet")
	dPodsPending     = desc("ipamsim_pods_pending", "Pods no node could take at the end of the run")
	dPodsUnplaced    = desc("ipamsim_pods_unplaced_total", "Pods deleted before any node could take them")
	dPodsRescheduled = desc("ipamsim_pods_rescheduled_total", "Pods moved off nodes that left the cluster")
)

// clusterCollector exports a cluster's subnets and scheduling figures.
type clusterCollector struct {
	c   *cluster.Cluster
	sum replay.ClusterSummary
}

func (cc clusterCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(cc, ch) }

func (cc clusterCollector) Collect(ch chan<- prometheus.Metric) {
	for _, sn := range cc.c.Subnets() {
		sp := sn.Space
		n := sn.Spec.Name
		ch <- prometheus.MustNewConstMetric(dSubnetFree, prometheus.GaugeValue, float64(sp.Free()+sp.ReservedFree()), n)
		ch <- prometheus.MustNewConstMetric(dSubnetMinFree, prometheus.GaugeValue, float64(sp.MinFree()), n)
		ch <- prometheus.MustNewConstMetric(dSubnetFree28, prometheus.GaugeValue, float64(sp.FreeAligned28()), n)
		ch <- prometheus.MustNewConstMetric(dSubnetSize, prometheus.GaugeValue, float64(sp.Size()), n)
		ch <- prometheus.MustNewConstMetric(dSubnetFrag, prometheus.GaugeValue, sp.Fragmentation(), n)
	}
	ch <- prometheus.MustNewConstMetric(dPodsPending, prometheus.GaugeValue, float64(cc.c.Pending()))
	ch <- prometheus.MustNewConstMetric(dPodsUnplaced, prometheus.CounterValue, float64(cc.c.Unplaced))
	ch <- prometheus.MustNewConstMetric(dPodsRescheduled, prometheus.CounterValue, float64(cc.c.Rescheduled))
}

// WriteCluster writes a finished cluster run's metrics to w in the
// Prometheus text format, atomically: every node's aws-node metrics with a
// node label (aws-node is one process per node), plus the subnets' and the
// scheduler's figures.
func WriteCluster(w io.Writer, c *cluster.Cluster, sum replay.ClusterSummary) error {
	reg := prometheus.NewPedanticRegistry()
	res := replay.Result{End: sim.Seconds(sum.SimulatedSeconds), Events: sum.EventsProcessed, TraceEvents: sum.TraceEvents}
	for _, m := range c.Members() {
		wr := prometheus.WrapRegistererWith(prometheus.Labels{"node": m.Name}, reg)
		if err := wr.Register(nodeCollector{node: m.Node, res: res}); err != nil {
			return err
		}
	}
	if err := reg.Register(clusterCollector{c: c, sum: sum}); err != nil {
		return err
	}
	return writeText(w, reg)
}
