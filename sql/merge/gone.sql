-- Current, not yet deleted users of the source ($1) absent from its complete listing:
-- each gets a tombstone version. Only run for complete listings.
CREATE OR REPLACE TEMP TABLE merge_gone AS
SELECT h.*
FROM users_history h
WHERE h.source = $1 AND h.is_current AND NOT h.is_deleted
  AND NOT EXISTS (SELECT 1 FROM stage_listing s WHERE s.user_key = h.user_key);
