package transform

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/nyaruka/phonenumbers"
)

// phoneCase is one row of the normalization contract for phones.
type phoneCase struct {
	raw, kind, region  string
	present            bool
	e164, ext, kindOut string
	valid              bool
}

// phoneCases covers every provider's formats (Close has no phones): Worksection's free
// text, Zoom Contact Center's E.164 numbers and extensions, UIS phone_numbers[] and
// extension_phone_number, national formats of RU, US, GB, DE, FR and AU, and junk.
var phoneCases = []phoneCase{
	// Worksection phone/phone2/phone3/phone4: free text as typed.
	{"+1 415-555-0132", "main", "US", true, "+14155550132", "", "main", true},
	{"(415) 555-0199", "office", "US", true, "+14155550199", "", "office", true},
	{"415.555.0123", "mobile", "US", true, "+14155550123", "", "mobile", true},
	{"1-212-555-0100", "home", "US", true, "+12125550100", "", "home", true},
	{"415-555-0123 x123", "office", "US", true, "+14155550123", "123", "office", true},
	{"+1 (212) 555-0100 ext. 42", "office", "US", true, "+12125550100", "42", "office", true},
	{"+1 212 555 0100 EXT 7", "office", "US", true, "+12125550100", "7", "office", true},
	{"(415) 555-0132 #12", "office", "US", true, "+14155550132", "12", "office", true},
	{"011 44 20 7946 0958", "main", "US", true, "+442079460958", "", "main", true},
	{"0044 20 7946 0958", "main", "US", true, "+442079460958", "", "main", true},
	{"0033 6 12 34 56 78", "mobile", "US", true, "+33612345678", "", "mobile", true},
	{"555-0132", "main", "US", true, "", "", "main", false},      // local number, no area code
	{"+1 415 555 01", "main", "US", true, "", "", "main", false}, // too short
	{" +1 415 555 0132 ", "main", "us", true, "+14155550132", "", "main", true},
	{"(415) 555-0132", "main", "", true, "", "", "main", false},               // no default region
	{"+44 20 7946 0958", "main", "", true, "+442079460958", "", "main", true}, // "+" needs none
	{"1-800-FLOWERS", "main", "US", true, "+18003569377", "", "main", true},   // vanity letters
	{"＋１ ４１５ ５５５ ０１３２", "main", "US", true, "+14155550132", "", "main", true},
	{"tel:+1-415-555-0132", "main", "US", true, "+14155550132", "", "main", true},
	{"tel:+1-415-555-0132;ext=12", "main", "US", true, "+14155550132", "12", "main", true},
	{"+44 20 7946 0958", "main", "GB", true, "+442079460958", "", "main", true},
	{"020 7946 0958", "office", "GB", true, "+442079460958", "", "office", true},
	{"+44 (0)20 7946 0958", "office", "GB", true, "+442079460958", "", "office", true},
	{"+44 20 7946 0958 ext. 12", "main", "GB", true, "+442079460958", "12", "main", true},
	{"442079460958", "main", "GB", true, "+442079460958", "", "main", true},
	{"07700 900123", "mobile", "GB", true, "", "", "mobile", false},  // not a valid GB mobile range
	{"020 7946 0958", "office", "XX", true, "", "", "office", false}, // unknown region
	{"+49 30 12345678", "office", "DE", true, "+493012345678", "", "office", true},
	{"030 1234567", "office", "DE", true, "+49301234567", "", "office", true},
	{"+49 (0)89 1234-5678", "office", "DE", true, "+498912345678", "", "office", true},
	{"0151 23456789", "mobile", "DE", true, "+4915123456789", "", "mobile", true},
	{"+33 1 42 68 53 00", "office", "FR", true, "+33142685300", "", "office", true},
	{"01 42 68 53 00", "office", "FR", true, "+33142685300", "", "office", true},
	{"06 12 34 56 78", "mobile", "FR", true, "+33612345678", "", "mobile", true},
	{"+61 2 5550 1234", "office", "AU", true, "+61255501234", "", "office", true},
	{"(02) 5550 1234", "office", "AU", true, "+61255501234", "", "office", true},
	{"0491 570 123", "mobile", "AU", true, "+61491570123", "", "mobile", true},
	// Russian numbers: trunk prefix 8, the 810 international prefix, доб. extensions.
	{"8 (495) 123-45-67", "mobile", "RU", true, "+74951234567", "", "mobile", true},
	{"+7 916 123-45-67", "mobile", "RU", true, "+79161234567", "", "mobile", true},
	{"8 916 123 45 67", "mobile", "RU", true, "+79161234567", "", "mobile", true},
	{"+7 (812) 123-45-67", "office", "RU", true, "+78121234567", "", "office", true},
	{"89261234567", "mobile", "RU", true, "+79261234567", "", "mobile", true},
	{"8 10 44 20 7946 0958", "main", "RU", true, "+442079460958", "", "main", true},
	{"+7 495 123-45-67 доб. 2345", "office", "RU", true, "+74951234567", "2345", "office", true},
	{"8 495 123 45 67 доб 12", "office", "RU", true, "+74951234567", "12", "office", true},
	{"+7 (495) 123-45-67, доб. 123", "office", "RU", true, "+74951234567", "123", "office", true},
	// UIS phone_numbers[]: country code without "+", "..." before an extension.
	{"74955140578", "", "RU", true, "+74955140578", "", "other", true},
	{"74955140578", "other", "US", true, "+74955140578", "", "other", true},
	{"74955140578...2345", "other", "RU", true, "+74955140578", "2345", "other", true},
	{"74955140578...2345", "other", "US", true, "+74955140578", "2345", "other", true},
	{"74955140578 ... 2345", "other", "RU", true, "+74955140578", "2345", "other", true},
	{"79161234567", "other", "RU", true, "+79161234567", "", "other", true},
	{"380441234567", "other", "RU", true, "+380441234567", "", "other", true},
	{"7495...2345", "other", "RU", true, "", "", "other", false},
	// UIS extension_phone_number and other short internal extensions.
	{"2345", "extension", "RU", true, "", "2345", "extension", true},
	{"2345", "", "US", true, "", "2345", "extension", true},
	{" 101 ", "office", "US", true, "", "101", "extension", true},
	{"123456", "main", "US", true, "", "123456", "extension", true},
	{"1234567", "extension", "RU", true, "", "", "extension", false},
	{"+74955140578", "extension", "RU", true, "", "", "extension", false},
	// Zoom Contact Center: E.164 numbers and extensions.
	{"+14155550132", "main", "US", true, "+14155550132", "", "main", true},
	{"+442079460958", "main", "US", true, "+442079460958", "", "main", true},
	{"+74955140578", "main", "US", true, "+74955140578", "", "main", true},
	{"1001", "extension", "US", true, "", "1001", "extension", true},
	// SIP URIs.
	{"sip:agent@pbx.example", "", "US", true, "", "", "sip", true},
	{"sip:+14155550132@pbx.example;user=phone", "main", "US", true, "+14155550132", "", "sip", true},
	{"sip:+1-415-555-0132;ext=77@gw.example;user=phone", "", "US", true, "+14155550132", "77", "sip", true},
	{"sip:74955140578@sip.uiscom.ru", "other", "RU", true, "+74955140578", "", "sip", true},
	{"SIPS:2345@pbx.example:5061;transport=tls", "", "US", true, "", "2345", "sip", true},
	{"sip:alice:secret@[2001:db8::1]:5060", "", "US", true, "", "", "sip", true},
	{"sip:pbx.example", "", "US", true, "", "", "sip", true},
	{"sip:12345678@pbx.example", "", "US", true, "", "", "sip", true},
	{"agent@pbx.example", "sip", "US", true, "", "", "sip", true},
	{"sip:", "", "US", true, "", "", "sip", false},
	{"sip:@pbx.example", "", "US", true, "", "", "sip", false},
	{"sip:agent@", "", "US", true, "", "", "sip", false},
	{"sip:agent@pbx example", "", "US", true, "", "", "sip", false},
	{"sip:agent@pbx.example:99999", "", "US", true, "", "", "sip", false},
	// Junk: kept, never valid.
	{"n/a", "main", "US", true, "", "", "main", false},
	{"-", "main", "US", true, "", "", "main", false},
	{"+", "main", "US", true, "", "", "main", false},
	{"TBD", "main", "RU", true, "", "", "main", false},
	{"call me", "mobile", "GB", true, "", "", "mobile", false},
	{"☎️", "main", "US", true, "", "", "main", false},
	{"📞 +1 415 555 0132", "main", "US", true, "+14155550132", "", "main", true},
	{"+0 123 456 789", "main", "US", true, "", "", "main", false},
	{"+999 123 456", "main", "US", true, "", "", "main", false},
	{"12345678901234567890", "main", "US", true, "", "", "main", false},
	{strings.Repeat("9", 40), "main", "US", true, "", "", "main", false},
	{strings.Repeat("+1 415 555 0132 ", 20), "main", "US", true, "", "", "main", false},
	{"123", "main", "US", true, "", "123", "extension", true}, // 1-6 digits read as an extension
	{"000", "main", "AU", true, "", "000", "extension", true},
	// Blank: no phone at all.
	{"   ", "main", "US", false, "", "", "", false},
	{"", "main", "US", false, "", "", "", false},
	{"\t\n", "main", "US", false, "", "", "", false},
}

