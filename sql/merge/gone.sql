-- Current, not yet deleted users of the source ($1) absent from its complete listing:
-- each gets a tombstone version. Only run for complete listings. The keys are found on
-- narrow columns first; only the few gone users' rows are read whole.
CREATE OR REPLACE TEMP TABLE merge_gone AS
WITH gone AS MATERIALIZED (
    SELECT h.user_key
    FROM users_history h
    WHERE h.source = $1 AND h.is_current AND NOT h.is_deleted
      AND NOT EXISTS (SELECT 1 FROM stage_listing s WHERE s.user_key = h.user_key)
)
SELECT h.*
FROM users_history h
WHERE h.source = $1 AND h.is_current AND h.user_key IN (SELECT user_key FROM gone);
