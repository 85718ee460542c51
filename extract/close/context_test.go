package close

import (
	"fmt"
	"testing"
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
