package transform

import (
	"hash/maphash"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// Phone is a normalized phone number.
type Phone struct {
	// Raw is the provider's string, byte for byte.
	Raw string
	// E164 is the number in E.164 form (+ and 7 to 15 digits); empty when the number
	// cannot be parsed, is not valid, or is a SIP name or a short extension.
	E164 string
	// Extension is the extension dialled after the call connects, or the short internal
	// extension itself (Kind "extension").
	Extension string
	// Kind is the provider's kind ("other" when it gave none), "extension" for a short
	// internal extension and "sip" for a SIP URI.
	Kind string
	// Valid reports a valid number, a short extension or a well-formed SIP URI.
	Valid bool
}

// NormalizePhone parses one raw phone string with libphonenumber in region (the source's
// default_region, ISO 3166-1 alpha-2, any case). The raw text is always kept in Raw; a
// number that cannot be parsed or is not valid gets Valid false and no E164, and is
// never dropped. present is false for empty or blank strings, which are no phone at all.
//
// Besides what libphonenumber reads itself (national formats with spaces, dashes, dots
// and brackets, trunk prefixes, the region's international prefix, tel: URIs and the
// extension labels ext, ext., x, #, ;ext= and доб), NormalizePhone reads:
//   - 1 to 6 ASCII digits as a short internal extension: Kind "extension", Extension set,
//     Valid true, no E164. With kind "extension" nothing else is accepted;
//   - a UIS extension suffix after three dots ("74955140578...2345");
//   - a leading "00" as an international prefix when the region's own reading fails
//     ("0044 20 7946 0958" in US);
//   - 11 to 15 bare digits not starting with 0 as an international number without its
//     "+" when the region's own reading fails (UIS "74955140578" in any region);
//   - sip: and sips: URIs (also an address with "@" and no scheme when kind is "sip"):
//     Kind "sip", Valid true when the URI is well formed; a user part that is a phone
//     number sets E164, one that is a short extension sets Extension.
//
// Results equal those of libphonenumber's Parse, IsValidNumber and Format; most inputs
// take a faster path that gives the same answer. A PhoneNormalizer adds a cache.
func NormalizePhone(raw, kind, region string) (p Phone, present bool) {
	return normalizePhone(raw, kind, region, parseNumberFast)
}

// normalizePhoneSlow is NormalizePhone with every number read by libphonenumber's Parse,
// IsValidNumber and Format alone: the reference the fast paths are tested against.
func normalizePhoneSlow(raw, kind, region string) (Phone, bool) {
	return normalizePhone(raw, kind, region, parseNumberLibrary)
}

// numberParser reads one phone number in a default region (upper case) and returns its
// E.164 form and extension, or ok false when it is not a valid number.
type numberParser func(number, region string) (e164, ext string, ok bool)

const (
	kindOther     = "other"
	kindExtension = "extension"
	kindSIP       = "sip"
)

// normalizePhone applies the normalization contract; parse reads phone numbers.
func normalizePhone(raw, kind, region string, parse numberParser) (Phone, bool) {
	text := strings.TrimSpace(raw)
	if text == "" {
		return Phone{}, false
	}
	p := Phone{Raw: raw, Kind: kind}
	if p.Kind == "" {
		p.Kind = kindOther
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if uri, ok := sipURI(text, kind); ok {
		return normalizeSIP(p, uri, region, parse), true
	}
	if isShortExtension(text) {
		p.Kind, p.Extension, p.Valid = kindExtension, text, true
		return p, true
	}
	if kind == kindExtension {
		return p, true
	}
	number, ext := splitUISExtension(text)
	e164, numberExt, ok := parseNumber(number, region, parse)
	if !ok {
		return p, true
	}
	if ext == "" {
		ext = numberExt
	}
	p.E164, p.Extension, p.Valid = e164, ext, true
	return p, true
}

// parseNumber reads number in region and, when that fails, as an international number
// written with "00" or without its "+".
func parseNumber(number, region string, parse numberParser) (e164, ext string, ok bool) {
	if e164, ext, ok = parseE164(number, region, parse); ok {
		return e164, ext, true
	}
	if alt, isIntl := doubleZeroToPlus(number); isIntl {
		return parseE164(alt, region, parse)
	}
	if isBareInternational(number) {
		return parseE164("+"+number, region, parse)
	}
	return "", "", false
}

// parseE164 is parse with its result checked to be E.164: + and 7 to 15 digits, the
// first not 0. libphonenumber calls some longer numbers valid; they are not E.164.
func parseE164(number, region string, parse numberParser) (e164, ext string, ok bool) {
	e164, ext, ok = parse(number, region)
	if !ok || !isE164(e164) {
		return "", "", false
	}
	return e164, ext, true
}

// isE164 reports whether s matches ^\+[1-9]\d{6,14}$.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return allDigits(s[1:])
}

// doubleZeroToPlus rewrites a number whose first digits are "00" (and that has no "+")
// to start with "+" instead.
func doubleZeroToPlus(number string) (string, bool) {
	i := strings.IndexFunc(number, func(r rune) bool { return r == '+' || isDigit(r) })
	if i < 0 || !strings.HasPrefix(number[i:], "00") {
		return "", false
	}
	return number[:i] + "+" + number[i+2:], true
}

// isBareInternational reports 11 to 15 ASCII digits not starting with 0: an
// international number without its "+" (UIS writes 74955140578).
func isBareInternational(number string) bool {
	return len(number) >= 11 && len(number) <= 15 && number[0] != '0' && allDigits(number)
}

// isShortExtension reports 1 to 6 ASCII digits.
func isShortExtension(s string) bool {
	return len(s) >= 1 && len(s) <= 6 && allDigits(s)
}

// splitUISExtension splits UIS's "74955140578...2345" into the number and the digits
// after the last "..." (at most 20, as libphonenumber allows after an explicit label).
func splitUISExtension(text string) (number, ext string) {
	i := strings.LastIndex(text, "...")
	if i < 0 {
		return text, ""
	}
	ext = strings.TrimLeft(text[i+3:], " \t\n\v\f\r")
	if ext == "" || len(ext) > 20 || !allDigits(ext) {
		return text, ""
	}
	return strings.TrimSpace(text[:i]), ext
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// ---- SIP URIs (RFC 3261 section 25.1, without IPv6 zone or escaped host names) ----

// sipURI returns text with its scheme removed ("user@host;params") when text is a sip:
// or sips: URI, or an address with "@" and no scheme given with kind "sip".
func sipURI(text, kind string) (string, bool) {
	for _, scheme := range [...]string{"sip:", "sips:"} {
		if len(text) >= len(scheme) && strings.EqualFold(text[:len(scheme)], scheme) {
			return text[len(scheme):], true
		}
	}
	if kind == kindSIP && strings.Contains(text, "@") {
		return text, true
	}
	return "", false
}

// normalizeSIP fills p for a SIP URI (scheme removed).
func normalizeSIP(p Phone, uri, region string, parse numberParser) Phone {
	p.Kind = kindSIP
	user, ok := parseSIPURI(uri)
	if !ok {
		return p
	}
	p.Valid = true
	if user == "" {
		return p
	}
	if isShortExtension(user) {
		p.Extension = user
		return p
	}
	number, params := user, ""
	if i := strings.IndexByte(user, ';'); i >= 0 {
		number, params = user[:i], user[i:]
	}
	if !isTelephoneSubscriber(number) {
		return p
	}
	e164, _, ok := parseNumber(number, region, parse)
	if !ok {
		return p
	}
	p.E164 = e164
	for _, param := range strings.Split(params, ";") {
		if name, value, _ := strings.Cut(param, "="); strings.EqualFold(name, "ext") && value != "" && len(value) <= 20 && allDigits(value) {
			p.Extension = value
		}
	}
	return p
}

// isTelephoneSubscriber reports a SIP user part that is written as a telephone number:
// an optional "+", then digits and the visual separators - . ( ).
func isTelephoneSubscriber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits > 0
}

// parseSIPURI checks "[userinfo@]hostport[;params][?headers]" and returns the user part,
// percent-decoded and without its password.
func parseSIPURI(uri string) (user string, ok bool) {
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= ' ' || c >= 0x7f {
			return "", false
		}
	}
	rest := uri
	if at := strings.IndexByte(uri, '@'); at >= 0 {
		userinfo := uri[:at]
		rest = uri[at+1:]
		name, password, hasPassword := strings.Cut(userinfo, ":")
		if name == "" || !validURIPart(name, "&=+$,;?/") || (hasPassword && !validURIPart(password, "&=+$,")) {
			return "", false
		}
		if user, ok = percentDecode(name); !ok {
			return "", false
		}
	}
	end := strings.IndexAny(rest, ";?")
	if end < 0 {
		end = len(rest)
	}
	if !validHostPort(rest[:end]) {
		return "", false
	}
	params := rest[end:]
	headers := ""
	if q := strings.IndexByte(params, '?'); q >= 0 {
		params, headers = params[:q], params[q+1:]
		if headers == "" || !validURIPart(headers, "[]/?:+$&=") {
			return "", false
		}
	}
	if params != "" {
		for _, param := range strings.Split(params[1:], ";") {
			name, value, _ := strings.Cut(param, "=")
			if name == "" || !validURIPart(name, "[]/:&+$") || !validURIPart(value, "[]/:&+$") {
				return "", false
			}
		}
	}
	return user, true
}

