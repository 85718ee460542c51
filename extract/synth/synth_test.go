package synth

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestDayIsDeterministic(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 42, Size: 300}
	a, b := New(cfg), New(cfg)
	// a walks forward then back; b computes day 2 directly.
	_ = a.Day(5)
	_ = a.Day(7)
	_ = a.Day(1) // earlier than the state: rebuilt from day 0
	got, want := a.Day(2), b.Day(2)
	if !reflect.DeepEqual(got, want) {
		t.Fatal("day 2 differs between two populations of the same config")
	}
	if !reflect.DeepEqual(New(cfg).Day(5), a.Day(5)) {
		t.Fatal("day 5 differs after recomputation")
	}
	other := New(Config{Seed: 43, Size: 300}).Day(2)
	if reflect.DeepEqual(other.People, want.People) {
		t.Fatal("seeds 42 and 43 give the same people")
	}
}

func TestDayCachesSnapshots(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 1, Size: 50})
	first, second := p.Day(3), p.Day(3)
	if first != second {
		t.Fatal("Day(3) twice returned different snapshots")
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 1})
	if p.Size() != 1 || len(p.Day(0).People) != 1 {
		t.Fatalf("Size 0 should become 1, got %d people", len(p.Day(0).People))
	}
	want := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if got := p.Day(0).Date; !got.Equal(want) {
		t.Fatalf("day 0 date %v, want %v", got, want)
	}
	if got := p.Day(2).Date; !got.Equal(want.AddDate(0, 0, 2)) {
		t.Fatalf("day 2 date %v", got)
	}
	if p.Day(0).People[0].Role != "owner" {
		t.Fatal("the only person must be the owner")
	}
}

func TestDayZeroListsSizePeople(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 2, 19, 20, 21, 100, 1234} {
		p := New(Config{Seed: int64(size), Size: size})
		s := p.Day(0)
		if len(s.People) != size {
			t.Errorf("size %d: day 0 lists %d people", size, len(s.People))
		}
		if len(s.Changes) != 0 {
			t.Errorf("size %d: day 0 has changes", size)
		}
		if o, ok := s.Person(p.OwnerID()); !ok || o.Role != "owner" {
			t.Errorf("size %d: owner %d not listed as owner", size, p.OwnerID())
		}
	}
}

// TestDailyGuarantees checks every promise of the package doc on many seeds and sizes.
func TestDailyGuarantees(t *testing.T) {
	t.Parallel()
	sizes := []int{20, 21, 23, 37, 60, 150, 1000, 3000}
	days := 12
	if testing.Short() {
		sizes, days = []int{20, 57, 500}, 6
	}
	for _, size := range sizes {
		for seed := int64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprintf("size=%d/seed=%d", size, seed), func(t *testing.T) {
				t.Parallel()
				checkHistory(t, Config{Seed: seed * 7919, Size: size}, days)
			})
		}
	}
}

