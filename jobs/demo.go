package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	uisfake "github.com/roster-etl/roster/extract/uis/fake"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	zoomfake "github.com/roster-etl/roster/extract/zoomcc/fake"
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

// demoKey is the API key the demo's fake Close accepts; it is not a secret.
const demoKey = "demo-close-api-key"

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
	pop := synth.New(synth.Config{Seed: 2026, Size: opts.Size})
	closeFake := fake.New(pop, fake.Options{APIKey: demoKey})
	wsFake := wsfake.New(pop, wsfake.Options{APIKey: demoKey})
	closeAddr, stopClose, err := serveLoopback(closeFake)
	if err != nil {
		return err
	}
	defer stopClose()
	wsAddr, stopWS, err := serveLoopback(wsFake)
	if err != nil {
		return err
	}
	defer stopWS()
	zoomFake := zoomfake.New(pop, zoomfake.Options{})
	zoomAddr, stopZoom, err := serveLoopback(zoomFake)
	if err != nil {
		return err
	}
	defer stopZoom()
	uisFake := uisfake.New(pop, uisfake.Options{})
	uisAddr, stopUIS, err := serveLoopback(uisFake)
	if err != nil {
		return err
	}
	defer stopUIS()

	// The demo's config is written beside its warehouse, so the user can query it with
	// roster sql --config; the keys are the fakes', not secrets.
	yaml := fmt.Sprintf(`# Written by roster demo. The fake providers it names are gone once the demo
# ends; the warehouse stays for roster sql and roster runs.
warehouse:
  duckdb: %q
  lake: %q
sources:
  - name: close-demo
    provider: close
    base_url: http://%s/api/v1
    auth: { api_key: %q }
    default_region: US
  - name: worksection-demo
    provider: worksection
    base_url: http://%s/api/admin/v2/
    auth: { api_key: %q }
    default_region: US
    timezone: %s
  - name: zoom-cc-demo
    provider: zoom_contact_center
    base_url: http://%s/v2
    token_url: http://%s/oauth/token
    auth: { account_id: %q, client_id: %q, client_secret: %q }
  - name: uis-demo
    provider: uis
    base_url: http://%s/v2.0
    auth: { login: %q, password: %q }
    default_region: RU
    timezone: Europe/Moscow
`, "roster.duckdb", "lake", closeAddr, demoKey, wsAddr, demoKey, wsFake.Location(),
		zoomAddr, zoomAddr, zoomFake.AccountID(), zoomFake.ClientID(), zoomFake.ClientSecret(),
		uisAddr, uisfake.DefaultLogin, uisfake.DefaultPassword)
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
		closeAddr, wsAddr, zoomAddr, uisAddr, opts.Size, db)
	for day := 0; day < 2; day++ {
		closeFake.SetDay(day)
		wsFake.SetDay(day)
		zoomFake.SetDay(day)
		uisFake.SetDay(day)
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

// serveLoopback serves h on an ephemeral loopback port until stop is called.
func serveLoopback(h http.Handler) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }, nil
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
