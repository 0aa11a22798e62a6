package ipam

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipamsim/ipamsim/sim"
)

const cool30 = 30 * sim.Second

func newDS(pd bool, order AssignOrder) *datastore {
	return newDatastore(pd, cool30, order, rand.New(rand.NewPCG(7, 7)))
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// addSIP adds /32s to an ENI, in the order given.
func addSIP(d *datastore, e *ENI, ips ...string) []*CIDR {
	var out []*CIDR
	for _, ip := range ips {
		out = append(out, d.addCIDR(e, netip.PrefixFrom(addr(ip), 32)))
	}
	return out
}

// podAddr is the address a datastore assignment gives.
func podAddr(c *CIDR, b uint8) netip.Addr { return c.addr(int(b)) }

// recountDS checks every counter of the datastore against a recount from its
// ENIs and CIDRs (bit masks), and returns an error describing the first
// mismatch.
func recountDS(d *datastore) error {
	var total, assigned, cooling, prefixes, free28 int
	for k, e := range d.enis {
		if k > 0 && (e.Primary || d.enis[k-1].CreatedAt > e.CreatedAt) {
			return fmt.Errorf("ENIs not in attach order: %s (at %v) then %s (at %v)", d.enis[k-1].ID, d.enis[k-1].CreatedAt, e.ID, e.CreatedAt)
		}
		var et, ea, ec, ef int
		var mask uint64
		for i, c := range e.CIDRs() {
			if i > 0 && !e.CIDRs()[i-1].Prefix.Addr().Less(c.Prefix.Addr()) {
				return fmt.Errorf("%s: CIDRs not in address order: %s then %s", e.ID, e.CIDRs()[i-1].Prefix, c.Prefix)
			}
			if c.eni != e {
				return fmt.Errorf("%s: CIDR %s points at another ENI", e.ID, c.Prefix)
			}
			full := c.full()
			if c.assigned&^full != 0 || c.cooling&^full != 0 || c.expired&^full != 0 {
				return fmt.Errorf("%s: bits beyond the CIDR's size", c.Prefix)
			}
			if c.assigned&c.cooling != 0 || c.assigned&c.expired != 0 || c.cooling&c.expired != 0 {
				return fmt.Errorf("%s: address in two states (assigned %016b cooling %016b expired %016b)", c.Prefix, c.assigned, c.cooling, c.expired)
			}
			na := bits.OnesCount16(c.assigned)
			nc := bits.OnesCount16(c.cooling)
			ea += na
			ec += nc
			if d.counts(c) {
				et += int(c.size)
				if c.IsPrefix() {
					prefixes++
					if c.assigned == 0 {
						ef++
					}
				}
				if full&^(c.assigned|c.cooling) != 0 {
					mask |= 1 << i
				}
			}
		}
		if et != e.total || ea != e.assigned || ec != e.cooling || ef != e.free28 || mask != e.freeMask {
			return fmt.Errorf("%s: counters total %d assigned %d cooling %d free28 %d mask %b; recount %d %d %d %d %b",
				e.ID, e.total, e.assigned, e.cooling, e.free28, e.freeMask, et, ea, ec, ef, mask)
		}
		total += et
		assigned += ea
		cooling += ec
		free28 += ef
	}
	st := d.stats()
	want := Stats{TotalIPs: total, TotalPrefixes: prefixes, AssignedIPs: assigned, CooldownIPs: cooling, FreePrefixes: free28, ENIs: len(d.enis)}
	if st != want {
		return fmt.Errorf("Stats %+v, recount %+v", st, want)
	}
	return nil
}

func checkDS(t *testing.T, d *datastore) {
	t.Helper()
	if err := recountDS(d); err != nil {
		t.Fatal(err)
	}
}

func TestDatastoreFirstFitOrder(t *testing.T) {
	d := newDS(false, FirstFit)
	// ENIs attached primary first, the device-2 ENI before the device-1 one
	// (a device index reused after a free); CIDRs added out of address order.
	e0 := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	e2 := d.addENI(3, 2, false, addr("10.0.0.30"), nil, 0)
	e1 := d.addENI(2, 1, false, addr("10.0.0.20"), nil, 0)
	addSIP(d, e2, "10.0.0.33", "10.0.0.31")
	addSIP(d, e0, "10.0.0.9", "10.0.0.5", "10.0.0.7")
	addSIP(d, e1, "10.0.0.22", "10.0.0.21")
	checkDS(t, d)
	if got := [3]int{d.enis[0].Device, d.enis[1].Device, d.enis[2].Device}; got != [3]int{0, 2, 1} {
		t.Fatalf("ENI order by device = %v, want attach order [0 2 1]", got)
	}
	// First fit (docs/model.md §3.7): ENIs in attach order, each ENI's CIDRs by address.
	want := []string{"10.0.0.5", "10.0.0.7", "10.0.0.9", "10.0.0.31", "10.0.0.33", "10.0.0.21", "10.0.0.22"}
	type held struct {
		c *CIDR
		b uint8
	}
	var hs []held
	for i, w := range want {
		c, b, ok := d.assignPod()
		if !ok || podAddr(c, b) != addr(w) {
			t.Fatalf("assignment %d = %v %v, want %s", i, podAddr(c, b), ok, w)
		}
		hs = append(hs, held{c, b})
		checkDS(t, d)
	}
	if _, _, ok := d.assignPod(); ok {
		t.Fatal("assignment from a full datastore succeeded")
	}
	st := d.stats()
	if st.TotalIPs != 7 || st.AssignedIPs != 7 || st.ENIs != 3 || st.TotalPrefixes != 0 {
		t.Errorf("stats %+v, want total 7 assigned 7 ENIs 3", st)
	}
	// Free .7 (on the primary) and .21 (the last-attached ENI); after cooldown
	// the next assignment takes .7, the first in first-fit order.
	d.unassignPod(hs[1].c, hs[1].b, 0)
	d.unassignPod(hs[5].c, hs[5].b, 0)
	d.advance(cool30 + 1)
	c, b, _ := d.assignPod()
	if podAddr(c, b) != addr("10.0.0.7") {
		t.Errorf("after frees: got %s, want 10.0.0.7", podAddr(c, b))
	}
	c, b, _ = d.assignPod()
	if podAddr(c, b) != addr("10.0.0.21") {
		t.Errorf("after frees: got %s, want 10.0.0.21", podAddr(c, b))
	}
	checkDS(t, d)
}

func TestDatastoreCooldown(t *testing.T) {
	d := newDS(false, FirstFit)
	e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	addSIP(d, e, "10.0.0.5")
	t0 := 100 * sim.Second
	d.advance(t0)
	c, b, ok := d.assignPod()
	if !ok {
		t.Fatal("no address")
	}
	d.unassignPod(c, b, t0)
	checkDS(t, d)
	if st := d.stats(); st.CooldownIPs != 1 || st.AssignedIPs != 0 || st.available() != 1 {
		t.Fatalf("stats after DEL %+v: want 1 cooling, 0 assigned, 1 available (cooldown counts as available)", st)
	}
	// Without Advance nothing expires, however late it is.
	if _, _, ok := d.assignPod(); ok {
		t.Fatal("cooling /32 assigned right after DEL")
	}
	// §1/§3: cools while now − unassigned ≤ IP_COOLDOWN_PERIOD.
	d.advance(t0 + cool30) // exactly +30 s: still cooling
	if _, _, ok := d.assignPod(); ok {
		t.Fatal("assigned at exactly +30 s; still in cooldown")
	}
	if st := d.stats(); st.CooldownIPs != 1 {
		t.Fatalf("at +30 s CooldownIPs = %d, want 1", st.CooldownIPs)
	}
	if at, ok := d.nextExpiry(); !ok || at != t0+cool30+1 {
		t.Errorf("NextExpiry = %v %v, want %v", at, ok, t0+cool30+1)
	}
	d.advance(t0 + cool30 + 1) // +30 s + 1 ns: free
	if st := d.stats(); st.CooldownIPs != 0 {
		t.Fatalf("at +30 s+1ns CooldownIPs = %d, want 0", st.CooldownIPs)
	}
	if _, ok := d.nextExpiry(); ok {
		t.Error("NextExpiry reports a cooling address after expiry")
	}
	c2, b2, ok := d.assignPod()
	if !ok || podAddr(c2, b2) != addr("10.0.0.5") {
		t.Fatalf("at +30 s+1ns: got %v %v, want 10.0.0.5", podAddr(c2, b2), ok)
	}
	checkDS(t, d)

	// A re-DEL restarts the cooldown from the new time; the old queue entry
	// must not free it early.
	t1 := t0 + cool30 + 1
	d.unassignPod(c2, b2, t1)
	d.advance(t1 + 10*sim.Second)
	c3, b3, ok := d.assignPod()
	if ok {
		t.Fatalf("assigned %s 10 s after its second DEL", podAddr(c3, b3))
	}
	d.advance(t1 + cool30 + 1)
	if _, _, ok := d.assignPod(); !ok {
		t.Fatal("not assignable 30 s+1ns after its second DEL")
	}
	checkDS(t, d)
}

func TestDatastoreCooldownNonDefault(t *testing.T) {
	d := newDatastore(false, 0, FirstFit, nil)
	e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	addSIP(d, e, "10.0.0.5")
	c, b, _ := d.assignPod()
	d.unassignPod(c, b, 5)
	d.advance(5) // IP_COOLDOWN_PERIOD=0: now − t = 0 ≤ 0 still cooling
	if _, _, ok := d.assignPod(); ok {
		t.Error("cooldown 0: assigned at the DEL instant (0 ≤ 0 is cooling)")
	}
	d.advance(6)
	if _, _, ok := d.assignPod(); !ok {
		t.Error("cooldown 0: not assignable 1 ns later")
	}
}

func TestDatastorePrefixReuseExpiredFirst(t *testing.T) {
	d := newDS(true, FirstFit)
	e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	c := d.addCIDR(e, pfx("10.0.0.16/28"))
	checkDS(t, d)
	if st := d.stats(); st.TotalIPs != 16 || st.TotalPrefixes != 1 || st.FreePrefixes != 1 {
		t.Fatalf("stats %+v, want 16 IPs, 1 prefix, 1 free", st)
	}
	// Lowest never-used first: .16, .17, .18, .19, .20, .21.
	var bs []uint8
	for i := 0; i < 6; i++ {
		cc, b, ok := d.assignPod()
		if !ok || cc != c || int(b) != i {
			t.Fatalf("assignment %d got bit %d, want %d", i, b, i)
		}
		bs = append(bs, b)
	}
	if st := d.stats(); st.FreePrefixes != 0 {
		t.Fatalf("FreePrefixes = %d with pods on the prefix, want 0", st.FreePrefixes)
	}
	// Free .17 at 0 and .20 at 1 s: both expire; .18 freed at 20 s still cools.
	d.unassignPod(c, bs[1], 0)
	d.unassignPod(c, bs[4], sim.Second)
	d.unassignPod(c, bs[2], 20*sim.Second)
	d.advance(32 * sim.Second)
	checkDS(t, d)
	// §3 getUnusedIP: an expired address first (.17), and the other expired
	// entries (.20) are forgotten, so the next is the lowest address not in
	// use and not cooling: .20 (forgotten → never used), not .22.
	_, b, _ := d.assignPod()
	if b != 1 {
		t.Fatalf("first assignment after expiry got .%d, want .17 (bit 1, expired)", 16+int(b))
	}
	_, b, _ = d.assignPod()
	if b != 4 {
		t.Fatalf("second assignment got .%d, want .20 (bit 4: lowest unused, .18 still cooling)", 16+int(b))
	}
	_, b, _ = d.assignPod()
	if b != 6 {
		t.Fatalf("third assignment got .%d, want .22 (.18 cooling)", 16+int(b))
	}
	checkDS(t, d)
	// Expired beats lower never-used: free .22 at 40 s; at 71 s .22 is expired
	// and is reused although .23 onward were never used.
	d.unassignPod(c, 6, 40*sim.Second)
	d.advance(71 * sim.Second)
	_, b, _ = d.assignPod()
	if b != 2 && b != 6 {
		t.Fatalf("got bit %d, want an expired one (.18 or .22)", b)
	}
	if b != 2 {
		t.Errorf("first-fit reuse of expired addresses should take the lowest (.18), got .%d", 16+int(b))
	}
	checkDS(t, d)

	// Garbage collection: once an expired address is reused, the other
	// expired entries are forgotten (deleted from the CIDR's map upstream), so
	// a later getUnusedIP prefers a newly expired address over them.
	g := newDS(true, FirstFit)
	ge := g.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	gc := g.addCIDR(ge, pfx("10.0.0.16/28"))
	for i := 0; i < 8; i++ { // .16–.23 (bits 0–7)
		g.assignPod()
	}
	g.unassignPod(gc, 2, 0) // .18
	g.unassignPod(gc, 4, 0) // .20
	g.advance(31 * sim.Second)
	if _, b, _ := g.assignPod(); b != 2 { // expired .18 (lowest expired); .20 forgotten
		t.Fatalf("got .%d, want .18", 16+int(b))
	}
	g.unassignPod(gc, 6, 31*sim.Second) // .22
	g.advance(62 * sim.Second)
	// Expired: only .22 (.20 was forgotten). Upstream returns .22, not .20.
	if _, b, _ := g.assignPod(); b != 6 {
		t.Errorf("got .%d, want .22: the expired entry .20 was garbage-collected by the previous reuse (§3 getUnusedIP)", 16+int(b))
	}
	if _, b, _ := g.assignPod(); b != 4 { // now the lowest unused: the forgotten .20
		t.Errorf("got .%d, want .20 (lowest never-used after the GC)", 16+int(b))
	}
	checkDS(t, g)
}

func TestDatastoreModeCIDRsIgnored(t *testing.T) {
	// §4 mode toggling: with PD on, /32s are not used for pods and not counted;
	// with PD off, prefixes are not.
	d := newDS(true, FirstFit)
	e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	addSIP(d, e, "10.0.0.5")
	if st := d.stats(); st.TotalIPs != 0 || st.TotalPrefixes != 0 {
		t.Fatalf("PD datastore counts a /32: %+v", st)
	}
	if _, _, ok := d.assignPod(); ok {
		t.Fatal("PD datastore assigned from a /32")
	}
	d2 := newDS(false, FirstFit)
	e2 := d2.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	d2.addCIDR(e2, pfx("10.0.0.16/28"))
	if st := d2.stats(); st.TotalIPs != 0 || st.TotalPrefixes != 0 || st.FreePrefixes != 0 {
		t.Fatalf("SIP datastore counts a prefix: %+v", st)
	}
	if _, _, ok := d2.assignPod(); ok {
		t.Fatal("SIP datastore assigned from a prefix")
	}
	checkDS(t, d)
	checkDS(t, d2)
}

func TestDatastoreDelCIDR(t *testing.T) {
	d := newDS(false, FirstFit)
	e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	cs := addSIP(d, e, "10.0.0.5", "10.0.0.6", "10.0.0.7")
	c, b, _ := d.assignPod() // .5
	if c != cs[0] {
		t.Fatalf("assigned %s, want .5", c.Prefix)
	}
	if err := d.delCIDR(c); err == nil {
		t.Fatal("DelCIDR of an assigned CIDR succeeded")
	}
	checkDS(t, d)
	if st := d.stats(); st.TotalIPs != 3 {
		t.Fatalf("a refused DelCIDR changed the total: %+v", st)
	}
	// A cooling CIDR can be deleted (§2: cooldown is not checked).
	d.unassignPod(c, b, 0)
	if err := d.delCIDR(c); err != nil {
		t.Fatalf("DelCIDR of a cooling CIDR: %v", err)
	}
	checkDS(t, d)
	if st := d.stats(); st.TotalIPs != 2 || st.CooldownIPs != 0 {
		t.Fatalf("after deleting the cooling CIDR: %+v, want total 2, cooling 0", st)
	}
	// Its stale cooldown entry must not disturb later counts.
	d.advance(time31())
	checkDS(t, d)
	if err := d.delCIDR(cs[2]); err != nil {
		t.Fatal(err)
	}
	c2, _, ok := d.assignPod()
	if !ok || c2 != cs[1] {
		t.Fatalf("after deleting .5 and .7, assigned %v, want .6", c2)
	}
	checkDS(t, d)

	// PD: a prefix with a cooling address only is free and deletable.
	p := newDS(true, FirstFit)
	pe := p.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	pc := p.addCIDR(pe, pfx("10.0.0.16/28"))
	pc2 := p.addCIDR(pe, pfx("10.0.0.32/28"))
	_, pb, _ := p.assignPod()
	if err := p.delCIDR(pc); err == nil {
		t.Fatal("DelCIDR of a prefix with a pod succeeded")
	}
	p.unassignPod(pc, pb, 0)
	if st := p.stats(); st.FreePrefixes != 2 || st.CooldownIPs != 1 {
		t.Fatalf("PD stats %+v, want 2 free prefixes (cooling counts as free), 1 cooling", st)
	}
	if err := p.delCIDR(pc); err != nil {
		t.Fatal(err)
	}
	checkDS(t, p)
	if st := p.stats(); st.TotalIPs != 16 || st.TotalPrefixes != 1 || st.FreePrefixes != 1 || st.CooldownIPs != 0 {
		t.Fatalf("after DelCIDR: %+v", st)
	}
	_ = pc2
}

func time31() sim.Time { return 31 * sim.Second }

// deletableSetup: a SIP datastore on m5.large-like ENIs: the primary (device
// 0) with 9 IPs and ENI 2 (device 1) with 9 IPs created at t=0.
func deletableSetup(pd bool) (*datastore, *ENI, *ENI) {
	d := newDS(pd, FirstFit)
	e0 := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
	e1 := d.addENI(2, 1, false, addr("10.0.1.4"), nil, 0)
	if pd {
		d.addCIDR(e0, pfx("10.0.0.16/28"))
		d.addCIDR(e1, pfx("10.0.1.16/28"))
	} else {
		for i := 0; i < 9; i++ {
			d.addCIDR(e0, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(5 + i)}), 32))
			d.addCIDR(e1, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 1, byte(5 + i)}), 32))
		}
	}
	return d, e0, e1
}

