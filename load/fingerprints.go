package load

import (
	"context"
	"database/sql"
	"fmt"
)

// Fingerprints streams the fingerprints (transform.Fingerprint's text) of the source's
// current users as its latest successful run left them, so the next run maps and
// stages only the users whose fingerprint changed. It yields nothing
// unless that run was made by the same roster version with the same config hash: a
// new version or configuration may map the same provider data differently. The
// strings fn gets point into a batch released after the call: fn must copy what it keeps.
func (w *Warehouse) Fingerprints(ctx context.Context, source, rosterVersion, configHash string, fn func(userID, fingerprint string) error) error {
	if same, err := w.lastRunMadeBy(ctx, source, rosterVersion, configHash); err != nil || !same {
		return err
	}
	return w.readFingerprints(ctx, source, fn)
}

// fingerprintsQuery selects (user_id, fingerprint) of the current users of source ($1).
// A semi-join (IN) rather than a join with users_history: DuckDB then builds its hash
// table on the current keys alone, 0.42 s -> 0.15 s for 300,000 users on one thread.
const fingerprintsQuery = `SELECT f.user_id, f.fingerprint
	FROM user_fingerprints f
	WHERE f.source = $1
	  AND f.user_key IN (SELECT h.user_key FROM users_history h WHERE h.source = $1 AND h.is_current AND NOT h.is_deleted)`

// lastRunMadeBy reports whether the latest successful run of source was made by
// rosterVersion with configHash.
func (w *Warehouse) lastRunMadeBy(ctx context.Context, source, rosterVersion, configHash string) (bool, error) {
	var version, hash sql.NullString
	err := w.db.QueryRowContext(ctx, `SELECT s.roster_version, s.config_hash
		FROM source_runs r JOIN sync_runs s USING (run_id)
		WHERE r.source = $1 AND r.status = 'succeeded' ORDER BY r.started_at DESC LIMIT 1`, source).Scan(&version, &hash)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("last run of %s: %w", source, err)
	}
	return version.String == rosterVersion && hash.String == configHash, nil
}
