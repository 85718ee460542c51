package load

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// rowGroups lists the row counts of the row groups DuckDB stores table in, in order.
func rowGroups(t *testing.T, w *Warehouse, table string) []int64 {
	t.Helper()
	rows, err := w.DB().QueryContext(context.Background(), `SELECT max(count) FROM pragma_storage_info($1)
		WHERE column_id = 0 GROUP BY row_group_id ORDER BY row_group_id`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var counts []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}

// appendStatuses inserts n presence rows into user_status in one statement.
func appendStatuses(t *testing.T, w *Warehouse, n int) {
	t.Helper()
	if _, err := w.DB().ExecContext(context.Background(), `INSERT INTO user_status
		SELECT 'r', now(), 's', 'p', 'k' || i, 'u' || i, 'available', NULL, NULL, NULL, NULL FROM range($1) t(i)`, n); err != nil {
		t.Fatal(err)
	}
}

func TestACheckpointLeavesAppendedRowGroupsWhereTheyAre(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if err := w.DeferCheckpoints(ctx); err != nil {
		t.Fatal(err)
	}
	// Three sources' nights of 300,000 presences each: every insert ends in a row group
	// of 54,240 rows, and four row groups around each of those fit in three.
	for range 3 {
		appendStatuses(t, w, 300_000)
	}
	before := rowGroups(t, w, "user_status")
	if err := w.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if after := rowGroups(t, w, "user_status"); !slices.Equal(after, before) {
		t.Errorf("the checkpoint rewrote user_status's row groups of %v rows into %v", before, after)
	}
	// The same rows vacuumed, as DuckDB does by default, would have been rewritten.
	appendStatuses(t, w, 1)
	if _, err := w.DB().ExecContext(ctx, "RESET max_vacuum_tasks"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB().ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	if vacuumed := rowGroups(t, w, "user_status"); slices.Equal(vacuumed[:min(len(before), len(vacuumed))], before) {
		t.Fatalf("a vacuuming checkpoint left the row groups of %v rows as they were (%v): the test's rows show nothing", before, vacuumed)
	}
}

func TestACheckpointCompactsTheFingerprintsOnceAThirdOfTheirRowsAreDeleted(t *testing.T) {
	t.Parallel()
	const rows = 600_000
	for _, tc := range []struct {
		name      string
		deletedPc int // percent of the rows deleted
		compacted bool
	}{
		{"a fifth deleted stays where it is", 20, false},
		{"three in ten deleted stays where it is", 30, false},
		{"two in five deleted are compacted", 40, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := openBare(t)
			if err := w.DeferCheckpoints(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := w.DB().ExecContext(ctx, `INSERT INTO user_fingerprints
				SELECT 's', 'k' || i, 'u' || i, md5(i::VARCHAR), NULL, 'member', false, NULL FROM range($1) t(i)`, rows); err != nil {
				t.Fatal(err)
			}
			if err := w.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			// Spread over every row group, as changed and departed users are.
			if _, err := w.DB().ExecContext(ctx, `DELETE FROM user_fingerprints
				WHERE hash(user_key) % 100 < $1`, tc.deletedPc); err != nil {
				t.Fatal(err)
			}
			if err := w.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			var live, stored int64
			if err := w.DB().QueryRowContext(ctx, `SELECT count(*), max(rowid) + 1 FROM user_fingerprints`).Scan(&live, &stored); err != nil {
				t.Fatal(err)
			}
			if compacted := stored < rows; compacted != tc.compacted {
				t.Errorf("%d rows live, %d stored after the checkpoint: compacted %v, want %v", live, stored, compacted, tc.compacted)
			}
			// 600,000 rows are five row groups: the first three, two fifths deleted,
			// fit in two; the last two do not fit in one.
			if tc.compacted && stored > rows*4/5 {
				t.Errorf("%d rows live, %d stored after compacting", live, stored)
			}
		})
	}
}

func TestACheckpointMergesTheSmallRowGroupsThatNightsPileUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if err := w.DeferCheckpoints(ctx); err != nil {
		t.Fatal(err)
	}
	// A night's run ledger and presences: a few rows each, appended after the last
	// night's checkpoint, so each night starts a row group of its own.
	const nights = 3 * spareRowGroups
	most, merged := 0, false
	for night := range nights {
		if _, err := w.DB().ExecContext(ctx, `INSERT INTO sync_runs VALUES ('r' || $1, now(), now(), 'succeeded', 'test', 'h')`, night); err != nil {
			t.Fatal(err)
		}
		appendStatuses(t, w, 50)
		if err := w.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"sync_runs", "user_status"} {
			groups := len(rowGroups(t, w, table))
			most = max(most, groups)
			if night > 0 && groups == 1 {
				merged = true
			}
		}
	}
	// One row group holds every row: the tables are compacted whenever they hold more
	// than twice that and spareRowGroups.
	if most > 2+spareRowGroups {
		t.Errorf("after %d nights a table held %d row groups, want at most %d", nights, most, 2+spareRowGroups)
	}
	if !merged {
		t.Errorf("no checkpoint in %d nights merged the nights' row groups into one", nights)
	}
	var runs int
	if err := w.DB().QueryRowContext(ctx, `SELECT count(*) FROM sync_runs`).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if runs != nights {
		t.Errorf("sync_runs holds %d rows after %d nights", runs, nights)
	}
}

