package gomap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The figures issue 11 measured with real Go 1.26 maps on a node with three
// ENIs attached in order (the primary at boot, two more by the pool) and none
// freed, so eniPool's small group holds them in slots 0, 1, 2
// (docs/go-map-order.md):
//
//   - getDeletableENI walks eniPool and takes the first eligible non-primary
//     ENI: ENI 2 unless the walk starts at slot 2, so 7/8.
//   - tryUnassignCidrsFromAll walks a fresh copy of eniPool made by
//     GetENIInfos: make(map, 3) filled in eniPool's walk order (0,1,2 with
//     probability 6/8; 1,2,0 and 2,0,1 with 1/8 each), then walked from a new
//     offset (slot 0 first with probability 6/8). ENI 1 comes first with
//     probability 6/8·6/8 + 1/8·1/8 + 1/8·1/8 = 38/64 ≈ 59 %.

const (
	eni1, eni2, eni3 = "eni-0a1b2c3d4e5f60001", "eni-0a1b2c3d4e5f60002", "eni-0a1b2c3d4e5f60003"
)

func emulatedPool(rng *rand.Rand) *Map[string, int] {
	pool := New[string, int](rng, StringBits)
	pool.Set(eni1, 1)
	pool.Set(eni2, 2)
	pool.Set(eni3, 3)
	return pool
}

// copyInWalkOrder is GetENIInfos: a fresh map sized for src, filled in src's
// walk order.
func copyInWalkOrder(dst, src *Map[string, int], srcWalk Iter[string, int]) {
	dst.Reset(src.Len())
	for k, v, ok := srcWalk.Next(); ok; k, v, ok = srcWalk.Next() {
		dst.Set(k, v)
	}
}

// TestIssueFiguresExact enumerates every walk offset the emulation can draw.
func TestIssueFiguresExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pool := emulatedPool(rng)
	cp := New[string, int](rng, StringBits)

	deletable := 0
	for o := range uint64(groupSlots) {
		it := Iter[string, int]{m: pool, gen: pool.gen, offset: o, small: true}
		for k, _, ok := it.Next(); ok; k, _, ok = it.Next() {
			if k != eni1 { // the first non-primary ENI walked
				if k == eni2 {
					deletable++
				}
				break
			}
		}
	}
	if deletable != 7 {
		t.Errorf("getDeletableENI picks ENI 2 for %d of 8 offsets, want 7", deletable)
	}

	first := 0
	for o1 := range uint64(groupSlots) {
		copyInWalkOrder(cp, pool, Iter[string, int]{m: pool, gen: pool.gen, offset: o1, small: true})
		for o2 := range uint64(groupSlots) {
			it := Iter[string, int]{m: cp, gen: cp.gen, offset: o2, small: true}
			if k, _, _ := it.Next(); k == eni1 {
				first++
			}
		}
	}
	if first != 38 {
		t.Errorf("tryUnassignCidrsFromAll starts at ENI 1 for %d of 64 offset pairs, want 38", first)
	}
}

// TestIssueFiguresSampled measures the same two figures on real Go maps and
// on the seeded emulation (bounds as in stats_test.go: Hoeffding, δ = 1e-11).
func TestIssueFiguresSampled(t *testing.T) {
	requireGo126(t)
	const n = 20000
	h := hoeffding(n)

	realDeletable, realFirst := 0, 0
	for range n {
		pool := map[string]int{}
		pool[eni1] = 0
		pool[eni2] = 0
		pool[eni3] = 0
		for k := range pool {
			if k != eni1 {
				if k == eni2 {
					realDeletable++
				}
				break
			}
		}
		infos := make(map[string]int, len(pool))
		for k, v := range pool {
			infos[k] = v
		}
		for k := range infos {
			if k == eni1 {
				realFirst++
			}
			break
		}
	}

	rng := rand.New(rand.NewPCG(7, 8))
	emuDeletable, emuFirst := 0, 0
	cp := New[string, int](rng, StringBits)
	for range n {
		pool := emulatedPool(rng)
		for k := range pool.All() {
			if k != eni1 {
				if k == eni2 {
					emuDeletable++
				}
				break
			}
		}
		copyInWalkOrder(cp, pool, pool.Iter())
		it := cp.Iter()
		if k, _, _ := it.Next(); k == eni1 {
			emuFirst++
		}
	}

	for _, c := range []struct {
		name string
		got  int
		want float64
	}{
		{"real getDeletableENI picks ENI 2", realDeletable, 7. / 8},
		{"emulated getDeletableENI picks ENI 2", emuDeletable, 7. / 8},
		{"real tryUnassignCidrsFromAll starts at ENI 1", realFirst, 38. / 64},
		{"emulated tryUnassignCidrsFromAll starts at ENI 1", emuFirst, 38. / 64},
	} {
		p := float64(c.got) / n
		t.Logf("%s: %.4f (exact %.4f)", c.name, p, c.want)
		if math.Abs(p-c.want) > h {
			t.Errorf("%s: %.4f, want %.4f ± %.4f", c.name, p, c.want, h)
		}
	}
}
