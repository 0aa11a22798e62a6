package catalog

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
)

// instance-resources.csv: vCPUs, memory, architecture and pod ENIs of 1363
// of the catalogue's types, with the allocatable figures Karpenter computes
// for them. Source commit and generator in the file's header comments.
//
//go:embed data/instance-resources.csv
var embeddedResourcesCSV []byte

const resourcesFile = "instance-resources.csv"

// The columns of instance-resources.csv, in order.
var resourceColumns = []string{
	"instance_type",
	"vcpu",
	"memory_mib",
	"arch",
	"hypervisor",
	"karpenter_alloc_cpu_m",
	"karpenter_alloc_memory_mib",
	"karpenter_pods",
	"pod_eni",
}

const (
	rcName = iota
	rcVCPU
	rcMemory
	rcArch
	rcHypervisor
	rcKarpenterCPU
	rcKarpenterMemory
	rcKarpenterPods
	rcPodENI
)

// Bounds on the resource figures accepted. The largest types have 896 vCPUs
// and 32 TiB (33554432 MiB); the bounds leave room and keep every product in
// Allocatable inside 32 bits.
const (
	maxVCPUs     = 16384
	maxMemoryMiB = 1 << 30 // 1 PiB
	maxPodsBound = 1 << 20 // Karpenter's pods column, and max pods given to Allocatable
)

// Architectures as they appear in instance-resources.csv.
const (
	ArchAMD64 = "amd64"
	ArchARM64 = "arm64"
)

// resourceRow is one record of instance-resources.csv.
type resourceRow struct {
	Name       string
	VCPUs      int
	MemoryMiB  int
	Arch       string
	Hypervisor string // nitro, xen, or "" where Karpenter's table leaves it blank (bare metal)
	// Karpenter's allocatable for AL2023 nodes, after its own overhead model.
	KarpenterCPUMilli  int
	KarpenterMemoryMiB int
	KarpenterPods      int
	PodENIs            int // branch ENIs (vpc.amazonaws.com/pod-eni); 0 = not trunk-compatible
	Line               int
}

// parseResources reads an instance-resources CSV ('#' comment lines, the
// header line, one record per type) and returns its rows sorted by name.
// Every value is range-checked; the first problem is a *FileError.
func parseResources(r io.Reader, file string) ([]resourceRow, error) {
	tr := newTableReader(r, file, 4<<10, 4<<20)
	header, err := tr.next()
	if err == io.EOF {
		return nil, &FileError{File: file, Line: max(tr.line, 1), Msg: "no header line, want " + strings.Join(resourceColumns, ",")}
	}
	if err != nil {
		return nil, err
	}
	if !slices.Equal(header, resourceColumns) {
		return nil, tr.errorf("", "header is %q, want %q", strings.Join(header, ","), strings.Join(resourceColumns, ","))
	}
	var rows []resourceRow
	first := map[string]int{}
	for {
		f, err := tr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		row, err := parseResourceRow(tr, f)
		if err != nil {
			return nil, err
		}
		if prev, dup := first[row.Name]; dup {
			return nil, tr.errorf(resourceColumns[rcName], "duplicate instance type %q (first on line %d)", row.Name, prev)
		}
		first[row.Name] = row.Line
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, tr.errorf("", "no instance types after the header")
	}
	slices.SortFunc(rows, func(a, b resourceRow) int { return strings.Compare(a.Name, b.Name) })
	return rows, nil
}

func parseResourceRow(tr *tableReader, f []string) (resourceRow, error) {
	if len(f) != len(resourceColumns) {
		return resourceRow{}, tr.errorf("", "%d fields, want %d (%s)", len(f), len(resourceColumns), strings.Join(resourceColumns, ","))
	}
	fail := func(col int, format string, args ...any) (resourceRow, error) {
		return resourceRow{}, tr.errorf(resourceColumns[col], format, args...)
	}
	row := resourceRow{Name: f[rcName], Line: tr.line}
	if err := checkName(row.Name); err != nil {
		return fail(rcName, "%v", err)
	}
	var err error
	if row.VCPUs, err = parseCount(f[rcVCPU], 1, maxVCPUs); err != nil {
		return fail(rcVCPU, "%v", err)
	}
	if row.MemoryMiB, err = parseCount(f[rcMemory], 1, maxMemoryMiB); err != nil {
		return fail(rcMemory, "%v", err)
	}
	switch a := f[rcArch]; a {
	case ArchAMD64, ArchARM64:
		row.Arch = a
	default:
		return fail(rcArch, "%q is not one of amd64, arm64", a)
	}
	switch h := f[rcHypervisor]; h {
	case HypervisorNitro, HypervisorXen, "":
		row.Hypervisor = h
	default:
		return fail(rcHypervisor, "%q is not one of nitro, xen or empty", h)
	}
	if row.KarpenterCPUMilli, err = parseCount(f[rcKarpenterCPU], 0, row.VCPUs*1000); err != nil {
		return fail(rcKarpenterCPU, "%v (at most the %d vCPUs)", err, row.VCPUs)
	}
	if row.KarpenterMemoryMiB, err = parseCount(f[rcKarpenterMemory], 0, row.MemoryMiB); err != nil {
		return fail(rcKarpenterMemory, "%v (at most the memory)", err)
	}
	if row.KarpenterPods, err = parseCount(f[rcKarpenterPods], 0, maxPodsBound); err != nil {
		return fail(rcKarpenterPods, "%v", err)
	}
	if row.PodENIs, err = parseCount(f[rcPodENI], 0, maxCount); err != nil {
		return fail(rcPodENI, "%v", err)
	}
	return row, nil
}

// embeddedResources returns the parsed embedded resource table. Like the
// limits table, a malformed embedded copy is a programming error (the
// package tests parse it) and panics.
func embeddedResources() []resourceRow {
	rows, err := parseResources(bytes.NewReader(embeddedResourcesCSV), resourcesFile)
	if err != nil {
		panic("github.com/ipamsim/ipamsim/ipam/catalog: embedded " + err.Error())
	}
	return rows
}

// attachResources copies each row's vCPUs, memory, architecture and pod ENIs
// into the type of the same name. Both slices are sorted by name. A row
// naming a type that is not in the limits table is an error.
func attachResources(types []InstanceType, rows []resourceRow) error {
	for _, r := range rows {
		i, found := slices.BinarySearchFunc(types, r.Name, func(t InstanceType, n string) int {
			return strings.Compare(t.Name, n)
		})
		if !found {
			return fmt.Errorf("%s:%d: instance type %q is not in instance-limits.csv", resourcesFile, r.Line, r.Name)
		}
		t := &types[i]
		t.HasResources = true
		t.VCPUs = r.VCPUs
		t.MemoryMiB = r.MemoryMiB
		t.Arch = r.Arch
		t.PodENIs = r.PodENIs
	}
	return nil
}
