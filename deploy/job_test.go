package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/ipamsim/ipamsim/deploy/image"
)

const manifestPath = "k8s/sweep-indexed-job.yaml"

// decodeStrict decodes every document of a multi-document YAML manifest with
// apimachinery's strict deserializer (as kubectl --validate=strict): unknown
// and duplicate fields, unknown kinds and API versions are errors.
func decodeStrict(raw []byte) ([]apiruntime.Object, error) {
	scheme := apiruntime.NewScheme()
	if err := batchv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	dec := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	var objs []apiruntime.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
}

// stripComments drops whole-line YAML comments (to tell an empty document).
func stripComments(doc []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}

func readManifest(t *testing.T) (*batchv1.Job, *corev1.PersistentVolumeClaim, []byte) {
	t.Helper()
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeStrict(raw)
	if err != nil {
		t.Fatalf("%s: %v", manifestPath, err)
	}
	if len(objs) != 2 {
		t.Fatalf("%s: %d objects, want a Job and a PersistentVolumeClaim", manifestPath, len(objs))
	}
	job, ok := objs[0].(*batchv1.Job)
	if !ok {
		t.Fatalf("%s: first object is a %T, want a batch/v1 Job", manifestPath, objs[0])
	}
	pvc, ok := objs[1].(*corev1.PersistentVolumeClaim)
	if !ok {
		t.Fatalf("%s: second object is a %T, want a v1 PersistentVolumeClaim", manifestPath, objs[1])
	}
	return job, pvc, raw
}

// TestDecodeIsStrict: the decoder refuses what the API server would, so that
// TestIndexedJob's decoding means something.
func TestDecodeIsStrict(t *testing.T) {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"completionMode: Indexed", "completionmode: Indexed", `unknown field "spec.completionmode"`},
		{"backoffLimit: 6", "backoffLimit: 6\n  backofLimitPerIndex: 1", `unknown field "spec.backofLimitPerIndex"`},
		{"restartPolicy: Never", "restartPolicy: Never\n      restartPolicy: Never", `key "restartPolicy" already set in map`},
		{"apiVersion: batch/v1", "apiVersion: batch/v2", `no kind "Job" is registered for version "batch/v2"`},
	} {
		if !bytes.Contains(raw, []byte(tc.old)) {
			t.Fatalf("manifest has no %q to alter", tc.old)
		}
		_, err := decodeStrict(bytes.Replace(raw, []byte(tc.old), []byte(tc.new), 1))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: error %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}

// expandEnv expands $(NAME) references to the container's env as the kubelet
// does for args ($$ is a literal $); it returns the names it could not expand.
func expandEnv(s string, env map[string]string) (string, []string) {
	var b strings.Builder
	var missing []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String(), append(missing, s[i:])
			}
			name := s[i+2 : i+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+end+1])
				missing = append(missing, name)
			}
			i += end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), missing
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"SHARD_INDEX": "3"}
	for _, tc := range []struct {
		in, want string
		missing  []string
	}{
		{"--out-json=/results/shard-$(SHARD_INDEX).json", "--out-json=/results/shard-3.json", nil},
		{"$$(SHARD_INDEX)", "$(SHARD_INDEX)", nil},
		{"$(NOPE)-$(SHARD_INDEX)", "$(NOPE)-3", []string{"NOPE"}},
		{"cost $5", "cost $5", nil},
	} {
		got, missing := expandEnv(tc.in, env)
		if got != tc.want || !slices.Equal(missing, tc.missing) {
			t.Errorf("expandEnv(%q) = %q %v, want %q %v", tc.in, got, missing, tc.want, tc.missing)
		}
	}
}

