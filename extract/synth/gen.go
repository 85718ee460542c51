package synth

import (
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// record is the compact state of one person (48 bytes). Strings are rendered from it
// on demand, so a million people cost about 50 MB between snapshots.
type record struct {
	id       int64
	created  int64 // Unix microseconds
	updated  int64 // Unix microseconds
	touched  int32 // last day this person changed; -1 never
	groups   uint16
	locale   uint8
	first    uint8
	last     uint8
	middle   uint8 // index+1; 0 none
	tz       uint8
	dept     uint8
	team     uint8
	title    uint8 // ownerTitleIndex for the owner
	queues   uint8
	role     uint8
	custom   uint8 // index+1; 0 none
	status   uint8
	sub      uint8 // index+1; 0 none
	nameVar  uint8
	emailVar uint8
	emailGen uint8
	phoneGen uint8
	flags    uint8
}

const (
	flagListed uint8 = 1 << iota
	flagActive
	flagFemale
	flagExt
)

// Name quirks (record.nameVar).
const (
	nameClean uint8 = iota
	namePaddedFirst
	namePaddedLast
	nameNFD
)

// Email quirks (record.emailVar).
const (
	emailClean uint8 = iota
	emailMixedCase
	emailPadded
	emailShared
	emailInvalid
)

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// state is the population as of one day.
type state struct {
	day     int
	recs    []record // every person ever issued, by ascending ID
	nextID  int64
	listed  int
	changes []Change // the changes that led to day
}

// formerCount is how many people departed before day 0 (the pool Return draws from).
func (p *Population) formerCount() int { return max(1, p.cfg.Size/20) }

// isFormerAtStart reports whether id departed before day 0. Former people are spread
// evenly over the first Size+formerCount IDs, like people who left over the years.
func (p *Population) isFormerAtStart(id int) bool {
	f := p.formerCount()
	total := p.cfg.Size + f
	// Former IDs are (i+1)*total/(f+1) for i in [0, f).
	i := id * (f + 1) / total // candidate index+1
	for _, j := range []int{i - 1, i, i + 1} {
		if j >= 1 && j <= f && j*total/(f+1) == id {
			return true
		}
	}
	return false
}

func (p *Population) initial() *state {
	f := p.formerCount()
	total := p.cfg.Size + f
	st := &state{
		recs:   make([]record, 0, total+total/8),
		nextID: int64(total) + 1,
		listed: p.cfg.Size,
	}
	lo := p.startUS - 6*365*dayMicros
	hi := p.startUS - dayMicros
	nextFormer, j := total/(f+1), 1
	for id := 1; id <= total; id++ {
		rc := p.generate(int64(id), lo, hi, mix(p.seed, uint64(id), saltPerson))
		rc.updated = rc.created + newRNG(mix(p.seed, uint64(id), saltPerson, 1)).int63n(p.startUS-rc.created)
		if id == nextFormer {
			j++
			nextFormer = j * total / (f + 1)
			if j > f {
				nextFormer = -1
			}
		} else {
			rc.flags |= flagListed
		}
		if id == p.ownerID {
			rc.role, rc.custom, rc.title = roleOwner, 0, ownerTitleIndex
			rc.flags |= flagActive
		}
		st.recs = append(st.recs, rc)
	}
	return st
}

// generate draws a person's initial attributes, created in [createdLo, createdHi).
func (p *Population) generate(id, createdLo, createdHi int64, seed uint64) record {
	r := newRNG(seed)
	rc := record{id: id, touched: -1}
	rc.locale = uint8(r.weighted(p.localeWeights))
	loc := &locales[rc.locale]
	if r.chance(0.5) {
		rc.flags |= flagFemale
		rc.first = uint8(r.intn(len(loc.female)))
	} else {
		rc.first = uint8(r.intn(len(loc.male)))
	}
	rc.last = uint8(r.intn(len(loc.last)))
	if len(loc.middleMale) > 0 && r.chance(loc.middleRate) {
		rc.middle = uint8(1 + r.intn(len(loc.middleMale)))
	}
	switch x := r.float(); {
	case x >= 0.05:
		rc.nameVar = nameClean
	case x < 0.02:
		rc.nameVar = namePaddedFirst
	case x < 0.035:
		rc.nameVar = namePaddedLast
	case x < 0.05:
		rc.nameVar = nameNFD
		first, last, middle := p.baseNames(&rc)
		if !hasNFD(first + last + middle) {
			rc.nameVar = namePaddedFirst
		}
	}
	rc.tz = uint8(r.intn(len(loc.timezones)))
	rc.dept = uint8(r.weighted(p.deptWeights))
	dept := &departments[rc.dept]
	rc.team = uint8(r.intn(len(dept.teams)))
	rc.title = uint8(r.intn(len(dept.titles)))
	for n := r.weighted([]int{25, 40, 25, 10}); n > 0; {
		bit := uint16(1) << r.intn(len(groupNames))
		if rc.groups&bit == 0 {
			rc.groups |= bit
			n--
		}
	}
	if len(dept.queues) > 0 && r.chance(0.85) {
		for n := 1 + r.intn(min(3, len(dept.queues))); n > 0; {
			bit := uint8(1) << dept.queues[r.intn(len(dept.queues))]
			if rc.queues&bit == 0 {
				rc.queues |= bit
				n--
			}
		}
	}
	rc.role = uint8(1 + r.weighted([]int{2, 10, 72, 10, 6}))
	if (rc.role == roleMember || rc.role == roleManager) && r.chance(0.04) {
		rc.custom = uint8(1 + r.intn(len(customRoleNames)))
	}
	if r.chance(0.97) {
		rc.flags |= flagActive
		rc.status = uint8(r.weighted(statusWeights))
		if rc.status == statusAway {
			rc.sub = uint8(1 + r.intn(len(subStatusNames)))
		}
	} else {
		rc.status = statusOffline
	}
	switch x := r.float(); {
	case x < 0.04:
		rc.emailVar = emailMixedCase
	case x < 0.06:
		rc.emailVar = emailPadded
	case x < 0.067:
		rc.emailVar = emailShared
	case x < 0.072:
		rc.emailVar = emailInvalid
	}
	if r.chance(0.35) {
		rc.flags |= flagExt
	}
	rc.created = createdLo + r.int63n(createdHi-createdLo)
	rc.updated = rc.created
	return rc
}

func localeWeights() []int {
	w := make([]int, len(locales))
	for i := range locales {
		w[i] = locales[i].weight
	}
	return w
}

func departmentWeights() []int {
	w := make([]int, len(departments))
	for i := range departments {
		w[i] = departments[i].weight
	}
	return w
}

// baseNames returns the person's names without quirks.
func (p *Population) baseNames(rc *record) (first, last, middle string) {
	loc := &locales[rc.locale]
	female := rc.flags&flagFemale != 0
	last = loc.last[rc.last]
	if female {
		first = loc.female[rc.first]
		if loc.russian {
			last = feminine(last)
		}
	} else {
		first = loc.male[rc.first]
	}
	if rc.middle > 0 {
		if female {
			middle = loc.middleFemale[rc.middle-1]
		} else {
			middle = loc.middleMale[rc.middle-1]
		}
	}
	return first, last, middle
}

func (p *Population) names(rc *record) (first, last, middle string) {
	first, last, middle = p.baseNames(rc)
	switch rc.nameVar {
	case namePaddedFirst:
		first = "  " + first + " "
	case namePaddedLast:
		last = " " + last + "  "
	case nameNFD:
		first, last, middle = toNFD(first), toNFD(last), toNFD(middle)
	}
	return first, last, middle
}

func (p *Population) email(rc *record) string {
	sl := &p.slugs[rc.locale]
	var f, l string
	if rc.flags&flagFemale != 0 {
		f, l = sl.female[rc.first], sl.lastFemale[rc.last]
	} else {
		f, l = sl.male[rc.first], sl.last[rc.last]
	}
	domain := p.domain
	switch rc.emailVar {
	case emailShared:
		return p.deptSlugs[rc.dept] + "@" + domain
	}
	var buf [96]byte
	b := buf[:0]
	if rc.emailVar == emailPadded {
		b = append(b, ' ')
	}
	local := len(b)
	switch rc.emailGen % 3 {
	case 0:
		b = append(append(append(b, f...), '.'), l...)
	case 1:
		b = append(append(b, f[0]), l...)
	case 2:
		b = append(append(append(b, f...), '.'), l...)
		domain = p.altDomain
	}
	b = strconv.AppendInt(b, rc.id, 10)
	at := len(b)
	switch {
	case rc.emailVar == emailInvalid && rc.id%2 == 0:
		b = append(b, '@')
	case rc.emailVar == emailInvalid:
		b = append(append(b, '.'), domain...)
	default:
		b = append(append(b, '@'), domain...)
	}
	if rc.emailVar == emailPadded {
		b = append(b, ' ')
	}
	if rc.emailVar == emailMixedCase {
		capitalizeParts(b[local:at])
		capitalizeParts(b[at+1:])
	}
	return string(b)
}

// capitalizeParts upper-cases, in place, the first letter of every dot-separated part.
func capitalizeParts(b []byte) {
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.'
	}
}

