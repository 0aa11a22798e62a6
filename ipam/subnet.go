package ipam

import (
	"fmt"
	"net/netip"

	"github.com/google/btree"
)

// Subnet is a VPC subnet's IPv4 address space as EC2 hands it out: AWS keeps the
// first four and the last address of every subnet, ENI primary and secondary
// IPs take single addresses, and a /28 prefix needs an aligned block of 16 free
// addresses, so fragmentation can refuse a prefix while addresses remain
// (ipamd-behaviour.md §4 "Subnet exhaustion").
//
// Free space is a set of disjoint ranges in a B-tree keyed by first address.
// EC2 picks addresses in an order it does not document; ipamsim takes the
// lowest free address (and the lowest free aligned /28), which is deterministic.
type Subnet struct {
	prefix netip.Prefix
	base   uint32 // first address of the subnet
	size   uint32 // number of addresses
	free   *btree.BTreeG[span]
	nfree  int
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
	s := &Subnet{prefix: p, base: addrToU32(p.Addr()), size: 1 << (32 - p.Bits()), free: btree.NewG(16, spanLess)}
	s.insert(span{awsReservedLow, s.size - 1 - awsReservedHigh})
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

func (s *Subnet) insert(sp span) {
	s.free.ReplaceOrInsert(sp)
	s.nfree += int(sp.hi - sp.lo + 1)
}

func (s *Subnet) remove(sp span) {
	s.free.Delete(sp)
	s.nfree -= int(sp.hi - sp.lo + 1)
}

// take removes [lo, hi] from the free span sp that contains it.
func (s *Subnet) take(sp span, lo, hi uint32) {
	s.remove(sp)
	if sp.lo < lo {
		s.insert(span{sp.lo, lo - 1})
	}
	if hi < sp.hi {
		s.insert(span{hi + 1, sp.hi})
	}
}

// AllocAddr takes the lowest free address.
func (s *Subnet) AllocAddr() (netip.Addr, bool) {
	sp, ok := s.free.Min()
	if !ok {
		return netip.Addr{}, false
	}
	s.take(sp, sp.lo, sp.lo)
	return u32ToAddr(s.base + sp.lo), true
}

// AllocPrefix28 takes the lowest free, aligned /28.
func (s *Subnet) AllocPrefix28() (netip.Prefix, bool) {
	var found span
	var at uint32
	ok := false
	s.free.Ascend(func(sp span) bool {
		lo := (sp.lo + 15) &^ 15
		if lo >= sp.lo && lo+15 <= sp.hi {
			found, at, ok = sp, lo, true
			return false
		}
		return true
	})
	if !ok {
		return netip.Prefix{}, false
	}
	s.take(found, at, at+15)
	return netip.PrefixFrom(u32ToAddr(s.base+at), 28), true
}

// FreeAligned28 counts the /28 blocks that are wholly free.
func (s *Subnet) FreeAligned28() int {
	n := 0
	s.free.Ascend(func(sp span) bool {
		lo := (sp.lo + 15) &^ 15
		if lo+15 <= sp.hi && lo >= sp.lo {
			n += int((sp.hi + 1 - lo) / 16)
		}
		return true
	})
	return n
}

// Release returns an address or a prefix to the free space. Returning space that
// is already free or outside the subnet is a bug and panics.
func (s *Subnet) Release(p netip.Prefix) {
	if !s.prefix.Contains(p.Addr()) {
		panic(fmt.Sprintf("subnet %s: release of foreign %s", s.prefix, p))
	}
	lo := addrToU32(p.Addr()) - s.base
	hi := lo + (1 << (32 - p.Bits())) - 1
	// Merge with neighbours.
	var prev, next span
	hasPrev, hasNext := false, false
	s.free.DescendLessOrEqual(span{lo: lo}, func(sp span) bool { prev, hasPrev = sp, true; return false })
	if hasPrev && prev.hi >= lo {
		panic(fmt.Sprintf("subnet %s: double release of %s", s.prefix, p))
	}
	s.free.AscendGreaterOrEqual(span{lo: lo}, func(sp span) bool { next, hasNext = sp, true; return false })
	if hasNext && next.lo <= hi {
		panic(fmt.Sprintf("subnet %s: double release of %s", s.prefix, p))
	}
	merged := span{lo, hi}
	if hasPrev && prev.hi+1 == lo {
		s.remove(prev)
		merged.lo = prev.lo
	}
	if hasNext && next.lo == hi+1 {
		s.remove(next)
		merged.hi = next.hi
	}
	s.insert(merged)
}

// IsFree reports whether every address of p is free (for invariant checks).
func (s *Subnet) IsFree(p netip.Prefix) bool {
	lo := addrToU32(p.Addr()) - s.base
	hi := lo + (1 << (32 - p.Bits())) - 1
	ok := false
	s.free.DescendLessOrEqual(span{lo: lo}, func(sp span) bool { ok = sp.hi >= hi; return false })
	return ok
}

func addrToU32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32ToAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