func checkPhoneCase(t *testing.T, name string, tt phoneCase, p Phone, present bool) {
	t.Helper()
	if present != tt.present {
		t.Errorf("%s(%q, %q, %q) present = %v, want %v", name, tt.raw, tt.kind, tt.region, present, tt.present)
		return
	}
	want := Phone{}
	if tt.present {
		want = Phone{Raw: tt.raw, E164: tt.e164, Extension: tt.ext, Kind: tt.kindOut, Valid: tt.valid}
	}
	if p != want {
		t.Errorf("%s(%q, %q, %q) = %+v, want %+v", name, tt.raw, tt.kind, tt.region, p, want)
	}
}

func TestNormalizePhoneFollowsTheContract(t *testing.T) {
	t.Parallel()
	if len(phoneCases) < 60 {
		t.Fatalf("only %d cases", len(phoneCases))
	}
	n := NewPhoneNormalizer(1000)
	for _, tt := range phoneCases {
		p, present := NormalizePhone(tt.raw, tt.kind, tt.region)
		checkPhoneCase(t, "NormalizePhone", tt, p, present)
		p, present = normalizePhoneSlow(tt.raw, tt.kind, tt.region)
		checkPhoneCase(t, "normalizePhoneSlow", tt, p, present)
		for range 2 { // a miss, then a hit
			p, present = n.Normalize(tt.raw, tt.kind, tt.region)
			checkPhoneCase(t, "PhoneNormalizer.Normalize", tt, p, present)
		}
	}
}