// validURIPart reports that s holds only unreserved characters, valid %HH escapes and
// the extra characters given.
func validURIPart(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.!~*'()", c) >= 0, strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// percentDecode decodes %HH escapes (already checked) and rejects control characters.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if c < ' ' || c == 0x7f {
			return "", false
		}
		b = append(b, c)
	}
	return string(b), true
}

// validHostPort checks host[:port] where host is a domain name, IPv4 address or
// [IPv6 address].
func validHostPort(hp string) bool {
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return false
		}
		addr, err := netip.ParseAddr(hp[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
		host, port = "", hp[end+1:]
		if port != "" && port[0] != ':' {
			return false
		}
	} else if i := strings.IndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i:]
	}
	if port != "" {
		port = port[1:]
		if port == "" || len(port) > 5 || !allDigits(port) {
			return false
		}
		if n, _ := strconv.Atoi(port); n > 65535 {
			return false
		}
	}
	if strings.HasPrefix(hp, "[") {
		return true
	}
	return validHostname(host)
}

// validHostname checks dot-separated labels of letters, digits and inner hyphens,
// with an optional final dot.
func validHostname(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// ---- reading numbers ----

// parseNumberLibrary reads number with libphonenumber's Parse, IsValidNumber and Format.
func parseNumberLibrary(number, region string) (e164, ext string, ok bool) {
	num, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), num.GetExtension(), true
}

