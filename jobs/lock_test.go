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

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/close/fake"
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

func TestTwoSyncsOnOneWarehouse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 40, "")
	h.fake.Inject(fake.Fault{Path: "/api/v1/user/", Kind: fake.Slow, Delay: 1500 * time.Millisecond})
	at := h.pop.Day(0).Date.Add(2 * time.Hour)
	sync := func(wait time.Duration) (jobs.SyncResult, error) {
		return jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Logger: zerolog.Nop(), Wait: wait, Now: func() time.Time { return at }})
	}
	first := make(chan error, 1)
	go func() {
		res, err := sync(0)
		if err == nil && res.Failed() {
			err = errors.New("first sync failed")
		}
		first <- err
	}()
	time.Sleep(500 * time.Millisecond) // the first sync is inside its slow listing

	_, err := sync(0)
	if !errors.Is(err, jobs.ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), "roster sync") {
		t.Errorf("a second sync: %v; want it to fail fast naming the holder", err)
	}
	res, err := sync(30 * time.Second)
	if err != nil || res.Failed() {
		t.Fatalf("a waiting sync: %v %+v", err, res.Sources)
	}
	select {
	case err := <-first:
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal("the waiting sync finished before the first one")
	}
	if r := res.Sources[0]; r.Unchanged != r.Records {
		t.Errorf("the waiting sync ran after the first one, so it finds nothing new: %+v", r)
	}
}