// phoneCorpus returns at least 10,000 inputs for comparing the fast paths with the
// library: the benchmark mix of two days, libphonenumber's example numbers of every
// region and type in four formats, random digit strings and random mutations of all
// of these. It is deterministic.
func phoneCorpus() []phoneInput {
	rng := rand.New(rand.NewPCG(7, 11))
	var corpus []phoneInput
	seen := map[phoneInput]bool{}
	add := func(in phoneInput) {
		if !seen[in] {
			seen[in] = true
			corpus = append(corpus, in)
		}
	}
	for _, c := range phoneCases {
		add(phoneInput{c.raw, c.kind, c.region})
	}
	for _, in := range phoneMix(0, 6000) {
		add(in)
	}
	for _, in := range phoneMix(1, 6000) {
		add(in)
	}
	kinds := []string{"main", "office", "mobile", "home", "other", "", "extension", "sip"}
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions) // map order is random; the corpus must not be
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	examples := 0
	for _, r := range regions {
		for _, typ := range types {
			num := phonenumbers.GetExampleNumberForType(r, typ)
			if num == nil {
				continue
			}
			examples++
			kind := kinds[rng.IntN(len(kinds)-2)]
			nsn := phonenumbers.GetNationalSignificantNumber(num)
			cc := strconv.Itoa(int(num.GetCountryCode()))
			add(phoneInput{phonenumbers.Format(num, phonenumbers.E164), kind, r})
			add(phoneInput{phonenumbers.Format(num, phonenumbers.E164), kind, regions[rng.IntN(len(regions))]})
			add(phoneInput{phonenumbers.Format(num, phonenumbers.INTERNATIONAL), kind, "US"})
			add(phoneInput{phonenumbers.Format(num, phonenumbers.NATIONAL), kind, r})
			add(phoneInput{phonenumbers.Format(num, phonenumbers.RFC3966), kind, r})
			add(phoneInput{cc + nsn, kind, r})
			add(phoneInput{"00" + cc + " " + nsn, kind, "US"})
			add(phoneInput{cc + nsn + "..." + strconv.Itoa(rng.IntN(10000)), kind, "RU"})
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if num := phonenumbers.GetExampleNumberForNonGeoEntity(cc); num != nil {
			add(phoneInput{phonenumbers.Format(num, phonenumbers.E164), "main", "US"})
			add(phoneInput{phonenumbers.Format(num, phonenumbers.INTERNATIONAL), "main", "001"})
		}
	}
	if examples < 1000 {
		panic(fmt.Sprintf("only %d example numbers", examples))
	}
	someRegions := []string{"US", "GB", "DE", "FR", "RU", "AU", "CA", "IT", "BR", "KZ", "CH", "IN", "CN", "JP", "AR", "MX",
		"", "zz", "us", "001", "ru "}
	for range 3000 {
		var b strings.Builder
		switch rng.IntN(5) {
		case 0:
			b.WriteByte('+')
		case 1:
			b.WriteString("00")
		case 2:
			b.WriteByte('8')
		}
		for n := 3 + rng.IntN(17); n > 0; n-- {
			b.WriteByte(byte('0' + rng.IntN(10)))
			if rng.IntN(4) == 0 {
				b.WriteByte(" -.()"[rng.IntN(5)])
			}
		}
		add(phoneInput{b.String(), kinds[rng.IntN(len(kinds))], someRegions[rng.IntN(len(someRegions))]})
	}
	base := len(corpus)
	for range base {
		in := corpus[rng.IntN(base)]
		in.raw = mutatePhone(rng, in.raw)
		if rng.IntN(4) == 0 {
			in.region = someRegions[rng.IntN(len(someRegions))]
		}
		add(in)
	}
	return corpus
}