// parseNumberFast gives parseNumberLibrary's answer, taking the fast path when it can.
func parseNumberFast(number, region string) (e164, ext string, ok bool) {
	if e164, ext, ok, decided := fastParse(number, region); decided {
		return e164, ext, ok
	}
	return parseNumberLibrary(number, region)
}

// fastParse is libphonenumber's Parse, IsValidNumber and Format (v1.8.1: parseHelper and
// its helpers, ported step by step) for the inputs it can read without the library's
// general regular expressions: an optional leading "+", then ASCII digits and the
// separators space - . ( ), 3 to 20 digits in all, optionally followed by an extension
// (see splitExtensionSuffix). For these inputs, extractPossibleNumber keeps everything
// from the first "+" or digit to the last digit, the number is viable (3 digits or
// more), the only extension the library can find is the suffix (every other extension
// pattern needs a letter, '#', '~', ',' or ';') and normalize keeps just the digits.
// Patterns come from the library's own metadata, compiled once per region. decided is
// false when the input is not of that form or takes a branch that is not ported (a "+"
// or international prefix followed by an unknown country calling code); the caller
// then asks the library.
func fastParse(number, region string) (e164, ext string, valid, decided bool) {
	if len(number) == 0 || len(number) > 64 {
		return "", "", false, false
	}
	number, ext = splitExtensionSuffix(number)
	var buf [20]byte
	digits := buf[:0]
	plus := number[0] == '+'
	start := 0
	if plus {
		start = 1
	}
	for i := start; i < len(number); i++ {
		switch c := number[i]; {
		case c >= '0' && c <= '9':
			if len(digits) == len(buf) {
				return "", "", false, false
			}
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", "", false, false
		}
	}
	if len(digits) < 3 {
		return "", "", false, false
	}
	e164, valid, decided = fastParseDigits(plus, string(digits), region)
	if !valid {
		ext = ""
	}
	return e164, ext, valid, decided
}

