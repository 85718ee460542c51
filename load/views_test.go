package load_test

import (
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// one returns the single text value of q.
func one(t *testing.T, w *load.Warehouse, q string) string {
	t.Helper()
	var s *string
	if err := w.DB().QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if s == nil {
		return "NULL"
	}
	return *s
}

func TestAnalystViewsAnswerFromTheHistory(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	d1 := d0.Add(24 * time.Hour)
	ws := transform.Mapper{Source: "ws", Provider: "worksection", Region: "US", Location: time.UTC}
	wsUser := func(id, email, role, team, phone string) transform.UserRow {
		return ws.User(extract.User{ID: id, Email: email, FirstName: id, Role: role,
			Groups: []extract.Group{{ID: team, Name: team, Kind: "team"}}, Phones: []extract.Phone{{Raw: phone, Kind: "main"}}})
	}
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "Ann@x.io", "user"), user("b", "b@x.io", "admin")})
	mergeAs(t, w, "ws", "w0", d0, []transform.UserRow{wsUser("1", "ann@x.io", "user", "Sales", "+1 415-555-0132"), wsUser("2", "", "guest", "Ops", "n/a")})
	merge(t, w, "r1", d1, []transform.UserRow{user("a", "Ann@x.io", "superuser")})
	mergeAs(t, w, "ws", "w1", d1, []transform.UserRow{wsUser("1", "ann@x.io", "account admin", "Support", "+1 415-555-0132"), wsUser("2", "", "guest", "Ops", "n/a")})

	for name, tc := range map[string]struct{ q, want string }{
		"user_changes lists each changed column with old and new values": {
			`SELECT string_agg(user_key || ':' || field || ':' || coalesce(old_value, 'NULL') || '>' || coalesce(new_value, 'NULL'), ' ; ' ORDER BY user_key, field) FROM user_changes`,
			`crm:a:role:member>manager ; crm:a:role_raw:user>superuser ; crm:b:is_deleted:false>true ; ` +
				`ws:1:groups:[{"id":"Sales","name":"Sales","kind":"team"}]>[{"id":"Support","name":"Support","kind":"team"}] ; ws:1:role:member>admin ; ws:1:role_raw:user>account admin`,
		},
		"users_as_of gives the directory at a past time": {
			`SELECT string_agg(user_key || '=' || role, ',' ORDER BY user_key) FROM users_as_of(TIMESTAMPTZ '2026-01-05 12:00:00+00')`,
			`crm:a=member,crm:b=admin,ws:1=member,ws:2=guest`,
		},
		"users_as_of before the first sync is empty": {
			`SELECT count(*)::VARCHAR FROM users_as_of(TIMESTAMPTZ '2026-01-01 00:00:00+00')`, `0`,
		},
		"user_groups_as_of gives past memberships": {
			`SELECT string_agg(user_key || '@' || group_name, ',' ORDER BY user_key) FROM user_groups_as_of(TIMESTAMPTZ '2026-01-05 12:00:00+00') WHERE source = 'ws'`,
			`ws:1@Sales,ws:2@Ops`,
		},
		"user_phones flattens numbers with their validity": {
			`SELECT string_agg(user_key || '|' || phone_raw || '|' || coalesce(phone_e164, 'NULL') || '|' || phone_valid, ',' ORDER BY user_key) FROM user_phones`,
			`ws:1|+1 415-555-0132|+14155550132|true,ws:2|n/a|NULL|false`,
		},
		"people joins accounts across providers by normalized email": {
			`SELECT string_agg(person_key || '=' || array_to_string(user_keys, '+'), ',' ORDER BY person_key) FROM people`,
			`ann@x.io=crm:a+ws:1,ws:2=ws:2`,
		},
		"people takes the display name most accounts use, the first alphabetically on a tie": {
			`SELECT string_agg(person_key || '=' || display_name, ',' ORDER BY person_key) FROM people`,
			`ann@x.io=1,ws:2=2`,
		},
		"headcount_daily counts each day's end": {
			`SELECT string_agg(day || ' ' || source || ' ' || role || ' ' || users, ', ' ORDER BY day, source, role) FROM headcount_daily`,
			`2026-01-05 crm admin 1, 2026-01-05 crm member 1, 2026-01-05 ws guest 1, 2026-01-05 ws member 1, 2026-01-06 crm manager 1, 2026-01-06 ws admin 1, 2026-01-06 ws guest 1`,
		},
	} {
		if got := one(t, w, tc.q); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, tc.want)
		}
	}
}

// mergeAs merges a listing of another source.
func mergeAs(t *testing.T, w *load.Warehouse, source, runID string, at time.Time, users []transform.UserRow) {
	t.Helper()
	st := stage(t, t.TempDir(), users, nil, runID, at)
	if _, err := w.Merge(t.Context(), load.SourceRun{RunID: runID, Source: source, Provider: users[0].Provider, StartedAt: at, Complete: true}, st); err != nil {
		t.Fatal(err)
	}
}
