package load

import (
	"context"
	"database/sql"
	"fmt"
)

// KnownPhone is a phone number as an earlier run normalized it.
type KnownPhone struct {
	Raw, Kind, E164, Extension string
	Valid                      bool
}

// KnownPhones streams the distinct phones of a source's current users as its latest
// successful run normalized them, so the next run need not parse them again. It yields
// nothing unless that run was made by the same roster version with the same config
// hash: a newer phone library or another default_region may normalize differently.
// Extensions and SIP URIs are left out: their input kind is not recorded, and they
// cost nothing to normalize.
func (w *Warehouse) KnownPhones(ctx context.Context, source, rosterVersion, configHash string, fn func(KnownPhone) error) error {
	var version, hash sql.NullString
	err := w.db.QueryRowContext(ctx, `SELECT s.roster_version, s.config_hash
		FROM source_runs r JOIN sync_runs s USING (run_id)
		WHERE r.source = $1 AND r.status = 'succeeded' ORDER BY r.started_at DESC LIMIT 1`, source).Scan(&version, &hash)
	if err == sql.ErrNoRows || version.String != rosterVersion || hash.String != configHash {
		return nil
	}
	if err != nil {
		return fmt.Errorf("known phones: %w", err)
	}
	rows, err := w.db.QueryContext(ctx, `SELECT DISTINCT p.raw, p.kind, coalesce(p.e164, ''), coalesce(p.extension, ''), p.valid
		FROM (SELECT unnest(phones) AS p FROM users_history WHERE source = $1 AND is_current AND NOT is_deleted)
		WHERE p.kind NOT IN ('extension', 'sip')`, source)
	if err != nil {
		return fmt.Errorf("known phones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p KnownPhone
		if err := rows.Scan(&p.Raw, &p.Kind, &p.E164, &p.Extension, &p.Valid); err != nil {
			return fmt.Errorf("known phones: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
