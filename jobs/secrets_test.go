package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// dumpTables renders every row of every warehouse table as text.
func dumpTables(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"users_history", "user_status", "sync_runs", "source_runs", "data_quality", "source_fields", "schema_migrations"} {
		var s sql.NullString
		if err := db.QueryRow(`SELECT string_agg(to_json(x)::VARCHAR, '\n') FROM ` + table + ` x`).Scan(&s); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		b.WriteString(s.String)
	}
	return b.String()
}

func TestSecretsNeverLeakFromAnyProvider(t *testing.T) {
	t.Parallel()
	fakes, err := jobs.StartFakes(synth.New(synth.Config{Seed: 5, Size: 30}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Stop)
	dir := t.TempDir()
	good := fakes.ConfigYAML("", filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"))
	secrets := []string{"demo-close-api-key", fakes.Zoom.ClientSecret(), uisfake.DefaultPassword}
	for _, s := range secrets {
		if !strings.Contains(good, s) {
			t.Fatalf("the config does not plant %q", s)
		}
	}
	run := func(yaml string, day int) (logs, summary, metrics string, res jobs.SyncResult) {
		cfg, err := config.Parse([]byte(yaml), filepath.Join(dir, "roster.yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		fakes.SetDay(day)
		at := fakes.Population.Day(day).Date.Add(2 * time.Hour)
		res, err = jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.New(zerolog.SyncWriter(&out)).Level(zerolog.TraceLevel),
			Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		sp, mp := filepath.Join(dir, fmt.Sprintf("s%d.json", day)), filepath.Join(dir, fmt.Sprintf("m%d.prom", day))
		if err := jobs.WriteSummaryJSON(sp, res); err != nil {
			t.Fatal(err)
		}
		if err := jobs.WriteMetricsFile(mp, res); err != nil {
			t.Fatal(err)
		}
		var printed strings.Builder
		jobs.PrintSummary(&printed, res)
		s, _ := os.ReadFile(sp)
		m, _ := os.ReadFile(mp)
		return out.String() + printed.String(), string(s), string(m), res
	}
	logs, summary, metrics, res := run(good, 0)
	if res.Failed() {
		t.Fatalf("good config failed: %+v", res.Sources)
	}
	// Every key wrong: every provider's error path.
	bad := good
	for _, s := range secrets {
		bad = strings.ReplaceAll(bad, s, s+"-wrong")
	}
	badLogs, badSummary, badMetrics, badRes := run(bad, 1)
	if badRes.Run.Status != "failed" {
		t.Errorf("wrong keys: run status %q", badRes.Run.Status)
	}
	var lake strings.Builder
	filepath.WalkDir(filepath.Join(dir, "lake"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			lake.Write(b)
		}
		return nil
	})
	db := (&harness{cfg: &config.Config{Warehouse: config.Warehouse{DuckDB: filepath.Join(dir, "r.duckdb")}}}).db(t)
	outputs := map[string]string{
		"logs": logs + badLogs, "summary JSON": summary + badSummary, "metrics": metrics + badMetrics,
		"warehouse": dumpTables(t, db), "lake": lake.String(),
	}
	for _, s := range secrets {
		for where, text := range outputs {
			if strings.Contains(text, s) {
				t.Errorf("secret %q leaked into the %s", s, where)
			}
		}
	}
	if !strings.Contains(badLogs, "authentication failed") {
		t.Errorf("wrong keys gave no auth errors:\n%s", badLogs)
	}
}