// phoneTokens are what mutatePhone inserts: separators, prefixes, extension labels,
// URI schemes, letters, full-width and Arabic-Indic digits.
var phoneTokens = []string{"0", "1", "7", "8", "9", " ", "-", ".", "(", ")", "/", "+", "x", " x", " ext. ", "ext", "#",
	";ext=", " доб. ", "...", "00", "011", "810", "tel:", "sip:", "@", "a", "Z", "０", "٣", "‐", ",", ";", "~", "*",
	"\t", "(0)", ";phone-context=+1", ";isub=12", "\u00a0"}

func mutatePhone(rng *rand.Rand, s string) string {
	for n := 1 + rng.IntN(3); n > 0; n-- {
		i := 0
		if len(s) > 0 {
			i = rng.IntN(len(s) + 1)
		}
		switch rng.IntN(5) {
		case 0: // delete a byte
			if i < len(s) {
				s = s[:i] + s[i+1:]
			}
		case 1, 2: // insert a token
			s = s[:i] + phoneTokens[rng.IntN(len(phoneTokens))] + s[i:]
		case 3: // change a digit
			if i < len(s) && s[i] >= '0' && s[i] <= '9' {
				s = s[:i] + string(rune('0'+rng.IntN(10))) + s[i+1:]
			}
		case 4: // cut
			s = s[:i]
		}
	}
	return s
}

