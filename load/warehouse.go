package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	// The DuckDB driver registers "duckdb" with database/sql.
	_ "github.com/duckdb/duckdb-go/v2"

	rsql "github.com/roster-etl/roster/sql"
)

// ErrInUse means another process holds the warehouse open for writing.
var ErrInUse = errors.New("warehouse is in use by another roster process")

// ErrTooNew means the warehouse was written by a newer roster than this one.
var ErrTooNew = errors.New("warehouse was written by a newer roster")

// Warehouse is an open DuckDB warehouse, migrated to the current schema.
type Warehouse struct {
	db   *sql.DB
	path string
	// Lake is the Parquet lake root, or "" when the lake is disabled.
	Lake string
	// OnStep, when set, is told how long each merge statement, lake file and checkpoint
	// took (for debug logs and profiling). A merge and another source's lake files may
	// report at the same time, so it must be safe for concurrent use.
	OnStep func(step string, took time.Duration)

	// exclusive lets one lake file or one merge's Apply run at a time. Each lake file
	// holds a query's state and a Parquet row group in memory, and side by side they ran
	// DuckDB out of a 512 MB memory_limit at 1,000,000 users. And DuckDB 1.5.5 was seen to
	// fail a lake file's scan of users_history with an internal error ("Attempting to
	// dereference an optional pointer that is not set", in a LIST of STRUCT column) while
	// another source's merge inserted into it, and then to refuse every later statement
	// (the database invalidated): a third of 100,000-user first nights failed so.
	exclusive sync.Mutex

	// threadsMu guards threads and narrowed: the threads SetThreads asked for (0 when
	// never asked: DuckDB's default), and how many lake files are being written again
	// on one thread (SetThreads applies its count when none is).
	threadsMu sync.Mutex
	threads   int
	narrowed  int
}

// step reports a finished step to OnStep.
func (w *Warehouse) step(name string, start time.Time) {
	if w.OnStep != nil {
		w.OnStep(name, time.Since(start))
	}
}

// SetMemoryLimit bounds the memory DuckDB uses: it spills to temporary files beyond
// (a query that cannot spill fails). The limit binds DuckDB's buffers,
// not its allocator's caches, so these are handed back to the system by background
// threads and flushed after any task that used more than allocatorFlush: measured on a
// first night of 1M users at memory_mb 1024, peak RSS 1.61 -> 1.33 GiB for the same time.
func (w *Warehouse) SetMemoryLimit(ctx context.Context, bytes int64) error {
	for _, q := range []string{fmt.Sprintf("SET memory_limit = '%dB'", bytes),
		"SET allocator_background_threads = true", "SET allocator_flush_threshold = '" + allocatorFlush + "'"} {
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("warehouse %s: memory limit: %w", w.path, err)
		}
	}
	return nil
}

// allocatorFlush is DuckDB's allocator_flush_threshold during a sync (its default is
// 128 MiB per thread).
const allocatorFlush = "16MB"

// SetThreads sets how many threads DuckDB's queries use (at least 1).
func (w *Warehouse) SetThreads(ctx context.Context, n int) error {
	w.threadsMu.Lock()
	defer w.threadsMu.Unlock()
	w.threads = max(n, 1)
	if w.narrowed > 0 {
		return nil // applied when the one-thread writing is over
	}
	return w.applyThreads(ctx, w.threads)
}

// applyThreads sets DuckDB's threads; 0 resets them to DuckDB's default. The caller
// holds threadsMu.
func (w *Warehouse) applyThreads(ctx context.Context, n int) error {
	q := fmt.Sprintf("SET threads = %d", n)
	if n == 0 {
		q = "RESET threads"
	}
	if _, err := w.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("warehouse %s: threads: %w", w.path, err)
	}
	return nil
}

