package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOpenMetricsFlags: --openmetrics-file writes the backfill (tested in
// scenarios/promexport) dated from --start-time and sampled every
// --sample-interval, ending with # EOF.
func TestOpenMetricsFlags(t *testing.T) {
	dir := t.TempDir()
	om := filepath.Join(dir, "run.om")
	code, _, stderr := runRunCapture("--ec2", "zero", "--openmetrics-file", om, "--start-time", "2030-06-01T12:00:00+02:00", "--sample-interval", "1m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	body := string(mustRead(t, om))
	if !strings.HasSuffix(body, "\n# EOF\n") {
		t.Error("the backfill does not end with # EOF")
	}
	m := regexp.MustCompile(`(?m)^ipamsim_simulated_seconds \S+ (\S+)$`).FindAllStringSubmatch(body, 3)
	t0 := time.Date(2030, 6, 1, 10, 0, 0, 0, time.UTC).Unix()
	if len(m) < 3 || m[0][1] != strconv.FormatInt(t0, 10)+".000" || m[1][1] != strconv.FormatInt(t0+60, 10)+".000" {
		t.Fatalf("timestamps %v", m)
	}
}
