package transform

import (
	"encoding/binary"
	"encoding/hex"
	"sort"

	"github.com/zeebo/xxh3"

	"github.com/roster-etl/roster/extract"
)

// Fingerprint is a 128-bit hash of everything a provider said about one user: every
// field of the raw extract.User, Extra and the field list included. Two listings that
// give a user the same fingerprint map to the same canonical row under the same roster
// version and configuration, so a night can skip mapping and staging the users whose
// fingerprint it already holds: that is what makes an incremental night cost what
// changed, not the size of the directory.
type Fingerprint [16]byte

// String is the fingerprint as 32 lowercase hex digits, as the warehouse stores it.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// ParseFingerprint reads the form String writes.
func ParseFingerprint(s string) (Fingerprint, bool) {
	var f Fingerprint
	if len(s) != 2*len(f) {
		return f, false
	}
	if _, err := hex.Decode(f[:], []byte(s)); err != nil {
		return f, false
	}
	return f, true
}

// Fingerprinter computes fingerprints, reusing one buffer. It is not safe for
// concurrent use.
type Fingerprinter struct {
	buf  []byte
	keys []string
}

// Of returns the fingerprint of u.
func (fp *Fingerprinter) Of(u extract.User) Fingerprint {
	b := fp.buf[:0]
	for _, s := range [...]string{u.ID, u.AccountID, u.Email, u.FirstName, u.LastName, u.MiddleName,
		u.DisplayName, u.Title, u.Role, u.RoleName, u.Department, u.Timezone, u.Country, u.CreatedAt, u.UpdatedAt} {
		b = field(b, s)
	}
	switch {
	case u.Active == nil:
		b = append(b, 0)
	case *u.Active:
		b = append(b, 1)
	default:
		b = append(b, 2)
	}
	b = binary.AppendUvarint(b, uint64(len(u.Groups)))
	for _, g := range u.Groups {
		b = field(field(field(b, g.ID), g.Name), g.Kind)
	}
	b = binary.AppendUvarint(b, uint64(len(u.Phones)))
	for _, p := range u.Phones {
		b = field(field(b, p.Raw), p.Kind)
	}
	// Extra is a map: its keys are hashed in order, so equal content hashes equally.
	fp.keys = fp.keys[:0]
	for k := range u.Extra {
		fp.keys = append(fp.keys, k)
	}
	sort.Strings(fp.keys)
	b = binary.AppendUvarint(b, uint64(len(fp.keys)))
	for _, k := range fp.keys {
		b = field(b, k)
		b = binary.AppendUvarint(b, uint64(len(u.Extra[k])))
		b = append(b, u.Extra[k]...)
	}
	b = binary.AppendUvarint(b, uint64(len(u.Fields)))
	for _, f := range u.Fields {
		b = field(b, f)
	}
	fp.buf = b
	h := xxh3.Hash128(b).Bytes()
	return Fingerprint(h)
}

// field appends s with its length, so that no two different field lists share an
// encoding.
func field(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// IDHash is the key under which a user's fingerprint is looked up: a 64-bit hash of
// the user id. Two ids sharing it can only make a user look changed (its stored
// fingerprint is another user's, and fingerprints cover the id), never unchanged.
func IDHash(userID string) uint64 { return xxh3.HashString(userID) }
