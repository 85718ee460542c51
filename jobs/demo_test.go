package jobs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/jobs"
)

func TestDemoSyncsTwoDaysAndPrintsAnswers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	for i := 0; i < 2; i++ { // a second demo starts afresh in the same directory
		out.Reset()
		if err := jobs.Demo(context.Background(), jobs.DemoOptions{Dir: dir, Logger: zerolog.Nop(), Out: &out, Size: 40}); err != nil {
			t.Fatalf("demo %d: %v\n%s", i, err, out.String())
		}
	}
	for _, want := range []string{"day 0", "day 1", "succeeded", "headcount today by provider and role", "hired", "departed", "presence at the last sync", "roster sql --config"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	var q bytes.Buffer
	if err := jobs.Query(context.Background(), dir+"/roster.duckdb", "SELECT count(DISTINCT run_id) AS runs FROM sync_runs", jobs.FormatCSV, &q); err != nil || q.String() != "runs\n2\n" {
		t.Errorf("demo warehouse holds %q (%v), want exactly the 2 runs of the last demo", q.String(), err)
	}
}
