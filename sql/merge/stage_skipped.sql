-- The users of the source ($1) the listing returned unchanged: listed, but not staged
-- because the sink held their fingerprint. What user_fingerprints keeps of their row
-- stands in for a staged row in the data-quality report. "consistent" must hold for
-- every one of them (the stored fingerprint is the listed one); the merge refuses to go
-- on otherwise.
CREATE OR REPLACE TEMP TABLE stage_skipped AS
SELECT l.user_key, l.user_id, l.conflicting,
       coalesce(f.fingerprint = l.fingerprint, false) AS consistent,
       f.email_normalized, f.role, f.invalid_phone, f.issues
FROM stage_listing l
LEFT JOIN user_fingerprints f ON f.source = $1 AND f.user_key = l.user_key
WHERE NOT EXISTS (SELECT 1 FROM stage_users s WHERE s.user_key = l.user_key);
