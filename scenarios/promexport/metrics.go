package promexport

import (
	"fmt"
	"io"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/ipam/hist"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

// nodeCollector mirrors a node's state and counters as Prometheus metrics at
// collect time. The names, types and labels are aws-node's where aws-node has
// the metric (docs/model.md §6), so dashboards and alerts written for real
// clusters work on simulated runs; figures only a simulator knows are under
// ipamsim_.
type nodeCollector struct {
	node *ipam.Node
	res  replay.Result
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	dENIAllocated  = desc("awscni_eni_allocated", "The number of ENIs allocated")
	dENIMax        = desc("awscni_eni_max", "The maximum number of ENIs that can be attached to the instance, accounting for unmanaged ENIs")
	dIPMax         = desc("awscni_ip_max", "The maximum number of IP addresses that can be allocated to the instance")
	dTotalIPs      = desc("awscni_total_ip_addresses", "The total number of IP addresses")
	dAssignedIPs   = desc("awscni_assigned_ip_addresses", "The number of IP addresses assigned to pods")
	dTotalPrefixes = desc("awscni_total_ipv4_prefixes", "The total number of IPv4 prefixes")
	dPerCIDR       = desc("awscni_assigned_ip_per_cidr", "The total number of IP addresses assigned per cidr", "cidr")
	dPerENI        = desc("awscni_assigned_ip_per_eni", "The number of IP addresses assigned per ENI", "eni")
	dNoAvailable   = desc("awscni_no_available_ip_addresses", "The number of pod IP assignments that fail due to no available IP addresses")
	dAddReq        = desc("awscni_add_ip_req_count", "The number of add IP address requests")
	dDelReq        = desc("awscni_del_ip_req_count", "The number of delete IP address requests", "reason")
	dEC2Req        = desc("awscni_ec2api_req_count", "The number of requests made to EC2 APIs by CNI", "fn")
	dEC2Err        = desc("awscni_ec2api_error_count", "The number of failed EC2 APIs requests", "fn")
	dAPIErr        = desc("awscni_aws_api_error_count", "The number of times AWS API returns an error", "api", "error")
	dAPILatency    = desc("awscni_aws_api_latency_ms", "AWS API call latency in ms", "api", "error", "status")
	dIpamdErr      = desc("awscni_ipamd_error_count", "The number of errors encountered in ipamd", "fn")
	dWait          = desc("ipamsim_pod_ip_wait_seconds", "Time from a pod's first CNI ADD to the ADD that got it an address")
	dWaitAll       = desc("ipamsim_pod_ip_wait_all_seconds", "IP wait of every pod that sent a CNI ADD: to the ADD that got it an address, or, for a pod that never got one, to its DEL or now (right-censored); nearest-rank quantiles within 0.1 %, quantile 1 the longest")
	dIdle          = desc("ipamsim_idle_ip_seconds_total", "Addresses held by the node but assigned to no pod, integrated over simulated time")
	dHeld          = desc("ipamsim_held_ip_seconds_total", "Addresses held by the node, integrated over simulated time")
	dThrottled     = desc("ipamsim_ec2_throttled_requests_total", "EC2 requests answered RequestLimitExceeded", "api")
	dNeverAssigned = desc("ipamsim_pods_never_assigned", "Pods that never got an address: deleted while waiting, or still waiting at the end")
	dWaiting       = desc("ipamsim_pods_waiting", "Pods whose CNI ADD failed and who wait for the kubelet's retry")
	dWaited        = desc("ipamsim_pods_waited_total", "Pods that got an address only after at least one failed ADD")
	dBeforeReady   = desc("ipamsim_add_before_ready_total", "CNI ADDs refused because ipamd had not finished start-up")
	dENIsAttached  = desc("ipamsim_enis_attached_total", "ENIs attached to the node, the primary included")
	dENIsFreed     = desc("ipamsim_enis_freed_total", "ENIs detached and deleted")
	dSimulated     = desc("ipamsim_simulated_seconds", "Simulated time at the end of the run")
	dEvents        = desc("ipamsim_engine_events_total", "Discrete events the engine processed")
	dTraceEvents   = desc("ipamsim_trace_events_total", "Trace events replayed")
)

func (c nodeCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c nodeCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.node
	n.Observe()
	k := &n.Counters
	st := n.Stats()
	lim := n.Limits()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	gauge(dENIAllocated, float64(st.ENIs))
	gauge(dENIMax, float64(lim.MaxENIs))
	gauge(dIPMax, float64(lim.IPsPerENI()*lim.MaxENIs))
	gauge(dTotalIPs, float64(st.TotalIPs))
	gauge(dAssignedIPs, float64(st.AssignedIPs))
	gauge(dTotalPrefixes, float64(st.TotalPrefixes))
	for _, e := range n.ENIs() {
		gauge(dPerENI, float64(e.AssignedCount()), e.ID.String())
		for _, cidr := range e.CIDRs() {
			gauge(dPerCIDR, float64(cidr.Assigned()), cidr.Prefix.String())
		}
	}
	counter(dNoAvailable, float64(k.NoAvailableIP))
	counter(dAddReq, float64(k.AddRequests))
	counter(dDelReq, float64(k.DelRequests), "PodDeleted")
	for api := ec2.API(0); api < ec2.NumAPIs; api++ {
		if k.EC2Requests[api] == 0 {
			continue
		}
		counter(dEC2Req, float64(k.EC2Requests[api]), api.String())
		counter(dEC2Err, float64(k.EC2Errors[api]), api.String())
		counter(dThrottled, float64(k.EC2Throttled[api]), api.String())
	}
	keys := make([]ipam.LatencyKey, 0, len(k.EC2Latency))
	for key := range k.EC2Latency {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].API != keys[j].API {
			return keys[i].API < keys[j].API
		}
		return keys[i].Status < keys[j].Status
	})
	for _, key := range keys {
		ls := k.EC2Latency[key]
		isErr := fmt.Sprint(key.Status != ec2.OK)
		ch <- prometheus.MustNewConstSummary(dAPILatency, ls.Count, ls.SumMS, nil, key.API.String(), isErr, key.Status.String())
		if key.Status != ec2.OK {
			counter(dAPIErr, float64(ls.Count), key.API.String(), key.Status.String())
		}
	}
	if k.IMDSWait.Count > 0 {
		ch <- prometheus.MustNewConstSummary(dAPILatency, k.IMDSWait.Count, k.IMDSWait.SumMS, nil, "waitForENIAndIPsAttached", "false", "200")
	}
	fns := make([]string, 0, len(k.IpamdErrors))
	for fn := range k.IpamdErrors {
		fns = append(fns, fn)
	}
	sort.Strings(fns)
	for _, fn := range fns {
		counter(dIpamdErr, float64(k.IpamdErrors[fn]), fn)
	}
	buckets := map[float64]uint64{}
	cum := k.Wait.BucketCounts()
	for i, b := range hist.Buckets {
		buckets[b] = cum[i]
	}
	ch <- prometheus.MustNewConstHistogram(dWait, k.Wait.Count(), k.Wait.Sum().Seconds(), buckets)
	all := n.Waits()
	ch <- prometheus.MustNewConstSummary(dWaitAll, all.Count(), all.Sum().Seconds(), map[float64]float64{
		0.5: all.Quantile(0.5).Seconds(), 0.99: all.Quantile(0.99).Seconds(), 1: all.Max().Seconds()})
	counter(dIdle, k.IdleIPSeconds)
	counter(dHeld, k.HeldIPSeconds)
	gauge(dNeverAssigned, float64(k.PodsCancelled+uint64(n.Waiting())))
	gauge(dWaiting, float64(n.Waiting()))
	counter(dWaited, float64(k.PodsWaited))
	counter(dBeforeReady, float64(k.AddsBeforeReady))
	counter(dENIsAttached, float64(k.ENIsAttached))
	counter(dENIsFreed, float64(k.ENIsFreed))
	gauge(dSimulated, c.res.End.Seconds())
	counter(dEvents, float64(c.res.Events))
	counter(dTraceEvents, float64(c.res.TraceEvents))
}

// WriteNode writes a finished single-node run's metrics to w in the
// Prometheus text format (the caller's writer makes the file atomic).
func WriteNode(w io.Writer, n *ipam.Node, res replay.Result) error {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(nodeCollector{node: n, res: res}); err != nil {
		return err
	}
	return writeText(w, reg)
}

// writeText writes every metric of g to w in the Prometheus text format, as
// prometheus.WriteToTextfile writes a file.
func writeText(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}
