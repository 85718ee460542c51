-- Stage the users the listing changed from their staging files ({{files}}):
-- the sink stages a full row only for a user whose fingerprint differs from the one the
-- warehouse holds, so this is the changed, new and returning users (all of them on a
-- first night), each with its row_hash and whether it has a phone that is not valid
-- (for the data-quality report and user_fingerprints). Only the copy the listing keeps
-- (stage_listing) is staged.
CREATE OR REPLACE TEMP TABLE stage_users AS
SELECT u.* EXCLUDE (seq, issues),
       CASE WHEN l.conflicting THEN list_append(u.issues, 'conflicting_duplicate') ELSE u.issues END AS issues,
       coalesce(list_bool_or(list_transform(u.phones, p -> NOT p.valid)), false) AS invalid_phone
FROM {{files}} u
JOIN stage_listing l ON l.user_key = u.user_key AND l.seq = u.seq;
