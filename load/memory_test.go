package load

import (
	"context"
	"path/filepath"
	"testing"
)

func TestSetMemoryLimitBoundsDuckDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, err := Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.SetMemoryLimit(ctx, 300<<20); err != nil {
		t.Fatal(err)
	}
	var limit, order string
	if err := w.DB().QueryRowContext(ctx, `SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')::VARCHAR`).Scan(&limit, &order); err != nil {
		t.Fatal(err)
	}
	if limit != "300.0 MiB" || order != "false" {
		t.Errorf("memory_limit %q, preserve_insertion_order %q; want 300.0 MiB and false", limit, order)
	}
}
