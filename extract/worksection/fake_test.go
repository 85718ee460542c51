package worksection_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/extract/worksection"
	"github.com/roster-etl/roster/extract/worksection/fake"
)

const fakeKey = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

// fakeEnv is a Worksection client aimed at the faithful fake, both on one fake clock.
type fakeEnv struct {
	pop    *synth.Population
	server *fake.Server
	client *worksection.Client
	clock  *fakeClock
	config worksection.Config // the client's configuration
}

func setupFake(t *testing.T, size int, opts fake.Options) *fakeEnv {
	t.Helper()
	pop := synth.New(synth.Config{Seed: 20260301, Size: size})
	clock := &fakeClock{now: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	opts.APIKey = fakeKey
	opts.Now = clock.Now
	srv := fake.New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cfg := worksection.Config{
		Name: sourceName, BaseURL: ts.URL + "/api/admin/v2/", APIKey: fakeKey,
		HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now},
	}
	c, err := worksection.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeEnv{pop: pop, server: srv, client: c, clock: clock, config: cfg}
}

// worksectionRole is the role text the fake documents for a person; managers are
// "team admin" or "department admin".
func worksectionRole(p synth.Person) []string {
	switch p.Role {
	case "owner":
		return []string{"owner"}
	case "admin":
		return []string{"account admin"}
	case "manager":
		return []string{"team admin", "department admin"}
	case "member":
		return []string{"user"}
	case "guest":
		return []string{"guest"}
	}
	return []string{"reader"}
}

// wantPhones are a person's phones as the fake renders them (the first of each kind
// main/office/mobile/home) and the client keeps them (blank ones are no phone).
func wantPhones(p synth.Person) []extract.Phone {
	var out []extract.Phone
	for _, kind := range []string{"main", "office", "mobile", "home"} {
		for _, ph := range p.Phones {
			if ph.Kind == kind {
				if strings.TrimSpace(ph.Raw) != "" {
					out = append(out, extract.Phone{Raw: ph.Raw, Kind: kind})
				}
				break
			}
		}
	}
	return out
}

func TestExtractAgainstFakeMatchesPopulation(t *testing.T) {
	t.Parallel()
	const size = 1100 // more than two sink pages of 500
	env := setupFake(t, size, fake.Options{})
	for _, day := range []int{0, 1} {
		env.server.SetDay(day)
		sink := &recordingSink{}
		if err := env.client.Extract(context.Background(), sink); err != nil {
			t.Fatalf("day %d: Extract: %v", day, err)
		}
		if sink.statusBatches != 0 {
			t.Errorf("day %d: Statuses called; Worksection has none", day)
		}
		snap := env.pop.Day(day)
		var active []synth.Person
		for _, p := range snap.People {
			if p.Active {
				active = append(active, p)
			}
		}
		users := sink.users()
		if len(users) != len(active) {
			t.Fatalf("day %d: %d users, want the %d active people", day, len(users), len(active))
		}
		for i, page := range sink.pages {
			if len(page) > worksection.PageSize || (i < len(sink.pages)-1 && len(page) != worksection.PageSize) {
				t.Errorf("day %d: page %d has %d users", day, i, len(page))
			}
		}
		unlisted := env.server.UnlistedTeam()
		sawUnlisted := false
		for _, u := range users {
			id, ok := env.server.PersonID(u.ID)
			if !ok {
				t.Fatalf("user %s is no synth person", u.ID)
			}
			p, ok := snap.Person(id)
			if !ok || !p.Active {
				t.Fatalf("user %s is not an active person of day %d", u.ID, day)
			}
			if u.AccountID != "127.0.0.1" || u.Email != p.Email || u.FirstName != p.FirstName || u.LastName != p.LastName ||
				u.DisplayName != p.FirstName+" "+p.LastName || u.Title != p.Title || u.Department != p.Department {
				t.Errorf("user %s = %s, want the person %+v", u.ID, describe(u), p)
			}
			if roles := worksectionRole(p); !strings.Contains(strings.Join(roles, "|"), u.Role) || u.Role == "" {
				t.Errorf("user %s role %q, want one of %q for %s", u.ID, u.Role, roles, p.Role)
			}
			if want := p.CreatedAt.In(env.server.Location()).Format("2006-01-02 15:04"); u.CreatedAt != want {
				t.Errorf("user %s CreatedAt %q, want %q", u.ID, u.CreatedAt, want)
			}
			if u.Active != nil {
				t.Errorf("user %s Active %v, want nil", u.ID, *u.Active)
			}
			wantGroup := extract.Group{ID: env.server.GroupID(p.Team), Name: p.Team, Kind: "team"}
			if p.Team == unlisted {
				wantGroup.ID = "" // the team get_user_groups leaves out
				sawUnlisted = true
			}
			if len(u.Groups) != 1 || u.Groups[0] != wantGroup {
				t.Errorf("user %s groups %+v, want %+v", u.ID, u.Groups, wantGroup)
			}
			if got, want := describePhones(u.Phones), describePhones(wantPhones(p)); got != want {
				t.Errorf("user %s phones %s, want %s", u.ID, got, want)
			}
			for _, f := range []string{"url", "services", "avatar"} {
				if _, ok := u.Extra[f]; !ok {
					t.Errorf("user %s Extra lacks %s", u.ID, f)
				}
			}
			for f := range u.Extra {
				if !strings.Contains(" url services contacts rate avatar address address2 ", " "+f+" ") {
					t.Errorf("user %s Extra has %s, which has a column", u.ID, f)
				}
			}
		}
		if unlisted != "" && !sawUnlisted {
			t.Errorf("day %d: no user of the unlisted team %q", day, unlisted)
		}
	}
	served := 0
	for _, n := range env.server.Requests() {
		served += n
	}
	if st := env.client.Stats(); st.Requests != int64(served) || st.Requests != 4 || st.Pages != 4 || st.Retries != 0 {
		t.Errorf("stats %+v; the fake served %d requests, want 4 requests and pages over two runs", st, served)
	}
}

