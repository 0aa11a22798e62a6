package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestEmbeddedResourcesKeepTheirSource(t *testing.T) {
	// The header comments name the source commit; parsing skips them.
	const src = "# source: aws/karpenter-provider-aws 1d927085dd81a9df9301e613f371dac5b4d16bfe"
	if !bytes.HasPrefix(embeddedResourcesCSV, []byte(src)) {
		t.Errorf("instance-resources.csv does not start with %q", src)
	}
}

// The 28 types of instance-limits.csv that instance-resources.csv lacks
// (data/README.md: "mostly metal and old families").
var typesWithoutResources = []string{
	"bmn-sf1.metal", "c5a.metal", "c5ad.metal", "c7i.32xlarge", "cr1.8xlarge", "dl1.24xlarge",
	"f1.16xlarge", "f1.2xlarge", "f1.4xlarge", "hs1.8xlarge", "mac-m3ultra.metal", "mac-m4.metal",
	"mac-m4max.metal", "mac-m4pro.metal", "mac1.metal", "mac2-m1ultra.metal", "mac2-m2.metal",
	"mac2-m2pro.metal", "mac2.metal", "p3.16xlarge", "p3.2xlarge", "p3.8xlarge", "trn2.3xlarge",
	"u-12tb1.metal", "u-18tb1.metal", "u-24tb1.metal", "u-6tb1.metal", "u-9tb1.metal",
}

func TestResourceCounts(t *testing.T) {
	var without []string
	with, trunk := 0, 0
	arch := map[string]int{}
	for _, it := range All() {
		if !it.HasResources {
			without = append(without, it.Name)
			if it.VCPUs != 0 || it.MemoryMiB != 0 || it.Arch != "" || it.PodENIs != 0 || it.TrunkCompatible() {
				t.Errorf("%s: no resource data but %+v", it.Name, it)
			}
			continue
		}
		with++
		arch[it.Arch]++
		if it.TrunkCompatible() {
			trunk++
		}
		if it.VCPUs < 1 || it.MemoryMiB < 1 {
			t.Errorf("%s: %d vCPUs, %d MiB", it.Name, it.VCPUs, it.MemoryMiB)
		}
	}
	// Counts from data/README.md (1363 types with resources) and
	// from the CSV's columns.
	if with != 1363 {
		t.Errorf("%d types with resource data, want 1363", with)
	}
	if !slices.Equal(without, typesWithoutResources) {
		t.Errorf("types without resource data:\n got %q\nwant %q", without, typesWithoutResources)
	}
	if trunk != 1202 {
		t.Errorf("%d trunk-compatible types (pod_eni > 0), want 1202", trunk)
	}
	if arch[ArchAMD64] != 967 || arch[ArchARM64] != 396 || len(arch) != 2 {
		t.Errorf("architectures %v, want amd64 967, arm64 396", arch)
	}
}

func TestLookupResources(t *testing.T) {
	tests := []struct {
		name         string
		has          bool
		vcpus, mem   int
		arch         string
		podENIs      int
		trunkCapable bool
	}{
		// Rows of instance-resources.csv.
		{"m5.large", true, 2, 8192, "amd64", 9, true},
		{"t3.medium", true, 2, 4096, "amd64", 0, false},
		{"c6g.16xlarge", true, 64, 131072, "arm64", 107, true},
		{"c6in.metal", true, 128, 262144, "amd64", 106, true},
		{"m4.large", true, 2, 8192, "amd64", 0, false},
		{"mac1.metal", false, 0, 0, "", 0, false},
	}
	for _, tc := range tests {
		it, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if it.HasResources != tc.has || it.VCPUs != tc.vcpus || it.MemoryMiB != tc.mem || it.Arch != tc.arch ||
			it.PodENIs != tc.podENIs || it.TrunkCompatible() != tc.trunkCapable {
			t.Errorf("%s: resources %v %d vCPUs %d MiB %s %d pod ENIs (trunk %v), want %v %d %d %s %d (%v)",
				tc.name, it.HasResources, it.VCPUs, it.MemoryMiB, it.Arch, it.PodENIs, it.TrunkCompatible(),
				tc.has, tc.vcpus, tc.mem, tc.arch, tc.podENIs, tc.trunkCapable)
		}
	}
	c, err := Custom("mine", 4, 15)
	if err != nil {
		t.Fatal(err)
	}
	if c.HasResources || c.VCPUs != 0 {
		t.Errorf("Custom type has resource data: %+v", c)
	}
}