// TestIndexedJob checks the Job against the sweep's sharding contract
// (docs/sweep.md "Running a sweep on many machines", cmd/ipamsim/sweep.go
// parseShard): Indexed completion mode, one completion per shard of
// --shard-count, the shard index from the Job controller, every shard's
// output on the shared volume under its own name; then runs the image's
// binary as each of the eight pods would, and the merge the header comment
// gives, and checks that the merged sweep is whole.
func TestIndexedJob(t *testing.T) {
	job, pvc, raw := readManifest(t)
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v, want Indexed (the Job controller then sets JOB_COMPLETION_INDEX)", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil {
		t.Fatal("completions and parallelism must be set")
	}
	completions, parallelism := int(*spec.Completions), int(*spec.Parallelism)
	if parallelism < 1 || parallelism > completions {
		t.Errorf("parallelism %d: want 1..completions (%d)", parallelism, completions)
	}
	pod := spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q: a Job's pods need Never or OnFailure", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != image.Reference() {
		t.Errorf("image %q, want %q (what deploy/image, .ko.yaml and the Dockerfile build)", c.Image, image.Reference())
	}
	if len(c.Command) != 0 {
		t.Errorf("command %q: the image's entrypoint is ipamsim, give args only", c.Command)
	}
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil ||
		strconv.FormatInt(*sc.RunAsUser, 10) != strings.Split(image.User, ":")[0] {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and runAsUser the image's user %s", sc, image.User)
	}

	// The shard index: $(SHARD_INDEX) in args is the completion index
	// annotation, the same number the Job controller puts in
	// JOB_COMPLETION_INDEX, from which --shard-count takes the shard.
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			env[e.Name] = "INDEX"
		}
	}
	if len(c.Args) == 0 || c.Args[0] != "sweep" {
		t.Fatalf("args %q: want ipamsim sweep", c.Args)
	}
	flags := map[string]string{}
	for _, a := range c.Args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !strings.HasPrefix(k, "--") {
			t.Errorf("arg %q: write every flag as --name=value", a)
			continue
		}
		if _, dup := flags[k]; dup && k != "--grid" && k != "--set" && k != "--policy-set" {
			t.Errorf("flag %s given twice", k)
		}
		flags[k] = v
		if _, missing := expandEnv(a, env); len(missing) > 0 {
			t.Errorf("arg %q refers to %v, which the container's env does not define from the completion index", a, missing)
		}
	}
	shardCount, err := strconv.Atoi(flags["--shard-count"])
	if err != nil {
		t.Fatalf("--shard-count=%q: %v (the Job must shard by completion index)", flags["--shard-count"], err)
	}
	if shardCount != completions {
		t.Errorf("completions %d, --shard-count %d: want them equal (one pod per shard)", completions, shardCount)
	}
	if _, ok := flags["--shard"]; ok {
		t.Error("--shard and --shard-count exclude each other")
	}
	outJSON := flags["--out-json"]
	if !strings.Contains(outJSON, "$(") {
		t.Errorf("--out-json=%s: every shard needs its own file (use the completion index)", outJSON)
	}
	if w, err := strconv.Atoi(flags["--workers"]); err != nil || c.Resources.Requests.Cpu().Value() != int64(w) {
		t.Errorf("cpu request %v, --workers=%s: want them equal", c.Resources.Requests.Cpu(), flags["--workers"])
	}

	// The output directory is the shared volume, the PVC in this file.
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if strings.HasPrefix(outJSON, strings.TrimSuffix(m.MountPath, "/")+"/") {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("--out-json=%s is on no mounted volume", outJSON)
	}
	var claim string
	for _, v := range pod.Volumes {
		if v.Name == mount.Name && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != pvc.Name {
		t.Errorf("volume %s claims %q, the manifest's PVC is %q", mount.Name, claim, pvc.Name)
	}
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("PVC access modes %v: every shard's pod writes to it at once, want ReadWriteMany", pvc.Spec.AccessModes)
	}

	// The merge command of the header comment.
	var merge []string
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, "#"))
		if strings.HasPrefix(l, "ipamsim sweep merge ") {
			merge = strings.Fields(l)[1:]
		}
	}
	if merge == nil {
		t.Fatal("the header comment gives no 'ipamsim sweep merge' command")
	}
	glob := merge[len(merge)-1]
	for _, i := range []string{"0", strconv.Itoa(shardCount - 1)} {
		shardEnv := map[string]string{}
		for k := range env {
			shardEnv[k] = i
		}
		file, _ := expandEnv(outJSON, shardEnv)
		if ok, _ := path.Match(glob, file); !ok {
			t.Errorf("merge reads %s, shard %s writes %s", glob, i, file)
		}
	}

	if testing.Short() {
		return
	}
	runShards(t, c.Args, env, mount.MountPath, shardCount, merge)
}

