package load_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-etl/roster/load"
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

func TestRunFilesMissingFromTheLakeAreWrittenAgainAndNoOthers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	night := func(runID string, at time.Time, users ...transform.UserRow) {
		t.Helper()
		var sts []transform.StatusRow
		for _, u := range users {
			sts = append(sts, transform.StatusRow{Source: "crm", Provider: "close", UserKey: u.UserKey, UserID: u.UserID, Status: "available"})
		}
		run := load.SourceRun{RunID: runID, Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}
		if _, err := w.Merge(ctx, run, stage(t, t.TempDir(), users, sts, runID, at)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin")
	night("r0", d0, a, b)
	night("r1", d0.Add(24*time.Hour), a, b) // changes nothing: no users_history file
	night("r2", d0.Add(48*time.Hour), user("a", "a@x.io", "superuser", "g2"))
	if err := w.PublishLake(ctx, []string{}); err != nil {
		t.Fatal(err)
	}
	file := func(table, day, run string) string {
		return filepath.Join(w.Lake, table, "source=crm", "run_date=2026-01-"+day, run+".parquet")
	}
	kept := map[string]os.FileInfo{}
	for _, p := range []string{file("users_history", "05", "r0"), file("user_status", "05", "r0"), file("user_status", "06", "r1"), file("user_status", "07", "r2")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		kept[p] = st
	}
	if _, err := os.Stat(file("users_history", "06", "r1")); !os.IsNotExist(err) {
		t.Fatalf("a run that changed nothing has a users_history file: %v", err)
	}
	lost := []string{file("users_history", "07", "r2"), file("user_status", "05", "r0")}
	for _, p := range lost {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	delete(kept, lost[1])

	if err := w.PublishSource(ctx, "crm"); err != nil {
		t.Fatal(err)
	}
	for _, p := range lost {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was not written again: %v", p, err)
		}
	}
	for p, st := range kept {
		now, err := os.Stat(p)
		if err != nil || !os.SameFile(now, st) {
			t.Errorf("%s was rewritten although it was there (%v)", p, err)
		}
	}
	if _, err := os.Stat(file("users_history", "06", "r1")); !os.IsNotExist(err) {
		t.Errorf("a run that changed nothing got a users_history file: %v", err)
	}
	assertLakeMatches(t, w)
}

func TestPublishPeopleWritesPeopleOnlyWhenASourceChanged(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	path := filepath.Join(w.Lake, "people", "current.parquet")
	file := func() os.FileInfo { // a replaced file is another file (a rename over it)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	differ := func() string {
		return one(t, w, `SELECT count(*)::VARCHAR FROM (SELECT * FROM people EXCEPT ALL SELECT * FROM read_parquet('`+path+`'))`) + "," +
			one(t, w, `SELECT count(*)::VARCHAR FROM (SELECT * FROM read_parquet('`+path+`') EXCEPT ALL SELECT * FROM people)`)
	}
	merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user"), user("b", "b@x.io", "admin")})
	if err := w.PublishPeople(ctx); err != nil {
		t.Fatal(err)
	}
	first := file()
	if d := differ(); d != "0,0" {
		t.Fatalf("people file and view differ by %s rows", d)
	}
	if err := w.PublishPeople(ctx); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(file(), first) {
		t.Error("people was written again without a change")
	}
	merge(t, w, "r1", d0.Add(24*time.Hour), []transform.UserRow{user("a", "a@x.io", "user"), user("c", "c@x.io", "user")})
	if err := w.PublishPeople(ctx); err != nil {
		t.Fatal(err)
	}
	if os.SameFile(file(), first) {
		t.Error("people was not written again after a change")
	}
	if d := differ(); d != "0,0" {
		t.Errorf("people file and view differ by %s rows after a change", d)
	}
}
