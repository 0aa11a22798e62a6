package ipam

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// ENIID names an ENI. IDs are handed out from a per-node counter, so they are
// deterministic; the zero value is no ENI.
type ENIID int

func (id ENIID) String() string { return fmt.Sprintf("eni-%08d", int(id)) }

// AssignOrder chooses how the datastore walks ENIs, CIDRs and addresses where
// upstream ranges over a Go map (docs/model.md §3 "Choosing the IP").
type AssignOrder uint8

const (
	// FirstFit walks ENIs in attach order (primary first) and CIDRs and
	// addresses by ascending address: upstream's rules with its map walks
	// sorted (docs/model.md §3.7).
	// It is the default (docs/model.md §3.7).
	FirstFit AssignOrder = iota
	// RandomOrder emulates Go's map iteration with the seeded RNG: each walk
	// starts at a random rotation of the sorted order (§3).
	RandomOrder
)

// String returns the order's flag spelling.
func (o AssignOrder) String() string {
	if o == RandomOrder {
		return "random"
	}
	return "first-fit"
}

// ParseAssignOrder parses the --assign-order flag.
func ParseAssignOrder(s string) (AssignOrder, error) {
	switch s {
	case "first-fit":
		return FirstFit, nil
	case "random":
		return RandomOrder, nil
	}
	return 0, fmt.Errorf("unknown assign order %q (want first-fit or random)", s)
}

// CIDR is one secondary /32 or one /28 prefix held by an ENI, with the state of
// each of its addresses (upstream's CidrInfo and AddressInfo, §3).
//
// An address is in one of four states: absent (never used, or garbage-collected),
// assigned to a pod, cooling (unassigned within IP_COOLDOWN_PERIOD), or expired
// (unassigned, past cooldown, still recorded). Expired and absent addresses can
// both be assigned; expired ones are reused first (§3 getUnusedIP).
type CIDR struct {
	Prefix   netip.Prefix
	eni      *ENI
	size     uint8  // 1 or 16 addresses
	assigned uint16 // bit i: address i assigned to a pod
	cooling  uint16 // bit i: address i in cooldown
	expired  uint16 // bit i: address i unassigned, past cooldown, still recorded
	gen      uint32 // bumped when the CIDR leaves the datastore
	coolFrom [16]sim.Time
}

// IsPrefix reports whether the CIDR is a /28 prefix.
func (c *CIDR) IsPrefix() bool { return c.size == 16 }

// Assigned is the number of addresses held by pods.
func (c *CIDR) Assigned() int { return bits.OnesCount16(c.assigned) }

// addr returns address i of the CIDR.
func (c *CIDR) addr(i int) netip.Addr {
	a := c.Prefix.Addr()
	for ; i > 0; i-- {
		a = a.Next()
	}
	return a
}

func (c *CIDR) full() uint16 { return uint16(1<<c.size - 1) }

// assignable reports whether an address can be handed out now (cooldown
// expirations processed).
func (c *CIDR) assignable() bool { return c.full()&^(c.assigned|c.cooling) != 0 }

// ENI is one attached network interface as the datastore sees it.
type ENI struct {
	ID        ENIID
	Device    int  // device index; 0 is the primary ENI
	Primary   bool // the instance's primary ENI: never freed (§2)
	CreatedAt sim.Time
	PrimaryIP netip.Addr
	Subnet    *vpc.Subnet // where its addresses come from

	cidrs    []*CIDR // sorted by address
	freeMask uint64  // bit i: cidrs[i] has an assignable address now
	total    int     // addresses, 16 per prefix
	assigned int
	cooling  int
	free28   int // prefixes with no assigned address
}

// CIDRs returns the ENI's CIDRs in address order. The slice must not be modified.
func (e *ENI) CIDRs() []*CIDR { return e.cidrs }

// AssignedCount is the number of addresses held by pods.
func (e *ENI) AssignedCount() int { return e.assigned }

// Stats are the datastore's counts (upstream DataStoreStats).
type Stats struct {
	TotalIPs      int // addresses usable by pods, cooling ones included; 16 per prefix
	TotalPrefixes int
	AssignedIPs   int
	CooldownIPs   int
	FreePrefixes  int // prefixes with no assigned address (cooling ones count as free; §4)
	ENIs          int
}

// available is total − assigned: IPs in cooldown count as available
// (§ notation; ds DataStoreStats.AvailableAddresses).
func (s Stats) available() int { return s.TotalIPs - s.AssignedIPs }

