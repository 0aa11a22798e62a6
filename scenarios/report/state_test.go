package report

import (
	"testing"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// nodeState reads a State straight off the node (its datastore and
// counters): what the reports read before they read the event log, kept as
// the reference the event log must agree with.
func nodeState(n *ipam.Node) State {
	c := &n.Counters
	st := n.Stats()
	s := State{Waiting: n.Waiting(), ENIs: st.ENIs, Held: st.TotalIPs, Assigned: st.AssignedIPs, Cooling: st.CooldownIPs,
		MaxENIs: n.Limits().MaxENIs, MaxPods: n.MaxPods(),
		NoIP: c.NoAvailableIP, BeforeReady: c.AddsBeforeReady, ENICreates: c.EC2Requests[ec2.CreateNetworkInterface],
		ENIsAttached: c.ENIsAttached - 1, // the node counts its primary ENI; no event does
		ENIsFreed:    c.ENIsFreed, AssignCalls: c.EC2Requests[ec2.AssignPrivateIpAddresses]}
	for api := ec2.API(0); api < ec2.NumAPIs; api++ {
		s.EC2Calls += c.EC2Requests[api]
		s.Throttled += c.EC2Throttled[api]
	}
	return s
}

// TestStateFromEventsIsTheNodes: after every engine event and at every
// sample of every shipped single-node scenario and variant (default EC2
// profile: latencies, IMDS waits, detach sleeps, kubelet jitter), in
// first-fit and random order and under each pool policy, the State the
// reports build from the event log (replay.NodeLog) equals the node's own.
func TestStateFromEventsIsTheNodes(t *testing.T) {
	type run struct {
		scenario, variant, order, policy string
	}
	var runs []run
	for _, s := range scenarios.Builtins() {
		if s.IsCluster() {
			continue
		}
		for _, v := range s.RunNames() {
			if v == scenarios.BaseName {
				v = ""
			}
			runs = append(runs, run{s.Name, v, "first-fit", ""}, run{s.Name, v, "random", ""})
		}
	}
	for _, p := range ipam.PolicyNames() {
		runs = append(runs, run{"churn-cooldown", "", "first-fit", p}, run{"scale-burst", "", "random", p})
	}
	for _, r := range runs {
		s, err := scenarios.LookupBuiltin(r.scenario)
		if err != nil {
			t.Fatal(err)
		}
		setup, err := replay.Prepare(replay.Request{Scenario: s, Variant: r.variant,
			Overrides: replay.Overrides{Seed: 1, Order: r.order, Policy: r.policy}})
		if err != nil {
			t.Fatal(err)
		}
		opt := replay.Options{Log: &replay.NodeLog{}, SampleEvery: 7 * sim.Second}
		var node *ipam.Node
		var now sim.Time
		steps, bad := 0, 0
		check := func(at sim.Time) {
			steps++
			got, want := StateOf(opt.Log.Counts(at)), nodeState(node)
			if got != want && bad < 3 {
				bad++
				t.Errorf("%+v at %s: from events %+v, node %+v", r, at, got, want)
			}
		}
		opt.OnStart = func(n *ipam.Node) { node = n; check(0) }
		opt.BeforeStep = func(next sim.Time) { now = next }
		opt.AfterStep = func() { check(now) }
		opt.OnSample = check
		if _, err := setup.Execute(opt); err != nil {
			t.Fatal(err)
		}
		if steps < 100 {
			t.Errorf("%+v: %d checks", r, steps)
		}
	}
}