// onOneThread runs fn with DuckDB on one thread, then gives DuckDB back the threads
// SetThreads last asked for (or its default).
func (w *Warehouse) onOneThread(ctx context.Context, fn func() error) error {
	w.threadsMu.Lock()
	if err := w.applyThreads(ctx, 1); err != nil {
		w.threadsMu.Unlock()
		return err
	}
	w.narrowed++
	w.threadsMu.Unlock()
	err := fn()
	w.threadsMu.Lock()
	defer w.threadsMu.Unlock()
	if w.narrowed--; w.narrowed == 0 {
		err = errors.Join(err, w.applyThreads(context.WithoutCancel(ctx), w.threads))
	}
	return err
}

// OutOfMemory tells whether msg is DuckDB's report of a query that ran out of its
// memory_limit: an "Out of Memory Error" or, when it could not load a block ("failed to
// pin block"), another error to which DuckDB appends advice naming memory_limit.
func OutOfMemory(msg string) bool {
	advice := strings.Index(msg, DuckDBAdvice)
	return strings.Contains(msg, "Out of Memory Error") || advice >= 0 && strings.Contains(msg[advice:], "memory_limit")
}

// DuckDBAdvice begins the advice DuckDB appends to some errors (settings to change).
const DuckDBAdvice = "Possible solutions:"

// DeferCheckpoints makes DuckDB checkpoint the run's changes once, when the warehouse
// is closed (or Checkpoint is called), instead of at every commit that takes the WAL past
// 16 MB: measured at 1,000,000 users, those checkpoints cost a few seconds each in the
// middle of other sources' listings (an incremental night 49.6 s -> 43.6 s, a full one
// 81.7 s -> 78.4 s). The WAL keeps every commit durable meanwhile; a process killed
// before the checkpoint leaves it to be replayed when the warehouse is next opened.
func (w *Warehouse) DeferCheckpoints(ctx context.Context) error {
	if _, err := w.db.ExecContext(ctx, "SET checkpoint_threshold = '16GB'"); err != nil {
		return fmt.Errorf("warehouse %s: %w", w.path, err)
	}
	return nil
}

// Checkpoint writes what the WAL holds into the database file. DuckDB's checkpoint
// also vacuums: it rewrites any run of adjacent row groups that would fit in fewer. A
// night's appends end in part-filled row groups (a 300,000-row insert leaves one of
// 54,240 rows), so a checkpoint kept rewriting rows that lose nothing by staying where
// they are: measured at 1,000,000 users, the first night's checkpoint went from 4.3 s
// to 1.7 s without it, the second night's from 1.1 s to 0.2 s. So the vacuum runs only
// when the tables need it (see needsUpkeep): when deleted rows reach compactDeleted of
// user_fingerprints' stored ones (a changed or departed user's old fingerprint, about
// 1% of the table a night at the bench's churn; no other table deletes), or when a
// table's small row groups have piled up (see fragmented); users_history's current
// versions are then regrouped first (see regroupHistory). A regrouping that fails
// leaves users_history as it was and the checkpoint is made all the same; the error
// reports both.
func (w *Warehouse) Checkpoint(ctx context.Context) error {
	defer w.step("checkpoint", time.Now())
	u, err := w.needsUpkeep(ctx)
	if err != nil {
		return fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err)
	}
	var regroupErr error
	if u.regroupHistory {
		if regroupErr = w.regroupHistory(ctx); regroupErr != nil {
			regroupErr = fmt.Errorf("warehouse %s: regrouping users_history (left as it was): %w", w.path, regroupErr)
		}
	}
	vacuum := "SET max_vacuum_tasks = 0"
	if u.vacuum {
		vacuum = "RESET max_vacuum_tasks"
	}
	if _, err := w.db.ExecContext(ctx, vacuum); err != nil {
		return errors.Join(regroupErr, fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err))
	}
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return errors.Join(regroupErr, fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err))
	}
	return regroupErr
}

// compactDeleted is the share of user_fingerprints' stored rows that, once deleted,
// makes the checkpoint vacuum: at a third, every run of three row groups fits in two,
// so DuckDB's vacuum (which merges three into two, or four into three) reclaims them.
const compactDeleted = 1.0 / 3

