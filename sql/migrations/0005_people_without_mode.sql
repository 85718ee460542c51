-- people, computed so that it can spill to disk under warehouse.memory_mb: mode() and
-- ordered or DISTINCT aggregates hold every group's values in memory at once, which ran
-- DuckDB out of memory at a million users. display_name is the name most of the
-- person's accounts use, the first in alphabetical order on a tie (mode() broke ties
-- arbitrarily); the lists are sorted as before.
CREATE OR REPLACE VIEW people AS
WITH accounts AS (
    SELECT coalesce(email_normalized, user_key) AS person_key,
           email_normalized,
           list_sort(list_distinct(list(source))) AS sources,
           list_sort(list_distinct(list(provider))) AS providers,
           list_sort(list(user_key)) AS user_keys,
           count(*) AS accounts,
           bool_or(is_active) AS active_anywhere,
           bool_and(is_active) AS active_everywhere
    FROM users_current
    GROUP BY coalesce(email_normalized, user_key), email_normalized
),
names AS (
    SELECT coalesce(email_normalized, user_key) AS person_key, display_name, count(*) AS n
    FROM users_current
    WHERE display_name IS NOT NULL
    GROUP BY ALL
),
best AS (
    SELECT person_key, arg_min(display_name, {'n': -n, 'name': display_name}) AS display_name
    FROM names
    GROUP BY person_key
)
SELECT a.person_key, a.email_normalized, b.display_name, a.sources, a.providers, a.user_keys,
       a.accounts, a.active_anywhere, a.active_everywhere
FROM accounts a
LEFT JOIN best b USING (person_key);
