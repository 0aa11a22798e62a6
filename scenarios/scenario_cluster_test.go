package scenarios_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/scenarios"
)

// TestClusterLinesErrors: malformed subnet and group lines are parse errors
// naming the line and the key, never accepted.
func TestClusterLinesErrors(t *testing.T) {
	head := "name: c\nquestion: q\nworkload: gen churn --duration 1m\n"
	for _, tc := range []struct{ body, key, msg string }{
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=1 subnets=a,,a\n", "group", "an empty subnet name"},
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=1 subnets=b\n", "group", `unknown subnet "b"`},
		{"subnet: a 10.0.0.0/30\ngroup: ng type=m5.large count=1 subnets=a\n", "subnet", "not an IPv4 subnet"},
		{"subnet: a 10.0.0.0/24 reserve=10.1.0.0/28\ngroup: ng type=m5.large count=1 subnets=a\n", "subnet", "inside"},
		{"subnet: a 10.0.0.0/24\ngroup: ng count=1 subnets=a\n", "group", "type= is required"},
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=2 autoscale-max=1 subnets=a\n", "group", "below count"},
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=1 subnets=a set=WARM_IP_TARGT=1\n", "group", "did you mean"},
		{"placement: round-robin\ninstance-type: m5.large\n", "placement", "needs a cluster"},
		// Numbers at the edges of their ranges (issue 12).
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=2 subnets=a stagger=1500000h\n", "group", "stagger=\"1500000h\": want a duration from 0 to 1000h0m0s"},
		{"subnet: a 10.0.0.0/16\ngroup: ng type=m5.large count=1000 subnets=a stagger=2h\n", "group", "its last node would join after 1000h0m0s"},
		{"subnet: a 10.0.0.0/20\ngroup: ng type=m5.large count=1000000 subnets=a\n", "group", "1000000 nodes cannot fit in subnets a (4096 addresses)"},
		{"subnet: a 10.0.0.0/24\nsubnet: b 10.0.1.0/24\ngroup: ng type=m5.large count=1 autoscale-max=600 subnets=a,b\n", "group", "600 nodes cannot fit in subnets a,b (512 addresses)"},
		{"subnet: a 10.0.0.0/24\ngroup: ng type=m5.large count=1 subnets=a\ndrain: 1001h\n", "drain", "is not a duration > 0 and <= 1000h0m0s"},
	} {
		_, err := scenarios.ParseScenario("c.scn", []byte(head+tc.body))
		var pe *scenarios.ParseError
		if !errors.As(err, &pe) || pe.Field != tc.key || pe.Line < 4 || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("%q: error %v, want a ParseError on %q mentioning %q", tc.body, err, tc.key, tc.msg)
		}
	}
}
