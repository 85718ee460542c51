-- The current versions of the source ($1) this run may close, read whole once for diff
-- and gone: those of the staged users (a tombstone included: its user is back) and those
-- of the users absent from the complete listing (tombstones excluded: they are gone
-- already). DuckDB has no index to fetch a few rows by key, so reading them means
-- reading every current version of the source in full; diff and gone did so each (at
-- 1,000,000 users on a second night, 1.8 s and 1.9 s summed over the sources). The
-- absent users' keys are found on narrow columns first (an anti join: 0.28 -> 0.18 s for
-- 300,000 users on one thread, warm, against NOT EXISTS).
CREATE OR REPLACE TEMP TABLE merge_current AS
WITH absent AS MATERIALIZED (
    FROM (SELECT user_key FROM users_history WHERE source = $1 AND is_current AND NOT is_deleted)
    ANTI JOIN stage_listing USING (user_key)
)
SELECT h.*
FROM users_history h
WHERE h.source = $1 AND h.is_current
  AND h.user_key IN (SELECT user_key FROM stage_users UNION ALL SELECT user_key FROM absent);
