package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// ErrNotObject means a raw value is not a JSON object.
var ErrNotObject = errors.New("not a JSON object")

// Members walks the members of the JSON object raw without decoding their values:
// fn gets each member's name (as a decoder reads it) and its raw value, in order, repeats
// included. It checks the structure it walks (quotes, nesting, separators), not the
// grammar of numbers and literals: it is meant for objects whose bytes a full decode
// accepted before, and anything else is decoded in full by its caller anyway.
func Members(raw []byte, fn func(name string, value []byte)) error {
	return members(raw, func(b []byte) string { return string(b) }, fn)
}

// members is Members with the names not escaped made strings by str.
func members(raw []byte, str func([]byte) string, fn func(name string, value []byte)) error {
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
		var name string
		if !escaped && utf8.Valid(raw[i+1:end-1]) {
			name = str(raw[i+1 : end-1])
		} else { // as a decoder reads it: escapes resolved, invalid UTF-8 replaced
			var decoded string // its own variable: only this rare case escapes to the heap
			if err := json.Unmarshal(raw[i:end], &decoded); err != nil {
				return err
			}
			name = decoded
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
	for j := i + 1; j < len(raw); {
		k := bytes.IndexByte(raw[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		// The quote ends the string unless an odd number of backslashes precede it.
		n := 0
		for q-1-n > i && raw[q-1-n] == '\\' {
			n++
		}
		escaped = escaped || bytes.IndexByte(raw[j:q], '\\') >= 0
		if n%2 == 0 {
			return q + 1, escaped, nil
		}
		j = q + 1
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
