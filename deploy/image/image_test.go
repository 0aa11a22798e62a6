package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"
)

// moduleRoot is the ipamsim module, two levels above this package.
const moduleRoot = "../.."

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// hostBinary builds the image's binary once for this machine's architecture
// (so that the tests can run it), as `make image` builds it.
func hostBinary(t *testing.T) []byte {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the image's binary is a linux one")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool on PATH")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ipamsim-image-test")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "ipamsim")
		binErr = BuildBinary(context.Background(), moduleRoot, runtime.GOARCH, binPath)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	b, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// TestTarball builds the image, writes the tarball, opens it again as
// docker load would and checks its configuration, its files, and that the
// binary in the layer runs.
func TestTarball(t *testing.T) {
	bin := hostBinary(t)
	img, err := Build(bin, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ipamsim-image.tar")
	if err := WriteTarball(img, Reference(), path); err != nil {
		t.Fatal(err)
	}

	mf, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(path) })
	if err != nil {
		t.Fatal(err)
	}
	if len(mf) != 1 || !slices.Equal(mf[0].RepoTags, []string{"ghcr.io/ipamsim/ipamsim:v0.1.0"}) {
		t.Fatalf("tarball manifest %+v, want one image tagged ghcr.io/ipamsim/ipamsim:v0.1.0", mf)
	}
	tag, err := name.NewTag(Reference())
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatal(err)
	}
	// A docker-save tarball keeps the config and layers byte for byte (its
	// manifest is synthesised on reading).
	want, _ := img.ConfigName()
	if got, err := loaded.ConfigName(); err != nil || got != want {
		t.Errorf("config digest after the round trip %v (%v), want %v", got, err, want)
	}
	wl, _ := img.Layers()
	gl, err := loaded.Layers()
	if err != nil || len(gl) != 1 || len(wl) != 1 {
		t.Fatalf("layers after the round trip: %d (%v), want 1", len(gl), err)
	}
	wd, _ := wl[0].DiffID()
	if gd, _ := gl[0].DiffID(); gd != wd {
		t.Errorf("layer diff ID after the round trip %v, want %v", gd, wd)
	}

	cfg, err := loaded.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cfg.OS, cfg.Architecture, runtime.GOARCH)
	}
	if !slices.Equal(c.Entrypoint, []string{"/ko-app/ipamsim"}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [/ko-app/ipamsim] and no cmd", c.Entrypoint, c.Cmd)
	}
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (distroless nonroot)", c.User)
	}
	if c.WorkingDir != "/home/nonroot" {
		t.Errorf("working dir %q, want /home/nonroot", c.WorkingDir)
	}
	if !slices.Contains(c.Env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app") {
		t.Errorf("env %q lacks ko's PATH", c.Env)
	}
	if c.Labels["org.opencontainers.image.version"] != "v0.1.0" ||
		c.Labels["org.opencontainers.image.source"] != "https://github.com/ipamsim/ipamsim" {
		t.Errorf("labels %v", c.Labels)
	}

	// The layer's files, as a container runtime unpacks them.
	type entry struct {
		mode     int64
		uid, gid int
		body     []byte
	}
	files := map[string]entry{}
	tr := tar.NewReader(mutate.Extract(loaded))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = entry{h.Mode, h.Uid, h.Gid, b}
	}
	for _, f := range []struct {
		name     string
		mode     int64
		uid, gid int
	}{
		{"ko-app/ipamsim", 0o555, 0, 0},
		{"home/nonroot", 0o700, 65532, 65532},
		{"tmp", 0o1777, 0, 0},
	} {
		e, ok := files[f.name]
		if !ok {
			t.Errorf("image has no /%s", f.name)
			continue
		}
		if e.mode != f.mode || e.uid != f.uid || e.gid != f.gid {
			t.Errorf("/%s: mode %o uid %d gid %d, want %o %d %d", f.name, e.mode, e.uid, e.gid, f.mode, f.uid, f.gid)
		}
	}
	if !strings.Contains(string(files["etc/passwd"].body), "\nnonroot:x:65532:65532:nonroot:/home/nonroot:") {
		t.Errorf("/etc/passwd has no nonroot user 65532:\n%s", files["etc/passwd"].body)
	}

	// The binary from the layer runs and names the image's release.
	exe := filepath.Join(dir, "ipamsim")
	if err := os.WriteFile(exe, files["ko-app/ipamsim"].body, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", exe, err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "ipamsim v0.1.0" {
		t.Errorf("--version of the image's binary starts %q, want \"ipamsim v0.1.0\":\n%s", first, out)
	}
	// eni-max-pods.txt: m5.large 29 (3 ENIs × (10−1) + 2).
	out, err = exec.Command(exe, "maxpods", "m5.large").Output()
	if err != nil || !strings.Contains(string(out), "m5.large 29") {
		t.Errorf("maxpods m5.large in the image's binary: %v\n%s", err, out)
	}
	// Static, as the distroless static base needs: go version -m reads the
	// build settings from the binary (-trimpath leaves -ldflags out; the
	// stamp shows in --version above).
	meta, err := exec.Command("go", "version", "-m", exe).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"\tbuild\tCGO_ENABLED=0\n", "\tbuild\t-trimpath=true\n", "\tbuild\tGOOS=linux\n"} {
		if !strings.Contains(string(meta), w) {
			t.Errorf("go version -m of the image's binary lacks %q:\n%s", w, meta)
		}
	}
}

