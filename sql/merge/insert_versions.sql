-- Open new versions for new, returning and changed users ($1 observed time, $2 run_id).
INSERT INTO users_history
SELECT user_key, source, provider, account_id, user_id, email, email_normalized,
       first_name, last_name, middle_name, display_name, title, role, role_raw, is_active,
       department, groups, phones, timezone, country, source_created_at, source_updated_at,
       CAST(extra AS JSON), row_hash, changed_fields, $1, NULL, true, false, $2
FROM merge_diff
WHERE change <> 'unchanged';
