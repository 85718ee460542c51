-- The run's presence observations.
INSERT INTO user_status
SELECT run_id, observed_at, source, provider, user_key, user_id, status, status_raw,
       sub_status_raw, on_call, CAST(channels AS JSON)
FROM stage_statuses;
