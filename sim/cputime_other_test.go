//go:build !unix

package sim

func processCPUTime() (int64, bool) { return 0, false }
