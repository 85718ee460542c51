-- Version counts of the pending merge: users listed but not staged are unchanged (their
-- fingerprint is the one the warehouse holds).
SELECT count(*) FILTER (WHERE change = 'insert')    AS inserted,
       count(*) FILTER (WHERE change = 'update')    AS updated,
       count(*) FILTER (WHERE change = 'unchanged')
         + (SELECT count(*) FROM stage_listing) - (SELECT count(*) FROM stage_users) AS unchanged,
       (SELECT count(*) FROM merge_gone)            AS deleted,
       (SELECT count(*) FROM users_history WHERE source = $1 AND is_current AND NOT is_deleted) AS current_users
FROM merge_diff;
