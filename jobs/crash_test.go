package jobs_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

var killPoints = flag.Int("kill-points", 8, "SIGKILL points of TestSyncSurvivesSIGKILLAnywhere (make crash runs 50)")

// TestMain doubles as the child process of the kill harness: with ROSTER_CRASH_CONFIG
// set, it runs one sync of that config and exits.
func TestMain(m *testing.M) {
	if path := os.Getenv("ROSTER_CRASH_CONFIG"); path != "" {
		cfg, err := config.Load(path, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		// As cmd/roster does: SIGTERM cancels the run, which stops the source in
		// progress (its history untouched), records the outcome and exits non-zero.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		res, err := jobs.Sync(ctx, jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop()})
		stop()
		if err != nil || res.Failed() {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// history is each user's sequence of (row_hash, deleted): the state a run leaves,
// independent of when it ran.
func history(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(`SELECT string_agg(user_key || '=' || h, ';' ORDER BY user_key) FROM (
		SELECT user_key, string_agg(row_hash || CASE WHEN is_deleted THEN '-' ELSE '+' END, ',' ORDER BY valid_from) AS h
		FROM users_history GROUP BY user_key)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s.String
}

// checkInvariants asserts what no crash may break.
func checkInvariants(t *testing.T, db *sql.DB, lake, when string) {
	t.Helper()
	for name, q := range map[string]string{
		"users without exactly one current row": `SELECT count(*) FROM (SELECT user_key FROM users_history GROUP BY ALL
			HAVING count(*) FILTER (WHERE is_current) <> 1)`,
		"overlapping or broken validity intervals": `SELECT count(*) FROM (
			SELECT valid_from, valid_to, lead(valid_from) OVER (PARTITION BY user_key ORDER BY valid_from) AS nxt FROM users_history)
			WHERE (nxt IS NULL) <> (valid_to IS NULL) OR valid_to <> nxt OR valid_from >= coalesce(valid_to, 'infinity'::TIMESTAMPTZ)`,
		"versions without a succeeded source_runs row": `SELECT count(*) FROM users_history h WHERE NOT EXISTS (
			SELECT 1 FROM source_runs r WHERE r.run_id = h.run_id AND r.source = h.source AND r.status = 'succeeded')`,
	} {
		if n := queryInt(t, db, q); n != 0 {
			t.Errorf("%s: %s: %d", when, name, n)
		}
	}
	assertLakeMatchesWarehouse(t, db, lake)
}

// TestSyncSurvivesSIGKILLAnywhere kills roster sync subprocesses at seeded random points
// (paging, staging, merging, publishing), then runs a clean sync and checks the
// invariants, and finally that the history equals that of an uninterrupted run.
func TestSyncSurvivesSIGKILLAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Parallel()
	fakes, err := jobs.StartFakes(synth.New(synth.Config{Seed: 31, Size: 150}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Stop)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "roster.yaml")
	if err := os.WriteFile(cfgPath, []byte(fakes.ConfigYAML("", "crash.duckdb", "lake")), 0o600); err != nil {
		t.Fatal(err)
	}
	refDir := t.TempDir()
	refCfg, err := config.Parse([]byte(fakes.ConfigYAML("", filepath.Join(refDir, "ref.duckdb"), filepath.Join(refDir, "lake"))), "ref.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ROSTER_CRASH_CONFIG="+cfgPath)
		return cmd
	}
	// How long an uninterrupted child takes, to spread the kill points over it.
	start := time.Now()
	if out, err := child().CombinedOutput(); err != nil {
		t.Fatalf("a clean child sync: %v\n%s", err, out)
	}
	span := time.Since(start)

	rng := rand.New(rand.NewPCG(2026, uint64(*killPoints)))
	days := 3
	perDay := max(1, *killPoints/days)
	for day := 0; day < days; day++ {
		fakes.SetDay(day)
		for k := 0; k < perDay; k++ {
			cmd := child()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			delay := time.Duration(rng.Int64N(int64(span)))
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			// A clean sync after the crash, then the invariants.
			res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop()})
			if err != nil || res.Failed() {
				t.Fatalf("day %d kill %d at %s: the clean sync after it: %v %+v", day, k, delay, err, res)
			}
			if _, err := os.Stat(filepath.Join(dir, "crash.duckdb.staging")); !os.IsNotExist(err) {
				t.Errorf("staging files of killed runs were left behind: %v", err)
			}
			w := (&harness{cfg: cfg}).db(t)
			checkInvariants(t, w, cfg.Warehouse.Lake, "day "+strconv.Itoa(day)+" after a kill at "+delay.String())
		}
		// A graceful stop: SIGTERM mid-run exits 1 (or 0 if the run had already
		// finished) and breaks nothing.
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(span / 3)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
			t.Errorf("day %d: SIGTERM: exit %d (%v), want 1 (or 0 when already done)", day, code, err)
		}
		if res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop()}); err != nil || res.Failed() {
			t.Fatalf("day %d: the sync after SIGTERM: %v", day, err)
		}
		checkInvariants(t, (&harness{cfg: cfg}).db(t), cfg.Warehouse.Lake, "day "+strconv.Itoa(day)+" after SIGTERM")

		// The reference: one uninterrupted sync of the same day.
		if res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: refCfg, Logger: zerolog.Nop()}); err != nil || res.Failed() {
			t.Fatalf("reference day %d: %v", day, err)
		}
	}
	got := history(t, (&harness{cfg: cfg}).db(t))
	want := history(t, (&harness{cfg: refCfg}).db(t))
	if got != want {
		t.Error("the history after the kills differs from an uninterrupted run's")
	}
}
