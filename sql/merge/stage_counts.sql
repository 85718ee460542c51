-- Rows in the staging files (from their Parquet footers) and distinct users staged.
SELECT (SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata({{files}})) AS rows_read,
       (SELECT count(*) FROM stage_users) AS users;
