package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
)

// Export rebuilds the Parquet lake at lake (the configured lake when empty) from the
// warehouse: every run's files that are missing are written, and every source's
// current files replaced. Files already there are kept: their names carry run ids and
// their contents never change.
func Export(ctx context.Context, cfg *config.Config, lake string, wait time.Duration, out io.Writer) error {
	if lake == "" {
		lake = cfg.Warehouse.Lake
	}
	if lake == "" {
		return errors.New("export: no lake: set warehouse.lake in the config or pass --lake DIR")
	}
	lock, err := AcquireLock(ctx, cfg.Warehouse.DuckDB, "export", wait)
	if err != nil {
		return err
	}
	defer lock.Release()
	w, err := load.Open(ctx, cfg.Warehouse.DuckDB, lake)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.PublishLake(ctx, nil); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(out, "exported the warehouse %s to the lake %s\n", cfg.Warehouse.DuckDB, lake)
	return nil
}
