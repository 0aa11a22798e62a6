//go:build unix

package sim

import "syscall"

// processCPUTime returns the user+system CPU time consumed by this process so
// far, in nanoseconds, and true; benchmarks use it to report CPU time per op,
// which is far less sensitive than wall time to other work sharing the
// machine.
func processCPUTime() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
