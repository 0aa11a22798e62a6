package ipam

import (
	"strings"
	"testing"
)

// TestUnmodelledVariables: an env file copied from a real aws-node DaemonSet
// loads (variables that do not shape the pool are accepted and ignored),
// ENABLE_IMDS_ONLY_MODE implies DISABLE_NETWORK_RESOURCE_PROVISIONING (§1),
// IPv6 mode is refused, and typos are still errors.
func TestUnmodelledVariables(t *testing.T) {
	s := DefaultSettings()
	body := "ENABLE_IPv4=true\nENABLE_IPv6=false\nAWS_VPC_K8S_CNI_LOGLEVEL=DEBUG\nAWS_VPC_K8S_CNI_EXTERNALSNAT=false\nWARM_IP_TARGET=3\n"
	if err := ParseEnvFile("aws-node.env", body, &s); err != nil {
		t.Fatal(err)
	}
	if s.WarmIPTarget != 3 || s.DisableProvisioning {
		t.Fatalf("settings %+v", s)
	}
	if err := ParseEnvFile("imds.env", "ENABLE_IMDS_ONLY_MODE=true\n", &s); err != nil || !s.DisableProvisioning {
		t.Fatalf("IMDS-only mode: %v, DisableProvisioning %v", err, s.DisableProvisioning)
	}
	for _, bad := range []string{"ENABLE_IPv6=true", "ENABLE_IPv6=maybe", "ENABLE_IPV4=true", "WARM_IP_TARGT=1"} {
		err := ParseEnvFile("bad.env", bad+"\n", &s)
		if err == nil || !strings.HasPrefix(err.Error(), "bad.env:1:") {
			t.Errorf("%s: error %v, want one naming bad.env:1", bad, err)
		}
	}
}