// splitExtensionSuffix splits "N x123", "N ext 12" and "N ext. 12" (the label in any
// case, spaces around it optional, N ending in a digit, at most 9 digits after x and 20
// after ext) into N and the extension; anything else is returned whole. On such input
// the library's EXTN_PATTERN finds its leftmost match at the spaces before the label
// (no other extension pattern can start inside N, which has no letters, '#', '~', ','
// or ';'), and captures the same digits.
func splitExtensionSuffix(s string) (number, ext string) {
	j := len(s)
	for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
		j--
	}
	if j == len(s) || j == 0 {
		return s, ""
	}
	k := j
	for k > 0 && s[k-1] == ' ' {
		k--
	}
	maxDigits := 20
	switch {
	case k >= 1 && (s[k-1] == 'x' || s[k-1] == 'X'):
		k, maxDigits = k-1, 9
	case k >= 4 && strings.EqualFold(s[k-4:k], "ext."):
		k -= 4
	case k >= 3 && strings.EqualFold(s[k-3:k], "ext"):
		k -= 3
	default:
		return s, ""
	}
	if len(s)-j > maxDigits {
		return s, ""
	}
	for k > 0 && s[k-1] == ' ' {
		k--
	}
	if k == 0 || s[k-1] < '0' || s[k-1] > '9' {
		return s, ""
	}
	return s[:k], s[j:]
}

// fastParseDigits continues fastParse from the number's digits (after the "+" when plus).
func fastParseDigits(plus bool, d, region string) (e164 string, valid, decided bool) {
	md := phoneTables()
	def := md.region(region) // nil when region is not a supported region code

	// maybeExtractCountryCode.
	cc := 0
	var nn string
	extracted := false
	if plus {
		extracted = true
	} else {
		if def == nil {
			// checkRegionForParsing: no "+" and no usable default region.
			return "", false, true
		}
		if loc := def.idd.FindStringIndex(d); loc != nil && loc[0] == 0 && (loc[1] == len(d) || d[loc[1]] != '0') {
			d = d[loc[1]:]
			extracted = true
		}
	}
	if extracted {
		if len(d) <= phonenumbers.MIN_LENGTH_FOR_NSN {
			return "", false, true // ErrTooShortAfterIDD
		}
		cc, nn = md.extractCountryCode(d)
		if cc == 0 {
			return "", false, false // ErrInvalidCountryCode and the library's retry
		}
	} else if strings.HasPrefix(d, def.ccText) {
		potential := def.stripNationalPrefix(d[len(def.ccText):])
		fullValid := def.general.re.MatchString(d)
		nationalValid := def.general.re.MatchString(potential)
		if (!fullValid && nationalValid) || def.testLength(len(d)) == phonenumbers.TOO_LONG {
			cc, nn = def.cc, potential
			extracted = true
		}
	}
	meta := def
	if extracted {
		if main := phonenumbers.GetRegionCodeForCountryCode(cc); main != region {
			meta = md.regionOrCallingCode(cc, main)
		}
	} else {
		cc, nn = def.cc, d
	}
	if len(nn) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return "", false, true
	}
	if meta != nil {
		potential := meta.stripNationalPrefix(nn)
		switch meta.testLength(len(potential)) {
		case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY, phonenumbers.INVALID_LENGTH:
		default:
			nn = potential
		}
	}
	if len(nn) < phonenumbers.MIN_LENGTH_FOR_NSN || len(nn) > phonenumbers.MAX_LENGTH_FOR_NSN {
		return "", false, true
	}
	// The national significant number the library rebuilds from NationalNumber and its
	// leading zeros is nn itself, so E.164 is "+", the calling code and nn.
	if !md.isValid(cc, nn) {
		return "", false, true
	}
	return "+" + strconv.Itoa(cc) + nn, true, true
}

// descMatcher is one number description of the metadata: possible lengths and the
// national number pattern, anchored at both ends.
type descMatcher struct {
	lengths []int32
	re      *regexp.Regexp
}