// coolEntry records one unassignment; cooldown is constant, so entries expire in
// the order they were made.
type coolEntry struct {
	at  sim.Time
	c   *CIDR
	gen uint32
	bit uint8
}

// datastore is the node's record of ENIs, CIDRs and pod addresses (upstream
// pkg/ipamd/datastore). It is not safe for concurrent use.
type datastore struct {
	pd       bool // prefix mode: only /28s are used for pods (§3, §4)
	cooldown sim.Time
	order    AssignOrder
	rng      *rand.Rand

	enis     []*ENI // in attach order, the primary first
	total    int
	assigned int
	cooling  int
	prefixes int
	free28   int

	coolQ    []coolEntry
	coolHead int
	now      sim.Time
}

// newDatastore returns an empty datastore.
func newDatastore(pd bool, cooldown sim.Time, order AssignOrder, rng *rand.Rand) *datastore {
	return &datastore{pd: pd, cooldown: cooldown, order: order, rng: rng}
}

// advance processes cooldown expirations up to now (an address cools while
// now − unassigned ≤ IP_COOLDOWN_PERIOD; ds inCoolingPeriod).
func (d *datastore) advance(now sim.Time) {
	d.now = now
	for d.coolHead < len(d.coolQ) {
		e := &d.coolQ[d.coolHead]
		if now-e.at <= d.cooldown {
			break
		}
		c := e.c
		m := uint16(1) << e.bit
		if c.gen == e.gen && c.cooling&m != 0 && c.coolFrom[e.bit] == e.at {
			c.cooling &^= m
			c.expired |= m
			c.eni.cooling--
			d.cooling--
			d.updateFree(c)
		}
		*e = coolEntry{}
		d.coolHead++
	}
	// Reclaim the consumed head: at once when the queue is empty, else when
	// it is over half the slice (amortised O(1), bounded memory).
	if d.coolHead == len(d.coolQ) {
		d.coolQ = d.coolQ[:0]
		d.coolHead = 0
	} else if d.coolHead > 32 && d.coolHead*2 > len(d.coolQ) {
		n := copy(d.coolQ, d.coolQ[d.coolHead:])
		clear(d.coolQ[n:])
		d.coolQ = d.coolQ[:n]
		d.coolHead = 0
	}
}

// nextExpiry returns when the next cooling address leaves cooldown.
func (d *datastore) nextExpiry() (sim.Time, bool) {
	for i := d.coolHead; i < len(d.coolQ); i++ {
		e := &d.coolQ[i]
		if e.c.gen == e.gen && e.c.cooling&(1<<e.bit) != 0 && e.c.coolFrom[e.bit] == e.at {
			return e.at + d.cooldown + 1, true
		}
	}
	return 0, false
}

// stats returns the datastore's counts at the last advance.
func (d *datastore) stats() Stats {
	return Stats{TotalIPs: d.total, TotalPrefixes: d.prefixes, AssignedIPs: d.assigned,
		CooldownIPs: d.cooling, FreePrefixes: d.free28, ENIs: len(d.enis)}
}

// statsAt returns the counts at now, later than the last advance, without
// changing anything: addresses whose cooldown ended since are not cooling.
func (d *datastore) statsAt(now sim.Time) Stats {
	st := d.stats()
	for i := d.coolHead; i < len(d.coolQ); i++ {
		e := &d.coolQ[i]
		if now-e.at <= d.cooldown {
			break
		}
		if e.c.gen == e.gen && e.c.cooling&(1<<e.bit) != 0 && e.c.coolFrom[e.bit] == e.at {
			st.CooldownIPs--
		}
	}
	return st
}

// addENI records a newly attached ENI (upstream AddENI; its creation time starts
// the 60 s minimum life, §2).
func (d *datastore) addENI(id ENIID, device int, primary bool, ip netip.Addr, subnet *vpc.Subnet, now sim.Time) *ENI {
	e := &ENI{ID: id, Device: device, Primary: primary, CreatedAt: now, PrimaryIP: ip, Subnet: subnet}
	d.enis = append(d.enis, e) // attach order: the primary first (docs/model.md §3.7)
	return e
}

