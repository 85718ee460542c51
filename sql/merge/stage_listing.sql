-- Stage one source's listing from its listing files ({{files}}): every user the
-- listing returned, changed or not, one row per user_key with the fingerprint of its
-- last copy (offset paging can list a user twice; the last copy wins). A user listed
-- twice with different content is conflicting.
CREATE OR REPLACE TEMP TABLE stage_listing AS
SELECT user_key,
       any_value(user_id) AS user_id,
       max(seq) AS seq,
       arg_max(fingerprint, seq) AS fingerprint,
       count(*) AS copies,
       min(fingerprint) <> max(fingerprint) AS conflicting
FROM {{files}}
GROUP BY user_key;
