package fake

import (
	"slices"

	"github.com/roster-etl/roster/extract/synth"
)

// dataset is what the Server serves for one day. It is immutable once built, so a
// request renders from a consistent dataset without holding the Server's lock.
type dataset struct {
	day  int
	snap *synth.Snapshot
	// users are the people get_users lists: the active ones, by ascending person ID,
	// capped at Options.MaxUsers.
	users []*synth.Person
	// teams are the teams get_user_groups lists, by ascending id.
	teams []team
}

// team is one entry of get_user_groups.
type team struct {
	id, title string
	client    bool
}

func (s *Server) newDataset(day int) *dataset {
	snap := s.pop.Day(day)
	ds := &dataset{day: day, snap: snap, users: make([]*synth.Person, 0, len(snap.People))}
	for i := range snap.People {
		if p := &snap.People[i]; p.Active {
			ds.users = append(ds.users, p)
		}
	}
	if s.opts.MaxUsers > 0 && len(ds.users) > s.opts.MaxUsers {
		ds.users = ds.users[:s.opts.MaxUsers]
	}
	seen := map[string]bool{}
	for i := range snap.People {
		title := snap.People[i].Team
		if title == "" || seen[title] {
			continue
		}
		seen[title] = true
		if title != s.unlisted {
			ds.teams = append(ds.teams, team{id: s.ids.group(title), title: title})
		}
	}
	for _, title := range s.clientTeams {
		ds.teams = append(ds.teams, team{id: s.ids.group(title), title: title, client: true})
	}
	// Ids have the same number of digits: string order is numeric order.
	slices.SortFunc(ds.teams, func(a, b team) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return ds
}

// pickUnlisted chooses the team get_user_groups leaves out: of the teams of day 0, the
// one with the smallest seed-keyed hash of its title (none when there are fewer than
// two, so that some team always matches). It is fixed for the Server's life.
func (s *Server) pickUnlisted(snap *synth.Snapshot) string {
	best, n := "", 0
	var bestHash uint64
	seen := map[string]bool{}
	for i := range snap.People {
		title := snap.People[i].Team
		if title == "" || seen[title] {
			continue
		}
		seen[title] = true
		n++
		if h := mix(s.ids.seed, saltUnlisted, hashString(title)); best == "" || h < bestHash {
			best, bestHash = title, h
		}
	}
	if n < 2 {
		return ""
	}
	return best
}

// clientTeamNames are external client teams (client: 1); two are listed, chosen by seed.
// No synth person belongs to them: clients are not part of the population.
var clientTeamNames = []string{"Wayne Enterprises", "Stark Industries", "Soylent Corp", "Pied Piper",
	"Massive Dynamic", "Tyrell Corporation"}

func (s *Server) pickClientTeams() []string {
	i := int(mix(s.ids.seed, saltClientTeams) % uint64(len(clientTeamNames)))
	j := (i + 1 + int(mix(s.ids.seed, saltClientTeams, 1)%uint64(len(clientTeamNames)-1))) % len(clientTeamNames)
	return []string{clientTeamNames[i], clientTeamNames[j]}
}
