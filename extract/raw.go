package extract

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"

	"github.com/zeebo/xxh3"
)

// A Recognizer is a Sink that holds the fingerprints its source's last run left: a
// provider that hashes each raw user object (RawFingerprinter) asks it before decoding
// the object, and a user it recognizes is handed over as an Unchanged User, never
// decoded nor mapped. Identical bytes and context decode to the identical User, so
// nothing is lost by not decoding them again.
type Recognizer interface {
	// Recognize reports whether the user id was listed by the last run with the
	// fingerprint fp.
	Recognize(ctx context.Context, id string, fp [16]byte) (bool, error)
}

// RawFingerprinter hashes a raw user object together with what the provider merges
// into it from other replies (its context: memberships, group and role names, the
// account). Every input that the mapping of the object depends on must be in the
// context, or a change there would go unnoticed. It is not safe for concurrent use.
type RawFingerprinter struct{ buf []byte }

// rawDomain starts every raw fingerprint's input, so that it never hashes the same
// bytes as a fingerprint of decoded fields.
const rawDomain = "roster raw user 1\x00"

// Object reads the raw user object without decoding it: its distinct member names,
// sorted (the user's field list); the raw value of the last member named pick[i], in
// picked[i] (nil when absent); and a digest of its members in order, names and values,
// for Sum. Members named in volatile (a presence that goes to the status, not to the
// user) are left out of the digest, so that a change of theirs alone does not make the
// user look changed.
func (f *RawFingerprinter) Object(raw []byte, pick, volatile []string) (names []string, picked [][]byte, digest [16]byte, err error) {
	b := f.buf[:0]
	picked = make([][]byte, len(pick))
	err = Members(raw, func(name string, value []byte) {
		names = append(names, name)
		if i := slices.Index(pick, name); i >= 0 {
			picked[i] = value
		}
		if slices.Contains(volatile, name) {
			return
		}
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, uint64(len(value)))
		b = append(b, value...)
	})
	f.buf = b
	if err != nil {
		return nil, nil, digest, err
	}
	slices.Sort(names)
	return slices.Compact(names), picked, xxh3.Hash128(b).Bytes(), nil
}

// Sum is the fingerprint of a user: the digest of its object (Object) with its
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

// ErrNotObject means a raw value is not a JSON object.
var ErrNotObject = errors.New("not a JSON object")

// Members walks the members of the JSON object raw without decoding their values:
// fn gets each member's name (unescaped) and its raw value, in order, repeats
// included. It checks the structure it walks (quotes, nesting, separators), not the
// grammar of numbers and literals: it is meant for objects whose bytes a full decode
// accepted before, and anything else is decoded in full by its caller anyway.
func Members(raw []byte, fn func(name string, value []byte)) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return ErrNotObject
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return trailing(raw, i+1)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return errors.New("object member without a quoted name")
		}
		end, escaped, err := stringEnd(raw, i)
		if err != nil {
			return err
		}
		name := string(raw[i+1 : end-1])
		if escaped {
			if err := json.Unmarshal(raw[i:end], &name); err != nil {
				return err
			}
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return errors.New("object member without a colon")
		}
		start := skipSpace(raw, i+1)
		stop, err := valueEnd(raw, start)
		if err != nil {
			return err
		}
		fn(name, raw[start:stop])
		i = skipSpace(raw, stop)
		switch {
		case i < len(raw) && raw[i] == ',':
			i = skipSpace(raw, i+1)
		case i < len(raw) && raw[i] == '}':
			return trailing(raw, i+1)
		default:
			return errors.New("object members not separated by commas")
		}
	}
}

func trailing(raw []byte, i int) error {
	if skipSpace(raw, i) != len(raw) {
		return errors.New("data after the object")
	}
	return nil
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at raw[i] (a quote) and
// whether it holds escapes.
func stringEnd(raw []byte, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, nil
		}
	}
	return 0, false, errors.New("unterminated string")
}

// valueEnd returns the index just past the value starting at raw[i].
func valueEnd(raw []byte, i int) (int, error) {
	if i >= len(raw) {
		return 0, errors.New("missing value")
	}
	switch raw[i] {
	case '"':
		end, _, err := stringEnd(raw, i)
		return end, err
	case '{', '[':
		var stack []byte
		for j := i; j < len(raw); j++ {
			switch c := raw[j]; c {
			case '"':
				end, _, err := stringEnd(raw, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c-2 { // '{'+2 == '}', '['+2 == ']'
					return 0, errors.New("mismatched brackets")
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated value")
	case ',', '}', ']', ':':
		return 0, errors.New("missing value")
	default: // a number or a literal: up to the next separator
		j := i
		for j < len(raw) && raw[j] != ',' && raw[j] != '}' && raw[j] != ']' && raw[j] != ' ' && raw[j] != '\t' && raw[j] != '\n' && raw[j] != '\r' {
			j++
		}
		return j, nil
	}
}
