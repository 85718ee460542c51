package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
)

const testKey = "test-close-key-0123456789"

// harness is a Close fake on loopback, the population it serves, and a config aimed at
// it with its own warehouse and lake.
type harness struct {
	pop  *synth.Population
	fake *fake.Server
	url  string
	dir  string
	cfg  *config.Config
	runs int // syncs so far; each starts a minute after the previous on its day
}

func newHarness(t *testing.T, size int, extraYAML string) *harness {
	t.Helper()
	h := &harness{pop: synth.New(synth.Config{Seed: 11, Size: size}), dir: t.TempDir()}
	h.fake = fake.New(h.pop, fake.Options{APIKey: testKey})
	srv := httptest.NewServer(h.fake)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	h.cfg = h.config(t, testKey, extraYAML)
	return h
}

func (h *harness) yaml(key, extra string) string {
	return fmt.Sprintf(`warehouse:
  duckdb: %s
  lake: %s
sources:
  - name: close-main
    provider: close
    base_url: %s/api/v1
    auth: { api_key: "%s" }
    page_size: 25
    max_backoff: 50ms
%s`, filepath.Join(h.dir, "roster.duckdb"), filepath.Join(h.dir, "lake"), h.url, key, extra)
}

func (h *harness) config(t *testing.T, key, extra string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(h.yaml(key, extra)), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// sync runs one sync of day d at 02:00 simulated time. Moving the fake to another day
// clears the users its faults inserted or removed; staying on a day keeps them.
func (h *harness) sync(t *testing.T, day int) jobs.SyncResult {
	t.Helper()
	if h.fake.Day() != day {
		h.fake.SetDay(day)
	}
	h.runs++
	at := h.pop.Day(day).Date.Add(2*time.Hour + time.Duration(h.runs)*time.Minute)
	var tick atomic.Int64 // a clock safe for sources reading it concurrently
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	res, err := jobs.Sync(context.Background(), jobs.SyncOptions{
		Config: h.cfg, Logger: zerolog.Nop(), Allocator: mem, BatchSize: 7,
		Now: func() time.Time { return at.Add(time.Duration(tick.Add(1)) * time.Millisecond) },
	})
	if err != nil {
		t.Fatalf("sync day %d: %v", day, err)
	}
	mem.AssertSize(t, 0)
	return res
}

func (h *harness) db(t *testing.T) *sql.DB {
	t.Helper()
	w, err := load.Open(context.Background(), h.cfg.Warehouse.DuckDB, h.cfg.Warehouse.Lake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.DB()
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// version is one users_history row in short form.
type version struct {
	run     int // index of the sync that opened it
	deleted bool
	active  bool
	changed []string
	current bool
}

func historyOf(t *testing.T, db *sql.DB, runs []string, userID string) []version {
	t.Helper()
	rows, err := db.Query(`SELECT run_id, is_deleted, is_active, coalesce(changed_fields, []), is_current FROM users_history
		WHERE user_id = $1 ORDER BY valid_from`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []version
	for rows.Next() {
		var v version
		var run string
		var changed []any
		if err := rows.Scan(&run, &v.deleted, &v.active, &changed, &v.current); err != nil {
			t.Fatal(err)
		}
		v.run = slices.Index(runs, run)
		for _, c := range changed {
			v.changed = append(v.changed, c.(string))
		}
		out = append(out, v)
	}
	return out
}

// listedOn reports whether a person is in the directory on day d.
func listedOn(pop *synth.Population, day, id int) bool {
	_, ok := pop.Day(day).Person(id)
	return ok
}

func TestSyncOverSimulatedDaysRecordsExpectedVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, "")
	const days = 4
	var runs []string
	for d := 0; d < days; d++ {
		res := h.sync(t, d)
		if res.Failed() {
			t.Fatalf("day %d failed: %+v", d, res.Sources)
		}
		runs = append(runs, res.Run.RunID)
	}
	// A third identical run of the last day adds no version.
	again := h.sync(t, days-1)
	if r := again.Sources[0]; r.Inserted+r.Updated+r.Deleted != 0 || r.Unchanged != r.Records {
		t.Errorf("identical re-run changed history: %+v", r)
	}
	db := h.db(t)
	if n := queryInt(t, db, `SELECT count(*) FROM users_history WHERE run_id = $1`, again.Run.RunID); n != 0 {
		t.Errorf("identical re-run opened %d versions", n)
	}

	sawReturn := false
	for d := 1; d < days; d++ {
		snap := h.pop.Day(d)
		touched := map[int]bool{}
		for _, c := range snap.Changes {
			touched[c.PersonID] = true
			uid := h.fake.UserID(c.PersonID)
			hist := historyOf(t, db, runs, uid)
			// The version opened on day d, if any.
			var opened *version
			for i := range hist {
				if hist[i].run == d {
					opened = &hist[i]
				}
			}
			switch c.Kind {
			case synth.Hire:
				if len(hist) == 0 || hist[0].run != d || hist[0].changed != nil {
					t.Errorf("day %d hire %d: history %+v", d, c.PersonID, hist)
				}
			case synth.Depart:
				if opened == nil || !opened.deleted || !slices.Equal(opened.changed, []string{"is_deleted"}) {
					t.Errorf("day %d departure %d: want a tombstone, history %+v", d, c.PersonID, hist)
				}
			case synth.Return:
				if !listedOn(h.pop, d-1, c.PersonID) && hasRunBefore(hist, d) {
					sawReturn = true
					if opened == nil || opened.deleted || !slices.Contains(opened.changed, "is_deleted") {
						t.Errorf("day %d return %d: want a live version after the tombstone, history %+v", d, c.PersonID, hist)
					}
				}
			case synth.RoleChange:
				if opened == nil || !slices.Contains(opened.changed, "role_raw") {
					t.Errorf("day %d role change %d: history %+v", d, c.PersonID, hist)
				}
			case synth.GroupChange:
				if opened == nil || !slices.Contains(opened.changed, "groups") {
					t.Errorf("day %d group change %d: history %+v", d, c.PersonID, hist)
				}
			case synth.EmailChange:
				if opened == nil || !slices.Contains(opened.changed, "email") {
					t.Errorf("day %d email change %d: history %+v", d, c.PersonID, hist)
				}
			case synth.Deactivate:
				if opened == nil || opened.active || !slices.Contains(opened.changed, "is_active") {
					t.Errorf("day %d deactivation %d: history %+v", d, c.PersonID, hist)
				}
			case synth.StatusOnly:
				if opened != nil {
					t.Errorf("day %d status-only change %d opened a version: %+v", d, c.PersonID, opened)
				}
				var status string
				if err := db.QueryRow(`SELECT status FROM user_status WHERE run_id = $1 AND user_id = $2`, runs[d], uid).Scan(&status); err != nil {
					t.Errorf("day %d status-only change %d: no user_status row: %v", d, c.PersonID, err)
				}
			}
		}
		// Everyone the day did not touch keeps the version they had.
		for _, p := range snap.People {
			if touched[p.ID] {
				continue
			}
			for _, v := range historyOf(t, db, runs, h.fake.UserID(p.ID)) {
				if v.run == d {
					t.Errorf("day %d: untouched person %d got a version %+v", d, p.ID, v)
				}
			}
		}
		// Status rows: one per active user per run (Close reports no availability for
		// deactivated users).
		active := 0
		for _, p := range snap.People {
			if p.Active {
				active++
			}
		}
		if n := queryInt(t, db, `SELECT count(*) FROM user_status WHERE run_id = $1`, runs[d]); n != int64(active) {
			t.Errorf("day %d: %d status rows for %d active people", d, n, active)
		}
	}
	if !sawReturn {
		t.Error("no return of a user seen departing in the simulated days; extend the days or the population")
	}
	assertLakeMatchesWarehouse(t, db, h.cfg.Warehouse.Lake)
}

func hasRunBefore(hist []version, day int) bool {
	for _, v := range hist {
		if v.run >= 0 && v.run < day {
			return true
		}
	}
	return false
}

// assertLakeMatchesWarehouse reads the lake back with hive partitioning and checks it
// holds the warehouse row for row (valid_to and is_current derived from the version log).
func assertLakeMatchesWarehouse(t *testing.T, db *sql.DB, lake string) {
	t.Helper()
	hist := `read_parquet('` + lake + `/users_history/**/*.parquet', hive_partitioning = true)`
	derived := `SELECT * EXCLUDE (run_date),
		lead(valid_from) OVER (PARTITION BY user_key ORDER BY valid_from) AS valid_to,
		lead(valid_from) OVER (PARTITION BY user_key ORDER BY valid_from) IS NULL AS is_current FROM ` + hist
	cols := `user_key, source, provider, account_id, user_id, email, email_normalized, first_name, last_name, middle_name,
		display_name, title, role, role_raw, is_active, department, groups, phones, timezone, country, source_created_at,
		source_updated_at, extra::VARCHAR, row_hash, changed_fields, valid_from, valid_to, is_current, is_deleted, run_id`
	checks := map[string]string{
		"history rows missing from the lake": `SELECT count(*) FROM (SELECT ` + cols + ` FROM users_history EXCEPT ALL SELECT ` + cols + ` FROM (` + derived + `))`,
		"lake rows missing from history":     `SELECT count(*) FROM (SELECT ` + cols + ` FROM (` + derived + `) EXCEPT ALL SELECT ` + cols + ` FROM users_history)`,
		"current rows differ": `SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM users_current
			EXCEPT ALL SELECT * EXCLUDE (source) FROM read_parquet('` + lake + `/users_current/**/*.parquet', hive_partitioning = true))`,
		"status rows differ": `SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM user_status
			EXCEPT ALL SELECT * EXCLUDE (source, run_date) FROM read_parquet('` + lake + `/user_status/**/*.parquet', hive_partitioning = true))`,
		"flat groups differ": `SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM user_groups
			EXCEPT ALL SELECT * EXCLUDE (source) FROM read_parquet('` + lake + `/user_groups/**/*.parquet', hive_partitioning = true))`,
		"flat phones differ": `SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM user_phones
			EXCEPT ALL SELECT * EXCLUDE (source) FROM read_parquet('` + lake + `/user_phones/**/*.parquet', hive_partitioning = true))`,
		"people differ": `SELECT count(*) FROM (SELECT * FROM people EXCEPT ALL SELECT * FROM read_parquet('` + lake + `/people/current.parquet'))`,
		"run ledger differs": `SELECT count(*) FROM (SELECT * FROM sync_runs
			EXCEPT ALL SELECT * EXCLUDE (run_date) FROM read_parquet('` + lake + `/sync_runs/**/*.parquet', hive_partitioning = true))`,
	}
	if queryInt(t, db, `SELECT count(*) FROM user_status`) == 0 {
		delete(checks, "status rows differ") // no presence data, no status files
	}
	for name, q := range checks {
		if n := queryInt(t, db, q); n != 0 {
			t.Errorf("%s: %d", name, n)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM users_current`); n != queryInt(t, db,
		`SELECT count(*) FROM read_parquet('`+lake+`/users_current/**/*.parquet', hive_partitioning = true)`) {
		t.Errorf("users_current has %d rows, the lake a different count", n)
	}
}

// closeFakeFor is a Close fake of pop accepting testKey.
func closeFakeFor(pop *synth.Population) *fake.Server {
	return fake.New(pop, fake.Options{APIKey: testKey})
}
