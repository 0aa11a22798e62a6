package ec2

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseEC2Profile: the profile parser never panics; every error is a
// *ProfileError naming the file; an accepted profile is valid, keeps the
// rows the input does not name, and survives a write and a read unchanged.
func FuzzParseEC2Profile(f *testing.F) {
	f.Add("api,p50_ms,p99_ms\nAttachNetworkInterface,20000,20000\n")
	f.Add("\xef\xbb\xbf# c\r\napi,p50_ms,p99_ms\r\nIMDSVisible,1500,20000\r\nThrottled,0,0\r\n")
	f.Add("api,p50_ms,p99_ms\nCreateTags,0.000001,1e3\nCreateTags,1,2\n")
	f.Add("api,p50_ms,p99_ms\nAtachNetworkInterface,5,1\n")
	f.Add("api,p50_ms,p99_ms\nDescribeSubnets,NaN,-0\nx,,\n")
	f.Add("api,p99_ms,p50_ms\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		base := DefaultEC2Latencies()
		got, err := ParseEC2Profile("f.csv", strings.NewReader(body), base)
		if err != nil {
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.File != "f.csv" || pe.Line < 0 || !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error %v (%T) does not name the file", err, err)
			}
			return
		}
		if err := got.Valid(); err != nil {
			t.Fatalf("accepted %q as an invalid profile: %v", body, err)
		}
		for i, name := range LatencyNames() {
			if !strings.Contains(body, name) && *got.row(i) != *base.row(i) {
				t.Fatalf("row %s changed though the input does not name it", name)
			}
		}
		var b bytes.Buffer
		if err := WriteEC2Profile(&b, got); err != nil {
			t.Fatal(err)
		}
		again, err := ParseEC2Profile("w.csv", &b, EC2Latencies{})
		if err != nil || again != got {
			t.Fatalf("round trip: %v\n%s", err, b.String())
		}
	})
}
