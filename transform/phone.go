package transform

import (
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

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