// matches is the library's isNumberMatchingDesc.
func (d *descMatcher) matches(nsn string) bool {
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			if int(l) == len(nsn) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

// regionTable is one region's (or non-geographic calling code's) metadata compiled for
// the fast path.
type regionTable struct {
	cc     int
	ccText string
	// idd is the international prefix, unanchored as the library uses it.
	idd *regexp.Regexp
	// npfp is "^(?:national prefix for parsing)", nil when there is none.
	npfp      *regexp.Regexp
	transform string
	// leading is "^(?:leading digits)", nil when there are none.
	leading *regexp.Regexp
	general descMatcher
	// types holds the types getNumberTypeHelper tries: fixed line, mobile unless its
	// pattern is fixed line's, premium rate, toll free, shared cost, VoIP, personal
	// number, pager, UAN and voicemail. Only whether one matches counts, so the most
	// common come first.
	types []descMatcher
	// lengths and localLengths are the general description's possible lengths.
	lengths, localLengths []int32
}

// anchored compiles a national number pattern as the library matches it: whole string.
func anchored(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^(?:" + pattern + ")$")
}

// newRegionTable compiles md's patterns, as the library's regexFor would (the library
// compiles the same strings with regexp.MustCompile; TestRegionTablesCompile compiles
// every region's).
func newRegionTable(md *phonenumbers.PhoneMetadata) *regionTable {
	t := &regionTable{
		cc:           int(md.GetCountryCode()),
		transform:    md.GetNationalPrefixTransformRule(),
		lengths:      md.GetGeneralDesc().GetPossibleLength(),
		localLengths: md.GetGeneralDesc().GetPossibleLengthLocalOnly(),
	}
	t.ccText = strconv.Itoa(t.cc)
	t.idd = regexp.MustCompile(md.GetInternationalPrefix())
	if p := md.GetNationalPrefixForParsing(); p != "" {
		t.npfp = regexp.MustCompile("^(?:" + p + ")")
	}
	if p := md.GetLeadingDigits(); p != "" {
		t.leading = regexp.MustCompile("^(?:" + p + ")")
	}
	desc := func(d *phonenumbers.PhoneNumberDesc) descMatcher {
		return descMatcher{lengths: d.GetPossibleLength(), re: anchored(d.GetNationalNumberPattern())}
	}
	t.general = desc(md.GetGeneralDesc())
	t.types = append(t.types, desc(md.GetFixedLine()))
	if !md.GetSameMobileAndFixedLinePattern() {
		t.types = append(t.types, desc(md.GetMobile()))
	}
	for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(),
		md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail()} {
		t.types = append(t.types, desc(d))
	}
	return t
}

// validType is getNumberTypeHelper(nsn) != UNKNOWN.
func (t *regionTable) validType(nsn string) bool {
	if !t.general.matches(nsn) {
		return false
	}
	for i := range t.types {
		if t.types[i].matches(nsn) {
			return true
		}
	}
	return false
}

// testLength is the library's testNumberLength for type UNKNOWN.
func (t *regionTable) testLength(n int) phonenumbers.ValidationResult {
	pl := t.lengths
	if pl[0] == -1 {
		return phonenumbers.INVALID_LENGTH
	}
	for _, l := range t.localLengths {
		if int(l) == n {
			return phonenumbers.IS_POSSIBLE_LOCAL_ONLY
		}
	}
	switch minimum := int(pl[0]); {
	case minimum == n:
		return phonenumbers.IS_POSSIBLE
	case minimum > n:
		return phonenumbers.TOO_SHORT
	case int(pl[len(pl)-1]) < n:
		return phonenumbers.TOO_LONG
	}
	for _, l := range pl[1:] {
		if int(l) == n {
			return phonenumbers.IS_POSSIBLE
		}
	}
	return phonenumbers.INVALID_LENGTH
}

// stripNationalPrefix is the library's maybeStripNationalPrefixAndCarrierCode: number
// without its national prefix, or number unchanged.
func (t *regionTable) stripNationalPrefix(number string) string {
	if len(number) == 0 || t.npfp == nil || !t.npfp.MatchString(number) {
		return number
	}
	viableOriginal := t.general.re.MatchString(number)
	groups := t.npfp.FindStringSubmatchIndex(number)
	numOfGroups := len(groups)/2 - 1
	if t.transform == "" || groups[numOfGroups*2] < 0 {
		if viableOriginal && !t.general.re.MatchString(number[groups[1]:]) {
			return number
		}
		return number[groups[1]:]
	}
	transformed := t.npfp.ReplaceAllString(number, t.transform)
	if viableOriginal && !t.general.re.MatchString(transformed) {
		return number
	}
	return transformed
}

// tables holds the library's metadata, each region's compiled on first use.
type tables struct {
	regions     map[string]*lazyTable // supported region codes
	nonGeo      map[int]*lazyTable    // non-geographic calling codes (region "001")
	callingCode [1000]bool            // the calling codes the library knows
}

// lazyTable compiles one region's metadata once.
type lazyTable struct {
	once sync.Once
	md   *phonenumbers.PhoneMetadata
	t    *regionTable
}

