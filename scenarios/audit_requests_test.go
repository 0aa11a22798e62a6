package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// auditPodCreate is a create of pod s/p on node n1 whose response holds
// spec (the JSON of the spec's other fields), then its binding at 00:01.
func auditPodCreate(spec string) string {
	return auditLine("create", "s", "p", "", 201, "00:00Z", "",
		`{"kind":"Pod","metadata":{"uid":"u1"},"spec":{"nodeName":"n1",`+spec+`}}`) +
		auditBind("s", "p", "u1", "n1", "00:01Z")
}

// TestAuditRequests checks the pod requests rules against values worked
// out by hand from the Kubernetes rules (docs "Effective Pod requests and
// limits"; k8s.io/component-helpers resource.PodRequests).
func TestAuditRequests(t *testing.T) {
	const mi = 1 << 20
	tests := []struct {
		name     string
		spec     string
		cpu, mem int64
	}{
		{"one container", `"containers":[{"resources":{"requests":{"cpu":"500m","memory":"256Mi"}}}]`, 500, 256 * mi},
		{"containers add up", `"containers":[{"resources":{"requests":{"cpu":"250m","memory":"64Mi"}}},{"resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]`, 1250, 1088 * mi},
		{"no requests", `"containers":[{"name":"a"},{"resources":{}}]`, 0, 0},
		{"requests default to limits", `"containers":[{"resources":{"limits":{"cpu":"2","memory":"1Gi"}}},{"resources":{"requests":{"cpu":"100m"},"limits":{"cpu":"4","memory":"128Mi"}}}]`, 2100, 1152 * mi},
		{"numbers and other resources", `"containers":[{"resources":{"requests":{"cpu":0.5,"memory":1e9,"ephemeral-storage":"10Gi","nvidia.com/gpu":"1"}}}]`, 500, 1e9},
		// max(sum of containers 300m, largest init 1) = 1; memory max(200Mi, 64Mi).
		{"init container larger", `"containers":[{"resources":{"requests":{"cpu":"100m","memory":"100Mi"}}},{"resources":{"requests":{"cpu":"200m","memory":"100Mi"}}}],` +
			`"initContainers":[{"resources":{"requests":{"cpu":"1","memory":"64Mi"}}},{"resources":{"requests":{"cpu":"500m"}}}]`, 1000, 200 * mi},
		// Sidecar 100m runs beside everything: regular 400m+100m = 500m;
		// init phase: the init container listed after the sidecar needs
		// 300m+100m = 400m, the one before it 450m alone: 500m wins.
		{"sidecar", `"containers":[{"resources":{"requests":{"cpu":"400m"}}}],` +
			`"initContainers":[{"resources":{"requests":{"cpu":"450m"}}},{"restartPolicy":"Always","resources":{"requests":{"cpu":"100m","memory":"32Mi"}}},{"resources":{"requests":{"cpu":"300m","memory":"64Mi"}}}]`, 500, 96 * mi},
		// Sidecars 200m + 300m; an init container after both needs 1+0.5 =
		// 1.5 cores, more than the regular 100m+500m.
		{"init after sidecars", `"containers":[{"resources":{"requests":{"cpu":"100m"}}}],` +
			`"initContainers":[{"restartPolicy":"Always","resources":{"requests":{"cpu":"200m"}}},{"restartPolicy":"Always","resources":{"requests":{"cpu":"300m"}}},{"resources":{"requests":{"cpu":"1"}}}]`, 1500, 0},
		{"overhead added", `"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"}}}],"overhead":{"cpu":"250m","memory":"120Mi"}`, 1250, 1144 * mi},
		{"pod-level requests", `"resources":{"requests":{"cpu":"2"}},"containers":[{"resources":{"requests":{"cpu":"500m","memory":"1Gi"}}}]`, 2000, 1024 * mi},
		{"pod-level limits without container requests", `"resources":{"limits":{"cpu":"3","memory":"2Gi"}},"containers":[{"resources":{"requests":{"memory":"1Gi"}}}]`, 3000, 1024 * mi},
		{"pod-level and overhead", `"resources":{"requests":{"memory":"2Gi"}},"containers":[{"name":"a"}],"overhead":{"memory":"1Gi"}`, 0, 3072 * mi},
		{"rounding up per quantity", `"containers":[{"resources":{"requests":{"cpu":"0.0001","memory":"0.5"}}}]`, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, sum, err := ReadAudit(strings.NewReader(auditPodCreate(tt.spec)), "test.jsonl", DefaultAuditOptions())
			if err != nil {
				t.Fatal(err)
			}
			ev, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.Op != OpAdd || ev.CPUMilli != tt.cpu || ev.MemoryBytes != tt.mem {
				t.Errorf("%v: cpu %dm memory %d, want %dm %d", ev.Op, ev.CPUMilli, ev.MemoryBytes, tt.cpu, tt.mem)
			}
			if sum.WithSpec != 1 {
				t.Errorf("WithSpec = %d, want 1", sum.WithSpec)
			}
		})
	}
}

