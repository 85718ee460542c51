package load_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// A listing (and its statuses) that the sink saw without a repeated user is staged
// without grouping by user: the history, the statuses and the run's counts are those of
// the grouping merge, night after night.
func TestAListingWithoutRepeatsMergesAsTheGroupingMergeDoes(t *testing.T) {
	t.Parallel()
	nights := [][]transform.UserRow{
		{user("a", "a@x.test", "admin", "g1"), user("b", "b@x.test", "user"), user("c", "c@x.test", "user", "g2")},
		{user("a", "a@x.test", "user", "g1"), user("c", "c@x.test", "user", "g2", "g3"), user("d", "d@x.test", "user")},
		{user("a", "a@x.test", "user", "g1"), user("d", "d@x.test", "admin")},
	}
	run := func(t *testing.T, unique bool) (history, statuses string, runs []load.SourceRun) {
		w := openWarehouse(t)
		for i, users := range nights {
			at := time.Date(2026, 3, 1+i, 2, 0, 0, 0, time.UTC)
			runID := string(rune('a'+i)) + "-run"
			var sts []transform.StatusRow
			for _, u := range users {
				sts = append(sts, transform.StatusRow{Source: "crm", Provider: "close", UserKey: u.UserKey, UserID: u.UserID, Status: "available"})
			}
			st := stage(t, t.TempDir(), users, sts, runID, at)
			st.UniqueListing, st.UniqueStatuses = unique, unique
			r, err := w.Merge(context.Background(), load.SourceRun{RunID: runID, Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}, st)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, r)
		}
		history = queryText(t, w.DB(), `SELECT string_agg(concat_ws('|', user_key, valid_from, valid_to, is_current, is_deleted, row_hash, email, role, changed_fields), E'\n' ORDER BY user_key, valid_from) FROM users_history`)
		statuses = queryText(t, w.DB(), `SELECT string_agg(concat_ws('|', run_id, user_key, status), E'\n' ORDER BY run_id, user_key) FROM user_status`)
		return history, statuses, runs
	}
	wantHistory, wantStatuses, wantRuns := run(t, false)
	history, statuses, runs := run(t, true)
	if history != wantHistory {
		t.Errorf("history\n%s\nwant\n%s", history, wantHistory)
	}
	if statuses != wantStatuses {
		t.Errorf("statuses\n%s\nwant\n%s", statuses, wantStatuses)
	}
	for i := range runs {
		got, want := runs[i], wantRuns[i]
		if got.Records != want.Records || got.Duplicates != want.Duplicates || got.Inserted != want.Inserted ||
			got.Updated != want.Updated || got.Deleted != want.Deleted || got.Unchanged != want.Unchanged {
			t.Errorf("night %d: %+v, want %+v", i, got, want)
		}
	}
	if wantRuns[2].Deleted != 1 || wantRuns[1].Inserted != 1 {
		t.Errorf("the nights do not change what they should: %+v", wantRuns)
	}
}

func queryText(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}
