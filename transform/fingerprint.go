package transform

import (
	"encoding/binary"
	"encoding/hex"
	"sort"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/roster-etl/roster/extract"
)

// Fingerprint is a 128-bit hash of everything a provider said about one user: the
// provider's own hash of the user's object and context (extract.User.Fingerprint, see
// extract.RawFingerprinter), or else every field of the raw extract.User, Extra and the
// field list included (Fingerprinter). Two listings that
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
	b = groups(b, u.Groups)
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

// groups appends gs with their number and each one's id, name and kind.
func groups(b []byte, gs []extract.Group) []byte {
	b = binary.AppendUvarint(b, uint64(len(gs)))
	for _, g := range gs {
		b = field(field(field(b, g.ID), g.Name), g.Kind)
	}
	return b
}

// IDHash is the key under which a user's fingerprint is looked up: a 64-bit hash of
// the user id. Two ids sharing it can only make a user look changed (its stored
// fingerprint is another user's, and fingerprints cover the id), never unchanged.
func IDHash(userID string) uint64 { return xxh3.HashString(userID) }

// rowHasher computes row hashes, reusing one buffer.
type rowHasher struct{ buf []byte }

// hash is the row_hash of r: a 128-bit xxh3 (32 hex digits) of every user column that
// makes a version (all but the key columns), each length-prefixed.
func (h *rowHasher) hash(r *UserRow) string {
	b := h.buf[:0]
	for _, s := range [...]string{r.AccountID, r.Email, r.EmailNormalized, r.FirstName, r.LastName, r.MiddleName,
		r.DisplayName, r.Title, r.Role, r.RoleRaw, r.Department} {
		b = field(b, s)
	}
	if r.IsActive {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = groups(b, r.Groups)
	b = binary.AppendUvarint(b, uint64(len(r.Phones)))
	for _, p := range r.Phones {
		b = field(field(field(field(b, p.Raw), p.E164), p.Extension), p.Kind)
		if p.Valid {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = field(field(b, r.Timezone), r.Country)
	for _, t := range [...]*time.Time{r.SourceCreatedAt, r.SourceUpdatedAt} {
		if t == nil {
			b = append(b, 0)
			continue
		}
		b = binary.AppendVarint(append(b, 1), t.UnixMicro())
	}
	b = field(b, r.Extra)
	h.buf = b
	sum := xxh3.Hash128(b).Bytes()
	return hex.EncodeToString(sum[:])
}
