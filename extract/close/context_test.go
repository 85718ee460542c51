package close

import (
	"fmt"
	"testing"

	"github.com/roster-etl/roster/extract"
)

// The context text is part of every Close fingerprint the warehouse holds: written
// without fmt, it must stay the text fmt wrote, or every user would be mapped again.
func TestTheContextTextIsTheOneFmtWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		orgID, orgName, roleID, roleName string
		isMember, active                 bool
	}{
		{"orga_1", "Acme", "role_admin", "Admin", true, true},
		{"", "", "", "", false, false},
		{"orga_\"q\"", "Ünïcødé — 東京", "r\\1", "tab\there\nnewline", true, false},
		{"orga", "bad \xff utf8 \x00", "role", "\u2028sep", false, true},
	} {
		want := fmt.Appendf(nil, "%q %q %t %q %t %q", tc.orgID, tc.orgName, tc.isMember, tc.roleID, tc.active, tc.roleName)
		got := appendContext([]byte("kept "), tc.orgID, tc.orgName, tc.isMember, tc.roleID, tc.active, tc.roleName)
		if string(got) != "kept "+string(want) {
			t.Errorf("appendContext(%+v) = %s, want kept %s", tc, got, want)
		}
	}
}

// A directory's context of a user is its membership's text, made once per membership
// and kept, followed by its groups: the same text for every user, however many share
// the membership and whether or not it was kept.
func TestADirectorysContextIsTheMembershipsTextAndTheGroups(t *testing.T) {
	t.Parallel()
	groups := &extract.Memberships{}
	groups.Add("user_1", extract.Group{ID: "g1", Name: "Sales", Kind: "group"})
	groups.Add("user_1", extract.Group{ID: "g2", Name: "Ops \"west\"", Kind: "group"})
	groups.Add("user_3", extract.Group{ID: "g2", Name: "Ops \"west\"", Kind: "group"})
	d := &directory{
		org:       organization{ID: "orga_1", Name: "Acme"},
		members:   map[string]member{"user_1": {"role_admin", true}, "user_2": {"role_admin", false}, "user_3": {"role_admin", true}},
		roleNames: map[string]string{"role_admin": "Admin"},
		groups:    groups,
	}
	// Roles enough to fill the kept texts: the ones beyond are made each time.
	for i := range maxPrefixes + 10 {
		id, role := fmt.Sprintf("user_r%d", i), fmt.Sprintf("role_%d", i)
		d.members[id] = member{role, i%2 == 0}
		d.roleNames[role] = fmt.Sprintf("Role %d", i)
	}
	want := func(id string) string {
		m, ok := d.members[id]
		b := appendContext(nil, "orga_1", "Acme", ok, m.roleID, m.active, d.roleNames[m.roleID])
		return string(groups.AppendText(b, id))
	}
	ids := []string{"user_1", "user_2", "user_3", "user_gone", "user_1"}
	for i := range maxPrefixes + 10 {
		ids = append(ids, fmt.Sprintf("user_r%d", i))
	}
	for pass := range 2 { // the second pass reads the kept texts
		for _, id := range ids {
			if got, w := d.context(id), want(id); got != w {
				t.Fatalf("pass %d: context(%s) = %s, want %s", pass, id, got, w)
			}
		}
	}
	if len(d.prefixes) > maxPrefixes {
		t.Errorf("%d membership texts kept, more than %d", len(d.prefixes), maxPrefixes)
	}
}
