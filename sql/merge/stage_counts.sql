-- Rows read from the staging files and distinct users among them.
SELECT count(*) AS rows_read, count(DISTINCT user_id) AS users FROM read_parquet({{files}});