// TestResourcesAgreeWithLimits cross-checks the two upstream tables: where
// Karpenter names a hypervisor it is the VPC CNI's, and Karpenter's pods
// column (AL2023 without prefix delegation) is the eni-max-pods figure.
func TestResourcesAgreeWithLimits(t *testing.T) {
	rows, err := parseResources(bytes.NewReader(embeddedResourcesCSV), resourcesFile)
	if err != nil {
		t.Fatal(err)
	}
	blank := 0
	for _, r := range rows {
		it, err := Lookup(r.Name)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		if r.Hypervisor == "" {
			blank++
		} else if r.Hypervisor != it.Hypervisor {
			t.Errorf("%s: hypervisor %q in resources, %q in limits", r.Name, r.Hypervisor, it.Hypervisor)
		}
		if want := it.MaxENIs*(it.IPv4PerENI-1) + 2; r.KarpenterPods != want {
			t.Errorf("%s: Karpenter pods %d, eni-max-pods figure %d", r.Name, r.KarpenterPods, want)
		}
	}
	if blank != 143 {
		t.Errorf("%d rows without a hypervisor, want 143", blank)
	}
}

const resourcesHeader = "instance_type,vcpu,memory_mib,arch,hypervisor,karpenter_alloc_cpu_m,karpenter_alloc_memory_mib,karpenter_pods,pod_eni\n"

func TestParseResources(t *testing.T) {
	in := "\xef\xbb\xbf# comment\n" + resourcesHeader +
		"m5.large, 2 ,8192,amd64,nitro,1930,6903,29,9\r\n" +
		"\n" +
		"  # indented comment\n" +
		"a1.metal,16,32768,arm64,,15890,27322,234,54" // no final newline
	rows, err := parseResources(strings.NewReader(in), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []resourceRow{
		{"a1.metal", 16, 32768, "arm64", "", 15890, 27322, 234, 54, 6},
		{"m5.large", 2, 8192, "amd64", "nitro", 1930, 6903, 29, 9, 3},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("got %+v\nwant %+v", rows, want)
	}

	const good = "m5.large,2,8192,amd64,nitro,1930,6903,29,9\n"
	tests := []struct{ in, err string }{
		{"", "r.csv:1: no header line, want " + strings.TrimSuffix(resourcesHeader, "\n")},
		{"# only\n", "r.csv:1: no header line, want " + strings.TrimSuffix(resourcesHeader, "\n")},
		{"instance_type,vcpu\n", `r.csv:1: header is "instance_type,vcpu", want "` + strings.TrimSuffix(resourcesHeader, "\n") + `"`},
		{resourcesHeader, "r.csv:1: no instance types after the header"},
		{resourcesHeader + "m5.large,2\n", "r.csv:2: 2 fields, want 9 (" + strings.TrimSuffix(resourcesHeader, "\n") + ")"},
		{resourcesHeader + good + good, `r.csv:3: field "instance_type": duplicate instance type "m5.large" (first on line 2)`},
		{resourcesHeader + ",2,8192,amd64,nitro,1930,6903,29,9\n", `r.csv:2: field "instance_type": empty instance type name`},
		{resourcesHeader + "m5.large,0,8192,amd64,nitro,0,6903,29,9\n", `r.csv:2: field "vcpu": 0 is out of range [1, 16384]`},
		{resourcesHeader + "m5.large,-2,8192,amd64,nitro,1930,6903,29,9\n", `r.csv:2: field "vcpu": "-2" is not a non-negative integer below 16385`},
		{resourcesHeader + "m5.large,2,,amd64,nitro,1930,6903,29,9\n", `r.csv:2: field "memory_mib": empty value, want an integer`},
		{resourcesHeader + "m5.large,2,8192,x86,nitro,1930,6903,29,9\n", `r.csv:2: field "arch": "x86" is not one of amd64, arm64`},
		{resourcesHeader + "m5.large,2,8192,amd64,kvm,1930,6903,29,9\n", `r.csv:2: field "hypervisor": "kvm" is not one of nitro, xen or empty`},
		{resourcesHeader + "m5.large,2,8192,amd64,nitro,2001,6903,29,9\n", `r.csv:2: field "karpenter_alloc_cpu_m": 2001 is out of range [0, 2000] (at most the 2 vCPUs)`},
		{resourcesHeader + "m5.large,2,8192,amd64,nitro,1930,8193,29,9\n", `r.csv:2: field "karpenter_alloc_memory_mib": 8193 is out of range [0, 8192] (at most the memory)`},
		{resourcesHeader + "m5.large,2,8192,amd64,nitro,1930,6903,x,9\n", `r.csv:2: field "karpenter_pods": "x" is not a non-negative integer below 1048577`},
		{resourcesHeader + "m5.large,2,8192,amd64,nitro,1930,6903,29,4097\n", `r.csv:2: field "pod_eni": 4097 is out of range [0, 4096]`},
		{resourcesHeader + strings.Repeat("x", 5000) + "\n", "r.csv:2: line longer than 4096 bytes"},
	}
	for _, tc := range tests {
		rows, err := parseResources(strings.NewReader(tc.in), "r.csv")
		var fe *FileError
		if !errors.As(err, &fe) || rows != nil {
			t.Errorf("%q: rows %v, error %v (%T), want a *FileError", tc.in, rows, err, err)
			continue
		}
		if err.Error() != tc.err {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, err, tc.err)
		}
	}
}

func TestParseResourcesSizeCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(resourcesHeader)
	for i := 0; b.Len() <= 4<<20; i++ {
		fmt.Fprintf(&b, "t%d.large,2,8192,amd64,nitro,1930,6903,29,9\n", i)
	}
	_, err := parseResources(strings.NewReader(b.String()), "big.csv")
	if err == nil || err.Error() != "big.csv: larger than 4194304 bytes" {
		t.Errorf("error %v, want the size cap", err)
	}
}

func FuzzParseResources(f *testing.F) {
	f.Add(embeddedResourcesCSV[:2000])
	f.Add([]byte(resourcesHeader + "m5.large,2,8192,amd64,nitro,1930,6903,29,9\n"))
	f.Add([]byte(resourcesHeader + "a1.metal,16,32768,arm64,,15890,27322,234,54\nb,1,1,amd64,xen,0,0,0,0"))
	f.Add([]byte("# c\n\xef\xbb\xbf" + resourcesHeader + "m5.large,2,8192,amd64,nitro,1930,6903,29,9,\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseResources(bytes.NewReader(data), "f.csv")
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || rows != nil {
				t.Fatalf("rows %v, error %v (%T)", rows, err, err)
			}
			if fe.File != "f.csv" || !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		for i, r := range rows {
			if i > 0 && rows[i-1].Name >= r.Name {
				t.Fatalf("not strictly sorted: %q, %q", rows[i-1].Name, r.Name)
			}
			if checkName(r.Name) != nil || r.VCPUs < 1 || r.VCPUs > maxVCPUs || r.MemoryMiB < 1 || r.MemoryMiB > maxMemoryMiB ||
				r.KarpenterCPUMilli > r.VCPUs*1000 || r.KarpenterMemoryMiB > r.MemoryMiB || r.KarpenterPods < 0 ||
				r.PodENIs < 0 || r.PodENIs > maxCount || (r.Arch != ArchAMD64 && r.Arch != ArchARM64) || r.Line < 2 {
				t.Fatalf("invalid row accepted: %+v", r)
			}
		}
	})
}

func TestAttachResourcesRefusesUnknownTypes(t *testing.T) {
	types := All()
	rows := []resourceRow{{Name: "zz.unknown", VCPUs: 1, MemoryMiB: 1, Arch: ArchAMD64, Line: 7}}
	err := attachResources(types, rows)
	const want = `instance-resources.csv:7: instance type "zz.unknown" is not in instance-limits.csv`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
