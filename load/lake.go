package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// validPartition is what a partition value (a source name, a date) may look like. Lake
// paths are built only from validated names, never from provider text.
var validPartition = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// PublishLake makes the lake agree with the warehouse. Lake files are immutable, so a
// users_history file holds the versions a run opened without the two columns a later
// run changes in DuckDB (valid_to, is_current): a reader derives them as
// lead(valid_from) over the user's versions, and the latest version is current. It: every
// committed source run gets its users_history and user_status files, every finished run
// its sync_runs and source_runs files, and each source whose users_current, user_groups
// or user_phones file is missing or does not reflect its latest change (see
// PublishSource), and each source in sources, gets them replaced; people, which spans
// sources, is replaced when it does not reflect every source's latest change. Files are
// written to a temporary name and renamed; a file name carries its run_id, so publishing
// twice writes nothing twice, and files that a crash or a failed write left missing or
// stale are published by the next call. A nil sources means every source.
func (w *Warehouse) PublishLake(ctx context.Context, sources []string) error {
	if w.Lake == "" {
		return nil
	}
	w.removeStaleTemporaries()
	force := map[string]bool{}
	all := sources == nil
	for _, s := range sources {
		force[s] = true
	}
	seen, errs := w.publishRuns(ctx, "")
	changes, err := w.lastChanges(ctx, "")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for source := range seen {
		if !validPartition.MatchString(source) {
			continue
		}
		errs = append(errs, w.refreshCurrent(ctx, source, changes[source], all || force[source]))
	}
	errs = append(errs, w.refreshPeople(ctx, changes, all))
	return errors.Join(append(errs, w.publishLedger(ctx))...)
}

// PublishSource publishes one source's part of the lake as soon as its merge is
// committed, while other sources may still be extracting: the users_history and
// user_status files of its committed runs that are missing, and its users_current,
// user_groups and user_phones files unless they already reflect the source's latest
// change (each carries the run_id of the last run that changed the source's history in
// its Parquet key-value metadata, so a night without changes rewrites nothing, and a
// snapshot whose write failed is found stale by the next call). people and the run
// ledger are left to PublishLake.
func (w *Warehouse) PublishSource(ctx context.Context, source string) error {
	if w.Lake == "" {
		return nil
	}
	if !validPartition.MatchString(source) {
		return fmt.Errorf("lake: source name %q is not a valid partition value", source)
	}
	_, errs := w.publishRuns(ctx, source)
	changes, err := w.lastChanges(ctx, source)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, w.refreshCurrent(ctx, source, changes[source], false))...)
}

// PublishPeople replaces the people file unless it already reflects every source's
// latest change: a sync calls it as soon as its last merge is committed, beside that
// source's PublishSource, and PublishLake then finds it done.
func (w *Warehouse) PublishPeople(ctx context.Context) error {
	if w.Lake == "" {
		return nil
	}
	changes, err := w.lastChanges(ctx, "")
	if err != nil {
		return err
	}
	return w.refreshPeople(ctx, changes, false)
}

// snapshotKey names, in a snapshot file's Parquet key-value metadata, the state of the
// warehouse the file reflects.
const snapshotKey = "roster_snapshot_of"

