-- roster warehouse, schema version 1.
-- Column lists mirror transform.UserColumns/HistoryColumns/StatusColumns; a test in
-- load/ checks that they agree.

CREATE TABLE sync_runs (
    run_id         VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,   -- running | succeeded | partial | failed
    roster_version VARCHAR,
    config_hash    VARCHAR
);

CREATE TABLE source_runs (
    run_id         VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    provider       VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,   -- succeeded | failed
    complete       BOOLEAN NOT NULL,   -- the listing reached the provider's end signal
    pages          BIGINT,
    requests       BIGINT,
    retries        BIGINT,
    throttled_ms   BIGINT,
    records        BIGINT,             -- distinct users extracted
    duplicates     BIGINT,             -- extra copies of users seen twice in one listing
    inserted       BIGINT,
    updated        BIGINT,
    deleted        BIGINT,
    unchanged      BIGINT,
    error          VARCHAR
);

CREATE TABLE users_history (
    user_key          VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    provider          VARCHAR NOT NULL,
    account_id        VARCHAR,
    user_id           VARCHAR NOT NULL,
    email             VARCHAR,
    email_normalized  VARCHAR,
    first_name        VARCHAR,
    last_name         VARCHAR,
    middle_name       VARCHAR,
    display_name      VARCHAR,
    title             VARCHAR,
    role              VARCHAR NOT NULL,
    role_raw          VARCHAR,
    is_active         BOOLEAN NOT NULL,
    department        VARCHAR,
    groups            STRUCT(id VARCHAR, name VARCHAR, kind VARCHAR)[],
    phones            STRUCT(raw VARCHAR, e164 VARCHAR, extension VARCHAR, kind VARCHAR, valid BOOLEAN)[],
    timezone          VARCHAR,
    country           VARCHAR,
    source_created_at TIMESTAMPTZ,
    source_updated_at TIMESTAMPTZ,
    extra             JSON,
    row_hash          VARCHAR NOT NULL,
    changed_fields    VARCHAR[],
    valid_from        TIMESTAMPTZ NOT NULL,
    valid_to          TIMESTAMPTZ,
    is_current        BOOLEAN NOT NULL,
    is_deleted        BOOLEAN NOT NULL,
    run_id            VARCHAR NOT NULL
);

CREATE TABLE user_status (
    run_id         VARCHAR NOT NULL,
    observed_at    TIMESTAMPTZ NOT NULL,
    source         VARCHAR NOT NULL,
    provider       VARCHAR NOT NULL,
    user_key       VARCHAR NOT NULL,
    user_id        VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,
    status_raw     VARCHAR,
    sub_status_raw VARCHAR,
    on_call        BOOLEAN,
    channels       JSON
);

-- The directory as it is now: a departed user's tombstone is its current row in
-- users_history, but it is not in users_current.
CREATE VIEW users_current AS
SELECT * EXCLUDE (valid_to, is_current, is_deleted)
FROM users_history
WHERE is_current AND NOT is_deleted;
