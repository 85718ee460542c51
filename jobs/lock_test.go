package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/jobs"
)

func TestOneWriterAtATime(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "roster.duckdb")
	ctx := context.Background()
	first, err := jobs.AcquireLock(ctx, db, "sync", 0)
	if err != nil {
		t.Fatal(err)
	}

	_, err = jobs.AcquireLock(ctx, db, "sync", 0)
	if !errors.Is(err, jobs.ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) ||
		!strings.Contains(err.Error(), "started ") || !strings.Contains(err.Error(), "--wait") {
		t.Errorf("second writer: %v; want ErrLocked naming the holder's pid and start time", err)
	}

	start := time.Now()
	_, err = jobs.AcquireLock(ctx, db, "sync", 300*time.Millisecond)
	if !errors.Is(err, jobs.ErrLocked) || time.Since(start) < 300*time.Millisecond || !strings.Contains(err.Error(), "gave up after waiting 300ms") {
		t.Errorf("waiting writer: %v after %s", err, time.Since(start))
	}

	go func() {
		time.Sleep(200 * time.Millisecond)
		first.Release()
	}()
	second, err := jobs.AcquireLock(ctx, db, "sync", 5*time.Second)
	if err != nil {
		t.Fatalf("a writer waiting for a release: %v", err)
	}
	second.Release()
}
