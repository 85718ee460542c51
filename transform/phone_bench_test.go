package transform

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/roster-etl/roster/extract/synth"
)

// phoneInput is one NormalizePhone call.
type phoneInput struct{ raw, kind, region string }

// Shares of the benchmark mix, in percent.
const (
	mixOffice   = 30 // a few hundred shared office numbers, repeated
	mixE164     = 30 // already E.164
	mixNational = 35 // as people typed them, without "+"
	// The remaining 5% are junk, extensions, UIS and SIP strings.
)

// phoneMix returns n inputs seen on day of a synthetic directory (synth seed 1), drawn
// deterministically: mixOffice% from a pool of 300 shared office numbers (synth seed 2,
// written as typed), mixE164% people's numbers that were typed with "+" rewritten to
// E.164, mixNational% people's numbers typed without "+" (US, GB, DE, FR, RU and AU
// national formats with spaces, dashes, dots and brackets, trunk prefixes, RU numbers
// with the country code and no "+"), and the rest junk ("n/a", "TBD", "call me"...),
// short extensions, UIS "74955140578...2345" numbers, "00" international numbers and
// SIP URIs. The same n on day 1 gives the same draws, with the people's numbers of
// day 1 (a few changed).
func phoneMix(day, n int) []phoneInput {
	people := mixPeople(day, n)
	var withPlus, national []phoneInput
	for _, p := range people {
		switch raw := p.raw; {
		case strings.HasPrefix(raw, "+"):
			withPlus = append(withPlus, phoneInput{toE164Form(raw), p.kind, p.region})
		case len(onlyASCIIDigits(raw)) >= 7:
			national = append(national, p)
		}
	}
	office := mixOfficePool()
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]phoneInput, 0, n)
	var nextPlus, nextNational int
	for len(out) < n {
		switch r := rng.IntN(100); {
		case r < mixOffice:
			out = append(out, office[rng.IntN(len(office))])
		case r < mixOffice+mixE164:
			out = append(out, withPlus[nextPlus%len(withPlus)])
			nextPlus++
		case r < mixOffice+mixE164+mixNational:
			out = append(out, national[nextNational%len(national)])
			nextNational++
		default:
			out = append(out, mixOddity(rng))
		}
	}
	return out
}

var (
	mixPeopleMu    sync.Mutex
	mixPeopleCache = map[[2]int][]phoneInput{}
)

// mixPeople lists the phones of a synthetic directory large enough for n draws.
func mixPeople(day, n int) []phoneInput {
	mixPeopleMu.Lock()
	defer mixPeopleMu.Unlock()
	size := max(n/2, 50)
	if ps, ok := mixPeopleCache[[2]int{day, size}]; ok {
		return ps
	}
	var ps []phoneInput
	for _, person := range synth.New(synth.Config{Seed: 1, Size: size}).Day(day).People {
		for _, ph := range person.Phones {
			ps = append(ps, phoneInput{ph.Raw, ph.Kind, ph.Region})
		}
	}
	mixPeopleCache[[2]int{day, size}] = ps
	return ps
}

// mixOfficePool returns 300 distinct office numbers as typed.
func mixOfficePool() []phoneInput {
	var pool []phoneInput
	seen := map[string]bool{}
	for _, person := range synth.New(synth.Config{Seed: 2, Size: 2000}).Day(0).People {
		for _, ph := range person.Phones {
			if len(pool) < 300 && !seen[ph.Raw] && len(onlyASCIIDigits(ph.Raw)) >= 7 {
				seen[ph.Raw] = true
				pool = append(pool, phoneInput{ph.Raw, "office", ph.Region})
			}
		}
	}
	return pool
}

// mixOddity returns a junk string, extension, UIS number, "00" number or SIP URI.
func mixOddity(rng *rand.Rand) phoneInput {
	regions := []string{"US", "GB", "DE", "FR", "RU", "AU"}
	region := regions[rng.IntN(len(regions))]
	switch rng.IntN(7) {
	case 0:
		junk := []string{"n/a", "-", "TBD", "call me", "+", "none", "12345678901234567890"}
		return phoneInput{junk[rng.IntN(len(junk))], "main", region}
	case 1:
		return phoneInput{fmt.Sprint(1000 + rng.IntN(9000)), "extension", region}
	case 2:
		return phoneInput{fmt.Sprintf("7495%07d...%d", rng.IntN(10_000_000), 100+rng.IntN(9900)), "other", "RU"}
	case 3:
		return phoneInput{fmt.Sprintf("7495%07d", rng.IntN(10_000_000)), "other", "RU"}
	case 4:
		return phoneInput{fmt.Sprintf("0044 20 7946 0%03d", rng.IntN(1000)), "main", "US"}
	case 5:
		return phoneInput{fmt.Sprintf("sip:%d@pbx.example", 1000+rng.IntN(9000)), "sip", region}
	default:
		return phoneInput{fmt.Sprintf("+1 415 555 01%02d x%d", rng.IntN(100), rng.IntN(1000)), "office", "US"}
	}
}

