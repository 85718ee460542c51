-- stage_statuses for presence observations ({{files}}) of distinct users: the sink saw
-- no user id twice, so there is nothing to keep the first of.
CREATE OR REPLACE TEMP TABLE stage_statuses AS
SELECT * FROM {{files}};
