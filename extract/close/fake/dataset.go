package fake

import (
	"slices"
	"strings"
	"sync"

	"github.com/roster-etl/roster/extract/synth"
)

// dataset is what the Server serves: one snapshot plus the users faults inserted or
// deleted. It is immutable once published (InsertUsers and DeleteUsers publish a new
// one), except for the orderings it computes lazily under its own lock, so a request
// renders from a consistent dataset without holding the Server's lock.
type dataset struct {
	day  int
	snap *synth.Snapshot
	// extras are users inserted by faults, at the front of every ordering, newest first.
	extras []synth.Person
	// deleted are person IDs removed by faults.
	deleted map[int]bool

	mu     sync.Mutex
	orders map[string][]*synth.Person
	groups map[string][]*synth.Person // active members by group name
}

func newDataset(pop *synth.Population, day int) *dataset {
	return &dataset{day: day, snap: pop.Day(day)}
}

// derive returns a copy of ds with the same snapshot and faults, and no cached orderings.
func (ds *dataset) derive() *dataset {
	out := &dataset{day: ds.day, snap: ds.snap, extras: slices.Clone(ds.extras), deleted: map[int]bool{}}
	for id := range ds.deleted {
		out.deleted[id] = true
	}
	return out
}

// Orderings of /user/ (the values _order_by accepts; "" is the default, by person ID).
const (
	orderDefault   = ""
	orderLastFirst = "last_name,first_name"
	orderFirstLast = "first_name,last_name"
)

// users returns the listed users in an ordering: inserted users first, then the snapshot
// minus deleted users.
func (ds *dataset) users(order string) []*synth.Person {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if list, ok := ds.orders[order]; ok {
		return list
	}
	list := make([]*synth.Person, 0, len(ds.extras)+len(ds.snap.People))
	for i := range ds.extras {
		list = append(list, &ds.extras[i])
	}
	base := len(list)
	for i := range ds.snap.People {
		if p := &ds.snap.People[i]; !ds.deleted[p.ID] {
			list = append(list, p)
		}
	}
	if order != orderDefault {
		rest := list[base:]
		firstKey := func(p *synth.Person) string { return p.LastName }
		secondKey := func(p *synth.Person) string { return p.FirstName }
		if order == orderFirstLast {
			firstKey, secondKey = secondKey, firstKey
		}
		// Stable: equal names keep the default (ID) order, so paging stays deterministic.
		slices.SortStableFunc(rest, func(a, b *synth.Person) int {
			if c := strings.Compare(firstKey(a), firstKey(b)); c != 0 {
				return c
			}
			return strings.Compare(secondKey(a), secondKey(b))
		})
	}
	if ds.orders == nil {
		ds.orders = map[string][]*synth.Person{}
	}
	ds.orders[order] = list
	return list
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
	// Snapshot.Person returns a copy; the index is wanted here.
	lo, hi := 0, len(ds.snap.People)
	for lo < hi {
		m := (lo + hi) / 2
		if ds.snap.People[m].ID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(ds.snap.People) && ds.snap.People[lo].ID == id {
		return &ds.snap.People[lo], true
	}
	return nil, false
}

// members returns the active users of a group, in the default ordering.
func (ds *dataset) members(group string) []*synth.Person {
	all := ds.users(orderDefault)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.groups == nil {
		ds.groups = map[string][]*synth.Person{}
		for _, p := range all {
			if !p.Active {
				continue
			}
			for _, g := range p.Groups {
				ds.groups[g] = append(ds.groups[g], p)
			}
		}
	}
	return ds.groups[group]
}

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

// deleteUsers publishes a dataset without the first n users of the default ordering
// (inserted users first, never the owner).
func (s *Server) deleteUsers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	front := s.data.users(orderDefault)
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
