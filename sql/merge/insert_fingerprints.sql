-- Remember the fingerprint of every staged user of the source ($1) with what the
-- data-quality report needs of its row, so the next run can report the user without
-- mapping it again.
INSERT INTO user_fingerprints
SELECT $1, user_key, user_id, fingerprint, email_normalized, role, invalid_phone,
       list_filter(coalesce(issues, []), i -> i <> 'conflicting_duplicate')
FROM stage_users;
