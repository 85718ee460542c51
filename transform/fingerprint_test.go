package transform_test

import (
	"encoding/json"
	"testing"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

func fingerprintUser() extract.User {
	active := true
	return extract.User{
		ID: "u1", AccountID: "orga_1", Email: "ann@acme.example", FirstName: "Ann", LastName: "Lee",
		MiddleName: "B", DisplayName: "Ann Lee", Title: "CTO", Role: "admin", RoleName: "Admin", Active: &active,
		Department: "R&D", Groups: []extract.Group{{ID: "g1", Name: "Sales", Kind: "team"}},
		Phones:   []extract.Phone{{Raw: "+1 415 555 0100", Kind: "mobile"}},
		Timezone: "UTC", Country: "US", CreatedAt: "2020-01-01T00:00:00Z", UpdatedAt: "2021-01-01T00:00:00Z",
		Extra:  map[string]json.RawMessage{"a": json.RawMessage(`1`), "b": json.RawMessage(`"x"`)},
		Fields: []string{"id", "email"},
	}
}

func TestFingerprintChangesWithEveryFieldTheProviderSent(t *testing.T) {
	t.Parallel()
	var fp transform.Fingerprinter
	base := fp.Of(fingerprintUser())
	inactive, unknown := false, (*bool)(nil)
	for _, c := range []struct {
		name   string
		change func(*extract.User)
	}{
		{"id", func(u *extract.User) { u.ID = "u2" }},
		{"account", func(u *extract.User) { u.AccountID = "orga_2" }},
		{"email", func(u *extract.User) { u.Email = "Ann@acme.example" }},
		{"first name", func(u *extract.User) { u.FirstName = "Anne" }},
		{"last name", func(u *extract.User) { u.LastName = "Le" }},
		{"middle name", func(u *extract.User) { u.MiddleName = "" }},
		{"display name", func(u *extract.User) { u.DisplayName = "Ann  Lee" }},
		{"title", func(u *extract.User) { u.Title = "CEO" }},
		{"role", func(u *extract.User) { u.Role = "user" }},
		{"role name", func(u *extract.User) { u.RoleName = "Administrator" }},
		{"inactive", func(u *extract.User) { u.Active = &inactive }},
		{"no activity", func(u *extract.User) { u.Active = unknown }},
		{"department", func(u *extract.User) { u.Department = "RD" }},
		{"group name", func(u *extract.User) { u.Groups[0].Name = "Sales EU" }},
		{"group kind", func(u *extract.User) { u.Groups[0].Kind = "group" }},
		{"another group", func(u *extract.User) { u.Groups = append(u.Groups, extract.Group{ID: "g2"}) }},
		{"phone", func(u *extract.User) { u.Phones[0].Raw = "+1 415 555 0101" }},
		{"phone kind", func(u *extract.User) { u.Phones[0].Kind = "office" }},
		{"no phones", func(u *extract.User) { u.Phones = nil }},
		{"timezone", func(u *extract.User) { u.Timezone = "Europe/Paris" }},
		{"country", func(u *extract.User) { u.Country = "GB" }},
		{"created", func(u *extract.User) { u.CreatedAt = "2020-01-01T00:00:01Z" }},
		{"updated", func(u *extract.User) { u.UpdatedAt = "" }},
		{"extra value", func(u *extract.User) { u.Extra["a"] = json.RawMessage(`"1"`) }},
		{"extra key", func(u *extract.User) { u.Extra["c"] = json.RawMessage(`null`) }},
		{"fields", func(u *extract.User) { u.Fields = append(u.Fields, "title") }},
		// Length prefixes keep a value from moving across a field boundary unseen.
		{"boundary", func(u *extract.User) { u.FirstName, u.LastName = "AnnL", "ee" }},
	} {
		u := fingerprintUser()
		c.change(&u)
		if fp.Of(u) == base {
			t.Errorf("%s: changed user, same fingerprint", c.name)
		}
	}
	// Equal content, whatever the map order, gives the equal fingerprint.
	for range 20 {
		if got := fp.Of(fingerprintUser()); got != base {
			t.Fatalf("the same user fingerprinted %s, then %s", base, got)
		}
	}
	if back, ok := transform.ParseFingerprint(base.String()); !ok || back != base {
		t.Errorf("ParseFingerprint(%q) = %v, %v", base.String(), back, ok)
	}
	for _, bad := range []string{"", "00", base.String() + "0", "zz" + base.String()[2:]} {
		if _, ok := transform.ParseFingerprint(bad); ok {
			t.Errorf("ParseFingerprint(%q) accepted", bad)
		}
	}
}
