package sim

import (
	"math"
	"math/rand/v2"
)

// NewRand returns an independent, deterministic random stream for a named
// component, derived from the run seed.
//
// The same (seed, stream) always yields the same sequence; different stream
// names (or seeds) yield unrelated sequences, so adding a consumer of
// randomness in one component does not perturb any other component.
//
// Derivation (stable; changing it changes every scenario's output): a 64-bit
// FNV-1a hash over the seed's 8 little-endian bytes followed by the stream
// name's bytes initialises a splitmix64 generator, whose first two outputs
// seed a PCG source.
func NewRand(seed uint64, stream string) *rand.Rand {
	const (
		fnvOffset = 14695981039346656037
		fnvPrime  = 1099511628211
	)
	h := uint64(fnvOffset)
	for i := 0; i < 8; i++ {
		h ^= (seed >> (8 * i)) & 0xff
		h *= fnvPrime
	}
	for i := 0; i < len(stream); i++ {
		h ^= uint64(stream[i])
		h *= fnvPrime
	}
	sm := h
	s1 := splitmix64(&sm)
	s2 := splitmix64(&sm)
	return rand.New(rand.NewPCG(s1, s2))
}

// splitmix64 advances *state and returns the next output of the splitmix64
// generator (Steele, Lea & Flood, 2014).
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Jitter returns base plus a uniformly distributed extra delay in
// [0, factor*base), drawn from r, at nanosecond resolution. For example
// Jitter(r, 10*Second, 0.5) is in [10s, 15s). If base <= 0 or factor is not
// positive (including NaN), it returns base unchanged and draws nothing.
func Jitter(r *rand.Rand, base Time, factor float64) Time {
	if base <= 0 || !(factor > 0) {
		return base
	}
	span := math.Ceil(float64(base) * factor) // every integer in [0, span) is < factor*base
	var n int64
	if maxN := int64(math.MaxInt64 - base); span >= float64(maxN) {
		n = maxN // saturate rather than overflow Time
	} else {
		n = int64(span)
	}
	if n <= 0 {
		return base
	}
	return base + Time(r.Int64N(n))
}
