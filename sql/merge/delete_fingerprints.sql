-- Forget the fingerprints of the source's ($1) users that this run stages again or
-- deletes.
DELETE FROM user_fingerprints
WHERE source = $1
  AND user_key IN (SELECT user_key FROM stage_users UNION ALL SELECT user_key FROM merge_gone);
