//go:build !unix

package replay

import "time"

// cpuTime is not measured on this platform: wall time stands in.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
