package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// directorySource is an extractor over a fixed list of raw users and statuses: a
// provider whose data is exactly what a test needs, run through the real pipeline.
type directorySource struct {
	users    []extract.User
	statuses []extract.Status
	known    []string
}

func (s *directorySource) Name() string          { return "agents" }
func (s *directorySource) Provider() string      { return "zoom_contact_center" }
func (s *directorySource) Stats() extract.Stats  { return extract.Stats{} }
func (s *directorySource) KnownFields() []string { return s.known }
func (s *directorySource) Extract(ctx context.Context, sink extract.Sink) error {
	if err := sink.Users(ctx, s.users); err != nil {
		return err
	}
	return sink.Statuses(ctx, s.statuses)
}

// agent is a clean user with the fields a zoom-like provider returns.
func agent(i int) extract.User {
	return extract.User{
		ID: fmt.Sprintf("u%02d", i), Email: fmt.Sprintf("agent%d@acme.example", i), FirstName: "Agent", LastName: fmt.Sprint(i),
		Role: "Agent", Phones: []extract.Phone{{Raw: "+1 415-555-01" + fmt.Sprintf("%02d", i), Kind: "main"}},
		CreatedAt: "2025-03-01T10:00:00Z", UpdatedAt: "2025-03-02 10:00:00",
		Fields: []string{"user_id", "user_email", "display_name", "role_name", "phone", "created_at", "title"},
	}
}

func TestSyncReportsEveryDataQualityCheckAndKeepsTheUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`warehouse: { duckdb: %s }
sources:
  - name: agents
    provider: zoom_contact_center
    auth: { account_id: a, client_id: c, client_secret: s }
    default_region: US
    timezone: America/New_York
`, filepath.Join(dir, "r.duckdb"))), "roster.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	known := []string{"user_id", "user_email", "display_name", "role_name", "phone", "created_at", "title"}
	src := &directorySource{known: known}
	factory := func(config.Source, jobs.SourceEnv) (extract.Source, error) { return src, nil }
	sync := func(day int) jobs.SyncResult {
		at := time.Date(2026, 2, 1+day, 2, 0, 0, 0, time.UTC)
		res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Factory: factory, Now: func() time.Time { return at }})
		if err != nil || res.Failed() {
			t.Fatalf("sync: %v %+v", err, res.Sources)
		}
		return res
	}

	// Night one: 12 clean agents.
	for i := 0; i < 12; i++ {
		src.users = append(src.users, agent(i))
		src.statuses = append(src.statuses, extract.Status{UserID: agent(i).ID, Status: "Ready"})
	}
	sync(0)

	// Night two: the same agents with bad values seeded, and "title" no longer sent.
	bad := func(i int, f func(u *extract.User)) { f(&src.users[i]) }
	bad(0, func(u *extract.User) { u.Phones = []extract.Phone{{Raw: "n/a", Kind: "main"}} })
	bad(1, func(u *extract.User) {
		u.Phones = append(u.Phones, extract.Phone{Raw: "12345678901234567", Kind: "mobile"})
	})
	bad(2, func(u *extract.User) { u.Email = "" })
	bad(3, func(u *extract.User) { u.Email = "not an email" })
	bad(4, func(u *extract.User) { u.Email = "agent@@acme" })
	bad(5, func(u *extract.User) { u.Email = " Shared@Acme.example" })
	bad(6, func(u *extract.User) { u.Email = "shared@acme.example " })
	bad(7, func(u *extract.User) { u.Email = "SHARED@acme.example" })
	bad(8, func(u *extract.User) { u.Role = "Quality Reviewer" })
	bad(9, func(u *extract.User) { u.CreatedAt = "last Tuesday" })
	for i := range src.users {
		src.users[i].Fields = slices.DeleteFunc(slices.Clone(src.users[i].Fields), func(f string) bool { return f == "title" })
		if i < 3 {
			src.users[i].Fields = append(src.users[i].Fields, "nickname")
		}
	}
	src.statuses[10].Status, src.statuses[11].Status = "Lunch", "On Holiday"
	// u10 listed twice alike (a harmless repeat), u11 twice with different content: the
	// last copy is kept and the conflict reported.
	renamed := src.users[11]
	renamed.LastName = "Eleven"
	src.users = append(src.users, src.users[10], renamed)
	res := sync(1)
	src.users = src.users[:12]

	want := map[string]int64{
		"invalid_phone": 2, "missing_email": 1, "invalid_email": 2, "duplicate_email": 3, "unknown_role": 1,
		"unknown_status": 2, "unparseable_timestamp": 1, "unknown_field nickname": 3, "missing_field title": 12,
		"conflicting_duplicate": 1,
	}
	got := map[string]int64{}
	for _, q := range res.Sources[0].Quality {
		name := q.Check
		if q.Detail != "" {
			name += " " + q.Detail
		}
		got[name] = q.FailingRows
	}
	for check, n := range want {
		if got[check] != n {
			t.Errorf("check %s: %d failing rows, want %d", check, got[check], n)
		}
	}
	var out strings.Builder
	jobs.PrintSummary(&out, res)
	if !strings.Contains(out.String(), "agents: duplicate_email: 3 users, e.g. u05, u06, u07") {
		t.Errorf("summary does not list the failing checks:\n%s", out.String())
	}

	var q strings.Builder
	if err := jobs.Query(context.Background(), cfg.Warehouse.DuckDB, `SELECT check_name, coalesce(detail, '') AS detail, failing_rows, sample_user_ids
		FROM data_quality_latest WHERE failing_rows > 0 ORDER BY check_name, detail`, jobs.FormatCSV, &q); err != nil {
		t.Fatal(err)
	}
	wantCSV := `check_name,detail,failing_rows,sample_user_ids
conflicting_duplicate,,1,"[""u11""]"
duplicate_email,,3,"[""u05"",""u06"",""u07""]"
invalid_email,,2,"[""u03"",""u04""]"
invalid_phone,,2,"[""u00"",""u01""]"
missing_email,,1,"[""u02""]"
missing_field,title,12,[]
unknown_field,nickname,3,[]
unknown_role,,1,"[""u08""]"
unknown_status,,2,"[""u10"",""u11""]"
unparseable_timestamp,,1,"[""u09""]"
`
	if q.String() != wantCSV {
		t.Errorf("data_quality_latest:\n%s\nwant:\n%s", q.String(), wantCSV)
	}

	// Every synced user is present, bad values kept as the provider sent them.
	var users strings.Builder
	if err := jobs.Query(context.Background(), cfg.Warehouse.DuckDB, `SELECT count(*) AS users,
		count(*) FILTER (WHERE email = 'not an email') AS kept_email,
		count(*) FILTER (WHERE list_contains(list_transform(phones, p -> p.raw), 'n/a')) AS kept_phone,
		count(*) FILTER (WHERE source_created_at IS NULL AND (extra->>'source_created_at_raw') = 'last Tuesday') AS kept_time,
		count(*) FILTER (WHERE user_id = 'u11' AND last_name = 'Eleven') AS last_copy_kept
		FROM users_current`, jobs.FormatCSV, &users); err != nil {
		t.Fatal(err)
	}
	if users.String() != "users,kept_email,kept_phone,kept_time,last_copy_kept\n12,1,1,1,1\n" {
		t.Errorf("users_current: %s", users.String())
	}
}
