package jobs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/jobs"
)

func TestProgressShowsEachSourceAndKeepsLogsApart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, "")
	var screen bytes.Buffer
	progress := jobs.NewProgress(&screen)
	at := h.pop.Day(0).Date.Add(2 * time.Hour)
	res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Progress: progress,
		Logger: zerolog.New(progress.Writer()), Now: func() time.Time { return at }})
	progress.Wait()
	if err != nil || res.Failed() {
		t.Fatalf("sync: %v %+v", err, res.Sources)
	}
	out := screen.String()
	if !strings.Contains(out, "close-main") || !strings.Contains(out, "60 u") || !strings.Contains(out, "done") {
		t.Errorf("progress display lacks the source's counters:\n%s", out)
	}
	if !strings.Contains(out, `"message":"source loaded"`) {
		t.Errorf("logs written through the progress display are lost:\n%s", out)
	}
}
