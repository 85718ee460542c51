package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
)

// The reference is what DuckDB alone does with the same page files: read_json with
// pinned column types, the canonical columns computed in SQL (role contract as CASE,
// names cleaned, phones copied raw: no phone library), written as zstd Parquet (level 1,
// as roster writes its lake) partitioned by source. roster's sync is measured against it.

// referenceColumns are the canonical columns both outputs have; the correctness check
// compares them.
const referenceColumns = "source, user_id, email_normalized, first_name, last_name, role, is_active, phones"

// cleanText is roster's text rule in SQL: NFC, trimmed, inner whitespace folded, empty
// as NULL.
func cleanText(expr string) string {
	return fmt.Sprintf(`nullif(trim(regexp_replace(nfc_normalize(%s), '\s+', ' ', 'g')), '')`, expr)
}

func emailNormalized(expr string) string {
	return fmt.Sprintf(`nullif(lower(trim(nfc_normalize(%s))), '')`, expr)
}

func fileList(files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// referenceSQL builds the SELECT of one provider's canonical rows from the night's
// recorded pages under dir.
func referenceSQL(dir, provider, source string) (string, error) {
	users, err := pageFiles(dir, provider, "users")
	if err != nil {
		return "", err
	}
	src := "'" + source + "'"
	switch provider {
	case "close":
		orgs, err := pageFiles(dir, provider, "org")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(`WITH u AS (
    SELECT unnest(data, recursive := true) FROM read_json(%s, maximum_object_size = 1073741824,
        columns = {data: 'STRUCT(id VARCHAR, email VARCHAR, first_name VARCHAR, last_name VARCHAR, organizations VARCHAR[])[]'})
), o AS (
    SELECT * FROM read_json(%[2]s, maximum_object_size = 1073741824,
        columns = {memberships: 'STRUCT(user_id VARCHAR, role_id VARCHAR)[]', inactive_memberships: 'STRUCT(user_id VARCHAR, role_id VARCHAR)[]'})
), m AS (
    SELECT m.user_id, m.role_id, true AS active FROM (SELECT unnest(memberships) AS m FROM o)
    UNION ALL
    SELECT m.user_id, m.role_id, false FROM (SELECT unnest(inactive_memberships) AS m FROM o)
)
SELECT DISTINCT ON (u.id) %[3]s AS source, u.id AS user_id, %[4]s AS email_normalized, %[5]s AS first_name, %[6]s AS last_name,
    CASE lower(m.role_id) WHEN 'admin' THEN 'admin' WHEN 'superuser' THEN 'manager' WHEN 'user' THEN 'member'
        WHEN 'restricteduser' THEN 'guest' ELSE 'unknown' END AS role,
    coalesce(m.active, false) AS is_active, []::VARCHAR[] AS phones
FROM u LEFT JOIN m ON m.user_id = u.id`, fileList(users), fileList(orgs), src,
			emailNormalized("u.email"), cleanText("u.first_name"), cleanText("u.last_name")), nil
	case "worksection":
		return fmt.Sprintf(`SELECT %s AS source, u.id AS user_id, %s AS email_normalized, %s AS first_name, %s AS last_name,
    CASE lower(trim(u.role)) WHEN 'owner' THEN 'owner' WHEN 'account admin' THEN 'admin' WHEN 'team admin' THEN 'manager'
        WHEN 'department admin' THEN 'manager' WHEN 'user' THEN 'member' WHEN 'guest' THEN 'guest' WHEN 'reader' THEN 'readonly'
        ELSE 'unknown' END AS role,
    true AS is_active,
    list_filter([u.phone, u.phone2, u.phone3, u.phone4], p -> trim(p) <> '') AS phones
FROM (SELECT unnest(data) AS u FROM read_json(%s, maximum_object_size = 1073741824,
    columns = {data: 'STRUCT(id VARCHAR, email VARCHAR, first_name VARCHAR, last_name VARCHAR, role VARCHAR,
        phone VARCHAR, phone2 VARCHAR, phone3 VARCHAR, phone4 VARCHAR)[]'}))`,
			src, emailNormalized("u.email"), cleanText("u.first_name"), cleanText("u.last_name"), fileList(users)), nil
	case "zoom_contact_center":
		return fmt.Sprintf(`SELECT DISTINCT ON (u.user_id) %s AS source, u.user_id, %s AS email_normalized, %s AS first_name, %s AS last_name,
    CASE lower(trim(u.role_name)) WHEN 'admin' THEN 'admin' WHEN 'supervisor' THEN 'manager' WHEN 'agent' THEN 'member'
        ELSE 'unknown' END AS role,
    coalesce(u.user_access <> 'inactive', true) AS is_active, []::VARCHAR[] AS phones
FROM (SELECT unnest(users) AS u FROM read_json(%s, maximum_object_size = 1073741824,
    columns = {users: 'STRUCT(user_id VARCHAR, user_email VARCHAR, first_name VARCHAR, last_name VARCHAR, role_name VARCHAR, user_access VARCHAR)[]'}))`,
			src, emailNormalized("u.user_email"), cleanText("u.first_name"), cleanText("u.last_name"), fileList(users)), nil
	case "uis":
		return fmt.Sprintf(`SELECT DISTINCT ON (u.id) %s AS source, u.id::VARCHAR AS user_id, %s AS email_normalized, %s AS first_name, %s AS last_name,
    'member' AS role, true AS is_active,
    list_filter(list_append(list_transform(u.phone_numbers, p -> p.phone_number), u.extension.extension_phone_number),
        p -> trim(p) <> '') AS phones
FROM (SELECT unnest(result.data) AS u FROM read_json(%s, maximum_object_size = 1073741824,
    columns = {result: 'STRUCT(data STRUCT(id BIGINT, email VARCHAR, first_name VARCHAR, last_name VARCHAR,
        phone_numbers STRUCT(phone_number VARCHAR)[], extension STRUCT(extension_phone_number VARCHAR))[])'}))`,
			src, emailNormalized("u.email"), cleanText("u.first_name"), cleanText("u.last_name"), fileList(users)), nil
	}
	return "", fmt.Errorf("bench: no reference for provider %q", provider)
}

// Reference runs the reference over the night recorded under dir for the given
// sources (provider -> source name) and writes its Parquet under out. It returns the
// wall time.
func Reference(ctx context.Context, dir string, sources map[string]string, out string) (time.Duration, error) {
	var parts []string
	for _, provider := range Providers {
		source, ok := sources[provider]
		if !ok {
			continue
		}
		q, err := referenceSQL(dir, provider, source)
		if err != nil {
			return 0, err
		}
		parts = append(parts, "("+q+")")
	}
	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, err
	}
	start := time.Now()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	copySQL := fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARTITION_BY (source))`,
		strings.Join(parts, "\nUNION ALL\n"), strings.ReplaceAll(out, "'", "''"))
	if _, err := db.ExecContext(ctx, copySQL); err != nil {
		return 0, fmt.Errorf("reference: %w", err)
	}
	return time.Since(start), nil
}

// Providers are the four providers, in the order the benchmark reports them.
var Providers = []string{"close", "worksection", "zoom_contact_center", "uis"}
