package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/promexport"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// clusterSpec builds the cluster a scenario describes, for one variant, with
// the command line's settings applied to every group.
func (o *runOptions) clusterSpec(sc *scenarios.Scenario, variant string, order ipam.AssignOrder, profile ipam.Profile) (cluster.Spec, error) {
	placement, err := cluster.ParsePlacement(sc.Placement)
	if err != nil {
		return cluster.Spec{}, usageError{err}
	}
	spec := cluster.Spec{Placement: placement, Order: order, Profile: profile, Seed: o.seed}
	for _, sn := range sc.Subnets {
		spec.Subnets = append(spec.Subnets, cluster.SubnetSpec{Name: sn.Name, CIDR: sn.CIDR,
			PrefixReservations: sn.Reserve, ForeignEvery: sn.ForeignEvery, CNI: sn.CNI})
	}
	for _, g := range sc.Groups {
		inst, err := catalog.Lookup(g.InstanceType)
		if err != nil {
			return spec, fmt.Errorf("group %s: %w", g.Name, err)
		}
		settings := ipam.DefaultSettings()
		if err := sc.GroupSettings(&settings, variant, g); err != nil {
			return spec, err
		}
		if err := o.applySettings(&settings); err != nil {
			return spec, err
		}
		gs := cluster.GroupSpec{Name: g.Name, Instance: inst, Count: g.Count, Settings: settings,
			MaxPods: g.MaxPods, DaemonSetPods: g.DaemonSetPods, Subnets: g.Subnets, PodSubnet: g.PodSubnet,
			JoinAt: sim.Time(g.Join), JoinStagger: sim.Time(g.Stagger), LeaveAt: sim.Time(g.Leave)}
		if o.changed["max-pods"] {
			gs.MaxPods = o.maxPods
		}
		if g.AutoscaleMax > 0 {
			gs.Autoscale = &cluster.Autoscale{Max: g.AutoscaleMax, BootDelay: sim.Time(g.BootDelay)}
		}
		spec.Groups = append(spec.Groups, gs)
	}
	return spec, nil
}

// runClusterScenario runs a cluster scenario's variants.
func (o *runOptions) runClusterScenario(sc *scenarios.Scenario, variants []string, order ipam.AssignOrder, profile ipam.Profile, stdout io.Writer) error {
	if o.timeline != "" {
		return usageError{fmt.Errorf("--timeline describes one node; scenario %s is a cluster: use --series", sc.Name)}
	}
	var sums []replay.ClusterSummary
	for _, variant := range variants {
		spec, err := o.clusterSpec(sc, variant, order, profile)
		if err != nil {
			return err
		}
		eng := sim.NewEngine()
		c, err := cluster.New(eng, spec)
		if err != nil {
			return usageError{err}
		}
		src, err := sc.Workload(o.seed)
		if err != nil {
			return err
		}
		opt := replay.ClusterOptions{Drain: sim.Time(o.drain), SampleEvery: sim.Time(o.sampleEvery)}
		var series *atomicFile
		var sw *bufio.Writer
		if o.series != "" {
			if series, err = createAtomic(o.series); err != nil {
				return err
			}
			defer series.abort()
			sw = bufio.NewWriter(series)
			writeSeriesHeader(sw, c)
			opt.OnSample = func(s replay.ClusterSample) { writeSeriesRow(sw, s) }
		}
		sum, err := replay.RunCluster(eng, c, src, opt, profile.Name, spec.Placement.String(), o.seed)
		if cl, ok := src.(io.Closer); ok {
			cl.Close()
		}
		if err != nil {
			return err
		}
		if o.metricsFile != "" {
			if err := promexport.WriteCluster(o.metricsFile, c, sum); err != nil {
				return err
			}
		}
		if series != nil {
			if err := sw.Flush(); err != nil {
				return err
			}
			if err := series.commit(); err != nil {
				return err
			}
		}
		sums = append(sums, sum)
	}
	out := bufio.NewWriter(stdout)
	if o.output == "json" {
		if err := writeJSON(out, variants, sums); err != nil {
			return err
		}
		return out.Flush()
	}
	fmt.Fprintf(out, "scenario      %s: %s\n", sc.Name, sc.Question)
	for i, s := range sums {
		if len(sums) > 1 {
			fmt.Fprintf(out, "\n== variant %s\n", variants[i])
		}
		if err := s.WriteText(out); err != nil {
			return err
		}
	}
	return out.Flush()
}

func writeSeriesHeader(w *bufio.Writer, c *cluster.Cluster) {
	w.WriteString("at,nodes,enis,addresses_held,addresses_assigned,pods_waiting,pods_pending")
	for _, sn := range c.Subnets() {
		fmt.Fprintf(w, ",%s_free,%s_free_28,%s_fragmentation", sn.Spec.Name, sn.Spec.Name, sn.Spec.Name)
	}
	w.WriteByte('\n')
}

func writeSeriesRow(w *bufio.Writer, s replay.ClusterSample) {
	b := replay.AppendSeconds(nil, s.At)
	for _, v := range []int{s.Nodes, s.ENIs, s.Held, s.Assigned, s.Waiting, s.Pending} {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	for i := range s.SubnetFree {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s.SubnetFree[i]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s.SubnetFree8[i]), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, s.SubnetFrag[i], 'f', 3, 64)
	}
	b = append(b, '\n')
	w.Write(b)
}
