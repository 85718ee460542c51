-- Schema version 3: the analyst layer. Views and table macros over users_history; the
-- flat ones (user_groups, user_phones, people) are also what the lake offers BI tools
-- that cannot read nested columns.

-- The directory exactly as it was at ts: the version of each user valid then, departed
-- users excluded.
CREATE MACRO users_as_of(ts) AS TABLE
SELECT * EXCLUDE (valid_to, is_current, is_deleted)
FROM users_history
WHERE valid_from <= ts AND (valid_to IS NULL OR valid_to > ts) AND NOT is_deleted;

-- One row per changed column per version: what it was and what it became, as text
-- (lists and JSON as JSON text). A user's first version is not a change.
CREATE VIEW user_changes AS
WITH v AS (
    SELECT user_key, source, provider, user_id, valid_from, run_id, changed_fields,
           to_json(struct_pack(account_id, email, email_normalized, first_name, last_name,
               middle_name, display_name, title, role, role_raw, is_active, department, groups,
               phones, timezone, country, source_created_at, source_updated_at, extra,
               is_deleted)) AS doc,
           lag(to_json(struct_pack(account_id, email, email_normalized, first_name, last_name,
               middle_name, display_name, title, role, role_raw, is_active, department, groups,
               phones, timezone, country, source_created_at, source_updated_at, extra,
               is_deleted))) OVER (PARTITION BY user_key ORDER BY valid_from) AS prev_doc
    FROM users_history
)
SELECT user_key, source, provider, user_id, valid_from AS changed_at, run_id, field,
       json_extract_string(prev_doc, '$.' || field) AS old_value,
       json_extract_string(doc, '$.' || field) AS new_value
FROM v, unnest(changed_fields) AS f(field)
WHERE prev_doc IS NOT NULL;

-- Group memberships, one row per user and group: now, and as of ts.
CREATE VIEW user_groups AS
SELECT user_key, source, provider, user_id, display_name, email_normalized,
       g.id AS group_id, g.name AS group_name, g.kind AS group_kind
FROM (SELECT *, unnest(groups) AS g FROM users_current);

CREATE MACRO user_groups_as_of(ts) AS TABLE
SELECT user_key, source, provider, user_id, display_name, email_normalized,
       g.id AS group_id, g.name AS group_name, g.kind AS group_kind
FROM (SELECT *, unnest(groups) AS g FROM users_as_of(ts));

-- Phone numbers, one row per user and number: now, and as of ts.
CREATE VIEW user_phones AS
SELECT user_key, source, provider, user_id, display_name, email_normalized,
       p.raw AS phone_raw, p.e164 AS phone_e164, p.extension AS phone_extension,
       p.kind AS phone_kind, p.valid AS phone_valid
FROM (SELECT *, unnest(phones) AS p FROM users_current);

CREATE MACRO user_phones_as_of(ts) AS TABLE
SELECT user_key, source, provider, user_id, display_name, email_normalized,
       p.raw AS phone_raw, p.e164 AS phone_e164, p.extension AS phone_extension,
       p.kind AS phone_kind, p.valid AS phone_valid
FROM (SELECT *, unnest(phones) AS p FROM users_as_of(ts));

-- One row per person across sources: users with the same email_normalized are one
-- person; a user without an email is a person of their own (person_key = user_key).
CREATE VIEW people AS
SELECT coalesce(email_normalized, user_key) AS person_key,
       email_normalized,
       mode(display_name) AS display_name,
       list(DISTINCT source ORDER BY source) AS sources,
       list(DISTINCT provider ORDER BY provider) AS providers,
       list(user_key ORDER BY user_key) AS user_keys,
       count(*) AS accounts,
       bool_or(is_active) AS active_anywhere,
       bool_and(is_active) AS active_everywhere
FROM users_current
GROUP BY coalesce(email_normalized, user_key), email_normalized;

-- Headcount at the end of each UTC day the history covers, per source, role and
-- activity.
CREATE VIEW headcount_daily AS
-- Days are UTC whatever the session's TimeZone setting.
WITH bounds AS (
    SELECT (min(valid_from) AT TIME ZONE 'UTC')::DATE AS first_day,
           (greatest(max(valid_from), (SELECT max(started_at) FROM sync_runs)) AT TIME ZONE 'UTC')::DATE AS last_day
    FROM users_history
),
days AS (
    SELECT unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS day FROM bounds
)
SELECT d.day, h.source, h.provider, h.role, h.is_active, count(*) AS users
FROM days d
JOIN users_history h
  ON h.valid_from < ((d.day + INTERVAL 1 DAY) AT TIME ZONE 'UTC')
 AND (h.valid_to IS NULL OR h.valid_to >= ((d.day + INTERVAL 1 DAY) AT TIME ZONE 'UTC'))
 AND NOT h.is_deleted
GROUP BY ALL;
