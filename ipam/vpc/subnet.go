// Package vpc models a VPC subnet's IPv4 address space as EC2 hands it out
// to ENIs: single addresses, aligned /28 prefixes, prefix reservations, and
// the fragmentation that can refuse a prefix while addresses remain
// (docs/model.md §4 "Subnet exhaustion").
package vpc

import (
	"fmt"
	"net/netip"

	"github.com/google/btree"
)

// Subnet is a VPC subnet's IPv4 address space as EC2 hands it out: AWS keeps the
// first four and the last address of every subnet, ENI primary and secondary
// IPs take single addresses, and a /28 prefix needs an aligned block of 16 free
// addresses, so fragmentation can refuse a prefix while addresses remain
// (§4 "Subnet exhaustion").
//
// Free space is a set of disjoint ranges in a B-tree keyed by first address.
// EC2 picks addresses in an order it does not document (in practice not the
// one just released); ipamsim hands them out next-fit: the first free address
// (or aligned /28) after the last one handed out, wrapping around, which is
// deterministic and, until the subnet wraps, the order of a counter.
// SetLowestFree switches to lowest-free allocation.
type Subnet struct {
	prefix netip.Prefix
	base   uint32 // first address of the subnet
	size   uint32 // number of addresses
	free   *btree.BTreeG[span]
	nfree  int
	// Subnet CIDR reservations of type prefix (§4, #2749): their free space is
	// kept apart, used only for /28 prefixes, and tried first for them.
	resv     []span
	resFree  *btree.BTreeG[span]
	nresFree int
	minFree  int // lowest Free()+ReservedFree() seen
	// Next-fit allocation (the default): each search starts after the last
	// address handed out and wraps around, so a just-released address is not
	// handed out again until the subnet has cycled through the rest.
	lowestFree bool
	cursor     uint32 // general space: next offset to try
	resCursor  uint32 // prefix reservations: next offset to try
}

// span is a run of free addresses [lo, hi], offsets from the subnet base.
type span struct{ lo, hi uint32 }

func spanLess(a, b span) bool { return a.lo < b.lo }

// awsReservedLow and awsReservedHigh are the addresses AWS keeps in every subnet:
// network, VPC router, DNS, future use; and the last (broadcast).
const (
	awsReservedLow  = 4
	awsReservedHigh = 1
)

// NewSubnet returns the address space of an IPv4 subnet with AWS's five
// reserved addresses taken.
func NewSubnet(p netip.Prefix) (*Subnet, error) {
	if !p.IsValid() || !p.Addr().Is4() {
		return nil, fmt.Errorf("subnet %s: not an IPv4 prefix", p)
	}
	if p.Bits() > 28 || p.Bits() < 16 {
		return nil, fmt.Errorf("subnet %s: AWS subnets are /16 to /28", p)
	}
	p = p.Masked()
	s := &Subnet{prefix: p, base: addrToU32(p.Addr()), size: 1 << (32 - p.Bits()), free: btree.NewG(16, spanLess),
		resFree: btree.NewG(16, spanLess)}
	s.insert(s.free, span{awsReservedLow, s.size - 1 - awsReservedHigh})
	s.minFree = s.nfree
	return s, nil
}

// MustSubnet is NewSubnet for fixed, known-good prefixes.
func MustSubnet(p string) *Subnet {
	s, err := NewSubnet(netip.MustParsePrefix(p))
	if err != nil {
		panic(err)
	}
	return s
}

// Prefix is the subnet's CIDR.
func (s *Subnet) Prefix() netip.Prefix { return s.prefix }

// Size is the number of addresses in the subnet, reserved ones included.
func (s *Subnet) Size() int { return int(s.size) }

// Free is the number of addresses EC2 could still hand out.
func (s *Subnet) Free() int { return s.nfree }

func (s *Subnet) counter(t *btree.BTreeG[span]) *int {
	if t == s.resFree {
		return &s.nresFree
	}
	return &s.nfree
}

func (s *Subnet) insert(t *btree.BTreeG[span], sp span) {
	t.ReplaceOrInsert(sp)
	*s.counter(t) += int(sp.hi - sp.lo + 1)
}

func (s *Subnet) remove(t *btree.BTreeG[span], sp span) {
	t.Delete(sp)
	*s.counter(t) -= int(sp.hi - sp.lo + 1)
}

// take removes [lo, hi] from the free span sp of t that contains it.
func (s *Subnet) take(t *btree.BTreeG[span], sp span, lo, hi uint32) {
	s.remove(t, sp)
	if sp.lo < lo {
		s.insert(t, span{sp.lo, lo - 1})
	}
	if hi < sp.hi {
		s.insert(t, span{hi + 1, sp.hi})
	}
	s.minFree = min(s.minFree, s.nfree+s.nresFree)
}

