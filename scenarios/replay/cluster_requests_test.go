package replay

import (
	"fmt"
	"io"
	"net/netip"
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// eventList replays events held in memory.
type eventList []scenarios.Event

func (l *eventList) Next() (scenarios.Event, error) {
	if len(*l) == 0 {
		return scenarios.Event{}, io.EOF
	}
	ev := (*l)[0]
	*l = (*l)[1:]
	return ev, nil
}

// TestClusterPlacesByTraceRequests: the trace's cpu column reaches the
// scheduler (docs/model.md §10.1, §10.5): two m5.large nodes take three
// 500m pods each (1780m free after the daemonsets), the seventh waits, and a
// 1900m pod fits no m5.large at all.
func TestClusterPlacesByTraceRequests(t *testing.T) {
	inst, err := catalog.Lookup("m5.large")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ec2.ProfileByName("zero")
	spec := cluster.Spec{Subnets: []cluster.SubnetSpec{{Name: "a", CIDR: netip.MustParsePrefix("10.0.0.0/24")}},
		Groups:  []cluster.GroupSpec{{Name: "ng", Instance: inst, Count: 2, Settings: ipam.DefaultSettings(), Subnets: []string{"a"}, DaemonSetPods: 2}},
		Profile: p, Seed: 1}
	var evs eventList
	for i := range 7 {
		evs = append(evs, scenarios.Event{At: sim.Minute, Op: scenarios.OpAdd, Pod: []byte(fmt.Sprintf("web-%d", i)), CPUMilli: 500, MemoryBytes: 256 << 20})
	}
	evs = append(evs, scenarios.Event{At: sim.Minute, Op: scenarios.OpAdd, Pod: []byte("big"), CPUMilli: 1900})
	out, err := ExecuteCluster(spec, &evs, ClusterOptions{Drain: sim.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Summary
	if s.PodsAdded != 6 || s.PodsPendingAtEnd != 2 || s.PodsUnschedulable != 1 {
		t.Fatalf("pods added to nodes %d, pending at the end %d, unschedulable %d; want 6, 2, 1", s.PodsAdded, s.PodsPendingAtEnd, s.PodsUnschedulable)
	}
	// Two nodes from 0 to the end of the run (1 min of trace + 1 min drain).
	if s.NodeHours != round3(2*120.0/3600) {
		t.Fatalf("node hours %g, want %g", s.NodeHours, round3(2*120.0/3600))
	}
}
