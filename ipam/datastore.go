package ipam

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"

	"github.com/ipamsim/ipamsim/ipam/gomap"
	"github.com/ipamsim/ipamsim/ipam/vpc"
	"github.com/ipamsim/ipamsim/sim"
)

// ENIID names an ENI. IDs are handed out from a per-node counter, so they are
// deterministic; the zero value is no ENI.
type ENIID int

func (id ENIID) String() string { return fmt.Sprintf("eni-%08d", int(id)) }

// AssignOrder chooses how the datastore walks ENIs, CIDRs and addresses where
// upstream ranges over a Go map (docs/model.md §3.7).
type AssignOrder uint8

const (
	// FirstFit walks ENIs in attach order (primary first) and CIDRs and
	// addresses by ascending address: upstream's rules with its map walks
	// sorted. Deterministic; the order the oracle pins exactly (§3.7, §9.8).
	// It is the zero value; the commands default to GoMapOrder.
	FirstFit AssignOrder = iota
	// GoMapOrder walks as upstream's Go 1.26 maps do (package ipam/gomap,
	// docs/go-map-order.md), seeded from the node's NODE/mapwalk stream: the
	// node as shipped (§3.7). "random" is another name for it.
	GoMapOrder
)

// String returns the order's flag spelling.
func (o AssignOrder) String() string {
	if o == GoMapOrder {
		return "go-map"
	}
	return "first-fit"
}

// ParseAssignOrder parses the --assign-order flag: go-map (random is an
// alias) or first-fit (§3.7).
func ParseAssignOrder(s string) (AssignOrder, error) {
	switch s {
	case "first-fit":
		return FirstFit, nil
	case "go-map", "random":
		return GoMapOrder, nil
	}
	return 0, fmt.Errorf("unknown assign order %q (want go-map, first-fit, or random, an alias of go-map)", s)
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
	// addrs is upstream's IPAddresses map of a prefix in go-map order: the
	// addresses assigned, cooling or expired (bit numbers), walked by
	// getUnusedIP (§3.4). Nil for /32s (one address: no order) and in
	// first-fit.
	addrs *gomap.Map[uint8, struct{}]
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
	// cidrMap is upstream's AvailableIPv4Cidrs in go-map order (§3.3, §2.28);
	// nil in first-fit.
	cidrMap *gomap.Map[netip.Prefix, *CIDR]
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

	enis []*ENI // in attach order, the primary first
	// In go-map order: pool is upstream's eniPool, and infos the fresh copy
	// GetENIInfos makes of it (docs/go-map-order.md); nil in first-fit.
	pool, infos *gomap.Map[ENIID, *ENI]
	total       int
	assigned    int
	cooling     int
	prefixes    int
	free28      int

	coolQ    []coolEntry
	coolHead int
	now      sim.Time
}

// newDatastore returns an empty datastore.
func newDatastore(pd bool, cooldown sim.Time, order AssignOrder, rng *rand.Rand) *datastore {
	d := &datastore{pd: pd, cooldown: cooldown, order: order, rng: rng}
	if order == GoMapOrder {
		// ds NewDataStore: eniPool is made with no size hint (§3.7).
		d.pool = gomap.New[ENIID, *ENI](rng, eniKey)
		d.infos = gomap.New[ENIID, *ENI](rng, eniKey)
	}
	return d
}

// eniKey reduces an ENI ID to a map key's bits: injective (gomap's package
// comment says why any injective reduction walks like upstream's strings).
func eniKey(id ENIID) uint64 { return uint64(id) }

// addrKey is a prefix's address bit number as a map key.
func addrKey(b uint8) uint64 { return uint64(b) }

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
	if d.pool != nil {
		// ds AddENI: into eniPool, with an empty AvailableIPv4Cidrs map.
		e.cidrMap = gomap.New[netip.Prefix, *CIDR](d.rng, gomap.PrefixBits)
		d.pool.Set(id, e)
	}
	return e
}

