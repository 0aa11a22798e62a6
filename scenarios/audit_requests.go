package scenarios

// A pod's CPU and memory requests as the Kubernetes scheduler counts them,
// from the pod spec in an audit event.

import (
	"errors"
	"fmt"
	"strconv"
)

// podRequests returns the CPU (millicores) and memory (bytes) requests of
// pod, whose spec is at field, as the scheduler counts them (Kubernetes'
// resource.PodRequests in k8s.io/component-helpers, the "effective
// request" of the Kubernetes docs, with the API server's defaulting):
//
//  1. A container's request for a resource is its resources.requests entry,
//     or, if it has none, its resources.limits entry (the API server
//     defaults requests to limits); else 0.
//  2. Regular containers and sidecars (init containers with restartPolicy
//     Always) run together: their requests add up.
//  3. Init containers run one at a time, each beside the sidecars listed
//     before it: the init phase needs, at most, the largest of an init
//     container's request plus those earlier sidecars' (for a sidecar: the
//     sidecars up to and including it).
//  4. The pod needs the larger of 2 and 3.
//  5. Pod-level resources (spec.resources, PodLevelResources) replace 4 for
//     a resource they request; pod-level limits alone stand for the request
//     when no container names the resource (the API server's defaulting).
//  6. The pod overhead (spec.overhead, set from the RuntimeClass) is added.
//
// Each quantity is rounded up to 1m or 1 byte as it is read, as ParseCPU
// and ParseMemory do; Kubernetes rounds the exact sum, which differs only
// for requests finer than a millicore. Another resource (ephemeral-storage,
// GPUs, ...) is not read. A quantity that ParseCPU or ParseMemory refuses,
// or a total above MaxCPUMilli or MaxMemoryBytes, is a *ParseError naming
// its field.
func (p *auditParser) podRequests(line int, field string, pod *auditPod) (cpu, mem int64, err error) {
	var total [2]int64
	for r, res := range [2]string{"cpu", "memory"} {
		v, err := p.podRequest(line, field, pod, res)
		if err != nil {
			return 0, 0, err
		}
		total[r] = v
	}
	return total[0], total[1], nil
}

// podRequest returns pod's request for res, "cpu" or "memory".
func (p *auditParser) podRequest(line int, field string, pod *auditPod, res string) (int64, error) {
	parse, limit, limitText := ParseCPU, int64(MaxCPUMilli), "1000000 cores"
	if res == "memory" {
		parse, limit, limitText = ParseMemory, MaxMemoryBytes, "1Pi"
	}
	quantity := func(q auditQuantity, f string) (int64, error) {
		text := string(q)
		if len(q) > 0 && q[0] == '"' {
			s, err := strconv.Unquote(text)
			if err != nil {
				return 0, p.errorf(line, f, "%s is not a JSON string", quote(q))
			}
			text = s
		}
		v, err := parse(text)
		if err != nil {
			var qe *QuantityError
			if errors.As(err, &qe) {
				return 0, p.errorf(line, f, "%s is not a %s quantity: %s", strconv.Quote(text), res, qe.Msg)
			}
			return 0, p.errorf(line, f, "%v", err)
		}
		return v, nil
	}
	// sum adds saturating above limit, so that a total too large is caught
	// without overflow.
	sum := func(a, b int64) int64 { return min(a+b, limit+1) }
	// request returns a container's request (rule 1) and whether it names
	// the resource at all.
	request := func(c *auditContainer, f string) (int64, bool, error) {
		if q, ok := c.Resources.Requests[res]; ok && !auditIsNull(q) {
			v, err := quantity(q, f+".resources.requests."+res)
			return v, true, err
		}
		if q, ok := c.Resources.Limits[res]; ok && !auditIsNull(q) {
			v, err := quantity(q, f+".resources.limits."+res)
			return v, true, err
		}
		return 0, false, nil
	}

	var regular, sidecars, initPhase int64
	named := false
	for i := range pod.Spec.Containers {
		v, ok, err := request(&pod.Spec.Containers[i], fmt.Sprintf("%s.containers[%d]", field, i))
		if err != nil {
			return 0, err
		}
		regular, named = sum(regular, v), named || ok
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		v, ok, err := request(c, fmt.Sprintf("%s.initContainers[%d]", field, i))
		if err != nil {
			return 0, err
		}
		named = named || ok
		if c.RestartPolicy == "Always" { // a sidecar
			regular = sum(regular, v)
			sidecars = sum(sidecars, v)
			initPhase = max(initPhase, sidecars)
		} else {
			initPhase = max(initPhase, sum(v, sidecars))
		}
	}
	total := max(regular, initPhase)
	if pr := pod.Spec.Resources; pr != nil {
		if q, ok := pr.Requests[res]; ok && !auditIsNull(q) {
			v, err := quantity(q, field+".resources.requests."+res)
			if err != nil {
				return 0, err
			}
			total = v
		} else if q, ok := pr.Limits[res]; ok && !auditIsNull(q) && !named {
			v, err := quantity(q, field+".resources.limits."+res)
			if err != nil {
				return 0, err
			}
			total = v
		}
	}
	if q, ok := pod.Spec.Overhead[res]; ok && !auditIsNull(q) {
		v, err := quantity(q, field+".overhead."+res)
		if err != nil {
			return 0, err
		}
		total = sum(total, v)
	}
	if total > limit {
		return 0, p.errorf(line, field, "the pod's %s requests add up to more than %s", res, limitText)
	}
	return total, nil
}
