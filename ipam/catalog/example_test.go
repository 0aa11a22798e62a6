package catalog_test

import (
	"fmt"

	"github.com/ipamsim/ipamsim/ipam/catalog"
)

// A node's max pods, allocatable resources and price, as a plan would
// combine them.
func Example() {
	it, err := catalog.Lookup("m5.large")
	if err != nil {
		panic(err)
	}
	maxPods, source, err := catalog.NodeMaxPods(it, catalog.NodeMaxPodsOptions{PrefixDelegation: true})
	if err != nil {
		panic(err)
	}
	// The AMIs reserve memory for their own default max pods (29 here).
	cpu, mem, err := catalog.Allocatable(it, catalog.MaxPods(it, catalog.MaxPodsOptions{}))
	if err != nil {
		panic(err)
	}
	usd, err := catalog.Price(it.Name, "us-east-1")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: max pods %d (%s)\n", it.Name, maxPods, source)
	fmt.Printf("allocatable %dm CPU, %d MiB; %.3f $/h\n", cpu, mem, usd)
	// Output:
	// m5.large: max pods 110 (eks-mng: calculator PD figure 434 capped at 110 (2 vCPUs <= 30))
	// allocatable 1930m CPU, 7518 MiB; 0.096 $/h
}