// ReservedFree is the number of free addresses inside prefix reservations.
func (s *Subnet) ReservedFree() int { return s.nresFree }

// Reserved is the number of addresses inside prefix reservations.
func (s *Subnet) Reserved() int {
	n := 0
	for _, r := range s.resv {
		n += int(r.hi - r.lo + 1)
	}
	return n
}

// MinFree is the lowest number of free addresses (reservations included) the
// subnet has had.
func (s *Subnet) MinFree() int { return s.minFree }

// ReservePrefixes creates a subnet CIDR reservation of type prefix over p
// (§4: AWS's advice against fragmentation, #2749): its addresses are no longer
// handed out as single IPs, and /28 prefixes come from it first. p must be
// inside the subnet, /28-aligned, and wholly free.
func (s *Subnet) ReservePrefixes(p netip.Prefix) error {
	p = p.Masked()
	if !s.prefix.Contains(p.Addr()) || p.Bits() < s.prefix.Bits() || p.Bits() > 28 {
		return fmt.Errorf("reservation %s: not a /28 or larger block inside subnet %s", p, s.prefix)
	}
	lo := addrToU32(p.Addr()) - s.base
	hi := lo + (1 << (32 - p.Bits())) - 1
	if lo < awsReservedLow || hi > s.size-1-awsReservedHigh {
		return fmt.Errorf("reservation %s: overlaps the addresses AWS keeps in subnet %s (its first four and its last)", p, s.prefix)
	}
	var sp span
	ok := false
	s.free.DescendLessOrEqual(span{lo: lo}, func(x span) bool { sp, ok = x, x.hi >= hi; return false })
	if !ok {
		return fmt.Errorf("reservation %s: addresses already in use", p)
	}
	s.take(s.free, sp, lo, hi)
	s.resv = append(s.resv, span{lo, hi})
	s.insert(s.resFree, span{lo, hi})
	return nil
}

// Take marks one specific free address as used by something outside the
// simulation (another instance, a load balancer, a Lambda ENI).
func (s *Subnet) Take(a netip.Addr) bool {
	if !s.prefix.Contains(a) {
		return false
	}
	v := addrToU32(a) - s.base
	var sp span
	ok := false
	s.free.DescendLessOrEqual(span{lo: v}, func(x span) bool { sp, ok = x, x.hi >= v; return false })
	if !ok {
		return false
	}
	s.take(s.free, sp, v, v)
	return true
}

// SetLowestFree makes the subnet hand out the lowest free address (and
// aligned /28) instead of the next one after the last handed out.
func (s *Subnet) SetLowestFree(on bool) { s.lowestFree = on }

// AllocAddr takes a free address: the next after the last one handed out
// (wrapping), or the lowest with SetLowestFree.
func (s *Subnet) AllocAddr() (netip.Addr, bool) {
	from := s.cursor
	if s.lowestFree {
		from = 0
	}
	at, sp, ok := s.firstFree(s.free, from)
	if !ok && from > 0 {
		at, sp, ok = s.firstFree(s.free, 0)
	}
	if !ok {
		return netip.Addr{}, false
	}
	s.take(s.free, sp, at, at)
	s.cursor = at + 1
	return u32ToAddr(s.base + at), true
}

// firstFree finds the first free offset at or after from in t and the span
// holding it.
func (s *Subnet) firstFree(t *btree.BTreeG[span], from uint32) (uint32, span, bool) {
	var sp span
	ok := false
	t.DescendLessOrEqual(span{lo: from}, func(x span) bool {
		if x.hi >= from {
			sp, ok = x, true
		}
		return false
	})
	if ok {
		return from, sp, true
	}
	t.AscendGreaterOrEqual(span{lo: from}, func(x span) bool { sp, ok = x, true; return false })
	return sp.lo, sp, ok
}

// firstFree28 finds the first wholly free, aligned /28 at or after from in t.
func (s *Subnet) firstFree28(t *btree.BTreeG[span], from uint32) (uint32, span, bool) {
	var found span
	var at uint32
	ok := false
	visit := func(sp span) bool {
		lo := (max(sp.lo, from) + 15) &^ 15
		if lo >= sp.lo && lo+15 <= sp.hi {
			found, at, ok = sp, lo, true
			return false
		}
		return true
	}
	// The span that holds from, then the ones after it.
	t.DescendLessOrEqual(span{lo: from}, func(sp span) bool {
		if sp.hi >= from {
			visit(sp)
		}
		return false
	})
	if !ok {
		t.AscendGreaterOrEqual(span{lo: from}, visit)
	}
	return at, found, ok
}