// payload stands for a binary where only the packing is under test (gzip of
// the real 6 MB binary takes seconds under -race; TestTarball uses it).
var payload = bytes.Repeat([]byte("not an executable, only bytes to pack\n"), 256)

// TestReproducible: the same binary gives the same image digest.
func TestReproducible(t *testing.T) {
	bin := payload
	a, err := Build(bin, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(append([]byte(nil), bin...), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds of one binary: %v and %v", da, db)
	}
	c, err := Build(bin, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	if dc, _ := c.Digest(); dc == da {
		t.Errorf("amd64 and arm64 configs share digest %v", dc)
	}
	if _, err := Build(nil, "amd64"); err == nil {
		t.Error("Build of an empty binary: no error")
	}
}

func TestIndex(t *testing.T) {
	bin := payload
	a, _ := Build(bin, "amd64")
	b, _ := Build(bin, "arm64")
	idx, err := Index(map[string]v1.Image{"arm64": b, "amd64": a})
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range im.Manifests {
		got = append(got, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	if !slices.Equal(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("index platforms %v", got)
	}
	da, _ := a.Digest()
	if im.Manifests[0].Digest != da {
		t.Errorf("index entry amd64 %v, image %v", im.Manifests[0].Digest, da)
	}
}

// dockerfileStage returns the instructions of the Dockerfile's last stage
// (continuation lines joined, comments dropped) and its FROM image.
func dockerfileStage(t *testing.T) (from string, ins []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(moduleRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []string
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		all = append(all, cur+line)
		cur = ""
	}
	for i, in := range all {
		if strings.HasPrefix(in, "FROM ") {
			from, ins = strings.Fields(in)[1], all[i+1:]
		}
	}
	return from, ins
}

// splitWords splits shell-like words, honouring double quotes.
func splitWords(s string) []string {
	var out []string
	var b strings.Builder
	inQ, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQ, any = !inQ, true
		case (r == ' ' || r == '\t') && !inQ:
			if any {
				out = append(out, b.String())
				b.Reset()
				any = false
			}
		default:
			b.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, b.String())
	}
	return out
}

// TestDockerfileAgrees: the Dockerfile's final stage lays the image out as
// Build does.
func TestDockerfileAgrees(t *testing.T) {
	from, ins := dockerfileStage(t)
	if from != Base {
		t.Errorf("Dockerfile final FROM %s, want %s", from, Base)
	}
	args := map[string]string{}
	labels := map[string]string{}
	var got struct{ copyDst, user, workdir, entrypoint, path string }
	for _, in := range ins {
		kw, rest, _ := strings.Cut(in, " ")
		w := splitWords(rest)
		switch kw {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			args[k] = v
		case "COPY":
			got.copyDst = w[len(w)-1]
		case "USER":
			got.user = rest
		case "WORKDIR":
			got.workdir = rest
		case "ENV":
			got.path = rest
		case "ENTRYPOINT":
			var ep []string
			if err := json.Unmarshal([]byte(rest), &ep); err != nil {
				t.Fatalf("ENTRYPOINT %s: %v", rest, err)
			}
			got.entrypoint = strings.Join(ep, " ")
		case "LABEL":
			for _, kv := range w {
				k, v, _ := strings.Cut(kv, "=")
				labels[k] = strings.ReplaceAll(v, "$VERSION", args["VERSION"])
			}
		}
	}
	want := struct{ copyDst, user, workdir, entrypoint, path string }{BinaryPath, User, WorkingDir, BinaryPath, PathEnv}
	if got != want {
		t.Errorf("Dockerfile final stage %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(labels, Labels()) {
		t.Errorf("Dockerfile labels %v, want %v", labels, Labels())
	}
	df, err := os.ReadFile(filepath.Join(moduleRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w -X main.version=$VERSION"`, "./cmd/ipamsim",
		"-t " + Reference() + " --push ."} {
		if !strings.Contains(string(df), w) {
			t.Errorf("Dockerfile lacks %q", w)
		}
	}
}

// koConfig is the part of ko's .ko.yaml schema ipamsim uses; decoding is
// strict, so a misspelt key fails here rather than being ignored by ko.
type koConfig struct {
	DefaultBaseImage string   `json:"defaultBaseImage"`
	DefaultPlatforms []string `json:"defaultPlatforms"`
	Builds           []struct {
		ID      string   `json:"id"`
		Main    string   `json:"main"`
		Env     []string `json:"env"`
		Flags   []string `json:"flags"`
		Ldflags []string `json:"ldflags"`
	} `json:"builds"`
}

// TestKoConfigAgrees: .ko.yaml builds the binary as BuildBinary does on the
// same base as the Dockerfile, and its documented command tags, names and
// labels the image as Build does.
func TestKoConfigAgrees(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(moduleRoot, ".ko.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kc koConfig
	if err := yaml.UnmarshalStrict(raw, &kc); err != nil {
		t.Fatalf(".ko.yaml: %v", err)
	}
	if kc.DefaultBaseImage != Base {
		t.Errorf(".ko.yaml defaultBaseImage %s, want %s", kc.DefaultBaseImage, Base)
	}
	for _, p := range kc.DefaultPlatforms {
		goos, arch, _ := strings.Cut(p, "/")
		if goos != "linux" || !slices.Contains(Arches, arch) {
			t.Errorf(".ko.yaml platform %s: want linux/ one of %v", p, Arches)
		}
	}
	if len(kc.Builds) != 1 {
		t.Fatalf(".ko.yaml has %d builds, want 1", len(kc.Builds))
	}
	b := kc.Builds[0]
	if b.Main != "./cmd/ipamsim" || !slices.Equal(b.Env, []string{"CGO_ENABLED=0"}) || !slices.Equal(b.Flags, []string{"-trimpath"}) {
		t.Errorf(".ko.yaml build %+v: want main ./cmd/ipamsim, env CGO_ENABLED=0, flags -trimpath", b)
	}
	if want := strings.ReplaceAll(LDFlags(), Version, "{{.Env.VERSION}}"); !slices.Equal(b.Ldflags, []string{want}) {
		t.Errorf(".ko.yaml ldflags %q, want [%q]", b.Ldflags, want)
	}

	// The command in the header comment.
	var cmd strings.Builder
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, "#"))
		if strings.HasPrefix(l, "VERSION=") || cmd.Len() > 0 {
			cmd.WriteString(strings.TrimSuffix(l, "\\") + " ")
			if !strings.HasSuffix(l, "\\") {
				break
			}
		}
	}
	w := splitWords(cmd.String())
	env := map[string]string{}
	labels := map[string]string{}
	var flags []string
	for i := 0; i < len(w); i++ {
		switch {
		case strings.Contains(w[i], "=") && !strings.HasPrefix(w[i], "-") && len(flags) == 0:
			k, v, _ := strings.Cut(w[i], "=")
			env[k] = v
		case w[i] == "--image-label" && i+1 < len(w):
			k, v, _ := strings.Cut(w[i+1], "=")
			labels[k] = v
			i++
		default:
			flags = append(flags, w[i])
		}
	}
	if env["VERSION"] != Version || env["KO_DOCKER_REPO"] != Repository {
		t.Errorf(".ko.yaml command env %v, want VERSION=%s KO_DOCKER_REPO=%s", env, Version, Repository)
	}
	wantFlags := []string{"ko", "build", "./cmd/ipamsim", "--bare", "--tags", Version, "--image-user", User}
	if !slices.Equal(flags, wantFlags) {
		t.Errorf(".ko.yaml command %q, want %q (--bare: the image is KO_DOCKER_REPO itself)", flags, wantFlags)
	}
	if !reflect.DeepEqual(labels, Labels()) {
		t.Errorf(".ko.yaml command labels %v, want %v", labels, Labels())
	}
}

func TestParseArches(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"amd64", []string{"amd64"}, ""},
		{"amd64, arm64", []string{"amd64", "arm64"}, ""},
		{"arm64,amd64,s390x", []string{"arm64", "amd64", "s390x"}, ""},
		{"", nil, `architecture "": want one of`},
		{"amd64,", nil, `architecture "": want one of`},
		{"x86_64", nil, `architecture "x86_64"`},
		{"AMD64", nil, `architecture "AMD64"`},
		{"amd64,amd64", nil, `architecture "amd64" given twice`},
	} {
		got, err := ParseArches(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseArches(%q): error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseArches(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseArches(f *testing.F) {
	for _, s := range []string{"amd64", "amd64,arm64", "", ",", "amd64,amd64", "x86_64", " arm64 , ppc64le"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseArches(s)
		if err != nil {
			return
		}
		if len(got) == 0 || len(got) != len(strings.Split(s, ",")) {
			t.Fatalf("ParseArches(%q) = %v", s, got)
		}
		for i, a := range got {
			if !slices.Contains(Arches, a) || slices.Contains(got[:i], a) {
				t.Fatalf("ParseArches(%q) = %v", s, got)
			}
		}
	})
}