// upkeep is what a checkpoint does besides writing the WAL into the database file.
type upkeep struct {
	vacuum         bool // let DuckDB merge row groups and reclaim deleted rows
	regroupHistory bool // regroup users_history's current versions first (see regroupHistory)
}

// needsUpkeep tells what the checkpoint should do: vacuum when deleted rows hold
// compactDeleted or more of user_fingerprints' stored rows, or when some table is
// fragmented; regroup users_history when it is the one fragmented. A row id is a
// row's place in storage, kept until a vacuum moves it, so the largest one counts the
// stored rows (deleted last rows aside).
func (w *Warehouse) needsUpkeep(ctx context.Context) (upkeep, error) {
	var u upkeep
	var live, stored int64
	if err := w.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(rowid) + 1, 0) FROM user_fingerprints`).Scan(&live, &stored); err != nil {
		return u, fmt.Errorf("deleted fingerprints: %w", err)
	}
	u.vacuum = float64(stored-live) >= compactDeleted*float64(stored) && stored > live
	tables, err := w.tableSizes(ctx)
	if err != nil {
		return u, fmt.Errorf("row groups: %w", err)
	}
	for _, t := range tables {
		var groups int64
		if err := w.db.QueryRowContext(ctx, `SELECT count(DISTINCT row_group_id) FROM pragma_storage_info(`+lit(t.name)+`)`).Scan(&groups); err != nil {
			return u, fmt.Errorf("row groups of %s: %w", t.name, err)
		}
		if fragmented(groups, t.rows) {
			u.vacuum = true
			u.regroupHistory = u.regroupHistory || t.name == "users_history"
		}
	}
	return u, nil
}

// regroupHistory moves, in one transaction, each source's current versions of
// users_history side by side at its end, away from the closed ones. Nights scatter them:
// a changed user's old version is closed where it lies, among the current ones, and its
// new one is appended with the other sources' among a night's few rows. Every merge
// reads a source's current versions whole (diff and gone: DuckDB has no index to fetch
// the few it needs), and DuckDB reads them fastest where nothing else lies between
// them: at 100,000 users, a source's diff took 30-37 ms on the second night, 55-86 ms
// on the thirtieth, 39-45 ms on the thirtieth regrouped. The closed versions stay where
// they are; the vacuum that follows packs what is left of their row groups, whose
// statistics then let every query for current versions skip them. So a regrouping
// copies the directory (about 1,000,000 rows at a million users), never the whole
// history, however long: 14 s at 1,000,000 users after two nights, most of it the
// checkpoint that writes the new row groups, and it is done with the vacuum, when
// users_history is fragmented: about every tenth night at 100,000 users, every
// sixteenth at a million. The copy needs room beside the rows it replaces: the file
// keeps their blocks as free space that later nights' writes fill (at 1,000,000 users
// it went from 418 MB to 858 MB, half of it free). The rows are the same before and
// after; only their row ids and order change, which nothing relies on.
func (w *Warehouse) regroupHistory(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	sources, err := queryStrings(ctx, conn, `SELECT DISTINCT source FROM users_history ORDER BY source`)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Rows this transaction inserts have row ids above any stored row's.
	var stored int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(rowid) + 1, 0) FROM users_history`).Scan(&stored); err != nil {
		return err
	}
	for _, source := range sources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users_history SELECT * FROM users_history
			WHERE source = $1 AND is_current AND rowid < $2`, source, stored); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM users_history WHERE is_current AND rowid < $1`, stored); err != nil {
		return err
	}
	return tx.Commit()
}

