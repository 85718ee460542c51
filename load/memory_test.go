package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// openBare opens a fresh warehouse without a lake, closed when the test ends.
func openBare(t *testing.T) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestSetMemoryLimitBoundsDuckDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if err := w.SetMemoryLimit(ctx, 300<<20); err != nil {
		t.Fatal(err)
	}
	var limit, order, background, flush string
	if err := w.DB().QueryRowContext(ctx, `SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')::VARCHAR,
		current_setting('allocator_background_threads')::VARCHAR, current_setting('allocator_flush_threshold')`).Scan(&limit, &order, &background, &flush); err != nil {
		t.Fatal(err)
	}
	if limit != "300.0 MiB" || order != "false" || background != "true" || flush != "15.2 MiB" {
		t.Errorf("memory_limit %q, preserve_insertion_order %q, allocator_background_threads %q, allocator_flush_threshold %q; want 300.0 MiB, false, true and 15.2 MiB",
			limit, order, background, flush)
	}
}

func TestDeferredCheckpointsKeepCommitsInTheWALUntilCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	w, err := Open(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.DeferCheckpoints(ctx); err != nil {
		t.Fatal(err)
	}
	// Well past the default 16 MB threshold: without deferral this commit checkpoints.
	if _, err := w.DB().ExecContext(ctx, `INSERT INTO sync_runs SELECT 'r' || i, now(), NULL, 'failed', repeat('x', 300), NULL FROM range(100000) t(i)`); err != nil {
		t.Fatal(err)
	}
	walSize := func() int64 {
		st, err := os.Stat(path + ".wal")
		if err != nil {
			return 0
		}
		return st.Size()
	}
	// Without deferral, the next commit after the WAL passed 16 MB checkpoints it.
	if _, err := w.DB().ExecContext(ctx, `INSERT INTO sync_runs VALUES ('x', now(), NULL, 'failed', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if walSize() < 16<<20 {
		t.Fatalf("WAL holds %d bytes after two commits; it was checkpointed", walSize())
	}
	if err := w.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if n := walSize(); n != 0 {
		t.Errorf("WAL holds %d bytes after Checkpoint", n)
	}
}

func TestSetThreadsGivesDuckDBAtLeastOneThread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	for _, tt := range []struct{ set, want int64 }{{3, 3}, {1, 1}, {0, 1}, {-1, 1}} {
		if err := w.SetThreads(ctx, int(tt.set)); err != nil {
			t.Fatal(err)
		}
		var got int64
		if err := w.DB().QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("SetThreads(%d): threads = %d, want %d", tt.set, got, tt.want)
		}
	}
}

func TestLakeFilesLargerThanDuckDBsMemoryLimitAreWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openWithLake(t)
	// About 90 MB of wide rows, written under a 48 MB limit on one thread: DuckDB's
	// Parquet writer holds a row group outside what it can spill, and its default row
	// group (122,880 rows, ~50 MB here) does not fit.
	wideTable(t, w)
	if err := w.SetMemoryLimit(ctx, 48<<20); err != nil {
		t.Fatal(err)
	}
	if err := w.SetThreads(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Three files asked for at once (three sources' lake files after their merges) are
	// written one after the other, each within the limit.
	errs := make(chan error, 3)
	for i := range 3 {
		go func() { errs <- w.replace(ctx, fmt.Sprintf("wide/%d.parquet", i), "SELECT * FROM wide") }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("writing lake files larger than the memory limit: %v", err)
		}
	}
	var rows, groups int64
	path := filepath.Join(w.Lake, "wide", "2.parquet")
	if err := w.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM read_parquet(?)), (SELECT count(DISTINCT row_group_id) FROM parquet_metadata(?))`, path, path).Scan(&rows, &groups); err != nil {
		t.Fatal(err)
	}
	if rows != 200000 || groups < 4 {
		t.Errorf("lake file has %d rows in %d row groups, want 200000 in row groups of at most %s", rows, groups, LakeRowGroupBytes)
	}
}

// openWithLake opens a fresh warehouse with a lake, closed when the test ends.
func openWithLake(t *testing.T) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"), filepath.Join(t.TempDir(), "lake"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// wideTable fills the table wide with about 90 MB of wide rows (200,000).
func wideTable(t *testing.T, w *Warehouse) {
	t.Helper()
	if _, err := w.DB().ExecContext(context.Background(), `CREATE TABLE wide AS SELECT i AS id, repeat(md5(i::VARCHAR), 8) AS a,
		repeat(md5((i + 1)::VARCHAR), 4) AS b, md5((i * 7)::VARCHAR) AS c FROM range(200000) r(i)`); err != nil {
		t.Fatal(err)
	}
}

