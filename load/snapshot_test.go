package load_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-etl/roster/transform"
)

func TestLakeSnapshotsAreRewrittenOnlyWhenTheyDoNotReflectTheLatestChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	day := func(i int) time.Time { return d0.Add(time.Duration(i) * 24 * time.Hour) }
	snapshots := []string{
		filepath.Join(w.Lake, "users_current", "source=crm", "current.parquet"),
		filepath.Join(w.Lake, "user_groups", "source=crm", "current.parquet"),
		filepath.Join(w.Lake, "user_phones", "source=crm", "current.parquet"),
		filepath.Join(w.Lake, "people", "current.parquet"),
	}
	stats := func() []os.FileInfo {
		var out []os.FileInfo
		for _, p := range snapshots {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, st)
		}
		return out
	}
	publish := func() {
		t.Helper()
		if err := w.PublishSource(ctx, "crm"); err != nil {
			t.Fatal(err)
		}
		if err := w.PublishLake(ctx, []string{}); err != nil {
			t.Fatal(err)
		}
	}
	users := []transform.UserRow{user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin")}
	merge(t, w, "r0", day(0), users)
	publish()
	first := stats()

	// A night without changes rewrites no snapshot.
	merge(t, w, "r1", day(1), users)
	publish()
	for i, st := range stats() {
		if !os.SameFile(st, first[i]) {
			t.Errorf("%s was rewritten although nothing changed", snapshots[i])
		}
	}

	// A change rewrites them.
	merge(t, w, "r2", day(2), []transform.UserRow{user("a", "a@x.io", "superuser", "g2"), user("b", "b@x.io", "admin")})
	publish()
	for i, st := range stats() {
		if os.SameFile(st, first[i]) {
			t.Errorf("%s was not rewritten after a change", snapshots[i])
		}
	}
	assertLakeMatches(t, w)

	// A snapshot whose write failed (here: an older file put back) is found stale by the
	// next publish, even on a night without changes.
	old := filepath.Join(t.TempDir(), "old.parquet")
	if _, err := w.DB().Exec(`COPY (SELECT * FROM read_parquet('` + snapshots[0] + `') LIMIT 1) TO '` + old + `' (FORMAT parquet, KV_METADATA {roster_snapshot_of: 'r0'})`); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(old, snapshots[0]); err != nil {
		t.Fatal(err)
	}
	merge(t, w, "r3", day(3), []transform.UserRow{user("a", "a@x.io", "superuser", "g2"), user("b", "b@x.io", "admin")})
	if err := w.PublishLake(ctx, []string{}); err != nil {
		t.Fatal(err)
	}
	assertLakeMatches(t, w)
}
