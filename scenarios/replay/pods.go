package replay

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/sim"
)

// PodsHeader is the header of the per-pod outcomes CSV (--pods).
const PodsHeader = "pod,node,first_add,assigned_at,wait_seconds,outcome,failed_adds,deleted_at"

// The outcomes of a pod in the --pods CSV.
const (
	OutcomeAssigned      = "assigned"       // got an address; wait_seconds is its wait
	OutcomeNeverAssigned = "never-assigned" // sent an ADD, never got an address: its wait is right-censored
	OutcomeUnschedulable = "unschedulable"  // never bound: the node ran max pods, or no node had room; no ADD
	OutcomeRunning       = "running"        // running when the trace started (op running): no ADD, no wait
)

// PodLog builds the per-pod outcomes CSV (docs/model.md §9.14) from a run's
// event log (ipam.Event): one row per pod, written when the pod is deleted,
// and for the pods still live at the end of the run, in the order they
// first appeared. Its wait_seconds are exactly the waits the summary's
// percentiles are taken over: first ADD to the ADD that got an address, or,
// right-censored, to the pod's delete or the end of the run.
type PodLog struct {
	w    *csv.Writer
	bw   *bufio.Writer
	live map[string]*podRow
	seq  uint64
	err  error
}

type podRow struct {
	seq                int64
	node               string
	firstAdd, assigned sim.Time
	added, running     bool // sent an ADD; a running pod restored
	assignedOK         bool
	failed             int
}

// NewPodLog writes the CSV, its header first, to w.
func NewPodLog(w io.Writer) *PodLog {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(PodsHeader + "\n")
	return &PodLog{w: csv.NewWriter(bw), bw: bw, live: map[string]*podRow{}}
}

func (l *PodLog) row(pod string) *podRow {
	r := l.live[pod]
	if r == nil {
		l.seq++
		r = &podRow{seq: int64(l.seq)}
		l.live[pod] = r
	}
	return r
}

// Add takes one event of the run's log.
func (l *PodLog) Add(e ipam.Event) {
	switch e.Kind {
	case ipam.EvPending, ipam.EvPlace:
		l.row(e.Pod).node = e.Node
	case ipam.EvAdd:
		r := l.row(e.Pod)
		r.node = e.Node
		switch {
		case e.Addr.IsValid() && e.Detail == "running":
			r.running, r.assignedOK, r.assigned = true, true, e.At
		case e.Addr.IsValid():
			if !r.added {
				r.added, r.firstAdd = true, e.At-e.Took
			}
			r.assignedOK, r.assigned = true, e.At
		default:
			if !r.added {
				r.added, r.firstAdd = true, e.At
			}
			r.failed++
		}
	case ipam.EvDel:
		if r := l.live[e.Pod]; r != nil {
			delete(l.live, e.Pod)
			l.write(e.Pod, r, e.At, true)
		}
	}
}

// write writes a pod's row: deleted at end (del), or live at the end of the
// run.
func (l *PodLog) write(pod string, r *podRow, end sim.Time, del bool) {
	rec := []string{pod, r.node, "", "", "", "", strconv.Itoa(r.failed), ""}
	seconds := func(t sim.Time) string { return string(t.AppendSeconds(nil)) }
	switch {
	case r.running:
		rec[3], rec[5] = seconds(r.assigned), OutcomeRunning
	case r.assignedOK:
		rec[2], rec[3], rec[4], rec[5] = seconds(r.firstAdd), seconds(r.assigned), seconds(r.assigned-r.firstAdd), OutcomeAssigned
	case r.added:
		rec[2], rec[4], rec[5] = seconds(r.firstAdd), seconds(end-r.firstAdd), OutcomeNeverAssigned
	default:
		rec[5] = OutcomeUnschedulable
	}
	if del {
		rec[7] = seconds(end)
	}
	if err := l.w.Write(rec); err != nil && l.err == nil {
		l.err = err
	}
}

// Finish writes the rows of the pods live at end, in the order they first
// appeared, and flushes.
func (l *PodLog) Finish(end sim.Time) error {
	names := make([]string, 0, len(l.live))
	for p := range l.live {
		names = append(names, p)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(l.live[a].seq, l.live[b].seq) })
	for _, p := range names {
		l.write(p, l.live[p], end, false)
	}
	clear(l.live)
	l.w.Flush()
	if err := l.w.Error(); err != nil && l.err == nil {
		l.err = err
	}
	if err := l.bw.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	return l.err
}