// TestFastPathsMatchLibrary checks that the fast paths and the cache give exactly what
// normalizePhoneSlow (libphonenumber's Parse, IsValidNumber and Format alone) gives.
func TestFastPathsMatchLibrary(t *testing.T) {
	t.Parallel()
	corpus := phoneCorpus()
	if len(corpus) < 10_000 {
		t.Fatalf("corpus has %d inputs", len(corpus))
	}
	want := make([]Phone, len(corpus))
	wantPresent := make([]bool, len(corpus))
	big, small := NewPhoneNormalizer(len(corpus)), NewPhoneNormalizer(300) // small evicts
	decided, fastValid := 0, 0
	for i, in := range corpus {
		want[i], wantPresent[i] = normalizePhoneSlow(in.raw, in.kind, in.region)
		check := func(name string, p Phone, present bool) {
			t.Helper()
			if p != want[i] || present != wantPresent[i] {
				t.Errorf("%s(%q, %q, %q) = %+v, %v; library gives %+v, %v", name, in.raw, in.kind, in.region,
					p, present, want[i], wantPresent[i])
			}
		}
		p, present := NormalizePhone(in.raw, in.kind, in.region)
		check("NormalizePhone", p, present)
		p, present = big.Normalize(in.raw, in.kind, in.region)
		check("Normalize (miss)", p, present)
		p, present = big.Normalize(in.raw, in.kind, in.region)
		check("Normalize (hit)", p, present)
		p, present = small.Normalize(in.raw, in.kind, in.region)
		check("Normalize (small cache)", p, present)

		// The kind a result carries reads back to the same result, so a caller can
		// preload from stored results (which keep that kind, not the provider's).
		if wantPresent[i] {
			if again, _ := normalizePhoneSlow(in.raw, want[i].Kind, in.region); again != want[i] {
				t.Errorf("normalizePhoneSlow(%q, %q, %q) = %+v, not the result of kind %q: %+v", in.raw, want[i].Kind,
					in.region, again, in.kind, want[i])
			}
		}

		// The fast parser itself, on the number as NormalizePhone hands it over.
		region := strings.ToUpper(strings.TrimSpace(in.region))
		number := strings.TrimSpace(in.raw)
		for _, candidate := range []string{number, "+" + number} {
			e164, ext, ok, dec := fastParse(candidate, region)
			if !dec {
				continue
			}
			decided++
			if ok {
				fastValid++
			}
			le164, lext, lok := parseNumberLibrary(candidate, region)
			if e164 != le164 || ext != lext || ok != lok {
				t.Errorf("fastParse(%q, %q) = %q, %q, %v; library gives %q, %q, %v", candidate, region, e164, ext, ok, le164, lext, lok)
			}
		}
	}
	if decided < len(corpus)/2 || fastValid < len(corpus)/10 {
		t.Errorf("the fast path decided %d and found %d valid of %d inputs: too few to test it", decided, fastValid, 2*len(corpus))
	}
	t.Logf("%d inputs; fast path decided %d of %d parses (%d valid)", len(corpus), decided, 2*len(corpus), fastValid)

	// A second night: a normalizer preloaded with the first night's results.
	preloaded := NewPhoneNormalizer(2 * len(corpus)) // twice: shards fill unevenly
	for i, in := range corpus {
		preloaded.Preload(in.raw, in.kind, in.region, want[i])
	}
	for i, in := range corpus {
		if p, present := preloaded.Normalize(in.raw, in.kind, in.region); p != want[i] || present != wantPresent[i] {
			t.Errorf("preloaded Normalize(%q, %q, %q) = %+v, want %+v", in.raw, in.kind, in.region, p, want[i])
		}
	}
	long := 0 // never cached
	for _, in := range corpus {
		if len(in.raw) > maxCachedRaw {
			long++
		}
	}
	if _, misses := preloaded.Stats(); misses != int64(long) {
		t.Errorf("preloaded normalizer missed %d times, want %d", misses, long)
	}
}

// TestRegionTablesCompile compiles the fast path's tables for every region and
// non-geographic calling code (they compile with regexp.MustCompile on first use).
func TestRegionTablesCompile(t *testing.T) {
	t.Parallel()
	md := phoneTables()
	for region := range md.regions {
		if rt := md.region(region); rt == nil || rt.cc == 0 || len(rt.lengths) == 0 {
			t.Errorf("region %s: table %+v", region, rt)
		}
	}
	for cc := range md.nonGeo {
		if rt := md.regionOrCallingCode(cc, "001"); rt == nil || rt.cc != cc {
			t.Errorf("calling code %d: table %+v", cc, rt)
		}
	}
	if len(md.regions) < 200 || len(md.nonGeo) < 5 {
		t.Errorf("%d regions, %d non-geographic calling codes", len(md.regions), len(md.nonGeo))
	}
}

func TestPhoneNormalizerStaysBounded(t *testing.T) {
	t.Parallel()
	for _, capacity := range []int{1, 7, 100, 600, 5000} {
		n := NewPhoneNormalizer(capacity)
		const distinct = 20_000
		for i := range distinct {
			n.Normalize("+1 415 555 "+strconv.Itoa(1000+i%9000), []string{"main", "office", "mobile"}[i/9000], "US")
		}
		entries, limits := 0, 0
		for i := range n.shards {
			s := &n.shards[i]
			entries += s.used
			limits += s.limit
			indexed := 0
			for _, sl := range s.slots {
				if sl.entry != 0 {
					indexed++
				}
			}
			if indexed != s.used || len(s.slots) > 4*max(s.limit, 8) {
				t.Errorf("capacity %d shard %d: %d entries, %d indexed, %d slots", capacity, i, s.used, indexed, len(s.slots))
			}
			for j := 0; j < s.used; j++ {
				if e := s.entry(uint32(j)); s.find(e.key, e.hash) != e {
					t.Errorf("capacity %d shard %d: entry %d (%q) cannot be found", capacity, i, j, e.key.raw)
				}
			}
		}
		if entries > capacity || limits != capacity {
			t.Errorf("capacity %d: %d entries, shard limits sum to %d", capacity, entries, limits)
		}
		if hits, misses := n.Stats(); hits+misses != distinct {
			t.Errorf("capacity %d: %d hits + %d misses, want %d calls", capacity, hits, misses, distinct)
		}
	}
}

