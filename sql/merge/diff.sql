-- Compare the staged listing with the current versions of the source (merge_current
-- holds the staged users'): which users are new or back (insert), changed (update: some
-- column differs) or unchanged, and which columns changed.
CREATE OR REPLACE TEMP TABLE merge_diff AS
WITH compared AS (
SELECT s.*,
       c.user_key IS NULL OR c.is_deleted AS is_new,
       CASE WHEN c.user_key IS NULL THEN NULL
            ELSE list_filter([
                CASE WHEN c.is_deleted THEN 'is_deleted' END,
                CASE WHEN s.account_id IS DISTINCT FROM c.account_id THEN 'account_id' END,
                CASE WHEN s.email IS DISTINCT FROM c.email THEN 'email' END,
                CASE WHEN s.email_normalized IS DISTINCT FROM c.email_normalized THEN 'email_normalized' END,
                CASE WHEN s.first_name IS DISTINCT FROM c.first_name THEN 'first_name' END,
                CASE WHEN s.last_name IS DISTINCT FROM c.last_name THEN 'last_name' END,
                CASE WHEN s.middle_name IS DISTINCT FROM c.middle_name THEN 'middle_name' END,
                CASE WHEN s.display_name IS DISTINCT FROM c.display_name THEN 'display_name' END,
                CASE WHEN s.title IS DISTINCT FROM c.title THEN 'title' END,
                CASE WHEN s.role IS DISTINCT FROM c.role THEN 'role' END,
                CASE WHEN s.role_raw IS DISTINCT FROM c.role_raw THEN 'role_raw' END,
                CASE WHEN s.is_active IS DISTINCT FROM c.is_active THEN 'is_active' END,
                CASE WHEN s.department IS DISTINCT FROM c.department THEN 'department' END,
                CASE WHEN s.groups IS DISTINCT FROM c.groups THEN 'groups' END,
                CASE WHEN s.phones IS DISTINCT FROM c.phones THEN 'phones' END,
                CASE WHEN s.timezone IS DISTINCT FROM c.timezone THEN 'timezone' END,
                CASE WHEN s.country IS DISTINCT FROM c.country THEN 'country' END,
                CASE WHEN s.source_created_at IS DISTINCT FROM c.source_created_at THEN 'source_created_at' END,
                CASE WHEN s.source_updated_at IS DISTINCT FROM c.source_updated_at THEN 'source_updated_at' END,
                CASE WHEN CAST(s.extra AS JSON)::VARCHAR IS DISTINCT FROM c.extra::VARCHAR THEN 'extra' END
            ], x -> x IS NOT NULL) END AS changed_fields
FROM stage_users s
LEFT JOIN merge_current c ON c.user_key = s.user_key
)
SELECT * EXCLUDE (is_new),
       CASE WHEN is_new THEN 'insert'
            WHEN len(changed_fields) > 0 THEN 'update'
            ELSE 'unchanged' END AS change
FROM compared;
