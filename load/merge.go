package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	rsql "github.com/roster-etl/roster/sql"
)

// Run statuses of sync_runs and source_runs.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusPartial   = "partial"
	StatusFailed    = "failed"
)

// SyncRun is a row of sync_runs.
type SyncRun struct {
	RunID         string
	StartedAt     time.Time
	FinishedAt    time.Time
	Status        string
	RosterVersion string
	ConfigHash    string
}

// SourceRun is a row of source_runs: what one run did to one source.
type SourceRun struct {
	RunID, Source, Provider string
	// StartedAt is when extraction started; it is the valid_from of the versions the
	// run opens.
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string
	Complete   bool
	Pages      int64
	Requests   int64
	Retries    int64
	// ThrottledMS is time spent waiting on rate limits, in milliseconds.
	ThrottledMS int64
	Records     int64
	Duplicates  int64
	Inserted    int64
	Updated     int64
	Deleted     int64
	Unchanged   int64
	Error       string
	// Quality is the run's data-quality report of the source (filled by Merge).
	Quality []QualityCheck
}

// QualityCheck is one row of the data_quality report.
type QualityCheck struct {
	Check string
	// Detail is the field name of a schema-drift check.
	Detail        string
	FailingRows   int64
	SampleUserIDs []string
}

// FieldCount is how many users of a listing carried a provider field.
type FieldCount struct {
	Field string
	// Known is whether the provider mapping knows the field.
	Known bool
	Users int64
}

// Staged names the staging files of one source's extraction and what the extraction
// saw of the provider's fields.
type Staged struct {
	// ListingFiles hold every user copy the listing returned (transform.SeenColumns);
	// UserFiles the full rows (transform.StagedUserColumns) of the users whose
	// fingerprint differs from the one in user_fingerprints. A listed user without a
	// full row is unchanged.
	ListingFiles []string
	UserFiles    []string
	StatusFiles  []string
	Fields       []FieldCount
	// UniqueListing says that no user id is in ListingFiles twice, UniqueStatuses that
	// none is in StatusFiles twice, so the merge need not group the rows by user. Set
	// them only when it is certain: a repeated user would then be staged twice.
	UniqueListing, UniqueStatuses bool
}

// ErrEmptyListing means a complete listing returned no users while the warehouse holds
// current users for the source: deleting them all is refused as almost certainly wrong.
var ErrEmptyListing = errors.New("listing returned no users")

// BeginRun records a run as running. A run still marked running belongs to a process
// that died (only one process can hold the warehouse), so it is marked failed first.
func (w *Warehouse) BeginRun(ctx context.Context, r SyncRun) error {
	if _, err := w.db.ExecContext(ctx, `UPDATE sync_runs SET status = $1 WHERE status = $2`, StatusFailed, StatusRunning); err != nil {
		return fmt.Errorf("sync_runs: %w", err)
	}
	_, err := w.db.ExecContext(ctx, `INSERT INTO sync_runs VALUES ($1, $2, NULL, $3, $4, $5)`,
		r.RunID, r.StartedAt.UTC(), StatusRunning, r.RosterVersion, r.ConfigHash)
	if err != nil {
		return fmt.Errorf("sync_runs: %w", err)
	}
	return nil
}

// FinishRun records a run's outcome.
func (w *Warehouse) FinishRun(ctx context.Context, r SyncRun) error {
	_, err := w.db.ExecContext(ctx, `UPDATE sync_runs SET finished_at = $2, status = $3 WHERE run_id = $1`,
		r.RunID, r.FinishedAt.UTC(), r.Status)
	if err != nil {
		return fmt.Errorf("sync_runs: %w", err)
	}
	return nil
}

// RecordFailure writes the source_runs row of a source whose extraction failed. No
// history changes.
func (w *Warehouse) RecordFailure(ctx context.Context, r SourceRun) error {
	r.Status = StatusFailed
	return w.inTx(ctx, func(tx *sql.Tx) error { return insertSourceRun(ctx, tx, r) })
}

// Merge loads one source's complete listing from its staging files into users_history
// and user_status as one transaction together with the source_runs row, and returns
// the row with its counts. Versions open at r.StartedAt. Hashing and diffing happen
// on staged tables before the transaction; the transaction only applies the result.
func (w *Warehouse) Merge(ctx context.Context, r SourceRun, staged Staged) (SourceRun, error) {
	p, err := w.PrepareMerge(ctx, r, staged)
	if err != nil {
		p.Close()
		return p.Run(), err
	}
	defer p.Close()
	return p.Apply(ctx)
}

// Preview computes what Merge would do — the counts of new, changed, deleted and
// unchanged users and the data-quality report — and changes nothing.
func (w *Warehouse) Preview(ctx context.Context, r SourceRun, staged Staged) (SourceRun, error) {
	p, err := w.PrepareMerge(ctx, r, staged)
	p.Close()
	return p.Run(), err
}

