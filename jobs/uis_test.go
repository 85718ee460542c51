package jobs_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

func TestUISSessionExpiryAndMinuteLimitEndInACompleteSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      uisfake.Options
		fault     uisfake.Fault
		throttled bool
	}{
		{"session expires mid-listing", uisfake.Options{}, uisfake.Fault{Method: "get.employees", After: 2, Kind: uisfake.ExpireSessionBefore}, false},
		{"-32029 minute limit mid-listing", uisfake.Options{}, uisfake.Fault{Method: "get.employees", After: 2, Kind: uisfake.LimitExceeded, LimitType: "minute", Reset: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pop := synth.New(synth.Config{Seed: 8, Size: 60})
			f := uisfake.New(pop, tt.opts)
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			dir := t.TempDir()
			cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s }
sources:
  - name: uis
    provider: uis
    base_url: %s/v2.0
    auth: { login: %q, password: %q }
    page_size: 10
    default_region: RU
`, filepath.Join(dir, "r.duckdb"), srv.URL, uisfake.DefaultLogin, uisfake.DefaultPassword)), "roster.yaml", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fault.Kind != 0 {
				f.Inject(tt.fault)
			}
			at := pop.Day(0).Date.Add(2 * time.Hour)
			res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
			if err != nil || res.Failed() {
				t.Fatalf("sync: %v %+v", err, res.Sources)
			}
			r := res.Sources[0]
			h := &harness{cfg: cfg}
			db := h.db(t)
			listed := queryInt(t, db, `SELECT count(*) FROM users_current`)
			if r.Records != listed || listed == 0 || r.Deleted != 0 {
				t.Errorf("source run %+v, %d current users: want a complete listing", r, listed)
			}
			if n := queryInt(t, db, `SELECT count(*) - count(DISTINCT user_id) FROM users_current`); n != 0 {
				t.Errorf("%d users twice", n)
			}
			var retries, throttled int64
			if err := db.QueryRow(`SELECT retries, throttled_ms FROM source_runs WHERE run_id = $1`, res.Run.RunID).Scan(&retries, &throttled); err != nil {
				t.Fatal(err)
			}
			if tt.throttled && throttled < 500 {
				t.Errorf("source_runs retries %d throttled_ms %d: want the minute-limit wait counted", retries, throttled)
			}
			if !tt.throttled && f.Requests()["login.user"] < 2 {
				t.Errorf("login.user called %d times: want a renewed session", f.Requests()["login.user"])
			}
		})
	}
}
