package transform

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
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
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	local := t.In(loc)
	if local.Hour() == wall.Hour() && local.Minute() == wall.Minute() && local.Day() == wall.Day() {
		return t
	}
	_, before := t.Add(-12 * time.Hour).Zone()
	return wall.Add(-time.Duration(before) * time.Second)
}

// Phone is a normalized phone number.
type Phone struct {
	Raw       string
	E164      string // empty when the number cannot be parsed or is not valid
	Extension string
	Kind      string
	Valid     bool
}

var (
	uisExtension = regexp.MustCompile(`^(.*?)\.\.\.\s*(\d+)$`)
	shortDigits  = regexp.MustCompile(`^\d{1,6}$`)
)

// NormalizePhone parses one raw phone string with libphonenumber in region (the source's
// default_region). The raw text is always kept; a number that cannot be parsed or is not
// valid gets Valid false and no E164. present is false for empty or blank strings, which
// are no phone at all.
func NormalizePhone(raw, kind, region string) (p Phone, present bool) {
	text := strings.TrimSpace(raw)
	if text == "" {
		return Phone{}, false
	}
	p = Phone{Raw: raw, Kind: kind}
	if p.Kind == "" {
		p.Kind = "other"
	}
	lower := strings.ToLower(text)
	switch {
	case p.Kind == "extension" || shortDigits.MatchString(text):
		p.Kind, p.Extension, p.Valid = "extension", text, shortDigits.MatchString(text)
		return p, true
	case strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:"):
		p.Kind, p.Valid = "sip", strings.Contains(text, "@") || len(text) > 4
		return p, true
	}
	number := text
	if m := uisExtension.FindStringSubmatch(text); m != nil {
		number, p.Extension = m[1], m[2]
	}
	if digits := onlyDigits(number); len(digits) >= 11 && !strings.ContainsAny(number, "+(") && !strings.HasPrefix(digits, "00") && !strings.HasPrefix(digits, "8") {
		// A full international number written without its "+" (UIS: 74955140578).
		number = "+" + digits
	}
	num, err := phonenumbers.Parse(number, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return p, true
	}
	p.E164 = phonenumbers.Format(num, phonenumbers.E164)
	if ext := num.GetExtension(); ext != "" && p.Extension == "" {
		p.Extension = ext
	}
	p.Valid = true
	return p, true
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
