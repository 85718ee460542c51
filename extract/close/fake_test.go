package close_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/close"
	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/extracttest"
	"github.com/roster-etl/roster/extract/synth"
)

const (
	fakeKey     = "fake-close-key"
	fakeOrgName = "Northwind Fake"
)

// fakeEnv is a Close client aimed at the faithful fake, both on one fake clock.
type fakeEnv struct {
	pop    *synth.Population
	server *fake.Server
	client *close.Client
	clock  *fakeClock
	config close.Config // the client's configuration
}

func setupFake(t *testing.T, size, pageSize int, opts fake.Options) *fakeEnv {
	t.Helper()
	pop := synth.New(synth.Config{Seed: 20260301, Size: size})
	clock := &fakeClock{now: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	opts.APIKey = fakeKey
	opts.OrgName = fakeOrgName
	opts.Now = clock.Now
	srv := fake.New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cfg := close.Config{
		Name: "close-main", BaseURL: ts.URL + "/api/v1", APIKey: fakeKey, PageSize: pageSize,
		HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now},
	}
	c, err := close.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeEnv{pop: pop, server: srv, client: c, clock: clock, config: cfg}
}

// closeRole is the membership role_id the fake gives a person (its documented mapping).
func closeRole(p synth.Person) string {
	switch p.Role {
	case "owner", "admin":
		return "admin"
	case "manager":
		return "superuser"
	case "member":
		return "user"
	default:
		return "restricteduser"
	}
}

func TestExtractAgainstFakeMatchesPopulation(t *testing.T) {
	t.Parallel()
	const size, pageSize = 240, 40 // several pages; the last may or may not be full
	env := setupFake(t, size, pageSize, fake.Options{})
	sink := &recordingSink{}
	if err := env.client.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	people := env.pop.Day(0).People
	users := sink.users()
	if len(users) != len(people) {
		t.Fatalf("%d users, want the %d people of day 0", len(users), len(people))
	}
	for _, page := range sink.pages {
		if len(page) > pageSize {
			t.Fatalf("a page of %d users, page size %d", len(page), pageSize)
		}
	}
	activeCount := 0
	for _, u := range users {
		id, ok := env.server.PersonID(u.ID)
		if !ok {
			t.Fatalf("user %s is no synth person", u.ID)
		}
		p, _ := env.pop.Day(0).Person(id)
		if u.AccountID != env.server.OrgID() || u.Email != p.Email || u.FirstName != p.FirstName || u.LastName != p.LastName {
			t.Errorf("user %s = %+v, want the person %+v", u.ID, u, p)
		}
		if u.Active == nil || *u.Active != p.Active {
			t.Errorf("user %s Active %v, want %v", u.ID, u.Active, p.Active)
		}
		if p.CustomRole != "" {
			if !strings.HasPrefix(u.Role, "role_") || u.RoleName != p.CustomRole {
				t.Errorf("user %s role %q %q, want a role_ id named %q", u.ID, u.Role, u.RoleName, p.CustomRole)
			}
		} else if u.Role != closeRole(p) || u.RoleName != "" {
			t.Errorf("user %s role %q %q, want %q for %s", u.ID, u.Role, u.RoleName, closeRole(p), p.Role)
		}
		var groups []string
		var orgs []extract.Group
		for _, g := range u.Groups {
			switch g.Kind {
			case "group":
				groups = append(groups, g.Name)
			case "organization":
				orgs = append(orgs, g)
			default:
				t.Errorf("user %s group kind %q", u.ID, g.Kind)
			}
		}
		wantGroups := []string(nil)
		wantOrgs := []extract.Group(nil)
		if p.Active {
			activeCount++
			wantGroups = slices.Sorted(slices.Values(p.Groups))
			wantOrgs = []extract.Group{{ID: env.server.OrgID(), Name: fakeOrgName, Kind: "organization"}}
		}
		slices.Sort(groups)
		if !slices.Equal(groups, wantGroups) || !slices.Equal(orgs, wantOrgs) {
			t.Errorf("user %s groups %v orgs %v, want %v %v", u.ID, groups, orgs, wantGroups, wantOrgs)
		}
		if u.Timezone != "" && u.Timezone != p.Timezone {
			t.Errorf("user %s timezone %q, want %q", u.ID, u.Timezone, p.Timezone)
		}
		if u.CreatedAt == "" || u.UpdatedAt == "" {
			t.Errorf("user %s lacks timestamps", u.ID)
		}
		for _, f := range []string{"image", "organizations", "email_verified_at"} {
			if _, ok := u.Extra[f]; !ok {
				t.Errorf("user %s Extra lacks %s", u.ID, f)
			}
		}
	}

	if len(sink.statuses) != activeCount {
		t.Fatalf("%d statuses, want one per active user (%d)", len(sink.statuses), activeCount)
	}
	for _, s := range sink.statuses {
		id, _ := env.server.PersonID(s.UserID)
		p, _ := env.pop.Day(0).Person(id)
		wantStatus, wantCall := "offline", false
		switch p.Status {
		case "available":
			wantStatus = "online"
		case "busy":
			wantStatus, wantCall = "online", true
		}
		if s.Status != wantStatus || s.OnCall == nil || *s.OnCall != wantCall || len(s.Channels) == 0 {
			t.Errorf("status of %s (%s) = %s on call %v, want %s %v", s.UserID, p.Status, s.Status, s.OnCall, wantStatus, wantCall)
		}
	}

	served := 0
	for _, n := range env.server.Requests() {
		served += n
	}
	st := env.client.Stats()
	if st.Requests != int64(served) || st.Retries != 0 {
		t.Errorf("stats %+v; the fake served %d requests", st, served)
	}
	if want := int64((len(people) + pageSize) / pageSize); st.Pages < want {
		t.Errorf("Stats.Pages %d, want at least the %d user pages", st.Pages, want)
	}
}

func TestExtractAgainstFakeSurvivesFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        fake.Options
		faults      []fake.Fault
		wantRetries bool
		wantThrottl bool
		extraUsers  int // users emitted beyond the population (offset drift repeats)
	}{
		{name: "429 with numeric rate_reset", faults: []fake.Fault{{Path: "/api/v1/user/", After: 1, Kind: fake.RateLimited, RateReset: 0.87}}, wantRetries: true, wantThrottl: true},
		{name: "429 with rate_reset as a string and Retry-After", opts: fake.Options{RateResetAsString: true, RetryAfterHeader: true}, faults: []fake.Fault{{Path: "/api/v1/user/", Kind: fake.RateLimited, Times: 2}}, wantRetries: true, wantThrottl: true},
		{name: "429 with rate_reset 0", faults: []fake.Fault{{Path: "/api/v1/role/", Kind: fake.RateLimited, RateReset: -1}}, wantRetries: true, wantThrottl: true},
		{name: "502 and 503 from the load balancer", faults: []fake.Fault{{Path: "/api/v1/group/*", Kind: fake.Status5xx, Status: 502}, {Path: "/api/v1/user/", After: 2, Kind: fake.Status5xx}}, wantRetries: true},
		{name: "500 with a JSON body", faults: []fake.Fault{{Path: "/api/v1/organization/*", Kind: fake.Status5xx, Status: 500}}, wantRetries: true},
		{name: "truncated reply", faults: []fake.Fault{{Path: "/api/v1/user/", After: 1, Kind: fake.Truncate}}, wantRetries: true},
		{name: "empty page that says has_more", faults: []fake.Fault{{Path: "/api/v1/user/", After: 1, Kind: fake.EmptyPageHasMore}}},
		{name: "users inserted mid-listing repeat across pages", faults: []fake.Fault{{Path: "/api/v1/user/", After: 2, Kind: fake.InsertUsers, N: 3}}, extraUsers: 3},
		{name: "fake rate limit paced by the RateLimit header", opts: fake.Options{RateLimit: 2, LegacyHeaders: true}, wantThrottl: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 120, 25, tc.opts)
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
			people := env.pop.Day(0).People
			users := sink.users()
			if len(users) != len(people)+tc.extraUsers {
				t.Errorf("%d users emitted, want %d", len(users), len(people)+tc.extraUsers)
			}
			distinct := map[string]bool{}
			for _, u := range users {
				distinct[u.ID] = true
			}
			if len(distinct) != len(people) {
				t.Errorf("%d distinct users, want %d", len(distinct), len(people))
			}
			st := env.client.Stats()
			if (st.Retries > 0) != tc.wantRetries || (st.ThrottledMS > 0) != tc.wantThrottl {
				t.Errorf("stats %+v: want retries %v, throttled %v", st, tc.wantRetries, tc.wantThrottl)
			}
		})
	}
}

func TestExtractAgainstFakeFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   fake.Fault
		key     string
		wantErr error
		wantMsg string
	}{
		{name: "wrong key", key: "not-the-key", wantErr: extract.ErrAuth, wantMsg: "close-main: GET /api/v1/me/: authentication failed (HTTP 401): The server could not verify"},
		{name: "key revoked mid-run", fault: fake.Fault{Path: "/api/v1/user/", After: 1, Kind: fake.Unauthorized}, wantErr: extract.ErrAuth, wantMsg: "close-main: GET /api/v1/user/?_skip=24&_limit=26: authentication failed (HTTP 401)"},
		{name: "forbidden", fault: fake.Fault{Path: "/api/v1/organization/*", Kind: fake.Forbidden}, wantErr: extract.ErrAuth, wantMsg: "(HTTP 403)"},
		{name: "plan limit", fault: fake.Fault{Path: "/api/v1/role/", Kind: fake.PaymentRequired}, wantMsg: "close-main: GET /api/v1/role/?_skip=0&_limit=25: HTTP 402: "},
		{name: "maintenance page", fault: fake.Fault{Path: "/api/v1/user/", Kind: fake.NonJSON}, wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/user/?_skip=0&_limit=25: malformed reply: "},
		{name: "503 forever", fault: fake.Fault{Path: "/api/v1/user/availability/", Kind: fake.Status5xx, Times: -1}, wantMsg: "(after 6 attempts)"},
		{name: "endless empty pages", fault: fake.Fault{Path: "/api/v1/group/", Kind: fake.EmptyPageHasMore, Times: -1}, wantErr: extract.ErrIncomplete, wantMsg: "close-main: GET /api/v1/group/?_skip="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 60, 25, fake.Options{})
			if tc.fault.Kind != 0 {
				env.server.Inject(tc.fault)
			}
			c := env.client
			if tc.key != "" {
				cfg := env.config
				cfg.APIKey = tc.key
				var err error
				if c, err = close.New(cfg); err != nil {
					t.Fatal(err)
				}
			}
			err := c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not match %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.HasPrefix(err.Error(), "close-main: ") {
				t.Errorf("error %q, want it to contain %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), fakeKey) {
				t.Errorf("error %q contains the API key", err)
			}
		})
	}
}

// /user/ is read 1000 users a request by default; an API that refuses that _limit costs
// one refused request, after which the listing reads Close's default 100 at a time and
// lists the same users once each.
func TestUsersAreReadAThousandAtATimeOrAHundredIfRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxLimit    int
		wantLimit   string // of every accepted /user/ request
		wantRefused int
	}{
		{name: "a thousand accepted", wantLimit: "1000"},
		{name: "a thousand refused", maxLimit: 100, wantLimit: "100", wantRefused: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pop := synth.New(synth.Config{Seed: 20260301, Size: 2500})
			clock := &fakeClock{now: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
			srv := fake.New(pop, fake.Options{APIKey: fakeKey, OrgName: fakeOrgName, Now: clock.Now, MaxLimit: tc.maxLimit})
			var mu sync.Mutex
			var limits []string // _limit of each /user/ request, "!" appended when refused
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := &extracttest.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
				srv.ServeHTTP(rec, r)
				if r.URL.Path == "/api/v1/user/" {
					mu.Lock()
					defer mu.Unlock()
					l := r.URL.Query().Get("_limit")
					if rec.Status != http.StatusOK {
						l += "!"
					}
					limits = append(limits, l)
				}
			}))
			t.Cleanup(ts.Close)
			c, err := close.New(close.Config{Name: "close-main", BaseURL: ts.URL + "/api/v1", APIKey: fakeKey,
				HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now}})
			if err != nil {
				t.Fatal(err)
			}
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			ids := map[string]bool{}
			for _, u := range sink.users() {
				ids[u.ID] = true
			}
			if people := len(pop.Day(0).People); len(sink.users()) != people || len(ids) != people {
				t.Errorf("%d users (%d distinct), want the %d people once each", len(sink.users()), len(ids), people)
			}
			refused := 0
			for _, l := range limits {
				switch {
				case strings.HasSuffix(l, "!"):
					refused++
				case l != tc.wantLimit:
					t.Errorf("a /user/ request with _limit %s, want %s", l, tc.wantLimit)
				}
			}
			if refused != tc.wantRefused || len(limits) < 3 {
				t.Errorf("/user/ requests %v: %d refused, want %d (and several pages)", limits, refused, tc.wantRefused)
			}
		})
	}
}
