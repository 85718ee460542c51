package transform_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

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

func TestRowHashChangesWithEveryVersionColumnAndNothingElse(t *testing.T) {
	t.Parallel()
	m := transform.Mapper{Source: "crm", Provider: "worksection", Region: "US", Location: time.UTC}
	base := m.User(fingerprintUser())
	variants := []struct {
		name   string
		change func(*transform.UserRow)
		same   bool
	}{
		{"an identical row", func(*transform.UserRow) {}, true},
		{"the fingerprint, not a version column", func(r *transform.UserRow) { r.Fingerprint = "x" }, true},
		{"account", func(r *transform.UserRow) { r.AccountID = "o2" }, false},
		{"email", func(r *transform.UserRow) { r.Email = "x@y.z" }, false},
		{"email_normalized", func(r *transform.UserRow) { r.EmailNormalized = "x@y.z" }, false},
		{"names", func(r *transform.UserRow) { r.FirstName, r.LastName = r.FirstName+r.LastName[:1], r.LastName[1:] }, false},
		{"display name", func(r *transform.UserRow) { r.DisplayName = "A" }, false},
		{"title", func(r *transform.UserRow) { r.Title = "" }, false},
		{"role", func(r *transform.UserRow) { r.Role = "guest" }, false},
		{"role_raw", func(r *transform.UserRow) { r.RoleRaw = "x" }, false},
		{"is_active", func(r *transform.UserRow) { r.IsActive = !r.IsActive }, false},
		{"department", func(r *transform.UserRow) { r.Department = "x" }, false},
		{"groups", func(r *transform.UserRow) { r.Groups = nil }, false},
		{"phone validity", func(r *transform.UserRow) { r.Phones[0].Valid = !r.Phones[0].Valid }, false},
		{"phone e164", func(r *transform.UserRow) { r.Phones[0].E164 = "+1" }, false},
		{"timezone", func(r *transform.UserRow) { r.Timezone = "x" }, false},
		{"country", func(r *transform.UserRow) { r.Country = "x" }, false},
		{"created", func(r *transform.UserRow) { r.SourceCreatedAt = nil }, false},
		{"updated", func(r *transform.UserRow) { u := r.SourceUpdatedAt.Add(time.Microsecond); r.SourceUpdatedAt = &u }, false},
		{"extra", func(r *transform.UserRow) { r.Extra = "{}" }, false},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ub := transform.NewUserBatch(mem)
	defer ub.Release()
	ub.Append(base, 0)
	for i, v := range variants {
		r := base
		r.Phones = append([]transform.Phone(nil), base.Phones...)
		v.change(&r)
		ub.Append(r, int64(i+1))
	}
	rec := ub.NewRecord()
	defer rec.Release()
	idx := rec.Schema().FieldIndices("row_hash")[0]
	hashes := rec.Column(idx).(*array.String)
	for i, v := range variants {
		if got := hashes.Value(i+1) == hashes.Value(0); got != v.same {
			t.Errorf("%s: same hash = %v, want %v", v.name, got, v.same)
		}
	}
}
