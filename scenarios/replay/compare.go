package replay

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// comparisonRows are the rows of WriteComparison: a label and the figure of
// one summary, formatted.
var comparisonRows = []struct {
	label string
	value func(s *Summary) string
}{
	{"addresses peak held", func(s *Summary) string { return strconv.Itoa(s.PeakAddressesHeld) }},
	{"addresses mean held", func(s *Summary) string { return strconv.FormatFloat(s.MeanAddressesHeld, 'f', 1, 64) }},
	{"idle IP-seconds", func(s *Summary) string { return strconv.FormatFloat(s.IdleIPSeconds, 'f', 0, 64) }},
	{"pods waited", func(s *Summary) string { return strconv.FormatUint(s.PodsWaited, 10) }},
	{"wait p50 (s)", func(s *Summary) string { return strconv.FormatFloat(s.WaitP50Seconds, 'f', 3, 64) }},
	{"wait p99 (s)", func(s *Summary) string { return strconv.FormatFloat(s.WaitP99Seconds, 'f', 3, 64) }},
	{"wait max (s)", func(s *Summary) string { return strconv.FormatFloat(s.WaitMaxSeconds, 'f', 3, 64) }},
	{"no-IP ADD failures", func(s *Summary) string { return strconv.FormatUint(s.NoIPAddFailures, 10) }},
	{"pods never assigned", func(s *Summary) string { return strconv.FormatUint(s.PodsNeverAssigned, 10) }},
	{"ENIs peak", func(s *Summary) string { return strconv.Itoa(s.PeakENIs) }},
	{"EC2 calls total", func(s *Summary) string { return strconv.FormatUint(s.EC2CallsTotal, 10) }},
	{"throttled", func(s *Summary) string { return strconv.FormatUint(s.ThrottledCalls, 10) }},
}

// WriteComparison prints runs side by side as an aligned text table: a header
// of run names, then one row per figure (addresses held, idle IP-seconds, pod
// waits, ADD failures, ENIs, EC2 calls), one right-aligned column per run in
// the order given — the scenario's base run first, then its variants.
// names and sums must have the same length.
func WriteComparison(w io.Writer, names []string, sums []Summary) error {
	if len(names) != len(sums) {
		return fmt.Errorf("replay.WriteComparison: %d names for %d summaries", len(names), len(sums))
	}
	cells := make([][]string, len(comparisonRows))
	labelW := 0
	colW := make([]int, len(names))
	for i, n := range names {
		colW[i] = len([]rune(n))
	}
	for r, row := range comparisonRows {
		labelW = max(labelW, len(row.label))
		cells[r] = make([]string, len(sums))
		for c := range sums {
			v := row.value(&sums[c])
			cells[r][c] = v
			colW[c] = max(colW[c], len(v))
		}
	}
	var b strings.Builder
	line := func(label string, vals []string) {
		b.WriteString(label)
		b.WriteString(strings.Repeat(" ", labelW-len([]rune(label))))
		for c, v := range vals {
			b.WriteString("  ")
			b.WriteString(strings.Repeat(" ", colW[c]-len([]rune(v))))
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	line("", names)
	for r, row := range comparisonRows {
		line(row.label, cells[r])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
