package load

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/roster-etl/roster/transform"
)

// relationDocs says what each table and view of the warehouse is for, in the order
// docs/warehouse.md lists them.
var relationDocs = []struct{ name, doc string }{
	{"users_history", "SCD type 2: one row per version of a user. A departed user's last version is a tombstone (`is_deleted`)."},
	{"users_current", "The directory now: current versions that are not tombstones."},
	{"user_status", "Periodic snapshot: one row per user per run with the user's presence. Never creates a version."},
	{"user_changes", "One row per changed column per version, with the old and the new value as text."},
	{"user_groups", "Flat group memberships of current users (also in the lake for BI tools). `user_groups_as_of(ts)` gives them at a past time."},
	{"user_phones", "Flat phone numbers of current users (also in the lake). `user_phones_as_of(ts)` gives them at a past time."},
	{"people", "One row per person across sources, matched by `email_normalized`; a user without an email is a person of their own."},
	{"headcount_daily", "Headcount at the end of each UTC day the history covers, per source, role and activity."},
	{"data_quality", "The data-quality report: per run, source and check, the failing users and samples."},
	{"data_quality_latest", "The data-quality report of each source's latest successful run."},
	{"source_fields", "Provider fields seen per run and source, behind the schema-drift checks."},
	{"sync_runs", "The run ledger: one row per `roster sync`."},
	{"source_runs", "The run ledger: one row per source per run, with its counters and error."},
	{"user_fingerprints", "roster's own state, not in the lake: the fingerprint of each current user's provider data as the last run saw it. A night maps, stages and diffs only users whose fingerprint changed."},
	{"schema_migrations", "Applied schema migrations."},
}

// columnDocs are the meanings of columns that transform does not declare.
var columnDocs = map[string]string{
	"sync_runs.status":                "running | succeeded | partial | failed",
	"source_runs.status":              "succeeded | failed",
	"source_runs.complete":            "the listing reached the provider's end signal (only then can it delete)",
	"source_runs.records":             "distinct users extracted",
	"source_runs.duplicates":          "extra copies of users that offset paging showed twice",
	"source_runs.inserted":            "new users and returns",
	"source_runs.deleted":             "tombstones written for users absent from a complete listing",
	"source_runs.throttled_ms":        "time spent waiting on rate limits",
	"user_changes.changed_at":         "valid_from of the version that made the change",
	"user_changes.field":              "the users_history column that changed",
	"people.person_key":               "email_normalized, or the user_key of a user without an email",
	"people.active_anywhere":          "active in at least one source",
	"headcount_daily.day":             "UTC day; counts are as of its end",
	"user_phones.phone_valid":         "false when the number could not be parsed or is not valid (e164 NULL)",
	"source_fields.known":             "the provider mapping knows the field",
	"schema_migrations.version":       "migration number",
	"user_groups.group_kind":          "team | department | group | organization | region | queue",
	"user_phones.phone_kind":          "main | office | mobile | home | extension | sip | other",
	"source_fields.users":             "users of the listing that carried the field",
	"headcount_daily.users":           "users at the end of the day",
	"schema_migrations.name":          "migration name",
	"user_fingerprints.fingerprint":   "128-bit hash (hex) of the members of the provider's user object (presence fields aside) and of what other replies add to it (memberships, group and role names, the account)",
	"user_fingerprints.issues":        "normalization issues of the user's row, reported again while the user is unchanged",
	"user_fingerprints.invalid_phone": "the user's row has a phone that is not valid (for the data-quality report)",
}

// commonDocs are the meanings of columns by name alone, wherever they appear.
var commonDocs = map[string]string{
	"started_at": "when it started", "finished_at": "when it finished", "roster_version": "roster release that ran it",
	"config_hash": "hash of the configuration with secrets redacted", "pages": "list pages read",
	"requests": "HTTP requests sent, retries included", "retries": "requests sent again after a retryable failure",
	"updated": "users with a new version because something changed", "unchanged": "users without a new version",
	"error":      "why the source failed: one line naming the source and the cause",
	"check_name": columnDocsCheck, "detail": "the field name of a schema-drift check", "failing_rows": "users failing the check",
	"sample_user_ids": "up to five failing user ids, sorted", "field": "the users_history column that changed",
	"old_value": "the value before, as text (lists and JSON as JSON text)", "new_value": "the value after, as text",
	"group_id": "the provider's group id", "group_name": "the group's name", "phone_raw": "the number exactly as the provider wrote it",
	"phone_e164": "E.164 number; NULL when not valid", "phone_extension": "extension, if any",
	"sources": "configured sources the person is in", "providers": "providers the person is in",
	"user_keys": "the person's users, one per source account", "accounts": "number of user accounts",
	"active_everywhere": "active in every source", "applied_at": "when the migration ran",
}

const columnDocsCheck = "invalid_phone, missing_email, invalid_email, duplicate_email, unknown_role, unknown_status, unparseable_timestamp, conflicting_duplicate, unknown_field, missing_field"

// Markdown documents every table and view of the warehouse — names, types, meanings —
// from the database itself and transform's column declarations. docs/warehouse.md is its
// output, kept current by a test.
func (w *Warehouse) Markdown(ctx context.Context) (string, error) {
	declared := map[string]string{}
	for _, c := range append(append(transform.UserColumns(), transform.HistoryColumns()...), transform.StatusColumns()...) {
		declared[c.Name] = c.Doc
	}
	rows, err := w.db.QueryContext(ctx, `SELECT table_name, table_type, column_name, data_type
		FROM information_schema.columns JOIN information_schema.tables USING (table_catalog, table_schema, table_name)
		WHERE table_schema = 'main' ORDER BY table_name, ordinal_position`)
	if err != nil {
		return "", fmt.Errorf("describe: %w", err)
	}
	defer rows.Close()
	type column struct{ name, typ string }
	cols := map[string][]column{}
	kinds := map[string]string{}
	for rows.Next() {
		var table, kind, name, typ string
		if err := rows.Scan(&table, &kind, &name, &typ); err != nil {
			return "", err
		}
		cols[table] = append(cols[table], column{name, strings.ReplaceAll(typ, `"`, "")})
		kinds[table] = map[string]string{"BASE TABLE": "table", "VIEW": "view"}[kind]
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# The warehouse\n\n<!-- Generated by `make docs` from the warehouse schema and transform's column declarations; a test keeps it current. -->\n\n")
	b.WriteString("Every table and view of roster's DuckDB warehouse. The lake holds the same columns (see the README for its layout): `users_history` files without `valid_to` and `is_current`, partitioned files without the `source` column (it comes back from `source=` with hive partitioning).\n\n")
	listed := map[string]bool{}
	write := func(name, doc string) {
		listed[name] = true
		fmt.Fprintf(&b, "## %s (%s)\n\n%s\n\n| column | type | meaning |\n|---|---|---|\n", name, kinds[name], doc)
		for _, c := range cols[name] {
			meaning := columnDocs[name+"."+c.name]
			if meaning == "" {
				meaning = declared[c.name]
			}
			if meaning == "" {
				meaning = commonDocs[c.name]
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.name, c.typ, strings.ReplaceAll(meaning, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	for _, r := range relationDocs {
		if _, ok := cols[r.name]; ok {
			write(r.name, r.doc)
		}
	}
	var rest []string
	for name := range cols {
		if !listed[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		write(name, "")
	}
	return b.String(), nil
}
