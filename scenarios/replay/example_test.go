package replay_test

import (
	"fmt"
	"strings"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// Embedding the model in another Go program: replay a pod trace against one
// simulated node and read the run's summary.
//
// A t3.medium has 3 ENIs of 6 IPv4 addresses; the primary address of each is
// the node's, so pods can use 3×5 = 15, and its max pods is 3×(6−1)+2 = 17.
// Seventeen pods arriving 10 s apart with the VPC CNI's defaults leave the last
// two without an address: the shared oracle case exhaust_default_t3medium
// (upstream ipamd run on the same trace) gives the same 15 assigned, 3 ENIs.
func ExampleExecute() {
	var trace strings.Builder
	trace.WriteString("at,op,pod\n")
	for i := 1; i <= 17; i++ {
		fmt.Fprintf(&trace, "%d,add,p%d\n", 10*i, i)
	}

	node, err := catalog.Lookup("t3.medium")
	if err != nil {
		panic(err)
	}
	settings := ipam.DefaultSettings() // aws-node's defaults
	// Settings take the VPC CNI's variable names, as ipamsim run --set does.
	if err := settings.Set("--set", "WARM_ENI_TARGET", "1"); err != nil {
		panic(err)
	}
	profile, err := ec2.ProfileByName("zero") // every EC2 call instant
	if err != nil {
		panic(err)
	}
	spec := replay.Spec{Instance: node, Settings: settings, Profile: profile, Seed: 1, Drain: 10 * sim.Minute}

	run, err := replay.Execute(spec, scenarios.NewCSVReader(strings.NewReader(trace.String()), "example.csv"), replay.Options{})
	if err != nil {
		panic(err)
	}
	s := run.Summary
	fmt.Printf("%s, max pods %d: %d pods added, %d never got an address\n", s.InstanceType, s.MaxPods, s.PodsAdded, s.PodsNeverAssigned)
	fmt.Printf("peak: %d ENIs, %d addresses held, %d assigned\n", s.PeakENIs, s.PeakAddressesHeld, s.PeakAddressesInUse)
	// Output:
	// t3.medium, max pods 17: 17 pods added, 2 never got an address
	// peak: 3 ENIs, 15 addresses held, 15 assigned
}
