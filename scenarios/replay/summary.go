package replay

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/ec2"
	"github.com/ipamsim/ipamsim/sim"
)

// Summary is a run's figures, as `ipamsim run -o json` prints them.
type Summary struct {
	Policy       string `json:"policy"`
	InstanceType string `json:"instance_type"`
	Mode         string `json:"mode"` // "secondary-ip" or "prefix"
	MaxENIs      int    `json:"max_enis"`
	IPv4PerENI   int    `json:"ipv4_per_eni"`
	MaxPods      int    `json:"max_pods"`
	// MaxPodsSource says where MaxPods comes from (catalog.NodeMaxPods).
	MaxPodsSource string `json:"max_pods_source"`
	AssignOrder   string `json:"assign_order"`
	EC2Profile    string `json:"ec2_profile"`
	Seed          uint64 `json:"seed"`
	// WarmUpSeconds is how long the node booted before trace time 0
	// (§9.15): 0 is a cold node, started at the trace's first instant.
	WarmUpSeconds float64 `json:"warm_up_seconds"`

	PodsAdded  uint64 `json:"pods_added"`
	PodsWaited uint64 `json:"pods_waited"`
	// The wait percentiles are nearest-rank over every pod that sent a CNI
	// ADD (within 0.1 %, never below the true value, hist.Histogram): a pod
	// that never got an address counts with its wait until its DEL or the
	// end of the run (right-censored; PodsNeverAssigned of them).
	WaitP50Seconds    float64 `json:"wait_p50_seconds"`
	WaitP99Seconds    float64 `json:"wait_p99_seconds"`
	WaitMaxSeconds    float64 `json:"wait_max_seconds"`
	PodsNeverAssigned uint64  `json:"pods_never_assigned"`
	// PodsUnschedulable never ran: the node ran max pods (§5.14); they
	// sent no ADD and are in no wait figure.
	PodsUnschedulable uint64 `json:"pods_unschedulable"`
	NoIPAddFailures   uint64 `json:"no_ip_add_failures"`
	AddsBeforeReady   uint64 `json:"adds_before_ready"`
	AddRequests       uint64 `json:"add_requests"`
	DelRequests       uint64 `json:"del_requests"`

	PeakENIs            int     `json:"peak_enis"`
	PeakAddressesHeld   int     `json:"peak_addresses_held"`
	MeanAddressesHeld   float64 `json:"mean_addresses_held"`
	PeakAddressesInUse  int     `json:"peak_addresses_assigned"`
	PeakIdleAddresses   int     `json:"peak_idle_addresses"`
	IdleIPSeconds       float64 `json:"idle_ip_seconds"`
	FinalENIs           int     `json:"final_enis"`
	FinalAddressesHeld  int     `json:"final_addresses_held"`
	FinalAddressesInUse int     `json:"final_addresses_assigned"`
	ENIsAttached        uint64  `json:"enis_attached"`
	ENIsFreed           uint64  `json:"enis_freed"`

	EC2Calls       map[string]uint64 `json:"ec2_calls"`
	EC2CallsTotal  uint64            `json:"ec2_calls_total"`
	EC2Errors      uint64            `json:"ec2_errors"`
	ThrottledCalls uint64            `json:"throttled_calls"`

	TraceEvents      uint64  `json:"trace_events"`
	EventsProcessed  uint64  `json:"events_processed"`
	SimulatedSeconds float64 `json:"simulated_seconds"`
}

// Summarize gathers a finished run's figures.
func Summarize(n *ipam.Node, res Result, inst string, order ipam.AssignOrder, profile string, seed uint64) Summary {
	n.Observe()
	c := &n.Counters
	st := n.Stats()
	lim := n.Limits()
	mode := "secondary-ip"
	if lim.PD {
		mode = "prefix"
	}
	waits := n.Waits()
	s := Summary{
		InstanceType: inst, Mode: mode, MaxENIs: lim.MaxENIs, IPv4PerENI: lim.IPv4PerENI,
		MaxPods: n.MaxPods(), MaxPodsSource: n.MaxPodsSource(), AssignOrder: order.String(), EC2Profile: profile, Seed: seed, WarmUpSeconds: res.WarmUp.Seconds(),
		PodsAdded: c.PodsAdded, PodsWaited: c.PodsWaited,
		WaitP50Seconds:    waits.Quantile(0.50).Seconds(),
		WaitP99Seconds:    waits.Quantile(0.99).Seconds(),
		WaitMaxSeconds:    waits.Max().Seconds(),
		PodsNeverAssigned: c.PodsCancelled + uint64(n.Waiting()), PodsUnschedulable: c.PodsUnschedulable,
		NoIPAddFailures: c.NoAvailableIP, AddsBeforeReady: c.AddsBeforeReady,
		AddRequests: c.AddRequests, DelRequests: c.DelRequests,
		PeakENIs: c.PeakENIs, PeakAddressesHeld: c.PeakTotalIPs, PeakAddressesInUse: c.PeakAssigned,
		IdleIPSeconds: round3(c.IdleIPSeconds), PeakIdleAddresses: c.PeakIdle,
		FinalENIs: st.ENIs, FinalAddressesHeld: st.TotalIPs, FinalAddressesInUse: st.AssignedIPs,
		ENIsAttached: c.ENIsAttached, ENIsFreed: c.ENIsFreed,
		EC2Calls:    map[string]uint64{},
		TraceEvents: res.TraceEvents, EventsProcessed: res.Events, SimulatedSeconds: res.End.Seconds(),
	}
	if res.End > 0 {
		s.MeanAddressesHeld = round3(c.HeldIPSeconds / res.End.Seconds())
	}
	for api := ec2.API(0); api < ec2.NumAPIs; api++ {
		if v := c.EC2Requests[api]; v > 0 {
			s.EC2Calls[api.String()] = v
			s.EC2CallsTotal += v
		}
		s.EC2Errors += c.EC2Errors[api]
		s.ThrottledCalls += c.EC2Throttled[api]
	}
	return s
}

