package vpc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestSubnetReserved(t *testing.T) {
	tests := []struct {
		cidr     string
		size     int
		free     int
		aligned  int
		firstIP  string
		first28  string
		lastFree string
	}{
		// /24: 256 − 5 reserved (.0 .1 .2 .3 .255) = 251 free; usable .4–.254.
		// Aligned /28s wholly inside [.4, .254]: .16 … .224 → (240−16)/16 = 14.
		{"10.0.0.0/24", 256, 251, 14, "10.0.0.4", "10.0.0.16/28", "10.0.0.254"},
		// /28: 16 − 5 = 11; no /28 fits because .0–.3 and .15 are reserved.
		{"10.0.0.0/28", 16, 11, 0, "10.0.0.4", "", "10.0.0.14"},
		// /16: 65536 − 5; aligned /28s: 4096 blocks minus the first (.0.0–.0.15)
		// and the last (.255.240–.255.255) = 4094.
		{"10.1.0.0/16", 65536, 65531, 4094, "10.1.0.4", "10.1.0.16/28", "10.1.255.254"},
		// Unmasked input is masked.
		{"10.2.3.77/26", 64, 59, 2, "10.2.3.68", "10.2.3.80/28", "10.2.3.126"},
	}
	for _, tc := range tests {
		t.Run(tc.cidr, func(t *testing.T) {
			s, err := NewSubnet(pfx(tc.cidr))
			if err != nil {
				t.Fatal(err)
			}
			if s.Size() != tc.size || s.Free() != tc.free || s.FreeAligned28() != tc.aligned {
				t.Fatalf("size %d free %d aligned %d, want %d %d %d", s.Size(), s.Free(), s.FreeAligned28(), tc.size, tc.free, tc.aligned)
			}
			if s.Prefix() != pfx(tc.cidr).Masked() {
				t.Errorf("Prefix %s, want %s", s.Prefix(), pfx(tc.cidr).Masked())
			}
			base := s.Prefix().Addr()
			for i := 0; i < 4; i++ {
				if s.IsFree(netip.PrefixFrom(base, 32)) {
					t.Errorf("reserved %s is free", base)
				}
				base = base.Next()
			}
			if !s.IsFree(netip.PrefixFrom(netip.MustParseAddr(tc.firstIP), 32)) {
				t.Errorf("%s not free", tc.firstIP)
			}
			last := netip.MustParseAddr(tc.lastFree)
			if !s.IsFree(netip.PrefixFrom(last, 32)) || s.IsFree(netip.PrefixFrom(last.Next(), 32)) {
				t.Errorf("%s must be free and %s (broadcast) reserved", last, last.Next())
			}
			if tc.first28 != "" {
				c := cloneSubnet(s)
				p, ok := c.AllocPrefix28()
				if !ok || p != pfx(tc.first28) {
					t.Errorf("first /28 = %s %v, want %s", p, ok, tc.first28)
				}
			} else if _, ok := cloneSubnet(s).AllocPrefix28(); ok {
				t.Errorf("a /28 was allocated from %s", tc.cidr)
			}
			a, ok := s.AllocAddr()
			if !ok || a != netip.MustParseAddr(tc.firstIP) {
				t.Errorf("first address = %s %v, want %s", a, ok, tc.firstIP)
			}
			if s.Free() != tc.free-1 {
				t.Errorf("free after one alloc = %d, want %d", s.Free(), tc.free-1)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/29", "10.0.0.0/15", "2001:db8::/64"} {
		if _, err := NewSubnet(pfx(bad)); err == nil {
			t.Errorf("NewSubnet(%s): no error", bad)
		}
	}
}

// cloneSubnet copies a subnet's free space for tests.
func cloneSubnet(s *Subnet) *Subnet {
	return s.Clone()
}

func TestSubnetLowestFree(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	// Sequential allocations: .4, .5, .6, ...
	for i := 4; i < 10; i++ {
		a, ok := s.AllocAddr()
		if want := netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}); !ok || a != want {
			t.Fatalf("alloc %d = %s, want %s", i, a, want)
		}
	}
	// Release .6 and .8: the next two allocations reuse them, lowest first.
	s.Release(pfx("10.0.0.8/32"))
	s.Release(pfx("10.0.0.6/32"))
	for _, want := range []string{"10.0.0.6", "10.0.0.8", "10.0.0.10"} {
		if a, _ := s.AllocAddr(); a != netip.MustParseAddr(want) {
			t.Fatalf("alloc = %s, want %s", a, want)
		}
	}
	// Addresses .4–.10 are taken, so the lowest aligned /28 is .16; then .32.
	for _, want := range []string{"10.0.0.16/28", "10.0.0.32/28"} {
		if p, ok := s.AllocPrefix28(); !ok || p != pfx(want) {
			t.Fatalf("AllocPrefix28 = %s %v, want %s", p, ok, want)
		}
	}
	// Single addresses still fill the hole below .16 first: .11.
	if a, _ := s.AllocAddr(); a != netip.MustParseAddr("10.0.0.11") {
		t.Fatalf("alloc = %s, want 10.0.0.11", a)
	}
	// free: 251 − 7 (.4–.10) − 32 − 1 (.11) = 211
	if s.Free() != 211 {
		t.Errorf("free = %d, want 211", s.Free())
	}
	// aligned: 14 − 2 = 12
	if s.FreeAligned28() != 12 {
		t.Errorf("FreeAligned28 = %d, want 12", s.FreeAligned28())
	}
	// Release the /28 at .16: the next /28 is .16 again.
	s.Release(pfx("10.0.0.16/28"))
	if p, _ := s.AllocPrefix28(); p != pfx("10.0.0.16/28") {
		t.Errorf("AllocPrefix28 after release = %s, want 10.0.0.16/28", p)
	}
}

func TestSubnetFragmentation(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	var got []netip.Addr
	for {
		a, ok := s.AllocAddr()
		if !ok {
			break
		}
		got = append(got, a)
	}
	if len(got) != 251 || s.Free() != 0 {
		t.Fatalf("allocated %d, free %d; want 251, 0", len(got), s.Free())
	}
	if _, ok := s.AllocPrefix28(); ok {
		t.Fatal("AllocPrefix28 on a full subnet succeeded")
	}
	// Free 15 addresses of every /28 block except one address per block (the
	// block's 4th, .x3), e.g. .16–.18 and .20–.31 of .16/28: 15 free per block,
	// no block wholly free.
	freed := 0
	for _, a := range got {
		b := a.As4()[3]
		if b%16 == 3 {
			continue
		}
		s.Release(netip.PrefixFrom(a, 32))
		freed++
	}
	if s.Free() != freed || freed < 200 {
		t.Fatalf("free %d, want %d (≥200)", s.Free(), freed)
	}
	if n := s.FreeAligned28(); n != 0 {
		t.Errorf("FreeAligned28 = %d, want 0 (every block has .x3 taken)", n)
	}
	if p, ok := s.AllocPrefix28(); ok {
		t.Errorf("AllocPrefix28 = %s with %d free but no aligned block", p, s.Free())
	}
	// A single address still works.
	if a, ok := s.AllocAddr(); !ok || a != netip.MustParseAddr("10.0.0.4") {
		t.Errorf("AllocAddr = %s %v, want 10.0.0.4", a, ok)
	}
	// Releasing .35 makes .32/28 whole: exactly one aligned block.
	s.Release(pfx("10.0.0.35/32"))
	if n := s.FreeAligned28(); n != 1 {
		t.Errorf("FreeAligned28 = %d, want 1", n)
	}
	if p, ok := s.AllocPrefix28(); !ok || p != pfx("10.0.0.32/28") {
		t.Errorf("AllocPrefix28 = %s %v, want 10.0.0.32/28", p, ok)
	}
}

func TestSubnetReleaseMerges(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	free0, al0 := s.Free(), s.FreeAligned28()
	p1, _ := s.AllocPrefix28() // .16/28
	a1, _ := s.AllocAddr()     // .4
	p2, _ := s.AllocPrefix28() // .32/28
	a2, _ := s.AllocAddr()     // .5
	if s.Free() != free0-34 || s.FreeAligned28() != al0-2 {
		t.Fatalf("after allocs free %d aligned %d, want %d %d", s.Free(), s.FreeAligned28(), free0-34, al0-2)
	}
	for _, p := range []netip.Prefix{p1, netip.PrefixFrom(a2, 32), p2, netip.PrefixFrom(a1, 32)} {
		s.Release(p)
	}
	if s.Free() != free0 || s.FreeAligned28() != al0 {
		t.Errorf("after releases free %d aligned %d, want %d %d", s.Free(), s.FreeAligned28(), free0, al0)
	}
	if n := s.free.Len(); n != 1 {
		t.Errorf("%d free spans after releasing everything, want 1 (merged)", n)
	}
	if !s.IsFree(pfx("10.0.0.4/30")) || s.IsFree(pfx("10.0.0.128/25")) {
		t.Errorf("IsFree: .4/30 should be free, .128/25 (holds the reserved .255) not")
	}
	if !s.IsFree(pfx("10.0.0.16/28")) || s.IsFree(pfx("10.0.0.240/28")) {
		t.Errorf("IsFree wrong: .16/28 should be free, .240/28 (holds .255) not")
	}
}

func TestSubnetDoubleReleasePanics(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	a, _ := s.AllocAddr()
	p, _ := s.AllocPrefix28()
	s.Release(netip.PrefixFrom(a, 32))
	mustPanic(t, "double release of an address", func() { s.Release(netip.PrefixFrom(a, 32)) })
	mustPanic(t, "release of a never-allocated address", func() { s.Release(pfx("10.0.0.100/32")) })
	s.Release(p)
	mustPanic(t, "double release of a /28", func() { s.Release(p) })
	mustPanic(t, "release of a foreign address", func() { s.Release(pfx("10.9.0.7/32")) })
	if s.Free() != 251 {
		t.Errorf("free = %d after refused releases, want 251 (unchanged)", s.Free())
	}
	// A /28 whose block is partly free already: .16/28 allocated, .20 released
	// on its own, then the whole block released.
	s2 := lowestFree(MustSubnet("10.0.0.0/24"))
	q, _ := s2.AllocPrefix28()
	s2.Release(pfx("10.0.0.20/32"))
	mustPanic(t, "release of a /28 overlapping free space", func() { s2.Release(q) })
	// The last address before a free span: .16/28 allocated, .31 released, then .31 again.
	s3 := lowestFree(MustSubnet("10.0.0.0/24"))
	s3.AllocPrefix28()
	s3.Release(pfx("10.0.0.31/32"))
	mustPanic(t, "double release merged into the next span", func() { s3.Release(pfx("10.0.0.31/32")) })
}

// refSubnet is a naive bitmap model of a subnet: true = free.
type refSubnet struct {
	base netip.Addr
	free []bool
}

func newRefSubnet(p netip.Prefix) *refSubnet {
	n := 1 << (32 - p.Bits())
	r := &refSubnet{base: p.Masked().Addr(), free: make([]bool, n)}
	for i := 4; i < n-1; i++ { // AWS keeps .0–.3 and the last address
		r.free[i] = true
	}
	return r
}

func (r *refSubnet) addr(i int) netip.Addr {
	return u32ToAddr(addrToU32(r.base) + uint32(i))
}

func (r *refSubnet) count() (free, aligned int) {
	for i, f := range r.free {
		if f {
			free++
		}
		if i%16 == 0 && i+16 <= len(r.free) {
			all := true
			for j := i; j < i+16; j++ {
				all = all && r.free[j]
			}
			if all {
				aligned++
			}
		}
	}
	return
}

func (r *refSubnet) allocAddr() (netip.Addr, bool) {
	for i, f := range r.free {
		if f {
			r.free[i] = false
			return r.addr(i), true
		}
	}
	return netip.Addr{}, false
}

func (r *refSubnet) alloc28() (netip.Prefix, bool) {
	for i := 0; i+16 <= len(r.free); i += 16 {
		all := true
		for j := i; j < i+16; j++ {
			all = all && r.free[j]
		}
		if all {
			for j := i; j < i+16; j++ {
				r.free[j] = false
			}
			return netip.PrefixFrom(r.addr(i), 28), true
		}
	}
	return netip.Prefix{}, false
}

func (r *refSubnet) release(p netip.Prefix) {
	i := int(addrToU32(p.Addr()) - addrToU32(r.base))
	for j := i; j < i+(1<<(32-p.Bits())); j++ {
		r.free[j] = true
	}
}

// TestSubnetAgainstBitmap drives Subnet and a naive bitmap with the same
// random allocations and releases and compares every answer.
func TestSubnetAgainstBitmap(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/28", "10.0.0.0/26", "10.0.4.0/24", "10.0.0.0/22"} {
		for seed := uint64(1); seed <= 6; seed++ {
			p := pfx(cidr)
			s := lowestFree(MustSubnet(cidr))
			r := newRefSubnet(p)
			rng := rand.New(rand.NewPCG(seed, 99))
			var held []netip.Prefix
			steps := 4000
			for step := 0; step < steps; step++ {
				op := rng.IntN(10)
				switch {
				case op < 4: // single address
					a, ok := s.AllocAddr()
					ra, rok := r.allocAddr()
					if ok != rok || a != ra {
						t.Fatalf("%s seed %d step %d: AllocAddr = %s %v, reference %s %v", cidr, seed, step, a, ok, ra, rok)
					}
					if ok {
						held = append(held, netip.PrefixFrom(a, 32))
					}
				case op < 7: // /28
					q, ok := s.AllocPrefix28()
					rq, rok := r.alloc28()
					if ok != rok || q != rq {
						t.Fatalf("%s seed %d step %d: AllocPrefix28 = %s %v, reference %s %v", cidr, seed, step, q, ok, rq, rok)
					}
					if ok {
						if q.Masked() != q {
							t.Fatalf("unaligned /28 %s", q)
						}
						held = append(held, q)
					}
				default: // release something held
					if len(held) == 0 {
						continue
					}
					k := rng.IntN(len(held))
					q := held[k]
					held[k] = held[len(held)-1]
					held = held[:len(held)-1]
					s.Release(q)
					r.release(q)
				}
				free, aligned := r.count()
				if s.Free() != free || s.FreeAligned28() != aligned {
					t.Fatalf("%s seed %d step %d: free %d aligned %d, reference %d %d", cidr, seed, step, s.Free(), s.FreeAligned28(), free, aligned)
				}
				// IsFree for a few random addresses and blocks.
				for k := 0; k < 4; k++ {
					i := rng.IntN(len(r.free))
					if got := s.IsFree(netip.PrefixFrom(r.addr(i), 32)); got != r.free[i] {
						t.Fatalf("%s seed %d step %d: IsFree(%s) = %v, reference %v", cidr, seed, step, r.addr(i), got, r.free[i])
					}
					b := i &^ 15
					all := true
					for j := b; j < b+16 && j < len(r.free); j++ {
						all = all && r.free[j]
					}
					if got := s.IsFree(netip.PrefixFrom(r.addr(b), 28)); got != all {
						t.Fatalf("%s seed %d step %d: IsFree(%s/28) = %v, reference %v", cidr, seed, step, r.addr(b), got, all)
					}
				}
				// Spans stay disjoint, non-adjacent and sorted.
				if step%97 == 0 {
					prevHi := int64(-2)
					s.free.Ascend(func(sp span) bool {
						if int64(sp.lo) <= prevHi+1 || sp.hi < sp.lo {
							t.Fatalf("%s seed %d step %d: span %v after hi %d (not merged or overlapping)", cidr, seed, step, sp, prevHi)
						}
						prevHi = int64(sp.hi)
						return true
					})
				}
			}
			// Release everything: back to the fresh state.
			for _, q := range held {
				s.Release(q)
			}
			fresh := lowestFree(MustSubnet(cidr))
			if s.Free() != fresh.Free() || s.FreeAligned28() != fresh.FreeAligned28() || s.free.Len() != 1 {
				t.Errorf("%s seed %d: after releasing all: free %d aligned %d spans %d, want %d %d 1",
					cidr, seed, s.Free(), s.FreeAligned28(), s.free.Len(), fresh.Free(), fresh.FreeAligned28())
			}
		}
	}
}

