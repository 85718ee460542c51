-- The users of the source ($1) the listing returned unchanged: listed, but not staged
-- because the sink held their fingerprint. Their current row and stored issues stand in
-- for a staged row in the data-quality report. "consistent" must hold for every one of
-- them (the fingerprint is the stored one of a current, not deleted user); the merge
-- refuses to go on otherwise.
CREATE OR REPLACE TEMP TABLE stage_skipped AS
SELECT l.user_key, l.user_id, l.conflicting,
       coalesce(f.fingerprint = l.fingerprint AND NOT h.is_deleted, false) AS consistent,
       f.issues, h.email_normalized, h.role, h.phones
FROM stage_listing l
LEFT JOIN user_fingerprints f ON f.source = $1 AND f.user_key = l.user_key
LEFT JOIN users_history h ON h.source = $1 AND h.user_key = l.user_key AND h.is_current
WHERE NOT EXISTS (SELECT 1 FROM stage_users s WHERE s.user_key = l.user_key);
