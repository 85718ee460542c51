package load_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

func TestAStagingFileHoldsNoMoreThanARowGroupInMemory(t *testing.T) {
	t.Parallel()
	const batches, batchRows = 12, 10000
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "listing.parquet")
	f, err := load.NewStageFile(path, transform.Schema(transform.SeenColumns()), mem)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]int, batches) // bytes the writer holds after each batch
	for b := range batches {
		lb := transform.NewSeenBatch(mem)
		for i := range batchRows {
			n := b*batchRows + i
			lb.Append(fmt.Sprintf("key-%07d", n), fmt.Sprintf("user-%07d", n), int64(n), fmt.Sprintf("%032x", n))
		}
		rec := lb.NewRecord()
		if err := f.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		lb.Release()
		held[b] = mem.CurrentAlloc()
	}
	// A writer that kept the whole file would hold about six times as much after the last
	// batch as after the second.
	if held[batches-1] > 2*held[1] {
		t.Errorf("the writer holds %d bytes after %d rows and %d after %d: it keeps what it has written", held[1], 2*batchRows, held[batches-1], batches*batchRows)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != batches*batchRows || r.NumRowGroups() != batches {
		t.Errorf("file has %d rows in %d row groups, want %d in %d, one per batch", r.NumRows(), r.NumRowGroups(), batches*batchRows, batches)
	}
}
