-- The diff (diff.sql) of a source that has no current version, as on its first load:
-- every staged user is new and nothing is compared. It is a view over stage_users with
-- diff's columns, so a first load does not copy the whole listing once more. The merge
-- uses it only after checking that users_history holds no current row of the source.
CREATE OR REPLACE TEMP VIEW merge_diff AS
SELECT s.*, CAST(NULL AS VARCHAR[]) AS changed_fields, 'insert' AS change
FROM stage_users s;
