-- stage_users for a listing that returned every user once ({{files}}): every staged row
-- is the one copy of its user in stage_listing (the sink stages a full row and a listing
-- row of each changed user under the same seq), none is conflicting, so nothing is
-- joined. The columns are stage_users.sql's.
CREATE OR REPLACE TEMP TABLE stage_users AS
SELECT u.* EXCLUDE (seq, issues), u.issues AS issues,
       coalesce(list_bool_or(list_transform(u.phones, p -> NOT p.valid)), false) AS invalid_phone
FROM {{files}} u;
