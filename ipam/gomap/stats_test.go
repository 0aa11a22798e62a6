package gomap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file compares walk-order distributions: real Go maps (each a fresh
// map, so a fresh runtime seed and walk offset), the emulation over many
// seeds (from a fixed stream, so deterministic), exact values worked out by
// hand for small maps, and the uniform rotation that ipamsim's first "random"
// order used, which must be rejected wherever Go differs from it.
//
// Thresholds. For n samples of a distribution p over k categories, the L1
// distance between the empirical distribution and p exceeds
// ε(n,k,δ) = sqrt(2(k·ln2 + ln(1/δ))/n) with probability below δ
// (Weissman, Ordentlich, Seroussi, Verdú, Weinberger 2003:
// P(‖p̂−p‖₁ ≥ ε) ≤ (2^k−2)·e^(−nε²/2)); a single share deviates by more than
// h(n) = sqrt(ln(2/δ)/(2n)) with probability below δ (Hoeffding). A model
// passes if the real sample is within the sum of both sides' bounds of it (the
// emulation, sampled) or within the real side's bound (an exact model). With
// δ = 1e-11 and 12 real sample sets, each used by every comparison of its
// case, a correct emulation fails with probability below 1.2e-10.
//
// Rejection of the uniform rotation is asserted only where Go's true distance
// from it, d, exceeds 2h: the assertion then fails only if the real share is
// off by more than d − h > h, again with probability below δ. The tightest
// case is 49 keys with 17 replaced: d ≈ 0.068 (the optimal share difference,
// from 100 000 emulated layouts), h(16 000) = 0.0285.
const delta = 1e-11

func l1Bound(n, k int) float64 {
	return math.Sqrt(2 * (float64(k)*math.Ln2 + math.Log(1/delta)) / float64(n))
}

func l1(p, q map[string]float64) float64 {
	d := 0.0
	for c, x := range p {
		d += math.Abs(x - q[c])
	}
	for c, y := range q {
		if _, ok := p[c]; !ok {
			d += y
		}
	}
	return d
}

// op is one step of an insert/delete history; keys are named by number.
type op struct {
	key int
	del bool
}

func inserts(from, to int) []op {
	var ops []op
	for i := from; i < to; i++ {
		ops = append(ops, op{key: i})
	}
	return ops
}

func deletes(keys ...int) []op {
	var ops []op
	for _, k := range keys {
		ops = append(ops, op{key: k, del: true})
	}
	return ops
}

func history(parts ...[]op) []op { return slices.Concat(parts...) }

// live returns the keys present after ops, oldest (last) insertion first.
func live(ops []op) []int {
	var l []int
	for _, o := range ops {
		l = slices.DeleteFunc(l, func(k int) bool { return k == o.key })
		if !o.del {
			l = append(l, o.key)
		}
	}
	return l
}

// keyNames are realistic upstream keys (/28s in their string form).
var keyNames = func() []string {
	k := make([]string, 128)
	for i := range k {
		k[i] = fmt.Sprintf("10.%d.%d.%d/28", i/4096, i/16%256, i%16*16)
	}
	return k
}()

var keyBitsOf = func() []uint64 {
	b := make([]uint64, len(keyNames))
	for i, k := range keyNames {
		b[i] = StringBits(k)
	}
	return b
}()

// walks holds n walks of one map history, reduced to what the tests compare:
// whole orders (maps of up to 8 entries) and the first key walked.
type walks struct {
	n      int
	live   []int
	orders map[string]float64
	first  map[int]float64
}

func sample(n int, ops []op, walk func() []int) walks {
	w := walks{n: n, live: live(ops), orders: map[string]float64{}, first: map[int]float64{}}
	firsts := map[int]int{}
	orders := map[uint64]int{} // an order of ≤ 8 keys < 256, a byte each
	for range n {
		order := walk()
		firsts[order[0]]++
		if len(order) <= groupSlots {
			var code uint64
			for _, k := range order {
				code = code<<8 | uint64(k)
			}
			orders[code]++
		}
	}
	for k, c := range firsts {
		w.first[k] = float64(c) / float64(n)
	}
	for code, c := range orders {
		var parts []string
		for ; code != 0 || len(parts) < len(w.live); code >>= 8 {
			parts = append(parts, strconv.Itoa(int(code&0xff)))
		}
		slices.Reverse(parts)
		w.orders[strings.Join(parts, ",")] = float64(c) / float64(n)
	}
	return w
}

// firstDist is the distribution of the first key walked, over the live keys.
func (w walks) firstDist() map[string]float64 {
	p := map[string]float64{}
	for _, k := range w.live {
		p[strconv.Itoa(k)] = w.first[k]
	}
	return p
}

func (w walks) firstBound() float64 { return l1Bound(w.n, len(w.live)) }

// share is the fraction of walks whose first key is in set.
func (w walks) share(set []int) float64 {
	s := 0.0
	for _, k := range set {
		s += w.first[k]
	}
	return s
}

// hoeffding is the deviation a fraction over n samples exceeds with
// probability below delta: P(|p̂−p| ≥ t) ≤ 2·e^(−2nt²).
func hoeffding(n int) float64 { return math.Sqrt(math.Log(2/delta) / (2 * float64(n))) }

// realWalks samples fresh real maps built by the history.
func realWalks(n, hint int, ops []op) walks {
	names := map[string]int{}
	for _, o := range ops {
		names[keyNames[o.key]] = o.key
	}
	order := make([]int, 0, 64)
	return sample(n, ops, func() []int {
		m := make(map[string]int, hint)
		for _, o := range ops {
			if o.del {
				delete(m, keyNames[o.key])
			} else {
				m[keyNames[o.key]] = o.key
			}
		}
		order = order[:0]
		for k := range m {
			order = append(order, names[k])
		}
		return order
	})
}

// emulatedWalks samples the emulation over seeds drawn from one fixed stream.
func emulatedWalks(n, hint int, ops []op, seed uint64) walks {
	m := NewWithHint[int, int](rand.New(rand.NewPCG(seed, 0x60ad)), func(k int) uint64 { return keyBitsOf[k] }, hint)
	order := make([]int, 0, 64)
	return sample(n, ops, func() []int {
		m.Reset(hint)
		for _, o := range ops {
			if o.del {
				m.Delete(o.key)
			} else {
				m.Set(o.key, o.key)
			}
		}
		order = order[:0]
		for k := range m.All() {
			order = append(order, k)
		}
		return order
	})
}

// firstKeyOdds estimates each key's chance of being walked first from the
// emulation, averaging over layouts (seeds) the exact chance given the
// layout: a full slot is walked first when the walk starts on it or on one of
// the empty slots just before it.
func firstKeyOdds(layouts, hint int, ops []op, seed uint64) map[int]float64 {
	m := NewWithHint[int, int](rand.New(rand.NewPCG(seed, 0x0dd5)), func(k int) uint64 { return keyBitsOf[k] }, hint)
	odds := map[int]float64{}
	for range layouts {
		m.Reset(hint)
		for _, o := range ops {
			if o.del {
				m.Delete(o.key)
			} else {
				m.Set(o.key, o.key)
			}
		}
		c := m.cur.ctrl
		for i := range c {
			if c[i] != ctrlFull {
				continue
			}
			starts := 1
			for j := (i + len(c) - 1) % len(c); c[j] != ctrlFull; j = (j + len(c) - 1) % len(c) {
				starts++
			}
			odds[m.cur.slots[i].key] += float64(starts) / float64(len(c)) / float64(layouts)
		}
	}
	return odds
}

func TestWalkDistributions(t *testing.T) {
	requireGo126(t)
	const nReal, nEmu = 16000, 16000
	for _, tc := range []struct {
		name string
		hint int
		ops  []op
		// exact distribution of whole orders, worked out from the slot
		// layout: the walk starts at one of 8 slots, uniformly.
		exact map[string]float64
	}{
		{name: "2 keys", ops: inserts(0, 2), exact: map[string]float64{"0,1": 7. / 8, "1,0": 1. / 8}},
		{name: "3 keys", ops: inserts(0, 3), exact: map[string]float64{"0,1,2": 6. / 8, "1,2,0": 1. / 8, "2,0,1": 1. / 8}},
		{name: "3 keys, hint 3", hint: 3, ops: inserts(0, 3), exact: map[string]float64{"0,1,2": 6. / 8, "1,2,0": 1. / 8, "2,0,1": 1. / 8}},
		{name: "8 keys", ops: inserts(0, 8), exact: map[string]float64{
			"0,1,2,3,4,5,6,7": 1. / 8, "1,2,3,4,5,6,7,0": 1. / 8, "2,3,4,5,6,7,0,1": 1. / 8, "3,4,5,6,7,0,1,2": 1. / 8,
			"4,5,6,7,0,1,2,3": 1. / 8, "5,6,7,0,1,2,3,4": 1. / 8, "6,7,0,1,2,3,4,5": 1. / 8, "7,0,1,2,3,4,5,6": 1. / 8}},
		// Deleting key 0 frees slot 0; the newest key takes it and is walked first 6/8 of the time.
		{name: "3 keys, delete oldest, insert", ops: history(inserts(0, 3), deletes(0), inserts(3, 4)),
			exact: map[string]float64{"3,1,2": 6. / 8, "1,2,3": 1. / 8, "2,3,1": 1. / 8}},
		// Slots 0,4,2,3 after the hole at 1 is refilled; slots 4–7 empty.
		{name: "4 keys, delete 1, insert", ops: history(inserts(0, 4), deletes(1), inserts(4, 5)),
			exact: map[string]float64{"0,4,2,3": 5. / 8, "4,2,3,0": 1. / 8, "2,3,0,4": 1. / 8, "3,0,4,2": 1. / 8}},
		{name: "9 keys", ops: inserts(0, 9)},
		{name: "16 keys", ops: inserts(0, 16)},
		{name: "16 keys, 5 deleted and replaced", ops: history(inserts(0, 16), deletes(0, 2, 4, 6, 8), inserts(16, 21))},
		{name: "49 keys", ops: inserts(0, 49)},
		{name: "49 keys, hint 49", hint: 49, ops: inserts(0, 49)},
		{name: "49 keys, 17 deleted and replaced", ops: history(inserts(0, 49),
			deletes(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48), inserts(49, 66))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real := realWalks(nReal, tc.hint, tc.ops)
			emu := emulatedWalks(nEmu, tc.hint, tc.ops, 42)
			n := len(real.live)
			if tc.exact != nil {
				b := l1Bound(nReal, len(tc.exact))
				if d := l1(real.orders, tc.exact); d > b {
					t.Errorf("real maps vs exact orders: L1 %.4f > %.4f\nreal %v\nexact %v", d, b, real.orders, tc.exact)
				}
				if d := l1(emu.orders, tc.exact); d > l1Bound(nEmu, len(tc.exact)) {
					t.Errorf("emulation vs exact orders: L1 %.4f > %.4f\nemu %v\nexact %v", d, b, emu.orders, tc.exact)
				}
			}
			// The first key walked: its whole distribution…
			okL1 := real.firstBound() + emu.firstBound()
			if d := l1(real.firstDist(), emu.firstDist()); d > okL1 {
				t.Errorf("first key, real maps vs emulation: L1 %.4f > %.4f\nreal %v\nemu  %v", d, okL1, real.first, emu.first)
			}
			// …and the share of the keys Go favours, picked from an
			// independent emulated sample so the bound holds.
			pick := firstKeyOdds(4000, tc.hint, tc.ops, 44)
			var favoured []int
			for _, k := range real.live {
				if pick[k] > 1/float64(n) {
					favoured = append(favoured, k)
				}
			}
			okShare := hoeffding(nReal) + hoeffding(nEmu)
			r, e := real.share(favoured), emu.share(favoured)
			// The uniform rotation's share is exactly |favoured|/n, and its
			// first key is uniform.
			u := float64(len(favoured)) / float64(n)
			uniform := map[string]float64{}
			for _, k := range real.live {
				uniform[strconv.Itoa(k)] = 1 / float64(n)
			}
			t.Logf("first key in favoured %v: real %.4f, emulation %.4f (threshold %.4f), uniform rotation %.4f (threshold %.4f)",
				favoured, r, e, okShare, u, hoeffding(nReal))
			if math.Abs(r-e) > okShare {
				t.Errorf("favoured share, real maps vs emulation: |%.4f − %.4f| > %.4f", r, e, okShare)
			}
			// The uniform rotation, an exact model, must fail the test an
			// exact model takes (real sample within its own bound), except
			// with 8 keys: the group is full and Go's walk is a uniform
			// rotation too.
			if n == groupSlots {
				if d := l1(real.firstDist(), uniform); d > real.firstBound() || math.Abs(r-u) > hoeffding(nReal) {
					t.Errorf("8 keys: the uniform rotation should pass (L1 %.4f, share %.4f vs %.4f)", d, r, u)
				}
			} else if math.Abs(r-u) <= hoeffding(nReal) {
				t.Errorf("uniform rotation not rejected: |%.4f − %.4f| ≤ %.4f", r, u, hoeffding(nReal))
			}
		})
	}
}