// addCIDR records a secondary IP (/32) or prefix (/28) on an ENI.
func (d *datastore) addCIDR(e *ENI, p netip.Prefix) *CIDR {
	c := &CIDR{Prefix: p, eni: e, size: 1}
	if p.Bits() == 28 {
		c.size = 16
	}
	i := len(e.cidrs)
	for i > 0 && p.Addr().Less(e.cidrs[i-1].Prefix.Addr()) {
		i--
	}
	e.cidrs = append(e.cidrs, nil)
	copy(e.cidrs[i+1:], e.cidrs[i:])
	e.cidrs[i] = c
	low := e.freeMask & (1<<i - 1)
	e.freeMask = low | (e.freeMask&^(1<<i-1))<<1
	if d.counts(c) {
		e.total += int(c.size)
		d.total += int(c.size)
		if c.IsPrefix() {
			d.prefixes++
			e.free28++
			d.free28++
		}
	}
	d.updateFree(c)
	return c
}

// counts reports whether c is of the mode in use (§3: /32s when PD is off,
// prefixes when it is on; mixed CIDRs are ignored for assignment).
func (d *datastore) counts(c *CIDR) bool { return c.IsPrefix() == d.pd }

func (e *ENI) index(c *CIDR) int {
	for i, x := range e.cidrs {
		if x == c {
			return i
		}
	}
	panic("ipam: CIDR not on its ENI")
}

func (d *datastore) updateFree(c *CIDR) {
	e := c.eni
	i := e.index(c)
	if d.counts(c) && c.assignable() {
		e.freeMask |= 1 << i
	} else {
		e.freeMask &^= 1 << i
	}
}

// delCIDR removes a CIDR that no pod holds (upstream DelIPv4CidrFromStore
// without force). Cooling addresses do not prevent it (§2 "Cooldown is not
// checked here").
func (d *datastore) delCIDR(c *CIDR) error {
	if c.assigned != 0 {
		return fmt.Errorf("datastore: %s is used and can not be deleted", c.Prefix)
	}
	e := c.eni
	i := e.index(c)
	d.dropCIDRCounts(c)
	copy(e.cidrs[i:], e.cidrs[i+1:])
	e.cidrs[len(e.cidrs)-1] = nil
	e.cidrs = e.cidrs[:len(e.cidrs)-1]
	e.freeMask = e.freeMask&(1<<i-1) | (e.freeMask>>1)&^(1<<i-1)
	return nil
}

func (d *datastore) dropCIDRCounts(c *CIDR) {
	e := c.eni
	nc := bits.OnesCount16(c.cooling)
	e.cooling -= nc
	d.cooling -= nc
	if d.counts(c) {
		e.total -= int(c.size)
		d.total -= int(c.size)
		if c.IsPrefix() {
			d.prefixes--
			if c.assigned == 0 {
				e.free28--
				d.free28--
			}
		}
	}
	c.gen++
}

// removeENI takes an ENI with no pods out of the datastore (upstream
// RemoveUnusedENIFromStore: the ENI leaves before the EC2 calls, §2).
func (d *datastore) removeENI(e *ENI) {
	if e.assigned != 0 {
		panic("ipam: removing an ENI that holds pods")
	}
	for _, c := range e.cidrs {
		d.dropCIDRCounts(c)
	}
	for i, x := range d.enis {
		if x == e {
			copy(d.enis[i:], d.enis[i+1:])
			d.enis[len(d.enis)-1] = nil
			d.enis = d.enis[:len(d.enis)-1]
			return
		}
	}
	panic("ipam: removing an unknown ENI")
}

// walk returns the start index of a walk over n items: 0 for first-fit, a
// random rotation for random order (§3).
func (d *datastore) walk(n int) int {
	if d.order == RandomOrder && n > 1 {
		return d.rng.IntN(n)
	}
	return 0
}

// assignPod gives a pod an address (upstream AssignPodIPv4Address, §3): walk the
// ENIs, then each ENI's CIDRs of the mode in use, and take the first address
// getUnusedIP yields. It returns false when no address is free
// (ErrNoAvailableIPInDataStore).
func (d *datastore) assignPod() (*CIDR, uint8, bool) {
	n := len(d.enis)
	start := d.walk(n)
	for k := 0; k < n; k++ {
		e := d.enis[(start+k)%n]
		if e.freeMask == 0 {
			continue
		}
		i := bits.TrailingZeros64(e.freeMask)
		if d.order == RandomOrder {
			i = d.rotatedFirst(e.freeMask, len(e.cidrs))
		}
		c := e.cidrs[i]
		b := d.unusedAddr(c)
		d.assign(c, b)
		return c, b, true
	}
	return nil, 0, false
}

// rotatedFirst returns the first set bit of mask at or after a random start,
// wrapping around n bits.
func (d *datastore) rotatedFirst(mask uint64, n int) int {
	s := d.rng.IntN(n)
	if hi := mask >> s; hi != 0 {
		return s + bits.TrailingZeros64(hi)
	}
	return bits.TrailingZeros64(mask)
}