func TestSubnetReservePrefixes(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	if err := s.ReservePrefixes(pfx("10.0.0.64/27")); err != nil {
		t.Fatal(err)
	}
	// 251 − 32 general, 32 reserved; the /28 count is unchanged (14).
	if s.Free() != 219 || s.ReservedFree() != 32 || s.Reserved() != 32 || s.FreeAligned28() != 14 {
		t.Fatalf("free %d reserved free %d reserved %d aligned %d, want 219 32 32 14",
			s.Free(), s.ReservedFree(), s.Reserved(), s.FreeAligned28())
	}
	// Errors: in use (overlapping the reservation), not inside, too small.
	for _, bad := range []string{"10.0.0.64/28", "10.0.0.0/25", "10.0.1.0/28", "10.0.0.128/29"} {
		if err := s.ReservePrefixes(pfx(bad)); err == nil {
			t.Errorf("ReservePrefixes(%s): no error", bad)
		}
	}
	// Prefixes come from the reservation first, although .16/28 is lower.
	p1, _ := s.AllocPrefix28()
	p2, _ := s.AllocPrefix28()
	p3, _ := s.AllocPrefix28()
	if p1 != pfx("10.0.0.64/28") || p2 != pfx("10.0.0.80/28") || p3 != pfx("10.0.0.16/28") {
		t.Errorf("prefixes %s %s %s, want .64/28 .80/28 (reserved) then .16/28", p1, p2, p3)
	}
	if s.ReservedFree() != 0 || s.Free() != 219-16 {
		t.Errorf("reserved free %d, free %d; want 0, 203", s.ReservedFree(), s.Free())
	}
	// Single addresses never come from the reservation.
	s.Release(p1)
	if s.ReservedFree() != 16 {
		t.Errorf("after releasing .64/28: reserved free %d, want 16", s.ReservedFree())
	}
	n := 0
	for {
		a, ok := s.AllocAddr()
		if !ok {
			break
		}
		n++
		if pfx("10.0.0.64/27").Contains(a) {
			t.Fatalf("single address %s from the prefix reservation", a)
		}
	}
	if n != 203 || s.Free() != 0 || s.ReservedFree() != 16 {
		t.Errorf("allocated %d singles (want 203), free %d, reserved free %d", n, s.Free(), s.ReservedFree())
	}
	if p, ok := s.AllocPrefix28(); !ok || p != pfx("10.0.0.64/28") {
		t.Errorf("AllocPrefix28 with only the reservation free = %s %v, want .64/28", p, ok)
	}
	if s.MinFree() != 0 {
		t.Errorf("MinFree = %d, want 0", s.MinFree())
	}
}