func checkHistory(t *testing.T, cfg Config, days int) {
	t.Helper()
	p := New(cfg)
	prev := p.Day(0)
	checkSnapshot(t, p, prev)
	everSeen := map[int]Person{}
	maxID := 0
	for _, ps := range prev.People {
		everSeen[ps.ID] = ps
		maxID = max(maxID, ps.ID)
	}
	for d := 1; d <= days; d++ {
		cur := p.Day(d)
		checkSnapshot(t, p, cur)
		if cur.Day != d {
			t.Fatalf("Day(%d).Day = %d", d, cur.Day)
		}
		kinds := map[ChangeKind]int{}
		byPerson := map[int]Change{}
		for _, c := range cur.Changes {
			kinds[c.Kind]++
			if _, dup := byPerson[c.PersonID]; dup {
				t.Fatalf("day %d: person %d changed twice", d, c.PersonID)
			}
			byPerson[c.PersonID] = c
		}
		for _, k := range GuaranteedKinds() {
			if kinds[k] == 0 {
				t.Errorf("day %d: no %s change (%v)", d, k, kinds)
			}
		}
		for _, c := range cur.Changes {
			before, inPrev := prev.Person(c.PersonID)
			after, inCur := cur.Person(c.PersonID)
			switch c.Kind {
			case Hire:
				if inPrev || !inCur {
					t.Fatalf("day %d: hire %d listed before (%v) or not after (%v)", d, c.PersonID, inPrev, inCur)
				}
				if _, seen := everSeen[c.PersonID]; seen || c.PersonID <= maxID || c.PersonID <= cfg.Size {
					t.Fatalf("day %d: hire reuses ID %d (max so far %d)", d, c.PersonID, maxID)
				}
				if !after.Active || !after.CreatedAt.After(prev.Date) || after.CreatedAt.After(cur.Date) {
					t.Fatalf("day %d: hire %d inactive or created %v outside the day", d, c.PersonID, after.CreatedAt)
				}
			case Depart:
				if !inPrev || inCur {
					t.Fatalf("day %d: departed %d listed before %v, after %v", d, c.PersonID, inPrev, inCur)
				}
			case Return:
				if inPrev || !inCur {
					t.Fatalf("day %d: returned %d listed before %v, after %v", d, c.PersonID, inPrev, inCur)
				}
				if old, seen := everSeen[c.PersonID]; seen {
					if old.Email != after.Email || !old.CreatedAt.Equal(after.CreatedAt) {
						t.Fatalf("day %d: returned %d is not the same person", d, c.PersonID)
					}
				} else if c.PersonID > cfg.Size+max(1, cfg.Size/20) {
					t.Fatalf("day %d: returned %d was never issued", d, c.PersonID)
				}
				if !after.Active {
					t.Fatalf("day %d: returned %d is inactive", d, c.PersonID)
				}
			default:
				if !inPrev || !inCur {
					t.Fatalf("day %d: %s of %d, who is not listed on both days", d, c.Kind, c.PersonID)
				}
				checkChange(t, d, c, before, after, prev.Date, cur.Date)
			}
		}
		untouched := 0
		for _, after := range cur.People {
			if _, changed := byPerson[after.ID]; changed {
				continue
			}
			before, ok := prev.Person(after.ID)
			if !ok {
				t.Fatalf("day %d: %d appeared without a Hire or Return", d, after.ID)
			}
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("day %d: %d changed without a Change:\n%+v\n%+v", d, after.ID, before, after)
			}
			untouched++
		}
		for _, before := range prev.People {
			if _, ok := cur.Person(before.ID); !ok && byPerson[before.ID].Kind != Depart {
				t.Fatalf("day %d: %d vanished without a Depart", d, before.ID)
			}
		}
		if 2*untouched < len(cur.People) {
			t.Errorf("day %d: only %d of %d people untouched", d, untouched, len(cur.People))
		}
		for _, ps := range cur.People {
			everSeen[ps.ID] = ps
			maxID = max(maxID, ps.ID)
		}
		prev = cur
	}
}

func checkSnapshot(t *testing.T, p *Population, s *Snapshot) {
	t.Helper()
	owners := 0
	for i, ps := range s.People {
		if i > 0 && s.People[i-1].ID >= ps.ID {
			t.Fatalf("day %d: people not in ascending ID order at %d", s.Day, i)
		}
		if ps.Role == "owner" {
			owners++
			if ps.ID != p.OwnerID() || !ps.Active {
				t.Fatalf("day %d: owner %d (want %d) active=%v", s.Day, ps.ID, p.OwnerID(), ps.Active)
			}
		}
		if !ps.Active && ps.Status != "offline" {
			t.Fatalf("day %d: deactivated %d is %s", s.Day, ps.ID, ps.Status)
		}
		if ps.OnCall != (ps.Status == "busy") {
			t.Fatalf("day %d: %d OnCall=%v with status %s", s.Day, ps.ID, ps.OnCall, ps.Status)
		}
		if (ps.SubStatus != "") != (ps.Status == "away") {
			t.Fatalf("day %d: %d sub-status %q with status %s", s.Day, ps.ID, ps.SubStatus, ps.Status)
		}
		if ps.UpdatedAt.Before(ps.CreatedAt) || ps.UpdatedAt.After(s.Date) {
			t.Fatalf("day %d: %d updated %v, created %v", s.Day, ps.ID, ps.UpdatedAt, ps.CreatedAt)
		}
	}
	if owners != 1 {
		t.Fatalf("day %d: %d owners", s.Day, owners)
	}
}

