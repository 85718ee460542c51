-- stage_listing for a listing that returned every user once ({{files}}): the sink saw
-- no user id twice, so there is nothing to group.
CREATE OR REPLACE TEMP TABLE stage_listing AS
SELECT user_key, user_id, seq, fingerprint, 1::BIGINT AS copies, false AS conflicting
FROM {{files}};
