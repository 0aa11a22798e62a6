package ipam

import (
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/sim"
)

// TestNodeRefusesUnmodelledSizes: an ENI with more addresses than the
// datastore's 64-bit CIDR mask holds is an error, not a silently wrong run;
// the largest real type (64 per ENI) is accepted.
func TestNodeRefusesUnmodelledSizes(t *testing.T) {
	for _, tc := range []struct {
		perENI int
		ok     bool
	}{{64, true}, {65, true}, {66, false}, {100, false}} {
		it, err := catalog.Custom("x.custom", 3, tc.perENI)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = NewNode(sim.NewEngine(), Config{Name: "n", Instance: it, Settings: DefaultSettings()})
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "at most 65")) {
			t.Errorf("%d addresses per ENI: error %v, want ok=%v", tc.perENI, err, tc.ok)
		}
	}
}