// checkChange verifies that exactly the announced field changed.
func checkChange(t *testing.T, d int, c Change, before, after Person, from, to time.Time) {
	t.Helper()
	if c.Kind == StatusOnly {
		if before.Status == after.Status {
			t.Fatalf("day %d: StatusOnly of %d kept status %s", d, c.PersonID, after.Status)
		}
		if c.Old != statusString(before) || c.New != statusString(after) {
			t.Fatalf("day %d: StatusOnly texts %q -> %q, people %q -> %q", d, c.Old, c.New, statusString(before), statusString(after))
		}
		b, a := before, after
		b.Status, b.SubStatus, b.OnCall = "", "", false
		a.Status, a.SubStatus, a.OnCall = "", "", false
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("day %d: StatusOnly of %d changed more than the status:\n%+v\n%+v", d, c.PersonID, before, after)
		}
		return
	}
	if !after.UpdatedAt.After(from) || after.UpdatedAt.After(to) || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Fatalf("day %d: %s of %d: UpdatedAt %v not within the day", d, c.Kind, c.PersonID, after.UpdatedAt)
	}
	var oldV, newV string
	b, a := before, after
	b.UpdatedAt, a.UpdatedAt = time.Time{}, time.Time{}
	switch c.Field {
	case "active":
		oldV, newV = fmt.Sprint(before.Active), fmt.Sprint(after.Active)
		b.Active, a.Active = false, false
		b.Status, b.SubStatus, b.OnCall = "", "", false // deactivation also logs the person off
		a.Status, a.SubStatus, a.OnCall = "", "", false
	case "role":
		oldV, newV = before.Role, after.Role
		b.Role, a.Role = "", ""
	case "custom_role":
		oldV, newV = before.CustomRole, after.CustomRole
		b.CustomRole, a.CustomRole = "", ""
	case "groups":
		oldV, newV = strings.Join(before.Groups, ","), strings.Join(after.Groups, ",")
		b.Groups, a.Groups = nil, nil
	case "team":
		oldV, newV = before.Team, after.Team
		b.Team, a.Team = "", ""
	case "email":
		oldV, newV = before.Email, after.Email
		b.Email, a.Email = "", ""
	case "phones":
		oldV, newV = phonesText(before.Phones), phonesText(after.Phones)
		b.Phones, a.Phones = nil, nil
	case "title":
		oldV, newV = before.Title, after.Title
		b.Title, a.Title = "", ""
	default:
		t.Fatalf("day %d: %s with unknown field %q", d, c.Kind, c.Field)
	}
	if oldV == newV || c.Old != oldV || c.New != newV {
		t.Fatalf("day %d: %s of %d: change says %q -> %q, person %q -> %q", d, c.Kind, c.PersonID, c.Old, c.New, oldV, newV)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("day %d: %s of %d changed more than %s:\n%+v\n%+v", d, c.Kind, c.PersonID, c.Field, before, after)
	}
	if c.Kind == RoleChange && closeRole(before) == closeRole(after) {
		t.Fatalf("day %d: RoleChange of %d invisible to Close (%s)", d, c.PersonID, closeRole(after))
	}
}

func statusString(ps Person) string {
	if ps.SubStatus == "" {
		return ps.Status
	}
	return ps.Status + ":" + ps.SubStatus
}

func closeRole(ps Person) string {
	if ps.CustomRole != "" {
		return ps.CustomRole
	}
	switch ps.Role {
	case "owner", "admin":
		return "admin"
	case "manager":
		return "superuser"
	case "member":
		return "user"
	}
	return "restricteduser"
}

// TestPlanKeepsHalfUntouched drives the day planner directly, so the rare days on which
// small populations draw every optional kind at once are covered too.
func TestPlanKeepsHalfUntouched(t *testing.T) {
	t.Parallel()
	for n := 13; n <= 200; n++ {
		for seed := uint64(0); seed < 2000; seed++ {
			pl := plan(newRNG(seed), n)
			touched := 0
			for k, c := range pl {
				if k != Depart {
					touched += c
				}
			}
			next := n + pl[Hire] + pl[Return] - pl[Depart]
			if 2*touched > next {
				t.Fatalf("n=%d seed=%d: %d of %d touched (%v)", n, seed, touched, next, pl)
			}
			for _, k := range GuaranteedKinds() {
				if pl[k] < 1 {
					t.Fatalf("n=%d seed=%d: no %s planned", n, seed, k)
				}
			}
			if pl[Depart] < pl[Return] {
				t.Fatalf("n=%d seed=%d: fewer departures than returns drains the pool", n, seed)
			}
		}
	}
}

func TestChurnScalesWithSize(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 9, Size: 28000})
	for d := 1; d <= 3; d++ {
		s := p.Day(d)
		kinds := map[ChangeKind]int{}
		for _, c := range s.Changes {
			kinds[c.Kind]++
		}
		attr := len(s.Changes) - kinds[StatusOnly]
		if n := len(s.People); attr < n/200 || attr > n/50 {
			t.Errorf("day %d: %d attribute changes for %d people, want about 1%%", d, attr, n)
		}
		if n := len(s.People); kinds[StatusOnly] < n/50 || kinds[StatusOnly] > n/12 {
			t.Errorf("day %d: %d status changes for %d people, want about 4%%", d, kinds[StatusOnly], n)
		}
		for _, k := range Kinds() {
			if kinds[k] == 0 {
				t.Errorf("day %d: no %s at size 28000", d, k)
			}
		}
		if n := len(s.People); n < 27000 || n > 29000 {
			t.Errorf("day %d: directory drifted to %d people", d, n)
		}
	}
}

