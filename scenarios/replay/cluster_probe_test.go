package replay

import (
	"os"
	"testing"
)

func TestClusterProbe(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	s, _ := clusterDay(t, 100, 2)
	s.WriteText(os.Stdout)
}