func TestSubnetTake(t *testing.T) {
	s := lowestFree(MustSubnet("10.0.0.0/24"))
	if err := s.ReservePrefixes(pfx("10.0.0.32/28")); err != nil {
		t.Fatal(err)
	}
	if !s.Take(addr("10.0.0.5")) {
		t.Fatal("Take(.5) of a free address failed")
	}
	for _, a := range []string{"10.0.0.5", "10.0.0.2", "10.0.0.255", "10.0.0.40", "10.0.1.5"} {
		if s.Take(addr(a)) {
			t.Errorf("Take(%s) succeeded (taken, AWS-reserved, prefix-reserved or foreign)", a)
		}
	}
	if a, _ := s.AllocAddr(); a != addr("10.0.0.4") {
		t.Errorf("AllocAddr = %s, want .4", a)
	}
	if a, _ := s.AllocAddr(); a != addr("10.0.0.6") {
		t.Errorf("AllocAddr = %s, want .6 (.5 taken)", a)
	}
	if got := s.Free(); got != 251-16-3 {
		t.Errorf("free %d, want 232", got)
	}
	// .4–.6 are in .0/28, never whole (AWS keeps .0–.3), and the free reserved
	// .32/28 still counts: 14 whole blocks. Fragmentation is the share of free
	// addresses outside them: 1 − 16·14/(232+16).
	if s.FreeAligned28() != 14 {
		t.Errorf("FreeAligned28 = %d, want 14", s.FreeAligned28())
	}
	free := s.Free() + s.ReservedFree() // 232 + 16 = 248
	want := 1 - float64(16*14)/float64(free)
	if got := s.Fragmentation(); got < want-1e-12 || got > want+1e-12 {
		t.Errorf("Fragmentation = %v, want %v", got, want)
	}
}

