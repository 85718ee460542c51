package load_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

func TestAStagingFileHoldsNoMoreThanABatchInMemory(t *testing.T) {
	t.Parallel()
	const batches, batchRows = 12, 10000
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "listing.arrow")
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
	f2, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	r, err := ipc.NewFileReader(f2, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := int64(0)
	for i := range r.NumRecords() {
		rec, err := r.RecordBatch(i)
		if err != nil {
			t.Fatal(err)
		}
		rows += rec.NumRows()
	}
	if rows != batches*batchRows || r.NumRecords() != batches {
		t.Errorf("file has %d rows in %d batches, want %d in %d", rows, r.NumRecords(), batches*batchRows, batches)
	}
}