func describePhones(phones []extract.Phone) string {
	var parts []string
	for _, p := range phones {
		parts = append(parts, p.Kind+"="+p.Raw)
	}
	return strings.Join(parts, "; ")
}

func TestExtractAgainstFakeSurvivesFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		opts          fake.Options
		faults        []fake.Fault
		wantRetries   bool
		wantThrottled bool
		wantNoTeamIDs bool
	}{
		{name: "429 with Retry-After", faults: []fake.Fault{{Action: "get_users", Kind: fake.RateLimited, RetryAfter: 3}}, wantRetries: true, wantThrottled: true},
		{name: "429 with Retry-After 0", faults: []fake.Fault{{Action: "get_user_groups", Kind: fake.RateLimited, RetryAfter: -1, Times: 2}}, wantRetries: true, wantThrottled: true},
		{name: "fake rate limit of one request a second", opts: fake.Options{RateLimit: 1, RetryAfterHeader: true}, wantRetries: true, wantThrottled: true},
		{name: "PHP fatal error 500 with an empty body", faults: []fake.Fault{{Action: "get_users", Kind: fake.Status5xx, Status: 500}}, wantRetries: true},
		{name: "502 and 504 from the load balancer", faults: []fake.Fault{{Action: "get_user_groups", Kind: fake.Status5xx, Status: 502}, {Action: "get_users", Kind: fake.Status5xx, Status: 504}}, wantRetries: true},
		{name: "truncated reply", faults: []fake.Fault{{Action: "get_users", Kind: fake.Truncate}}, wantRetries: true},
		{name: "PHP escapes off", opts: fake.Options{UnescapedJSON: true}},
		{name: "teams reply without data is an account without teams", faults: []fake.Fault{{Action: "get_user_groups", Kind: fake.NoData}}, wantNoTeamIDs: true},
		{name: "teams reply with empty data", faults: []fake.Fault{{Action: "get_user_groups", Kind: fake.EmptyData}}, wantNoTeamIDs: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 120, tc.opts)
			for _, f := range tc.faults {
				env.server.Inject(f)
			}
			sink := &recordingSink{}
			if err := env.client.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if n := env.server.PendingFaults(); n != 0 {
				t.Errorf("%d faults never triggered", n)
			}
			active := 0
			for _, p := range env.pop.Day(0).People {
				if p.Active {
					active++
				}
			}
			users := sink.users()
			if len(users) != active {
				t.Errorf("%d users emitted, want %d", len(users), active)
			}
			withIDs := 0
			for _, u := range users {
				if len(u.Groups) == 1 && u.Groups[0].ID != "" {
					withIDs++
				}
			}
			if (withIDs == 0) != tc.wantNoTeamIDs {
				t.Errorf("%d users with a team id; want none: %v", withIDs, tc.wantNoTeamIDs)
			}
			st := env.client.Stats()
			if (st.Retries > 0) != tc.wantRetries || (st.ThrottledMS > 0) != tc.wantThrottled {
				t.Errorf("stats %+v: want retries %v, throttled %v", st, tc.wantRetries, tc.wantThrottled)
			}
		})
	}
}