// queryStrings runs a query of one string column on conn.
func queryStrings(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// tableSize is a warehouse table and the number of rows DuckDB estimates it holds.
type tableSize struct {
	name string
	rows int64
}

// tableSizes lists the warehouse's own tables with their estimated row counts.
func (w *Warehouse) tableSizes(ctx context.Context) ([]tableSize, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT table_name, estimated_size FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sizes []tableSize
	for rows.Next() {
		var t tableSize
		if err := rows.Scan(&t.name, &t.rows); err != nil {
			return nil, err
		}
		sizes = append(sizes, t)
	}
	return sizes, rows.Err()
}

// rowGroupRows is how many rows DuckDB puts in a full row group.
const rowGroupRows = 122_880

// spareRowGroups is how many row groups a table may hold beyond twice what its rows need
// before the checkpoint vacuums it.
const spareRowGroups = 8

// fragmented reports whether a table of rows rows kept in groups row groups has piled up
// small ones. Rows appended after a checkpoint start a row group of their own, so every
// night adds one to each table it writes to, however few its rows (a sync_runs row, a
// night's thousand changed users): left alone, a year of nights is a year of row
// groups, and every query's first read of a table pays for each (a source's current
// keys at 100,000 users took 54 ms to read cold after 30 nights, 8 ms once compacted).
// Twice the row groups the rows need leaves alone the part-filled row group each large
// insert ends in (user_status takes three a night that no vacuum can merge into their
// full neighbours); spareRowGroups more lets small appends gather for about as many
// nights before one vacuum merges them. That vacuum is not cheap where the rows are
// many (it merges every part-filled row group that fits in fewer, in every table: 6.1 s
// against 0.06 s for a checkpoint of a 1,000,000-user warehouse after two nights), so
// at a million users it comes about every sixteenth night rather than every night.
func fragmented(groups, rows int64) bool {
	need := (rows + rowGroupRows - 1) / rowGroupRows
	return groups > 2*need+spareRowGroups
}

// Open opens (creating if needed) the DuckDB file at path ("" for an in-memory
// warehouse), applies pending migrations
// in one transaction, and refuses a warehouse written by a newer roster.
func Open(ctx context.Context, path, lake string) (*Warehouse, error) {
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("warehouse %s: %w", path, err)
		}
	}
	db, err := sql.Open("duckdb", path)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if strings.Contains(err.Error(), "lock") {
			return nil, fmt.Errorf("warehouse %s: %w: %s", path, ErrInUse, firstLine(err.Error()))
		}
		return nil, fmt.Errorf("warehouse %s: %w", path, err)
	}
	w := &Warehouse{db: db, path: path, Lake: lake}
	// No statement relies on the order rows were inserted in (lake files have none), and
	// lake files' row groups are bounded by bytes, which DuckDB refuses while it keeps it.
	if _, err := db.ExecContext(ctx, "SET preserve_insertion_order = false"); err != nil {
		db.Close()
		return nil, fmt.Errorf("warehouse %s: %w", path, err)
	}
	if err := w.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("warehouse %s: %w", path, err)
	}
	return w, nil
}

// DB exposes the database for read-only queries (roster sql, tests).
func (w *Warehouse) DB() *sql.DB { return w.db }

// Path is the DuckDB file's path.
func (w *Warehouse) Path() string { return w.path }

// Close closes the database.
func (w *Warehouse) Close() error { return w.db.Close() }

func (w *Warehouse) migrate(ctx context.Context) error {
	migs, err := rsql.Migrations()
	if err != nil {
		return err
	}
	if _, err := w.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	var have int
	if err := w.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	if have > len(migs) {
		return fmt.Errorf("%w: schema version %d, this roster knows up to %d; upgrade roster", ErrTooNew, have, len(migs))
	}
	for _, m := range migs[have:] {
		if err := w.inTx(ctx, func(tx *sql.Tx) error {
			for _, stmt := range splitStatements(m.SQL) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES ($1, $2, $3)`, m.Version, m.Name, time.Now().UTC())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion returns the applied schema version.
func (w *Warehouse) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := w.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (w *Warehouse) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// splitStatements splits a migration file on semicolons at line ends. Migrations keep
// one statement per semicolon-terminated block and no semicolons inside literals.
func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		if strings.TrimSpace(stripComments(part)) != "" {
			out = append(out, part)
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
