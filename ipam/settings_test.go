package ipam

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

func TestDefaultSettings(t *testing.T) {
	s := DefaultSettings()
	// §1 code defaults.
	want := Settings{
		WarmENITarget:    1,
		WarmIPTarget:     0,
		MinimumIPTarget:  0,
		WarmPrefixTarget: 0, // code default 0, not the manifest's 1
		PrefixDelegation: false,
		MaxENI:           -1,
		IPCooldown:       30 * sim.Second,
		SubnetDiscovery:  true,
	}
	if s != want {
		t.Errorf("DefaultSettings = %+v, want %+v", s, want)
	}
	if s.warmIPMode() {
		t.Error("defaults are in warm-IP mode")
	}
	if w := s.EntrypointWarnings(); len(w) != 0 {
		t.Errorf("defaults warn: %v", w)
	}
}

func TestSettingsSet(t *testing.T) {
	tests := []struct {
		key, value string
		check      func(s Settings) bool
		desc       string
	}{
		{"WARM_ENI_TARGET", "3", func(s Settings) bool { return s.WarmENITarget == 3 }, "3"},
		{"WARM_ENI_TARGET", "0", func(s Settings) bool { return s.WarmENITarget == 0 }, "0 is allowed"},
		{"WARM_ENI_TARGET", "-2", func(s Settings) bool { return s.WarmENITarget == 1 }, "negative → 1"},
		{"WARM_IP_TARGET", "-5", func(s Settings) bool { return s.WarmIPTarget == 0 && !s.warmIPMode() }, "negative → 0 (unset)"},
		{"WARM_IP_TARGET", " 7 ", func(s Settings) bool { return s.WarmIPTarget == 7 && s.warmIPMode() }, "7, spaces trimmed"},
		{"MINIMUM_IP_TARGET", "10", func(s Settings) bool { return s.MinimumIPTarget == 10 && s.warmIPMode() }, "MIN alone is warm-IP mode"},
		{"MINIMUM_IP_TARGET", "-1", func(s Settings) bool { return s.MinimumIPTarget == 0 }, "negative → 0"},
		{"WARM_PREFIX_TARGET", "2", func(s Settings) bool { return s.WarmPrefixTarget == 2 }, "2"},
		{"MAX_ENI", "0", func(s Settings) bool { return s.MaxENI == -1 }, "0 → unset (-1)"},
		{"MAX_ENI", "-3", func(s Settings) bool { return s.MaxENI == -1 }, "negative → unset"},
		{"MAX_ENI", "2", func(s Settings) bool { return s.MaxENI == 2 }, "2"},
		{"ENABLE_PREFIX_DELEGATION", "true", func(s Settings) bool { return s.PrefixDelegation }, "true"},
		{"ENABLE_PREFIX_DELEGATION", "false", func(s Settings) bool { return !s.PrefixDelegation }, "false"},
		{"IP_COOLDOWN_PERIOD", "5", func(s Settings) bool { return s.IPCooldown == 5*sim.Second }, "5 s"},
		{"IP_COOLDOWN_PERIOD", "0", func(s Settings) bool { return s.IPCooldown == 0 }, "0 s"},
		{"ENABLE_SUBNET_DISCOVERY", "false", func(s Settings) bool { return !s.SubnetDiscovery }, "false"},
		{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true", func(s Settings) bool { return s.CustomNetworking }, "true"},
		{"ENABLE_POD_ENI", "true", func(s Settings) bool { return s.PodENI }, "true"},
		{"DISABLE_NETWORK_RESOURCE_PROVISIONING", "true", func(s Settings) bool { return s.DisableProvisioning }, "true"},
	}
	for _, tc := range tests {
		s := DefaultSettings()
		if err := s.Set("--set", tc.key, tc.value); err != nil {
			t.Errorf("%s=%q: %v", tc.key, tc.value, err)
			continue
		}
		if !tc.check(s) {
			t.Errorf("%s=%q: got %+v, want %s", tc.key, tc.value, s, tc.desc)
		}
	}
}

func TestSettingsErrors(t *testing.T) {
	s := DefaultSettings()
	err := s.Set("--set", "WARM_IP_TARGT", "2")
	var se *SettingError
	if !errors.As(err, &se) {
		t.Fatalf("unknown key: err %v is not a *SettingError", err)
	}
	if se.Key != "WARM_IP_TARGT" || !strings.Contains(err.Error(), "did you mean WARM_IP_TARGET?") {
		t.Errorf("unknown key error %q: want a suggestion of WARM_IP_TARGET", err)
	}
	if !strings.Contains(err.Error(), "--set") || !strings.Contains(err.Error(), "unknown setting") {
		t.Errorf("error %q should name its source and say unknown", err)
	}
	// Lower case is suggested too.
	if err := s.Set("--set", "warm_eni_target", "1"); err == nil || !strings.Contains(err.Error(), "did you mean WARM_ENI_TARGET?") {
		t.Errorf("lower-case key: %v", err)
	}
	// Nothing close: no suggestion.
	if err := s.Set("--set", "COMPLETELY_UNRELATED_THING", "1"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("far key: %v", err)
	}
	for _, kv := range [][2]string{
		{"WARM_IP_TARGET", "two"}, {"WARM_ENI_TARGET", "1.5"}, {"MAX_ENI", ""},
		{"ENABLE_PREFIX_DELEGATION", "yes-please"}, {"IP_COOLDOWN_PERIOD", "-1"}, {"IP_COOLDOWN_PERIOD", "30s"},
	} {
		err := s.Set("--set", kv[0], kv[1])
		if !errors.As(err, &se) || se.Key != kv[0] {
			t.Errorf("%s=%q: err %v, want a *SettingError naming the key", kv[0], kv[1], err)
		}
	}
	if s != DefaultSettings() {
		t.Errorf("failed Sets changed the settings: %+v", s)
	}
	if _, _, err := ParseAssignment("--set", "NOEQUALS"); err == nil {
		t.Error("ParseAssignment without '=': no error")
	}
	if _, _, err := ParseAssignment("--set", "=3"); err == nil {
		t.Error("ParseAssignment with an empty key: no error")
	}
	if k, v, err := ParseAssignment("--set", " WARM_IP_TARGET = 3 "); err != nil || k != "WARM_IP_TARGET" || v != "3" {
		t.Errorf("ParseAssignment = %q %q %v", k, v, err)
	}
}

func TestKnownSettingsSorted(t *testing.T) {
	k := KnownSettings()
	for i := 1; i < len(k); i++ {
		if k[i-1] >= k[i] {
			t.Fatalf("KnownSettings not sorted: %v", k)
		}
	}
	if len(k) < 11 {
		t.Errorf("KnownSettings has %d entries", len(k))
	}
}

func TestParseEnvFile(t *testing.T) {
	body := "# node: m5.large\n" +
		"\n" +
		"WARM_IP_TARGET=2\n" +
		"export MINIMUM_IP_TARGET=\"10\"\n" +
		"  # indented comment\n" +
		"MAX_ENI='2'\r\n" +
		"ENABLE_PREFIX_DELEGATION = false\n"
	s := DefaultSettings()
	if err := ParseEnvFile("settings.env", body, &s); err != nil {
		t.Fatal(err)
	}
	if s.WarmIPTarget != 2 || s.MinimumIPTarget != 10 || s.MaxENI != 2 || s.PrefixDelegation {
		t.Errorf("parsed %+v", s)
	}
	// Errors carry file:line (1-based; comments and blanks count).
	bad := "# comment\nWARM_IP_TARGET=2\n\nWARM_IP_TARGT=3\n"
	err := ParseEnvFile("x.env", bad, &s)
	if err == nil || !strings.HasPrefix(err.Error(), "x.env:4:") || !strings.Contains(err.Error(), "WARM_IP_TARGET") {
		t.Errorf("bad key error = %v, want x.env:4 and a suggestion", err)
	}
	err = ParseEnvFile("y.env", "WARM_IP_TARGET=2\nMAX_ENI=lots\n", &s)
	if err == nil || !strings.HasPrefix(err.Error(), "y.env:2:") {
		t.Errorf("bad value error = %v, want y.env:2", err)
	}
	err = ParseEnvFile("z.env", "\n\njust words\n", &s)
	if err == nil || !strings.HasPrefix(err.Error(), "z.env:3:") {
		t.Errorf("not KEY=VALUE error = %v, want z.env:3", err)
	}
}

func TestEntrypointWarnings(t *testing.T) {
	pd := DefaultSettings()
	pd.PrefixDelegation = true
	if w := pd.EntrypointWarnings(); len(w) != 1 || !strings.Contains(w[0], "ENABLE_PREFIX_DELEGATION") {
		t.Errorf("PD with no targets: warnings %v, want one", w)
	}
	for _, f := range []func(s *Settings){
		func(s *Settings) { s.WarmPrefixTarget = 1 },
		func(s *Settings) { s.WarmIPTarget = 1 },
		func(s *Settings) { s.MinimumIPTarget = 1 },
	} {
		s := pd
		f(&s)
		if w := s.EntrypointWarnings(); len(w) != 0 {
			t.Errorf("PD with a target %+v warns: %v", s, w)
		}
	}
}

// TestSettingsModelledAtDefaultOnly: ENABLE_MULTI_NIC,
// AWS_MANAGE_ENIS_NON_SCHEDULABLE and MANAGE_UNTAGGED_ENI are accepted at
// their upstream defaults (false, false, true), which the model follows
// (§1.11, §1.14, §1.21), and refused, by name and as not modelled, at any
// other value; a value that is not a boolean is refused as such.
func TestSettingsModelledAtDefaultOnly(t *testing.T) {
	for _, c := range []struct{ key, def, other string }{
		{"ENABLE_MULTI_NIC", "false", "true"},
		{"AWS_MANAGE_ENIS_NON_SCHEDULABLE", "false", "true"},
		{"MANAGE_UNTAGGED_ENI", "true", "false"},
	} {
		s := DefaultSettings()
		if err := s.Set("env:3", c.key, c.def); err != nil || s != DefaultSettings() {
			t.Errorf("%s=%s (the default): %v", c.key, c.def, err)
		}
		err := s.Set("env:3", c.key, c.other)
		var se *SettingError
		if !errors.As(err, &se) || se.Key != c.key || !strings.Contains(err.Error(), c.key+"="+c.other+" is not modelled") ||
			!strings.Contains(err.Error(), "env:3") {
			t.Errorf("%s=%s: err %v, want a *SettingError naming it as not modelled", c.key, c.other, err)
		}
		if err := s.Set("env:3", c.key, "maybe"); err == nil || !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("%s=maybe: err %v", c.key, err)
		}
	}
}