func TestExtractAgainstFakeFails(t *testing.T) {
	t.Parallel()
	usersOp := sourceName + ": GET /api/admin/v2/?action=get_users: "
	groupsOp := sourceName + ": GET /api/admin/v2/?action=get_user_groups: "
	tests := []struct {
		name    string
		opts    fake.Options
		fault   fake.Fault
		key     string
		wantErr error
		wantMsg string // prefix
	}{
		{
			name: "wrong key", key: "00000000000000000000000000000000", wantErr: extract.ErrAuth,
			wantMsg: groupsOp + "authentication failed (HTTP 200) code 2: Action hash is missed or invalid",
		},
		{
			name: "wrong key with a non-200 hash error", key: "00000000000000000000000000000000", opts: fake.Options{HashErrorStatus: http.StatusUnauthorized},
			wantErr: extract.ErrAuth, wantMsg: groupsOp + "authentication failed (HTTP 401) code 2: Action hash is missed or invalid",
		},
		{
			name: "hash rejected mid-run", fault: fake.Fault{Action: "get_users", Kind: fake.ErrorEnvelope, Code: 2, Message: "Action hash is missed or invalid"},
			wantErr: extract.ErrAuth, wantMsg: usersOp + "authentication failed (HTTP 200) code 2: Action hash is missed or invalid",
		},
		{
			name: "error envelope at HTTP 200", fault: fake.Fault{Action: "get_users", Kind: fake.ErrorEnvelope, Details: "backend"},
			wantMsg: usersOp + "HTTP 200 code 10: " + fake.DefaultErrorMessage + ": backend",
		},
		{
			name: "users reply without data is not a complete listing", fault: fake.Fault{Action: "get_users", Kind: fake.NoData},
			wantErr: extract.ErrIncomplete, wantMsg: usersOp + "incomplete listing: reply has status ok but no data",
		},
		{
			name: "users reply with empty data is not a complete listing", fault: fake.Fault{Action: "get_users", Kind: fake.EmptyData},
			wantErr: extract.ErrIncomplete, wantMsg: usersOp + "incomplete listing: reply lists no users",
		},
		{
			name: "maintenance page at HTTP 200", fault: fake.Fault{Action: "get_users", Kind: fake.NonJSON},
			wantErr: extract.ErrMalformed, wantMsg: usersOp + "malformed reply: ",
		},
		{
			name: "503 forever", fault: fake.Fault{Action: "get_user_groups", Kind: fake.Status5xx, Times: -1},
			wantMsg: groupsOp + "HTTP 503: ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 60, tc.opts)
			if tc.fault.Kind != 0 {
				env.server.Inject(tc.fault)
			}
			c := env.client
			key := fakeKey
			if tc.key != "" {
				cfg := env.config
				cfg.APIKey, key = tc.key, tc.key
				var err error
				if c, err = worksection.New(cfg); err != nil {
					t.Fatal(err)
				}
			}
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not match %v", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("error\n%q\nwant prefix\n%q", err, tc.wantMsg)
			}
			if errors.Is(err, extract.ErrAuth) && c.Stats().Retries != 0 {
				t.Errorf("an auth error was retried: %+v", c.Stats())
			}
			for _, secret := range []string{key, md5hex("action=get_users" + key), md5hex("action=get_user_groups" + key)} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains the key or a hash", err)
				}
			}
			if n := len(sink.users()); n != 0 {
				t.Errorf("%d users emitted by a failed listing", n)
			}
		})
	}
}

func TestExtractAgainstFakeRefusesAReplyAtTheReportedCap(t *testing.T) {
	t.Parallel()
	// A cap below the population: the reply is cut, and only a cut at the reported
	// 10,000 can be told from a whole directory.
	if testing.Short() {
		t.Skip("renders a directory of more than 10,000 users")
	}
	env := setupFake(t, 10800, fake.Options{MaxUsers: 10000})
	active := 0
	for _, p := range env.pop.Day(0).People {
		if p.Active {
			active++
		}
	}
	if active <= 10000 {
		t.Fatalf("the population has %d active people; the cap must cut it", active)
	}
	err := env.client.Extract(context.Background(), &recordingSink{})
	if !errors.Is(err, extract.ErrIncomplete) || !strings.Contains(err.Error(), "exactly 10000 users") {
		t.Fatalf("Extract error %v, want an incomplete listing at the cap", err)
	}
}