// toE164Form rewrites a number typed with "+" to "+" and digits, as a provider that
// stores E.164 would: the extension and a "(0)" go.
func toE164Form(raw string) string {
	if i := strings.Index(raw, " ext"); i >= 0 {
		raw = raw[:i]
	}
	return "+" + onlyASCIIDigits(strings.ReplaceAll(raw, "(0)", ""))
}

func onlyASCIIDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// BenchmarkNormalizePhone measures phone normalization on one core, in numbers/s, over
// 50,000 inputs of phoneMix: 30% a pool of 300 shared office numbers drawn at random
// (so repeated), 30% people's numbers already in E.164, 35% people's numbers as typed
// without "+" in national formats of US, GB, DE, FR, RU and AU (with spaces, dashes,
// dots, brackets, trunk prefixes, RU country code without "+"), 5% junk, extensions,
// UIS "...", "00" and SIP strings.
//
//   - libphonenumber: the raw string through Parse, IsValidNumber and Format, nothing
//     else (what the library alone costs, without the contract's extras);
//   - library: normalizePhoneSlow, the contract with every number read by Parse,
//     IsValidNumber and Format (the baseline the fast paths must equal);
//   - NormalizePhone: the fast paths, no cache;
//   - first-run: a fresh PhoneNormalizer per pass (cache starts empty);
//   - second-night: the next day's inputs through a PhoneNormalizer preloaded with the
//     first night's results (only changed numbers are computed).
func BenchmarkNormalizePhone(b *testing.B) {
	const size = 50_000
	night1, night2 := phoneMix(0, size), phoneMix(1, size)
	type normalizeFunc func(raw, kind, region string) (Phone, bool)
	// run times passes over inputs, each with a fresh normalize from prepare (untimed).
	run := func(b *testing.B, inputs []phoneInput, prepare func() (normalizeFunc, *PhoneNormalizer)) {
		b.Helper()
		var total time.Duration
		var count, hits int64
		for b.Loop() {
			b.StopTimer()
			normalize, n := prepare()
			runtime.GC()
			b.StartTimer()
			start := time.Now()
			for _, in := range inputs {
				normalize(in.raw, in.kind, in.region)
			}
			total += time.Since(start)
			count += int64(len(inputs))
			if n != nil {
				h, _ := n.Stats()
				hits += h
			}
		}
		b.ReportMetric(float64(count)/total.Seconds(), "numbers/s")
		b.ReportMetric(float64(total.Nanoseconds())/float64(count), "ns/number")
		b.ReportMetric(100*float64(hits)/float64(count), "hit%")
	}
	b.Run("libphonenumber", func(b *testing.B) {
		run(b, night1, func() (normalizeFunc, *PhoneNormalizer) {
			return func(raw, _, region string) (Phone, bool) {
				num, err := phonenumbers.Parse(raw, region)
				if err == nil && phonenumbers.IsValidNumber(num) {
					return Phone{Raw: raw, E164: phonenumbers.Format(num, phonenumbers.E164), Valid: true}, true
				}
				return Phone{Raw: raw}, true
			}, nil
		})
	})
	b.Run("library", func(b *testing.B) {
		run(b, night1, func() (normalizeFunc, *PhoneNormalizer) { return normalizePhoneSlow, nil })
	})
	b.Run("NormalizePhone", func(b *testing.B) {
		run(b, night1, func() (normalizeFunc, *PhoneNormalizer) { return NormalizePhone, nil })
	})
	b.Run("first-run", func(b *testing.B) {
		run(b, night1, func() (normalizeFunc, *PhoneNormalizer) {
			n := NewPhoneNormalizer(2 * size)
			return n.Normalize, n
		})
	})
	b.Run("second-night", func(b *testing.B) {
		first := NewPhoneNormalizer(2 * size)
		results := make([]Phone, len(night1))
		for i, in := range night1 {
			results[i], _ = first.Normalize(in.raw, in.kind, in.region)
		}
		run(b, night2, func() (normalizeFunc, *PhoneNormalizer) {
			n := NewPhoneNormalizer(2 * size)
			for i, in := range night1 {
				n.Preload(in.raw, in.kind, in.region, results[i])
			}
			return n.Normalize, n
		})
	})
}
