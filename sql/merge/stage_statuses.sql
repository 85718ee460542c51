-- The run's presence observations ({{files}}), one row per user.
CREATE OR REPLACE TEMP TABLE stage_statuses AS
SELECT * FROM {{files}}
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY observed_at) = 1;
