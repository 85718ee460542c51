package jobs

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roster-etl/roster/load"
)

// Output formats of `roster sql` and `roster runs`.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// Query runs one SQL statement on the warehouse at path and prints its result to out
// in format. params are bound to the statement's $name placeholders (as text: cast in
// SQL where another type is needed, e.g. $since::TIMESTAMPTZ). The warehouse is opened
// (and migrated) as by a sync.
func Query(ctx context.Context, path, query, format string, out io.Writer, params ...Param) error {
	switch format {
	case FormatTable, FormatCSV, FormatJSON:
	default:
		return fmt.Errorf("unknown format %q (use table, csv or json)", format)
	}
	w, err := load.Open(ctx, path, "")
	if err != nil {
		return err
	}
	defer w.Close()
	args := make([]any, len(params))
	for i, p := range params {
		args[i] = sql.Named(p.Name, p.Value)
	}
	return printQuery(ctx, w.DB(), query, format, out, args...)
}

// Param is a named query parameter ($name = Value).
type Param struct{ Name, Value string }

// ParseParam reads "name=value".
func ParseParam(s string) (Param, error) {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimPrefix(strings.TrimSpace(name), "$")
	if !ok || name == "" {
		return Param{}, fmt.Errorf("parameter %q: want name=value", s)
	}
	return Param{Name: name, Value: value}, nil
}

func printQuery(ctx context.Context, db *sql.DB, query, format string, out io.Writer, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sql: %s", firstLine(err.Error()))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var table [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		table = append(table, vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sql: %s", firstLine(err.Error()))
	}
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(out)
		if err := cw.Write(cols); err != nil {
			return err
		}
		for _, r := range table {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = text(v)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSON:
		enc := json.NewEncoder(out)
		for _, r := range table {
			obj := make(map[string]any, len(cols))
			for i, c := range cols {
				obj[c] = jsonValue(r[i])
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		return nil
	default:
		return printTable(out, cols, table)
	}
}

func printTable(out io.Writer, cols []string, table [][]any) error {
	widths := make([]int, len(cols))
	cells := make([][]string, len(table))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for r, row := range table {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := text(v)
			if utf8.RuneCountInString(s) > 60 {
				s = string([]rune(s)[:59]) + "…"
			}
			cells[r][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	line := func(vals []string) string {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v))
		}
		return strings.TrimRight(strings.Join(parts, "  "), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(cols))
	seps := make([]string, len(cols))
	for i := range cols {
		seps[i] = strings.Repeat("-", widths[i])
	}
	b.WriteString(line(seps))
	for _, row := range cells {
		b.WriteString(line(row))
	}
	fmt.Fprintf(&b, "(%d rows)\n", len(table))
	_, err := io.WriteString(out, b.String())
	return err
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		v = v.UTC()
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format("2006-01-02") // a DATE, or a timestamp at midnight
		}
		if v.Nanosecond() != 0 {
			return v.Format("2006-01-02 15:04:05.999999Z07:00")
		}
		return v.Format("2006-01-02 15:04:05Z07:00")
	case []byte:
		return string(v)
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	default:
		if b, err := json.Marshal(v); err == nil && (strings.HasPrefix(string(b), "[") || strings.HasPrefix(string(b), "{")) {
			return string(b)
		}
		return fmt.Sprint(v)
	}
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	default:
		if _, err := json.Marshal(v); err != nil {
			return fmt.Sprint(v)
		}
		return v
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// RunsQuery is the query behind `roster runs`: the latest runs with per-source outcome.
func RunsQuery(limit int) string {
	return fmt.Sprintf(`SELECT s.run_id, s.started_at, s.status AS run_status, r.source, r.status, r.records,
	r.inserted, r.updated, r.deleted, r.unchanged, r.requests, r.retries, r.throttled_ms, r.error
FROM (SELECT * FROM sync_runs ORDER BY started_at DESC LIMIT %d) s
LEFT JOIN source_runs r USING (run_id)
ORDER BY s.started_at DESC, r.source`, limit)
}
