package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"ipamsim/sim"
)

// Builtin is a named what-if scenario shipped with ipamsim: the question it
// answers, the node it runs on, its VPC CNI settings and its workload.
type Builtin struct {
	Name         string
	Question     string
	InstanceType string
	Settings     []string // KEY=VALUE, the VPC CNI's own variable names
	workload     func(seed uint64) (Reader, error)
}

// Workload returns the scenario's trace, generated from seed.
func (b *Builtin) Workload(seed uint64) (Reader, error) { return b.workload(seed) }

// DefaultScenarioName is the scenario `ipamsim run` answers with no flags.
const DefaultScenarioName = "default"

var builtins = map[string]*Builtin{
	DefaultScenarioName: {
		Name: DefaultScenarioName,
		Question: "How long do pods wait for an address when a Deployment scales 0→24 at 5 pods/s " +
			"on a fresh m5.large with the VPC CNI's defaults, and how many addresses does the node hold?",
		InstanceType: "m5.large",
		workload: func(seed uint64) (Reader, error) {
			dp := DefaultDeployParams()
			dp.Prefix = "web"
			dp.Replicas = 24
			dp.CreateRate = 5
			dp.Start = sim.Minute
			dp.Hold = 10 * sim.Minute
			dp.ScaleDownTo = 5
			dp.DeleteRate = 2
			deploy, err := NewDeploy(dp, seed)
			if err != nil {
				return nil, err
			}
			cp := DefaultChurnParams()
			cp.Prefix = "batch"
			cp.Rate = 1.0 / 120
			cp.MeanLifetime = 4 * sim.Minute
			cp.Duration = 30 * sim.Minute
			churn, err := NewChurn(cp, seed)
			if err != nil {
				return nil, err
			}
			return Merge(deploy, churn), nil
		},
	},
}

// BuiltinNames lists the shipped scenarios, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupBuiltin returns a shipped scenario by name.
func LookupBuiltin(name string) (*Builtin, error) {
	if b, ok := builtins[name]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (shipped: %s)", name, strings.Join(BuiltinNames(), ", "))
}
