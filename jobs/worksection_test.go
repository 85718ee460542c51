package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

func TestWorksectionOverTwoDaysRecordsExpectedVersions(t *testing.T) {
	t.Parallel()
	pop := synth.New(synth.Config{Seed: 3, Size: 80}) // day 1 promotes a member straight to admin
	f := wsfake.New(pop, wsfake.Options{APIKey: "ws-key"})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s, lake: %s }
sources:
  - name: ws
    provider: worksection
    base_url: %s/api/admin/v2/
    auth: { api_key: ws-key }
    timezone: %s
`, filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"), srv.URL, f.Location())), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	const days = 5
	for day := 0; day < days; day++ {
		f.SetDay(day)
		at := pop.Day(day).Date.Add(2 * time.Hour)
		res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
		if err != nil || res.Failed() {
			t.Fatalf("day %d: %v %+v", day, err, res.Sources)
		}
		if r := res.Sources[0]; r.Records == 0 || r.Requests != 2 { // get_user_groups, get_users
			t.Errorf("day %d: %+v", day, r)
		}
		runs = append(runs, res.Run.RunID)
	}
	h := &harness{cfg: cfg}
	db := h.db(t)
	if n := queryInt(t, db, `SELECT count(*) FROM user_status`); n != 0 {
		t.Errorf("Worksection has no presence, yet %d user_status rows", n)
	}
	seen := map[string]bool{}
	for d := 1; d < days; d++ {
		prev, snap := pop.Day(d-1), pop.Day(d)
		touched := map[int]bool{}
		for _, c := range snap.Changes {
			touched[c.PersonID] = true
			before, wasListed := prev.Person(c.PersonID)
			after, isListed := snap.Person(c.PersonID)
			wasListed = wasListed && before.Active // Worksection lists active people only
			isListed = isListed && after.Active
			hist := historyOf(t, db, runs, f.UserID(c.PersonID))
			var opened *version
			for i := range hist {
				if hist[i].run == d {
					opened = &hist[i]
				}
			}
			switch {
			case !wasListed && isListed:
				if opened == nil || opened.deleted {
					t.Errorf("day %d %s %d: want a live version, history %+v", d, c.Kind, c.PersonID, hist)
				}
				seen["hire"] = true
			case wasListed && !isListed:
				if opened == nil || !opened.deleted || !slices.Equal(opened.changed, []string{"is_deleted"}) {
					t.Errorf("day %d %s %d: want a tombstone, history %+v", d, c.Kind, c.PersonID, hist)
				}
				seen["departure"] = true
			case c.Kind == synth.RoleChange && c.Field == "role":
				if opened == nil || !slices.Contains(opened.changed, "role_raw") {
					t.Errorf("day %d role %s -> %s of %d: history %+v", d, c.Old, c.New, c.PersonID, hist)
				}
				seen["role"] = true
			case c.Kind == synth.TeamChange:
				if opened == nil || !slices.Contains(opened.changed, "groups") {
					t.Errorf("day %d team change of %d: history %+v", d, c.PersonID, hist)
				}
				seen["team"] = true
			case c.Kind == synth.PhoneChange && opened != nil:
				if !slices.Contains(opened.changed, "phones") {
					t.Errorf("day %d phone change of %d changed %v", d, c.PersonID, opened.changed)
				}
				seen["phone"] = true
			case c.Kind == synth.StatusOnly:
				if opened != nil {
					t.Errorf("day %d status-only change of %d opened a version", d, c.PersonID)
				}
			}
			if opened != nil && len(opened.changed) == 0 && opened.run > 0 && hasRunBefore(hist, d) {
				t.Errorf("day %d: a version of %d with no changed field", d, c.PersonID)
			}
		}
		for _, p := range snap.People {
			if touched[p.ID] {
				continue
			}
			for _, v := range historyOf(t, db, runs, f.UserID(p.ID)) {
				if v.run == d {
					t.Errorf("day %d: untouched person %d got a version %+v", d, p.ID, v)
				}
			}
		}
	}
	for _, kind := range []string{"hire", "departure", "role", "team", "phone"} {
		if !seen[kind] {
			t.Errorf("no %s seen in the simulated days", kind)
		}
	}
	// The contract's example: a user promoted to account admin.
	if n := queryInt(t, db, `SELECT count(*) FROM users_history h JOIN users_history p
		ON p.user_key = h.user_key AND p.valid_to = h.valid_from
		WHERE p.role_raw = 'user' AND h.role_raw = 'account admin' AND h.role = 'admin' AND p.role = 'member'`); n != 1 {
		t.Errorf("%d user -> account admin promotions, want the 1 of day 1", n)
	}
	assertLakeMatchesWarehouse(t, db, cfg.Warehouse.Lake)
}

func TestNumbersOfUnchangedUsersAreNotParsedAgain(t *testing.T) {
	t.Parallel()
	pop := synth.New(synth.Config{Seed: 9, Size: 120})
	f := wsfake.New(pop, wsfake.Options{APIKey: "ws-key"})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s }
sources:
  - { name: ws, provider: worksection, base_url: %s/api/admin/v2/, auth: { api_key: ws-key } }
`, filepath.Join(dir, "r.duckdb"), srv.URL)), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	type loaded struct {
		Message string `json:"message"`
		Hits    int    `json:"phone_cache_hits"`
		Misses  int    `json:"phone_cache_misses"`
	}
	night := func(day int) (mapped int64, hits, misses int) {
		var logs strings.Builder
		f.SetDay(day)
		at := pop.Day(day).Date.Add(2 * time.Hour)
		res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.New(zerolog.SyncWriter(&logs)), Now: func() time.Time { return at }})
		if err != nil || res.Failed() {
			t.Fatalf("day %d: %v %+v", day, err, res.Sources)
		}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var l loaded
			if json.Unmarshal([]byte(line), &l) != nil {
				continue
			}
			if l.Message == "source loaded" {
				hits, misses = l.Hits, l.Misses
			}
		}
		return res.Phases[0].Mapped, hits, misses
	}
	mapped0, hits0, misses0 := night(0)
	if mapped0 < 100 || misses0 == 0 {
		t.Fatalf("first night: %d users mapped, %d numbers parsed", mapped0, misses0)
	}
	// Only the users that changed are mapped again, and only their numbers looked at.
	mapped, hits, misses := night(1)
	if mapped == 0 || mapped*5 > mapped0 || (hits+misses)*5 > hits0+misses0 {
		t.Errorf("second night: %d of %d users mapped, %d numbers looked at (first night %d)", mapped, mapped0, hits+misses, hits0+misses0)
	}
}

