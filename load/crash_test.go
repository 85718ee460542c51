package load_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

func historyFingerprint(t *testing.T, w *load.Warehouse) string {
	t.Helper()
	var s string
	if err := w.DB().QueryRow(`SELECT coalesce(string_agg(user_key || row_hash || is_current || is_deleted, ',' ORDER BY user_key, valid_from), '')
		|| (SELECT count(*) FROM source_runs) || (SELECT count(*) FROM user_status) || (SELECT count(*) FROM data_quality)
		FROM users_history`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMergeFailingLateRollsBackEverything proves the merge is one transaction: a step
// that fails after history was already updated leaves history, statuses and the ledger
// exactly as they were.
func TestMergeFailingLateRollsBackEverything(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user"), user("b", "b@x.io", "admin")})
	before := historyFingerprint(t, w)

	at := d0.Add(24 * time.Hour)
	st := stage(t, t.TempDir(), []transform.UserRow{user("a", "a@x.io", "superuser"), user("c", "c@x.io", "user")},
		[]transform.StatusRow{{Source: "crm", Provider: "close", UserKey: "crm:a", UserID: "a", Status: "available"}}, "r1", at)
	// insert_statuses runs inside the transaction after versions were closed and opened:
	// make it fail there.
	if _, err := w.DB().Exec(`ALTER TABLE user_status RENAME TO user_status_away`); err != nil {
		t.Fatal(err)
	}
	_, err := w.Merge(context.Background(), load.SourceRun{RunID: "r1", Source: "crm", Provider: "close", StartedAt: at, Complete: true}, st)
	if err == nil || !strings.Contains(err.Error(), "insert_statuses") {
		t.Fatalf("Merge error = %v, want the failing status step", err)
	}
	if _, err := w.DB().Exec(`ALTER TABLE user_status_away RENAME TO user_status`); err != nil {
		t.Fatal(err)
	}
	if after := historyFingerprint(t, w); after != before {
		t.Errorf("a failed merge changed the warehouse:\nbefore %s\nafter  %s", before, after)
	}
}

func TestIncompleteOrEmptyListingsDeleteNobody(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user")})
	before := historyFingerprint(t, w)

	st := stage(t, t.TempDir(), nil, nil, "r1", d0.Add(time.Hour))
	if _, err := w.Merge(context.Background(), load.SourceRun{RunID: "r1", Source: "crm", Provider: "close", StartedAt: d0.Add(time.Hour), Complete: false}, st); err == nil {
		t.Error("an incomplete listing was merged")
	}
	_, err := w.Merge(context.Background(), load.SourceRun{RunID: "r2", Source: "crm", Provider: "close", StartedAt: d0.Add(2 * time.Hour), Complete: true}, st)
	if err == nil || !strings.Contains(err.Error(), "refusing to delete all 1 current users") {
		t.Errorf("empty listing: err = %v", err)
	}
	if after := historyFingerprint(t, w); after != before {
		t.Error("history changed")
	}
}

// TestLakePublishesWhatACrashLeftUnpublished removes a committed run's files (as if the
// process died between commit and rename, leaving a temporary file) and checks the next
// publish restores them, and that publishing twice changes nothing.
func TestLakePublishesWhatACrashLeftUnpublished(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user"), user("b", "b@x.io", "user")})
	merge(t, w, "r1", d0.Add(24*time.Hour), []transform.UserRow{user("a", "a@x.io", "admin")})
	if err := w.PublishLake(ctx, nil); err != nil {
		t.Fatal(err)
	}
	files := lakeFiles(t, w.Lake)
	want := []string{
		"people/current.parquet",
		"user_groups/source=crm/current.parquet",
		"user_phones/source=crm/current.parquet",
		"users_current/source=crm/current.parquet",
		"users_history/source=crm/run_date=2026-01-05/r0.parquet",
		"users_history/source=crm/run_date=2026-01-06/r1.parquet",
	}
	if strings.Join(files, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lake files:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	info, _ := os.Stat(filepath.Join(w.Lake, want[4]))

	lost := filepath.Join(w.Lake, want[5])
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(filepath.Dir(lost), ".r1.parquet.123.tmp")
	if err := os.WriteFile(stale, []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := w.PublishLake(ctx, []string{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lost); err != nil {
		t.Errorf("the unpublished file was not published: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale temporary file was left in the lake: %v", err)
	}
	again, _ := os.Stat(filepath.Join(w.Lake, want[4]))
	if !again.ModTime().Equal(info.ModTime()) {
		t.Error("an already published file was rewritten")
	}
	assertLakeMatches(t, w)
}

func lakeFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestARunLeftRunningByACrashIsMarkedFailed(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	if err := w.BeginRun(ctx, load.SyncRun{RunID: "crashed", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := w.BeginRun(ctx, load.SyncRun{RunID: "next", StartedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := w.DB().QueryRow(`SELECT status FROM sync_runs WHERE run_id = 'crashed'`).Scan(&status); err != nil || status != load.StatusFailed {
		t.Errorf("crashed run status %q (%v), want failed", status, err)
	}
}

func TestACorruptStagingFileFailsClearlyAndKeepsHistory(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user")})
	before := historyFingerprint(t, w)
	st := stage(t, t.TempDir(), []transform.UserRow{user("a", "a@x.io", "admin")}, nil, "r1", d0.Add(time.Hour))
	if err := os.WriteFile(st.UserFiles[0], []byte("PAR1 but then garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := w.Merge(context.Background(), load.SourceRun{RunID: "r1", Source: "crm", Provider: "close", StartedAt: d0.Add(time.Hour), Complete: true}, st)
	if err == nil || !strings.Contains(err.Error(), "merge stage_users") {
		t.Errorf("Merge of a corrupt staging file: %v", err)
	}
	if after := historyFingerprint(t, w); after != before {
		t.Error("history changed")
	}
}