func (l *lazyTable) get() *regionTable {
	l.once.Do(func() { l.t = newRegionTable(l.md) })
	return l.t
}

var (
	tablesOnce sync.Once
	tablesData *tables
)

// phoneTables returns the tables, indexing the library's metadata on first use.
func phoneTables() *tables {
	tablesOnce.Do(func() {
		t := &tables{regions: map[string]*lazyTable{}, nonGeo: map[int]*lazyTable{}}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			panic(err) // the library itself panics at init on this error
		}
		supported := phonenumbers.GetSupportedRegions()
		for _, md := range coll.GetMetadata() {
			if md.GetId() == "001" {
				t.nonGeo[int(md.GetCountryCode())] = &lazyTable{md: md}
			} else if supported[md.GetId()] {
				t.regions[md.GetId()] = &lazyTable{md: md}
			}
		}
		for cc := range phonenumbers.GetSupportedCallingCodes() {
			if cc > 0 && cc < len(t.callingCode) {
				t.callingCode[cc] = true
			}
		}
		tablesData = t
	})
	return tablesData
}

// region is getMetadataForRegion: nil unless region is a supported region code.
func (t *tables) region(region string) *regionTable {
	if l := t.regions[region]; l != nil {
		return l.get()
	}
	return nil
}

// regionOrCallingCode is getMetadataForRegionOrCallingCode.
func (t *tables) regionOrCallingCode(cc int, region string) *regionTable {
	if region != "001" {
		return t.region(region)
	}
	if l := t.nonGeo[cc]; l != nil {
		return l.get()
	}
	return nil
}

// extractCountryCode is the library's extractCountryCode: the calling code that starts
// digits (1 to 3 digits, not starting with 0) and the rest, or 0.
func (t *tables) extractCountryCode(digits string) (int, string) {
	if digits[0] == '0' {
		return 0, ""
	}
	cc := 0
	for i := 1; i <= 3 && i <= len(digits); i++ {
		cc = cc*10 + int(digits[i-1]-'0')
		if t.callingCode[cc] {
			return cc, digits[i:]
		}
	}
	return 0, ""
}

// isValid is the library's IsValidNumber for calling code cc and national significant
// number nsn.
func (t *tables) isValid(cc int, nsn string) bool {
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	region := ""
	switch {
	case len(regions) == 0:
		return false
	case len(regions) == 1:
		region = regions[0]
	default:
		// getRegionCodeForNumberFromRegionList.
		for _, r := range regions {
			rt := t.region(r)
			if rt == nil {
				continue
			}
			if rt.leading != nil {
				if rt.leading.MatchString(nsn) {
					region = r
					break
				}
			} else if rt.validType(nsn) {
				// IsValidNumberForRegion repeats exactly this test.
				return rt.cc == cc
			}
		}
	}
	// IsValidNumberForRegion.
	rt := t.regionOrCallingCode(cc, region)
	if rt == nil || (region != "001" && cc != rt.cc) {
		return false
	}
	return rt.validType(nsn)
}

// ---- the cache ----

// maxCachedRaw is the longest raw string a PhoneNormalizer caches: longer strings are
// not phone numbers (libphonenumber rejects more than 250 characters) and would make
// the cache's memory depend on its input. maxCachedTag bounds kind and region alike.
const (
	maxCachedRaw = 256
	maxCachedTag = 64
)

// cacheable reports whether the cache keeps results for these strings.
func cacheable(raw, kind, region string) bool {
	return len(raw) <= maxCachedRaw && len(kind) <= maxCachedTag && len(region) <= maxCachedTag
}

// owned returns k and p with their strings copied into one new allocation, so that an
// entry never pins a larger buffer the caller's strings are slices of.
func owned(k phoneKey, p Phone) (phoneKey, Phone) {
	buf := k.raw + k.kind + k.region + p.E164 + p.Extension
	cut := func(n int) string {
		s := buf[:n]
		buf = buf[n:]
		return s
	}
	k.raw, k.kind, k.region = cut(len(k.raw)), cut(len(k.kind)), cut(len(k.region))
	p.Raw, p.E164, p.Extension = k.raw, cut(len(p.E164)), cut(len(p.Extension))
	switch p.Kind {
	case k.kind:
		p.Kind = k.kind
	case kindOther, kindExtension, kindSIP:
		// A constant: pins nothing.
	default:
		p.Kind = strings.Clone(p.Kind)
	}
	return k, p
}

