package extract_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-etl/roster/extract"
)

// referenceMemberships is what Memberships replaces: a map of group slices.
type referenceMemberships map[string][]extract.Group

func (r referenceMemberships) add(user string, g extract.Group) {
	if !slices.Contains(r[user], g) {
		r[user] = append(r[user], g)
	}
}

func TestMembershipsKeepEachUsersGroupsInOrderOnce(t *testing.T) {
	t.Parallel()
	sales := extract.Group{ID: "g1", Name: "Sales", Kind: "team"}
	support := extract.Group{ID: "g2", Name: "Support", Kind: "team"}
	queue := extract.Group{ID: "q1", Name: "Inbound", Kind: "queue"}
	renamed := extract.Group{ID: "g1", Name: "Sales EMEA", Kind: "team"}
	type add struct {
		user  string
		group extract.Group
	}
	tests := []struct {
		name  string
		adds  []add
		want  map[string][]extract.Group
		users int
	}{
		{name: "nothing added", want: map[string][]extract.Group{"u1": nil}},
		{name: "one user one group", adds: []add{{"u1", sales}}, want: map[string][]extract.Group{"u1": {sales}, "u2": nil}, users: 1},
		{name: "groups keep the order they were added in", adds: []add{{"u1", queue}, {"u1", sales}, {"u1", support}},
			want: map[string][]extract.Group{"u1": {queue, sales, support}}, users: 1},
		{name: "a group added twice is kept once", adds: []add{{"u1", sales}, {"u1", support}, {"u1", sales}, {"u1", support}},
			want: map[string][]extract.Group{"u1": {sales, support}}, users: 1},
		{name: "users share groups without sharing lists", adds: []add{{"u1", sales}, {"u2", sales}, {"u2", queue}, {"u1", support}, {"u3", queue}},
			want: map[string][]extract.Group{"u1": {sales, support}, "u2": {sales, queue}, "u3": {queue}}, users: 3},
		{name: "the same id under another name is another group", adds: []add{{"u1", sales}, {"u1", renamed}},
			want: map[string][]extract.Group{"u1": {sales, renamed}}, users: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m extract.Memberships
			for _, a := range tt.adds {
				m.Add(a.user, a.group)
			}
			if m.Users() != tt.users {
				t.Errorf("Users() = %d, want %d", m.Users(), tt.users)
			}
			for user, want := range tt.want {
				if got := m.Of(user); !slices.Equal(got, want) {
					t.Errorf("Of(%s) = %v, want %v", user, got, want)
				}
				prefix := []extract.Group{{ID: "r", Name: "Region", Kind: "region"}}
				if got := m.AppendTo(slices.Clone(prefix), user); !slices.Equal(got, append(prefix, want...)) {
					t.Errorf("AppendTo(%s) = %v, want %v after the prefix", user, got, want)
				}
				if got, want := string(m.AppendText([]byte("x"), user)), string(extract.AppendGroups([]byte("x"), want)); got != want {
					t.Errorf("AppendText(%s) = %q, want %q", user, got, want)
				}
			}
		})
	}
}

// FuzzMembershipsHoldWhatAMapOfGroupSlicesHolds adds groups drawn from the input and
// compares every user's groups with the map of slices Memberships replaced.
func FuzzMembershipsHoldWhatAMapOfGroupSlicesHolds(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 1, 2, 3, 3, 17, 200, 45})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m extract.Memberships
		ref := referenceMemberships{}
		for i := 0; i+1 < len(data); i += 2 {
			user := fmt.Sprintf("u%d", data[i]%7)
			g := extract.Group{ID: fmt.Sprintf("g%d", data[i+1]%5), Name: fmt.Sprintf("n%d", data[i+1]%3), Kind: "team"}
			m.Add(user, g)
			ref.add(user, g)
		}
		if m.Users() != len(ref) {
			t.Fatalf("Users() = %d, want %d", m.Users(), len(ref))
		}
		for u := range 7 {
			user := fmt.Sprintf("u%d", u)
			if got := m.Of(user); !slices.Equal(got, ref[user]) {
				t.Fatalf("Of(%s) = %v, want %v", user, got, ref[user])
			}
		}
	})
}
