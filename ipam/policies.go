package ipam

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/sim"
)

// The other CNIs' pool policies (other-policies.md A1–A6) behind Policy, on the
// same ENI/EC2 model as the VPC CNI so their EC2 calls and throttling compare:
// the registry, parameter parsing, and the machinery they share.
//
// A policy value keeps per-node state keyed by the node, so one value may
// serve every node of a node group (ipam/cluster shares it).

// ParamSpec is one parameter of a policy: its name as the project spells it,
// the project's default, and where the rule comes from.
type ParamSpec struct {
	Name    string
	Default string
	Help    string
}

type policyDef struct {
	params []ParamSpec
	build  func(v *paramValues) Policy
}

var policyRegistry = map[string]policyDef{
	"vpc-cni":    {build: func(*paramValues) Policy { return VPCCNI{} }},
	"cilium-eni": {params: ciliumParams, build: buildCilium},
	"azure-cns":  {params: azureParams, build: buildAzure},
	"terway":     {params: terwayParams, build: buildTerway},
	"static":     {params: staticParams, build: buildStatic},
	"calico":     {params: calicoParams, build: buildCalico},
}

// PolicyNames lists the --policy names, sorted.
func PolicyNames() []string {
	names := make([]string, 0, len(policyRegistry))
	for k := range policyRegistry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// PolicyError is an unknown policy or a parameter it does not accept.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }

// PolicyParams returns a policy's parameters with their defaults.
func PolicyParams(name string) ([]ParamSpec, error) {
	d, ok := policyRegistry[name]
	if !ok {
		return nil, unknownPolicy(name)
	}
	return append([]ParamSpec(nil), d.params...), nil
}

func unknownPolicy(name string) error {
	return &PolicyError{fmt.Sprintf("unknown policy %q (valid: %s)", name, strings.Join(PolicyNames(), ", "))}
}

// validParams is "name=default, ..." for error messages.
func validParams(name string, ps []ParamSpec) string {
	if len(ps) == 0 {
		return fmt.Sprintf("%s takes no parameters", name)
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + p.Default
	}
	return fmt.Sprintf("valid parameters of %s, with their defaults: %s", name, strings.Join(parts, ", "))
}

// NewPolicy builds the named policy with params (name → value, the project's
// spelling); parameters not given take the project's defaults. An unknown
// policy, an unknown parameter or a value that does not parse is a
// *PolicyError naming what is valid. "vpc-cni" is VPCCNI{} and takes no
// parameters (its knobs are the VPC CNI variables, --set).
func NewPolicy(name string, params map[string]string) (Policy, error) {
	d, ok := policyRegistry[name]
	if !ok {
		return nil, unknownPolicy(name)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, p := range d.params {
			found = found || p.Name == k
		}
		if !found {
			return nil, &PolicyError{fmt.Sprintf("policy %s: unknown parameter %q (%s)", name, k, validParams(name, d.params))}
		}
	}
	v := &paramValues{policy: name, specs: d.params, given: params}
	p := d.build(v)
	if v.err != nil {
		return nil, v.err
	}
	return p, nil
}

// paramValues parses a policy's parameters, keeping the first error.
type paramValues struct {
	policy string
	specs  []ParamSpec
	given  map[string]string
	err    error
}

func (v *paramValues) raw(name string) string {
	if s, ok := v.given[name]; ok {
		return strings.TrimSpace(s)
	}
	for _, p := range v.specs {
		if p.Name == name {
			return p.Default
		}
	}
	panic("ipam: policy parameter " + name + " not declared")
}

func (v *paramValues) fail(name, value, why string) {
	if v.err == nil {
		v.err = &PolicyError{fmt.Sprintf("policy %s: %s=%q: %s (%s)", v.policy, name, value, why, validParams(v.policy, v.specs))}
	}
}

// int parses a whole number in [lo, hi].
func (v *paramValues) int(name string, lo, hi int) int {
	s := v.raw(name)
	n, err := strconv.Atoi(s)
	if err != nil {
		v.fail(name, s, "not a whole number")
		return 0
	}
	if n < lo || n > hi {
		v.fail(name, s, fmt.Sprintf("must be between %d and %d", lo, hi))
		return 0
	}
	return n
}

func (v *paramValues) bool(name string) bool {
	s := v.raw(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.fail(name, s, "not a boolean (true/false)")
	}
	return b
}

func (v *paramValues) float(name string, lo, hi float64) float64 {
	s := v.raw(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi {
		v.fail(name, s, fmt.Sprintf("want a number from %g to %g", lo, hi))
		return 0
	}
	return f
}

// duration parses a Go duration ("15s", "10m"); "" (unset) is 0 when
// allowUnset.
func (v *paramValues) duration(name string, allowUnset bool) sim.Time {
	s := v.raw(name)
	if s == "" && allowUnset {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !allowUnset) {
		v.fail(name, s, "want a positive duration such as 30s or 10m")
		return 0
	}
	return sim.Time(d)
}

// ---- node settings a policy needs (interim for a datastore hook) ----

// settingsNeeder is a policy whose agent hands out pod addresses with other
// semantics than ipamd's datastore defaults.
type settingsNeeder interface{ nodeSettings() []string }

// PolicySettings returns the VPC CNI variables (KEY=VALUE) the node must run
// with for p, applied after the user's: IP_COOLDOWN_PERIOD=0 for agents that
// reuse a freed address at once (Cilium, CNS, Terway, Calico and host-local
// hand a released IP out again without ipamd's 30 s cooldown), and prefix mode
// for the datastore where a policy holds whole blocks (A5, A6: a /28-aligned
// block is kept as /28 CIDRs on the primary ENI, with no ENI call). Whoever
// builds a node with a policy applies them to its settings (ipamsim compare
// does; NewNode may do it itself).
func PolicySettings(p Policy) []string {
	if s, ok := p.(settingsNeeder); ok {
		return s.nodeSettings()
	}
	return nil
}

// podChanges counts the events that change the set of addresses in use: an
// address handed out, or a pod holding one deleted.
func podChanges(n *Node) uint64 {
	c := &n.Counters
	return c.PodsAssigned + c.DelRequests - c.PodsCancelled
}

// soonest keeps the earliest of several timers for TimerPolicy.NextTimer.
type soonest struct {
	now     sim.Time
	at      sim.Time
	pending bool
}

func (s *soonest) add(t sim.Time) {
	if t <= s.now {
		t = s.now + 1
	}
	if !s.pending || t < s.at {
		s.at, s.pending = t, true
	}
}

// ---- EC2-backed growth and release shared by the operator-style policies ----

// growBy is how the operator-style policies (A1–A3) turn an address count
// into EC2 actions: it adds at least want addresses with one EC2 action per
// ENI, as the VPC CNI's primitives do them: existing ENIs first, in walk
// order, each topped up with at most perCall addresses (0: no cap); only when
// none has room, new ENIs with at most perCall each. It reports whether every
// call succeeded and whether any EC2 call was made.
func growBy(n *Node, want, perCall int) (ok, called bool) {
	per := n.lim.addrsPerCIDR()
	slots := n.lim.CIDRsPerENI()
	capped := func(k int) int {
		if perCall > 0 {
			return min(k, perCall)
		}
		return k
	}
	for _, e := range n.ds.AllocatableENIs(slots, n.set.CustomNetworking) {
		if want <= 0 {
			return true, called
		}
		room := slots - len(e.CIDRs())
		if room <= 0 {
			continue
		}
		k := min(room, divCeil(capped(want), per))
		called = true
		if grew, _ := n.AssignToENI(e, k); !grew {
			return false, true
		}
		want -= k * per
	}
	for want > 0 {
		if !n.HasRoomForENI() {
			return false, called
		}
		k := min(slots, divCeil(capped(want), per))
		called = true
		if n.AllocENI(k) != OK {
			return false, true
		}
		want -= k * per
	}
	return true, called
}

// releaseFree is their release (A2 PendingRelease, A3 trim and reclaim): it
// returns up to count addresses that no pod holds (whole CIDRs only), walking
// ENIs from the last attached back to the primary so the newest ENIs empty
// first, with at most perCall CIDRs per UnassignPrivateIpAddresses (0: no
// cap). It returns how many addresses left.
func releaseFree(n *Node, count, perCall int) (released int) {
	per := n.lim.addrsPerCIDR()
	cidrs := count / per
	enis := append([]*ENI(nil), n.ds.ENIs()...)
	for i := len(enis) - 1; i >= 0 && cidrs > 0; {
		e := enis[i]
		var cs []*CIDR
		for _, c := range e.CIDRs() {
			if c.Assigned() == 0 && n.ds.counts(c) {
				cs = append(cs, c)
			}
		}
		// Highest addresses first: the lowest ones are the ones first-fit
		// hands out.
		slices.Reverse(cs)
		k := min(len(cs), cidrs)
		if perCall > 0 {
			k = min(k, perCall)
		}
		if k == 0 {
			i--
			continue
		}
		cidrs -= k
		released += k * per
		n.ReleaseCIDRs(e, cs[:k])
	}
	return released
}

// freeCIDRAddrs is the addresses in CIDRs no pod holds, which a release can
// return.
func freeCIDRAddrs(n *Node) int {
	k := 0
	for _, e := range n.ds.ENIs() {
		for _, c := range e.CIDRs() {
			if c.Assigned() == 0 && n.ds.counts(c) {
				k += int(c.size)
			}
		}
	}
	return k
}

// ---- addresses held without ENI calls (A5 static, A6 Calico) ----

// maxCIDRsPerENI is the datastore's limit on CIDRs per ENI (one bit each in
// ENI.freeMask).
const maxCIDRsPerENI = 64

// holdBlock takes a block of size addresses (a power of two) from the node's
// subnet and makes it assignable on the primary ENI without any EC2 call: as
// size/16 /28 prefixes when the datastore is in prefix mode, else as /32s. The
// addresses are recorded as the primary ENI's, so Terminate returns them to
// the subnet (A5: released when the node is deleted). It returns the block's
// CIDRs, or false when the subnet (or the datastore) cannot hold it.
func holdBlock(n *Node, size int) ([]*CIDR, bool) {
	e := primaryENI(n)
	if e == nil {
		return nil, false
	}
	var ps []netip.Prefix
	if n.ds.pd {
		for k := 0; k < divCeil(size, 16); k++ {
			p, ok := n.subnet.AllocPrefix28()
			if !ok {
				releasePrefixes(n.subnet, ps)
				return nil, false
			}
			ps = append(ps, p)
		}
	} else {
		for k := 0; k < size; k++ {
			a, ok := n.subnet.AllocAddr()
			if !ok {
				releasePrefixes(n.subnet, ps)
				return nil, false
			}
			ps = append(ps, netip.PrefixFrom(a, 32))
		}
	}
	if len(e.CIDRs())+len(ps) > maxCIDRsPerENI {
		releasePrefixes(n.subnet, ps)
		return nil, false
	}
	cs := make([]*CIDR, len(ps))
	for i, p := range ps {
		cs[i] = n.ds.AddCIDR(e, p)
	}
	n.eniAddrs[e.ID] = append(n.eniAddrs[e.ID], ps...)
	return cs, true
}

// dropBlock returns a held block that no pod uses to the subnet.
func dropBlock(n *Node, cs []*CIDR) {
	e := primaryENI(n)
	ps := make([]netip.Prefix, 0, len(cs))
	for _, c := range cs {
		if err := n.ds.DelCIDR(c); err != nil {
			panic("ipam: dropping a block a pod still uses")
		}
		ps = append(ps, c.Prefix)
	}
	releasePrefixes(n.subnet, ps)
	if e != nil {
		n.eniAddrs[e.ID] = removePrefixes(n.eniAddrs[e.ID], ps)
	}
}

func releasePrefixes(s *Subnet, ps []netip.Prefix) {
	for _, p := range ps {
		s.Release(p)
	}
}

func primaryENI(n *Node) *ENI {
	for _, e := range n.ds.ENIs() {
		if e.Primary {
			return e
		}
	}
	return nil
}
