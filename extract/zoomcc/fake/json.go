package fake

import (
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// jw appends compact JSON to a buffer and, when it has a writer, streams the buffer out
// in chunks, so that a page or a member list of a million people never sits in memory
// whole. Strings are written as Zoom's Java backend (Jackson) writes them: UTF-8 as is,
// only quotes, backslashes and control characters escaped. Separators are placed by sep:
// a value needs a comma unless it opens an object or array or follows a key.
type jw struct {
	b   []byte
	out io.Writer
	err error
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

// key writes an object key (an ASCII literal of this package); the value follows
// without a comma.
func (w *jw) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) str(s string) {
	w.sep()
	w.b = appendString(w.b, s)
}

// strs writes the concatenation of parts as one string, without building it.
func (w *jw) strs(parts ...string) {
	w.sep()
	w.b = append(w.b, '"')
	for _, s := range parts {
		w.b = appendEscaped(w.b, s)
	}
	w.b = append(w.b, '"')
}

// field writes "k":"v".
func (w *jw) field(k, v string) {
	w.key(k)
	w.str(v)
}

// numField writes "k":n.
func (w *jw) numField(k string, n int64) {
	w.key(k)
	w.num(n)
}

// boolField writes "k":v.
func (w *jw) boolField(k string, v bool) {
	w.key(k)
	w.sep()
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jw) num(n int64) { w.sep(); w.b = strconv.AppendInt(w.b, n, 10) }

// timeField writes "k":"2006-01-02T15:04:05Z", the UTC form Zoom's replies use.
func (w *jw) timeField(k string, t time.Time) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, zoomTime)
	w.b = append(w.b, '"')
}

// zoomTime is the layout of Zoom's date-time fields: whole seconds, UTC, "Z".
const zoomTime = "2006-01-02T15:04:05Z"

func (w *jw) strings(list []string) {
	w.open('[')
	for _, s := range list {
		w.str(s)
	}
	w.close(']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends the escaped contents of a JSON string, without quotes. Invalid
// UTF-8 becomes U+FFFD (synth never makes any).
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = utf8.AppendRune(b, utf8.RuneError)
				start = i + 1
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(b, s[start:]...)
}
