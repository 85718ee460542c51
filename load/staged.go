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

// stagedReader reads the batches of staging files (StageFile) one after another as
// one stream. Each batch is valid until the next call to Next. Its buffers come from
// mem.
type stagedReader struct {
	refs   atomic.Int64
	files  []string
	mem    memory.Allocator
	schema *arrow.Schema

	f   *os.File
	r   *ipc.FileReader
	i   int // the next batch of r
	cur arrow.RecordBatch
	err error
}

// openStagedReader opens files, which must hold one schema; it reads their footers
// only. The reader must be released.
func openStagedReader(files []string, mem memory.Allocator) (*stagedReader, error) {
	if len(files) == 0 {
		return nil, errors.New("no staging files")
	}
	s := &stagedReader{files: files, mem: mem}
	s.refs.Store(1)
	if err := s.open(0); err != nil {
		return nil, err
	}
	s.schema = s.r.Schema()
	for _, path := range files[1:] { // every file's schema is checked before any batch is read
		f, err := os.Open(path)
		if err != nil {
			s.Release()
			return nil, fmt.Errorf("staging: %w", err)
		}
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
		if err == nil && !r.Schema().Equal(s.schema) {
			err = fmt.Errorf("schema %s differs from %s's", r.Schema(), files[0])
		}
		if r != nil {
			r.Close()
		}
		f.Close()
		if err != nil {
			s.Release()
			return nil, fmt.Errorf("staging %s: %w", path, err)
		}
	}
	return s, nil
}

// open makes files[n] the file being read.
func (s *stagedReader) open(n int) error {
	s.closeFile()
	f, err := os.Open(s.files[n])
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(s.mem))
	if err != nil {
		f.Close()
		return fmt.Errorf("staging %s: %w", s.files[n], err)
	}
	s.files, s.f, s.r, s.i = s.files[n:], f, r, 0
	return nil
}

func (s *stagedReader) closeFile() {
	if s.r != nil {
		s.r.Close()
		s.r = nil
	}
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

// Schema is the files' schema.
func (s *stagedReader) Schema() *arrow.Schema { return s.schema }

// Next moves to the next batch; false at the end or on an error (Err).
func (s *stagedReader) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.err != nil || s.r == nil {
		return false
	}
	for s.i >= s.r.NumRecords() {
		if len(s.files) == 1 {
			s.closeFile()
			return false
		}
		if s.err = s.open(1); s.err != nil {
			return false
		}
	}
	s.cur, s.err = s.r.RecordBatchAt(s.i) // the batch is the reader's to release
	if s.err != nil {
		s.err = fmt.Errorf("staging %s: %w", s.files[0], s.err)
		return false
	}
	s.i++
	return true
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

// Release drops a reference; the last one closes the file being read.
func (s *stagedReader) Release() {
	if s.refs.Add(-1) == 0 {
		s.closeFile()
	}
}

var _ array.RecordReader = (*stagedReader)(nil)
