package synth

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// ExtraIDBase is the first ID of the people Extra returns. No snapshot ever issues an ID
// this large, so extras never collide with the population.
const ExtraIDBase = 1 << 40

// Config describes a population.
type Config struct {
	// Seed selects the population; the same Seed gives the same people and mutations.
	Seed int64
	// Size is the number of people listed in the directory on day 0. Values below 1 are
	// treated as 1; the daily guarantees hold from 20 up.
	Size int
	// Start is the date of day 0, kept in UTC; 2026-01-05T00:00:00Z when zero.
	Start time.Time
}

// ChangeKind names what changed about a person from one day to the next.
type ChangeKind string

// The change kinds. Field, Old and New of a Change are described with each kind.
const (
	// Hire adds a new person (a new, never used ID) to the directory. Field is empty.
	Hire ChangeKind = "Hire"
	// Depart removes a person from the directory; the person may Return later.
	Depart ChangeKind = "Depart"
	// Return lists a departed person again, active, with the same ID and attributes.
	Return ChangeKind = "Return"
	// Deactivate keeps a person listed but inactive (Field "active", "true" -> "false").
	Deactivate ChangeKind = "Deactivate"
	// Reactivate makes a deactivated person active again (Field "active").
	Reactivate ChangeKind = "Reactivate"
	// RoleChange changes Role (Field "role") or CustomRole (Field "custom_role"). It always
	// changes the role a provider with custom roles and four role classes sees (Close).
	RoleChange ChangeKind = "RoleChange"
	// GroupChange adds or removes one group (Field "groups", comma-joined lists).
	GroupChange ChangeKind = "GroupChange"
	// TeamChange moves a person to another team of the same department (Field "team").
	TeamChange ChangeKind = "TeamChange"
	// EmailChange gives a person a new, valid email (Field "email").
	EmailChange ChangeKind = "EmailChange"
	// PhoneChange replaces a person's phones (Field "phones", raw values joined by "; ").
	PhoneChange ChangeKind = "PhoneChange"
	// TitleChange changes Title (Field "title").
	TitleChange ChangeKind = "TitleChange"
	// StatusOnly changes Status (and with it SubStatus and OnCall) and nothing else, not
	// even UpdatedAt (Field "status"; values are "away:Meal" when a sub-status is set).
	StatusOnly ChangeKind = "StatusOnly"
)

// Kinds lists every ChangeKind in the order a day applies them.
func Kinds() []ChangeKind {
	return []ChangeKind{Return, Reactivate, Depart, Deactivate, RoleChange, GroupChange, TeamChange,
		EmailChange, PhoneChange, TitleChange, StatusOnly, Hire}
}

// GuaranteedKinds lists the kinds every day transition contains when Size >= 20.
func GuaranteedKinds() []ChangeKind {
	return []ChangeKind{Hire, Depart, Return, RoleChange, GroupChange, EmailChange, PhoneChange, StatusOnly}
}

// Change is one mutation between day d-1 and day d.
type Change struct {
	Kind     ChangeKind
	PersonID int
	// Field names the attribute that changed (empty for Hire, Depart and Return).
	Field string
	// Old and New are the attribute's values before and after, as text.
	Old, New string
}

// Phone is one phone number as a person typed it.
type Phone struct {
	// Raw is the number as entered: local or international format, or junk.
	Raw string
	// Kind is main, office, mobile, home or other.
	Kind string
	// Region is the ISO 3166-1 alpha-2 country the number belongs to (the person's).
	Region string
}

// Person is one person of the directory on one day, in provider-neutral form.
type Person struct {
	// ID is stable across days and never reused.
	ID int
	// FirstName, LastName and MiddleName may carry deliberate quirks (see package doc).
	FirstName, LastName, MiddleName string
	// Email may be mixed case, padded, shared or invalid for a few people.
	Email                   string
	Title, Department, Team string
	// Groups are generic group names (shared slice: read-only).
	Groups []string
	// Region is a directory region ("North America", "Europe", "Russia", "APAC").
	Region string
	// Queues are contact-center queues (shared slice: read-only).
	Queues []string
	// Role is the canonical level: owner, admin, manager, member, guest or readonly.
	Role string
	// CustomRole, when not empty, names a custom role that overrides Role in providers
	// with custom roles.
	CustomRole string
	// Active is false for a deactivated person who is still listed.
	Active bool
	Phones []Phone
	// Extension is a short internal extension, or empty.
	Extension string
	// Timezone is an IANA zone name.
	Timezone string
	// Country is ISO 3166-1 alpha-2.
	Country string
	// CreatedAt is when the person was first hired; UpdatedAt moves when any attribute
	// but the status changes. Both are UTC with microsecond precision.
	CreatedAt, UpdatedAt time.Time
	// Status is available, busy, away, dnd or offline (deactivated people are offline).
	Status string
	// SubStatus is the reason for being away ("Meal", "Training", ...), else empty.
	SubStatus string
	// OnCall is true exactly when Status is busy.
	OnCall bool
}

// Snapshot is the directory on one day. It is shared: treat it as read-only.
type Snapshot struct {
	Day  int
	Date time.Time
	// People lists everyone in the directory that day, by ascending ID.
	People []Person
	// Changes lists what changed from day Day-1 to Day (empty on day 0).
	Changes []Change
}

