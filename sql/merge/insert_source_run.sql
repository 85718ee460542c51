INSERT INTO source_runs (run_id, source, provider, started_at, finished_at, status, complete,
    pages, requests, retries, throttled_ms, records, duplicates, inserted, updated, deleted,
    unchanged, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18);