// TestQuirks checks that the population exercises every normalizer.
func TestQuirks(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 3, Size: 4000})
	s := p.Day(0)
	count := map[string]int{}
	for _, ps := range s.People {
		name := ps.FirstName + ps.LastName + ps.MiddleName
		if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
			count["cyrillic"]++
			if ps.MiddleName != "" {
				count["patronymic"]++
			}
		}
		if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Mn, r) }) {
			count["nfd"]++
		}
		if strings.TrimSpace(ps.FirstName) != ps.FirstName || strings.TrimSpace(ps.LastName) != ps.LastName {
			count["padded name"]++
		}
		e := ps.Email
		switch {
		case strings.TrimSpace(e) != e:
			count["padded email"]++
		case strings.ToLower(e) != e:
			count["mixed-case email"]++
		case !strings.Contains(e, "@") || strings.HasSuffix(e, "@"):
			count["invalid email"]++
		case !strings.ContainsAny(e, "0123456789"):
			count["shared email"]++
		}
		if len(ps.Phones) == 0 {
			count["no phone"]++
		}
		for _, ph := range ps.Phones {
			if !strings.ContainsAny(ph.Raw, "0123456789") || len(ph.Raw) < 4 {
				count["junk phone"]++
			}
			if strings.Contains(ph.Raw, "ext.") || strings.Contains(ph.Raw, " x") {
				count["phone extension"]++
			}
			count["phone "+ph.Kind]++
		}
		if ps.Extension != "" {
			count["extension"]++
		}
		if !ps.Active {
			count["deactivated"]++
		}
		if ps.CustomRole != "" {
			count["custom role"]++
		}
		count["role "+ps.Role]++
		count["status "+ps.Status]++
		count["country "+ps.Country]++
		if len(ps.Queues) > 0 {
			count["queues"]++
		}
		if len(ps.Groups) > 1 {
			count["several groups"]++
		}
	}
	want := []string{"cyrillic", "patronymic", "nfd", "padded name", "padded email", "mixed-case email",
		"invalid email", "shared email", "no phone", "junk phone", "phone extension", "extension",
		"deactivated", "custom role", "queues", "several groups"}
	for _, k := range []string{"main", "office", "mobile", "home", "other"} {
		want = append(want, "phone "+k)
	}
	for _, r := range roleNames {
		want = append(want, "role "+r)
	}
	for _, st := range statusNames {
		want = append(want, "status "+st)
	}
	for _, l := range locales {
		want = append(want, "country "+l.country)
	}
	for _, k := range want {
		if count[k] == 0 {
			t.Errorf("no person with %s in 4000 (%v)", k, count)
		}
	}
	if count["role owner"] != 1 {
		t.Errorf("%d owners", count["role owner"])
	}
	if n := count["no phone"]; n < 4000/10 || n > 4000/5 {
		t.Errorf("%d people without a phone, want about 15%%", n)
	}
}

func TestExtraPeopleAreOutsideThePopulation(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 5, Size: 40})
	a, b := p.Extra(2, 0), p.Extra(2, 1)
	if a.ID != ExtraIDBase || b.ID != ExtraIDBase+1 {
		t.Fatalf("extra IDs %d, %d", a.ID, b.ID)
	}
	if !reflect.DeepEqual(a, New(Config{Seed: 5, Size: 40}).Extra(2, 0)) {
		t.Fatal("Extra is not deterministic")
	}
	if !a.Active || a.Role == "owner" || !a.CreatedAt.Before(p.Date(2)) {
		t.Fatalf("extra person %+v", a)
	}
	if _, ok := p.Day(2).Person(a.ID); ok {
		t.Fatal("extra person listed in a snapshot")
	}
}

func TestPopulationIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	p := New(Config{Seed: 11, Size: 200})
	want := New(Config{Seed: 11, Size: 200})
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for d := 0; d < 6; d++ {
				day := (d*3 + g) % 6
				if !reflect.DeepEqual(p.Day(day).People, want.Day(day).People) {
					t.Errorf("day %d differs under concurrency", day)
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func BenchmarkDay(b *testing.B) {
	for b.Loop() {
		p := New(Config{Seed: 1, Size: 100_000})
		if s := p.Day(1); len(s.People) == 0 {
			b.Fatal("empty snapshot")
		}
	}
}

// BenchmarkAdvance measures one more day on an already computed population.
func BenchmarkAdvance(b *testing.B) {
	p := New(Config{Seed: 1, Size: 100_000})
	d := 0
	p.Day(d)
	for b.Loop() {
		d++
		p.Day(d)
	}
}
