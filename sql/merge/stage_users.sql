-- Stage one source's listing from its staging Parquet files ({{files}} is a quoted
-- list substituted by load/): one row per user_id (the last copy seen wins when offset
-- paging drifted), with the hash of everything that makes a version. A user listed
-- twice with different content gets the issue 'conflicting_duplicate'.
CREATE OR REPLACE TEMP TABLE stage_users AS
WITH hashed AS (
    SELECT *,
           md5(to_json(struct_pack(
               account_id, email, email_normalized, first_name, last_name, middle_name,
               display_name, title, role, role_raw, is_active, department, groups, phones,
               timezone, country, source_created_at, source_updated_at, extra))) AS row_hash
    FROM read_parquet({{files}})
)
SELECT * EXCLUDE (seq, issues),
       CASE WHEN min(row_hash) OVER copies <> max(row_hash) OVER copies
            THEN list_append(issues, 'conflicting_duplicate') ELSE issues END AS issues
FROM hashed
WINDOW copies AS (PARTITION BY user_id)
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY seq DESC) = 1;