// A PendingMerge is a source's merge computed on staged tables and not yet applied:
// its counts and data-quality report are known, and nothing has changed. Sources are
// prepared side by side; their Apply calls must not overlap (one writer), and a
// source's merge must be applied before another of the same source is prepared.
type PendingMerge struct {
	w    *Warehouse
	conn *sql.Conn // the connection holding the staged (temporary) tables
	r    SourceRun
	// waited is how long Apply waited for another source's lake file to be written.
	waited time.Duration
}

// Run is the source_runs row the merge records, with its counts.
func (p *PendingMerge) Run() SourceRun { return p.r }

// Waited is how long Apply waited before it could start: the warehouse writes one lake
// file or applies one merge at a time, so a merge may wait for another source's lake
// file. That time is the lake's, not the merge's.
func (p *PendingMerge) Waited() time.Duration { return p.waited }

// Close drops the staged tables and releases their connection.
func (p *PendingMerge) Close() {
	if p.conn != nil {
		dropMergeTables(context.Background(), p.conn)
		p.conn.Close()
		p.conn = nil
	}
}

// PrepareMerge stages one source's complete listing from its staging files and
// computes its merge: which users are new, changed, unchanged and gone, and the
// data-quality report. It reads the warehouse and changes nothing in it. The returned
// merge, even on error (then holding the row's counts so far), must be closed.
func (w *Warehouse) PrepareMerge(ctx context.Context, r SourceRun, staged Staged) (*PendingMerge, error) {
	p := &PendingMerge{w: w, r: r}
	if !r.Complete {
		return p, errors.New("merge: only a complete listing can be merged")
	}
	if len(staged.UserFiles) == 0 || len(staged.ListingFiles) == 0 {
		return p, errors.New("merge: no staging files")
	}
	conn, err := w.db.Conn(ctx) // temp tables live on one connection
	if err != nil {
		return p, err
	}
	p.conn = conn
	err = p.prepare(ctx, staged)
	return p, err
}

func (p *PendingMerge) prepare(ctx context.Context, staged Staged) error {
	conn, r := p.conn, &p.r

	at := r.StartedAt.UTC()
	statuses := "empty_statuses"
	switch {
	case len(staged.StatusFiles) > 0 && staged.UniqueStatuses:
		statuses = "stage_statuses_unique"
	case len(staged.StatusFiles) > 0:
		statuses = "stage_statuses"
	}
	stageListing, stageUsers := "stage_listing", "stage_users"
	if staged.UniqueListing {
		stageListing, stageUsers = "stage_listing_unique", "stage_users_unique"
	}
	type step struct {
		name  string
		args  []any
		files []string // the staging files the statement reads as {{files}}
	}
	// A source without current versions (its first load) has nothing to compare with.
	diff := step{"diff", nil, nil}
	var hasCurrent bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users_history WHERE source = $1 AND is_current)`, r.Source).Scan(&hasCurrent); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if !hasCurrent {
		diff = step{"diff_first", nil, nil}
	}
	prepare := []step{
		{stageListing, nil, staged.ListingFiles},
		{stageUsers, nil, staged.UserFiles},
		{"stage_skipped", []any{r.Source}, nil},
		{statuses, nil, staged.StatusFiles},
		{"current", []any{r.Source}, nil},
		diff,
		{"gone", nil, nil},
		{"quality", []any{r.RunID, at, r.Source}, nil},
	}
	for _, st := range prepare {
		if err := p.execStaged(ctx, st.name, st.files, st.args...); err != nil {
			return err
		}
	}
	var inconsistent int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM stage_skipped WHERE NOT consistent`).Scan(&inconsistent); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if inconsistent > 0 {
		return fmt.Errorf("merge: %d users were skipped as unchanged without a matching fingerprint of a current user; the staging does not belong to this warehouse's state", inconsistent)
	}
	if err := stageFields(ctx, conn, staged.Fields); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, must(rsql.Merge("drift")), r.RunID, at, r.Source); err != nil {
		return fmt.Errorf("merge drift: %w", err)
	}
	var rowsRead int64
	if err := conn.QueryRowContext(ctx, must(rsql.Merge("stage_counts"))).Scan(&rowsRead, &r.Records); err != nil {
		return fmt.Errorf("merge: reading staging: %w", err)
	}
	r.Duplicates = rowsRead - r.Records
	var current int64
	if err := conn.QueryRowContext(ctx, must(rsql.Merge("diff_counts")), r.Source).Scan(
		&r.Inserted, &r.Updated, &r.Unchanged, &r.Deleted, &current); err != nil {
		return fmt.Errorf("merge counts: %w", err)
	}
	if r.Records == 0 && current > 0 {
		return fmt.Errorf("%w; refusing to delete all %d current users of %s", ErrEmptyListing, current, r.Source)
	}

	quality, err := readQuality(ctx, conn)
	if err != nil {
		return err
	}
	r.Quality = quality
	r.Status = StatusSucceeded
	return nil
}

// execStaged runs the merge statement name on the staged tables' connection, its
// {{files}} naming the relation of the staging files (when there are any).
func (p *PendingMerge) execStaged(ctx context.Context, name string, files []string, args ...any) error {
	if len(files) == 0 {
		return p.exec(ctx, p.conn, name, "", args...)
	}
	relation, release, err := stagedRelation(ctx, p.conn, "staged_files", files)
	if err != nil {
		return fmt.Errorf("merge %s: %w", name, err)
	}
	defer release()
	return p.exec(ctx, p.conn, name, relation, args...)
}

