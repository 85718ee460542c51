package bench

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestRosterAndTheReferenceAgreeOnTheCanonicalColumns is the benchmark at 10,000 users
// as a correctness check, not a timing: the pages roster was served, read by DuckDB
// alone, give the same canonical rows as roster's warehouse.
func TestRosterAndTheReferenceAgreeOnTheCanonicalColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if _, _, err := Record(ctx, 7, 10_000, dir, 1); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "reference")
	if _, err := Reference(ctx, night(dir, 0), sourceNames, ref); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ATTACH '` + filepath.Join(dir, "record", "r.duckdb") + `' AS roster (READ_ONLY)`); err != nil {
		t.Fatal(err)
	}
	rosterRows := `SELECT ` + referenceColumns + ` FROM (SELECT source, user_id, email_normalized, first_name, last_name, role, is_active,
		list_transform(phones, p -> p.raw) AS phones FROM roster.users_current)`
	refRows := `SELECT ` + referenceColumns + ` FROM read_parquet('` + ref + `/*/*.parquet', hive_partitioning = true)`

	counts := map[string]int64{}
	for _, src := range []string{"roster", "reference"} {
		q := rosterRows
		if src == "reference" {
			q = refRows
		}
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM (` + q + `)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[src] = n
	}
	if counts["roster"] < 9_000 || counts["roster"] != counts["reference"] {
		t.Errorf("roster has %d users, the reference %d", counts["roster"], counts["reference"])
	}
	for _, d := range []struct{ name, a, b string }{{"only roster", rosterRows, refRows}, {"only the reference", refRows, rosterRows}} {
		rows, err := db.Query(`SELECT to_json(x)::VARCHAR FROM ((` + d.a + `) EXCEPT ALL (` + d.b + `)) x ORDER BY ALL LIMIT 5`)
		if err != nil {
			t.Fatal(err)
		}
		var diff []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			diff = append(diff, s)
		}
		rows.Close()
		if len(diff) > 0 {
			t.Errorf("rows %s has (first %d):\n%s", d.name, len(diff), strings.Join(diff, "\n"))
		}
	}
}
