package fake

import (
	"io"
	"strconv"
	"time"
)

// jw appends JSON to a buffer and, when it has a writer, streams the buffer out in
// chunks, so that a million-member organization never sits in memory whole. It separates
// like Python's json.dumps, which Close's recorded replies show: ", " between items and
// ": " after keys ({"error": "..."}). Separators are placed by sep: a value needs one
// unless it opens an object or array or follows a key.
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
	// ' ' only ever ends the output after a key's ": ".
	if c != 0 && c != '{' && c != '[' && c != ' ' {
		w.b = append(w.b, ',', ' ')
	}
}

func (w *jw) open(c byte)  { w.sep(); w.b = append(w.b, c) }
func (w *jw) close(c byte) { w.b = append(w.b, c) }

// key writes an object key; the next value follows without a comma.
func (w *jw) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':', ' ')
}

func (w *jw) str(s string) {
	w.sep()
	w.b = appendString(w.b, s)
}

func (w *jw) strOrNull(s string) {
	if s == "" {
		w.null()
		return
	}
	w.str(s)
}

func (w *jw) null() { w.sep(); w.b = append(w.b, "null"...) }

func (w *jw) boolean(v bool) { w.sep(); w.b = strconv.AppendBool(w.b, v) }

func (w *jw) num(n int64) { w.sep(); w.b = strconv.AppendInt(w.b, n, 10) }

// float writes seconds the way Close does: six decimals ("0.870663").
func (w *jw) float(f float64) { w.sep(); w.b = strconv.AppendFloat(w.b, f, 'f', 6, 64) }

// time writes a Close timestamp: "2013-05-08T01:57:15.204000+00:00".
func (w *jw) time(t time.Time) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, closeTime)
	w.b = append(w.b, '"')
}

// closeTime is Close's timestamp layout: microseconds and an explicit +00:00 offset.
const closeTime = "2006-01-02T15:04:05.000000-07:00"

func (w *jw) strings(list []string) {
	w.open('[')
	for _, s := range list {
		w.str(s)
	}
	w.close(']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. UTF-8 passes through; quotes, backslashes and
// control characters are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