// addCIDR records a secondary IP (/32) or prefix (/28) on an ENI.
func (d *datastore) addCIDR(e *ENI, p netip.Prefix) *CIDR {
	c := &CIDR{Prefix: p, eni: e, size: 1}
	if p.Bits() == 28 {
		c.size = 16
	}
	if e.cidrMap != nil {
		// ds AddIPv4CidrToStore, in the order EC2 lists the CIDRs; a prefix
		// gets its own (empty) address map.
		e.cidrMap.Set(p, c)
		if c.IsPrefix() {
			c.addrs = gomap.New[uint8, struct{}](d.rng, addrKey)
		}
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
	if e.cidrMap != nil {
		e.cidrMap.Delete(c.Prefix)
	}
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
	if d.pool != nil {
		d.pool.Delete(e.ID) // ds RemoveUnusedENIFromStore
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

// assignPod gives a pod an address (upstream AssignPodIPv4Address, §3.3–§3.4):
// walk the ENIs, then each ENI's CIDRs of the mode in use, and take the first
// address getUnusedIP yields. It returns false when no address is free
// (ErrNoAvailableIPInDataStore).
func (d *datastore) assignPod() (*CIDR, uint8, bool) {
	if d.pool != nil {
		return d.assignPodGoMap()
	}
	for _, e := range d.enis {
		if e.freeMask == 0 {
			continue
		}
		c := e.cidrs[bits.TrailingZeros64(e.freeMask)]
		b := d.unusedAddr(c)
		d.assign(c, b)
		return c, b, true
	}
	return nil, 0, false
}

// assignPodGoMap is assignPod in go-map order: the walks of eniPool and of
// each ENI's AvailableIPv4Cidrs as Go 1.26 makes them (§3.7). An ENI with
// nothing assignable is passed over without walking its CIDRs: that walk
// could pick nothing, and leaving out a walk whose result does not depend on
// its order changes no distribution (docs/go-map-order.md "Independence").
func (d *datastore) assignPodGoMap() (*CIDR, uint8, bool) {
	enis := d.pool.Iter()
	for {
		_, e, ok := enis.Next()
		if !ok {
			return nil, 0, false
		}
		if e.freeMask == 0 {
			continue
		}
		cidrs := e.cidrMap.Iter()
		for {
			_, c, ok := cidrs.Next()
			if !ok {
				break
			}
			if d.counts(c) && c.assignable() {
				b := d.unusedAddr(c)
				d.assign(c, b)
				return c, b, true
			}
		}
	}
}

// unusedAddr is upstream getUnusedIP (§3.4): reuse an expired address (the
// first in the walk of the CIDR's address map) and forget all expired ones,
// else the lowest address not in the map.
func (d *datastore) unusedAddr(c *CIDR) uint8 {
	if c.expired == 0 {
		return uint8(bits.TrailingZeros16(c.full() &^ (c.assigned | c.cooling)))
	}
	b := bits.TrailingZeros16(c.expired)
	if c.addrs != nil {
		b = -1
		it := c.addrs.Iter()
		for {
			k, _, ok := it.Next()
			if !ok {
				break
			}
			if c.expired&(1<<k) != 0 {
				if b < 0 {
					b = int(k)
				}
				c.addrs.Delete(k)
			}
		}
	}
	c.expired = 0
	return uint8(b)
}

func (d *datastore) assign(c *CIDR, b uint8) {
	e := c.eni
	if c.assigned == 0 && c.IsPrefix() && d.counts(c) {
		e.free28--
		d.free28--
	}
	c.assigned |= 1 << b
	c.expired &^= 1 << b
	if c.addrs != nil {
		c.addrs.Set(b, struct{}{}) // AssignPodIPv4Address: IPAddresses[addr] = …
	}
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

// walkOrder returns the ENIs as a walk of eniPool visits them (ds
// GetAllocatableENIs, §2.18): attach order in first-fit.
func (d *datastore) walkOrder() []*ENI {
	if d.pool == nil {
		return append([]*ENI(nil), d.enis...)
	}
	out := make([]*ENI, 0, d.pool.Len())
	for _, e := range d.pool.All() {
		out = append(out, e)
	}
	return out
}

// infosOrder returns the ENIs as ipamd's walk of GetENIInfos().ENIs visits
// them (tryUnassignCidrsFromAll, §2.28): in go-map order a fresh map of
// len(eniPool) entries filled by a walk of eniPool, then walked itself.
func (d *datastore) infosOrder() []*ENI {
	if d.pool == nil {
		return append([]*ENI(nil), d.enis...)
	}
	d.infos.Reset(d.pool.Len())
	for id, e := range d.pool.All() {
		d.infos.Set(id, e)
	}
	out := make([]*ENI, 0, d.infos.Len())
	for _, e := range d.infos.All() {
		out = append(out, e)
	}
	return out
}

// freeableCIDRs returns, in walk order, an ENI's CIDRs that no pod holds
// (upstream FindFreeableCidrs, §2.28; cooling addresses do not count as held).
func (d *datastore) freeableCIDRs(e *ENI) []*CIDR {
	var out []*CIDR
	if e.cidrMap == nil {
		for _, c := range e.cidrs {
			if c.assigned == 0 {
				out = append(out, c)
			}
		}
		return out
	}
	for _, c := range e.cidrMap.All() {
		if c.assigned == 0 {
			out = append(out, c)
		}
	}
	return out
}

// deletableENI returns the first ENI, in walk order, that upstream's
// getDeletableENI would free (§2.25), or nil.
func (d *datastore) deletableENI(warmIP, minIP, warmPrefix int, now sim.Time) *ENI {
	if d.pool == nil {
		for _, e := range d.enis {
			if d.deletable(e, warmIP, minIP, warmPrefix, now) {
				return e
			}
		}
		return nil
	}
	for _, e := range d.pool.All() {
		if d.deletable(e, warmIP, minIP, warmPrefix, now) {
			return e
		}
	}
	return nil
}

// deletable is getDeletableENI's test of one ENI (§2.25).
func (d *datastore) deletable(e *ENI, warmIP, minIP, warmPrefix int, now sim.Time) bool {
	switch {
	case e.Primary,
		now-e.CreatedAt < minENILifetime,
		e.cooling > 0,
		e.assigned > 0,
		warmIP != 0 && d.requiredForWarmIP(warmIP, e),
		minIP != 0 && d.requiredForMinIP(minIP, e),
		d.pd && warmPrefix != 0 && d.free28-e.free28 < warmPrefix:
		return false
	}
	return true
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
