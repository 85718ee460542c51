package fake

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// jw appends compact JSON to a buffer and, when it has a writer, streams the buffer out
// in chunks, so that a directory of a million people never sits in memory whole. It
// escapes strings like PHP's json_encode with its default flags (Worksection's backend
// is PHP): "/" as "\/" and every non-ASCII character as a lower-case \uXXXX escape
// (UTF-16, surrogate pairs above U+FFFF), unless raw is set (JSON_UNESCAPED_UNICODE |
// JSON_UNESCAPED_SLASHES). Separators are placed by sep: a value needs a comma unless it
// opens an object or array or follows a key.
type jw struct {
	b   []byte
	out io.Writer
	err error
	raw bool
	// last is the last byte already flushed, for sep after a flush.
	last byte
}

const flushAt = 64 << 10

func (w *jw) maybeFlush() {
	if w.out != nil && len(w.b) >= flushAt {
		w.flush()
	}
}

func (w *jw) flush() {
	if w.out == nil || len(w.b) == 0 {
		return
	}
	if w.err == nil {
		_, w.err = w.out.Write(w.b)
	}
	w.last = w.b[len(w.b)-1]
	w.b = w.b[:0]
}

func (w *jw) sep() {
	c := w.last
	if n := len(w.b); n > 0 {
		c = w.b[n-1]
	}
	if c != 0 && c != '{' && c != '[' && c != ':' {
		w.b = append(w.b, ',')
	}
}

func (w *jw) open(c byte)  { w.sep(); w.b = append(w.b, c) }
func (w *jw) close(c byte) { w.b = append(w.b, c) }

// key writes an object key; the next value follows without a comma. Keys are ASCII
// literals of this package, or names that appendString escapes.
func (w *jw) key(k string) {
	w.sep()
	w.b = appendString(w.b, k, w.raw)
	w.b = append(w.b, ':')
}

func (w *jw) str(s string) {
	w.sep()
	w.b = appendString(w.b, s, w.raw)
}

// strs writes the concatenation of parts as one string, without building it.
func (w *jw) strs(parts ...string) {
	w.sep()
	w.b = append(w.b, '"')
	for _, s := range parts {
		w.b = appendEscaped(w.b, s, w.raw)
	}
	w.b = append(w.b, '"')
}

// fields writes "k":"<parts concatenated>".
func (w *jw) fields(k string, parts ...string) {
	w.key(k)
	w.strs(parts...)
}

func (w *jw) num(n int64) { w.sep(); w.b = strconv.AppendInt(w.b, n, 10) }

// decimal writes a number the way PHP 7.1+ does: the shortest form that round-trips
// (25, 37.5).
func (w *jw) decimal(f float64) { w.sep(); w.b = strconv.AppendFloat(w.b, f, 'f', -1, 64) }

// field writes "k":"v".
func (w *jw) field(k, v string) {
	w.key(k)
	w.str(v)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped like PHP's json_encode (see jw).
func appendString(b []byte, s string, raw bool) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s, raw)
	return append(b, '"')
}

// appendEscaped appends the escaped contents of a JSON string, without quotes. Invalid
// UTF-8 becomes U+FFFD (json_encode would fail on it; synth never makes any).
func appendEscaped(b []byte, s string, raw bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '/' && !raw:
				b = append(b, '\\', '/')
			case c >= 0x20:
				b = append(b, c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendU(b, rune(c))
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if raw {
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i += size
		if r > 0xffff {
			r -= 0x10000
			b = appendU(b, 0xd800+(r>>10))
			b = appendU(b, 0xdc00+(r&0x3ff))
			continue
		}
		b = appendU(b, r)
	}
	return b
}

// appendU appends a \uXXXX escape with lower-case hex digits, as PHP writes them.
func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