func TestDeletableENI(t *testing.T) {
	const min60 = 60 * sim.Second
	t.Run("age", func(t *testing.T) {
		d, _, e1 := deletableSetup(false)
		// §2: at least 60 s old.
		if got := d.deletableENI(0, 0, 0, min60-1); got != nil {
			t.Errorf("59.999999999 s old ENI deletable")
		}
		if got := d.deletableENI(0, 0, 0, min60); got != e1 {
			t.Errorf("60 s old ENI not deletable: %v", got)
		}
	})
	t.Run("primary never", func(t *testing.T) {
		d := newDS(false, FirstFit)
		d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
		if got := d.deletableENI(0, 0, 0, sim.Hour); got != nil {
			t.Errorf("primary ENI deletable")
		}
	})
	t.Run("cooling IP", func(t *testing.T) {
		d, e0, e1 := deletableSetup(false)
		// Fill the primary so the next pod lands on e1.
		for i := 0; i < 9; i++ {
			d.assignPod()
		}
		c, b, _ := d.assignPod()
		if c.eni != e1 {
			t.Fatalf("pod on %v, want e1", c.eni.ID)
		}
		if got := d.deletableENI(0, 0, 0, 100*sim.Second); got != nil {
			t.Errorf("ENI with a pod deletable")
		}
		d.unassignPod(c, b, 100*sim.Second)
		d.advance(130 * sim.Second)
		if got := d.deletableENI(0, 0, 0, 130*sim.Second); got != nil {
			t.Errorf("ENI with a cooling IP deletable")
		}
		d.advance(130*sim.Second + 1)
		if got := d.deletableENI(0, 0, 0, 130*sim.Second+1); got != e1 {
			t.Errorf("ENI not deletable after its IP left cooldown")
		}
		_ = e0
	})
	t.Run("WARM_IP", func(t *testing.T) {
		d, _, e1 := deletableSetup(false)
		for i := 0; i < 4; i++ { // 4 pods on the primary: other free = 9−4 = 5
			d.assignPod()
		}
		now := min60
		if got := d.deletableENI(5, 0, 0, now); got != e1 {
			t.Errorf("WARM_IP=5, others' free 5: not deletable (5 ≥ 5)")
		}
		if got := d.deletableENI(6, 0, 0, now); got != nil {
			t.Errorf("WARM_IP=6, others' free 5: deletable (5 < 6)")
		}
	})
	t.Run("MIN_IP", func(t *testing.T) {
		d, _, e1 := deletableSetup(false)
		now := min60
		if got := d.deletableENI(0, 9, 0, now); got != e1 {
			t.Errorf("MIN=9, others' total 9: not deletable")
		}
		if got := d.deletableENI(0, 10, 0, now); got != nil {
			t.Errorf("MIN=10, others' total 9: deletable")
		}
	})
	t.Run("PD WARM_IP rounds to prefixes", func(t *testing.T) {
		d, _, e1 := deletableSetup(true)
		for i := 0; i < 10; i++ { // 10 pods on the primary prefix: others' free = 6
			d.assignPod()
		}
		now := min60
		// WARM_IP=5 → ceil(5/16)·16 = 16 > 6: needed.
		if got := d.deletableENI(5, 0, 0, now); got != nil {
			t.Errorf("PD WARM_IP=5: others' free 6 < 16, deletable")
		}
		d2, _, e12 := deletableSetup(true)
		if got := d2.deletableENI(5, 0, 0, now); got != e12 {
			t.Errorf("PD WARM_IP=5: others' free 16 ≥ 16, not deletable")
		}
		if got := d2.deletableENI(17, 0, 0, now); got != nil {
			t.Errorf("PD WARM_IP=17: others' free 16 < 32, deletable")
		}
		_ = e1
	})
	t.Run("PD MIN_IP rounds to prefixes", func(t *testing.T) {
		d, _, e1 := deletableSetup(true)
		now := min60
		if got := d.deletableENI(0, 16, 0, now); got != e1 {
			t.Errorf("PD MIN=16: others' 16 ≥ 16, not deletable")
		}
		if got := d.deletableENI(0, 5, 0, now); got != e1 {
			t.Errorf("PD MIN=5 (→16): others' 16 ≥ 16, not deletable")
		}
		if got := d.deletableENI(0, 17, 0, now); got != nil {
			t.Errorf("PD MIN=17 (→32): others' 16 < 32, deletable")
		}
	})
	t.Run("PD WARM_PREFIX", func(t *testing.T) {
		d, _, e1 := deletableSetup(true)
		now := min60
		if got := d.deletableENI(0, 0, 1, now); got != e1 {
			t.Errorf("WPT=1, others' free prefixes 1: not deletable")
		}
		if got := d.deletableENI(0, 0, 2, now); got != nil {
			t.Errorf("WPT=2, others' free prefixes 1: deletable")
		}
		d.assignPod() // a pod on the primary's prefix: others' free prefixes 0
		if got := d.deletableENI(0, 0, 1, now); got != nil {
			t.Errorf("WPT=1, others' free prefixes 0: deletable")
		}
		if got := d.deletableENI(0, 0, 0, now); got != e1 {
			t.Errorf("WPT=0 imposes nothing: not deletable")
		}
	})
	t.Run("SIP ignores WARM_PREFIX", func(t *testing.T) {
		d, _, e1 := deletableSetup(false)
		if got := d.deletableENI(0, 0, 5, min60); got != e1 {
			t.Errorf("SIP datastore applied WARM_PREFIX_TARGET")
		}
	})
	t.Run("first in order", func(t *testing.T) {
		d, _, e1 := deletableSetup(false)
		e2 := d.addENI(3, 2, false, addr("10.0.2.4"), nil, 0)
		d.addCIDR(e2, pfx("10.0.2.5/32"))
		if got := d.deletableENI(0, 0, 0, min60); got != e1 {
			t.Errorf("first-fit: want the lowest device (e1)")
		}
		// A pod on e1 → e2 is the one.
		for i := 0; i < 10; i++ {
			d.assignPod()
		}
		if got := d.deletableENI(0, 0, 0, min60); got != e2 {
			t.Errorf("e1 holds a pod: want e2, got %v", got)
		}
	})
}