// PhoneNormalizer is NormalizePhone with a bounded cache of results, for a run that
// sees the same strings again and again (shared office numbers) and for the next run,
// which can be seeded with this run's results (Preload). It is safe for concurrent use.
//
// The cache holds at most capacity results, keyed by raw, kind and region, in shards
// that each hold an equal part of capacity; when a shard is full, a new result evicts
// the less recently useful of two entries drawn at random (a sampled second chance).
// Results for raw strings longer than 256 bytes, or kinds or regions longer than 64,
// are never cached, and an entry keeps its own copy of its strings, so memory grows
// with use to at most about 1 KB per entry of capacity (some 200 bytes for a typical
// phone string). Size capacity above the number of distinct strings a run sees (twice
// is ample) to keep every result of one night for the next.
type PhoneNormalizer struct {
	seed     maphash.Seed
	shards   []phoneShard
	shift    uint         // a hash's top bits pick its shard
	uncached atomic.Int64 // misses of strings the cache does not keep
}

type phoneKey struct{ raw, kind, region string }

type phoneEntry struct {
	key  phoneKey
	val  Phone
	hash uint32 // low bits of the key's hash
	ref  bool   // used since eviction last considered it
}

// phoneSlot is one slot of a shard's open-addressing index (linear probing).
type phoneSlot struct {
	hash  uint32 // low bits of the key's hash: the home slot and a tag
	entry uint32 // entry index + 1; 0 for an empty slot
}

type phoneShard struct {
	mu sync.Mutex
	// slots index the entries; a power of two, at least twice the entries in use,
	// doubling as they come up to twice limit.
	slots []phoneSlot
	// chunks hold the entries, phoneChunk at a time, so that growing never copies them.
	chunks [][]phoneEntry
	used   int    // entries in use
	limit  int    // entries at most
	rng    uint32 // picks eviction candidates; never 0
	hits   int64
	misses int64
	_      [64]byte // keeps shards' locks on separate cache lines
}

const phoneChunk = 256

// NewPhoneNormalizer returns a PhoneNormalizer caching at most capacity results. A
// capacity of 0 or less caches nothing.
func NewPhoneNormalizer(capacity int) *PhoneNormalizer {
	n := &PhoneNormalizer{seed: maphash.MakeSeed(), shift: 64}
	if capacity <= 0 {
		return n
	}
	count := 1
	for count < 64 && count*2*256 <= capacity {
		count *= 2
		n.shift--
	}
	n.shards = make([]phoneShard, count)
	for i := range n.shards {
		n.shards[i].limit = capacity / count
		n.shards[i].rng = uint32(i)*0x9e3779b9 | 1
		if i < capacity%count {
			n.shards[i].limit++
		}
	}
	return n
}

// Normalize is NormalizePhone(raw, kind, region), answered from the cache when the same
// raw, kind and region were seen (or preloaded) before.
func (n *PhoneNormalizer) Normalize(raw, kind, region string) (Phone, bool) {
	if len(n.shards) == 0 || !cacheable(raw, kind, region) {
		if strings.TrimSpace(raw) == "" {
			return Phone{}, false
		}
		n.uncached.Add(1)
		return normalizePhone(raw, kind, region, parseNumberFast)
	}
	k := phoneKey{raw, kind, region}
	h := maphash.String(n.seed, raw)
	s := &n.shards[h>>n.shift&uint64(len(n.shards)-1)]
	s.mu.Lock()
	if e := s.find(k, uint32(h)); e != nil {
		e.ref = true
		p := e.val
		s.hits++
		s.mu.Unlock()
		p.Raw = raw
		return p, true
	}
	// Blank strings are never cached, so they are only looked for here.
	blank := strings.TrimSpace(raw) == ""
	if !blank {
		s.misses++
	}
	s.mu.Unlock()
	if blank {
		return Phone{}, false
	}
	p, _ := normalizePhone(raw, kind, region, parseNumberFast)
	ok, op := owned(k, p)
	s.mu.Lock()
	s.put(ok, uint32(h), op)
	s.mu.Unlock()
	return p, true
}