// TestAuditRequestsSources: the response's spec (after defaulting and
// admission) wins over the request's; a running pod takes its requests from
// the object in its status update; a pod never seen with a spec has none;
// dels carry none.
func TestAuditRequestsSources(t *testing.T) {
	in := auditLine("create", "s", "a", "", 201, "00:00Z",
		`{"kind":"Pod","spec":{"containers":[{"resources":{"requests":{"cpu":"1"}}}]}}`,
		`{"kind":"Pod","metadata":{"uid":"ua"},"spec":{"containers":[{"resources":{"requests":{"cpu":"1"}}}],"overhead":{"cpu":"100m"}}}`) +
		auditBind("s", "a", "ua", "n1", "00:01Z") +
		auditLine("patch", "s", "r", "status", 200, "00:02Z", `{"status":{}}`,
			`{"kind":"Pod","metadata":{"uid":"ur"},"spec":{"nodeName":"n2","containers":[{"resources":{"requests":{"memory":"64Mi"}}}]}}`) +
		auditBind("s", "b", "ub", "n1", "00:03Z") +
		auditDel("s", "a", "ua", 0, "00:04Z")
	r, sum, err := ReadAudit(strings.NewReader(in), "test.jsonl", DefaultAuditOptions())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("%s %s %s cpu=%d mem=%d", formatSeconds(ev.At), ev.Op, ev.Pod, ev.CPUMilli, ev.MemoryBytes))
	}
	want := []string{
		"0 running s/r cpu=0 mem=67108864",
		"1 add s/a cpu=1100 mem=0",
		"3 add s/b cpu=0 mem=0",
		"4 del s/a cpu=0 mem=0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum.WithSpec != 2 || sum.AlreadyRunning != 1 || sum.PodsAdded != 2 {
		t.Errorf("summary %v", sum)
	}
}

func TestAuditLimitErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		opts    AuditOptions
		line    int
		field   string
		msgPart string
	}{
		{"bad cpu", auditPodCreate(`"containers":[{"name":"a"},{"resources":{"requests":{"cpu":"1x"}}}]`), DefaultAuditOptions(),
			1, "responseObject.spec.containers[1].resources.requests.cpu", `"1x" is not a cpu quantity: unknown suffix "x"`},
		{"negative init memory", auditPodCreate(`"containers":[{}],"initContainers":[{"resources":{"limits":{"memory":"-1Gi"}}}]`), DefaultAuditOptions(),
			1, "responseObject.spec.initContainers[0].resources.limits.memory", "negative"},
		{"bad overhead", auditPodCreate(`"containers":[{"name":"a"}],"overhead":{"cpu":true}`), DefaultAuditOptions(),
			1, "responseObject.spec.overhead.cpu", "not a cpu quantity"},
		{"total too large", auditPodCreate(`"containers":[{"resources":{"requests":{"memory":"1Pi"}}},{"resources":{"requests":{"memory":"1"}}}]`), DefaultAuditOptions(),
			1, "responseObject.spec", "memory requests add up to more than 1Pi"},
		{"grace over 100 years", auditBind("s", "a", "u", "n", "00:00Z") + auditDel("s", "a", "u", 1e12, "00:01Z"), DefaultAuditOptions(),
			2, "requestObject.gracePeriodSeconds", "1000000000000 seconds is more than 100 years"},
		{"spec grace over 100 years", auditPodCreate(`"terminationGracePeriodSeconds":3153600001,"containers":[]`), DefaultAuditOptions(),
			1, "responseObject.spec.terminationGracePeriodSeconds", "more than 100 years"},
		{"delete ends too late", auditBind("s", "a", "u", "n", "00:00Z") + auditDel("s", "a", "u", 3153600000, "00:01Z"), DefaultAuditOptions(),
			2, "requestObject.gracePeriodSeconds", "would go at 3153600001 s, after the latest trace time"},
		{"log spans over 100 years", auditBind("s", "a", "u", "n", "00:00Z") +
			strings.Replace(auditBind("s", "b", "u", "n", "00:00Z"), "2024-01-01", "2124-01-02", 1), DefaultAuditOptions(),
			2, "stageTimestamp", `"2124-01-02T00:00:00Z" is more than 100 years after the log's first timestamp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadAudit(strings.NewReader(tt.in), "test.jsonl", tt.opts)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msgPart) {
				t.Errorf("error %+v\nwant line %d field %q msg containing %q", *pe, tt.line, tt.field, tt.msgPart)
			}
		})
	}
	for _, g := range []time.Duration{-time.Second, time.Duration(MaxTraceTime) + 1} {
		if _, _, err := ReadAudit(strings.NewReader(""), "x", AuditOptions{GracePeriod: &g}); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("grace period %v: %v", g, err)
		}
	}
}