func TestDatastoreFreeableCIDRsAndRemoveENI(t *testing.T) {
	d, e0, e1 := deletableSetup(false)
	cs := e0.CIDRs()
	// Pods on .5, .6, .7; free .6 (cooling).
	d.assignPod()
	c6, b6, _ := d.assignPod()
	d.assignPod()
	d.unassignPod(c6, b6, 0)
	got := d.freeableCIDRs(e0)
	if len(got) != 7 { // 9 − 2 held (.5 and .7); the cooling .6 is freeable
		t.Fatalf("FreeableCIDRs = %d CIDRs, want 7", len(got))
	}
	if got[0] != cs[1] {
		t.Errorf("first freeable = %s, want .6 (address order, cooling counts as free)", got[0].Prefix)
	}
	for _, c := range got {
		if c.Assigned() != 0 {
			t.Errorf("freeable CIDR %s has a pod", c.Prefix)
		}
	}
	if n := len(d.freeableCIDRs(e1)); n != 9 {
		t.Errorf("idle ENI freeable %d, want 9", n)
	}
	if !freeableENIExists(d.enis) {
		t.Error("FreeableENIExists false with an idle non-primary ENI")
	}
	mustPanic(t, "RemoveENI of an ENI with pods", func() { d.removeENI(e0) })
	d.removeENI(e1)
	checkDS(t, d)
	if st := d.stats(); st.ENIs != 1 || st.TotalIPs != 9 || st.AssignedIPs != 2 || st.CooldownIPs != 1 {
		t.Errorf("after RemoveENI: %+v, want 1 ENI, 9 total, 2 assigned, 1 cooling", st)
	}
	if freeableENIExists(d.enis) {
		t.Error("FreeableENIExists true with only the primary")
	}
}

