package gomap

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
)

func prefixes(n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	base := netip.MustParseAddr("10.0.0.0").As4()
	for i := range out {
		b := base
		b[2], b[3] = byte(i>>4), byte(i%16*16)
		out[i] = netip.PrefixFrom(netip.AddrFrom4(b), 28)
	}
	return out
}

func addrs(p netip.Prefix) []netip.Addr {
	out := make([]netip.Addr, 16)
	a := p.Addr()
	for i := range out {
		out[i] = a
		a = a.Next()
	}
	return out
}

// churn is a steady-state workload: a map of n entries where one entry is
// deleted and another inserted per step (ipamd's addresses and CIDRs).
type churn struct {
	m    *Map[netip.Prefix, int]
	keys []netip.Prefix
	live int
	next int
}

func newChurn(n int) *churn {
	keys := prefixes(2 * n)
	m := New[netip.Prefix, int](rand.New(rand.NewPCG(1, 1)), PrefixBits)
	for i := range n {
		m.Set(keys[i], i)
	}
	return &churn{m: m, keys: keys, live: n, next: n}
}

func (c *churn) step() {
	// Delete the oldest live key, insert the next one (a ring of 2n keys).
	c.m.Delete(c.keys[(c.next-c.live+len(c.keys))%len(c.keys)])
	c.m.Set(c.keys[c.next%len(c.keys)], c.next)
	c.next++
}

func (c *churn) walkFirst() netip.Prefix {
	it := c.m.Iter()
	k, _, _ := it.Next()
	return k
}

func (c *churn) walkAll() int {
	n := 0
	for _, v := range c.m.All() {
		n += v
	}
	return n
}

// TestSteadyStateAllocationFree: once a map has reached its size, Set,
// Delete, walks (Iter and All) and Reset to a size it has held allocate nothing.
func TestSteadyStateAllocationFree(t *testing.T) {
	for _, n := range []int{3, 16, 49} {
		c := newChurn(n)
		for range 4 * n { // let tombstones and pruning settle
			c.step()
		}
		if a := testing.AllocsPerRun(200, c.step); a != 0 {
			t.Errorf("%d entries: Delete+Set allocates %.1f times", n, a)
		}
		if a := testing.AllocsPerRun(200, func() { c.walkFirst() }); a != 0 {
			t.Errorf("%d entries: Iter allocates %.1f times", n, a)
		}
		if a := testing.AllocsPerRun(200, func() { c.walkAll() }); a != 0 {
			t.Errorf("%d entries: All allocates %.1f times", n, a)
		}
	}
	// GetENIInfos: a fresh copy, made again and again.
	src := newChurn(15)
	dst := New[netip.Prefix, int](rand.New(rand.NewPCG(2, 2)), PrefixBits)
	cp := func() {
		dst.Reset(src.m.Len())
		for k, v := range src.m.All() {
			dst.Set(k, v)
		}
	}
	cp()
	if a := testing.AllocsPerRun(200, cp); a != 0 {
		t.Errorf("copy of 15 entries allocates %.1f times", a)
	}
}

func BenchmarkDeleteSet(b *testing.B) {
	for _, n := range []int{3, 16, 49} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			c := newChurn(n)
			b.ReportAllocs()
			for b.Loop() {
				c.step()
			}
		})
	}
}

func BenchmarkWalkFirst(b *testing.B) {
	for _, n := range []int{3, 16, 49} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			c := newChurn(n)
			b.ReportAllocs()
			for b.Loop() {
				c.walkFirst()
			}
		})
	}
}

func BenchmarkWalkAll(b *testing.B) {
	for _, n := range []int{3, 16, 49} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			c := newChurn(n)
			b.ReportAllocs()
			for b.Loop() {
				c.walkAll()
			}
		})
	}
}

// BenchmarkPodAdd is one ADD and one DEL as the datastore will run them: walk
// 3 ENIs to the first, walk its 10 /28s to the first, walk that /28's
// address map, then add the pod's address, and on DEL delete it.
func BenchmarkPodAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	enis := New[int, *Map[netip.Prefix, *Map[netip.Addr, int]]](rng, func(id int) uint64 { return uint64(id) })
	for e := range 3 {
		cidrs := New[netip.Prefix, *Map[netip.Addr, int]](rng, PrefixBits)
		for _, p := range prefixes(10) {
			cidrs.Set(p, New[netip.Addr, int](rng, AddrBits))
		}
		enis.Set(e, cidrs)
	}
	addr := addrs(prefixes(1)[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		eit := enis.Iter()
		_, cidrs, _ := eit.Next()
		cit := cidrs.Iter()
		_, ips, _ := cit.Next()
		for range ips.All() {
		}
		a := addr[i%16]
		ips.Set(a, i)
		ips.Delete(a)
		i++
	}
}

func BenchmarkCopy(b *testing.B) {
	for _, n := range []int{3, 15} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			src := newChurn(n)
			dst := New[netip.Prefix, int](rand.New(rand.NewPCG(2, 2)), PrefixBits)
			b.ReportAllocs()
			for b.Loop() {
				dst.Reset(src.m.Len())
				for k, v := range src.m.All() {
					dst.Set(k, v)
				}
			}
		})
	}
}

// BenchmarkGoMapReference is the same churn and first-entry walk on a real
// Go map, to read the emulation's figures against.
func BenchmarkGoMapReference(b *testing.B) {
	const n = 16
	keys := prefixes(2 * n)
	m := map[netip.Prefix]int{}
	for i := range n {
		m[keys[i]] = i
	}
	next := n
	b.Run("DeleteSet/16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			delete(m, keys[(next-n)%len(keys)])
			m[keys[next%len(keys)]] = next
			next++
		}
	})
	b.Run("WalkFirst/16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for range m {
				break
			}
		}
	})
}
