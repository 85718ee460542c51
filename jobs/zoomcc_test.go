package jobs_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	zoomfake "github.com/roster-etl/roster/extract/zoomcc/fake"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// zoomHarness is a fake Zoom Contact Center on loopback and a warehouse synced from it.
type zoomHarness struct {
	pop  *synth.Population
	fake *zoomfake.Server
	cfg  *config.Config
	runs []string
}

func newZoomHarness(t *testing.T, seed int64, size int, extraSources string) *zoomHarness {
	t.Helper()
	h := &zoomHarness{pop: synth.New(synth.Config{Seed: seed, Size: size})}
	h.fake = zoomfake.New(h.pop, zoomfake.Options{})
	srv := httptest.NewServer(h.fake)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s, lake: %s }
sources:
  - name: zoom-cc
    provider: zoom_contact_center
    base_url: %s/v2
    token_url: %s/oauth/token
    auth: { account_id: %s, client_id: %s, client_secret: %s }
    page_size: 10
    max_backoff: 20ms
%s`, filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"), srv.URL, srv.URL,
		h.fake.AccountID(), h.fake.ClientID(), h.fake.ClientSecret(), extraSources)), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = cfg
	return h
}

func (h *zoomHarness) sync(t *testing.T, day int) jobs.SyncResult {
	t.Helper()
	if h.fake.Day() != day {
		h.fake.SetDay(day)
	}
	at := h.pop.Day(day).Date.Add(2*time.Hour + time.Duration(len(h.runs))*time.Minute)
	res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: h.cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	h.runs = append(h.runs, res.Run.RunID)
	return res
}

func TestZoomTokensAndPageTokensExpiringMidListingLoseNobody(t *testing.T) {
	t.Parallel()
	for _, kind := range []zoomfake.FaultKind{zoomfake.ExpireTokenBefore, zoomfake.ExpirePageTokenBefore} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			h := newZoomHarness(t, 5, 45, "")
			h.fake.Inject(zoomfake.Fault{Path: zoomfake.UsersPath, After: 2, Kind: kind})
			res := h.sync(t, 0)
			if res.Failed() {
				t.Fatalf("sync failed: %+v", res.Sources)
			}
			people := int64(len(h.pop.Day(0).People))
			if r := res.Sources[0]; r.Records != people || r.Inserted != people || r.Deleted != 0 {
				t.Errorf("source run %+v: want every one of %d users exactly once", r, people)
			}
			db := (&harness{cfg: h.cfg}).db(t)
			if n := queryInt(t, db, `SELECT count(*) FROM users_current`); n != people {
				t.Errorf("users_current = %d, want %d", n, people)
			}
			if n := queryInt(t, db, `SELECT count(*) - count(DISTINCT user_id) FROM user_status`); n != 0 {
				t.Errorf("%d duplicate status rows", n)
			}
		})
	}
}

func TestZoomOverSimulatedDaysRecordsExpectedVersions(t *testing.T) {
	t.Parallel()
	h := newZoomHarness(t, 2, 70, "") // days 1-4 hold a team change, an Agent -> Supervisor and a deactivation
	const days = 5
	for d := 0; d < days; d++ {
		if res := h.sync(t, d); res.Failed() {
			t.Fatalf("day %d: %+v", d, res.Sources)
		}
	}
	db := (&harness{cfg: h.cfg}).db(t)
	seen := map[string]bool{}
	for d := 1; d < days; d++ {
		snap := h.pop.Day(d)
		for _, c := range snap.Changes {
			hist := historyOf(t, db, h.runs, h.fake.UserID(c.PersonID))
			var opened *version
			for i := range hist {
				if hist[i].run == d {
					opened = &hist[i]
				}
			}
			switch {
			case c.Kind == synth.TeamChange:
				if opened == nil || !slices.Contains(opened.changed, "groups") {
					t.Errorf("day %d team change of %d: %+v", d, c.PersonID, hist)
				}
				seen["team"] = true
			case c.Kind == synth.RoleChange && c.Field == "role" && c.Old == "member" && c.New == "manager":
				if opened == nil || !slices.Contains(opened.changed, "role") {
					t.Errorf("day %d Agent -> Supervisor of %d: %+v", d, c.PersonID, hist)
				}
				seen["agent->supervisor"] = true
			case c.Kind == synth.Deactivate:
				if opened == nil || opened.active || !slices.Contains(opened.changed, "is_active") {
					t.Errorf("day %d user_access -> inactive of %d: %+v", d, c.PersonID, hist)
				}
				seen["inactive"] = true
			case c.Kind == synth.StatusOnly:
				if opened != nil {
					t.Errorf("day %d status-only change of %d opened a version %+v", d, c.PersonID, opened)
				}
				var status string
				if err := db.QueryRow(`SELECT status_raw FROM user_status WHERE run_id = $1 AND user_id = $2`, h.runs[d], h.fake.UserID(c.PersonID)).Scan(&status); err != nil {
					t.Errorf("day %d status-only change of %d: no status row: %v", d, c.PersonID, err)
				}
				seen["status"] = true
			}
		}
	}
	for _, k := range []string{"team", "agent->supervisor", "inactive", "status"} {
		if !seen[k] {
			t.Errorf("no %s change in the simulated days", k)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM users_history h JOIN users_history p ON p.user_key = h.user_key AND p.valid_to = h.valid_from
		WHERE p.role_raw = 'Agent' AND h.role_raw = 'Supervisor' AND p.role = 'member' AND h.role = 'manager'`); n == 0 {
		t.Error("no Agent -> Supervisor version pair")
	}
	if n := queryInt(t, db, `SELECT count(*) FROM users_current WHERE provider = 'zoom_contact_center' AND list_contains(list_transform(groups, g -> g.kind), 'region')`); n == 0 {
		t.Error("no region groups")
	}
	assertLakeMatchesWarehouse(t, db, h.cfg.Warehouse.Lake)
}

func TestZoomDailyLimitFailsPromptlyAndOtherSourcesLoad(t *testing.T) {
	t.Parallel()
	pop := synth.New(synth.Config{Seed: 3, Size: 40})
	closeSrv := httptest.NewServer(closeFakeFor(pop))
	t.Cleanup(closeSrv.Close)
	h := newZoomHarness(t, 3, 40, fmt.Sprintf(`  - name: close-main
    provider: close
    base_url: %s/api/v1
    auth: { api_key: %s }
`, closeSrv.URL, testKey))
	h.fake.Inject(zoomfake.Fault{Path: zoomfake.UsersPath, After: 1, Times: -1, Kind: zoomfake.RateLimitedDaily})
	start := time.Now()
	res := h.sync(t, 0)
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("the sync took %s: it waited for the daily limit", elapsed)
	}
	if res.Run.Status != "partial" {
		t.Fatalf("run status %q, want partial: %+v", res.Run.Status, res.Sources)
	}
	for _, r := range res.Sources {
		switch r.Source {
		case "zoom-cc":
			if r.Status != "failed" || !strings.Contains(r.Error, "zoom-cc: ") || !strings.Contains(r.Error, "rate limited") || r.Retries != 0 {
				t.Errorf("zoom source %+v: want a prompt, clear rate-limit failure", r)
			}
		case "close-main":
			if r.Status != "succeeded" || r.Records == 0 {
				t.Errorf("close source %+v: want it loaded", r)
			}
		}
	}
}
