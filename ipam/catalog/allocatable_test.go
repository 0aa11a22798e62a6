package catalog

import (
	"bytes"
	"errors"
	"testing"
)

func TestKubeReservedCPUMilli(t *testing.T) {
	// Bands: 6 % of core 1 (60m), 1 % of core 2 (10m), 0.5 % of cores 3-4
	// (5m each), 0.25 % of every core above 4 (2.5m each, truncated per band).
	tests := []struct{ vcpus, want int }{
		{0, 0},
		{1, 60},
		{2, 60 + 10},
		{3, 60 + 10 + 5},
		{4, 60 + 10 + 10},
		{5, 60 + 10 + 10 + 2}, // 2.5 truncated as the AMI's integer arithmetic does
		{8, 60 + 10 + 10 + 10},
		{16, 60 + 10 + 10 + 30},
		{64, 60 + 10 + 10 + 150},
		{96, 60 + 10 + 10 + 230},
		{896, 60 + 10 + 10 + 2230},
	}
	for _, tc := range tests {
		if got := KubeReservedCPUMilli(tc.vcpus); got != tc.want {
			t.Errorf("KubeReservedCPUMilli(%d) = %d, want %d", tc.vcpus, got, tc.want)
		}
	}
}

func TestAllocatableWorkedValues(t *testing.T) {
	tests := []struct {
		typ     string
		maxPods int
		cpu     int
		mem     int
	}{
		// m5.large, 2 vCPUs, 8192 MiB, eni-max-pods 29:
		// CPU 2000 - 70 = 1930; memory 8192 - (255 + 11*29) - 100 = 8192 - 574 - 100 = 7518.
		{"m5.large", 29, 1930, 7518},
		// The same node with managed node groups' 110: 8192 - (255 + 1210) - 100 = 6627.
		{"m5.large", 110, 1930, 6627},
		// t3.medium, 2 vCPUs, 4096 MiB, 17 pods: 4096 - (255 + 187) - 100 = 3554.
		{"t3.medium", 17, 1930, 3554},
		// c6g.16xlarge, 64 vCPUs, 131072 MiB, 737 pods:
		// CPU 64000 - 230 = 63770; memory 131072 - (255 + 8107) - 100 = 122610.
		{"c6g.16xlarge", 737, 63770, 122610},
		// t3.nano, 2 vCPUs, 512 MiB, 4 pods: 512 - (255 + 44) - 100 = 113.
		{"t3.nano", 4, 1930, 113},
		// ... and with 20 pods the reservation exceeds the memory: 0, not negative.
		{"t3.nano", 20, 1930, 0},
		// t2.micro, 1 vCPU, 1024 MiB, 4 pods: CPU 1000 - 60 = 940; 1024 - 299 - 100 = 625.
		{"t2.micro", 4, 940, 625},
		// No pods counted: 255 MiB only.
		{"m5.large", 0, 1930, 8192 - 255 - 100},
	}
	for _, tc := range tests {
		it, err := Lookup(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		cpu, mem, err := Allocatable(it, tc.maxPods)
		if err != nil || cpu != tc.cpu || mem != tc.mem {
			t.Errorf("Allocatable(%s, %d) = %d m, %d MiB, %v; want %d m, %d MiB",
				tc.typ, tc.maxPods, cpu, mem, err, tc.cpu, tc.mem)
		}
	}
}

// TestAllocatableAgainstKarpenter compares every type with resource data
// against Karpenter's generated allocatable (data/README.md: its CPU
// equals the AMI formula; its memory also takes off a VM overhead).
func TestAllocatableAgainstKarpenter(t *testing.T) {
	rows, err := parseResources(bytes.NewReader(embeddedResourcesCSV), resourcesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		it, err := Lookup(r.Name)
		if err != nil {
			t.Fatal(err)
		}
		cpu, mem, err := Allocatable(it, r.KarpenterPods)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		if cpu != r.KarpenterCPUMilli {
			t.Errorf("%s: CPU %d m, Karpenter %d m", r.Name, cpu, r.KarpenterCPUMilli)
		}
		// Karpenter assumes the kernel sees 7.5 % less memory than listed
		// (rounded up), then reserves as the AMIs do: on amd64 its figure is
		// exactly ours less that overhead, which pins 255 + 11/pod + 100.
		// On arm64 it takes 59 MiB more.
		overhead := (r.MemoryMiB*75 + 999) / 1000
		gap := mem - overhead - r.KarpenterMemoryMiB
		if want := map[string]int{ArchAMD64: 0, ArchARM64: 59}[r.Arch]; gap != want {
			t.Errorf("%s (%s): memory %d MiB, Karpenter %d MiB: %d MiB apart beyond its %d MiB VM overhead, want %d",
				r.Name, r.Arch, mem, r.KarpenterMemoryMiB, gap, overhead, want)
		}
	}
	if len(rows) != 1363 {
		t.Errorf("compared %d types, want 1363", len(rows))
	}
}

func TestAllocatableErrors(t *testing.T) {
	mac, err := Lookup("mac1.metal")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Allocatable(mac, 29)
	var nr *NoResourceDataError
	if !errors.As(err, &nr) || nr.Type != "mac1.metal" ||
		err.Error() != `instance type "mac1.metal" has no vCPU and memory data (not in instance-resources.csv)` {
		t.Errorf("mac1.metal: error %v", err)
	}
	custom, err := Custom("mine", 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Allocatable(custom, 29); !errors.As(err, &nr) {
		t.Errorf("Custom type: error %v, want *NoResourceDataError", err)
	}
	m5, err := Lookup("m5.large")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, MaxPodsOverrideLimit + 1} {
		if cpu, mem, err := Allocatable(m5, n); err == nil || cpu != 0 || mem != 0 {
			t.Errorf("Allocatable(m5.large, %d) = %d, %d, %v; want an error", n, cpu, mem, err)
		}
	}
}
