package fake

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

// dataset is what the Server serves: one snapshot plus the users faults inserted or
// deleted. It is immutable once published (InsertUsers and DeleteUsers publish a new
// one), except for the indexes it computes lazily under its own lock, so a request
// renders from a consistent dataset without holding the Server's lock.
type dataset struct {
	day  int
	snap *synth.Snapshot
	// extras are users inserted by faults, at the front of the ordering, newest first.
	extras []synth.Person
	// deleted are person IDs removed by faults.
	deleted map[int]bool

	usersOnce sync.Once
	all       []*synth.Person
	dirOnce   sync.Once
	dir       *directory

	mu       sync.Mutex
	filtered map[string][]*synth.Person
}

// maxFiltered bounds the cache of filtered user lists of a dataset.
const maxFiltered = 64

func newDataset(pop *synth.Population, day int) *dataset {
	return &dataset{day: day, snap: pop.Day(day), deleted: map[int]bool{}}
}

// derive returns a copy of ds with the same snapshot and faults, and no cached indexes.
func (ds *dataset) derive() *dataset {
	out := &dataset{day: ds.day, snap: ds.snap, extras: slices.Clone(ds.extras), deleted: map[int]bool{}}
	for id := range ds.deleted {
		out.deleted[id] = true
	}
	return out
}

// users returns the listed users in the API's order: inserted users first, then the
// snapshot by ascending person ID (hire order), minus deleted users.
func (ds *dataset) users() []*synth.Person {
	ds.usersOnce.Do(func() {
		list := make([]*synth.Person, 0, len(ds.extras)+len(ds.snap.People))
		for i := range ds.extras {
			list = append(list, &ds.extras[i])
		}
		for i := range ds.snap.People {
			if p := &ds.snap.People[i]; !ds.deleted[p.ID] {
				list = append(list, p)
			}
		}
		ds.all = list
	})
	return ds.all
}

// user returns a listed user by person ID.
func (ds *dataset) user(id int) (*synth.Person, bool) {
	for i := range ds.extras {
		if ds.extras[i].ID == id {
			return &ds.extras[i], true
		}
	}
	if ds.deleted[id] {
		return nil, false
	}
	people := ds.snap.People
	i, found := slices.BinarySearchFunc(people, id, func(p synth.Person, id int) int { return cmp.Compare(p.ID, id) })
	if !found {
		return nil, false
	}
	return &people[i], true
}

// cached returns the list build makes for key, computing it once per dataset.
func (ds *dataset) cached(key string, build func() []*synth.Person) []*synth.Person {
	ds.mu.Lock()
	list, ok := ds.filtered[key]
	ds.mu.Unlock()
	if ok {
		return list
	}
	list = build()
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.filtered == nil || len(ds.filtered) >= maxFiltered {
		ds.filtered = map[string][]*synth.Person{}
	}
	ds.filtered[key] = list
	return list
}

