-- Stage the users the listing changed from their staging Parquet files ({{files}}):
-- the sink stages a full row only for a user whose fingerprint differs from the one the
-- warehouse holds, so this is the changed, new and returning users (all of them on a
-- first night). Each gets the hash of everything that makes a version; only the copy
-- the listing keeps (stage_listing) is staged.
CREATE OR REPLACE TEMP TABLE stage_users AS
SELECT u.* EXCLUDE (seq, issues),
       md5(to_json(struct_pack(
           u.account_id, u.email, u.email_normalized, u.first_name, u.last_name, u.middle_name,
           u.display_name, u.title, u.role, u.role_raw, u.is_active, u.department, u.groups, u.phones,
           u.timezone, u.country, u.source_created_at, u.source_updated_at, u.extra))) AS row_hash,
       CASE WHEN l.conflicting THEN list_append(u.issues, 'conflicting_duplicate') ELSE u.issues END AS issues
FROM read_parquet({{files}}) u
JOIN stage_listing l ON l.user_key = u.user_key AND l.seq = u.seq;
