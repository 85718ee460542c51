package load_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

// account is one user of a source as the people file sees it.
type account struct {
	source, provider, id, email, name string
	active                            bool
}

func (a account) row() transform.UserRow {
	m := transform.Mapper{Source: a.source, Provider: a.provider, Region: "US", Location: time.UTC}
	u := m.User(extract.User{ID: a.id, Email: a.email, DisplayName: a.name, Role: "user", UpdatedAt: "2026-01-01T00:00:00.000000+00:00"})
	u.IsActive = a.active
	return u
}

// The lake's people file is written by a query of its own (load.peopleFlat) when it
// gives what the people view gives, and from the view otherwise; either way an analyst
// reading the file sees the view's rows.
func TestThePeopleFileHoldsWhatThePeopleViewHolds(t *testing.T) {
	t.Parallel()
	ann := func(source, provider, id, name string, active bool) account {
		return account{source, provider, id, " Ann@X.io", name, active}
	}
	for name, tc := range map[string]struct {
		listings [][]account              // one listing per source, merged in order
		tweak    func(*transform.UserRow) // applied to every row of the last listing
		want     string                   // person_key=sources/providers/user_keys/name/accounts/anywhere/everywhere
	}{
		"a warehouse without users": {
			want: "",
		},
		"one account per person": {
			listings: [][]account{{{"crm", "close", "1", "a@x.io", "A", true}, {"crm", "close", "2", "b@x.io", "", false}}},
			want:     "a@x.io=crm/close/crm:1/A/1/true/true b@x.io=crm/close/crm:2/NULL/1/false/false",
		},
		"a person across sources and providers takes the name most accounts use": {
			listings: [][]account{
				{ann("crm", "close", "1", "Ann B", true), ann("crm", "close", "2", "Ann", false)},
				{ann("zcc", "zoom_contact_center", "z", "Ann", false)},
				{ann("ws", "worksection", "9", "", true), {"ws", "worksection", "8", "", "Nobody", true}},
			},
			want: "ann@x.io=crm+ws+zcc/close+worksection+zoom_contact_center/crm:1+crm:2+ws:9+zcc:z/Ann/4/true/false ws:8=ws/worksection/ws:8/Nobody/1/true/true",
		},
		"a tie between names goes to the first alphabetically": {
			listings: [][]account{
				{ann("crm", "close", "1", "Bea", true), ann("crm", "close", "2", "Ann", true)},
				{ann("crm2", "close", "1", "Ann", true), ann("crm2", "close", "2", "Bea", true)},
			},
			want: "ann@x.io=crm+crm2/close/crm2:1+crm2:2+crm:1+crm:2/Ann/4/true/true",
		},
		"an email that is another user's key": {
			listings: [][]account{{{"crm", "close", "1", "crm:2", "One", true}, {"crm", "close", "2", "", "Two", true}}},
			want:     "crm:2=crm/close/crm:1/One/1/true/true crm:2=crm/close/crm:2/One/1/true/true",
		},
		"a source whose current users carry two providers": {
			listings: [][]account{{ann("crm", "close", "1", "Ann", true), ann("crm", "close", "2", "Ann", true)}},
			tweak: func(u *transform.UserRow) {
				if u.UserID == "2" {
					u.Provider = "zoom_contact_center"
				}
			},
			want: "ann@x.io=crm/close+zoom_contact_center/crm:1+crm:2/Ann/2/true/true",
		},
		"a user whose key does not start with its source": {
			listings: [][]account{{ann("crm", "close", "1", "Ann", true)}},
			tweak:    func(u *transform.UserRow) { u.UserKey = "legacy:1" },
			want:     "ann@x.io=crm/close/legacy:1/Ann/1/true/true",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := openWarehouse(t)
			at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
			for i, listing := range tc.listings {
				rows := make([]transform.UserRow, len(listing))
				for j, a := range listing {
					rows[j] = a.row()
					if tc.tweak != nil && i == len(tc.listings)-1 {
						tc.tweak(&rows[j])
					}
				}
				mergeAs(t, w, listing[0].source, "r"+listing[0].source, at, rows)
			}
			if err := w.PublishPeople(t.Context()); err != nil {
				t.Fatal(err)
			}
			file := "read_parquet('" + filepath.Join(w.Lake, "people", "current.parquet") + "')"
			const row = `person_key || '=' || array_to_string(sources, '+') || '/' || array_to_string(providers, '+') || '/' ||
				array_to_string(user_keys, '+') || '/' || coalesce(display_name, 'NULL') || '/' || accounts || '/' ||
				active_anywhere || '/' || active_everywhere`
			view := one(t, w, `SELECT coalesce(string_agg(`+row+`, ' ' ORDER BY person_key, user_keys), '') FROM people`)
			if view != tc.want {
				t.Errorf("people view:\n got %s\nwant %s", view, tc.want)
			}
			if got := one(t, w, `SELECT coalesce(string_agg(`+row+`, ' ' ORDER BY person_key, user_keys), '') FROM `+file); got != tc.want {
				t.Errorf("people file:\n got %s\nwant %s", got, tc.want)
			}
			if d := one(t, w, `SELECT count(*)::VARCHAR FROM (SELECT * FROM people EXCEPT ALL SELECT * FROM `+file+`)`) + "," +
				one(t, w, `SELECT count(*)::VARCHAR FROM (SELECT * FROM `+file+` EXCEPT ALL SELECT * FROM people)`); d != "0,0" {
				t.Errorf("people file and view differ by %s rows", d)
			}
		})
	}
}
