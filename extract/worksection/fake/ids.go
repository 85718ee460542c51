package fake

import (
	"hash/fnv"
	"strconv"
)

// Worksection ids are numeric strings ("USER_ID" in the seed's sample; the official
// Python client types them int). The fake's user id is the synth person ID plus a
// seed-derived offset, so ids look like a real account's (six or seven digits) and stay
// reversible without a table, while a client cannot mistake them for synth IDs.
const (
	userIDBase  = 100_000
	userIDRange = 900_000
	// groupIDBase and groupIDRange bound team ids: seven digits, from a hash of the
	// title, so a team keeps its id whatever other teams exist.
	groupIDBase  = 1_000_000
	groupIDRange = 9_000_000
)

// ids derives the account's stable identifiers from the population seed.
type ids struct {
	seed   uint64
	offset int
}

func newIDs(seed int64) ids {
	s := uint64(seed)
	return ids{seed: s, offset: userIDBase + int(mix(s, saltUserID)%userIDRange)}
}

// user returns the Worksection id of a person.
func (c ids) user(personID int) string { return strconv.Itoa(personID + c.offset) }

// person returns the person ID behind a user id: digits only, no sign, no leading zero.
func (c ids) person(userID string) (int, bool) {
	if userID == "" || userID[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(userID); i++ {
		if userID[i] < '0' || userID[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(userID)
	if err != nil || n-c.offset < 1 {
		return 0, false
	}
	return n - c.offset, true
}

// group returns the id of the team with the given title.
func (c ids) group(title string) string {
	return strconv.Itoa(groupIDBase + int(mix(c.seed, saltGroupID, hashString(title))%groupIDRange))
}

// of returns a well-distributed value for one attribute (salt) of one person.
func (c ids) of(personID int, salt uint64) uint64 { return mix(c.seed, uint64(personID), salt) }

// mix hashes values into one well-distributed value.
func mix(vals ...uint64) uint64 {
	h := uint64(0x1f83d9abfb41bd6b)
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

// Salts separate the values derived for one person (or the account), so that no two
// attributes are correlated.
const (
	saltUserID uint64 = iota + 0x5e5c
	saltGroupID
	saltUnlisted
	saltClientTeams
	saltRole
	saltEmptyStyle
	saltRate
	saltAvatar
	saltContacts
	saltServices
	saltAddress
)
