package jobs

import (
	"database/sql"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver, for a real out-of-memory message

	"github.com/roster-etl/roster/load"
)

// A DuckDB query that runs out of memory is reported with the roster setting that bounds
// it, instead of DuckDB's advice to change settings a roster user cannot reach.
func TestAnOutOfMemoryErrorNamesTheMemoryBudgetToRaise(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET memory_limit = '8MB'"); err != nil {
		t.Fatal(err)
	}
	// One group's list cannot spill: 8 MB is too little for ten million integers.
	_, oom := db.Exec("CREATE TABLE t AS SELECT list(range) AS l FROM range(10000000)")
	if oom == nil || !strings.Contains(oom.Error(), "Out of Memory Error") || !strings.Contains(oom.Error(), load.DuckDBAdvice) {
		t.Fatalf("DuckDB's out-of-memory message is not what explainMemory recognizes: %v", oom)
	}
	for name, tc := range map[string]struct {
		msg        string
		want, deny []string
	}{
		"DuckDB's own message": {
			msg:  "close-main: merge: " + oom.Error(),
			want: []string{"close-main: merge: Out of Memory Error", "raise warehouse.memory_mb (now 1024 MiB, of which DuckDB's memory_limit is 409 MiB)"},
			deny: []string{load.DuckDBAdvice, "SET "},
		},
		"an out-of-memory message without advice": {
			msg:  "lake people/current.parquet: Out of Memory Error: failed to allocate data of size 16.0 MiB",
			want: []string{"failed to allocate data of size 16.0 MiB — raise warehouse.memory_mb (now 1024 MiB"},
		},
		"another error": {
			msg:  "close-main: authentication failed (401)",
			want: []string{"close-main: authentication failed (401)"},
			deny: []string{"memory_mb"},
		},
	} {
		got := oneLine(explainMemory(tc.msg, 1024))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", name, got, w)
			}
		}
		for _, d := range tc.deny {
			if strings.Contains(got, d) {
				t.Errorf("%s: %q still has %q", name, got, d)
			}
		}
	}
}
