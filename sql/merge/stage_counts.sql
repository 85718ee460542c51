-- Rows in the listing files (from their Parquet footers) and distinct users listed.
SELECT (SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata({{files}})) AS rows_read,
       (SELECT count(*) FROM stage_listing) AS users;
