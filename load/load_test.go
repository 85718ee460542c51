package load_test

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// rowFingerprint stands in for the raw user's fingerprint the sink computes: equal rows
// get equal fingerprints.
func rowFingerprint(t testing.TB, u transform.UserRow) string {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", md5.Sum(b))
}

// stage writes users (and statuses) of one run to staging files and returns them.
func stage(t testing.TB, dir string, users []transform.UserRow, statuses []transform.StatusRow, runID string, at time.Time) load.Staged {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	uf, err := load.NewStageFile(filepath.Join(dir, runID, "users.arrow"), transform.Schema(transform.StagedUserColumns()), mem)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := load.NewStageFile(filepath.Join(dir, runID, "listing.arrow"), transform.Schema(transform.SeenColumns()), mem)
	if err != nil {
		t.Fatal(err)
	}
	ub := transform.NewUserBatch(mem)
	lb := transform.NewSeenBatch(mem)
	for i, u := range users {
		u.Fingerprint = rowFingerprint(t, u)
		ub.Append(u, int64(i))
		lb.Append(u.UserKey, u.UserID, int64(i), u.Fingerprint)
	}
	urec, lrec := ub.NewRecord(), lb.NewRecord()
	if err := errors.Join(uf.Write(urec), lf.Write(lrec)); err != nil {
		t.Fatal(err)
	}
	urec.Release()
	lrec.Release()
	ub.Release()
	lb.Release()
	if err := errors.Join(uf.Close(), lf.Close()); err != nil {
		t.Fatal(err)
	}
	st := load.Staged{UserFiles: []string{uf.Path()}, ListingFiles: []string{lf.Path()}}
	if len(statuses) > 0 {
		sf, err := load.NewStageFile(filepath.Join(dir, runID, "status.arrow"), transform.Schema(transform.StatusColumns()), mem)
		if err != nil {
			t.Fatal(err)
		}
		sb := transform.NewStatusBatch(mem, runID, at)
		for _, s := range statuses {
			sb.Append(s)
		}
		rec := sb.NewRecord()
		if err := sf.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		sb.Release()
		if err := sf.Close(); err != nil {
			t.Fatal(err)
		}
		st.StatusFiles = []string{sf.Path()}
	}
	return st
}

func user(id, email, role string, groups ...string) transform.UserRow {
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	u := extract.User{ID: id, Email: email, FirstName: "F" + id, LastName: "L", Role: role, UpdatedAt: "2026-01-01T00:00:00.000000+00:00"}
	for _, g := range groups {
		u.Groups = append(u.Groups, extract.Group{ID: g, Name: g, Kind: "group"})
	}
	return m.User(u)
}