// unusedAddr is upstream getUnusedIP (§3): reuse an expired address (and forget
// all expired ones), else the lowest address never used.
func (d *datastore) unusedAddr(c *CIDR) uint8 {
	if c.expired != 0 {
		var b int
		if d.order == RandomOrder {
			b = d.rotatedFirst(uint64(c.expired), int(c.size))
		} else {
			b = bits.TrailingZeros16(c.expired)
		}
		c.expired = 0
		return uint8(b)
	}
	return uint8(bits.TrailingZeros16(c.full() &^ (c.assigned | c.cooling)))
}

func (d *datastore) assign(c *CIDR, b uint8) {
	e := c.eni
	if c.assigned == 0 && c.IsPrefix() && d.counts(c) {
		e.free28--
		d.free28--
	}
	c.assigned |= 1 << b
	c.expired &^= 1 << b
	e.assigned++
	d.assigned++
	d.updateFree(c)
}

// unassignPod releases a pod's address and starts its cooldown (upstream
// UnassignPodIPAddress, §3 DEL).
func (d *datastore) unassignPod(c *CIDR, b uint8, now sim.Time) {
	m := uint16(1) << b
	if c.assigned&m == 0 {
		panic("ipam: unassigning a free address")
	}
	e := c.eni
	c.assigned &^= m
	c.cooling |= m
	c.coolFrom[b] = now
	e.assigned--
	d.assigned--
	e.cooling++
	d.cooling++
	if c.assigned == 0 && c.IsPrefix() && d.counts(c) {
		e.free28++
		d.free28++
	}
	d.coolQ = append(d.coolQ, coolEntry{at: now, c: c, gen: c.gen, bit: b})
	d.updateFree(c)
}

// walkOrder returns the ENIs in walk order: attach order, or a random
// rotation of it (§3).
func (d *datastore) walkOrder() []*ENI {
	n := len(d.enis)
	start := d.walk(n)
	out := make([]*ENI, 0, n)
	for k := 0; k < n; k++ {
		out = append(out, d.enis[(start+k)%n])
	}
	return out
}

// freeableCIDRs returns, in walk order, an ENI's CIDRs that no pod holds
// (upstream FindFreeableCidrs; cooling addresses do not count as held).
func (d *datastore) freeableCIDRs(e *ENI) []*CIDR {
	var out []*CIDR
	n := len(e.cidrs)
	start := d.walk(n)
	for k := 0; k < n; k++ {
		c := e.cidrs[(start+k)%n]
		if c.assigned == 0 {
			out = append(out, c)
		}
	}
	return out
}

// deletableENI returns the first ENI, in walk order, that upstream's
// getDeletableENI would free (§2 "Freeing an ENI"), or nil.
func (d *datastore) deletableENI(warmIP, minIP, warmPrefix int, now sim.Time) *ENI {
	n := len(d.enis)
	start := d.walk(n)
	for k := 0; k < n; k++ {
		e := d.enis[(start+k)%n]
		switch {
		case e.Primary,
			now-e.CreatedAt < minENILifetime,
			e.cooling > 0,
			e.assigned > 0,
			warmIP != 0 && d.requiredForWarmIP(warmIP, e),
			minIP != 0 && d.requiredForMinIP(minIP, e),
			d.pd && warmPrefix != 0 && d.free28-e.free28 < warmPrefix:
			continue
		}
		return e
	}
	return nil
}

// minENILifetime is upstream minENILifeTime (§2).
const minENILifetime = 60 * sim.Second

// requiredForWarmIP: the other ENIs' free addresses must still reach WARM_IP
// (rounded up to whole prefixes in PD; ds isRequiredForWarmIPTarget).
func (d *datastore) requiredForWarmIP(warmIP int, e *ENI) bool {
	otherFree := (d.total - d.assigned) - (e.total - e.assigned)
	if d.pd {
		warmIP = divCeil(warmIP, 16) * 16
	}
	return otherFree < warmIP
}

// requiredForMinIP: the other ENIs' addresses must still reach MINIMUM_IP
// (rounded up in PD; ds isRequiredForMinimumIPTarget).
func (d *datastore) requiredForMinIP(minIP int, e *ENI) bool {
	other := d.total - e.total
	if d.pd {
		minIP = divCeil(minIP, 16) * 16
	}
	return other < minIP
}

func divCeil(x, y int) int { return (x + y - 1) / y }
