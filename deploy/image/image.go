// Package image builds ipamsim's container image without a Docker daemon,
// with go-containerregistry (the library ko is built on): the static binary
// on an empty base, laid out and configured as .ko.yaml and the Dockerfile
// describe — the binary at ko's /ko-app/ipamsim as the entrypoint, the
// distroless non-root user 65532 and its home as the working directory — so
// that all three builds give an image that runs the same way.
//
// The result is written as a tarball that `docker load` and `crane push` take,
// or pushed as a multi-platform index (see deploy/mkimage and `make image`).
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's identity. Reference() is the one image the Indexed Job in
// deploy/k8s and docs/sweep.md name; a release bumps Version (and the
// manifest, which a test keeps equal).
const (
	Repository = "ghcr.io/ipamsim/ipamsim"
	Version    = "v0.1.0"
	Source     = "https://github.com/ipamsim/ipamsim"
)

// The image's layout and run configuration, shared by .ko.yaml (whose base
// sets the user and working directory, ko the binary path), the Dockerfile
// and Build; tests in this package check that the three agree.
const (
	// Base is the base image of the ko and Dockerfile builds. Build
	// reproduces what ipamsim needs of it (the nonroot user, its home, /tmp)
	// on an empty base, so it needs no registry.
	Base       = "gcr.io/distroless/static-debian12:nonroot"
	BinaryPath = "/ko-app/ipamsim"
	User       = "65532:65532"
	WorkingDir = "/home/nonroot"
	// PathEnv is distroless's PATH with ko's /ko-app appended, as ko sets it.
	PathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app"
)

// Reference is the image's name and tag: ghcr.io/ipamsim/ipamsim:v0.1.0.
func Reference() string { return Repository + ":" + Version }

// Labels are the image's OCI annotations-as-labels, as the Dockerfile's LABEL
// lines and the ko command's --image-label flags set them.
func Labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "ipamsim",
		"org.opencontainers.image.description": "Simulator of the AWS VPC CNI's ipamd warm pool on EKS nodes",
		"org.opencontainers.image.source":      Source,
		"org.opencontainers.image.version":     Version,
	}
}

// LDFlags are the linker flags of the image's binary: stripped, with the
// release stamped so that `ipamsim --version` names the image's tag.
func LDFlags() string { return "-s -w -X main.version=" + Version }

// BuildBinary cross-compiles ./cmd/ipamsim of the module at moduleDir into
// out, statically (CGO_ENABLED=0) for linux/arch, with -trimpath and LDFlags,
// as .ko.yaml and the Dockerfile build it.
func BuildBinary(ctx context.Context, moduleDir, arch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", LDFlags(), "-o", out, "./cmd/ipamsim")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/ipamsim for linux/%s: %v\n%s", arch, err, b)
	}
	return nil
}

// epoch is every file's and the image's time: builds are reproducible (same
// binary, same digest), as ko's are without SOURCE_DATE_EPOCH.
var epoch = time.Unix(0, 0).UTC()

// file is one entry of the image's only layer.
type file struct {
	name     string
	mode     int64
	uid, gid int
	dir      bool
	body     []byte
}

// Build assembles the image for linux/arch around binary, the contents of a
// static ipamsim executable built for that platform.
func Build(binary []byte, arch string) (v1.Image, error) {
	if len(binary) == 0 {
		return nil, fmt.Errorf("image: empty binary")
	}
	files := []file{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, body: []byte("root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")},
		{name: "etc/passwd", mode: 0o644, body: []byte("root:x:0:0:root:/root:/sbin/nologin\n" +
			"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
			"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, uid: 65532, gid: 65532, dir: true},
		{name: "ko-app/", mode: 0o555, dir: true},
		{name: "ko-app/ipamsim", mode: 0o555, body: binary},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	layerTar, err := tarFiles(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Author:    "ipamsim deploy/image",
			Created:   v1.Time{Time: epoch},
			CreatedBy: "deploy/image.Build",
			Comment:   "nonroot user, /tmp and the static binary at " + BinaryPath,
		},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: epoch}
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Config = v1.Config{
		Entrypoint: []string{BinaryPath},
		Env:        []string{PathEnv},
		User:       User,
		WorkingDir: WorkingDir,
		Labels:     Labels(),
	}
	return mutate.ConfigFile(img, cfg)
}

// tarFiles writes files as an uncompressed tar, in the given order.
func tarFiles(files []file) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.gid, ModTime: epoch, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTarball writes img tagged ref to path as a tarball that `docker load`
// and `crane push` read. The file appears whole or not at all.
func WriteTarball(img v1.Image, ref, path string) error {
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return fmt.Errorf("image reference %q: %w", ref, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tarball.Write(tag, img, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Index gathers per-platform images (by architecture) into one OCI image
// index, the multi-platform image a registry serves, in architecture order.
func Index(byArch map[string]v1.Image) (v1.ImageIndex, error) {
	arches := make([]string, 0, len(byArch))
	for a := range byArch {
		arches = append(arches, a)
	}
	sort.Strings(arches)
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, a := range arches {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        byArch[a],
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: a}},
		})
	}
	return idx, nil
}

// Arches are the Linux architectures the image can be built for: those the
// distroless static base is published for.
var Arches = []string{"amd64", "arm64", "arm", "ppc64le", "s390x"}

// ParseArches splits a comma-separated list of architectures (amd64,arm64),
// refusing empty items, duplicates and architectures not in Arches.
func ParseArches(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if !slices.Contains(Arches, a) {
			return nil, fmt.Errorf("architecture %q: want one of %s", a, strings.Join(Arches, ", "))
		}
		if slices.Contains(out, a) {
			return nil, fmt.Errorf("architecture %q given twice", a)
		}
		out = append(out, a)
	}
	return out, nil
}
