package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version, when set at link time (-ldflags "-X main.version=v0.1.0"), is the
// release the binary reports in place of its module version: a binary built
// from a work tree has the module version "(devel)", so the container image
// (deploy/image) stamps its tag here. go install ...@vX.Y.Z needs no stamp.
var version string

const versionUsage = `Usage: ipamsim version   (or ipamsim --version)

Print the release, the module version, the VCS revision and commit time the
binary was built from, and the Go version and platform it was built with.
`

// runVersion prints what the binary was built from (ipamsim version,
// ipamsim --version).
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, versionUsage)
		return 0
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "ipamsim version: unexpected argument %q\n\n%s", args[0], versionUsage)
		return 2
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	fmt.Fprint(stdout, versionText(bi, version, runtime.GOOS+"/"+runtime.GOARCH))
	return 0
}

// versionText formats the build information bi (nil when the binary has none)
// as the lines `ipamsim version` prints. stamped is the link-time version, if
// any; platform is GOOS/GOARCH.
func versionText(bi *debug.BuildInfo, stamped, platform string) string {
	module, modVersion, goVersion := "github.com/ipamsim/ipamsim", "(devel)", runtime.Version()
	var revision, commitTime string
	modified := false
	if bi != nil {
		if bi.Main.Path != "" {
			module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			modVersion = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				commitTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	release := modVersion
	if stamped != "" {
		release = stamped
	}
	if revision == "" {
		revision = "unknown (built without VCS information)"
	} else if modified {
		revision += " (modified)"
	}
	if commitTime == "" {
		commitTime = "unknown"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ipamsim %s\n", release)
	fmt.Fprintf(&b, "module:      %s %s\n", module, modVersion)
	fmt.Fprintf(&b, "revision:    %s\n", revision)
	fmt.Fprintf(&b, "commit time: %s\n", commitTime)
	fmt.Fprintf(&b, "go:          %s %s\n", goVersion, platform)
	return b.String()
}
