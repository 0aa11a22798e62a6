package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Describe is the plan's heading: workload, candidates and grid, subnets,
// pod size, prices and objective.
func (h *Header) Describe() string {
	var b strings.Builder
	wl := "scenario " + h.Workload.Scenario
	if h.Workload.Variant != "" {
		wl += " (" + h.Workload.Variant + ")"
	}
	if h.Workload.Trace != "" {
		wl = "trace " + h.Workload.Trace
	}
	combos := h.Grid.Len() / max(len(h.Grid.InstanceTypes), 1)
	fmt.Fprintf(&b, "plan of %s: %d candidate types × %d setting combination(s), EC2 %s, seed %d, drain %s\n",
		wl, len(h.Grid.InstanceTypes), combos, h.EC2Profile, h.Seed, h.Drain)
	if h.Group != "" {
		fmt.Fprintf(&b, "nodes         %s\n", h.Group)
	}
	fmt.Fprintf(&b, "subnets       %s: %d free addresses\n", strings.Join(h.Subnets, ", "), h.SubnetFree)
	ps := h.PodSize
	fmt.Fprintf(&b, "pods          %d of %d request %s (the size pods per node are worked out for); the daemonsets request %s on every node\n",
		ps.Pods, ps.Total, ps.Size, h.DaemonSet)
	fmt.Fprintf(&b, "prices        %s\n", h.Prices)
	if len(h.BaseSettings) > 0 {
		fmt.Fprintf(&b, "settings      %s\n", strings.Join(h.BaseSettings, " "))
	}
	if h.Objective.Set() {
		fmt.Fprintf(&b, "objective     %s\n", h.Objective)
	}
	return b.String()
}

// WriteText prints a complete plan for a person to read: one row per
// candidate, the recommendation and the subnets' capacity in nodes.
func (d *Document) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(d.Describe())
	if !d.Complete() {
		fmt.Fprintf(bw, "shard %d/%d: %d of %d points; join the shards' documents with 'ipamsim plan merge'\n",
			d.Shard.Index, d.Shard.Count, len(d.Points), d.PointsTotal)
		return bw.Flush()
	}
	bw.WriteByte('\n')
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	head := "candidate\tvCPU\tGiB\tpods/node\tlimit\tnodes peak\taddr mean\taddr peak\tsubnet min free\tp99 wait\tEC2 calls/h\tthrottled\t$/node-h\t$/h\t$ total"
	if d.Objective.Set() {
		head += "\tmeets"
	}
	fmt.Fprintln(tw, head)
	for i := range d.Candidates {
		c := &d.Candidates[i]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%d\t%.1f\t%d\t%d\t%.3fs\t%.1f\t%d\t%.4f\t%.3f\t%.3f",
			c.Label(), c.VCPUs, gib(c.MemoryMiB), c.PodsPerNode, c.Limit, c.NodesPeak, c.AddressesMean, c.AddressesPeak,
			c.SubnetMinFree, c.WaitP99Seconds, c.EC2CallsPerHour, c.ThrottledCalls, c.USDPerNode, c.USDPerHour, c.USDTotal)
		if d.Objective.Set() {
			fmt.Fprintf(tw, "\t%s", map[bool]string{true: "yes", false: "no"}[c.Meets])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	bw.WriteByte('\n')
	if rec := d.Recommendation; rec != nil {
		d.writeRecommendation(bw, rec)
	} else {
		fmt.Fprintln(bw, "no objective: give --max-p99-wait D (and --min-free-addresses N) for a recommendation")
	}
	bw.WriteByte('\n')
	d.writeCapacity(bw)
	return bw.Flush()
}

func nodes(n int) string {
	if n == 1 {
		return "1 node"
	}
	return fmt.Sprintf("%d nodes", n)
}

func gib(mib int) string {
	if mib%1024 == 0 {
		return fmt.Sprint(mib / 1024)
	}
	return fmt.Sprintf("%.1f", float64(mib)/1024)
}

func (d *Document) writeRecommendation(w *bufio.Writer, rec *Recommendation) {
	if rec.Best < 0 {
		fmt.Fprintf(w, "recommendation: none of the %d candidates meets %s\n", len(d.Candidates), rec.Objective)
	} else {
		c := &d.Candidates[rec.Best]
		fmt.Fprintf(w, "recommendation: %s at %.3f $/h (%s at the peak × %.4f $/h; %.3f $ over the run)\n",
			c.Label(), c.USDPerHour, nodes(c.NodesPeak), c.USDPerNode, c.USDTotal)
		fmt.Fprintf(w, "  meets %s: p99 wait %.3fs, every subnet kept %d free addresses or more; %d of %d candidates meet it\n",
			rec.Objective, c.WaitP99Seconds, c.SubnetMinFree, rec.Meeting, len(d.Candidates))
	}
	if len(rec.Cheaper) > 0 {
		what := "cheaper candidates fail"
		if rec.Best < 0 {
			what = "why each fails, cheapest first"
		}
		fmt.Fprintf(w, "  %s:\n", what)
		for _, f := range rec.Cheaper {
			fmt.Fprintf(w, "    %s (%.3f $/h): %s\n", f.Candidate, f.USDPerHour, strings.Join(f.Why, "; "))
		}
	}
}

// writeCapacity answers how many nodes of each candidate the subnets hold.
func (d *Document) writeCapacity(w *bufio.Writer) {
	fmt.Fprintf(w, "capacity: the subnets' %d free addresses hold, at these settings, with every node full\n", d.SubnetFree)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := range d.Candidates {
		c := &d.Candidates[i]
		fmt.Fprintf(tw, "  %s\t%s\t%d pods\t(%d addresses a node with %d pods)\n",
			c.Label(), nodes(c.SubnetNodes), c.SubnetNodes*c.PodsPerNode, c.AddressesPerNode, c.PodsPerNode)
	}
	tw.Flush()
	fmt.Fprintln(w, "  (a node's addresses: its ENIs' primary addresses and the secondary addresses or /28 prefixes it holds")
	fmt.Fprintln(w, "   for its pods and warm pool once settled, measured by running one such node alone through the model)")
}
