package sql_test

import (
	"strings"
	"testing"

	rsql "github.com/roster-etl/roster/sql"
)

func TestMigrationsAreNumberedFromOne(t *testing.T) {
	t.Parallel()
	migs, err := rsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 || migs[0].Version != 1 || !strings.Contains(migs[0].SQL, "CREATE TABLE users_history") {
		t.Fatalf("migrations: %+v", migs)
	}
}

func TestEveryMergeStatementLoadUsesIsEmbedded(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"stage_users", "stage_users_unique", "stage_counts", "current", "diff", "diff_first", "gone", "diff_counts", "close_versions",
		"insert_versions", "insert_tombstones", "insert_statuses", "insert_source_run",
		"stage_statuses", "empty_statuses", "quality", "drift", "insert_quality", "insert_fields"} {
		if stmt, err := rsql.Merge(name); err != nil || strings.TrimSpace(stmt) == "" {
			t.Errorf("merge statement %q: %v", name, err)
		}
	}
	if _, err := rsql.Merge("no_such_statement"); err == nil {
		t.Error("a missing statement gave no error")
	}
}
