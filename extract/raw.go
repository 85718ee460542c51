package extract

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zeebo/xxh3"
)

// A Recognizer is a Sink that holds the fingerprints its source's last run left: a
// provider that hashes each raw user object (RawFingerprinter) asks it before decoding
// the object, and a user it recognizes is handed over as an Unchanged User, never
// decoded nor mapped. The same members and context decode to the same User, so nothing
// is lost by not decoding them again.
type Recognizer interface {
	// Recognizing reports whether the sink holds any fingerprint at all: when not,
	// objects are decoded without being read first (Digest hashes them decoded).
	Recognizing(ctx context.Context) (bool, error)
	// Recognize reports whether the user id was listed by the last run with the
	// fingerprint fp.
	Recognize(ctx context.Context, id string, fp [16]byte) (bool, error)
}

// RawFingerprinter hashes a user object's members together with what the provider
// merges into it from other replies (its context: memberships, group and role names,
// the account). Every input that the mapping of the object depends on must be in the
// context, or a change there would go unnoticed. It is not safe for concurrent use.
type RawFingerprinter struct {
	buf     []byte
	members []member
	names   map[string]string // interned member names
	// lastNames are the member names of the previous object, order the indexes that
	// put them in map order (mapOrder).
	lastNames []string
	order     []int
	// obj is the map Map returns, reused by the next call.
	obj map[string]json.RawMessage
}

type member struct {
	name  string
	value []byte
}

// maxInterned bounds the member names a RawFingerprinter keeps, so that a provider
// inventing a name per user cannot grow it without bound.
const maxInterned = 4096

// rawDomain starts every raw fingerprint's input, so that it never hashes the same
// bytes as a fingerprint of decoded fields.
const rawDomain = "roster raw user 1\x00"

// Object reads the raw user object without decoding it: its distinct member names,
// sorted (the user's field list); the raw value of the last member named pick[i], in
// picked[i] (nil when absent); and the digest of its members for Sum, the one Digest
// gives of the object decoded into a map.
func (f *RawFingerprinter) Object(raw []byte, pick, volatile []string) (names []string, picked [][]byte, digest [16]byte, err error) {
	if err := f.read(raw); err != nil {
		return nil, nil, digest, err
	}
	picked = make([][]byte, len(pick))
	order := f.mapOrder()
	names = make([]string, 0, len(order))
	b := f.buf[:0]
	for _, i := range order {
		m := f.members[i]
		names = append(names, m.name)
		if k := slices.Index(pick, m.name); k >= 0 {
			picked[k] = m.value
		}
		b = f.appendMember(b, m.name, m.value, volatile)
	}
	f.buf = b
	return names, picked, xxh3.Hash128(b).Bytes(), nil
}

// Map decodes the raw user object into a map of its members' raw values, as a JSON
// decoder does (by name, the last of repeated names wins), without copying them: the
// values share raw's bytes, and the names are interned. raw must be a value a full
// decode accepted, such as an element of a page decoded into []json.RawMessage (see
// Members); anything but an object is refused with ErrNotObject. The map is valid until
// the next call to Map, which reuses it: a listing maps one user at a time, and a map
// per user was a sixth of the garbage a million users' night made.
func (f *RawFingerprinter) Map(raw []byte) (map[string]json.RawMessage, error) {
	if err := f.read(raw); err != nil {
		return nil, err
	}
	if f.obj == nil {
		f.obj = make(map[string]json.RawMessage, len(f.members))
	}
	clear(f.obj)
	for _, m := range f.members {
		f.obj[m.name] = m.value
	}
	return f.obj, nil
}

// read puts the members of the object raw in f.members, in order, names interned.
func (f *RawFingerprinter) read(raw []byte) error {
	f.members = f.members[:0]
	return members(raw, f.intern, func(name string, value []byte) {
		f.members = append(f.members, member{name, value})
	})
}

// mapOrder returns the indexes of f.members as a map has them: by name, the last of
// repeated names only. The users of a listing mostly share one order of members, so
// the order of the previous object is kept and reused while the names are the same.
func (f *RawFingerprinter) mapOrder() []int {
	same := len(f.members) == len(f.lastNames)
	for i := 0; same && i < len(f.members); i++ {
		same = f.members[i].name == f.lastNames[i]
	}
	if same {
		return f.order
	}
	f.lastNames = f.lastNames[:0]
	byName := make([]int, len(f.members))
	for i, m := range f.members {
		f.lastNames = append(f.lastNames, m.name)
		byName[i] = i
	}
	slices.SortStableFunc(byName, func(a, b int) int { return strings.Compare(f.members[a].name, f.members[b].name) })
	f.order = f.order[:0]
	for k, i := range byName {
		if k+1 < len(byName) && f.members[byName[k+1]].name == f.members[i].name {
			continue
		}
		f.order = append(f.order, i)
	}
	return f.order
}

