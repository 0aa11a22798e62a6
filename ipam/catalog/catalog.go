package catalog

import (
	"github.com/ipamsim/ipamsim/internal/textdist"

	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed data/instance-limits.csv
var embeddedCSV []byte

// InstanceType is one row of the instance table: the networking limits of an
// EC2 instance type as the VPC CNI records them, and, where
// instance-resources.csv has the type (HasResources), its vCPUs, memory,
// architecture and pod ENIs.
type InstanceType struct {
	Name               string
	MaxENIs            int    // ENIs on the default network card (upstream ENILimit)
	IPv4PerENI         int    // IPv4 addresses per ENI, primary included (L)
	DefaultNetworkCard int    // index of the default network card
	NetworkCards       int    // number of network cards
	CardMaxENIs        []int  // max ENIs per network card; index = card number
	Hypervisor         string // "nitro", "xen" or "unknown"
	BareMetal          bool

	// From instance-resources.csv; all zero when HasResources is false (28
	// table types, mostly bare metal and old families, and Custom types).
	HasResources bool
	VCPUs        int    // default vCPUs
	MemoryMiB    int    // memory as EC2 lists it, in MiB
	Arch         string // ArchAMD64 or ArchARM64
	PodENIs      int    // branch ENIs for security groups for pods (vpc.amazonaws.com/pod-eni)
}

// TrunkCompatible reports whether the type can attach a trunk ENI, so that
// security groups for pods can give pods branch ENIs: its pod-ENI capacity
// is above zero. It is false for types without resource data.
func (t InstanceType) TrunkCompatible() bool { return t.PodENIs > 0 }

// SupportsPrefixDelegation reports whether ipamd can run this type in
// prefix-delegation mode: nitro hypervisor or bare metal
// (aws: IsPrefixDelegationSupported). On other types ipamd falls back to
// secondary IPs.
func (t InstanceType) SupportsPrefixDelegation() bool {
	return t.Hypervisor == HypervisorNitro || t.BareMetal
}

// clone returns t with its own copy of CardMaxENIs, so callers cannot modify
// the shared table.
func (t InstanceType) clone() InstanceType {
	t.CardMaxENIs = slices.Clone(t.CardMaxENIs)
	return t
}

var (
	loadOnce sync.Once
	table    []InstanceType // sorted by Name, immutable after load
)

// types returns the parsed embedded table, parsing it on first use. The
// embedded file is part of the build and covered by the package tests, so a
// malformed copy is a programming error and panics with the parser's message.
func types() []InstanceType {
	loadOnce.Do(func() {
		t, err := parseCatalog(bytes.NewReader(embeddedCSV))
		if err == nil {
			err = attachResources(t, embeddedResources())
		}
		if err != nil {
			panic("github.com/ipamsim/ipamsim/ipam/catalog: embedded " + err.Error())
		}
		table = t
	})
	return table
}

// All returns every instance type of the table, sorted by name in byte order
// (the order of eni-max-pods.txt). The slice and its elements are copies.
func All() []InstanceType {
	src := types()
	out := make([]InstanceType, len(src))
	for i, t := range src {
		out[i] = t.clone()
	}
	return out
}

// Lookup returns the instance type with exactly this name. For an unknown
// name the error is an *UnknownTypeError carrying the closest known names.
func Lookup(name string) (InstanceType, error) {
	tt := types()
	i, found := slices.BinarySearchFunc(tt, name, func(t InstanceType, n string) int {
		return strings.Compare(t.Name, n)
	})
	if !found {
		return InstanceType{}, &UnknownTypeError{Name: name, Suggestions: suggest(name, tt)}
	}
	return tt[i].clone(), nil
}

// UnknownTypeError is returned by Lookup for a name that is not in the
// table. Suggestions holds up to three known names closest to Name by edit
// distance (nearest first, ties in name order); it is empty when nothing is
// reasonably close.
type UnknownTypeError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownTypeError) Error() string {
	msg := fmt.Sprintf("unknown instance type %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg
}

const maxSuggestions = 3

// suggest returns up to maxSuggestions names from tt nearest to name by
// Levenshtein distance (case-insensitive, on runes), nearest first and ties
// broken by name. Names further than max(2, len(name)/2) edits are not
// suggested. tt is sorted by name, so a stable sort on distance keeps ties
// in name order; the result does not depend on anything but the inputs.
func suggest(name string, tt []InstanceType) []string {
	query := []rune(strings.ToLower(name))
	limit := max(2, len(query)/2)
	type cand struct {
		name string
		dist int
	}
	var cands []cand
	for _, t := range tt {
		if d := textdist.Levenshtein(query, []rune(t.Name), limit); d <= limit {
			cands = append(cands, cand{t.Name, d})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return a.dist - b.dist })
	var out []string
	for _, c := range cands[:min(len(cands), maxSuggestions)] {
		out = append(out, c.name)
	}
	return out
}

// Custom describes a node that is not in the table, from its ENI limit and
// IPv4 addresses per ENI (primary included), as given by the --enis and
// --ipv4-per-eni flags. The node has one network card and a nitro
// hypervisor, so it supports prefix delegation. It is an error if name is
// empty or contains spaces, if enis < 1 or ipv4PerENI < 2 (a node needs an
// ENI and an address per ENI besides the primary), or if either exceeds 4096.
func Custom(name string, enis, ipv4PerENI int) (InstanceType, error) {
	if err := checkName(name); err != nil {
		return InstanceType{}, fmt.Errorf("custom instance type: %w", err)
	}
	if enis < 1 || enis > maxCount {
		return InstanceType{}, fmt.Errorf("custom instance type %q: ENI count %d out of range [1, %d]", name, enis, maxCount)
	}
	if ipv4PerENI < 2 || ipv4PerENI > maxCount {
		return InstanceType{}, fmt.Errorf("custom instance type %q: IPv4 addresses per ENI %d out of range [2, %d] (the primary address is included)", name, ipv4PerENI, maxCount)
	}
	return InstanceType{
		Name:               name,
		MaxENIs:            enis,
		IPv4PerENI:         ipv4PerENI,
		DefaultNetworkCard: 0,
		NetworkCards:       1,
		CardMaxENIs:        []int{enis},
		Hypervisor:         HypervisorNitro,
		BareMetal:          false,
	}, nil
}

// MaxPodsOptions selects a variant of the max-pods computation.
type MaxPodsOptions struct {
	// PrefixDelegation computes the prefix-delegation figure (16 addresses
	// per ENI slot). Types without prefix-delegation support keep the
	// secondary-IP figure.
	PrefixDelegation bool
	// CustomNetworking removes one ENI: the primary ENI carries no pods.
	CustomNetworking bool
	// MaxENI caps the ENI count like MAX_ENI or max-pods-calculator's
	// --cni-max-eni: min(MaxENI, MaxENIs). 0 (or negative) means unset.
	MaxENI int
	// Cap bounds the result: min(result, Cap), as the calculator's 110/250
	// cap (given explicitly since vCPU counts are not in the table). 0 (or
	// negative) means no cap.
	Cap int
}

// MaxPods returns the max-pods figure of docs/model.md §5 for t:
//
//	enis = min(MaxENI, t.MaxENIs), minus 1 with custom networking, at least 0
//	SIP:  enis*(L-1) + 2
//	PD:   enis*((L-1)*16) + 2   (only if t supports prefix delegation)
//
// then min(result, Cap) if Cap is set. With the zero options it equals the
// figure in the VPC CNI's eni-max-pods.txt.
func MaxPods(t InstanceType, o MaxPodsOptions) int {
	enis := t.MaxENIs
	if o.MaxENI > 0 && o.MaxENI < enis {
		enis = o.MaxENI
	}
	if o.CustomNetworking {
		enis--
	}
	enis = max(enis, 0)

	perENI := max(t.IPv4PerENI-1, 0) // the primary address never goes to a pod
	if o.PrefixDelegation && t.SupportsPrefixDelegation() {
		perENI *= 16 // each slot holds a /28 prefix
	}
	n := enis*perENI + 2 // +2 host-network pods (aws-node, kube-proxy)
	if o.Cap > 0 && n > o.Cap {
		n = o.Cap
	}
	return n
}
