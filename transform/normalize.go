package transform

import (
	"net/mail"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CleanText trims a provider string, folds inner runs of white space to one space and
// puts it in Unicode NFC, so that the same name written twice compares equal.
func CleanText(s string) string {
	s = norm.NFC.String(s)
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// NormalizeEmail returns the trimmed, lower-cased email and whether it is a plausible
// address. An invalid address is still returned (and reported), never dropped.
func NormalizeEmail(email string) (normalized string, valid bool) {
	normalized = strings.ToLower(strings.TrimSpace(norm.NFC.String(email)))
	if normalized == "" {
		return "", false
	}
	addr, err := mail.ParseAddress(normalized)
	return normalized, err == nil && addr.Address == normalized
}

// DisplayName derives a display name from its parts when the provider has none.
func DisplayName(display, first, middle, last string) string {
	if d := CleanText(display); d != "" {
		return d
	}
	var parts []string
	for _, p := range []string{first, middle, last} {
		if p = CleanText(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// timeLayouts are the timestamp spellings providers use, with and without an offset.
var timeLayouts = []struct {
	layout    string
	hasOffset bool
}{
	{time.RFC3339Nano, true},
	{"2006-01-02T15:04:05.999999999Z0700", true},
	{"2006-01-02 15:04:05.999999999Z07:00", true},
	{"2006-01-02 15:04:05.999999999Z0700", true},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02 15:04:05.999999999", false},
	{"2006-01-02T15:04", false},
	{"2006-01-02 15:04", false},
	{"2006-01-02", false},
}

// ParseTime reads a provider timestamp. Times with an offset keep it; times without one
// are read in loc (the source's timezone). In a DST gap the wall time is moved forward
// by the gap; in an overlap the earlier instant is chosen (Go's time.Date rule). The
// result is in UTC, truncated to microseconds. ok is false for an unparseable value.
func ParseTime(s string, loc *time.Location) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range timeLayouts {
		var err error
		if l.hasOffset {
			t, err = time.Parse(l.layout, s)
		} else if t, err = time.Parse(l.layout, s); err == nil {
			t = inLocation(t, loc)
		}
		if err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

// inLocation reads the wall time of wall (parsed as UTC) in loc. A wall time that falls
// in a DST gap does not exist; it is read with the offset in force before the gap, which
// moves it forward by the gap (02:30 -> 03:30), as java.time and Python's fold=0 do.
// An ambiguous wall time in an overlap is the earlier instant.
func inLocation(wall time.Time, loc *time.Location) time.Time {
	guess := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	_, before := guess.Add(-12 * time.Hour).Zone()
	_, after := guess.Add(12 * time.Hour).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), wall) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() { // a gap: no instant has this wall time
		return wall.Add(-time.Duration(before) * time.Second)
	}
	return best
}

func sameWall(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}
