package sweep

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// fmtStat formats a figure, with its [min–max] spread when the sweep has
// repetitions.
func fmtStat(s Stat, reps int, f func(float64) string) string {
	if reps <= 1 || s.Min == s.Max {
		return f(s.Mean)
	}
	return fmt.Sprintf("%s [%s–%s]", f(s.Mean), f(s.Min), f(s.Max))
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }
func f0(v float64) string { return fmt.Sprintf("%.0f", v) }
func fs(v float64) string { return secs(v) }

func settingsLabel(s []string) string {
	if len(s) == 0 {
		return "(base)"
	}
	return strings.Join(s, " ")
}

// WriteFrontier prints a complete document's Pareto frontier as a table,
// cheapest first.
func (d *Document) WriteFrontier(w io.Writer) error {
	reps := d.Grid.Repetitions
	rows := make([]*Combination, len(d.Frontier))
	for i := range d.Frontier {
		rows[i] = &d.Frontier[i]
	}
	slices.SortFunc(rows, Cheaper)
	var b strings.Builder
	b.WriteString(d.FrontierSummary() + "\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	policies := len(d.Grid.Policies) > 0
	pol := func(c *Combination) string {
		if !policies {
			return ""
		}
		return c.Policy + "\t"
	}
	head := "point\tinstance\torder\tsettings\taddresses held\tp99 wait\tEC2 calls\tnever assigned\t"
	if policies {
		head = "point\tpolicy\t" + strings.TrimPrefix(head, "point\t")
	}
	fmt.Fprintln(tw, head)
	for _, c := range rows {
		fmt.Fprintf(tw, "%d\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Points[0], pol(c), c.InstanceType, c.AssignOrder, settingsLabel(c.Settings),
			fmtStat(c.MeanAddressesHeld, reps, f1), fmtStat(c.WaitP99Seconds, reps, fs),
			fmtStat(c.EC2CallsTotal, reps, f0), fmtStat(c.PodsNeverAssigned, reps, f0))
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// Objective spells the constraints: "p99 pod IP wait <= 5s [and <= N EC2
// calls per simulated hour]".
func (c Constraints) Objective() string {
	objective := fmt.Sprintf("p99 pod IP wait <= %s", c.MaxP99Wait)
	if c.MaxEC2CallsPerHour > 0 {
		objective += fmt.Sprintf(" and <= %g EC2 calls per simulated hour", c.MaxEC2CallsPerHour)
	}
	return objective
}

// Reason says why Best won: how many combinations meet the objective, and
// the nearest cheaper one that does not, with why. Empty without a Best.
func (r *Recommendation) Reason() string {
	if r.Best == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the fewest mean addresses held (ties: fewest EC2 calls, lowest p99 wait) of the %d of %d combinations that meet the objective",
		r.Meeting, r.Combinations)
	if r.CheaperFailing != nil {
		cf := r.CheaperFailing
		fmt.Fprintf(&b, "; %d cheaper combination(s) miss it, the nearest %s (%s addresses held): %s",
			r.CheaperCount, cf.Label(), f1(cf.MeanAddressesHeld.Mean), strings.Join(r.CheaperWhy, ", "))
	} else {
		b.WriteString("; no cheaper combination in the grid")
	}
	return b.String()
}

// WriteText prints the recommendation: the point, why, and the runner-up.
func (r *Recommendation) WriteText(w io.Writer) error {
	var b strings.Builder
	c := r.Constraints
	objective := c.Objective()
	every := ""
	if r.Repetitions > 1 {
		every = fmt.Sprintf(" in every one of %d repetitions", r.Repetitions)
	}
	fmt.Fprintf(&b, "Recommendation for %s, no pod left without an address%s:\n", objective, every)
	if r.Best == nil {
		fmt.Fprintf(&b, "  none of the %d setting combinations meets it\n", r.Combinations)
		_, err := io.WriteString(w, b.String())
		return err
	}
	reps := r.Repetitions
	best := r.Best
	fmt.Fprintf(&b, "  %s  (point %d)\n", best.Label(), best.Points[0])
	fmt.Fprintf(&b, "  mean addresses held  %s\n", fmtStat(best.MeanAddressesHeld, reps, f1))
	fmt.Fprintf(&b, "  p99 pod IP wait      %s <= %s", fmtStat(best.WaitP99Seconds, reps, fs), c.MaxP99Wait)
	if reps > 1 {
		fmt.Fprintf(&b, " (worst repetition %s)", secs(best.WaitP99Seconds.Max))
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "  EC2 calls            %s total, %s per simulated hour", fmtStat(best.EC2CallsTotal, reps, f0), fmtStat(best.EC2CallsPerHour, reps, f1))
	if c.MaxEC2CallsPerHour > 0 {
		fmt.Fprintf(&b, " <= %g", c.MaxEC2CallsPerHour)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "  pods waited          %s, never assigned 0\n", fmtStat(best.PodsWaited, reps, f0))
	fmt.Fprintf(&b, "  rerun                %s\n", best.Rerun)
	fmt.Fprintf(&b, "  why: %s\n", r.Reason())
	if ru := r.RunnerUp; ru != nil {
		fmt.Fprintf(&b, "Runner-up: %s  (point %d): %s addresses held, p99 wait %s, %s EC2 calls\n", ru.Label(), ru.Points[0],
			fmtStat(ru.MeanAddressesHeld, reps, f1), fmtStat(ru.WaitP99Seconds, reps, fs), fmtStat(ru.EC2CallsTotal, reps, f0))
	} else {
		b.WriteString("Runner-up: none (no other combination meets the objective)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
