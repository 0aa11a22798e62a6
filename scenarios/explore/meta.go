package explore

import (
	"strconv"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/sim"
)

// settingInput describes one VPC CNI variable the page offers as an input.
type settingInput struct {
	Name string `json:"name"`
	// Kind is "count" (a whole number), "seconds" (a whole number of
	// seconds) or "bool".
	Kind string `json:"kind"`
	// Default is the VPC CNI's default, as the input spells it.
	Default string `json:"default"`
	// Min is the least value that means what it says (the parser maps
	// negative counts to a default, docs/model.md §1); no upper bound is
	// parsed. SliderMax names what bounds the page's slider: "enis" (the
	// instance's ENIs), "addresses" (its secondary addresses), "prefixes"
	// (its /28 slots) or a number.
	Min       int    `json:"min"`
	SliderMax string `json:"slider_max,omitempty"`
	Help      string `json:"help"`
	value     func(ipam.Settings) string
}

func itoa(n int) string { return strconv.Itoa(n) }

// settingInputs are the page's inputs, in its order (§1 for their meaning).
var settingInputs = []settingInput{
	{Name: "WARM_ENI_TARGET", Kind: "count", Min: 0, SliderMax: "enis",
		Help:  "Whole ENIs of free addresses to keep warm (ignored when WARM_IP_TARGET or MINIMUM_IP_TARGET is set)",
		value: func(s ipam.Settings) string { return itoa(s.WarmENITarget) }},
	{Name: "WARM_IP_TARGET", Kind: "count", Min: 0, SliderMax: "addresses",
		Help:  "Free addresses to keep warm; 0 = unset",
		value: func(s ipam.Settings) string { return itoa(s.WarmIPTarget) }},
	{Name: "MINIMUM_IP_TARGET", Kind: "count", Min: 0, SliderMax: "addresses",
		Help:  "Addresses to hold at least, in use or free; 0 = unset",
		value: func(s ipam.Settings) string { return itoa(s.MinimumIPTarget) }},
	{Name: "WARM_PREFIX_TARGET", Kind: "count", Min: 0, SliderMax: "prefixes",
		Help:  "Free /28 prefixes to keep warm (prefix delegation)",
		value: func(s ipam.Settings) string { return itoa(s.WarmPrefixTarget) }},
	{Name: "ENABLE_PREFIX_DELEGATION", Kind: "bool",
		Help:  "Hand out /28 prefixes instead of single secondary addresses",
		value: func(s ipam.Settings) string { return strconv.FormatBool(s.PrefixDelegation) }},
	{Name: "IP_COOLDOWN_PERIOD", Kind: "seconds", Min: 0, SliderMax: "120",
		Help:  "Seconds a freed address rests before it is handed out again",
		value: func(s ipam.Settings) string { return strconv.FormatInt(int64(s.IPCooldown/sim.Second), 10) }},
}

func init() {
	d := ipam.DefaultSettings()
	for i := range settingInputs {
		settingInputs[i].Default = settingInputs[i].value(d)
	}
}

// metaJSON is GET /api/meta.
type metaJSON struct {
	Settings        []settingInput `json:"settings"`
	Scenarios       []scenarioJSON `json:"scenarios"`
	DefaultScenario string         `json:"default_scenario"`
	InstanceTypes   []instanceJSON `json:"instance_types"`
	AssignOrders    []string       `json:"assign_orders"`
	DefaultOrder    string         `json:"default_assign_order"`
	Policies        []string       `json:"policies"`
	DefaultPolicy   string         `json:"default_policy"`
	DefaultSeed     uint64         `json:"default_seed"`
}

type scenarioJSON struct {
	ID           string        `json:"id"` // the --scenario argument
	Name         string        `json:"name"`
	Question     string        `json:"question"`
	Source       string        `json:"source"`
	InstanceType string        `json:"instance_type"`
	Variants     []variantJSON `json:"variants"` // base first
}

// variantJSON is a variant with the value of each input it runs with.
type variantJSON struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings"`
}

type instanceJSON struct {
	Name       string `json:"name"`
	ENIs       int    `json:"enis"`
	IPv4PerENI int    `json:"ipv4_per_eni"`
	PD         bool   `json:"pd"` // supports prefix delegation
}

func (s *Server) buildMeta() (metaJSON, error) {
	m := metaJSON{Settings: settingInputs, DefaultScenario: s.defaultScenario,
		AssignOrders: []string{ipam.GoMapOrder.String(), ipam.FirstFit.String()}, DefaultOrder: defaultOrder,
		Policies: ipam.PolicyNames(), DefaultPolicy: defaultPolicy, DefaultSeed: defaultSeed}
	for _, o := range s.offered {
		sj := scenarioJSON{ID: o.id, Name: o.sc.Name, Question: o.sc.Question, Source: o.sc.Source, InstanceType: o.sc.InstanceType}
		names := []string{scenarios.BaseName}
		for _, v := range o.sc.Variants {
			names = append(names, v.Name)
		}
		for _, name := range names {
			set := ipam.DefaultSettings()
			if err := o.sc.ApplySettings(&set, name); err != nil {
				return m, err
			}
			vals := map[string]string{}
			for _, in := range settingInputs {
				vals[in.Name] = in.value(set)
			}
			sj.Variants = append(sj.Variants, variantJSON{Name: name, Settings: vals})
		}
		m.Scenarios = append(m.Scenarios, sj)
	}
	for _, t := range catalog.All() {
		m.InstanceTypes = append(m.InstanceTypes, instanceJSON{t.Name, t.MaxENIs, t.IPv4PerENI, t.SupportsPrefixDelegation()})
	}
	return m, nil
}
