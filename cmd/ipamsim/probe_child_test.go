package main

import (
	"bytes"
	"os"
	"testing"
)

// probeChildEnv makes the test binary run as ipamsim itself (mainCLI, with
// its signal handling), so that the probe (probe_test.go) runs every
// command line in a child process it can time, measure and kill.
const probeChildEnv = "IPAMSIM_PROBE_CHILD"

// probeRSSEnv names the file a probe child writes its peak resident size
// to as it exits: the VmHWM line of /proc/self/status, which (unlike the
// rusage a parent gets) does not count the parent's memory before exec.
const probeRSSEnv = "IPAMSIM_PROBE_RSS_FILE"

func peakRSS() []byte {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("VmHWM:")) {
			return line
		}
	}
	return nil
}

func TestMain(m *testing.M) {
	if os.Getenv(probeChildEnv) == "1" {
		limitAddressSpace()
		code := mainCLI(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		if name := os.Getenv(probeRSSEnv); name != "" {
			os.WriteFile(name, peakRSS(), 0o644)
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}
