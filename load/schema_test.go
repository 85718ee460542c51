package load_test

import (
	"context"
	"strings"
	"testing"

	"github.com/roster-etl/roster/transform"
)

// TestDDLMatchesDeclaredColumns keeps sql/migrations and transform's column
// declarations in agreement: same names, order and types.
func TestDDLMatchesDeclaredColumns(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	for table, cols := range map[string][]transform.Column{
		"users_history": append(transform.UserColumns(), transform.HistoryColumns()...),
		"user_status":   transform.StatusColumns(),
	} {
		rows, err := w.DB().QueryContext(context.Background(), `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, table)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for rows.Next() {
			var name, typ, nullable string
			if err := rows.Scan(&name, &typ, &nullable); err != nil {
				t.Fatal(err)
			}
			if i >= len(cols) {
				t.Errorf("%s: extra column %s in DDL", table, name)
				continue
			}
			c := cols[i]
			typ = strings.ReplaceAll(typ, `"`, "") // DuckDB quotes field names that are keywords
			if name != c.Name || typ != c.DuckDBType() || (nullable == "YES") != c.Nullable {
				t.Errorf("%s column %d: DDL has %s %s nullable=%s, declared %s %s nullable=%v", table, i, name, typ, nullable, c.Name, c.DuckDBType(), c.Nullable)
			}
			i++
		}
		rows.Close()
		if i != len(cols) {
			t.Errorf("%s: DDL has %d columns, declared %d", table, i, len(cols))
		}
	}
}