func openWarehouse(t *testing.T) *load.Warehouse {
	t.Helper()
	dir := t.TempDir()
	w, err := load.Open(context.Background(), filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func merge(t *testing.T, w *load.Warehouse, runID string, at time.Time, users []transform.UserRow) load.SourceRun {
	t.Helper()
	st := stage(t, t.TempDir(), users, nil, runID, at)
	r, err := w.Merge(context.Background(), load.SourceRun{RunID: runID, Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}, st)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func versions(t *testing.T, db *sql.DB, key string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT run_id || ':' || CASE WHEN is_deleted THEN 'deleted' ELSE 'live' END || ':' || coalesce(array_to_string(changed_fields, ','), '-') || ':' || CASE WHEN is_current THEN 'current' ELSE 'closed' END
		FROM users_history WHERE user_key = $1 ORDER BY valid_from`, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestMergeKeepsSCD2History(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	d1, d2, d3 := d0.Add(24*time.Hour), d0.Add(48*time.Hour), d0.Add(72*time.Hour)

	r := merge(t, w, "r0", d0, []transform.UserRow{user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin"), user("c", "c@x.io", "user")})
	if r.Inserted != 3 || r.Updated != 0 || r.Deleted != 0 {
		t.Fatalf("day 0 counts: %+v", r)
	}
	// a changes role and group, b leaves, c unchanged, d is hired.
	r = merge(t, w, "r1", d1, []transform.UserRow{user("a", "a@x.io", "superuser", "g2"), user("c", "c@x.io", "user"), user("d", "d@x.io", "user")})
	if r.Inserted != 1 || r.Updated != 1 || r.Deleted != 1 || r.Unchanged != 1 {
		t.Fatalf("day 1 counts: %+v", r)
	}
	// b comes back; identical listing otherwise.
	r = merge(t, w, "r2", d2, []transform.UserRow{user("a", "a@x.io", "superuser", "g2"), user("b", "b@x.io", "admin"), user("c", "c@x.io", "user"), user("d", "d@x.io", "user")})
	if r.Inserted != 1 || r.Updated != 0 || r.Deleted != 0 || r.Unchanged != 3 {
		t.Fatalf("day 2 counts: %+v", r)
	}
	// identical re-run: nothing.
	r = merge(t, w, "r3", d3, []transform.UserRow{user("a", "a@x.io", "superuser", "g2"), user("b", "b@x.io", "admin"), user("c", "c@x.io", "user"), user("d", "d@x.io", "user")})
	if r.Inserted+r.Updated+r.Deleted != 0 || r.Unchanged != 4 {
		t.Fatalf("day 3 counts: %+v", r)
	}

	for key, want := range map[string][]string{
		"crm:a": {"r0:live:-:closed", "r1:live:role,role_raw,groups:current"},
		"crm:b": {"r0:live:-:closed", "r1:deleted:is_deleted:closed", "r2:live:is_deleted:current"},
		"crm:c": {"r0:live:-:current"},
		"crm:d": {"r1:live:-:current"},
	} {
		if got := versions(t, w.DB(), key); !slices.Equal(got, want) {
			t.Errorf("%s versions = %q, want %q", key, got, want)
		}
	}
	if err := w.PublishLake(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	assertLakeMatches(t, w)
}

// assertLakeMatches reads the lake back with hive partitioning and checks that it
// holds exactly the warehouse's rows, valid_to and is_current derived from the log.
func assertLakeMatches(t *testing.T, w *load.Warehouse) {
	t.Helper()
	lake := `read_parquet('` + w.Lake + `/users_history/**/*.parquet', hive_partitioning = true)`
	derived := `SELECT * EXCLUDE (run_date),
		lead(valid_from) OVER (PARTITION BY user_key ORDER BY valid_from) AS valid_to,
		lead(valid_from) OVER (PARTITION BY user_key ORDER BY valid_from) IS NULL AS is_current FROM ` + lake
	var names []string
	for _, c := range append(transform.UserColumns(), transform.HistoryColumns()...) {
		names = append(names, c.Name)
	}
	cols := strings.Join(names, ", ")
	for name, q := range map[string]string{
		"warehouse rows missing from the lake": `SELECT count(*) FROM (SELECT ` + cols + ` FROM users_history EXCEPT ALL SELECT ` + cols + ` FROM (` + derived + `))`,
		"lake rows missing from the warehouse": `SELECT count(*) FROM (SELECT ` + cols + ` FROM (` + derived + `) EXCEPT ALL SELECT ` + cols + ` FROM users_history)`,
	} {
		var n int
		err := w.DB().QueryRow(q).Scan(&n)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n != 0 {
			t.Errorf("%s: %d", name, n)
		}
	}
}

func TestAListingMarkedUniqueIsMergedAsAGroupedOne(t *testing.T) {
	t.Parallel()
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	phoned := m.User(extract.User{ID: "p", Email: "not-an-email", FirstName: "P", Phones: []extract.Phone{{Raw: "+1 650 253 0000", Kind: "mobile"}, {Raw: "+1 (000) 000-0000 5", Kind: "office"}}})
	nights := [][]transform.UserRow{
		{user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin"), phoned},
		{user("a", "a@x.io", "superuser", "g2"), phoned, user("d", "d@x.io", "user")},
	}
	state := func(unique bool) string {
		w := openWarehouse(t)
		for i, users := range nights {
			at := d0.Add(time.Duration(i) * 24 * time.Hour)
			st := stage(t, t.TempDir(), users, nil, fmt.Sprintf("r%d", i), at)
			st.UniqueListing = unique
			r, err := w.Merge(context.Background(), load.SourceRun{RunID: fmt.Sprintf("r%d", i), Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}, st)
			if err != nil {
				t.Fatal(err)
			}
			if r.Inserted+r.Updated+r.Deleted == 0 {
				t.Fatalf("night %d changed nothing: %+v", i, r)
			}
		}
		return one(t, w, `SELECT string_agg(user_key || row_hash || is_current || coalesce(array_to_string(changed_fields, ','), '-'), ' ' ORDER BY user_key, valid_from) FROM users_history`) + " | " +
			one(t, w, `SELECT string_agg(check_name || failing_rows, ' ' ORDER BY run_id, check_name, detail) FROM data_quality`) + " | " +
			one(t, w, `SELECT string_agg(user_key || fingerprint || invalid_phone || array_to_string(issues, ','), ' ' ORDER BY user_key) FROM user_fingerprints`)
	}
	if grouped, unique := state(false), state(true); grouped != unique {
		t.Errorf("merged as unique:\n%s\nmerged grouped:\n%s", unique, grouped)
	}
}

func TestMergesPreparedSideBySideApplyAsMergesOneAfterTheOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	hr := transform.Mapper{Source: "hr", Provider: "close", Region: "US", Location: time.UTC}
	hrUser := func(id, role string) transform.UserRow {
		return hr.User(extract.User{ID: id, Email: id + "@x.io", FirstName: "F" + id, LastName: "L", Role: role})
	}
	nights := []map[string][]transform.UserRow{
		{"crm": {user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin")}, "hr": {hrUser("a", "user"), hrUser("z", "admin")}},
		{"crm": {user("a", "a@x.io", "superuser", "g2"), user("c", "c@x.io", "user")}, "hr": {hrUser("z", "user")}},
	}
	run := func(source string, night int) load.SourceRun {
		at := d0.Add(time.Duration(night) * 24 * time.Hour)
		return load.SourceRun{RunID: fmt.Sprintf("r%d", night), Source: source, Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}
	}
	state := func(w *load.Warehouse) string {
		return one(t, w, `SELECT string_agg(user_key || row_hash || is_current || is_deleted || coalesce(array_to_string(changed_fields, ','), '-'), ' ' ORDER BY user_key, valid_from) FROM users_history`) + " | " +
			one(t, w, `SELECT string_agg(source || inserted || updated || deleted || unchanged, ' ' ORDER BY run_id, source) FROM source_runs`) + " | " +
			one(t, w, `SELECT string_agg(user_key || fingerprint, ' ' ORDER BY user_key) FROM user_fingerprints`)
	}
	sequential, sideBySide := openWarehouse(t), openWarehouse(t)
	for night, listings := range nights {
		for _, source := range []string{"crm", "hr"} {
			if _, err := sequential.Merge(ctx, run(source, night), stage(t, t.TempDir(), listings[source], nil, fmt.Sprintf("r%d", night), d0)); err != nil {
				t.Fatal(err)
			}
		}
		var pending []*load.PendingMerge
		for _, source := range []string{"crm", "hr"} {
			p, err := sideBySide.PrepareMerge(ctx, run(source, night), stage(t, t.TempDir(), listings[source], nil, fmt.Sprintf("r%d", night), d0))
			if err != nil {
				p.Close()
				t.Fatal(err)
			}
			defer p.Close()
			pending = append(pending, p)
		}
		for _, p := range pending {
			if _, err := p.Apply(ctx); err != nil {
				t.Fatal(err)
			}
			p.Close()
			if _, err := p.Apply(ctx); err == nil {
				t.Error("a merge was applied again after Close")
			}
		}
	}
	if got, want := state(sideBySide), state(sequential); got != want {
		t.Errorf("prepared side by side:\n%s\nmerged one after the other:\n%s", got, want)
	}
}

func TestAMergeThatWaitsForALakeFileReportsTheWaitApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	w := openWarehouse(t)
	const held = 300 * time.Millisecond
	for night, hold := range []bool{true, false} {
		run := load.SourceRun{RunID: fmt.Sprintf("r%d", night), Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}
		p, err := w.PrepareMerge(ctx, run, stage(t, t.TempDir(), []transform.UserRow{user("a", "a@x.io", "user")}, nil, run.RunID, at))
		if err != nil {
			p.Close()
			t.Fatal(err)
		}
		if hold {
			release := w.HoldExclusive() // another source's lake file is being written
			time.AfterFunc(held, release)
		}
		start := time.Now()
		_, err = p.Apply(ctx)
		took := time.Since(start)
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch waited := p.Waited(); {
		case waited > took:
			t.Errorf("night %d: waited %v, longer than the whole apply (%v)", night, waited, took)
		case hold && waited < held/2:
			t.Errorf("night %d: the lake file held the warehouse for %v, the merge reports waiting %v", night, held, waited)
		case !hold && waited >= held/2:
			t.Errorf("night %d: nothing held the warehouse, the merge reports waiting %v", night, waited)
		}
	}
}