// Preload seeds the cache with p, the result of Normalize (or NormalizePhone) for raw,
// kind and region on an earlier run, so that this run does not compute it again. It is
// ignored when p.Raw is not raw, raw is blank, p is larger than a result can be, or the
// cache would not keep raw.
func (n *PhoneNormalizer) Preload(raw, kind, region string, p Phone) {
	if p.Raw != raw || len(n.shards) == 0 || !cacheable(raw, kind, region) || strings.TrimSpace(raw) == "" ||
		len(p.E164) > 16 || len(p.Extension) > len(raw) || len(p.Kind) > maxCachedTag {
		return
	}
	h := maphash.String(n.seed, raw)
	s := &n.shards[h>>n.shift&uint64(len(n.shards)-1)]
	k, p := owned(phoneKey{raw, kind, region}, p)
	s.mu.Lock()
	s.put(k, uint32(h), p)
	s.mu.Unlock()
}

// Stats returns how many Normalize calls were answered from the cache (hits) and how
// many computed their result (misses). Blank strings count as neither.
func (n *PhoneNormalizer) Stats() (hits, misses int64) {
	misses = n.uncached.Load()
	for i := range n.shards {
		s := &n.shards[i]
		s.mu.Lock()
		hits += s.hits
		misses += s.misses
		s.mu.Unlock()
	}
	return hits, misses
}

func (s *phoneShard) entry(i uint32) *phoneEntry {
	return &s.chunks[i/phoneChunk][i%phoneChunk]
}

// find returns k's entry or nil. s.mu is held.
func (s *phoneShard) find(k phoneKey, h uint32) *phoneEntry {
	if len(s.slots) == 0 {
		return nil
	}
	mask := uint32(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := s.slots[i]
		if sl.entry == 0 {
			return nil
		}
		if sl.hash == h {
			if e := s.entry(sl.entry - 1); e.key == k {
				return e
			}
		}
	}
}

// put stores p under k, evicting a victim when the shard is full. s.mu is held.
func (s *phoneShard) put(k phoneKey, h uint32, p Phone) {
	if e := s.find(k, h); e != nil {
		e.val = p
		return
	}
	var i uint32
	if s.used < s.limit {
		if s.used == len(s.chunks)*phoneChunk {
			s.chunks = append(s.chunks, make([]phoneEntry, min(phoneChunk, s.limit-s.used)))
		}
		i = uint32(s.used)
		s.used++
		if 2*s.used > len(s.slots) {
			s.grow()
		}
	} else {
		i = s.victim()
		s.unindex(i)
	}
	*s.entry(i) = phoneEntry{key: k, val: p, hash: h}
	s.index(h, i)
}

// victim picks the entry to evict: of two drawn at random, one not used since it was
// last drawn, else the first. Both lose their reference bit. Unlike CLOCK or LRU, this
// keeps most of its hits when a run cycles through a few more strings than fit.
func (s *phoneShard) victim() uint32 {
	a, b := s.random()%uint32(s.used), s.random()%uint32(s.used)
	ea, eb := s.entry(a), s.entry(b)
	v := a
	if ea.ref && !eb.ref {
		v = b
	}
	ea.ref, eb.ref = false, false
	return v
}

// random is xorshift32 on the shard's state.
func (s *phoneShard) random() uint32 {
	x := s.rng
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	s.rng = x
	return x
}

// grow doubles the index (or makes its first one).
func (s *phoneShard) grow() {
	old := s.slots
	s.slots = make([]phoneSlot, max(16, 2*len(old)))
	for _, sl := range old {
		if sl.entry != 0 {
			s.index(sl.hash, sl.entry-1)
		}
	}
}

// index puts entry i, of hash h, in the index.
func (s *phoneShard) index(h, i uint32) {
	mask := uint32(len(s.slots) - 1)
	j := h & mask
	for s.slots[j].entry != 0 {
		j = (j + 1) & mask
	}
	s.slots[j] = phoneSlot{hash: h, entry: i + 1}
}

// unindex removes entry i from the index, shifting later slots of its probe run back
// so that no search stops early.
func (s *phoneShard) unindex(i uint32) {
	mask := uint32(len(s.slots) - 1)
	j := s.entry(i).hash & mask
	for s.slots[j].entry != i+1 {
		j = (j + 1) & mask
	}
	for {
		s.slots[j] = phoneSlot{}
		k := j
		for {
			k = (k + 1) & mask
			sl := s.slots[k]
			if sl.entry == 0 {
				return
			}
			// Move sl into the hole at j unless its home slot lies cyclically in (j, k].
			home := sl.hash & mask
			if (j < k && (home <= j || home > k)) || (j > k && home <= j && home > k) {
				s.slots[j] = sl
				j = k
				break
			}
		}
	}
}
