package ipam

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReviewTrace is a review tool: it replays REVIEW_TRACE (at,op,pod; at in
// seconds, not stretched) on REVIEW_TYPE with REVIEW_ENV settings and logs
// every change of the node's state (per-ENI CIDRs/assigned/cooling).
func TestReviewTrace(t *testing.T) {
	tr := os.Getenv("REVIEW_TRACE")
	if tr == "" {
		t.Skip("REVIEW_TRACE not set")
	}
	typ := os.Getenv("REVIEW_TYPE")
	mp, _ := strconv.Atoi(os.Getenv("REVIEW_MAXPODS"))
	h := newHarness(t, typ, "zero", func(c *Config) {
		c.MaxPods = mp
		if env := os.Getenv("REVIEW_ENV"); env != "" {
			b, err := os.ReadFile(env)
			if err != nil {
				t.Fatal(err)
			}
			if err := ParseEnvFile(env, string(b), &c.Settings); err != nil {
				t.Fatal(err)
			}
		}
		if os.Getenv("REVIEW_TICK") != "" {
			c.AlwaysTick = true
		}
		if os.Getenv("REVIEW_RANDOM") != "" {
			c.Order = RandomOrder
		}
	})
	body, err := os.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	end := 0.0
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n")[1:] {
		f := strings.Split(strings.TrimSpace(line), ",")
		at, _ := strconv.ParseFloat(f[0], 64)
		if at > end {
			end = at
		}
		pod := f[2]
		if f[1] == "add" {
			h.add(at, pod)
		} else {
			h.del(at, pod)
		}
		h.at(at, func() { fmt.Printf("%8.1f EVENT %s %s\n", at, f[1], pod) })
	}
	last := ""
	mono := os.Getenv("REVIEW_MONO") != ""
	h.onStep = func() {
		if mono {
			// Emulate an EC2 that never reuses an address: take every free
			// address below the highest one the node holds.
			var hi netip.Addr
			for _, ps := range h.n.eniAddrs {
				for _, p := range ps {
					a := p.Addr()
					for i := 1; i < 1<<(32-p.Bits()); i++ {
						a = a.Next()
					}
					if !hi.IsValid() || hi.Less(a) {
						hi = a
					}
				}
			}
			sub := h.n.subnet
			for a := sub.Prefix().Addr(); hi.IsValid() && a.Less(hi); a = a.Next() {
				if sub.IsFree(netip.PrefixFrom(a, 32)) {
					sub.Take(a)
				}
			}
		}
		s := h.n.Stats()
		var b strings.Builder
		fmt.Fprintf(&b, "enis=%d total=%d pfx=%d asg=%d cool=%d free28=%d wait=%d |", s.ENIs, s.TotalIPs, s.TotalPrefixes, s.AssignedIPs, s.CooldownIPs, s.FreePrefixes, h.n.Waiting())
		for _, e := range h.n.ds.enis {
			fmt.Fprintf(&b, " d%d:%dc/%da/%dcool", e.Device, len(e.CIDRs()), e.AssignedCount(), e.cooling)
		}
		if st := b.String(); st != last {
			fmt.Printf("%8.1f %s\n", h.eng.Now().Seconds(), st)
			last = st
		}
	}
	extra, _ := strconv.ParseFloat(os.Getenv("REVIEW_DRAIN"), 64)
	if extra == 0 {
		extra = 300
	}
	h.run(end + extra)
}
