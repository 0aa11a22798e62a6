package scenarios

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
)

// ClusterSubnet is a "subnet:" line of a cluster scenario:
//
//	subnet: NAME CIDR [reserve=CIDR]... [foreign-every=K] [cni]
//
// reserve= adds a subnet CIDR reservation of type prefix; foreign-every=K
// marks every K-th address as used by something outside the cluster (a
// fragmented, shared subnet); cni tags it kubernetes.io/role/cni for subnet
// discovery.
type ClusterSubnet struct {
	Name         string
	CIDR         netip.Prefix
	Reserve      []netip.Prefix
	ForeignEvery int
	CNI          bool
	line         int
}

// ClusterGroup is a "group:" line of a cluster scenario:
//
//	group: NAME type=T count=N subnets=A[,B] [pod-subnet=C] [max-pods=N]
//	       [daemonset-pods=N] [join=D] [stagger=D] [leave=D]
//	       [autoscale-max=N] [boot-delay=D] [set=KEY=VALUE]...
//
// set= settings apply on top of the scenario's set lines, for this group.
type ClusterGroup struct {
	Name          string
	InstanceType  string
	Count         int
	Subnets       []string
	PodSubnet     string
	MaxPods       int
	DaemonSetPods int
	Join          time.Duration
	Stagger       time.Duration
	Leave         time.Duration
	AutoscaleMax  int
	BootDelay     time.Duration
	Settings      []string
	line          int
}

// Line is the line of the scenario file that gives the group.
func (g ClusterGroup) Line() int { return g.line }

// IsCluster reports whether the scenario describes a cluster.
func (s *Scenario) IsCluster() bool { return len(s.Groups) > 0 }

func parseClusterSubnet(value string) (ClusterSubnet, error) {
	f := strings.Fields(value)
	if len(f) < 2 {
		return ClusterSubnet{}, fmt.Errorf("want NAME CIDR [reserve=CIDR]... [foreign-every=K] [cni], got %q", clip(value))
	}
	sn := ClusterSubnet{Name: f[0]}
	if err := checkScenarioName(sn.Name); err != nil {
		return sn, fmt.Errorf("subnet name: %v", err)
	}
	p, err := netip.ParsePrefix(f[1])
	if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 28 {
		return sn, fmt.Errorf("%q is not an IPv4 subnet /16 to /28", clip(f[1]))
	}
	if p != p.Masked() {
		return sn, fmt.Errorf("%s has host bits set (the subnet is %s)", f[1], p.Masked())
	}
	sn.CIDR = p
	for _, opt := range f[2:] {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "reserve":
			r, err := netip.ParsePrefix(v)
			if err != nil || !r.Addr().Is4() || !sn.CIDR.Contains(r.Addr()) || r.Bits() > 28 || r.Bits() < sn.CIDR.Bits() {
				return sn, fmt.Errorf("reserve=%q: want a /28 or larger block inside %s", clip(v), sn.CIDR)
			}
			if r != r.Masked() {
				return sn, fmt.Errorf("reserve=%s has host bits set (the block is %s)", v, r.Masked())
			}
			for _, o := range sn.Reserve {
				if o.Overlaps(r) {
					return sn, fmt.Errorf("reserve=%s overlaps reserve=%s", r, o)
				}
			}
			sn.Reserve = append(sn.Reserve, r)
		case "foreign-every":
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 {
				return sn, fmt.Errorf("foreign-every=%q: want a whole number >= 2", clip(v))
			}
			sn.ForeignEvery = n
		case "cni":
			if v != "" {
				return sn, fmt.Errorf("cni takes no value")
			}
			sn.CNI = true
		default:
			return sn, fmt.Errorf("unknown subnet option %q (want reserve=, foreign-every=, cni)", clip(opt))
		}
	}
	return sn, nil
}

