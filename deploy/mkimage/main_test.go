package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/ipamsim/ipamsim/deploy/image"
)

func runCapture(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", ""}, "nothing to do"},
		{[]string{"--arch", "x86_64"}, `--arch: architecture "x86_64"`},
		{[]string{"--arch", "amd64,arm64"}, "--out writes one platform"},
		{[]string{"--push", "--out", "", "--binary", "x", "--arch", "amd64,arm64"}, "--binary is one platform's"},
		{[]string{"--image", "ghcr.io/ipamsim/ipamsim:bad tag"}, `--image "ghcr.io/ipamsim/ipamsim:bad tag"`},
		{[]string{"--image", "ghcr.io/ipamsim/ipamsim"}, "want REGISTRY/REPOSITORY:TAG"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
	} {
		code, _, stderr := runCapture(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, _, stderr := runCapture("--help"); code != 0 || !strings.Contains(stderr, "--push") {
		t.Errorf("--help: exit %d, usage %q", code, stderr)
	}
}

// TestPushAndTarball pushes the image to an in-memory registry on the
// loopback address and writes the tarball, then pulls it back: the registry
// serves an index whose one platform is the image the tarball holds.
func TestPushAndTarball(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials: the test registry needs none
	dir := t.TempDir()
	// mkimage packs --binary's bytes as they are (deploy/image's tests run
	// the real binary from the image); a small file keeps gzip under -race
	// quick.
	bin := filepath.Join(dir, "ipamsim")
	if err := os.WriteFile(bin, bytes.Repeat([]byte("stand-in for the binary\n"), 512), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/ipamsim/ipamsim:test"
	out := filepath.Join(dir, "image.tar")

	code, stdout, stderr := runCapture("--binary", bin, "--arch", runtime.GOARCH, "--out", out, "--push", "--image", ref)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out+": "+ref) || !strings.Contains(stdout, "pushed "+ref+"@sha256:") {
		t.Errorf("stdout %q", stdout)
	}

	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Platform == nil ||
		im.Manifests[0].Platform.String() != "linux/"+runtime.GOARCH {
		t.Fatalf("pushed index %+v, want one linux/%s image", im.Manifests, runtime.GOARCH)
	}
	pulled, err := remote.Image(tag, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{image.BinaryPath}) || cfg.Config.User != image.User {
		t.Errorf("pulled image entrypoint %q user %q", cfg.Config.Entrypoint, cfg.Config.User)
	}
	local, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatal(err)
	}
	lc, _ := local.ConfigName()
	if pc, _ := pulled.ConfigName(); pc != lc {
		t.Errorf("pushed config %v, tarball config %v: not the same image", pc, lc)
	}
}