// AllocPrefix28 takes a free, aligned /28: from the prefix reservations
// first, then from the general free space; in each, the next after the last
// one handed out (wrapping), or the lowest with SetLowestFree.
func (s *Subnet) AllocPrefix28() (netip.Prefix, bool) {
	for _, t := range []*btree.BTreeG[span]{s.resFree, s.free} {
		cur := &s.cursor
		if t == s.resFree {
			cur = &s.resCursor
		}
		from := *cur
		if s.lowestFree {
			from = 0
		}
		at, sp, ok := s.firstFree28(t, from)
		if !ok && from > 0 {
			at, sp, ok = s.firstFree28(t, 0)
		}
		if ok {
			s.take(t, sp, at, at+15)
			*cur = at + 16
			return netip.PrefixFrom(u32ToAddr(s.base+at), 28), true
		}
	}
	return netip.Prefix{}, false
}

// FreeAligned28 counts the /28 blocks that are wholly free, reservations
// included.
func (s *Subnet) FreeAligned28() int {
	n := 0
	count := func(sp span) bool {
		lo := (sp.lo + 15) &^ 15
		if lo+15 <= sp.hi && lo >= sp.lo {
			n += int((sp.hi + 1 - lo) / 16)
		}
		return true
	}
	s.free.Ascend(count)
	s.resFree.Ascend(count)
	return n
}

// Fragmentation is the share of free addresses that no free aligned /28 can
// use: 0 when all free space is in whole /28s, 1 when none is.
func (s *Subnet) Fragmentation() float64 {
	free := s.nfree + s.nresFree
	if free == 0 {
		return 0
	}
	return 1 - float64(16*s.FreeAligned28())/float64(free)
}

// treeFor returns the free tree that address offset v belongs to.
func (s *Subnet) treeFor(v uint32) *btree.BTreeG[span] {
	for _, r := range s.resv {
		if v >= r.lo && v <= r.hi {
			return s.resFree
		}
	}
	return s.free
}

// Release returns an address or a prefix to the free space. Returning space that
// is already free or outside the subnet is a bug and panics.
func (s *Subnet) Release(p netip.Prefix) {
	if !s.prefix.Contains(p.Addr()) {
		panic(fmt.Sprintf("subnet %s: release of foreign %s", s.prefix, p))
	}
	lo := addrToU32(p.Addr()) - s.base
	hi := lo + (1 << (32 - p.Bits())) - 1
	if lo < awsReservedLow || hi > s.size-1-awsReservedHigh {
		panic(fmt.Sprintf("subnet %s: release of AWS-reserved %s", s.prefix, p))
	}
	t := s.treeFor(lo)
	// Merge with neighbours.
	var prev, next span
	hasPrev, hasNext := false, false
	t.DescendLessOrEqual(span{lo: lo}, func(sp span) bool { prev, hasPrev = sp, true; return false })
	if hasPrev && prev.hi >= lo {
		panic(fmt.Sprintf("subnet %s: double release of %s", s.prefix, p))
	}
	t.AscendGreaterOrEqual(span{lo: lo}, func(sp span) bool { next, hasNext = sp, true; return false })
	if hasNext && next.lo <= hi {
		panic(fmt.Sprintf("subnet %s: double release of %s", s.prefix, p))
	}
	merged := span{lo, hi}
	if hasPrev && prev.hi+1 == lo && s.treeFor(prev.hi) == t {
		s.remove(t, prev)
		merged.lo = prev.lo
	}
	if hasNext && next.lo == hi+1 && s.treeFor(next.lo) == t {
		s.remove(t, next)
		merged.hi = next.hi
	}
	s.insert(t, merged)
}

// IsFree reports whether every address of p is free (for invariant checks).
func (s *Subnet) IsFree(p netip.Prefix) bool {
	lo := addrToU32(p.Addr()) - s.base
	hi := lo + (1 << (32 - p.Bits())) - 1
	ok := false
	s.treeFor(lo).DescendLessOrEqual(span{lo: lo}, func(sp span) bool { ok = sp.hi >= hi; return false })
	return ok
}

func addrToU32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32ToAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Clone returns an independent copy of the subnet's address space (cheap:
// the B-trees are copied lazily).
func (s *Subnet) Clone() *Subnet {
	c := *s
	c.free = s.free.Clone()
	c.resFree = s.resFree.Clone()
	c.resv = append([]span(nil), s.resv...)
	return &c
}
