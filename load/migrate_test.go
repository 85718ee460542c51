package load_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/load"
	rsql "github.com/roster-etl/roster/sql"
	"github.com/roster-etl/roster/transform"
)

func TestAnOlderWarehouseIsUpgradedAndANewerOneRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := load.Open(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	migs, _ := rsql.Migrations()
	// History written at the current level, then the bookkeeping rolled back below.
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	st := stage(t, t.TempDir(), []transform.UserRow{user("a", "a@x.io", "user", "g1"), user("b", "b@x.io", "admin")}, nil, "r0", at)
	if _, err := w.Merge(ctx, load.SourceRun{RunID: "r0", Source: "crm", Provider: "close", StartedAt: at, Complete: true}, st); err != nil {
		t.Fatal(err)
	}
	// The tables of migration 1, which a warehouse at level 1 holds.
	level1Rows := func() string {
		return one(t, w, `SELECT (SELECT string_agg(user_key || row_hash || is_current, ',' ORDER BY user_key) FROM users_history)
			|| (SELECT count(*) FROM source_runs) || (SELECT count(*) FROM user_status) || (SELECT count(*) FROM sync_runs)`)
	}
	rowsBefore := level1Rows()
	// Roll the bookkeeping back as if only migration 1 had run, and drop what later ones made.
	for _, stmt := range []string{
		`DROP TABLE user_fingerprints`, `DROP VIEW data_quality_latest`, `DROP TABLE data_quality`, `DROP TABLE source_fields`,
		`DROP VIEW headcount_daily`, `DROP VIEW people`, `DROP MACRO TABLE user_phones_as_of`, `DROP VIEW user_phones`,
		`DROP MACRO TABLE user_groups_as_of`, `DROP VIEW user_groups`, `DROP VIEW user_changes`, `DROP MACRO TABLE users_as_of`,
		`DELETE FROM schema_migrations WHERE version > 1`,
	} {
		if _, err := w.DB().Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	w.Close()

	w, err = load.Open(ctx, path, "")
	if err != nil {
		t.Fatalf("upgrading: %v", err)
	}
	if after := level1Rows(); after != rowsBefore {
		t.Errorf("the upgrade lost or changed rows:\nbefore %s\nafter  %s", rowsBefore, after)
	}
	if v, _ := w.SchemaVersion(ctx); v != len(migs) {
		t.Errorf("schema version %d after upgrade, want %d", v, len(migs))
	}
	if _, err := w.DB().Exec(`SELECT * FROM data_quality_latest, people LIMIT 0`); err != nil {
		t.Errorf("upgraded warehouse lacks later objects: %v", err)
	}
	if _, err := w.DB().Exec(`INSERT INTO schema_migrations VALUES (999, 'from_the_future', now())`); err != nil {
		t.Fatal(err)
	}
	w.Close()

	_, err = load.Open(ctx, path, "")
	if !errors.Is(err, load.ErrTooNew) || !strings.Contains(err.Error(), "schema version 999") || !strings.Contains(err.Error(), "upgrade roster") {
		t.Errorf("a newer warehouse: %v", err)
	}
}
