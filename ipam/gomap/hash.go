package gomap

import "net/netip"

// mix hashes a key's 64 bits under a map's seed: two rounds of the
// splitmix64/murmur3 finaliser (a bijection with full avalanche) with the
// seed folded in before each, so that for a random seed distinct keys get
// hashes whose bits behave as independent and uniform (see the package
// comment for why that is all the layout depends on).
func mix(seed, bits uint64) uint64 {
	h := fmix64(bits ^ seed)
	return fmix64(h + (seed<<32 | seed>>32) + 0x9e3779b97f4a7c15)
}

func fmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// StringBits reduces a string key to 64 bits (FNV-1a). Upstream's keys are
// strings (ENI IDs, CIDRs, addresses); two distinct strings collide with
// probability about 2⁻⁶⁴, far below anything a simulation could notice.
func StringBits(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// AddrBits reduces an address to 64 bits: injective on IPv4 addresses, and
// on IPv6 addresses up to a 2⁻⁶⁴ chance.
func AddrBits(a netip.Addr) uint64 {
	if a.Is4() {
		b := a.As4()
		return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	}
	b := a.As16()
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return fmix64(hi) ^ lo
}

// PrefixBits reduces a prefix to 64 bits: the address's bits with the prefix
// length beside them, so 10.0.0.16/28 and 10.0.0.16/32 differ.
func PrefixBits(p netip.Prefix) uint64 {
	return AddrBits(p.Addr())<<8 ^ uint64(p.Bits()+1)
}