func parseClusterGroup(value string) (ClusterGroup, error) {
	f := strings.Fields(value)
	if len(f) < 2 {
		return ClusterGroup{}, fmt.Errorf("want NAME type=T count=N subnets=A[,B] [options], got %q", clip(value))
	}
	g := ClusterGroup{Name: f[0], DaemonSetPods: 2}
	if err := checkScenarioName(g.Name); err != nil {
		return g, fmt.Errorf("group name: %v", err)
	}
	seen := map[string]bool{}
	for _, opt := range f[1:] {
		k, v, ok := strings.Cut(opt, "=")
		if !ok || v == "" {
			return g, fmt.Errorf("group option %q: want KEY=VALUE", clip(opt))
		}
		if seen[k] && k != "set" {
			return g, fmt.Errorf("group option %s given twice", k)
		}
		seen[k] = true
		num := func(min int) (int, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n < min {
				return 0, fmt.Errorf("%s=%q: want a whole number >= %d", k, clip(v), min)
			}
			return n, nil
		}
		dur := func() (time.Duration, error) {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > MaxDuration {
				return 0, fmt.Errorf("%s=%q: want a duration from 0 to %s such as 90s", k, clip(v), MaxDuration)
			}
			return d, nil
		}
		var err error
		switch k {
		case "type":
			g.InstanceType = v
		case "count":
			g.Count, err = num(0)
		case "subnets":
			g.Subnets = strings.Split(v, ",")
			for _, n := range g.Subnets {
				if n == "" {
					return g, fmt.Errorf("subnets=%q: an empty subnet name", clip(v))
				}
			}
		case "pod-subnet":
			g.PodSubnet = v
		case "max-pods":
			g.MaxPods, err = num(1)
			if err == nil && g.MaxPods > MaxMaxPods {
				err = fmt.Errorf("max-pods=%q: want a whole number from 1 to %d", clip(v), MaxMaxPods)
			}
		case "daemonset-pods":
			g.DaemonSetPods, err = num(0)
			if err == nil && g.DaemonSetPods > MaxMaxPods {
				err = fmt.Errorf("daemonset-pods=%q: want a whole number from 0 to %d", clip(v), MaxMaxPods)
			}
		case "join":
			g.Join, err = dur()
		case "stagger":
			g.Stagger, err = dur()
		case "leave":
			g.Leave, err = dur()
		case "autoscale-max":
			g.AutoscaleMax, err = num(1)
		case "boot-delay":
			g.BootDelay, err = dur()
		case "set":
			g.Settings = append(g.Settings, v)
		default:
			return g, fmt.Errorf("unknown group option %q (want type, count, subnets, pod-subnet, max-pods, daemonset-pods, join, stagger, leave, autoscale-max, boot-delay, set)", k)
		}
		if err != nil {
			return g, err
		}
	}
	if g.InstanceType == "" {
		return g, fmt.Errorf("group %s: type= is required", g.Name)
	}
	if len(g.Subnets) == 0 {
		return g, fmt.Errorf("group %s: subnets= is required", g.Name)
	}
	if g.Count == 0 && g.AutoscaleMax == 0 {
		return g, fmt.Errorf("group %s: count=0 without autoscale-max never has a node", g.Name)
	}
	if g.AutoscaleMax > 0 && g.AutoscaleMax < g.Count {
		return g, fmt.Errorf("group %s: autoscale-max=%d is below count=%d", g.Name, g.AutoscaleMax, g.Count)
	}
	if g.Count > 1 && (MaxDuration-g.Join)/time.Duration(g.Count-1) < g.Stagger {
		return g, fmt.Errorf("group %s: its last node would join after %s (join + stagger x (count-1))", g.Name, MaxDuration)
	}
	return g, nil
}

// checkCluster validates the cluster lines against each other: subnet names
// unique and known to the groups that use them, group names unique, group
// settings valid on top of the base settings.
func (s *Scenario) checkCluster(base ipam.Settings) error {
	if len(s.Groups) == 0 {
		return s.errorf(1, "group", "a cluster scenario needs at least one group line")
	}
	known := map[string]bool{}
	size := map[string]int{} // prefix length
	for i, sn := range s.Subnets {
		size[sn.Name] = sn.CIDR.Bits()
		if known[sn.Name] {
			return s.errorf(sn.line, "subnet", "subnet %q defined twice", sn.Name)
		}
		known[sn.Name] = true
		// Subnets of one VPC never overlap: overlapping lines would count
		// the same addresses twice.
		for _, o := range s.Subnets[:i] {
			if o.CIDR.Overlaps(sn.CIDR) {
				return s.errorf(sn.line, "subnet", "subnet %s %s overlaps subnet %s %s (line %d)", sn.Name, sn.CIDR, o.Name, o.CIDR, o.line)
			}
		}
	}
	names := map[string]bool{}
	for _, g := range s.Groups {
		if names[g.Name] {
			return s.errorf(g.line, "group", "group %q defined twice", g.Name)
		}
		names[g.Name] = true
		room := 0
		for _, sn := range append(append([]string{}, g.Subnets...), g.PodSubnet) {
			if sn != "" && !known[sn] {
				return s.errorf(g.line, "group", "group %s: unknown subnet %q", g.Name, sn)
			}
		}
		for _, sn := range g.Subnets {
			room += 1 << (32 - size[sn])
		}
		// Every node takes an address of its subnets for its primary ENI.
		if n := max(g.Count, g.AutoscaleMax); n > room {
			return s.errorf(g.line, "group", "group %s: %d nodes cannot fit in subnets %s (%d addresses)", g.Name, n, strings.Join(g.Subnets, ","), room)
		}
		st := base
		for _, kv := range g.Settings {
			if err := setOne(&st, kv); err != nil {
				return s.errorf(g.line, "group", "group %s: %v", g.Name, err)
			}
		}
	}
	return nil
}

// GroupSettings applies the base settings, the variant's, then the group's
// own set= values to dst.
func (s *Scenario) GroupSettings(dst *ipam.Settings, variant string, g ClusterGroup) error {
	if err := s.ApplySettings(dst, variant); err != nil {
		return err
	}
	for _, kv := range g.Settings {
		if err := setOne(dst, kv); err != nil {
			return s.errorf(g.line, "group", "group %s: %v", g.Name, err)
		}
	}
	return nil
}
