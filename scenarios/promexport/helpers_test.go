package promexport

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// defaultRun runs the default scenario as `ipamsim run` does with its
// default flags (EC2 profile "default" unless ec2 names another), with opt's
// hooks.
func defaultRun(t *testing.T, opt replay.Options, profiles ...string) *replay.Outcome {
	t.Helper()
	sc, err := scenarios.LoadScenario(scenarios.DefaultScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := catalog.Lookup(sc.InstanceType)
	if err != nil {
		t.Fatal(err)
	}
	settings := ipam.DefaultSettings()
	if err := sc.ApplySettings(&settings, scenarios.BaseName); err != nil {
		t.Fatal(err)
	}
	name := "default"
	if len(profiles) > 0 {
		name = profiles[0]
	}
	profile, err := ec2.ProfileByName(name)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sc.Workload(1)
	if err != nil {
		t.Fatal(err)
	}
	run, err := replay.Execute(replay.Spec{Instance: inst, Settings: settings, Order: ipam.FirstFit, Profile: profile,
		Subnet: netip.MustParsePrefix("10.0.0.0/16"), Seed: 1, Drain: sim.Time(10 * time.Minute)}, src, opt)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
