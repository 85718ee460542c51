package load

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StageFile writes Arrow record batches of one schema to an Arrow IPC file on disk,
// batch by batch, so a listing of any size is staged with memory bounded by the batch
// size. It is not safe for concurrent use.
//
// Staging is written once and read once, locally, by the merge: the IPC format is the
// batches' own memory written out, which costs a third of the time of uncompressed
// Parquet and none of its garbage (measured on 300,000 staged users: 0.47 s and 1 MB of
// Go heap against 1.4 s and 850 MB), and DuckDB scans it as Arrow in the same time as it
// read the Parquet.
type StageFile struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	w    *ipc.FileWriter
	rows int64
}

// stageWriteBuffer batches the IPC writer's many small writes (a few per column and
// batch) into large ones.
const stageWriteBuffer = 1 << 20

// NewStageFile creates path (and its directory) for batches of schema. The writer's
// buffers come from mem: C malloc (arrow's mallocator) keeps them out of the Go heap
// and its collections.
func NewStageFile(path string, schema *arrow.Schema, mem memory.Allocator) (*StageFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	buf := bufio.NewWriterSize(f, stageWriteBuffer)
	w, err := ipc.NewFileWriter(buf, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("staging %s: %w", path, err)
	}
	return &StageFile{path: path, f: f, buf: buf, w: w}, nil
}

// Write appends one batch. The caller keeps ownership of rec.
func (s *StageFile) Write(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if err := s.w.Write(rec); err != nil {
		return fmt.Errorf("staging %s: %w", s.path, err)
	}
	s.rows += rec.NumRows()
	return nil
}

// Rows is the number of rows written.
func (s *StageFile) Rows() int64 { return s.rows }

// Path is the staging file's path.
func (s *StageFile) Path() string { return s.path }

// Close writes the file's footer and closes it.
func (s *StageFile) Close() error {
	err := s.w.Close()
	if err == nil {
		err = s.buf.Flush()
	}
	if err != nil {
		return errors.Join(fmt.Errorf("staging %s: %w", s.path, err), s.f.Close())
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("staging %s: %w", s.path, err)
	}
	return nil
}
