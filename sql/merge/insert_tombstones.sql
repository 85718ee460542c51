-- Tombstones for users gone from a complete listing ($1 observed time, $2 run_id): a
-- copy of the last version marked deleted.
INSERT INTO users_history
SELECT user_key, source, provider, account_id, user_id, email, email_normalized,
       first_name, last_name, middle_name, display_name, title, role, role_raw, is_active,
       department, groups, phones, timezone, country, source_created_at, source_updated_at,
       extra, row_hash, ['is_deleted'], $1, NULL, true, true, $2
FROM merge_gone;
