package load_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// benchUsers is a directory of n users; on day > 0, 1% of them changed role.
func benchUsers(n, day int) []transform.UserRow {
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	out := make([]transform.UserRow, n)
	for i := range out {
		role := "user"
		if day > 0 && i%100 == 0 {
			role = "admin"
		}
		out[i] = m.User(extract.User{
			ID: fmt.Sprintf("user_%08d", i), Email: fmt.Sprintf("u%d@acme.example", i), FirstName: "First", LastName: fmt.Sprint(i),
			Role: role, Groups: []extract.Group{{ID: "group_1", Name: "Sales", Kind: "group"}, {ID: "orga_1", Name: "Acme", Kind: "organization"}},
			CreatedAt: "2020-01-02T03:04:05.000000+00:00", UpdatedAt: "2024-01-02T03:04:05.000000+00:00",
		})
	}
	return out
}

func stageBench(b *testing.B, dir string, users []transform.UserRow) load.Staged {
	b.Helper()
	f, err := load.NewStageFile(filepath.Join(dir, "users.arrow"), transform.Schema(transform.StagedUserColumns()), memory.DefaultAllocator)
	if err != nil {
		b.Fatal(err)
	}
	lf, err := load.NewStageFile(filepath.Join(dir, "listing.arrow"), transform.Schema(transform.SeenColumns()), memory.DefaultAllocator)
	if err != nil {
		b.Fatal(err)
	}
	ub := transform.NewUserBatch(memory.NewGoAllocator())
	defer ub.Release()
	lb := transform.NewSeenBatch(memory.NewGoAllocator())
	defer lb.Release()
	for i, u := range users {
		u.Fingerprint = rowFingerprint(b, u)
		ub.Append(u, int64(i))
		lb.Append(u.UserKey, u.UserID, int64(i), u.Fingerprint)
		if ub.Len() == 5000 || i == len(users)-1 {
			for _, w := range []struct {
				rec arrow.RecordBatch
				f   *load.StageFile
			}{{ub.NewRecord(), f}, {lb.NewRecord(), lf}} {
				if err := w.f.Write(w.rec); err != nil {
					b.Fatal(err)
				}
				w.rec.Release()
			}
		}
	}
	if err := errors.Join(f.Close(), lf.Close()); err != nil {
		b.Fatal(err)
	}
	return load.Staged{UserFiles: []string{f.Path()}, ListingFiles: []string{lf.Path()}}
}

// BenchmarkMerge measures one night's SCD2 merge of a staged directory with 1% churn
// into a warehouse holding the previous night, and the lake publish that follows.
func BenchmarkMerge(b *testing.B) {
	for _, n := range []int{50_000, 200_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			day0, day1 := benchUsers(n, 0), benchUsers(n, 1)
			ctx := context.Background()
			t0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				w, err := load.Open(ctx, filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "lake"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Merge(ctx, load.SourceRun{RunID: "r0", Source: "crm", Provider: "close", StartedAt: t0, Complete: true}, stageBench(b, filepath.Join(dir, "s0"), day0)); err != nil {
					b.Fatal(err)
				}
				staged := stageBench(b, filepath.Join(dir, "s1"), day1)
				b.StartTimer()
				start := time.Now()
				r, err := w.Merge(ctx, load.SourceRun{RunID: "r1", Source: "crm", Provider: "close", StartedAt: t0.Add(24 * time.Hour), Complete: true}, staged)
				if err != nil || r.Updated != int64(n/100) {
					b.Fatalf("merge: %v %+v", err, r)
				}
				merged := time.Since(start)
				if err := w.PublishLake(ctx, []string{"crm"}); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(merged.Milliseconds()), "merge-ms")
				b.StopTimer()
				w.Close()
			}
		})
	}
}

// BenchmarkPublishSourceOnAWholeLake measures the publishing that follows every merge
// when the lake already holds every run's files, on a month of nightly status rows.
func BenchmarkPublishSourceOnAWholeLake(b *testing.B) {
	const users, nights = 10_000, 30
	ctx := context.Background()
	dir := b.TempDir()
	w, err := load.Open(ctx, filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "lake"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	rows := benchUsers(users, 0)
	sts := make([]transform.StatusRow, len(rows))
	for i, u := range rows {
		sts[i] = transform.StatusRow{Source: "crm", Provider: "close", UserKey: u.UserKey, UserID: u.UserID, Status: "available"}
	}
	t0 := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	for n := 0; n < nights; n++ {
		runID, at := fmt.Sprintf("r%02d", n), t0.Add(time.Duration(n)*24*time.Hour)
		run := load.SourceRun{RunID: runID, Source: "crm", Provider: "close", StartedAt: at, FinishedAt: at, Complete: true}
		if _, err := w.Merge(ctx, run, stage(b, filepath.Join(dir, "stage"), rows, sts, runID, at)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.PublishLake(ctx, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.PublishSource(ctx, "crm"); err != nil {
			b.Fatal(err)
		}
	}
}