// filter returns the users that keep accepts, in order.
func filter(list []*synth.Person, keep func(p *synth.Person) bool) []*synth.Person {
	var out []*synth.Person
	for _, p := range list {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// directory is a dataset's teams, regions, queue members and role members.
type directory struct {
	teams    []*team
	teamByID map[string]*team

	regions      []*region
	regionByID   map[string]*region
	regionByName map[string]*region

	// queueAgents and queueSupervisors are indexed by queueDef.index.
	queueAgents, queueSupervisors [][]*synth.Person
	roleUsers                     map[*roleDef][]*synth.Person
}

// team is a Contact Center team: a synth Team, or a synth Department as the parent of
// its teams.
type team struct {
	id, name, description string
	parent                *team
	children              []*team
	created, modified     time.Time
	agents, supervisors   []*synth.Person
}

// region is a Contact Center region: a synth Region.
type region struct {
	id, name       string
	main           bool
	sipID, sipName string
	modified       time.Time
	users          []*synth.Person
}

// sipZones gives synth's regions a SIP zone (invented names).
var sipZones = map[string]string{
	"North America": "US West", "Europe": "EU Central", "Russia": "EU Central", "APAC": "AP Southeast",
}

// isSupervisor reports whether a person supervises their team and queues: synth
// managers do; everyone else is an agent.
func isSupervisor(p *synth.Person) bool { return p.Role == "manager" }

// directory builds the dataset's indexes on first use.
func (ds *dataset) directory(s *Server) *directory {
	ds.dirOnce.Do(func() { ds.dir = buildDirectory(s, ds.users()) })
	return ds.dir
}

func buildDirectory(s *Server, users []*synth.Person) *directory {
	d := &directory{
		teamByID:         map[string]*team{},
		regionByID:       map[string]*region{},
		regionByName:     map[string]*region{},
		queueAgents:      make([][]*synth.Person, len(s.catalog.queues)),
		queueSupervisors: make([][]*synth.Person, len(s.catalog.queues)),
		roleUsers:        map[*roleDef][]*synth.Person{},
	}
	teamByName := map[string]*team{}
	getTeam := func(name string) *team {
		t := teamByName[name]
		if t == nil {
			created := s.pastTime(saltTeam, name)
			t = &team{id: s.teamID(name), name: name, created: created,
				modified: created.Add(time.Duration(mix(s.ids.seed, hashString(name), saltTeam)%(20*86400)) * time.Second)}
			teamByName[name] = t
			d.teams = append(d.teams, t)
			d.teamByID[t.id] = t
		}
		return t
	}
	ownerRegion := ""
	for _, p := range users {
		if p.ID == s.pop.OwnerID() {
			ownerRegion = p.Region
		}
	}
	for _, p := range users {
		if p.Team != "" {
			t := getTeam(p.Team)
			if t.parent == nil && p.Department != "" && p.Department != p.Team {
				parent := getTeam(p.Department)
				parent.description = p.Department + " department"
				t.parent = parent
				t.description = p.Team + " team of the " + p.Department + " department"
				parent.children = append(parent.children, t)
			}
			if isSupervisor(p) {
				t.supervisors = append(t.supervisors, p)
			} else {
				t.agents = append(t.agents, p)
			}
		}
		if p.Region != "" {
			r := d.regionByName[p.Region]
			if r == nil {
				r = &region{id: s.RegionID(p.Region), name: p.Region, modified: s.pastTime(saltRegion, p.Region)}
				zone := sipZones[p.Region]
				if zone == "" {
					zone = p.Region
				}
				r.sipName = zone
				r.sipID = s.ids.opaque(saltSIPZone, zone)
				d.regions = append(d.regions, r)
				d.regionByName[p.Region] = r
				d.regionByID[r.id] = r
			}
			r.users = append(r.users, p)
		}
		for _, qn := range p.Queues {
			if q := s.catalog.queueByName[qn]; q != nil {
				if isSupervisor(p) {
					d.queueSupervisors[q.index] = append(d.queueSupervisors[q.index], p)
				} else {
					d.queueAgents[q.index] = append(d.queueAgents[q.index], p)
				}
			}
		}
		role := s.catalog.roleOf(p)
		d.roleUsers[role] = append(d.roleUsers[role], p)
	}
	for _, t := range d.teams {
		if t.description == "" {
			t.description = t.name + " team"
		}
		slices.SortFunc(t.children, func(a, b *team) int { return strings.Compare(a.name, b.name) })
	}
	slices.SortFunc(d.teams, func(a, b *team) int { return strings.Compare(a.name, b.name) })
	if r := d.regionByName[ownerRegion]; r != nil {
		r.main = true
	}
	// The main region first, then by name.
	slices.SortFunc(d.regions, func(a, b *region) int {
		if a.main != b.main {
			if a.main {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return d
}

// teamID returns the id of a team name (a synth Team or Department: synth never gives
// a team its department's name).
func (s *Server) teamID(name string) string { return s.ids.opaque(saltTeam, name) }

// insertUsers publishes a dataset with n more users at the front.
func (s *Server) insertUsers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.data.derive()
	fresh := make([]synth.Person, n)
	for i := range fresh {
		fresh[n-1-i] = s.pop.Extra(ds.day, s.extraSeq)
		s.extraSeq++
	}
	ds.extras = append(fresh, ds.extras...)
	s.data = ds
}

// deleteUsers publishes a dataset without the first n users of the ordering (inserted
// users first, never the owner).
func (s *Server) deleteUsers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	front := s.data.users()
	ds := s.data.derive()
	owner := s.pop.OwnerID()
	for _, p := range front {
		if n == 0 {
			break
		}
		if p.ID == owner {
			continue
		}
		if i := slices.IndexFunc(ds.extras, func(e synth.Person) bool { return e.ID == p.ID }); i >= 0 {
			ds.extras = slices.Delete(ds.extras, i, i+1)
		} else {
			ds.deleted[p.ID] = true
		}
		n--
	}
	s.data = ds
}
