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
	if _, err := w.db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", max(n, 1))); err != nil {
		return fmt.Errorf("warehouse %s: threads: %w", w.path, err)
	}
	return nil
}

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
// to 1.7 s without it, the second night's from 1.1 s to 0.2 s. Only deleted rows make a
// row group worth rewriting, and only user_fingerprints has them (a changed or departed
// user's old fingerprint, about 1% of the table a night at the bench's churn), so the
// vacuum runs when its deleted rows reach compactDeleted of the stored ones (see
// needsCompaction), and is left out otherwise.
func (w *Warehouse) Checkpoint(ctx context.Context) error {
	defer w.step("checkpoint", time.Now())
	vacuum := "SET max_vacuum_tasks = 0"
	compact, err := w.needsCompaction(ctx)
	if err != nil {
		return fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err)
	}
	if compact {
		vacuum = "RESET max_vacuum_tasks"
	}
	if _, err := w.db.ExecContext(ctx, vacuum); err != nil {
		return fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err)
	}
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("warehouse %s: checkpoint: %w", w.path, err)
	}
	return nil
}

// compactDeleted is the share of user_fingerprints' stored rows that, once deleted,
// makes the checkpoint vacuum: at a third, every run of three row groups fits in two,
// so DuckDB's vacuum (which merges three into two, or four into three) reclaims them.
const compactDeleted = 1.0 / 3

// needsCompaction reports whether deleted rows hold compactDeleted or more of
// user_fingerprints' stored rows. A row id is a row's place in storage, kept until a
// vacuum moves it, so the largest one counts the stored rows (deleted last rows aside).
func (w *Warehouse) needsCompaction(ctx context.Context) (bool, error) {
	var live, stored int64
	if err := w.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(rowid) + 1, 0) FROM user_fingerprints`).Scan(&live, &stored); err != nil {
		return false, fmt.Errorf("deleted fingerprints: %w", err)
	}
	return float64(stored-live) >= compactDeleted*float64(stored) && stored > live, nil
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
