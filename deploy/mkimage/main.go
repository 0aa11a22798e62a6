// Command mkimage builds ipamsim's container image without a Docker daemon
// (deploy/image): it cross-compiles the static binary, assembles the image and
// writes it as a tarball for `docker load` / `crane push`, or pushes it as a
// multi-platform image to a registry with the credentials of
// ~/.docker/config.json (docker login, crane auth login, ...).
//
//	go run ./deploy/mkimage                          # bin/ipamsim-image.tar, linux/amd64
//	go run ./deploy/mkimage --arch arm64 --out FILE  # another platform
//	go run ./deploy/mkimage --push                   # ghcr.io/ipamsim/ipamsim:v0.1.0, amd64+arm64
//
// Exit status: 0 success, 1 failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/pflag"

	"github.com/ipamsim/ipamsim/deploy/image"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

// usageError is a bad flag: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := mkimage(ctx, args, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "mkimage: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "mkimage: %v\n", err)
	return 1
}

func mkimage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("mkimage", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "bin/ipamsim-image.tar", "Write the image (one platform) to `FILE` for docker load / crane push; empty: no tarball")
	arch := fs.String("arch", "", "Architectures to build, comma-separated (default: amd64 for --out, amd64,arm64 for --push)")
	push := fs.Bool("push", false, "Push the image (an index of every --arch) to --image")
	ref := fs.String("image", image.Reference(), "The image `REFERENCE` to tag and push")
	binary := fs.String("binary", "", "Use this prebuilt static linux `FILE` (one --arch) instead of building ./cmd/ipamsim")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./deploy/mkimage [flags]\n\nBuild ipamsim's container image without a Docker daemon.\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" && !*push {
		return usageError{errors.New("nothing to do: give --out FILE, --push or both")}
	}
	if _, err := name.NewTag(*ref, name.StrictValidation); err != nil {
		return usageError{fmt.Errorf("--image %q: %v (want REGISTRY/REPOSITORY:TAG)", *ref, err)}
	}
	if *arch == "" {
		*arch = "amd64"
		if *push && *binary == "" {
			*arch = "amd64,arm64"
		}
	}
	arches, err := image.ParseArches(*arch)
	if err != nil {
		return usageError{fmt.Errorf("--arch: %v", err)}
	}
	if *out != "" && len(arches) != 1 {
		return usageError{fmt.Errorf("--out writes one platform: give one --arch (got %s)", *arch)}
	}
	if *binary != "" && len(arches) != 1 {
		return usageError{fmt.Errorf("--binary is one platform's: give one --arch (got %s)", *arch)}
	}

	images := map[string]v1.Image{}
	for _, a := range arches {
		bin, err := binaryFor(ctx, *binary, a)
		if err != nil {
			return err
		}
		img, err := image.Build(bin, a)
		if err != nil {
			return err
		}
		images[a] = img
	}
	if *out != "" {
		img := images[arches[0]]
		if err := image.WriteTarball(img, *ref, *out); err != nil {
			return err
		}
		d, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s linux/%s %s\n  docker load -i %s    or    crane push %s %s\n",
			*out, *ref, arches[0], d, *out, *out, *ref)
	}
	if *push {
		idx, err := image.Index(images)
		if err != nil {
			return err
		}
		tag, _ := name.NewTag(*ref, name.StrictValidation)
		if err := remote.WriteIndex(tag, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("pushing %s: %w", *ref, err)
		}
		d, err := idx.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "pushed %s@%s (linux/%s)\n", *ref, d, strings.Join(arches, ", linux/"))
	}
	return nil
}

// binaryFor returns the static binary for linux/arch: the prebuilt file if
// given, else a fresh build of the module's ./cmd/ipamsim.
func binaryFor(ctx context.Context, prebuilt, arch string) ([]byte, error) {
	if prebuilt != "" {
		return os.ReadFile(prebuilt)
	}
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return nil, errors.New("run mkimage inside the ipamsim module")
	}
	dir, err := os.MkdirTemp("", "mkimage")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "ipamsim")
	if err := image.BuildBinary(ctx, root, arch, bin); err != nil {
		return nil, err
	}
	return os.ReadFile(bin)
}