func (p *Population) phones(rc *record) []Phone {
	r := newRNG(mix(p.seed, uint64(rc.id), uint64(rc.phoneGen), saltPhone))
	n := r.weighted([]int{15, 50, 25, 8, 2})
	if n == 0 {
		return nil
	}
	loc := &locales[rc.locale]
	out := make([]Phone, n)
	for i := range out {
		kind := phoneKinds[r.weighted([]int{20, 30, 40, 5, 5})]
		raw := ""
		if r.chance(0.04) {
			raw = junkPhones[r.intn(len(junkPhones))]
		} else {
			raw = renderPhone(r, loc, loc.phones[r.intn(len(loc.phones))])
		}
		out[i] = Phone{Raw: raw, Kind: kind, Region: loc.country}
	}
	return out
}

// renderPhone fills a phone template (see locale.phones).
func renderPhone(r *rng, loc *locale, tmpl string) string {
	var buf [40]byte
	b := buf[:0]
	for i := 0; i < len(tmpl); i++ {
		switch c := tmpl[i]; c {
		case '#':
			b = append(b, byte('0'+r.intn(10)))
		case 'A':
			b = append(b, loc.areas[r.intn(len(loc.areas))]...)
		case '%':
			b = strconv.AppendInt(b, int64(10+r.intn(90)), 10)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func phonesText(ps []Phone) string {
	raws := make([]string, len(ps))
	for i, ph := range ps {
		raws[i] = ph.Raw
	}
	return strings.Join(raws, "; ")
}

func (p *Population) title(rc *record) string {
	ru := locales[rc.locale].russian
	if rc.title == ownerTitleIndex {
		if ru {
			return ownerTitleRU
		}
		return ownerTitle
	}
	if ru {
		return departments[rc.dept].titlesRU[rc.title]
	}
	return departments[rc.dept].titles[rc.title]
}

func (p *Population) customRole(rc *record) string {
	if rc.custom == 0 {
		return ""
	}
	return customRoleNames[rc.custom-1]
}

func statusText(status, sub uint8) string {
	if sub == 0 {
		return statusNames[status]
	}
	return statusNames[status] + ":" + subStatusNames[sub-1]
}

func (p *Population) person(rc *record) Person {
	first, last, middle := p.names(rc)
	loc := &locales[rc.locale]
	dept := &departments[rc.dept]
	ps := Person{
		ID:         int(rc.id),
		FirstName:  first,
		LastName:   last,
		MiddleName: middle,
		Email:      p.email(rc),
		Title:      p.title(rc),
		Department: dept.name,
		Team:       dept.teams[rc.team],
		Groups:     p.groupSets[rc.groups],
		Region:     loc.region,
		Queues:     p.queueSets[rc.queues],
		Role:       roleNames[rc.role],
		CustomRole: p.customRole(rc),
		Active:     rc.flags&flagActive != 0,
		Phones:     p.phones(rc),
		Timezone:   loc.timezones[rc.tz],
		Country:    loc.country,
		CreatedAt:  time.UnixMicro(rc.created).UTC(),
		UpdatedAt:  time.UnixMicro(rc.updated).UTC(),
		Status:     statusNames[rc.status],
		OnCall:     rc.status == statusBusy,
	}
	if rc.sub > 0 {
		ps.SubStatus = subStatusNames[rc.sub-1]
	}
	if rc.flags&flagExt != 0 {
		ps.Extension = p.extensions[(rc.id*7919)%9000]
	}
	return ps
}

// slugs are the ASCII forms of a locale's names, for email local parts.
type slugs struct{ male, female, last, lastFemale []string }

func (p *Population) initTables() {
	p.localeWeights = localeWeights()
	p.deptWeights = departmentWeights()
	for i := range locales {
		loc := &locales[i]
		sl := &p.slugs[i]
		sl.male = slugAll(loc.male)
		sl.female = slugAll(loc.female)
		sl.last = slugAll(loc.last)
		sl.lastFemale = sl.last
		if loc.russian {
			fem := make([]string, len(loc.last))
			for j, l := range loc.last {
				fem[j] = asciiSlug(feminine(l))
			}
			sl.lastFemale = fem
		}
	}
	for i := range departments {
		p.deptSlugs[i] = asciiSlug(departments[i].name)
	}
	for i := range p.extensions {
		p.extensions[i] = strconv.Itoa(1000 + i)
	}
	for mask := range p.groupSets {
		p.groupSets[mask] = namesOf(mask, groupNames[:])
	}
	for mask := range p.queueSets {
		p.queueSets[mask] = namesOf(mask, queueNames[:])
	}
}

func slugAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = asciiSlug(n)
	}
	return out
}

func groupsText(p *Population, mask uint16) string { return strings.Join(p.groupSets[mask], ",") }

func popcount16(x uint16) int { return bits.OnesCount16(x) }
