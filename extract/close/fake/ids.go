package fake

import (
	"hash/fnv"
	"math"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idLen is the length of an id after its prefix, as in Close's
// "user_N6KhMpzHRCYQHdn4gRNIFNN5JExnsrprKA6ekxM63XA".
const idLen = 43

// ids derives Close-looking ids from the population seed. User ids are reversible: their
// first 11 characters are the person ID under a keyed 64-bit Feistel permutation, the
// other 32 a keyed hash, so /user/{id}/ needs no lookup table and a mistyped id is
// rejected.
type ids struct {
	seed uint64
	keys [4]uint64
}

func newIDs(seed int64) ids {
	c := ids{seed: uint64(seed)}
	for i := range c.keys {
		c.keys[i] = mix(c.seed, uint64(i), 0xc105e)
	}
	return c
}

func (c ids) round(x uint32, i int) uint32 { return uint32(mix(uint64(x), c.keys[i])) }

func (c ids) encrypt(x uint64) uint64 {
	l, r := uint32(x>>32), uint32(x)
	for i := range c.keys {
		l, r = r, l^c.round(r, i)
	}
	return uint64(l)<<32 | uint64(r)
}

func (c ids) decrypt(y uint64) uint64 {
	l, r := uint32(y>>32), uint32(y)
	for i := len(c.keys) - 1; i >= 0; i-- {
		l, r = r^c.round(l, i), l
	}
	return uint64(l)<<32 | uint64(r)
}

// user returns the Close user id of a person.
func (c ids) user(personID int) string {
	b := make([]byte, 0, 5+idLen)
	b = append(b, "user_"...)
	x := c.encrypt(uint64(personID))
	var digits [11]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = base62[x%62]
		x /= 62
	}
	b = append(b, digits[:]...)
	return string(appendNoise(b, mix(c.seed, uint64(personID), 0x05e7), idLen-11))
}

// person returns the person ID a user id was made from.
func (c ids) person(userID string) (int, bool) {
	if len(userID) != 5+idLen || userID[:5] != "user_" {
		return 0, false
	}
	var x uint64
	for i := 5; i < 16; i++ {
		d := indexBase62(userID[i])
		if d < 0 || x > (math.MaxUint64-uint64(d))/62 {
			return 0, false
		}
		x = x*62 + uint64(d)
	}
	id := c.decrypt(x)
	if id > math.MaxInt64 || c.user(int(id)) != userID {
		return 0, false
	}
	return int(id), true
}

func indexBase62(ch byte) int {
	switch {
	case ch >= '0' && ch <= '9':
		return int(ch - '0')
	case ch >= 'A' && ch <= 'Z':
		return int(ch-'A') + 10
	case ch >= 'a' && ch <= 'z':
		return int(ch-'a') + 36
	}
	return -1
}

// make returns prefix followed by n base62 characters derived from parts.
func (c ids) make(prefix string, n int, parts ...uint64) string {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	return string(appendNoise(b, mix(append([]uint64{c.seed}, parts...)...), n))
}

func appendNoise(b []byte, seed uint64, n int) []byte {
	s := seed
	for i := 0; i < n; i++ {
		s = splitmix(&s)
		b = append(b, base62[s%62])
	}
	return b
}

func splitmix(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// mix hashes values into one well-distributed value.
func mix(vals ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, v := range vals {
		h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h = (h ^ (h >> 33)) * 0xff51afd7ed558ccd
		h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53
		h ^= h >> 33
	}
	return h
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Id kinds, mixed into derived ids so that two kinds never share an id.
const (
	kindOrg uint64 = iota + 1
	kindMembership
	kindRole
	kindGroup
	kindActivity
	kindLead
	kindEmailAccount
	kindStatus
)