// TestDatastoreGoMapOrderPicksAssignable drives a random-order datastore with
// random assignments and releases and checks against a reference that only
// assignable addresses are ever handed out, and that the counters hold.
func TestDatastoreGoMapOrderPicksAssignable(t *testing.T) {
	for _, pd := range []bool{false, true} {
		for seed := uint64(1); seed <= 4; seed++ {
			d := newDatastore(pd, 10*sim.Second, GoMapOrder, rand.New(rand.NewPCG(seed, 1)))
			rng := rand.New(rand.NewPCG(seed, 2))
			type st struct {
				assigned bool
				freedAt  sim.Time
				used     bool
			}
			ref := map[netip.Addr]*st{}
			for dev := 0; dev < 4; dev++ {
				e := d.addENI(ENIID(dev+1), dev, dev == 0, netip.AddrFrom4([4]byte{10, 0, byte(dev), 4}), nil, 0)
				for k := 0; k < 5; k++ {
					var p netip.Prefix
					if pd {
						p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(dev), byte(16 * (k + 1))}), 28)
					} else {
						p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(dev), byte(10 + k)}), 32)
					}
					c := d.addCIDR(e, p)
					for i := 0; i < int(c.size); i++ {
						ref[c.addr(i)] = &st{freedAt: -1}
					}
				}
			}
			type hold struct {
				c *CIDR
				b uint8
			}
			var held []hold
			now := sim.Time(0)
			for step := 0; step < 3000; step++ {
				now += sim.Time(rng.IntN(3000)) * sim.Millisecond
				d.advance(now)
				assignable := 0
				for _, s := range ref {
					if !s.assigned && (s.freedAt < 0 || now-s.freedAt > 10*sim.Second) {
						assignable++
					}
				}
				if rng.IntN(2) == 0 {
					c, b, ok := d.assignPod()
					if ok != (assignable > 0) {
						t.Fatalf("pd=%v seed %d step %d: Assign ok=%v with %d assignable", pd, seed, step, ok, assignable)
					}
					if !ok {
						continue
					}
					a := podAddr(c, b)
					s := ref[a]
					if s == nil || s.assigned || (s.freedAt >= 0 && now-s.freedAt <= 10*sim.Second) {
						t.Fatalf("pd=%v seed %d step %d: assigned %s which is not assignable (%+v)", pd, seed, step, a, s)
					}
					s.assigned, s.used = true, true
					held = append(held, hold{c, b})
				} else if len(held) > 0 {
					k := rng.IntN(len(held))
					h := held[k]
					held[k] = held[len(held)-1]
					held = held[:len(held)-1]
					d.unassignPod(h.c, h.b, now)
					s := ref[podAddr(h.c, h.b)]
					s.assigned, s.freedAt = false, now
				}
				if err := recountDS(d); err != nil {
					t.Fatalf("pd=%v seed %d step %d: %v", pd, seed, step, err)
				}
				if got := d.stats().AssignedIPs; got != len(held) {
					t.Fatalf("assigned %d, held %d", got, len(held))
				}
			}
		}
	}
}

