package fake

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"math"
)

// ids derives Zoom-looking identifiers from the population seed. Zoom user ids are 22
// base64url characters (16 bytes, "IGTRVt3gQ2i-WjoUIjeZxw"); the fake's are the person
// ID under a keyed 64-bit Feistel permutation followed by a keyed 64-bit check value, so
// users/{userId} needs no lookup table, ids reveal nothing of synth's numbering, and a
// mistyped or tampered id is rejected.
type ids struct {
	seed uint64
	keys [4]uint64
}

func newIDs(seed int64) ids {
	c := ids{seed: uint64(seed)}
	for i := range c.keys {
		c.keys[i] = mix(c.seed, uint64(i), saltFeistel)
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

var b64 = base64.RawURLEncoding

// user returns the Zoom user id of a person.
func (c ids) user(personID int) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], c.encrypt(uint64(personID)))
	binary.BigEndian.PutUint64(raw[8:], mix(c.seed, uint64(personID), saltUserCheck))
	return b64.EncodeToString(raw[:])
}

// person returns the person ID a user id was made from.
func (c ids) person(userID string) (int, bool) {
	if len(userID) != 22 {
		return 0, false
	}
	raw, err := b64.DecodeString(userID)
	if err != nil || len(raw) != 16 {
		return 0, false
	}
	id := c.decrypt(binary.BigEndian.Uint64(raw[:8]))
	if id == 0 || id > math.MaxInt64 || binary.BigEndian.Uint64(raw[8:]) != mix(c.seed, id, saltUserCheck) {
		return 0, false
	}
	// The last character carries 2 spare bits: only the canonical spelling is valid.
	if c.user(int(id)) != userID {
		return 0, false
	}
	return int(id), true
}

// opaque returns a 22-character base64url id for a named object of a kind (team,
// region, queue, role, SIP zone), stable for the seed.
func (c ids) opaque(kind uint64, name string) string {
	var raw [16]byte
	h := hashString(name)
	binary.BigEndian.PutUint64(raw[:8], mix(c.seed, kind, h, 1))
	binary.BigEndian.PutUint64(raw[8:], mix(c.seed, kind, h, 2))
	return b64.EncodeToString(raw[:])
}

// uuid returns a UUID-shaped id for a named object: version 1 (time-based, like the
// "27302393-4784-11ec-a3cd-122e3e29bb87" of Zoom's samples) or version 4 (random).
func (c ids) uuid(kind uint64, name string, version int) string {
	var raw [16]byte
	h := hashString(name)
	binary.BigEndian.PutUint64(raw[:8], mix(c.seed, kind, h, 3))
	binary.BigEndian.PutUint64(raw[8:], mix(c.seed, kind, h, 4))
	if version == 1 {
		// time_hi "11ec": a 2021 timestamp, as in the sample.
		raw[6], raw[7] = 0x11, 0xec
	} else {
		raw[6] = raw[6]&0x0f | 0x40
	}
	raw[8] = raw[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&0xf])
	}
	return string(out)
}

// base62 returns prefix followed by n base62 characters derived from parts.
func (c ids) base62(prefix string, n int, parts ...uint64) string {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	s := mix(append([]uint64{c.seed}, parts...)...)
	for range n {
		b = append(b, base62Digits[splitmix(&s)%62])
	}
	return string(b)
}

// of returns a well-distributed value for one attribute (salt) of one person.
func (c ids) of(personID int, salt uint64) uint64 { return mix(c.seed, uint64(personID), salt) }

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func splitmix(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// mix hashes values into one well-distributed value.
func mix(vals ...uint64) uint64 {
	h := uint64(0x7a00dcc0ffee5eed)
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

// Salts separate the values derived from the seed, so that no two are correlated.
const (
	saltFeistel uint64 = iota + 0x200c
	saltUserCheck
	saltTeam
	saltParentTeam
	saltRegion
	saltSIPZone
	saltQueue
	saltCCQueue
	saltRole
	saltPageKey
	saltTokenKey
	saltAccountUser
	saltIntegration
	saltChannel
	saltPackage
	saltAddOns
	saltSubStatusStyle
	saltTime
)
