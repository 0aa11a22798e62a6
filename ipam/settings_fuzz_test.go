package ipam

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseEnvFile: the env-file parser never panics, every error is a
// *SettingError naming file:line, and accepted files give settings within
// upstream's ranges.
func FuzzParseEnvFile(f *testing.F) {
	f.Add("WARM_IP_TARGET=5\nMINIMUM_IP_TARGET=10\n")
	f.Add("# c\nexport ENABLE_PREFIX_DELEGATION=\"true\"\nWARM_PREFIX_TARGET='1'\r\n")
	f.Add("MAX_ENI=-3\nWARM_ENI_TARGET=-1\nIP_COOLDOWN_PERIOD=0\n")
	f.Add("WARM_IP_TARGT=1\n")
	f.Add("=\n\x00=\xff\n")
	f.Fuzz(func(t *testing.T, body string) {
		s := DefaultSettings()
		err := ParseEnvFile("f.env", body, &s)
		if err != nil {
			var se *SettingError
			if !errors.As(err, &se) || !strings.HasPrefix(se.Source, "f.env:") {
				t.Fatalf("error %v is not a *SettingError naming the file and line", err)
			}
			return
		}
		if s.WarmENITarget < 0 || s.WarmIPTarget < 0 || s.MinimumIPTarget < 0 || s.WarmPrefixTarget < 0 || s.IPCooldown < 0 {
			t.Fatalf("accepted %q as %+v", body, s)
		}
		if s.MaxENI != -1 && s.MaxENI < 1 {
			t.Fatalf("MAX_ENI %d", s.MaxENI)
		}
	})
}
