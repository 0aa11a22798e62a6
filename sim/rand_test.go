package sim

import (
	"math"
	"testing"
)

func TestNewRandDeterministic(t *testing.T) {
	tests := []struct {
		seed   uint64
		stream string
	}{
		{0, ""},
		{1, "kubelet"},
		{42, "ec2-api"},
		{math.MaxUint64, "ipamd/node-0001"},
	}
	for _, tt := range tests {
		a, b := NewRand(tt.seed, tt.stream), NewRand(tt.seed, tt.stream)
		for i := 0; i < 1000; i++ {
			if x, y := a.Uint64(), b.Uint64(); x != y {
				t.Fatalf("(%d,%q) draw %d: %#x != %#x", tt.seed, tt.stream, i, x, y)
			}
		}
	}
}

// TestNewRandGolden pins the seed derivation. If it changes, every scenario's
// output changes: only update these values deliberately.
func TestNewRandGolden(t *testing.T) {
	tests := []struct {
		seed   uint64
		stream string
		want   [3]uint64
	}{
		{0, "", [3]uint64{0xe5f0ccc99f11e7f5, 0x15356a3d78c126d2, 0x3de9dd3b7161727c}},
		{42, "kubelet", [3]uint64{0xc4766eb0df4c35b9, 0x683c14386f5832ba, 0xed895c0d58101f55}},
		{7, "ec2", [3]uint64{0x05405cac148070ba, 0xf4f5192d4557deca, 0xe42af2291f45c9a1}},
	}
	for _, tt := range tests {
		r := NewRand(tt.seed, tt.stream)
		got := [3]uint64{r.Uint64(), r.Uint64(), r.Uint64()}
		if got != tt.want {
			t.Errorf("NewRand(%d,%q) first draws = %#x, want %#x", tt.seed, tt.stream, got, tt.want)
		}
	}
}

func TestNewRandStreamsIndependent(t *testing.T) {
	type key struct {
		seed   uint64
		stream string
	}
	keys := []key{
		{1, "a"}, {1, "b"}, {2, "a"}, {2, "b"}, {1, "ab"}, {1, "ba"},
		{1, ""}, {0, ""}, {1, "kubelet"}, {1, "kubelet2"}, {256, ""}, {1, "\x00"},
	}
	const n = 2000
	seen := map[uint64]key{}
	for _, k := range keys {
		r := NewRand(k.seed, k.stream)
		ones := 0
		for i := 0; i < n; i++ {
			v := r.Uint64()
			if prev, dup := seen[v]; dup {
				t.Fatalf("value %#x drawn by both %+v and %+v: streams overlap", v, prev, k)
			}
			seen[v] = k
			for ; v != 0; v &= v - 1 {
				ones++
			}
		}
		// Crude sanity: about half the bits are set (mean 64000, sd ~253).
		if ones < n*32-2000 || ones > n*32+2000 {
			t.Errorf("%+v: %d one-bits in %d draws; not uniform-looking", k, ones, n)
		}
	}
	// Consuming one stream does not perturb another.
	a1, b1 := NewRand(9, "a"), NewRand(9, "b")
	for i := 0; i < 100; i++ {
		a1.Uint64()
	}
	b2 := NewRand(9, "b")
	for i := 0; i < 100; i++ {
		if b1.Uint64() != b2.Uint64() {
			t.Fatal("stream b depends on draws from stream a")
		}
	}
}

func TestJitter(t *testing.T) {
	r := NewRand(1, "jitter-test")
	tests := []struct {
		name   string
		base   Time
		factor float64
	}{
		{"kubelet back-off", 10 * Second, 0.5},
		{"tiny base", 3, 0.5},
		{"factor above one", Second, 2},
		{"one ns", 1, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hi := float64(tt.base) * (1 + tt.factor)
			const n = 20000
			sum := 0.0
			for i := 0; i < n; i++ {
				j := Jitter(r, tt.base, tt.factor)
				if j < tt.base || float64(j) >= hi {
					t.Fatalf("Jitter = %v outside [%v, %v)", j, tt.base, Time(hi))
				}
				sum += float64(j - tt.base)
			}
			// Mean extra is about factor*base/2 when the span is many ns.
			if span := float64(tt.base) * tt.factor; span > 1000 {
				mean := sum / n
				if math.Abs(mean-span/2) > span*0.02 {
					t.Errorf("mean extra %v, want ~%v", Time(mean), Time(span/2))
				}
			}
		})
	}
	// Degenerate inputs return base and draw nothing.
	for _, tt := range []struct {
		base   Time
		factor float64
	}{{10 * Second, 0}, {10 * Second, -1}, {10 * Second, math.NaN()}, {0, 0.5}, {-Second, 0.5}} {
		a, b := NewRand(3, "x"), NewRand(3, "x")
		if got := Jitter(a, tt.base, tt.factor); got != tt.base {
			t.Errorf("Jitter(%v, %v) = %v, want base", tt.base, tt.factor, got)
		}
		if a.Uint64() != b.Uint64() {
			t.Errorf("Jitter(%v, %v) consumed randomness", tt.base, tt.factor)
		}
	}
	// Huge spans saturate instead of overflowing.
	if j := Jitter(r, Time(math.MaxInt64/2), 10); j < Time(math.MaxInt64/2) {
		t.Errorf("Jitter overflowed: %d", j)
	}
	// Deterministic given the stream.
	x, y := NewRand(5, "k"), NewRand(5, "k")
	for i := 0; i < 100; i++ {
		if Jitter(x, 10*Second, 0.5) != Jitter(y, 10*Second, 0.5) {
			t.Fatal("Jitter not deterministic")
		}
	}
}
