//go:build !duckdb_arrow

package load

import (
	"context"
	"fmt"
)

// readFingerprints runs fingerprintsQuery row by row (builds without DuckDB's Arrow
// interface; the Makefile's builds have it, see fingerprints_arrow.go).
func (w *Warehouse) readFingerprints(ctx context.Context, source string, fn func(userID, fingerprint string) error) error {
	rows, err := w.db.QueryContext(ctx, fingerprintsQuery, source)
	if err != nil {
		return fmt.Errorf("fingerprints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return fmt.Errorf("fingerprints: %w", err)
		}
		if err := fn(id, fp); err != nil {
			return err
		}
	}
	return rows.Err()
}
