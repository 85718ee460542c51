-- The fingerprint of every current user as the last run of its source saw it (see
-- transform.Fingerprint): a night lists everyone but maps, stages, hashes and diffs only
-- the users whose fingerprint changed. Maintained by the merge in the same transaction as
-- users_history; roster's own state, not part of the lake. The other columns are what
-- the data-quality report needs of a user listed unchanged.
CREATE TABLE user_fingerprints (
    source           VARCHAR NOT NULL,
    user_key         VARCHAR NOT NULL,
    user_id          VARCHAR NOT NULL,
    fingerprint      VARCHAR NOT NULL,
    email_normalized VARCHAR,
    role             VARCHAR NOT NULL,
    invalid_phone    BOOLEAN NOT NULL,
    issues           VARCHAR[]
);
