//go:build !duckdb_arrow

package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// stagedRelation makes staging files readable on conn, for one statement, as the
// relation it returns. Builds without DuckDB's Arrow interface (the Makefile's builds
// have it, see staged_arrow.go) copy the files into one uncompressed Parquet file that
// DuckDB reads; release removes it.
func stagedRelation(_ context.Context, _ *sql.Conn, name string, files []string) (relation string, release func(), err error) {
	mem := mallocator.NewMallocator()
	rdr, err := openStagedReader(files, mem)
	if err != nil {
		return "", nil, err
	}
	defer rdr.Release()
	path := files[0] + "." + name + ".parquet"
	f, err := os.Create(path)
	if err != nil {
		return "", nil, fmt.Errorf("staging: %w", err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithAllocator(mem))
	w, err := pqarrow.NewFileWriter(rdr.Schema(), f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
	if err != nil {
		f.Close()
		os.Remove(path)
		return "", nil, fmt.Errorf("staging %s: %w", path, err)
	}
	for rdr.Next() {
		if err = w.Write(rdr.RecordBatch()); err != nil {
			break
		}
	}
	err = errors.Join(err, rdr.Err(), w.Close()) // Close closes f
	if err != nil {
		os.Remove(path)
		return "", nil, fmt.Errorf("staging %s: %w", path, err)
	}
	return "read_parquet(" + lit(path) + ")", func() { os.Remove(path) }, nil
}