// TestPhoneNormalizerDegradesGracefully cycles through 10% more strings than the cache
// holds, as a night larger than the capacity does: most lookups must still hit.
func TestPhoneNormalizerDegradesGracefully(t *testing.T) {
	t.Parallel()
	const capacity = 2000
	n := NewPhoneNormalizer(capacity)
	for range 10 {
		for i := range capacity + capacity/10 {
			n.Normalize("+1 415 555 "+strconv.Itoa(1000+i), "main", "US")
		}
	}
	if hits, misses := n.Stats(); hits < 2*misses {
		t.Errorf("%d hits, %d misses", hits, misses)
	}
}

func TestPhoneNormalizerCachesByRawKindAndRegion(t *testing.T) {
	t.Parallel()
	n := NewPhoneNormalizer(100)
	fake := Phone{Raw: "020 7946 0958", E164: "+442079460000", Kind: "office", Valid: true}
	n.Preload("020 7946 0958", "office", "GB", fake)
	n.Preload("020 7946 0958", "office", "DE", Phone{Raw: "something else"}) // ignored: Raw differs
	n.Preload("  ", "office", "GB", Phone{Raw: "  "})                        // ignored: blank
	if p, _ := n.Normalize("020 7946 0958", "office", "GB"); p != fake {
		t.Errorf("preloaded result not used: %+v", p)
	}
	if p, _ := n.Normalize("020 7946 0958", "office", "DE"); p.E164 != "" || p.Valid {
		t.Errorf("DE reading = %+v, want invalid", p)
	}
	if p, _ := n.Normalize("020 7946 0958", "mobile", "GB"); p.E164 != "+442079460958" || p.Kind != "mobile" {
		t.Errorf("another kind = %+v", p)
	}
	if p, present := n.Normalize("  ", "office", "GB"); present || p != (Phone{}) {
		t.Errorf("blank = %+v, %v", p, present)
	}
	if hits, misses := n.Stats(); hits != 1 || misses != 2 {
		t.Errorf("Stats = %d hits, %d misses; want 1, 2", hits, misses)
	}
	long := "+1 415 555 0132" + strings.Repeat(" ", maxCachedRaw)
	for range 2 {
		if p, _ := n.Normalize(long, "main", "US"); p.E164 != "+14155550132" || p.Raw != long {
			t.Errorf("long raw = %+v", p)
		}
	}
	if hits, misses := n.Stats(); hits != 1 || misses != 4 {
		t.Errorf("Stats = %d hits, %d misses; want 1, 4 (long strings are not cached)", hits, misses)
	}
	if _, misses := n.Stats(); misses != 4 {
		t.Fatalf("misses = %d", misses)
	}
	longKind := strings.Repeat("k", maxCachedTag+1)
	n.Preload("+1 415 555 0132", longKind, "US", Phone{Raw: "+1 415 555 0132", Kind: longKind})
	n.Preload("+1 415 555 0133", "main", "US", Phone{Raw: "+1 415 555 0133", E164: strings.Repeat("1", 17)})
	for range 2 {
		n.Normalize("+1 415 555 0132", longKind, "US")
		n.Normalize("+1 415 555 0133", "main", "US")
	}
	if hits, misses := n.Stats(); hits != 2 || misses != 7 {
		t.Errorf("Stats = %d hits, %d misses; want 2, 7 (a long kind is not cached, an oversize preload is ignored)", hits, misses)
	}
	none := NewPhoneNormalizer(0)
	for range 2 {
		if p, _ := none.Normalize("+1 415 555 0132", "main", "US"); p.E164 != "+14155550132" {
			t.Errorf("capacity 0 = %+v", p)
		}
	}
	if hits, misses := none.Stats(); hits != 0 || misses != 2 {
		t.Errorf("capacity 0: Stats = %d, %d", hits, misses)
	}
}