// runShards runs ipamsim with args as each pod of the Job would (the
// completion index in JOB_COMPLETION_INDEX and the env that reads it, the
// volume at a temporary directory), then the merge, and checks the result.
func runShards(t *testing.T, args []string, env map[string]string, mountPath string, shards int, merge []string) {
	if runtime.GOOS != "linux" {
		t.Skip("runs the image's linux binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ipamsim")
	if err := image.BuildBinary(context.Background(), "..", runtime.GOARCH, bin); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results")
	if err := os.Mkdir(results, 0o755); err != nil {
		t.Fatal(err)
	}
	volume := func(s string) string { return strings.ReplaceAll(s, mountPath, results) }
	for i := range shards {
		podEnv := map[string]string{}
		for k := range env {
			podEnv[k] = strconv.Itoa(i)
		}
		var podArgs []string
		for _, a := range args {
			x, _ := expandEnv(a, podEnv)
			podArgs = append(podArgs, volume(x))
		}
		cmd := exec.Command(bin, podArgs...)
		cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pod %d: ipamsim %s: %v\n%s", i, strings.Join(podArgs, " "), err, out)
		}
	}
	files, err := filepath.Glob(volume(merge[len(merge)-1]))
	if err != nil || len(files) != shards {
		t.Fatalf("%d shard files (%v), want %d", len(files), err, shards)
	}
	var mergeArgs []string
	for i, a := range merge[:len(merge)-1] {
		if i > 0 && (merge[i-1] == "--out-json" || merge[i-1] == "--out-csv") {
			a = filepath.Join(dir, a) // the merged outputs, in the working directory
		}
		mergeArgs = append(mergeArgs, a)
	}
	mergeArgs = append(mergeArgs, files...)
	if out, err := exec.Command(bin, mergeArgs...).CombinedOutput(); err != nil {
		t.Fatalf("ipamsim %s: %v\n%s", strings.Join(mergeArgs, " "), err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		PointsTotal int               `json:"points_total"`
		Shard       *json.RawMessage  `json:"shard"`
		Points      []json.RawMessage `json:"points"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// The grid in the manifest: WARM_IP_TARGET 0..10 (11) × WARM_ENI_TARGET
	// 3 × MINIMUM_IP_TARGET 3 × prefix delegation 2 × 2 instance types × 3
	// repetitions.
	const want = 11 * 3 * 3 * 2 * 2 * 3
	if doc.PointsTotal != want || len(doc.Points) != want || doc.Shard != nil {
		t.Errorf("merged sweep: points_total %d, %d points, shard %s; want %d whole", doc.PointsTotal, len(doc.Points), doc.Shard, want)
	}
}

// TestDocsNameTheImage: docs/sweep.md and the manifest's header name the
// image the Job runs and the commands that build and push it.
func TestDocsNameTheImage(t *testing.T) {
	for _, f := range []string{"../docs/sweep.md", manifestPath} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{image.Reference(), "go run ./deploy/mkimage --push",
			"KO_DOCKER_REPO=" + image.Repository, "-t " + image.Reference() + " --push ."} {
			if !strings.Contains(string(raw), w) {
				t.Errorf("%s does not say %q", f, w)
			}
		}
		if strings.Contains(string(raw), "example/ipamsim") {
			t.Errorf("%s still names an example image", f)
		}
	}
}
