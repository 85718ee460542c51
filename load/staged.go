package load

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// stagedFile is one open staging file.
type stagedFile struct {
	path string
	f    *os.File
	r    *ipc.FileReader
}

// stagedReader reads the batches of staging files (StageFile) one after another as
// one stream. Each batch is valid until the next call to Next. Its buffers come from
// the allocator the files were opened with.
type stagedReader struct {
	refs   atomic.Int64
	files  []stagedFile // open; files[0] is the one being read
	schema *arrow.Schema
	i      int // the next batch of files[0]
	cur    arrow.RecordBatch
	err    error
}

// openStagedReader opens files, which must hold one schema (it reads their footers
// only). The reader must be released.
func openStagedReader(paths []string, mem memory.Allocator) (*stagedReader, error) {
	if len(paths) == 0 {
		return nil, errors.New("no staging files")
	}
	s := &stagedReader{}
	s.refs.Store(1)
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("staging: %w", err)
		}
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
		if err == nil && s.schema != nil && !r.Schema().Equal(s.schema) {
			r.Close()
			err = fmt.Errorf("schema %s differs from %s's", r.Schema(), paths[0])
		}
		if err != nil {
			f.Close()
			s.close()
			return nil, fmt.Errorf("staging %s: %w", path, err)
		}
		if s.schema == nil {
			s.schema = r.Schema()
		}
		s.files = append(s.files, stagedFile{path, f, r})
	}
	return s, nil
}

// close releases the current batch and closes the files not read to the end.
func (s *stagedReader) close() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	for _, f := range s.files {
		f.r.Close()
		f.f.Close()
	}
	s.files = nil
}

// Schema is the files' schema.
func (s *stagedReader) Schema() *arrow.Schema { return s.schema }

// Next moves to the next batch; false at the end or on an error (Err).
func (s *stagedReader) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	for s.err == nil && len(s.files) > 0 {
		f := s.files[0]
		if s.i < f.r.NumRecords() {
			s.cur, s.err = f.r.RecordBatchAt(s.i) // the batch is the reader's to release
			if s.err != nil {
				s.err = fmt.Errorf("staging %s: %w", f.path, s.err)
				return false
			}
			s.i++
			return true
		}
		f.r.Close()
		f.f.Close()
		s.files, s.i = s.files[1:], 0
	}
	return false
}

// RecordBatch is the current batch.
func (s *stagedReader) RecordBatch() arrow.RecordBatch { return s.cur }

// Record is the current batch.
//
// Deprecated: Use RecordBatch (array.RecordReader still names it).
func (s *stagedReader) Record() arrow.RecordBatch { return s.cur }

// Err is the error that ended the stream, if any.
func (s *stagedReader) Err() error { return s.err }

// Retain adds a reference.
func (s *stagedReader) Retain() { s.refs.Add(1) }

// Release drops a reference; the last one closes the files.
func (s *stagedReader) Release() {
	if s.refs.Add(-1) == 0 {
		s.close()
	}
}

var _ array.RecordReader = (*stagedReader)(nil)