func TestParseAssignOrder(t *testing.T) {
	for s, want := range map[string]string{"first-fit": "first-fit", "go-map": "go-map", "random": "go-map"} {
		o, err := ParseAssignOrder(s)
		if err != nil || o.String() != want {
			t.Errorf("ParseAssignOrder(%q) = %v, %v; want %s", s, o, err, want)
		}
	}
	if _, err := ParseAssignOrder("fifo"); err == nil {
		t.Error("ParseAssignOrder(fifo): no error")
	}
}

// threeENIs is a go-map datastore (seed s) with the primary and two more ENIs
// attached in that order, none freed, each with one /32, all 60 s old: the
// history docs/go-map-order.md works its figures out for (eniPool's group
// holds them in slots 0, 1, 2; slots 3–7 empty).
func threeENIs(s uint64) (*datastore, [3]*ENI) {
	d := newDatastore(false, cool30, GoMapOrder, rand.New(rand.NewPCG(s, 11)))
	var es [3]*ENI
	for i := range es {
		es[i] = d.addENI(ENIID(i+1), i, i == 0, netip.AddrFrom4([4]byte{10, 0, byte(i), 4}), nil, 0)
		addSIP(d, es[i], netip.AddrFrom4([4]byte{10, 0, byte(i), 5}).String())
	}
	d.advance(minENILifetime)
	return d, es
}

