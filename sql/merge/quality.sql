-- The data-quality report of a pending merge ($1 run_id, $2 observed time, $3 source),
-- computed from the whole listing before the transaction: the staged users and, for the
-- users listed unchanged, what user_fingerprints keeps of their rows.
CREATE OR REPLACE TEMP TABLE merge_quality AS
WITH listed AS (
    SELECT user_id, email_normalized, role, invalid_phone, issues FROM stage_users
    UNION ALL
    SELECT user_id, email_normalized, role, invalid_phone,
           CASE WHEN conflicting THEN list_append(issues, 'conflicting_duplicate') ELSE issues END
    FROM stage_skipped
),
checks(check_name, user_id) AS (
    SELECT 'invalid_phone', user_id FROM listed WHERE invalid_phone
    UNION ALL SELECT 'missing_email', user_id FROM listed WHERE email_normalized IS NULL
    UNION ALL SELECT 'invalid_email', user_id FROM listed WHERE list_contains(issues, 'invalid_email')
    UNION ALL SELECT 'duplicate_email', user_id FROM listed
              WHERE email_normalized IN (SELECT email_normalized FROM listed WHERE email_normalized IS NOT NULL
                                         GROUP BY ALL HAVING count(*) > 1)
    UNION ALL SELECT 'unknown_role', user_id FROM listed WHERE role = 'unknown'
    UNION ALL SELECT 'unknown_status', user_id FROM stage_statuses WHERE status = 'unknown'
    UNION ALL SELECT 'unparseable_timestamp', user_id FROM listed
              WHERE len(list_filter(issues, i -> starts_with(i, 'unparseable_timestamp'))) > 0
    UNION ALL SELECT 'conflicting_duplicate', user_id FROM listed WHERE list_contains(issues, 'conflicting_duplicate')
),
names(check_name) AS (
    VALUES ('invalid_phone'), ('missing_email'), ('invalid_email'), ('duplicate_email'),
           ('unknown_role'), ('unknown_status'), ('unparseable_timestamp'), ('conflicting_duplicate')
)
SELECT $1 AS run_id, $2::TIMESTAMPTZ AS observed_at, $3 AS source, n.check_name, NULL::VARCHAR AS detail,
       count(c.user_id) AS failing_rows,
       CASE WHEN count(c.user_id) = 0 THEN [] ELSE list_sort(list_distinct(list(c.user_id)))[1:5] END AS sample_user_ids
FROM names n LEFT JOIN checks c USING (check_name)
GROUP BY n.check_name;