// Digest is the digest Object gives of the object obj was decoded from; names are its
// keys, sorted. Members named in volatile (a presence that goes to the status, not to
// the user) are left out, so that a change of theirs alone does not make the user look
// changed.
func (f *RawFingerprinter) Digest(obj map[string]json.RawMessage, names, volatile []string) [16]byte {
	b := f.buf[:0]
	for _, name := range names {
		b = f.appendMember(b, name, obj[name], volatile)
	}
	f.buf = b
	return xxh3.Hash128(b).Bytes()
}

func (f *RawFingerprinter) appendMember(b []byte, name string, value []byte, volatile []string) []byte {
	if slices.Contains(volatile, name) {
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

// Sum is the fingerprint of a user: the digest of its object (Object, Digest) with its
// context, each part length-prefixed.
func (f *RawFingerprinter) Sum(digest [16]byte, related ...string) [16]byte {
	b := append(f.buf[:0], rawDomain...)
	b = append(b, digest[:]...)
	b = binary.AppendUvarint(b, uint64(len(related)))
	for _, c := range related {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	f.buf = b
	return xxh3.Hash128(b).Bytes()
}

// AppendGroups appends groups to a user's context (UserReader.Context), each quoted.
func AppendGroups(b []byte, groups []Group) []byte {
	for _, g := range groups {
		b = appendGroup(b, g)
	}
	return b
}

// appendGroup appends one group as AppendGroups does.
func appendGroup(b []byte, g Group) []byte {
	return fmt.Appendf(b, " %q %q %q", g.ID, g.Name, g.Kind)
}

// intern returns name as a string, the same string for the same name.
func (f *RawFingerprinter) intern(name []byte) string {
	if s, ok := f.names[string(name)]; ok {
		return s
	}
	s := string(name)
	if f.names == nil {
		f.names = map[string]string{}
	}
	if len(f.names) < maxInterned {
		f.names[s] = s
	}
	return s
}

// UserReader reads a provider's raw user objects for a Recognizer: a user the sink
// recognizes is handed over without being decoded (Unchanged), and every user decoded
// gets the fingerprint the next run will recognize (Fingerprint).
type UserReader struct {
	// Rec is the sink, when it is a Recognizer; nil makes UserReader do nothing.
	Rec Recognizer
	// Pick names the members read of an object not decoded; the first is the id.
	Pick []string
	// Volatile names the members left out of the fingerprint (a presence that goes to
	// the status, not to the user).
	Volatile []string
	// ID is the user id in the raw value of the id member, as the provider's mapping
	// reads it ("" for none).
	ID func(raw []byte) string
	// Context is what the mapping of the user id merges in from other replies.
	Context func(id string) string

	fp RawFingerprinter
}

// Recognizing reports whether the sink holds any fingerprint: only then are objects
// worth reading before they are decoded, and a provider may decode them directly.
func (r *UserReader) Recognizing(ctx context.Context) (bool, error) {
	if r.Rec == nil {
		return false, nil
	}
	return r.Rec.Recognizing(ctx)
}

// Unchanged reads raw without decoding it and returns the user when the sink
// recognizes it (ok), with the raw values of Pick. A user it does not recognize, and
// anything it cannot read, is left to the provider to decode.
func (r *UserReader) Unchanged(ctx context.Context, raw []byte) (u User, picked [][]byte, ok bool, err error) {
	if some, err := r.Recognizing(ctx); err != nil || !some {
		return User{}, nil, false, err
	}
	names, picked, digest, err := r.fp.Object(raw, r.Pick, r.Volatile)
	if err != nil {
		return User{}, nil, false, nil
	}
	id := r.ID(picked[0])
	if id == "" {
		return User{}, nil, false, nil
	}
	fp := r.fp.Sum(digest, r.Context(id))
	if known, err := r.Rec.Recognize(ctx, id, fp); err != nil || !known {
		return User{}, nil, false, err
	}
	return User{ID: id, Fields: names, Fingerprint: fp, Unchanged: true}, picked, true, nil
}

// Decode decodes a raw user object the provider then maps (RawFingerprinter.Map): its
// values share raw's bytes, and the map is valid until the next call to Decode.
func (r *UserReader) Decode(raw []byte) (map[string]json.RawMessage, error) {
	return r.fp.Map(raw)
}

// Fingerprint sets the fingerprint of u, decoded from obj (u.Fields are its keys,
// sorted), when the sink is a Recognizer.
func (r *UserReader) Fingerprint(u *User, obj map[string]json.RawMessage) {
	if r.Rec != nil {
		u.Fingerprint = r.fp.Sum(r.fp.Digest(obj, u.Fields, r.Volatile), r.Context(u.ID))
	}
}
