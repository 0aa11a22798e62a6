package catalog

import (
	"fmt"
	"strings"
)

// MaxPodsFrom names the rule that decides a node's kubelet max pods.
type MaxPodsFrom string

// The rules NodeMaxPods knows (docs/model.md §5).
const (
	// FromEKS is what an EKS managed node group sets: the EKS AMI's
	// max-pods-calculator.sh figure for the CNI mode (prefix delegation,
	// custom networking, MAX_ENI), capped at 110 for types with at most 30
	// vCPUs and at 250 above. The default.
	FromEKS MaxPodsFrom = "eks"
	// FromENIMaxPods is the AL2 bootstrap.sh figure: the type's line of
	// eni-max-pods.txt, N·(L−1)+2 with every ENI of the default card. It
	// knows neither prefix delegation, custom networking nor MAX_ENI, and is
	// not capped.
	FromENIMaxPods MaxPodsFrom = "eni-max-pods"
	// FromNodeadm is AL2023 nodeadm's default_enis·(ips_per_eni−1)+2:
	// uncapped, without prefix-delegation or custom-networking awareness.
	FromNodeadm MaxPodsFrom = "nodeadm"
)

// MaxPodsFromNames lists the accepted rule names, the default first.
var MaxPodsFromNames = []string{string(FromEKS), string(FromENIMaxPods), string(FromNodeadm)}

// ParseMaxPodsFrom returns the rule named s, or an error listing the names.
func ParseMaxPodsFrom(s string) (MaxPodsFrom, error) {
	switch f := MaxPodsFrom(s); f {
	case FromEKS, FromENIMaxPods, FromNodeadm:
		return f, nil
	}
	return "", fmt.Errorf("unknown max-pods source %q: want one of %s", s, strings.Join(MaxPodsFromNames, ", "))
}

// The EKS AMI calculator's caps (max-pods-calculator.sh, docs/model.md
// §5): 110 pods for types with at most 30 vCPUs, 250 above.
const (
	EKSMaxPodsCapSmall = 110
	EKSMaxPodsCapLarge = 250
	eksCapVCPUs        = 30 // the calculator caps at 250 when vCPUs > 30
)

// MaxPodsOverrideLimit bounds an explicit max pods: far above any real node
// (EKS allows 250, the largest calculator figure is ~11 762) and low enough
// that every per-pod product stays small.
const MaxPodsOverrideLimit = 100000

// NodeMaxPodsOptions describes the node whose max pods NodeMaxPods decides.
type NodeMaxPodsOptions struct {
	From             MaxPodsFrom // "" means FromEKS
	Override         int         // > 0: max pods set explicitly (kubelet --max-pods); wins over From
	PrefixDelegation bool        // ENABLE_PREFIX_DELEGATION
	CustomNetworking bool        // AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG
	MaxENI           int         // MAX_ENI (the calculator's --cni-max-eni); <= 0 means unset
}

// NodeMaxPods decides the kubelet max pods of a node of type t: the one place
// that does, so that every command agrees. It returns the value and a short
// description of where it comes from, for summaries, e.g.
//
//	eks-mng: calculator PD figure 11762 capped at 250 (64 vCPUs > 30)
//
// The rules (docs/model.md §5):
//   - Override > 0: that value ("override: max pods set explicitly").
//   - FromEKS: MaxPods with the calculator's options, except that the
//     calculator counts prefix delegation only on nitro types (it reads
//     EC2's hypervisor, which bare-metal types lack), then min(figure, 110)
//     for t.VCPUs <= 30, min(figure, 250) above. A type without resource
//     data (HasResources false: 28 table types and every Custom type) has
//     no vCPU count: it gets the lower cap, 110, and the description says
//     so ("vCPUs unknown").
//   - FromENIMaxPods, FromNodeadm: the uncapped secondary-IP figure with all
//     of the default card's ENIs, whatever the CNI mode; the description
//     notes a mode the rule ignores. (For a type absent from
//     eni-max-pods.txt the AL2 bootstrap runs the calculator with
//     --show-max-allowed and no prefix delegation: the same figure.)
//
// The error is for an unknown From or an Override above
// MaxPodsOverrideLimit or below zero.
func NodeMaxPods(t InstanceType, o NodeMaxPodsOptions) (int, string, error) {
	if o.Override < 0 || o.Override > MaxPodsOverrideLimit {
		return 0, "", fmt.Errorf("max pods %d out of range [1, %d]", o.Override, MaxPodsOverrideLimit)
	}
	from := o.From
	if from == "" {
		from = FromEKS
	}
	if _, err := ParseMaxPodsFrom(string(from)); err != nil {
		return 0, "", err
	}
	if o.Override > 0 {
		return o.Override, "override: max pods set explicitly", nil
	}
	switch from {
	case FromENIMaxPods:
		return MaxPods(t, MaxPodsOptions{}), "eni-max-pods: AL2 bootstrap, eni-max-pods.txt figure" + ignoredModes(o), nil
	case FromNodeadm:
		return MaxPods(t, MaxPodsOptions{}), "nodeadm: AL2023 default_enis*(ips_per_eni-1)+2, uncapped" + ignoredModes(o), nil
	}
	return eksMaxPods(t, o)
}

// eksMaxPods is the FromEKS rule of NodeMaxPods.
func eksMaxPods(t InstanceType, o NodeMaxPodsOptions) (int, string, error) {
	pd := o.PrefixDelegation && t.Hypervisor == HypervisorNitro
	figure := MaxPods(t, MaxPodsOptions{PrefixDelegation: pd, CustomNetworking: o.CustomNetworking, MaxENI: o.MaxENI})

	mode := "SIP"
	if pd {
		mode = "PD"
	}
	var notes []string
	if o.PrefixDelegation && !pd {
		notes = append(notes, "PD counted on nitro only, "+t.Hypervisor+" hypervisor")
	}
	if o.CustomNetworking {
		notes = append(notes, "custom networking")
	}
	if o.MaxENI > 0 && o.MaxENI < t.MaxENIs {
		notes = append(notes, fmt.Sprintf("MAX_ENI=%d", o.MaxENI))
	}
	what := fmt.Sprintf("eks-mng: calculator %s figure %d", mode, figure)
	if len(notes) > 0 {
		what += " (" + strings.Join(notes, ", ") + ")"
	}

	limit, why := EKSMaxPodsCapSmall, "vCPUs unknown, lower cap assumed"
	if t.HasResources {
		if t.VCPUs > eksCapVCPUs {
			limit, why = EKSMaxPodsCapLarge, fmt.Sprintf("%d vCPUs > %d", t.VCPUs, eksCapVCPUs)
		} else {
			why = fmt.Sprintf("%d vCPUs <= %d", t.VCPUs, eksCapVCPUs)
		}
	}
	if figure > limit {
		return limit, fmt.Sprintf("%s capped at %d (%s)", what, limit, why), nil
	}
	return figure, fmt.Sprintf("%s, under the %d cap (%s)", what, limit, why), nil
}

// ignoredModes names the CNI modes in o that the bootstrap rules do not take
// into account, as a suffix for their description ("" when none).
func ignoredModes(o NodeMaxPodsOptions) string {
	var ign []string
	if o.PrefixDelegation {
		ign = append(ign, "prefix delegation")
	}
	if o.CustomNetworking {
		ign = append(ign, "custom networking")
	}
	if o.MaxENI > 0 {
		ign = append(ign, "MAX_ENI")
	}
	if len(ign) == 0 {
		return ""
	}
	return " (ignores " + strings.Join(ign, ", ") + ")"
}
