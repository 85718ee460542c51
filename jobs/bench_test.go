package jobs_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// BenchmarkSyncClose measures the whole pipeline on loopback: a first load of the
// directory (day 0) and the next night's incremental sync (day 1), from HTTP pages
// through Arrow staging to the SCD2 merge and the lake.
func BenchmarkSyncClose(b *testing.B) {
	for _, size := range []int{10_000, 50_000} {
		b.Run(fmt.Sprintf("users=%d", size), func(b *testing.B) {
			pop := synth.New(synth.Config{Seed: 5, Size: size})
			f := fake.New(pop, fake.Options{APIKey: "bench"})
			srv := httptest.NewServer(f)
			defer srv.Close()
			pop.Day(1) // generate outside the timer
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s, lake: %s }
sources:
  - { name: close-bench, provider: close, base_url: %s/api/v1, auth: { api_key: bench }, page_size: 1000 }
`, filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"), srv.URL)), "bench.yaml", nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for day := 0; day < 2; day++ {
					f.SetDay(day)
					at := pop.Day(day).Date.Add(2 * time.Hour)
					res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
					if err != nil || res.Failed() {
						b.Fatalf("day %d: %v %+v", day, err, res.Sources)
					}
				}
			}
			b.ReportMetric(float64(2*size*b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}
