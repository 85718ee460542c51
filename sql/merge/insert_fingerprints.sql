-- Remember the fingerprint of every staged user of the source ($1) with the issues its
-- row has (the next run reports them for the user without mapping it again).
INSERT INTO user_fingerprints
SELECT $1, user_key, user_id, fingerprint,
       list_filter(coalesce(issues, []), i -> i <> 'conflicting_duplicate')
FROM stage_users;