// within fails t unless hits/n is within 4 standard deviations of p.
func within(t *testing.T, what string, hits, n int, p float64) {
	t.Helper()
	got := float64(hits) / float64(n)
	sd := math.Sqrt(p * (1 - p) / float64(n))
	if math.Abs(got-p) > 4*sd {
		t.Errorf("%s: %.4f of %d, want %.4f ± %.4f", what, got, n, p, 4*sd)
	} else {
		t.Logf("%s: %.4f of %d (exact %.4f)", what, got, n, p)
	}
}

// TestDatastoreGoMapFigures checks the datastore's go-map walks against the
// probabilities docs/go-map-order.md works out from Go 1.26's small-map
// layout (one group of 8 slots, a walk starting at a uniform slot):
// getDeletableENI picks the first non-primary ENI 7/8 of the time;
// tryUnassignCidrsFromAll's walk of the GetENIInfos copy starts at the first
// ENI 38/64 of the time; a pod's walk over eniPool starts at the primary
// 6/8 of the time (offsets 0 and 3–7); the first-fit order always does all
// three.
func TestDatastoreGoMapFigures(t *testing.T) {
	const n = 20000
	var del2, infos1, assign1 int
	for s := uint64(1); s <= n; s++ {
		d, es := threeENIs(s)
		if d.deletableENI(0, 0, 0, d.now) == es[1] {
			del2++
		}
		if d.infosOrder()[0] == es[0] {
			infos1++
		}
		if c, _, ok := d.assignPod(); ok && c.eni == es[0] {
			assign1++
		}
	}
	within(t, "getDeletableENI picks ENI 2", del2, n, 7.0/8)
	within(t, "GetENIInfos walk starts at ENI 1", infos1, n, 38.0/64)
	within(t, "a pod's address comes from ENI 1", assign1, n, 6.0/8)

	f := newDS(false, FirstFit)
	var es [3]*ENI
	for i := range es {
		es[i] = f.addENI(ENIID(i+1), i, i == 0, netip.AddrFrom4([4]byte{10, 0, byte(i), 4}), nil, 0)
		addSIP(f, es[i], netip.AddrFrom4([4]byte{10, 0, byte(i), 5}).String())
	}
	f.advance(minENILifetime)
	if f.deletableENI(0, 0, 0, f.now) != es[1] || f.infosOrder()[0] != es[0] {
		t.Error("first-fit: want ENI 2 freed and the release walk to start at ENI 1")
	}
	if c, _, _ := f.assignPod(); c.eni != es[0] {
		t.Error("first-fit: want the primary's address")
	}
}

