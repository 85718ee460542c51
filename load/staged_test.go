package load

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

// stagedUsers writes users to staging files of batch rows each, one file per part
// (files get consecutive batches), and to one Parquet file of the same batches, and
// returns the staging files and the Parquet file.
func stagedUsers(t *testing.T, users []extract.User, batch, parts int) (files []string, parquetFile string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	schema := transform.Schema(transform.StagedUserColumns())
	var recs []arrow.RecordBatch
	for start := 0; start < len(users); start += batch {
		ub := transform.NewUserBatch(mem)
		for i := start; i < min(start+batch, len(users)); i++ {
			ub.Append(m.User(users[i]), int64(i))
		}
		recs = append(recs, ub.NewRecord())
		ub.Release()
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	perPart := (len(recs) + parts - 1) / parts
	for p := range parts {
		f, err := NewStageFile(filepath.Join(dir, fmt.Sprintf("users-%d.arrow", p)), schema, mem)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[min(p*perPart, len(recs)):min((p+1)*perPart, len(recs))] {
			if err := f.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		files = append(files, f.Path())
	}
	parquetFile = filepath.Join(dir, "users.parquet")
	out, err := os.Create(parquetFile)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(parquet.WithAllocator(mem)), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := pw.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	return files, parquetFile
}

// readStaged runs query on conn with {{files}} the staging files' relation.
func readStaged(t *testing.T, conn *sql.Conn, query string, files []string) (string, error) {
	t.Helper()
	ctx := context.Background()
	rel, release, err := stagedRelation(ctx, conn, "staged_files", files)
	if err != nil {
		return "", err
	}
	defer release()
	var out sql.NullString
	err = conn.QueryRowContext(ctx, strings.ReplaceAll(query, "{{files}}", rel)).Scan(&out)
	return out.String, err
}

// Every column of the staged users, asked for alone and beside others, reads back as
// the same batches written to Parquet read back: a view that handed DuckDB the wrong
// columns (it takes the first ones of a batch for those it asked for, unless told
// otherwise) crashed on a list column and would silently swap two text columns.
func TestEachStagedColumnReadsBackAsWritten(t *testing.T) {
	t.Parallel()
	var users []extract.User
	for i := range 23 {
		u := extract.User{ID: fmt.Sprintf("u%02d", i), Email: fmt.Sprintf("u%02d@x.io", i), FirstName: fmt.Sprintf("F%d", i), LastName: "L",
			Role: "user", Title: strings.Repeat("t", i%3), UpdatedAt: "2026-01-01T00:00:00.000000+00:00"}
		if i%2 == 0 {
			u.Phones = []extract.Phone{{Raw: fmt.Sprintf("+1 650 253 %04d", i), Kind: "mobile"}, {Raw: "bogus", Kind: "office"}}
		}
		if i%3 == 0 {
			u.Groups = []extract.Group{{ID: "g", Name: "G", Kind: "team"}}
		}
		users = append(users, u)
	}
	w := openBare(t)
	ctx := context.Background()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range []struct {
		name         string
		batch, parts int
	}{
		{"one file of one batch", 100, 1},
		{"one file of many batches", 5, 1},
		{"three files", 4, 3},
		{"a file without batches", 23, 2},
	} {
		files, pq := stagedUsers(t, users, tc.batch, tc.parts)
		var cols []string
		for _, c := range transform.StagedUserColumns() {
			cols = append(cols, c.Name)
		}
		queries := []string{"SELECT count(*)::VARCHAR FROM {{files}}", "SELECT string_agg(user_key || ':' || phones::VARCHAR, ' ' ORDER BY seq) FROM {{files}}"}
		for _, c := range cols {
			queries = append(queries, fmt.Sprintf("SELECT string_agg(%s::VARCHAR, ' | ' ORDER BY seq) FROM {{files}}", c),
				fmt.Sprintf("SELECT string_agg(seq || '=' || coalesce(%s::VARCHAR, 'NULL'), ' | ' ORDER BY seq) FROM {{files}}", c))
		}
		for _, q := range queries {
			got, err := readStaged(t, conn, q, files)
			if err != nil {
				t.Fatalf("%s: %s: %v", tc.name, q, err)
			}
			var want sql.NullString
			if err := conn.QueryRowContext(ctx, strings.ReplaceAll(q, "{{files}}", "read_parquet("+lit(pq)+")")).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got != want.String {
				t.Errorf("%s: %s\n got %s\nwant %s", tc.name, q, got, want.String)
			}
		}
	}
}

// A staging file that is cut short, or files of different schemas, fail the statement
// that reads them with the file named.
func TestABrokenStagingFileFailsItsReadNamingIt(t *testing.T) {
	t.Parallel()
	users := []extract.User{{ID: "a", Email: "a@x.io"}, {ID: "b", Email: "b@x.io"}}
	w := openBare(t)
	conn, err := w.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	files, _ := stagedUsers(t, users, 1, 1)
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(files[0], st.Size()/2); err != nil {
		t.Fatal(err)
	}
	if _, err := readStaged(t, conn, "SELECT count(*)::VARCHAR FROM {{files}}", files); err == nil || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("reading a truncated staging file: %v, want an error naming %s", err, files[0])
	}

	good, _ := stagedUsers(t, users, 1, 1)
	other := filepath.Join(t.TempDir(), "listing.arrow")
	mem := memory.NewGoAllocator()
	f, err := NewStageFile(other, transform.Schema(transform.SeenColumns()), mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readStaged(t, conn, "SELECT count(*)::VARCHAR FROM {{files}}", []string{good[0], other}); err == nil || !strings.Contains(err.Error(), other) {
		t.Errorf("reading staging files of two schemas: %v, want an error naming %s", err, other)
	}
}
