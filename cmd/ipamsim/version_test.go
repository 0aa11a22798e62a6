package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/ipamsim/ipamsim", Version: "v0.3.1"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "4eba0441bc60bf62612061d6b5a9c739abd0b59b"},
			{Key: "vcs.time", Value: "2026-12-02T11:51:12Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		stamped  string
		platform string
		want     string
	}{
		{"go install of a release", bi, "", "linux/arm64",
			"ipamsim v0.3.1\n" +
				"module:      github.com/ipamsim/ipamsim v0.3.1\n" +
				"revision:    4eba0441bc60bf62612061d6b5a9c739abd0b59b (modified)\n" +
				"commit time: 2026-12-02T11:51:12Z\n" +
				"go:          go1.26.8 linux/arm64\n"},
		{"work tree without VCS stamp, image tag stamped",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ipamsim/ipamsim", Version: "(devel)"}},
			"v0.1.0", "linux/amd64",
			"ipamsim v0.1.0\n" +
				"module:      github.com/ipamsim/ipamsim (devel)\n" +
				"revision:    unknown (built without VCS information)\n" +
				"commit time: unknown\n" +
				"go:          go1.26.8 linux/amd64\n"},
		{"no build information", nil, "", "darwin/arm64",
			"ipamsim (devel)\n" +
				"module:      github.com/ipamsim/ipamsim (devel)\n" +
				"revision:    unknown (built without VCS information)\n" +
				"commit time: unknown\n" +
				"go:          " + runtime.Version() + " darwin/arm64\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionText(tc.bi, tc.stamped, tc.platform); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	var first string
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out, errOut bytes.Buffer
		if code := run(args, nil, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
		if errOut.Len() != 0 {
			t.Errorf("%v: stderr %q, want none", args, errOut.String())
		}
		got := out.String()
		want := "go:          " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
		if !strings.HasPrefix(got, "ipamsim ") || !strings.HasSuffix(got, want) {
			t.Errorf("%v: got\n%s\nwant it to start with \"ipamsim \" and end with %q", args, got, want)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("ipamsim version and ipamsim --version differ:\n%s\n%s", first, got)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"version", "extra"}, nil, &out, &errOut); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), `unexpected argument "extra"`) {
		t.Errorf("version extra: stderr %q does not name the argument", errOut.String())
	}
	out.Reset()
	if code := run([]string{"--help"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ipamsim version ") {
		t.Errorf("--help: exit %d, usage does not list 'ipamsim version':\n%s", code, out.String())
	}
}

// TestVersionOfBuiltBinary builds the command as a user would and checks what
// --version prints against `go version -m` (the go tool's own reading of the
// binary's build information), with a link-time release stamp.
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "ipamsim")
	build := exec.Command(gobin, "build", "-buildvcs=auto", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("ipamsim --version: %v", err)
	}
	meta, err := exec.Command(gobin, "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	// go version -m prints "<file>: <go version>", then tab-separated rows
	// such as "\tmod\t<path>\t<version>" and "\tbuild\tvcs.revision=<rev>".
	lines := strings.Split(string(meta), "\n")
	goVersion := lines[0][strings.LastIndex(lines[0], " ")+1:]
	var modPath, modVersion, revision, commitTime string
	for _, l := range lines[1:] {
		f := strings.Split(strings.TrimPrefix(l, "\t"), "\t")
		switch {
		case len(f) >= 3 && f[0] == "mod":
			modPath, modVersion = f[1], f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			revision = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.time="):
			commitTime = strings.TrimPrefix(f[1], "vcs.time=")
		}
	}
	want := []string{
		"ipamsim v9.8.7-test",
		"module:      " + modPath + " " + modVersion,
		"go:          " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if revision != "" {
		want = append(want, "revision:    "+revision, "commit time: "+commitTime)
	} else {
		want = append(want, "revision:    unknown (built without VCS information)", "commit time: unknown")
	}
	for _, w := range want {
		if !strings.Contains(string(got), w+"\n") && !strings.Contains(string(got), w+" (modified)\n") {
			t.Errorf("--version output lacks %q:\n%s\ngo version -m:\n%s", w, got, meta)
		}
	}
	if modPath != "github.com/ipamsim/ipamsim" {
		t.Errorf("go version -m names module %q, want github.com/ipamsim/ipamsim", modPath)
	}
	if revision != "" {
		if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && strings.TrimSpace(string(head)) != revision {
			t.Errorf("vcs.revision %s, git rev-parse HEAD %s", revision, head)
		}
	}
}