// Person returns the listed person with the given ID.
func (s *Snapshot) Person(id int) (Person, bool) {
	i := sort.Search(len(s.People), func(i int) bool { return s.People[i].ID >= id })
	if i < len(s.People) && s.People[i].ID == id {
		return s.People[i], true
	}
	return Person{}, false
}

// Population is a seeded population and its history. It is safe for concurrent use.
type Population struct {
	cfg       Config
	seed      uint64
	startUS   int64 // day 0 in Unix microseconds
	company   string
	domain    string
	altDomain string
	ownerID   int
	// localeWeights and deptWeights are the draw weights of locales and departments.
	localeWeights, deptWeights []int
	groupSets                  [1 << len(groupNames)][]string
	queueSets                  [1 << len(queueNames)][]string
	slugs                      [len(locales)]slugs
	deptSlugs                  [len(departments)]string
	// extensions[i] is the text of extension 1000+i.
	extensions [9000]string

	mu sync.Mutex
	st *state
	// recent is the last snapshot handed out. Only one is kept: at a million people a
	// snapshot takes about 250 MB.
	recent *Snapshot
}

// New returns the population cfg describes. It computes nothing until Day is called.
func New(cfg Config) *Population {
	if cfg.Size < 1 {
		cfg.Size = 1
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	cfg.Start = cfg.Start.UTC()
	p := &Population{
		cfg:     cfg,
		seed:    uint64(cfg.Seed),
		startUS: cfg.Start.UnixMicro(),
	}
	p.initTables()
	p.ownerID = 1
	for p.isFormerAtStart(p.ownerID) {
		p.ownerID++
	}
	r := newRNG(mix(p.seed, saltCompany))
	p.company = companies[r.intn(len(companies))]
	slug := asciiSlug(firstWord(p.company))
	p.domain = slug + ".example"
	p.altDomain = slug + "-hq.example"
	return p
}

func firstWord(s string) string {
	for i, c := range s {
		if c == ' ' {
			return s[:i]
		}
	}
	return s
}

func namesOf(mask int, names []string) []string {
	if mask == 0 {
		return nil
	}
	var out []string
	for i, n := range names {
		if mask&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Config returns the population's configuration with defaults applied.
func (p *Population) Config() Config { return p.cfg }

// Seed returns the population's seed, for fakes that derive their own stable values.
func (p *Population) Seed() int64 { return p.cfg.Seed }

// Size returns the number of people listed on day 0.
func (p *Population) Size() int { return p.cfg.Size }

// Company returns the organization's name, derived from the seed (e.g. "Northwind Traders").
func (p *Population) Company() string { return p.company }

// Domain returns the organization's email domain (e.g. "northwind.example").
func (p *Population) Domain() string { return p.domain }

// OwnerID returns the ID of the one person whose Role is owner on every day.
func (p *Population) OwnerID() int { return p.ownerID }

// Date returns the date of day d.
func (p *Population) Date(d int) time.Time {
	return p.cfg.Start.Add(time.Duration(d) * 24 * time.Hour)
}

// GroupNames returns every group a person may belong to, in a stable order.
func GroupNames() []string { return append([]string(nil), groupNames[:]...) }

// QueueNames returns every contact-center queue, in a stable order.
func QueueNames() []string { return append([]string(nil), queueNames[:]...) }

// CustomRoleNames returns every custom role name, in a stable order.
func CustomRoleNames() []string { return append([]string(nil), customRoleNames[:]...) }

// Day returns the directory on day d (d >= 0). The result is deterministic: the same
// Config and d always give an identical snapshot. Day keeps the compact state of the last
// day it computed (about 50 bytes a person) and moves it forward, or rebuilds it from
// day 0 for an earlier day; the last snapshot is cached and shared.
func (p *Population) Day(d int) *Snapshot {
	if d < 0 {
		panic(fmt.Sprintf("synth: negative day %d", d))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recent != nil && p.recent.Day == d {
		return p.recent
	}
	if p.st == nil || p.st.day > d {
		p.st = p.initial()
	}
	for p.st.day < d {
		p.advance(p.st)
	}
	s := p.snapshot(p.st)
	p.recent = s
	return s
}

// Extra returns the k-th person who is not part of the population (ID ExtraIDBase+k),
// hired on day d. Fakes insert such people to simulate a directory changing while a
// client pages through it.
func (p *Population) Extra(d, k int) Person {
	id := int64(ExtraIDBase + k)
	created := p.Date(d).UnixMicro() - 1 - int64(k%3600)*1e6
	rc := p.generate(id, created, created+1, mix(p.seed, uint64(id), saltExtra))
	rc.flags |= flagListed | flagActive
	rc.updated = created
	return p.person(&rc)
}

func (p *Population) snapshot(st *state) *Snapshot {
	s := &Snapshot{
		Day:     st.day,
		Date:    p.Date(st.day),
		People:  make([]Person, 0, st.listed),
		Changes: st.changes,
	}
	for i := range st.recs {
		if st.recs[i].flags&flagListed != 0 {
			s.People = append(s.People, p.person(&st.recs[i]))
		}
	}
	return s
}
