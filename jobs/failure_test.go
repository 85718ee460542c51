package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/load"
)

// fingerprint summarizes users_history so a test can prove it did not change.
func fingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	return fingerprintWhere(t, db, "true")
}

// fingerprintWhere renders every version of users_history matching where (args bind its
// placeholders): key, hash, flags and validity.
func fingerprintWhere(t *testing.T, db *sql.DB, where string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(`SELECT string_agg(user_key || row_hash || is_current || is_deleted || coalesce(valid_to::VARCHAR, '-'), ',' ORDER BY user_key, valid_from)
		FROM users_history WHERE `+where, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

func TestFailedSourceLeavesHistoryUntouched(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   fake.Fault
		key     string
		wantErr string
	}{
		{"provider dies mid-listing", fake.Fault{Path: "/api/v1/user/", After: 1, Times: -1, Kind: fake.Status5xx, Status: 503}, "", "HTTP 503"},
		{"wrong API key", fake.Fault{}, "not-the-key", "authentication failed"},
		{"non-JSON reply mid-listing", fake.Fault{Path: "/api/v1/user/", After: 1, Kind: fake.NonJSON}, "", "malformed reply"},
		{"truncated bodies until the budget is spent", fake.Fault{Path: "/api/v1/user/", After: 1, Times: -1, Kind: fake.Truncate}, "", "close-main"},
		{"payment required", fake.Fault{Path: "/api/v1/user/", After: 1, Kind: fake.PaymentRequired}, "", "HTTP 402"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, 60, "    max_retries: 2\n")
			if res := h.sync(t, 0); res.Failed() {
				t.Fatalf("day 0: %+v", res.Sources)
			}
			before := fingerprint(t, h.db(t))
			if tt.key != "" {
				h.cfg = h.config(t, tt.key, "    max_retries: 2\n")
			}
			if tt.fault.Kind != 0 {
				h.fake.Inject(tt.fault)
			}
			res := h.sync(t, 1)
			if !res.Failed() || res.Run.Status != "failed" {
				t.Fatalf("run status %q, want failed", res.Run.Status)
			}
			r := res.Sources[0]
			if r.Status != "failed" || r.Complete {
				t.Errorf("source run %+v, want failed and incomplete", r)
			}
			if !strings.HasPrefix(r.Error, "close-main: ") || !strings.Contains(r.Error, tt.wantErr) || strings.Contains(r.Error, "\n") {
				t.Errorf("error %q: want one line naming the source and %q", r.Error, tt.wantErr)
			}
			if strings.Contains(r.Error, testKey) || strings.Contains(r.Error, "not-the-key") {
				t.Errorf("error leaks the API key: %q", r.Error)
			}
			db := h.db(t)
			if after := fingerprint(t, db); after != before {
				t.Error("users_history changed after a failed source")
			}
			if n := queryInt(t, db, `SELECT count(*) FROM source_runs WHERE run_id = $1 AND status = 'failed' AND error IS NOT NULL`, res.Run.RunID); n != 1 {
				t.Errorf("failed source_runs rows = %d", n)
			}
			if n := queryInt(t, db, `SELECT count(*) FROM user_status WHERE run_id = $1`, res.Run.RunID); n != 0 {
				t.Errorf("a failed source wrote %d status rows", n)
			}
		})
	}
}