// exec runs the merge statement name, its {{files}} filled with files, and times it.
func (p *PendingMerge) exec(ctx context.Context, ex execer, name, files string, args ...any) error {
	start := time.Now()
	if _, err := ex.ExecContext(ctx, subst(must(rsql.Merge(name)), files), args...); err != nil {
		return fmt.Errorf("merge %s: %w", name, err)
	}
	p.w.step("merge "+p.r.Source+" "+name, start)
	return nil
}

// Apply applies the prepared merge in one transaction with its source_runs row and
// returns the row.
func (p *PendingMerge) Apply(ctx context.Context) (SourceRun, error) {
	if p.conn == nil {
		return p.r, errors.New("merge: applied after Close")
	}
	waitStart := time.Now()
	p.w.exclusive.Lock() // never beside a lake file (see Warehouse.exclusive)
	p.waited = time.Since(waitStart)
	defer p.w.exclusive.Unlock()
	w, conn, r := p.w, p.conn, p.r
	at := r.StartedAt.UTC()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return r, err
	}
	apply := []struct {
		name string
		args []any
	}{
		{"close_versions", []any{r.Source, at}},
		{"insert_versions", []any{at, r.RunID}},
		{"insert_tombstones", []any{at, r.RunID}},
		{"insert_statuses", nil},
		{"insert_quality", nil},
		{"insert_fields", []any{r.RunID, r.Source}},
		{"delete_fingerprints", []any{r.Source}},
		{"insert_fingerprints", []any{r.Source}},
	}
	for _, st := range apply {
		if err := p.exec(ctx, tx, st.name, "", st.args...); err != nil {
			return r, errors.Join(err, tx.Rollback())
		}
	}
	if err := insertSourceRun(ctx, tx, r); err != nil {
		return r, errors.Join(err, tx.Rollback())
	}
	commitStart := time.Now()
	if err := tx.Commit(); err != nil {
		return r, fmt.Errorf("merge commit: %w", err)
	}
	w.step("merge "+r.Source+" commit", commitStart)
	return r, nil
}

// dropMergeTables drops the temporary tables a merge or preview made on conn.
func dropMergeTables(ctx context.Context, conn *sql.Conn) {
	// merge_diff is a view after a first load's diff: a view goes first, as it depends
	// on stage_users.
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS merge_diff")
	for _, t := range []string{"stage_listing", "stage_users", "stage_skipped", "stage_statuses", "stage_fields", "merge_current", "merge_diff", "merge_gone", "merge_quality"} {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t)
	}
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertSourceRun(ctx context.Context, tx execer, r SourceRun) error {
	var errText any
	if r.Error != "" {
		errText = r.Error
	}
	_, err := tx.ExecContext(ctx, must(rsql.Merge("insert_source_run")),
		r.RunID, r.Source, r.Provider, r.StartedAt.UTC(), r.FinishedAt.UTC(), r.Status, r.Complete,
		r.Pages, r.Requests, r.Retries, r.ThrottledMS, r.Records, r.Duplicates,
		r.Inserted, r.Updated, r.Deleted, r.Unchanged, errText)
	if err != nil {
		return fmt.Errorf("source_runs: %w", err)
	}
	return nil
}

// subst fills the {{files}} placeholder of a statement.
func subst(stmt, files string) string { return strings.ReplaceAll(stmt, "{{files}}", files) }

// must unwraps an embedded statement; a missing one is a build defect caught by tests.
func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// stageFields puts the listing's field counts in the temporary table stage_fields.
func stageFields(ctx context.Context, conn *sql.Conn, fields []FieldCount) error {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE stage_fields (field VARCHAR, known BOOLEAN, users BIGINT)`); err != nil {
		return fmt.Errorf("merge stage_fields: %w", err)
	}
	for _, f := range fields {
		if _, err := conn.ExecContext(ctx, `INSERT INTO stage_fields VALUES ($1, $2, $3)`, f.Field, f.Known, f.Users); err != nil {
			return fmt.Errorf("merge stage_fields: %w", err)
		}
	}
	return nil
}

// readQuality returns the pending report, failing checks first.
func readQuality(ctx context.Context, conn *sql.Conn) ([]QualityCheck, error) {
	rows, err := conn.QueryContext(ctx, `SELECT check_name, coalesce(detail, ''), failing_rows, sample_user_ids
		FROM merge_quality ORDER BY failing_rows = 0, check_name, detail`)
	if err != nil {
		return nil, fmt.Errorf("merge quality: %w", err)
	}
	defer rows.Close()
	var out []QualityCheck
	for rows.Next() {
		var q QualityCheck
		var samples []any
		if err := rows.Scan(&q.Check, &q.Detail, &q.FailingRows, &samples); err != nil {
			return nil, fmt.Errorf("merge quality: %w", err)
		}
		for _, s := range samples {
			if id, ok := s.(string); ok {
				q.SampleUserIDs = append(q.SampleUserIDs, id)
			}
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
