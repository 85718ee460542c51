package load_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

func TestFingerprintsComeOnlyFromTheSameVersionAndConfigAndCurrentUsers(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	for i, users := range [][]transform.UserRow{
		{user("a", "a@x.io", "user"), user("b", "b@x.io", "admin")},
		{user("a", "a@x.io", "user")}, // b leaves: its fingerprint goes
	} {
		runID := []string{"r0", "r1"}[i]
		start := at.Add(time.Duration(i) * time.Hour)
		if err := w.BeginRun(ctx, load.SyncRun{RunID: runID, StartedAt: start, RosterVersion: "v1", ConfigHash: "h1"}); err != nil {
			t.Fatal(err)
		}
		st := stage(t, t.TempDir(), users, nil, runID, start)
		if _, err := w.Merge(ctx, load.SourceRun{RunID: runID, Source: "crm", Provider: "close", StartedAt: start, Complete: true}, st); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(version, hash string) []string {
		var out []string
		if err := w.Fingerprints(ctx, "crm", version, hash, func(id, fp string) error {
			out = append(out, id+"|"+fp)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"a|" + rowFingerprint(t, user("a", "a@x.io", "user"))}
	if got := collect("v1", "h1"); !slices.Equal(got, want) {
		t.Errorf("fingerprints = %q, want %q (the departed user's left out)", got, want)
	}
	if n := one(t, w, `SELECT count(*) FROM user_fingerprints`); n != "1" {
		t.Errorf("user_fingerprints holds %s rows after a user left, want 1", n)
	}
	// A fingerprint kept for a user who is not current (the merge never leaves one) is
	// not handed out: that user would be skipped as unchanged and never come back.
	if _, err := w.DB().ExecContext(ctx, `INSERT INTO user_fingerprints VALUES ('crm', 'crm:b', 'b', $1, 'b@x.io', 'admin', false, [])`,
		rowFingerprint(t, user("b", "b@x.io", "admin"))); err != nil {
		t.Fatal(err)
	}
	if got := collect("v1", "h1"); !slices.Equal(got, want) {
		t.Errorf("fingerprints = %q, want %q (a stale row of a departed user left out)", got, want)
	}
	for _, other := range [][2]string{{"v2", "h1"}, {"v1", "h2"}} {
		if got := collect(other[0], other[1]); len(got) != 0 {
			t.Errorf("version %s hash %s: got %q, want nothing", other[0], other[1], got)
		}
	}
}

func TestAMergeRefusesUsersListedUnchangedWithoutTheirFingerprint(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	a, b := user("a", "a@x.io", "user"), user("b", "b@x.io", "admin")
	st := stage(t, t.TempDir(), []transform.UserRow{a, b}, nil, "r0", at)
	if _, err := w.Merge(ctx, load.SourceRun{RunID: "r0", Source: "crm", Provider: "close", StartedAt: at, Complete: true}, st); err != nil {
		t.Fatal(err)
	}
	before := one(t, w, `SELECT string_agg(user_key || row_hash || is_current, ',' ORDER BY user_key, valid_from) FROM users_history`)
	for name, listed := range map[string]struct{ key, id, fp string }{
		"a stranger":               {"crm:zed", "zed", rowFingerprint(t, a)},
		"another fingerprint":      {a.UserKey, a.UserID, rowFingerprint(t, b)},
		"a user of another source": {"hr:a", "a", rowFingerprint(t, a)},
	} {
		next := at.Add(time.Hour)
		st := stage(t, t.TempDir(), []transform.UserRow{b}, nil, "r1", next)
		dir := t.TempDir()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		lf, err := load.NewStageFile(filepath.Join(dir, "listing.arrow"), transform.Schema(transform.SeenColumns()), mem)
		if err != nil {
			t.Fatal(err)
		}
		lb := transform.NewSeenBatch(mem)
		lb.Append(listed.key, listed.id, 7, listed.fp)
		rec := lb.NewRecord()
		if err := errors.Join(lf.Write(rec), lf.Close()); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		lb.Release()
		mem.AssertSize(t, 0)
		st.ListingFiles = append(st.ListingFiles, lf.Path())
		_, err = w.Merge(ctx, load.SourceRun{RunID: "r1", Source: "crm", Provider: "close", StartedAt: next, Complete: true}, st)
		if err == nil || !strings.Contains(err.Error(), "without a matching fingerprint") {
			t.Errorf("%s listed unchanged: merge error %v, want a refusal", name, err)
		}
		if after := one(t, w, `SELECT string_agg(user_key || row_hash || is_current, ',' ORDER BY user_key, valid_from) FROM users_history`); after != before {
			t.Errorf("%s: the refused merge changed the history", name)
		}
	}
}
