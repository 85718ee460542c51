-- User copies the listing returned and distinct users listed.
SELECT coalesce(sum(copies), 0) AS rows_read, count(*) AS users FROM stage_listing;