func TestFragmentedLeavesPartFilledRowGroupsOfLargeInserts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		groups, rows int64
		want         bool
	}{
		{"an empty table", 0, 0, false},
		{"one small row group", 1, 3, false},
		{"as many small row groups as allowed", 2 + spareRowGroups, 100, false},
		{"one small row group more", 3 + spareRowGroups, 100, true},
		{"three large inserts a night for ten nights", 70, 7_000_000, false},
		{"a night's small row group on each of a million users' nights", 30 + 2*9, 1_100_000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fragmented(tc.groups, tc.rows); got != tc.want {
				t.Errorf("fragmented(%d row groups, %d rows) = %v, want %v", tc.groups, tc.rows, got, tc.want)
			}
		})
	}
}

// historyDigest sums a hash of every users_history row with the row count: equal
// digests, the same rows.
func historyDigest(t *testing.T, w *Warehouse) string {
	t.Helper()
	var digest string
	if err := w.DB().QueryRowContext(context.Background(), `SELECT count(*) || ':' || coalesce(sum(hash(h)), 0)
		FROM users_history h`).Scan(&digest); err != nil {
		t.Fatal(err)
	}
	return digest
}

// historyGrouped reports whether each source's current versions lie side by side,
// with no other row between them.
func historyGrouped(t *testing.T, w *Warehouse) bool {
	t.Helper()
	var scattered int
	if err := w.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM (
		SELECT source FROM users_history WHERE is_current GROUP BY source
		HAVING max(rowid) - min(rowid) + 1 <> count(*))`).Scan(&scattered); err != nil {
		t.Fatal(err)
	}
	return scattered == 0
}

func TestACheckpointRegroupsAFragmentedHistoryBySourceAndCurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if err := w.DeferCheckpoints(ctx); err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := w.DB().ExecContext(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Two sources' first night, one after the other, then nights that each close a
	// tenth of the current versions (where they lie) and append their successors, the
	// two sources' rows mixed.
	exec(`INSERT INTO users_history (user_key, source, provider, user_id, role, is_active, row_hash,
		valid_from, is_current, is_deleted, run_id)
		SELECT s || ':' || i, s, 'p', i::VARCHAR, 'member', true, md5(i::VARCHAR), TIMESTAMPTZ '2026-01-01', true, false, 'r0'
		FROM (VALUES ('a'), ('b')) v(s), range(5000) t(i) ORDER BY s`)
	const nights = 3 * spareRowGroups
	regrouped := false
	for night := 1; night <= nights; night++ {
		at := fmt.Sprintf("2026-01-%02d", night+1)
		exec(`CREATE OR REPLACE TEMP TABLE changed AS SELECT * FROM users_history
			WHERE is_current AND hash(user_key || $1) % 10 = 0`, at)
		exec(`UPDATE users_history SET is_current = false, valid_to = $1::TIMESTAMPTZ
			WHERE is_current AND user_key IN (SELECT user_key FROM changed)`, at)
		exec(`INSERT INTO users_history SELECT * REPLACE (md5(row_hash) AS row_hash, $1::TIMESTAMPTZ AS valid_from, 'r' || $2 AS run_id)
			FROM changed ORDER BY hash(user_key)`, at, night)
		before, wasGrouped := historyDigest(t, w), historyGrouped(t, w)
		if err := w.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if after := historyDigest(t, w); after != before {
			t.Fatalf("night %d: users_history held %s before the checkpoint, %s after", night, before, after)
		}
		if !wasGrouped && historyGrouped(t, w) {
			regrouped = true
		}
	}
	if !regrouped {
		t.Errorf("in %d nights no checkpoint regrouped users_history", nights)
	}
	var current, perKey int
	if err := w.DB().QueryRowContext(ctx, `SELECT count(*) FILTER (is_current), max(n) FROM users_history,
		(SELECT max(c) AS n FROM (SELECT count(*) FILTER (is_current) AS c FROM users_history GROUP BY user_key))`).Scan(&current, &perKey); err != nil {
		t.Fatal(err)
	}
	if current != 10000 || perKey != 1 {
		t.Errorf("%d current versions (at most %d a user), want 10000 (one each)", current, perKey)
	}
}

func TestARegroupingThatFailsLeavesTheHistoryAsItWas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if _, err := w.DB().ExecContext(ctx, `INSERT INTO users_history (user_key, source, provider, user_id, role, is_active,
		row_hash, valid_from, is_current, is_deleted, run_id)
		SELECT 'a:' || i, 'a', 'p', i::VARCHAR, 'member', true, md5(i::VARCHAR), TIMESTAMPTZ '2026-01-01', i % 3 > 0, false, 'r0'
		FROM range(1000) t(i)`); err != nil {
		t.Fatal(err)
	}
	before := historyDigest(t, w)
	// Another transaction's pending delete of a row the regrouping deletes makes its
	// DELETE conflict, after its copies were inserted.
	other, err := w.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, `DELETE FROM users_history WHERE user_key = 'a:7'`); err != nil {
		t.Fatal(err)
	}
	err = w.regroupHistory(ctx)
	if rbErr := other.Rollback(); rbErr != nil {
		t.Fatal(rbErr)
	}
	if err == nil {
		t.Fatal("the regrouping succeeded over a conflicting update: the test shows nothing")
	}
	if after := historyDigest(t, w); after != before {
		t.Errorf("a failed regrouping (%v) changed users_history: %s before, %s after", err, before, after)
	}
}
