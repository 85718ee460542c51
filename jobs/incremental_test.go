package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
)

// historyText is the warehouse's history, ledger counts and quality reports in run
// order, without run ids (which differ between warehouses).
func historyText(t *testing.T, h *harness) string {
	t.Helper()
	return warehouseText(t, h.cfg.Warehouse.DuckDB)
}

// warehouseText is historyText of the warehouse at path, with the statuses and field
// counts of every run too.
func warehouseText(t *testing.T, path string) string {
	t.Helper()
	w, err := load.Open(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var out []string
	for _, q := range []string{
		`SELECT string_agg(concat_ws('|', user_key, row_hash, changed_fields, valid_from, valid_to, is_current, is_deleted, extra), E'\n'
			ORDER BY user_key, valid_from) FROM users_history`,
		`SELECT string_agg(concat_ws('|', started_at, source, records, duplicates, inserted, updated, deleted, unchanged), E'\n'
			ORDER BY started_at, source) FROM source_runs`,
		`SELECT string_agg(concat_ws('|', q.observed_at, q.source, q.check_name, q.detail, q.failing_rows, q.sample_user_ids), E'\n'
			ORDER BY q.observed_at, q.source, q.check_name, q.detail) FROM data_quality q`,
		`SELECT string_agg(concat_ws('|', observed_at, user_key, status, status_raw, sub_status_raw, on_call, channels), E'\n'
			ORDER BY observed_at, user_key, status, status_raw, sub_status_raw) FROM user_status`,
		`SELECT string_agg(concat_ws('|', r.started_at, f.source, f.field, f.known, f.users), E'\n'
			ORDER BY r.started_at, f.source, f.field) FROM source_fields f JOIN sync_runs r USING (run_id)`,
	} {
		var s string
		if err := w.DB().QueryRow(q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n--\n")
}

// forgetFingerprints empties user_fingerprints, so the next sync maps every user.
func forgetFingerprints(t *testing.T, h *harness) {
	t.Helper()
	forgetFingerprintsAt(t, h.cfg.Warehouse.DuckDB)
}

// forgetFingerprintsAt is forgetFingerprints of the warehouse at path.
func forgetFingerprintsAt(t *testing.T, path string) {
	t.Helper()
	w, err := load.Open(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB().Exec(`DELETE FROM user_fingerprints`); err != nil {
		t.Fatal(err)
	}
}

func TestAnIncrementalNightMapsOnlyChangedUsersAndLoadsTheSameHistoryAsAFullOne(t *testing.T) {
	t.Parallel()
	inc := newHarness(t, 400, "")
	full := newHarness(t, 400, "") // the same population, every night mapped in full
	for day := 0; day < 5; day++ {
		forgetFingerprints(t, full)
		ri, rf := inc.sync(t, day), full.sync(t, day)
		if ri.Failed() || rf.Failed() {
			t.Fatalf("day %d: a sync failed: %+v %+v", day, ri.Sources, rf.Sources)
		}
		src, ph := ri.Sources[0], ri.Phases[0]
		if rf.Phases[0].Mapped != rf.Sources[0].Records {
			t.Errorf("day %d: without fingerprints %d users mapped, want all %d", day, rf.Phases[0].Mapped, rf.Sources[0].Records)
		}
		switch {
		case day == 0 && ph.Mapped != src.Records:
			t.Errorf("day 0: %d users mapped, want all %d", ph.Mapped, src.Records)
		case day > 0 && (ph.Mapped < src.Inserted+src.Updated || ph.Mapped > src.Records/4):
			t.Errorf("day %d: %d users mapped for %d new and %d changed of %d", day, ph.Mapped, src.Inserted, src.Updated, src.Records)
		}
		if day > 0 && src.Inserted+src.Updated+src.Deleted == 0 {
			t.Errorf("day %d: the population did not change; the test shows nothing", day)
		}
	}
	if a, b := historyText(t, inc), historyText(t, full); a != b {
		t.Errorf("history, ledger or quality report differ between incremental and full nights:\nincremental:\n%s\nfull:\n%s", a, b)
	}
}

func TestAChangedConfigMapsEveryUserAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, "")
	h.sync(t, 0)
	if r := h.sync(t, 1); r.Phases[0].Mapped >= r.Sources[0].Records {
		t.Fatalf("day 1 mapped %d of %d users; the fingerprints were not used", r.Phases[0].Mapped, r.Sources[0].Records)
	}
	// Another default_region may normalize phones differently: nothing is taken as seen.
	h.cfg = h.config(t, testKey, "    default_region: GB\n")
	r := h.sync(t, 2)
	if r.Failed() || r.Phases[0].Mapped != r.Sources[0].Records {
		t.Errorf("after a config change %d of %d users mapped, want all (failed: %v)", r.Phases[0].Mapped, r.Sources[0].Records, r.Failed())
	}
	if r := h.sync(t, 3); r.Phases[0].Mapped >= r.Sources[0].Records {
		t.Errorf("the night after the change mapped %d of %d users; its fingerprints were not kept", r.Phases[0].Mapped, r.Sources[0].Records)
	}
}

func TestEveryProviderLoadsTheSameHistoryWhetherUnchangedUsersAreRecognizedOrNot(t *testing.T) {
	t.Parallel()
	pop := synth.New(synth.Config{Seed: 5, Size: 240})
	fakes, err := jobs.StartFakes(pop)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Stop)
	configs := map[string]*config.Config{}
	for _, name := range []string{"incremental", "full"} {
		dir := t.TempDir()
		cfg, err := config.Parse([]byte(fakes.ConfigYAML("", filepath.Join(dir, "r.duckdb"), "")), "roster.yaml", nil)
		if err != nil {
			t.Fatal(err)
		}
		configs[name] = cfg
	}
	for day := 0; day < 4; day++ {
		fakes.SetDay(day)
		at := pop.Day(day).Date.Add(2 * time.Hour)
		mapped := map[string]int64{}
		for _, name := range []string{"incremental", "full"} {
			cfg := configs[name]
			if name == "full" {
				forgetFingerprintsAt(t, cfg.Warehouse.DuckDB)
			}
			res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
			if err != nil || res.Failed() {
				t.Fatalf("day %d, %s: %v %+v", day, name, err, res.Sources)
			}
			for i, src := range res.Sources {
				mapped[name+" "+src.Source] = res.Phases[i].Mapped
				if name == "incremental" && day > 0 && res.Phases[i].Mapped > src.Records/3 {
					t.Errorf("day %d: %s mapped %d of %d users", day, src.Source, res.Phases[i].Mapped, src.Records)
				}
			}
		}
		if len(mapped) != 8 {
			t.Fatalf("day %d: %v, want four sources twice", day, mapped)
		}
	}
	if a, b := warehouseText(t, configs["incremental"].Warehouse.DuckDB), warehouseText(t, configs["full"].Warehouse.DuckDB); a != b {
		t.Errorf("the warehouses differ:\nincremental:\n%s\nfull:\n%s", a, b)
	}
}
