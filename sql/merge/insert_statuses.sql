-- The run's presence observations ({{files}}): one row per user.
INSERT INTO user_status
SELECT run_id, observed_at, source, provider, user_key, user_id, status, status_raw,
       sub_status_raw, on_call, CAST(channels AS JSON)
FROM read_parquet({{files}})
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY observed_at) = 1;