// startLine names how the run's nodes started (§9.15): cold at trace time
// 0, or booted the warm-up before it.
func startLine(warmUp float64) string {
	if warmUp == 0 {
		return "cold start at trace time 0"
	}
	return "warm-up " + time.Duration(sim.Seconds(warmUp)).String() + " before trace time 0"
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// WriteText prints the summary for a person to read.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "node          %s (%s), %s mode, %d ENIs x %d IPv4, max pods %d (%s)\n", s.InstanceType, s.Policy, s.Mode, s.MaxENIs, s.IPv4PerENI, s.MaxPods, s.MaxPodsSource)
	fmt.Fprintf(&b, "run           %s simulated, %d trace events, %d engine events, seed %d, %s order, EC2 %s, %s\n",
		time.Duration(sim.Seconds(s.SimulatedSeconds)).Round(time.Millisecond), s.TraceEvents, s.EventsProcessed, s.Seed, s.AssignOrder, s.EC2Profile, startLine(s.WarmUpSeconds))
	fmt.Fprintf(&b, "pods          %s\n", podsLine(s.PodsNeverAssigned, s.PodsAdded, s.PodsWaited))
	if s.PodsUnschedulable > 0 {
		fmt.Fprintf(&b, "unschedulable %d PODS NEVER RAN: the node ran max pods (%d); they sent no ADD and are in no wait figure\n", s.PodsUnschedulable, s.MaxPods)
	}
	fmt.Fprintf(&b, "pod IP wait   %s\n", waitLine(s.WaitP50Seconds, s.WaitP99Seconds, s.WaitMaxSeconds, s.PodsAdded, s.PodsNeverAssigned))
	fmt.Fprintf(&b, "ADD failures  %d no free address, %d before ipamd was ready (%d ADD, %d DEL requests)\n", s.NoIPAddFailures, s.AddsBeforeReady, s.AddRequests, s.DelRequests)
	fmt.Fprintf(&b, "addresses     peak %d held, mean %.1f held, peak %d assigned, peak %d idle, %.0f idle IP-seconds\n", s.PeakAddressesHeld, s.MeanAddressesHeld, s.PeakAddressesInUse, s.PeakIdleAddresses, s.IdleIPSeconds)
	fmt.Fprintf(&b, "ENIs          peak %d, %d attached, %d freed; at the end %d ENIs, %d addresses held, %d assigned\n", s.PeakENIs, s.ENIsAttached, s.ENIsFreed, s.FinalENIs, s.FinalAddressesHeld, s.FinalAddressesInUse)
	fmt.Fprintf(&b, "EC2           %d calls, %d errors, %d throttled\n", s.EC2CallsTotal, s.EC2Errors, s.ThrottledCalls)
	writeCalls(&b, s.EC2Calls)
	_, err := io.WriteString(w, b.String())
	return err
}

// podsLine is the summary's pods line: the pods that never got an address
// first, in capitals, when there are any.
func podsLine(never, added, waited uint64) string {
	if never == 0 {
		return fmt.Sprintf("%d added, %d waited for an address, every one got one", added, waited)
	}
	return fmt.Sprintf("%d NEVER GOT AN ADDRESS (deleted while waiting, or still waiting at the end); %d added, %d waited for an address", never, added, waited)
}

// waitLine is the summary's wait percentiles and what they are over.
func waitLine(p50, p99, maxWait float64, added, censored uint64) string {
	line := fmt.Sprintf("p50 %.3fs  p99 %.3fs  max %.3fs", p50, p99, maxWait)
	if censored > 0 {
		line += fmt.Sprintf("  (over the %d pods that sent an ADD; the %d without an address count to their delete or the end of the run)", added, censored)
	}
	return line
}

// writeCalls lists EC2 calls by API, sorted by name.
func writeCalls(b *strings.Builder, calls map[string]uint64) {
	names := make([]string, 0, len(calls))
	for k := range calls {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(b, "  %-32s %d\n", k, calls[k])
	}
}
