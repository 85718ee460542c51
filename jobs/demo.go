package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
)

// DemoOptions configures `roster demo`.
type DemoOptions struct {
	// Dir holds the demo warehouse (roster.duckdb) and lake (lake/); it is reset first.
	Dir    string
	Logger zerolog.Logger
	// Out receives the summaries and sample answers.
	Out io.Writer
	// Size is the synthetic population (default 300 people).
	Size int
}

// Demo serves fake Close, Worksection, Zoom Contact Center and UIS APIs on loopback, syncs two simulated days of a synthetic
// directory into a fresh warehouse and lake under opts.Dir, and prints sample answers.
func Demo(ctx context.Context, opts DemoOptions) error {
	if opts.Size <= 0 {
		opts.Size = 300
	}
	if opts.Dir == "" {
		return errors.New("demo: no directory")
	}
	db, lake := filepath.Join(opts.Dir, "roster.duckdb"), filepath.Join(opts.Dir, "lake")
	for _, p := range []string{db, db + ".wal", db + ".staging", lake} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("demo: resetting %s: %w", p, err)
		}
	}
	fakes, err := StartFakes(synth.New(synth.Config{Seed: 2026, Size: opts.Size}))
	if err != nil {
		return err
	}
	defer fakes.Stop()
	pop := fakes.Population
	// The demo's config is written beside its warehouse, so the user can query it with
	// roster sql --config.
	yaml := fakes.ConfigYAML("# Written by roster demo. The fake providers it names are gone once the demo\n# ends; the warehouse stays for roster sql and roster runs.\n",
		"roster.duckdb", "lake")
	cfgPath := filepath.Join(opts.Dir, "roster.yaml")
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	fmt.Fprintf(opts.Out, "roster demo: fake Close at http://%s, Worksection at http://%s,\nZoom Contact Center at http://%s and UIS at http://%s; %d synthetic people; warehouse %s\n\n",
		fakes.Addrs["close"], fakes.Addrs["worksection"], fakes.Addrs["zoom_contact_center"], fakes.Addrs["uis"], opts.Size, db)
	for day := 0; day < 2; day++ {
		fakes.SetDay(day)
		simulated := pop.Day(day).Date.Add(2 * time.Hour) // the nightly run at 02:00
		started := time.Now()
		res, err := Sync(ctx, SyncOptions{Config: cfg, Logger: opts.Logger,
			Now: func() time.Time { return simulated.Add(time.Since(started)) }})
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.Out, "day %d (%s):\n", day, simulated.Format("2006-01-02"))
		PrintSummary(opts.Out, res)
		fmt.Fprintln(opts.Out)
		if res.Failed() {
			return ErrSourcesFailed
		}
	}
	w, err := load.Open(ctx, db, lake)
	if err != nil {
		return err
	}
	defer w.Close()
	for _, q := range demoQuestions() {
		fmt.Fprintf(opts.Out, "-- %s\n", q[0])
		if err := printQuery(ctx, w.DB(), q[1], FormatTable, opts.Out); err != nil {
			return err
		}
		fmt.Fprintln(opts.Out)
	}
	fmt.Fprintf(opts.Out, "Ask your own: roster sql --config %s \"SELECT count(*) FROM users_current\"\nThe demo lake (Parquet) is in %s\n", cfgPath, lake)
	return nil
}

// demoQuestions are the sample answers the demo prints: a title and its SQL.
func demoQuestions() [][2]string {
	return [][2]string{
		{"headcount today by provider and role", `SELECT provider, role, count(*) AS users, count(*) FILTER (WHERE is_active) AS active
FROM users_current GROUP BY ALL ORDER BY provider, users DESC`},
		{"what changed on the second day", `SELECT h.provider, h.display_name, CASE WHEN h.is_deleted THEN 'departed' WHEN h.changed_fields IS NULL THEN 'hired'
       ELSE array_to_string(h.changed_fields, ', ') END AS change, p.role AS role_before, h.role AS role_now
FROM users_history h
LEFT JOIN users_history p ON p.user_key = h.user_key AND p.valid_to = h.valid_from
WHERE h.run_id = (SELECT run_id FROM sync_runs ORDER BY started_at DESC LIMIT 1)
  AND h.valid_from > (SELECT min(valid_from) FROM users_history g WHERE g.source = h.source)
ORDER BY h.provider, change, h.display_name LIMIT 20`},
		{"presence at the last sync", `SELECT status, count(*) AS users FROM user_status
WHERE run_id = (SELECT max(run_id) FROM user_status) GROUP BY ALL ORDER BY users DESC`},
		{"the run ledger", `SELECT source, status, records, inserted, updated, deleted, unchanged, requests FROM source_runs ORDER BY started_at`},
	}
}
