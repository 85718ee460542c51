-- Close the current versions of users that change or leave in this run ($1 source,
-- $2 observed time).
UPDATE users_history
SET valid_to = $2, is_current = false
WHERE source = $1 AND is_current
  AND user_key IN (SELECT user_key FROM merge_diff WHERE change <> 'unchanged'
                   UNION ALL
                   SELECT user_key FROM merge_gone);
