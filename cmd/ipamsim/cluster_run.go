package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/ipamsim/ipamsim/internal/outputs"
	"github.com/ipamsim/ipamsim/internal/progress"
	"github.com/ipamsim/ipamsim/ipam/cluster"
	"github.com/ipamsim/ipamsim/scenarios/promexport"
	"github.com/ipamsim/ipamsim/scenarios/replay"
	"github.com/ipamsim/ipamsim/sim"
)

// runCluster runs a cluster scenario's runs (its base and variants, or the
// one --variant names).
func (o *runOptions) runCluster(setups []*replay.Setup, variants []string, outs *outputs.Set, files map[string]*outputs.File, stdout, stderr io.Writer) error {
	if o.timeline != "" {
		return usageError{fmt.Errorf("--timeline describes one node; scenario %s is a cluster: use --series", setups[0].Scenario.Name)}
	}
	var sums []replay.ClusterSummary
	for _, setup := range setups {
		opt := replay.ClusterOptions{SampleEvery: sim.Time(o.sampleEvery)}
		events := openLogs(files, true, &setup.Cluster.Events)
		var sw *bufio.Writer
		if f := files["--series"]; f != nil {
			sw = bufio.NewWriter(f)
			opt.OnStart = func(c *cluster.Cluster) { writeSeriesHeader(sw, c) }
			opt.OnSample = func(s replay.ClusterSample) { writeSeriesRow(sw, s) }
		}
		coarse := boundSamples(&opt.MaxSamples, &opt.OnCoarsen, maxSeriesRows)
		var meter runMeter
		onSample := opt.OnSample
		opt.OnSample = func(s replay.ClusterSample) {
			if onSample != nil {
				onSample(s)
			}
			meter.now.Store(int64(s.At))
		}
		line := progress.Start(o.progress, func(el time.Duration) string {
			return fmt.Sprintf("ipamsim run: cluster simulated %s, %s elapsed", time.Duration(meter.now.Load()).Round(time.Second), el.Round(time.Second))
		})
		out, err := setup.ExecuteCluster(opt)
		line.Stop()
		if err != nil {
			return err
		}
		if err := events.flush(sim.Seconds(out.Summary.SimulatedSeconds)); err != nil {
			return err
		}
		for _, w := range setup.Warnings {
			fmt.Fprintf(stderr, "ipamsim run: warning: %s\n", w)
		}
		if *coarse > 0 {
			fmt.Fprintf(stderr, "ipamsim run: warning: --sample-every %s: the run lasted %s of simulated time; the series was sampled every %s from %d samples on\n",
				o.sampleEvery, time.Duration(out.Summary.SimulatedSeconds*float64(time.Second)), time.Duration(*coarse), maxSeriesRows)
		}
		if f := files["--metrics-file"]; f != nil {
			if err := promexport.WriteCluster(f, out.Cluster, out.Summary); err != nil {
				return err
			}
		}
		if sw != nil {
			if err := sw.Flush(); err != nil {
				return err
			}
		}
		sums = append(sums, out.Summary)
	}
	if err := outs.Commit(); err != nil {
		return err
	}
	out := bufio.NewWriter(stdout)
	if o.output == "json" {
		if err := writeJSON(out, variants, sums); err != nil {
			return err
		}
		return out.Flush()
	}
	fmt.Fprintf(out, "scenario      %s\n", setups[0].Heading())
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
	b := s.At.AppendSeconds(nil)
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
