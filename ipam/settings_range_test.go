package ipam

import (
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// Every count and the cooldown have a range checked where they are parsed
// (issue 12): a value beyond it is refused by name, never wrapped.
func TestSettingRanges(t *testing.T) {
	cases := []struct {
		key, value string
		err        string // "" for accepted
		check      func(s Settings) bool
	}{
		{"WARM_IP_TARGET", "2147483647", "", func(s Settings) bool { return s.WarmIPTarget == 2147483647 }},
		{"WARM_IP_TARGET", "2147483648", "out of range", nil},
		{"WARM_IP_TARGET", "9223372036854775807", "out of range", nil},
		{"WARM_IP_TARGET", "99999999999999999999", "out of range", nil},
		{"WARM_IP_TARGET", "-5", "", func(s Settings) bool { return s.WarmIPTarget == 0 }}, // §1: negative is unset
		{"WARM_ENI_TARGET", "-2147483648", "out of range", nil},
		{"WARM_ENI_TARGET", "-3", "", func(s Settings) bool { return s.WarmENITarget == 1 }}, // §1: negative falls back to 1
		{"MAX_ENI", "2147483648", "out of range", nil},
		{"MINIMUM_IP_TARGET", "1e3", "not a whole number", nil},
		{"IP_COOLDOWN_PERIOD", "3600000", "", func(s Settings) bool { return s.IPCooldown == 1000*sim.Hour }},
		{"IP_COOLDOWN_PERIOD", "0", "", func(s Settings) bool { return s.IPCooldown == 0 }},
		{"IP_COOLDOWN_PERIOD", "3600001", "0 to 3600000", nil},
		{"IP_COOLDOWN_PERIOD", "9223372037", "out of range", nil}, // ×1e9 ns would wrap an int64
		{"IP_COOLDOWN_PERIOD", "-1", "0 to 3600000", nil},
	}
	for _, c := range cases {
		s := DefaultSettings()
		err := s.Set("--set", c.key, c.value)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s=%s: %v", c.key, c.value, err)
		case c.err == "" && !c.check(s):
			t.Errorf("%s=%s: settings %+v", c.key, c.value, s)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "--set: "+c.key)):
			t.Errorf("%s=%s: error %v, want one naming --set %s with %q", c.key, c.value, err, c.key, c.err)
		}
	}
}

func TestEnvFileByteOrderMark(t *testing.T) {
	s := DefaultSettings()
	if err := ParseEnvFile("node.env", "\ufeffWARM_IP_TARGET=3\r\nMINIMUM_IP_TARGET=10\r\n", &s); err != nil {
		t.Fatal(err)
	}
	if s.WarmIPTarget != 3 || s.MinimumIPTarget != 10 {
		t.Fatalf("settings %+v", s)
	}
	// A BOM anywhere but the start is still an error naming the line.
	err := ParseEnvFile("node.env", "WARM_IP_TARGET=3\n\ufeffMAX_ENI=2\n", &s)
	if err == nil || !strings.HasPrefix(err.Error(), "node.env:2: ") {
		t.Fatalf("BOM on line 2: %v", err)
	}
}