// TestSubnetReservationsAgainstBitmap extends the bitmap comparison with
// prefix reservations (singles never from them, /28s from them first) and
// external Takes.
func TestSubnetReservationsAgainstBitmap(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/26", "10.0.4.0/24", "10.0.0.0/22"} {
		for seed := uint64(1); seed <= 6; seed++ {
			p := pfx(cidr)
			s := lowestFree(MustSubnet(cidr))
			r := newRefSubnet(p)
			resv := make([]bool, len(r.free))
			rng := rand.New(rand.NewPCG(seed, 7))
			blocks := len(r.free) / 16
			var held []netip.Prefix
			reserve := func(step int) {
				b := rng.IntN(blocks)
				size := 1
				if rng.IntN(3) == 0 && b%2 == 0 && b+1 < blocks {
					size = 2 // a /27
				}
				q := netip.PrefixFrom(r.addr(16*b), 28-(size-1))
				ok := true
				for j := 16 * b; j < 16*(b+size); j++ {
					inRange := j >= 4 && j < len(r.free)-1
					// A reservation may not cover the AWS-reserved addresses.
					if resv[j] || !inRange || !r.free[j] {
						ok = false
					}
				}
				err := s.ReservePrefixes(q)
				if (err == nil) != ok {
					t.Fatalf("%s seed %d step %d: ReservePrefixes(%s) err %v, reference ok %v", cidr, seed, step, q, err, ok)
				}
				if ok {
					for j := 16 * b; j < 16*(b+size); j++ {
						if j >= 4 && j < len(r.free)-1 {
							resv[j] = true
						}
					}
				}
			}
			for k := 0; k < 2; k++ {
				reserve(-1)
			}
			for step := 0; step < 3000; step++ {
				switch op := rng.IntN(20); {
				case op == 0:
					reserve(step)
				case op == 1: // external take of a random address
					i := rng.IntN(len(r.free))
					want := r.free[i] && !resv[i]
					if got := s.Take(r.addr(i)); got != want {
						t.Fatalf("%s seed %d step %d: Take(%s) = %v, reference %v", cidr, seed, step, r.addr(i), got, want)
					}
					if want {
						r.free[i] = false
					}
				case op < 9: // single address: lowest free, not reserved
					a, ok := s.AllocAddr()
					var ra netip.Addr
					rok := false
					for i, f := range r.free {
						if f && !resv[i] {
							r.free[i], ra, rok = false, r.addr(i), true
							break
						}
					}
					if ok != rok || a != ra {
						t.Fatalf("%s seed %d step %d: AllocAddr = %s %v, reference %s %v", cidr, seed, step, a, ok, ra, rok)
					}
					if ok {
						held = append(held, netip.PrefixFrom(a, 32))
					}
				case op < 14: // /28: lowest wholly free reserved block, else lowest wholly free general block
					q, ok := s.AllocPrefix28()
					var rq netip.Prefix
					rok := false
					for _, wantResv := range []bool{true, false} {
						for b := 0; b < blocks && !rok; b++ {
							all := true
							for j := 16 * b; j < 16*b+16; j++ {
								all = all && r.free[j] && resv[j] == wantResv
							}
							if all {
								for j := 16 * b; j < 16*b+16; j++ {
									r.free[j] = false
								}
								rq, rok = netip.PrefixFrom(r.addr(16*b), 28), true
							}
						}
					}
					if ok != rok || q != rq {
						t.Fatalf("%s seed %d step %d: AllocPrefix28 = %s %v, reference %s %v", cidr, seed, step, q, ok, rq, rok)
					}
					if ok {
						held = append(held, q)
					}
				default:
					if len(held) == 0 {
						continue
					}
					k := rng.IntN(len(held))
					q := held[k]
					held[k] = held[len(held)-1]
					held = held[:len(held)-1]
					s.Release(q)
					r.release(q)
				}
				var gen, res, aligned int
				for i, f := range r.free {
					if f && resv[i] {
						res++
					} else if f {
						gen++
					}
				}
				_, aligned = r.count()
				if s.Free() != gen || s.ReservedFree() != res || s.FreeAligned28() != aligned {
					t.Fatalf("%s seed %d step %d: free %d reserved free %d aligned %d, reference %d %d %d",
						cidr, seed, step, s.Free(), s.ReservedFree(), s.FreeAligned28(), gen, res, aligned)
				}
				for k := 0; k < 4; k++ {
					i := rng.IntN(len(r.free))
					if got := s.IsFree(netip.PrefixFrom(r.addr(i), 32)); got != r.free[i] {
						t.Fatalf("%s seed %d step %d: IsFree(%s) = %v, reference %v", cidr, seed, step, r.addr(i), got, r.free[i])
					}
				}
			}
		}
	}
}