// TestPhoneNormalizerCopiesWhatItKeeps checks that an entry does not pin the buffer its
// caller's strings are slices of.
func TestPhoneNormalizerCopiesWhatItKeeps(t *testing.T) {
	t.Parallel()
	buf := strings.Repeat("x", 1<<16) + "|+7 495 123-45-67 доб. 2345|office|RU|"
	fields := strings.Split(buf[1<<16:], "|")
	raw, kind, region := fields[1], fields[2], fields[3]
	n := NewPhoneNormalizer(10)
	want, _ := n.Normalize(raw, kind, region)
	start := uintptr(unsafe.Pointer(unsafe.StringData(buf)))
	inBuf := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return s != "" && p >= start && p < start+uintptr(len(buf))
	}
	for i := range n.shards {
		s := &n.shards[i]
		for j := 0; j < s.used; j++ {
			e := s.entry(uint32(j))
			for _, str := range []string{e.key.raw, e.key.kind, e.key.region, e.val.Raw, e.val.E164, e.val.Extension, e.val.Kind} {
				if inBuf(str) {
					t.Errorf("entry string %q points into the caller's buffer", str)
				}
			}
			if e.val != want {
				t.Errorf("entry %+v, want %+v", e.val, want)
			}
		}
	}
	if got, _ := n.Normalize(raw, kind, region); got != want || unsafe.StringData(got.Raw) != unsafe.StringData(raw) {
		t.Errorf("hit = %+v, want %+v with the caller's Raw", got, want)
	}
}

func TestPhoneNormalizerIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	inputs := phoneMix(0, 3000)
	want := make([]Phone, len(inputs))
	for i, in := range inputs {
		want[i], _ = normalizePhoneSlow(in.raw, in.kind, in.region)
	}
	n := NewPhoneNormalizer(700) // smaller than the distinct inputs: evicts while others read
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range len(inputs) {
				i := (k*7 + g*379) % len(inputs)
				in := inputs[i]
				if g%3 == 0 {
					n.Preload(in.raw, in.kind, in.region, want[i])
				}
				if p, _ := n.Normalize(in.raw, in.kind, in.region); p != want[i] {
					t.Errorf("Normalize(%q) = %+v, want %+v", in.raw, p, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	if hits, misses := n.Stats(); hits+misses != 8*int64(len(inputs)) {
		t.Errorf("Stats = %d + %d, want %d calls", hits, misses, 8*len(inputs))
	}
}

var e164Pattern = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, c := range phoneCases {
		f.Add(c.raw, c.kind, c.region)
	}
	for _, s := range []string{"sip:x@y", "ext", "+", "+1 415 555 0132 x", "0000000", "+80012345678", "+1 ext. 5"} {
		f.Add(s, "main", "US")
	}
	n := NewPhoneNormalizer(1 << 12)
	f.Fuzz(func(t *testing.T, raw, kind, region string) {
		p, present := NormalizePhone(raw, kind, region)
		if present != (strings.TrimSpace(raw) != "") {
			t.Fatalf("present = %v for %q", present, raw)
		}
		if !present {
			if p != (Phone{}) {
				t.Fatalf("absent phone %+v", p)
			}
			return
		}
		if p.Raw != raw {
			t.Fatalf("raw not preserved: %q -> %q", raw, p.Raw)
		}
		if p.E164 != "" && !p.Valid {
			t.Fatalf("e164 set on an invalid number: %+v", p)
		}
		if p.E164 != "" && !e164Pattern.MatchString(p.E164) {
			t.Fatalf("e164 %q is not E.164", p.E164)
		}
		if !p.Valid && (p.E164 != "" || p.Extension != "") {
			t.Fatalf("invalid phone with a reading: %+v", p)
		}
		if slow, _ := normalizePhoneSlow(raw, kind, region); slow != p {
			t.Fatalf("NormalizePhone(%q, %q, %q) = %+v; library gives %+v", raw, kind, region, p, slow)
		}
		for range 2 {
			if c, _ := n.Normalize(raw, kind, region); c != p {
				t.Fatalf("PhoneNormalizer = %+v; NormalizePhone gives %+v", c, p)
			}
		}
	})
}
