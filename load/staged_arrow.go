//go:build duckdb_arrow

package load

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"
	"github.com/duckdb/duckdb-go/v2"
)

// stagedRelation makes staging files readable on conn, for one statement, as the
// relation it returns: a view DuckDB scans as Arrow straight from the files, batch by
// batch, their buffers in C memory. The view is a stream: a statement reads it once,
// and release drops it.
//
// The view has one column, r, a struct of the staged columns, which the relation
// unpacks: a view registered through DuckDB's C interface ignores the columns a query
// asks for, and DuckDB then takes the first columns of a batch for the ones it asked
// for (selecting only a list column crashed; duckdb/duckdb-go#28). With one column, the
// one asked for is the one given.
func stagedRelation(ctx context.Context, conn *sql.Conn, name string, files []string) (relation string, release func(), err error) {
	rdr, err := openStagedReader(files, mallocator.NewMallocator())
	if err != nil {
		return "", nil, err
	}
	one := &oneColumnReader{src: rdr, schema: arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.StructOf(rdr.Schema().Fields()...)}}, nil)}
	one.refs.Store(1)
	defer one.Release() // the view holds its own reference
	var unregister func()
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		unregister, err = ar.RegisterView(one, name)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("staging %s: %w", files[0], err)
	}
	return "(SELECT r.* FROM " + name + ")", func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+name)
		unregister()
	}, nil
}

// oneColumnReader reads a stagedReader's batches as batches of one struct column.
type oneColumnReader struct {
	src    *stagedReader
	schema *arrow.Schema
	refs   atomic.Int64
	cur    arrow.RecordBatch
}

// Schema is the one column's.
func (o *oneColumnReader) Schema() *arrow.Schema { return o.schema }

// Next moves to the next batch.
func (o *oneColumnReader) Next() bool {
	if o.cur != nil {
		o.cur.Release()
		o.cur = nil
	}
	if !o.src.Next() {
		return false
	}
	rec := o.src.RecordBatch()
	children := make([]arrow.ArrayData, rec.NumCols())
	for i, c := range rec.Columns() {
		children[i] = c.Data()
	}
	d := array.NewData(o.schema.Field(0).Type, int(rec.NumRows()), []*memory.Buffer{nil}, children, 0, 0)
	col := array.MakeFromData(d)
	d.Release()
	o.cur = array.NewRecordBatch(o.schema, []arrow.Array{col}, rec.NumRows())
	col.Release()
	return true
}

// RecordBatch is the current batch.
func (o *oneColumnReader) RecordBatch() arrow.RecordBatch { return o.cur }

// Record is the current batch.
//
// Deprecated: Use RecordBatch (array.RecordReader still names it).
func (o *oneColumnReader) Record() arrow.RecordBatch { return o.cur }

// Err is the error that ended the stream, if any.
func (o *oneColumnReader) Err() error { return o.src.Err() }

// Retain adds a reference.
func (o *oneColumnReader) Retain() { o.refs.Add(1) }

// Release drops a reference; the last one releases the current batch and the files.
func (o *oneColumnReader) Release() {
	if o.refs.Add(-1) == 0 {
		if o.cur != nil {
			o.cur.Release()
			o.cur = nil
		}
		o.src.Release()
	}
}

var _ array.RecordReader = (*oneColumnReader)(nil)
