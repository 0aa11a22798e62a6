package catalog

import "fmt"

// The reservations of the EKS AMIs (issue 14; eks-ami
// templates/al2/runtime/bootstrap.sh and AL2023 nodeadm
// internal/kubelet/config.go, which compute the same figures). The kubelet's
// allocatable is capacity − kube-reserved − system-reserved − hard eviction
// threshold; the AMIs set kubeReserved and evictionHard and leave
// systemReserved unset (only the systemReservedCgroup is named), so
// system-reserved is 0.
const (
	// KubeReservedMemoryBaseMiB and KubeReservedMemoryPerPodMiB: kube-reserved
	// memory is 255 MiB + 11 MiB per max pod.
	KubeReservedMemoryBaseMiB   = 255
	KubeReservedMemoryPerPodMiB = 11
	// EvictionHardMemoryMiB is the AMIs' evictionHard memory.available: 100Mi.
	EvictionHardMemoryMiB = 100
)

// kubeReservedCPURanges are the AMIs' CPU reservation bands: a share of each
// band of millicores, in hundredths of a percent (6 % of the first core, 1 %
// of the second, 0.5 % of the third and fourth, 0.25 % of every core above
// four). The last band is open.
var kubeReservedCPURanges = []struct{ from, to, basisPoints int }{
	{0, 1000, 600},
	{1000, 2000, 100},
	{2000, 4000, 50},
	{4000, -1, 25},
}

// KubeReservedCPUMilli returns the kube-reserved CPU, in millicores, of a
// node with vcpus vCPUs. As the AMIs do, each band's share is computed in
// integer millicores and truncated before the bands are summed
// ((min(total, to) − from) · basis points / 100 / 100). For 2 vCPUs:
// 60 + 10 = 70.
func KubeReservedCPUMilli(vcpus int) int {
	total := vcpus * 1000
	reserved := 0
	for _, b := range kubeReservedCPURanges {
		if total <= b.from {
			break
		}
		upper := total
		if b.to >= 0 {
			upper = min(total, b.to)
		}
		reserved += (upper - b.from) * b.basisPoints / 100 / 100
	}
	return reserved
}

// KubeReservedMemoryMiB returns the kube-reserved memory, in MiB, of a node
// whose bootstrap counts maxPods pods: 255 + 11·maxPods.
func KubeReservedMemoryMiB(maxPods int) int {
	return KubeReservedMemoryBaseMiB + KubeReservedMemoryPerPodMiB*maxPods
}

// NoResourceDataError is returned for a type without vCPU and memory data
// (InstanceType.HasResources false).
type NoResourceDataError struct{ Type string }

func (e *NoResourceDataError) Error() string {
	return fmt.Sprintf("instance type %q has no vCPU and memory data (not in %s)", e.Type, resourcesFile)
}

// Allocatable returns the CPU (millicores) and memory (MiB) that a node of
// type t offers pods, as the EKS AMIs reserve them:
//
//	cpu    = vCPUs·1000 − KubeReservedCPUMilli(vCPUs)
//	memory = MemoryMiB − (255 + 11·maxPods) − 100
//
// each floored at 0, as the kubelet does with a negative allocatable.
// maxPods is the figure the bootstrap uses for the memory reservation. Both
// AMIs use their own default there, the type's eni-max-pods figure
// (MaxPods(t, MaxPodsOptions{})), even when the kubelet's max pods is set
// otherwise: bootstrap.sh reserves for its MAX_PODS whatever --use-max-pods
// and --kubelet-extra-args say, and nodeadm reserves for its computed
// default before the user's kubelet config is merged in. So a managed node
// group's m5.large with prefix delegation runs 110 pods on a reservation
// for 29.
//
// Memory is the instance's listed memory: the kubelet's capacity is the
// kernel's MemTotal, somewhat below it (Karpenter assumes 7.5 % less), so
// this is an upper bound on what the kubelet reports. The CPU figure equals
// Karpenter's allocatable CPU for every type with data.
//
// The error is a *NoResourceDataError for a type without resource data, or
// a range error for maxPods outside [0, MaxPodsOverrideLimit].
func Allocatable(t InstanceType, maxPods int) (cpuMilli, memMiB int, err error) {
	if !t.HasResources {
		return 0, 0, &NoResourceDataError{Type: t.Name}
	}
	if maxPods < 0 || maxPods > MaxPodsOverrideLimit {
		return 0, 0, fmt.Errorf("max pods %d out of range [0, %d]", maxPods, MaxPodsOverrideLimit)
	}
	cpuMilli = max(t.VCPUs*1000-KubeReservedCPUMilli(t.VCPUs), 0)
	memMiB = max(t.MemoryMiB-KubeReservedMemoryMiB(maxPods)-EvictionHardMemoryMiB, 0)
	return cpuMilli, memMiB, nil
}