func TestRateLimitsAndServerErrorsAreRetriedAndCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, "")
	h.fake.Inject(fake.Fault{Path: "/api/v1/user/", After: 1, Times: 3, Kind: fake.RateLimited, RateReset: 0.01})
	h.fake.Inject(fake.Fault{Path: "/api/v1/user/", After: 5, Times: 2, Kind: fake.Status5xx, Status: 502})
	h.fake.Inject(fake.Fault{Path: "/api/v1/group/*", Kind: fake.Status5xx, Status: 500})
	res := h.sync(t, 0)
	if res.Failed() {
		t.Fatalf("sync failed: %+v", res.Sources)
	}
	r := res.Sources[0]
	if r.Retries < 6 || r.ThrottledMS <= 0 || r.Requests < r.Retries+r.Pages {
		t.Errorf("counters %+v: want >= 6 retries, throttled time, requests >= retries + pages", r)
	}
	db := h.db(t)
	var retries, throttled int64
	if err := db.QueryRow(`SELECT retries, throttled_ms FROM source_runs WHERE run_id = $1`, res.Run.RunID).Scan(&retries, &throttled); err != nil {
		t.Fatal(err)
	}
	if retries != r.Retries || throttled != r.ThrottledMS {
		t.Errorf("source_runs has retries %d throttled %d; the run counted %d, %d", retries, throttled, r.Retries, r.ThrottledMS)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM users_current`); n != int64(len(h.pop.Day(0).People)) {
		t.Errorf("users_current = %d, want %d", n, len(h.pop.Day(0).People))
	}
}

func TestUsersShiftingBetweenPagesCauseNoDuplicateNorDeletion(t *testing.T) {
	t.Parallel()
	for _, kind := range []fake.FaultKind{fake.InsertUsers, fake.DeleteUsers, fake.EmptyPageHasMore} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, 60, "")
			if res := h.sync(t, 0); res.Failed() {
				t.Fatalf("day 0: %+v", res.Sources)
			}
			h.fake.Inject(fake.Fault{Path: "/api/v1/user/", After: 1, Kind: kind, N: 2})
			res := h.sync(t, 0)
			if res.Failed() {
				t.Fatalf("sync failed: %+v", res.Sources)
			}
			r := res.Sources[0]
			people := int64(len(h.pop.Day(0).People))
			db := h.db(t)
			current := queryInt(t, db, `SELECT count(*) FROM users_current`)
			switch kind {
			case fake.DeleteUsers:
				// Nobody the shift pushed past the cursor is deleted. The two who left
				// were read before they left, so the next run deletes them.
				if r.Deleted != 0 || current != people {
					t.Errorf("deleted %d, current %d of %d: want no deletion", r.Deleted, current, people)
				}
				next := h.sync(t, 0).Sources[0]
				if next.Deleted != 2 || next.Inserted+next.Updated != 0 {
					t.Errorf("next run: %+v, want exactly the 2 who left deleted", next)
				}
			default:
				if r.Deleted != 0 || current != people {
					t.Errorf("deleted %d, current %d of %d: want no deletion", r.Deleted, current, people)
				}
			}
			if n := queryInt(t, db, `SELECT count(*) - count(DISTINCT user_key) FROM users_current`); n != 0 {
				t.Errorf("%d duplicate current users", n)
			}
			if kind == fake.InsertUsers {
				// The new users sit before the cursor: this listing repeats 2 users it had
				// read, and the next run finds the new ones.
				if r.Inserted != 0 || r.Duplicates != 2 {
					t.Errorf("inserted %d duplicates %d, want 0 and 2", r.Inserted, r.Duplicates)
				}
				if next := h.sync(t, 0).Sources[0]; next.Inserted != 2 || next.Deleted != 0 {
					t.Errorf("next run: %+v, want the 2 new users inserted", next)
				}
			}
		})
	}
}

func TestDryRunReportsChangesAndWritesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, "")
	// Before any sync: everything would be new, and no warehouse is created.
	h.fake.SetDay(0)
	res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Logger: zerolog.Nop(), DryRun: true})
	if err != nil || res.Failed() || !res.DryRun {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if r := res.Sources[0]; r.Inserted != int64(len(h.pop.Day(0).People)) {
		t.Errorf("first dry run: %+v", r)
	}
	if _, err := os.Stat(h.cfg.Warehouse.DuckDB); !os.IsNotExist(err) {
		t.Fatalf("a dry run created the warehouse: %v", err)
	}
	h.sync(t, 0)
	state := func() string {
		db := h.db(t)
		return fmt.Sprintf("%s|%d|%d|%s", fingerprint(t, db), queryInt(t, db, `SELECT count(*) FROM sync_runs`),
			queryInt(t, db, `SELECT count(*) FROM user_status`), lakeListing(t, h.cfg.Warehouse.Lake))
	}
	before := state()
	h.fake.SetDay(1)
	res, err = jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Logger: zerolog.Nop(), DryRun: true})
	if err != nil || res.Failed() {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if after := state(); after != before {
		t.Error("a dry run changed the warehouse or the lake")
	}
	want := h.sync(t, 1).Sources[0] // the real run of the same day
	got := res.Sources[0]
	if got.Inserted != want.Inserted || got.Updated != want.Updated || got.Deleted != want.Deleted || got.Unchanged != want.Unchanged {
		t.Errorf("dry run predicted %+v, the sync did %+v", got, want)
	}
}

// lakeListing names every file under the lake with its size.
func lakeListing(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s:%d;", path, info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestExportRebuildsALostLake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 40, "")
	h.sync(t, 0)
	h.sync(t, 1)
	if err := os.RemoveAll(h.cfg.Warehouse.Lake); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := jobs.Export(context.Background(), h.cfg, "", 0, &out); err != nil {
		t.Fatal(err)
	}
	assertLakeMatchesWarehouse(t, h.db(t), h.cfg.Warehouse.Lake)
	other := filepath.Join(t.TempDir(), "lake2")
	if err := jobs.Export(context.Background(), h.cfg, other, 0, &out); err != nil {
		t.Fatal(err)
	}
	assertLakeMatchesWarehouse(t, h.db(t), other)
}

func TestAnUnwritableLakeFailsClearlyAndKeepsHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 30, "")
	h.sync(t, 0)
	lake := h.cfg.Warehouse.Lake
	if err := os.RemoveAll(lake); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lake, []byte("not a directory"), 0o600); err != nil { // unwritable for anyone, root included
		t.Fatal(err)
	}
	res := h.sync(t, 1)
	if !res.Failed() || res.LakeError == "" || res.Sources[0].Status != "succeeded" {
		t.Fatalf("result %+v: want the source loaded and the lake failure reported", res)
	}
	var out strings.Builder
	jobs.PrintSummary(&out, res)
	if !strings.Contains(out.String(), "error: lake: ") {
		t.Errorf("summary does not report the lake failure:\n%s", out.String())
	}
	db := h.db(t)
	if n := queryInt(t, db, `SELECT count(DISTINCT run_id) FROM users_history`); n != 2 {
		t.Errorf("history has versions of %d runs, want both", n)
	}
	// Once the lake can be written again, the next run publishes everything.
	os.Remove(lake)
	h.sync(t, 1)
	assertLakeMatchesWarehouse(t, db, lake)
}

func TestASyncThatRunsDuckDBOutOfMemoryNamesTheBudgetAndKeepsHistory(t *testing.T) {
	t.Parallel()
	// Budgets below what config accepts (MinMemoryMB), as only a test can set them: at
	// 1 MiB DuckDB cannot even record the run, at 16 MiB the merge runs out.
	for name, tc := range map[string]struct {
		memoryMB int
		reported func(jobs.SyncResult, error) string
	}{
		"the run cannot start": {1, func(_ jobs.SyncResult, err error) string {
			if err == nil {
				return ""
			}
			return err.Error()
		}},
		"a source's merge runs out": {16, func(res jobs.SyncResult, err error) string {
			if err != nil || len(res.Sources) != 1 || res.Sources[0].Status != "failed" {
				return fmt.Sprintf("unexpected outcome %+v, %v", res.Sources, err)
			}
			return res.Sources[0].Error
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, 30, "")
			h.sync(t, 0)
			// The history is read through a warehouse of its own, closed at once: DuckDB
			// shares one database per file in a process, memory_limit included.
			history := func() string {
				w, err := load.Open(context.Background(), h.cfg.Warehouse.DuckDB, "")
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				return fingerprint(t, w.DB())
			}
			before := history()
			h.cfg.Warehouse.MemoryMB = tc.memoryMB
			h.fake.SetDay(1)
			res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Logger: zerolog.Nop(),
				Now: func() time.Time { return h.pop.Day(1).Date.Add(3 * time.Hour) }})
			msg := tc.reported(res, err)
			if want := fmt.Sprintf("raise warehouse.memory_mb (now %d MiB", tc.memoryMB); !strings.Contains(msg, want) {
				t.Errorf("reported %q, want it to say %q", msg, want)
			}
			if strings.Contains(msg, "SET memory_limit") || strings.Contains(msg, "\n") {
				t.Errorf("reported %q, still with DuckDB's advice or on several lines", msg)
			}
			if after := history(); after != before {
				t.Error("history changed although the run ran out of memory")
			}
		})
	}
}