// TestUsersAsOfAgreesWithEveryRunsCurrentDirectory is a property of the history: for
// every run, users_as_of(the run's end) is exactly the users_current the run left.
func TestUsersAsOfAgreesWithEveryRunsCurrentDirectory(t *testing.T) {
	t.Parallel()
	fakes, err := jobs.StartFakes(synth.New(synth.Config{Seed: 77, Size: 50}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Stop)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fakes.ConfigYAML("", filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"))), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	const snapshot = `SELECT md5(coalesce(string_agg(user_key || ':' || row_hash, ',' ORDER BY user_key), '')) FROM `
	type observed struct {
		at      time.Time
		current string
	}
	var runs []observed
	for day := 0; day < 6; day++ {
		fakes.SetDay(day)
		start := fakes.Population.Day(day).Date.Add(2 * time.Hour)
		var tick atomic.Int64 // sources read the clock from their own goroutines
		res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(),
			Now: func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
		if err != nil || res.Failed() {
			t.Fatalf("day %d: %v %+v", day, err, res.Sources)
		}
		var cur string
		w := (&harness{cfg: cfg}).db(t)
		if err := w.QueryRow(snapshot + `users_current`).Scan(&cur); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, observed{res.Run.FinishedAt, cur})
	}
	db := (&harness{cfg: cfg}).db(t)
	for i, r := range runs {
		var asOf string
		if err := db.QueryRow(snapshot+`users_as_of($1::TIMESTAMPTZ)`, r.at.Format(time.RFC3339Nano)).Scan(&asOf); err != nil {
			t.Fatal(err)
		}
		if asOf != r.current {
			t.Errorf("run %d (%s): users_as_of differs from the users_current the run left", i, r.at)
		}
	}
}