// lowestFree switches a subnet to lowest-free allocation: the reference
// comparisons above model that order.
func lowestFree(s *Subnet) *Subnet {
	s.SetLowestFree(true)
	return s
}

// TestSubnetNextFit: by default addresses and /28s are handed out next-fit
// (after the last one handed out, wrapping), so a just-released address is
// not reused until the rest of the subnet has been handed out.
func TestSubnetNextFit(t *testing.T) {
	s := MustSubnet("10.0.0.0/28") // usable .4-.14: 11 addresses
	var got []string
	for i := 0; i < 3; i++ {
		a, _ := s.AllocAddr()
		got = append(got, a.String())
	}
	s.Release(netip.MustParsePrefix("10.0.0.4/32"))
	a, _ := s.AllocAddr()
	got = append(got, a.String())
	if want := "[10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7]"; fmt.Sprint(got) != want {
		t.Fatalf("allocations %v, want %s (.4 is not reused at once)", got, want)
	}
	// Exhaust the rest (.8-.14), then the wrap reuses .4.
	for i := 0; i < 7; i++ {
		if _, ok := s.AllocAddr(); !ok {
			t.Fatalf("allocation %d failed", i)
		}
	}
	if a, ok := s.AllocAddr(); !ok || a != netip.MustParseAddr("10.0.0.4") {
		t.Fatalf("after wrapping: %v %v, want 10.0.0.4", a, ok)
	}
	if _, ok := s.AllocAddr(); ok {
		t.Fatal("allocation from a full subnet succeeded")
	}

	p := MustSubnet("10.0.0.0/24")
	p1, _ := p.AllocPrefix28() // .16/28
	p2, _ := p.AllocPrefix28() // .32/28
	p.Release(p1)
	p3, _ := p.AllocPrefix28() // next-fit: .48/28, not .16/28 again
	if p1.String() != "10.0.0.16/28" || p2.String() != "10.0.0.32/28" || p3.String() != "10.0.0.48/28" {
		t.Fatalf("prefixes %s %s %s, want .16 .32 .48", p1, p2, p3)
	}
	a4, _ := p.AllocAddr() // the general cursor is after .48/28
	if a4 != netip.MustParseAddr("10.0.0.64") {
		t.Fatalf("address after the prefixes %s, want 10.0.0.64", a4)
	}
}