// lastChanges maps each source (only source, unless it is "") to the run_id of the last
// run that changed its history.
func (w *Warehouse) lastChanges(ctx context.Context, source string) (map[string]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT source, arg_max(run_id, valid_from) FROM users_history
		WHERE $1 = '' OR source = $1 GROUP BY source`, source)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var src, runID string
		if err := rows.Scan(&src, &runID); err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		out[src] = runID
	}
	return out, rows.Err()
}

// reflects reports whether the lake file rel exists and carries marker.
func (w *Warehouse) reflects(ctx context.Context, rel, marker string) bool {
	path := filepath.Join(w.Lake, rel)
	if _, err := os.Stat(path); err != nil {
		return false
	}
	var got string
	err := w.db.QueryRowContext(ctx, `SELECT decode(value) FROM parquet_kv_metadata(`+lit(path)+`) WHERE decode(key) = `+lit(snapshotKey)).Scan(&got)
	return err == nil && got == marker
}

// refreshCurrent replaces the source's users_current, user_groups and user_phones files
// unless force is false and all three already reflect lastChange. Lake files hold their
// rows in no particular order: sorting a million wide rows doubled the time of each
// export (measured at 300,000 users: 1.7 s sorted, 0.9 s not).
func (w *Warehouse) refreshCurrent(ctx context.Context, source, lastChange string, force bool) error {
	files := []struct{ rel, query string }{
		{filepath.Join("users_current", "source="+source, "current.parquet"),
			"SELECT * EXCLUDE (source, valid_to, is_current, is_deleted) FROM users_history WHERE source = " + lit(source) +
				" AND is_current AND NOT is_deleted"},
		// Flat tables for BI tools that cannot read nested columns.
		{filepath.Join("user_groups", "source="+source, "current.parquet"),
			"SELECT * EXCLUDE (source) FROM user_groups WHERE source = " + lit(source)},
		{filepath.Join("user_phones", "source="+source, "current.parquet"),
			"SELECT * EXCLUDE (source) FROM user_phones WHERE source = " + lit(source)},
	}
	var errs []error
	for _, f := range files {
		if force || !w.reflects(ctx, f.rel, lastChange) {
			errs = append(errs, w.replaceMarked(ctx, f.rel, f.query, lastChange))
		}
	}
	return errors.Join(errs...)
}

// refreshPeople replaces the people file unless force is false and it reflects changes.
func (w *Warehouse) refreshPeople(ctx context.Context, changes map[string]string, force bool) error {
	pairs := make([]string, 0, len(changes))
	for source, runID := range changes {
		pairs = append(pairs, source+"="+runID)
	}
	sort.Strings(pairs)
	sum := sha256.Sum256([]byte(strings.Join(pairs, "\n")))
	marker := hex.EncodeToString(sum[:])
	rel := filepath.Join("people", "current.parquet")
	if !force && w.reflects(ctx, rel, marker) {
		return nil
	}
	query := "SELECT * FROM people"
	var flat bool
	if err := w.db.QueryRowContext(ctx, peopleFlatCheck).Scan(&flat); err != nil {
		return fmt.Errorf("lake %s: %w", rel, err)
	}
	if flat {
		query = peopleFlat
	}
	return w.replaceMarked(ctx, rel, query, marker)
}

// peopleFlat is the people view (sql/migrations) computed with one list aggregate where
// the view has three: a person's sources are the prefixes of their user_keys, and the
// providers those of their sources. DuckDB builds per-group lists slowly and spills them
// early: at 1,000,000 users (about 300,000 people) under a 512 MB memory_limit on one
// thread the view took 5.5 s to write, this 1.7 s, the same rows. It holds only while
// every current user's key starts with its source and each source has one provider
// among its current users, which peopleFlatCheck tells; otherwise the view is written.
// TestThePeopleFileHoldsWhatThePeopleViewHolds compares the two.
const peopleFlat = `
WITH accounts AS (
    SELECT coalesce(email_normalized, user_key) AS person_key,
           email_normalized,
           list_sort(list(user_key)) AS user_keys,
           count(*) AS accounts,
           bool_or(is_active) AS active_anywhere,
           bool_and(is_active) AS active_everywhere
    FROM users_current
    GROUP BY coalesce(email_normalized, user_key), email_normalized
),
kinds AS (
    SELECT map(list(source), list(provider)) AS provider_of
    FROM (SELECT DISTINCT source, provider FROM users_current)
),
names AS (
    SELECT coalesce(email_normalized, user_key) AS person_key, display_name, count(*) AS n
    FROM users_current
    WHERE display_name IS NOT NULL
    GROUP BY ALL
),
best AS (
    SELECT person_key, arg_min(display_name, {'n': -n, 'name': display_name}) AS display_name
    FROM names
    GROUP BY person_key
),
sourced AS (
    SELECT *, list_sort(list_distinct([split_part(k, ':', 1) FOR k IN user_keys])) AS sources
    FROM accounts
)
SELECT s.person_key, s.email_normalized, b.display_name, s.sources,
       list_sort(list_distinct([kinds.provider_of[x] FOR x IN s.sources])) AS providers,
       s.user_keys, s.accounts, s.active_anywhere, s.active_everywhere
FROM sourced s
CROSS JOIN kinds
LEFT JOIN best b USING (person_key)`

// peopleFlatCheck tells whether peopleFlat gives what the people view gives.
const peopleFlatCheck = `
SELECT count(*) = 0 FROM (
    SELECT source FROM users_current GROUP BY source
    HAVING min(provider) <> max(provider) OR NOT bool_and(starts_with(user_key, source || ':'))
)`

// publishRuns writes the missing users_history and user_status files of the committed
// runs of source ("" for every source). It returns the sources with committed runs. Only
// the runs whose file is missing are looked up in the warehouse (a run that changed
// nothing has no users_history file, ever), so a whole lake costs no scan of
// user_status, which grows by a row per user every night.
func (w *Warehouse) publishRuns(ctx context.Context, source string) (seen map[string]bool, errs []error) {
	rows, err := w.db.QueryContext(ctx, `
		SELECT run_id, source, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d')
		FROM source_runs WHERE status = 'succeeded' AND ($1 = '' OR source = $1) ORDER BY started_at`, source)
	if err != nil {
		return nil, []error{fmt.Errorf("lake: %w", err)}
	}
	// missing holds, per table, the run files absent from the lake, in run order.
	type runFile struct{ runID, source, rel string }
	tables := [...]struct{ name, columns string }{
		{"users_history", "* EXCLUDE (source, valid_to, is_current)"},
		{"user_status", "* EXCLUDE (source)"},
	}
	var missing [len(tables)][]runFile
	seen = map[string]bool{}
	for rows.Next() {
		var r runFile
		var date string
		if err := rows.Scan(&r.runID, &r.source, &date); err != nil {
			rows.Close()
			return nil, []error{fmt.Errorf("lake: %w", err)}
		}
		seen[r.source] = true
		if !validPartition.MatchString(r.source) {
			errs = append(errs, fmt.Errorf("lake: source name %q is not a valid partition value", r.source))
			continue
		}
		for i, t := range tables {
			r.rel = filepath.Join(t.name, "source="+r.source, "run_date="+date, r.runID+".parquet")
			if _, err := os.Stat(filepath.Join(w.Lake, r.rel)); err != nil {
				missing[i] = append(missing[i], r)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, []error{fmt.Errorf("lake: %w", err)}
	}
	for i, t := range tables {
		if len(missing[i]) == 0 {
			continue
		}
		ids := make([]string, len(missing[i]))
		for j, r := range missing[i] {
			ids[j] = lit(r.runID)
		}
		// A run without rows in the table gets no file.
		filled := map[[2]string]bool{}
		rows, err := w.db.QueryContext(ctx, "SELECT DISTINCT run_id, source FROM "+t.name+" WHERE run_id IN ("+strings.Join(ids, ", ")+")")
		if err != nil {
			errs = append(errs, fmt.Errorf("lake: %w", err))
			continue
		}
		for rows.Next() {
			var k [2]string
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				errs = append(errs, fmt.Errorf("lake: %w", err))
				break
			}
			filled[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			errs = append(errs, fmt.Errorf("lake: %w", err))
			continue
		}
		for _, r := range missing[i] {
			if filled[[2]string{r.runID, r.source}] {
				errs = append(errs, w.replace(ctx, r.rel, fmt.Sprintf("SELECT %s FROM %s WHERE run_id = %s AND source = %s",
					t.columns, t.name, lit(r.runID), lit(r.source))))
			}
		}
	}
	return seen, errs
}

// publishLedger writes the missing sync_runs and source_runs files of finished runs.
func (w *Warehouse) publishLedger(ctx context.Context) error {
	finished, err := w.finishedRuns(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range finished {
		_, err := w.publish(ctx, filepath.Join("sync_runs", "run_date="+f[1], f[0]+".parquet"),
			"SELECT * FROM sync_runs WHERE run_id = "+lit(f[0]))
		errs = append(errs, err)
		_, err = w.publish(ctx, filepath.Join("source_runs", "run_date="+f[1], f[0]+".parquet"),
			"SELECT * FROM source_runs WHERE run_id = "+lit(f[0])+" ORDER BY source")
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// staleAfter is the age after which a temporary lake file is a crash's leftover. Lake
// writers in other shards may be writing their own temporaries right now, so only old
// ones are removed.
const staleAfter = 24 * time.Hour

// removeStaleTemporaries deletes temporary files that a crash left in the lake.
func (w *Warehouse) removeStaleTemporaries() {
	_ = filepath.WalkDir(w.Lake, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(d.Name(), ".tmp") {
			return nil
		}
		if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			os.Remove(path)
		}
		return nil
	})
}

// finishedRuns lists (run_id, run_date) of runs that are no longer running.
func (w *Warehouse) finishedRuns(ctx context.Context) ([][2]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT run_id, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d')
		FROM sync_runs WHERE status <> 'running' ORDER BY started_at`)
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			return nil, fmt.Errorf("lake: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// publish writes rel from query unless it already exists; it reports whether it wrote.
func (w *Warehouse) publish(ctx context.Context, rel, query string) (bool, error) {
	if _, err := os.Stat(filepath.Join(w.Lake, rel)); err == nil {
		return false, nil
	}
	return true, w.replace(ctx, rel, query)
}

// replace writes query's result to rel through a temporary file and an atomic rename.
func (w *Warehouse) replace(ctx context.Context, rel, query string) error {
	return w.replaceMarked(ctx, rel, query, "")
}

// LakeRowGroupBytes bounds the size of a lake file's row groups.
const LakeRowGroupBytes = "16MB"

// replaceMarked is replace with marker, when not empty, stored under snapshotKey in the
// file's key-value metadata.
func (w *Warehouse) replaceMarked(ctx context.Context, rel, query, marker string) error {
	final := filepath.Join(w.Lake, rel)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(final), fmt.Sprintf(".%s.%d.tmp", filepath.Base(final), time.Now().UnixNano()))
	// zstd at level 1 rather than DuckDB's default 3: 10-30% less time for each lake
	// file and no larger (measured at 300,000 users: users_current 1.1 -> 0.9 s,
	// people 1.7 -> 1.2 s, sizes within 2%, level 1's the smaller).
	// Row groups of at most LakeRowGroupBytes: DuckDB's Parquet writer holds a row group
	// per thread outside its memory_limit, and at its default of 122,880 rows a wide file
	// (users_history at 300,000 users) ran a 512 MB limit out of memory; with it a 1M
	// first night at memory_mb 1024 took 75 -> 66 s and peaked at 1.10 -> 1.03 GiB.
	options := "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE_BYTES " + lit(LakeRowGroupBytes)
	if marker != "" {
		options += fmt.Sprintf(", KV_METADATA {%s: %s}", snapshotKey, lit(marker))
	}
	copySQL := fmt.Sprintf("COPY (%s) TO %s (%s)", query, lit(tmp), options)
	write := func() error {
		_, err := w.db.ExecContext(ctx, copySQL)
		if err != nil {
			os.Remove(tmp)
		}
		return err
	}
	w.exclusive.Lock()
	defer w.exclusive.Unlock()
	label, start := rel, time.Now()
	err := write()
	if err != nil && OutOfMemory(err.Error()) {
		// Each of DuckDB's threads holds a query's state and a Parquet row group of its
		// own, outside what it can spill: on one thread the file needs the least memory.
		// At 1,000,000 users under memory_mb 640 the people file ran out of memory on
		// two threads and was written on one.
		w.step("lake "+rel+" out of memory", start)
		label, start = rel+" on one thread", time.Now()
		err = w.onOneThread(ctx, write)
	}
	w.step("lake "+label, start)
	if err != nil {
		return fmt.Errorf("lake %s: %w", label, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lake %s: %w", rel, err)
	}
	return nil
}

// lit renders a SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
