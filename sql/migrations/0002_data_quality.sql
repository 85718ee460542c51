-- Schema version 2: the per-run data-quality report and the field catalogue behind its
-- schema-drift checks.

-- One row per run, source and check. Standard checks are written every run, zeros
-- included, so a check's trend is visible; drift checks only when they find something.
CREATE TABLE data_quality (
    run_id          VARCHAR NOT NULL,
    observed_at     TIMESTAMPTZ NOT NULL,
    source          VARCHAR NOT NULL,
    check_name      VARCHAR NOT NULL,  -- invalid_phone | missing_email | invalid_email | duplicate_email |
                                       -- unknown_role | unknown_status | unparseable_timestamp |
                                       -- unknown_field | missing_field
    detail          VARCHAR,           -- the field name of a drift check
    failing_rows    BIGINT NOT NULL,   -- users failing the check
    sample_user_ids VARCHAR[]          -- up to 5 of them, sorted
);

-- Which provider fields each run saw, and on how many users.
CREATE TABLE source_fields (
    run_id  VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    field   VARCHAR NOT NULL,
    known   BOOLEAN NOT NULL,          -- the provider mapping knows the field
    users   BIGINT NOT NULL
);

-- The report of each source's latest successful run.
CREATE VIEW data_quality_latest AS
SELECT q.*
FROM data_quality q
JOIN (SELECT source, max_by(run_id, started_at) AS run_id
      FROM source_runs WHERE status = 'succeeded' GROUP BY source) l
  USING (source, run_id);