// TestDatastoreGoMapReuse checks getUnusedIP's walk of a prefix's address
// map (§3.4): addresses .0, .1, .2 are assigned in that order (slots 0, 1,
// 2 of the map's group), released and left to expire; the next pod reuses
// the first expired address the walk meets — .0 for offsets 0 and 3–7 (6/8),
// .1 and .2 for one offset each (1/8) — and the others are forgotten, so the
// pod after it takes the lowest address not in the map, .1 or .0.
func TestDatastoreGoMapReuse(t *testing.T) {
	const n = 16000
	var first [3]int
	for s := uint64(1); s <= n; s++ {
		d := newDatastore(true, cool30, GoMapOrder, rand.New(rand.NewPCG(s, 5)))
		e := d.addENI(1, 0, true, addr("10.0.0.4"), nil, 0)
		c := d.addCIDR(e, netip.MustParsePrefix("10.0.0.16/28"))
		for i := 0; i < 3; i++ {
			if _, b, _ := d.assignPod(); b != uint8(i) {
				t.Fatalf("seed %d: pod %d got bit %d, want %d (lowest never used)", s, i, b, i)
			}
		}
		for i := uint8(0); i < 3; i++ {
			d.unassignPod(c, i, 0)
		}
		d.advance(cool30 + 1)
		_, b, _ := d.assignPod()
		first[b]++
		_, b2, _ := d.assignPod()
		if want := uint8(0); b == 0 {
			want = 1
			if b2 != want {
				t.Fatalf("seed %d: after reusing .0 the next pod got bit %d, want 1", s, b2)
			}
		} else if b2 != want {
			t.Fatalf("seed %d: after reusing bit %d the next pod got bit %d, want 0", s, b, b2)
		}
	}
	within(t, "reuses .0", first[0], n, 6.0/8)
	within(t, "reuses .1", first[1], n, 1.0/8)
	within(t, "reuses .2", first[2], n, 1.0/8)
}
