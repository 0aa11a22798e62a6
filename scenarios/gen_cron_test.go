package scenarios

import (
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

// cronRuns groups a cronjob trace's adds by time: the start of each run and
// how many pods it added; it also returns each pod's lifetime and the peak
// number of live pods.
func cronRuns(evs []genEv) (starts []sim.Time, sizes []int, life map[string]sim.Time, peak int) {
	added := map[string]sim.Time{}
	life = map[string]sim.Time{}
	live := 0
	for _, e := range evs {
		if e.op == OpAdd {
			if len(starts) == 0 || starts[len(starts)-1] != e.at {
				starts = append(starts, e.at)
				sizes = append(sizes, 0)
			}
			sizes[len(sizes)-1]++
			added[e.pod] = e.at
			live++
			peak = max(peak, live)
		} else {
			life[e.pod] = e.at - added[e.pod]
			live--
		}
	}
	return starts, sizes, life, peak
}

func TestGenCronJob(t *testing.T) {
	base := CronJobParams{Period: sim.Minute, PodsPerRun: 4, RunLength: 150 * sim.Second, Duration: 30 * sim.Minute}
	for seed := uint64(1); seed <= 5; seed++ {
		// Allow: a run every period, runs overlap (150s / 60s → 3 runs).
		p := base
		p.Policy = ConcurrencyAllow
		evs := genDrain(t, genMust[*CronJob](t)(NewCronJob(p, seed)))
		starts, sizes, life, peak := cronRuns(evs)
		if len(starts) != 30 {
			t.Fatalf("Allow: %d runs, want 30", len(starts))
		}
		for i, s := range starts {
			if s != sim.Time(i)*p.Period || sizes[i] != p.PodsPerRun {
				t.Fatalf("Allow: run %d at %v with %d pods", i, s, sizes[i])
			}
		}
		if len(life) != 30*p.PodsPerRun {
			t.Fatalf("Allow: %d pods completed, want all %d", len(life), 30*p.PodsPerRun)
		}
		for pod, l := range life {
			if l != p.RunLength {
				t.Fatalf("Allow: %s lived %v", pod, l)
			}
		}
		if peak != 3*p.PodsPerRun {
			t.Fatalf("Allow: peak %d, want %d", peak, 3*p.PodsPerRun)
		}

		// Forbid: runs at 0, 3m, 6m...: 1m and 2m are skipped because the
		// previous run lives until 2m30s.
		p.Policy = ConcurrencyForbid
		evs = genDrain(t, genMust[*CronJob](t)(NewCronJob(p, seed)))
		starts, sizes, life, peak = cronRuns(evs)
		if len(starts) != 10 || peak != p.PodsPerRun {
			t.Fatalf("Forbid: %d runs, peak %d; want 10, %d", len(starts), peak, p.PodsPerRun)
		}
		for i, s := range starts {
			if s != sim.Time(3*i)*sim.Minute || sizes[i] != p.PodsPerRun {
				t.Fatalf("Forbid: run %d at %v with %d pods", i, s, sizes[i])
			}
		}
		for pod, l := range life {
			if l != p.RunLength {
				t.Fatalf("Forbid: %s lived %v", pod, l)
			}
		}

		// Forbid with a run ending exactly at the next schedule: no skips.
		q := p
		q.RunLength = q.Period
		evs = genDrain(t, genMust[*CronJob](t)(NewCronJob(q, seed)))
		if starts, _, _, peak := cronRuns(evs); len(starts) != 30 || peak != q.PodsPerRun {
			t.Fatalf("Forbid, run length = period: %d runs, peak %d", len(starts), peak)
		}

		// Replace: a run every period; each new run deletes the previous
		// run's pods at its start, before adding its own.
		p.Policy = ConcurrencyReplace
		evs = genDrain(t, genMust[*CronJob](t)(NewCronJob(p, seed)))
		starts, sizes, life, peak = cronRuns(evs)
		if len(starts) != 30 || peak != p.PodsPerRun {
			t.Fatalf("Replace: %d runs, peak %d; want 30, %d", len(starts), peak, p.PodsPerRun)
		}
		replaced := 0
		for pod, l := range life {
			switch l {
			case p.Period:
				replaced++
			case p.RunLength: // the last run completes
			default:
				t.Fatalf("Replace: %s lived %v", pod, l)
			}
		}
		if replaced != 29*p.PodsPerRun || len(life) != 30*p.PodsPerRun {
			t.Fatalf("Replace: %d replaced of %d pods", replaced, len(life))
		}
		// peak == PodsPerRun also shows the deletes come before the adds.
	}
}
