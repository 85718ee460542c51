-- Current, not yet deleted users of the source ($1) absent from its complete listing:
-- each gets a tombstone version. Only run for complete listings. The keys are found on
-- narrow columns first (an anti join: 0.28 -> 0.18 s for 300,000 users on one thread,
-- warm, against NOT EXISTS); only the few gone users' rows are read whole.
CREATE OR REPLACE TEMP TABLE merge_gone AS
WITH gone AS MATERIALIZED (
    FROM (SELECT user_key FROM users_history WHERE source = $1 AND is_current AND NOT is_deleted)
    ANTI JOIN stage_listing USING (user_key)
)
SELECT h.*
FROM users_history h
WHERE h.source = $1 AND h.is_current AND h.user_key IN (SELECT user_key FROM gone);