func threads(t *testing.T, w *Warehouse) int64 {
	t.Helper()
	var n int64
	if err := w.DB().QueryRow(`SELECT current_setting('threads')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A lake file that runs DuckDB out of memory on several threads (each holds a Parquet
// row group of its own) is written again on one, and DuckDB gets its threads back; a
// file that does not fit on one thread either fails, naming the file and the retry.
func TestALakeFileOutOfMemoryOnSeveralThreadsIsWrittenOnOne(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		memoryMB int64
		written  bool
	}{
		{"fits on one thread", 48, true},
		{"fits on none", 16, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := openWithLake(t)
			wideTable(t, w)
			var mu sync.Mutex
			var steps []string
			w.OnStep = func(step string, _ time.Duration) { mu.Lock(); steps = append(steps, step); mu.Unlock() }
			if err := w.SetMemoryLimit(ctx, tt.memoryMB<<20); err != nil {
				t.Fatal(err)
			}
			if err := w.SetThreads(ctx, 2); err != nil {
				t.Fatal(err)
			}
			err := w.replace(ctx, "wide.parquet", "SELECT * FROM wide")
			want := []string{"lake wide.parquet out of memory", "lake wide.parquet on one thread"}
			if !slices.Equal(steps, want) {
				t.Errorf("steps %q, want %q (the file must first fail on two threads)", steps, want)
			}
			if got := threads(t, w); got != 2 {
				t.Errorf("DuckDB has %d threads after the file, want the 2 it had", got)
			}
			path := filepath.Join(w.Lake, "wide.parquet")
			if !tt.written {
				if err == nil || !strings.Contains(err.Error(), "lake wide.parquet on one thread: ") || !OutOfMemory(err.Error()) {
					t.Errorf("error %v, want the one-thread writing's out-of-memory error", err)
				}
				if entries, _ := os.ReadDir(w.Lake); len(entries) != 0 {
					t.Errorf("the lake holds %d entries after a failed file, want none", len(entries))
				}
				return
			}
			if err != nil {
				t.Fatalf("writing the lake file: %v", err)
			}
			var rows int64
			if err := w.DB().QueryRowContext(ctx, `SELECT count(*) FROM read_parquet(?)`, path).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 200000 {
				t.Errorf("lake file has %d rows, want 200000", rows)
			}
		})
	}
}

// Threads asked for while a lake file is written on one thread are DuckDB's once it is
// written: the file does not give back the threads it found.
func TestThreadsAskedForDuringOneThreadWritingApplyAfterIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := openBare(t)
	if err := w.SetThreads(ctx, 2); err != nil {
		t.Fatal(err)
	}
	err := w.onOneThread(ctx, func() error {
		if got := threads(t, w); got != 1 {
			t.Errorf("%d threads during the writing, want 1", got)
		}
		if err := w.SetThreads(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if got := threads(t, w); got != 1 {
			t.Errorf("%d threads during the writing after SetThreads(3), want 1", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := threads(t, w); got != 3 {
		t.Errorf("%d threads after the writing, want the 3 asked for during it", got)
	}
}

// A warehouse whose threads were never set gets DuckDB's default back.
func TestOneThreadWritingRestoresDuckDBsDefaultThreads(t *testing.T) {
	t.Parallel()
	w := openBare(t)
	before := threads(t, w)
	if err := w.onOneThread(context.Background(), func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := threads(t, w); got != before {
		t.Errorf("%d threads after the writing, want DuckDB's default %d", got, before)
	}
}

func TestOutOfMemoryTellsDuckDBsOutOfMemoryReports(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  string
		want bool
	}{
		{"Out of Memory Error: failed to allocate data of size 16.0 MiB (3.9 MiB/15.2 MiB used)", true},
		{"IO Error: failed to pin block of size 256.0 KiB\n\nPossible solutions:\n* Increasing the memory limit (SET memory_limit='...GB')", true},
		{"Binder Error: column x not found\n\nPossible solutions:\n* check the spelling", false},
		{"lake people/current.parquet: disk full", false},
		{"", false},
	} {
		if got := OutOfMemory(tt.msg); got != tt.want {
			t.Errorf("OutOfMemory(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}
