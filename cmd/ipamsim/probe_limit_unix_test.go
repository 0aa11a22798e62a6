//go:build unix

package main

import "syscall"

// limitAddressSpace caps the probe child's address space (RLIMIT_AS) at
// 3 GiB, so that an input that makes ipamsim allocate without bound fails
// fast instead of taking the machine's memory; the probe asserts the peak
// resident size separately (under 300 MB). Not under the race detector,
// which reserves terabytes of address space.
func limitAddressSpace() {
	if raceEnabled {
		return
	}
	lim := syscall.Rlimit{Cur: 3 << 30, Max: 3 << 30}
	syscall.Setrlimit(syscall.RLIMIT_AS, &lim)
}
