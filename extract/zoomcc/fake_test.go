package zoomcc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/extracttest"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/extract/zoomcc"
	"github.com/roster-etl/roster/extract/zoomcc/fake"
)

// fakeEnv is a client aimed at the faithful fake, both on one fake clock.
type fakeEnv struct {
	pop    *synth.Population
	server *fake.Server
	client *zoomcc.Client
	clock  *fakeClock
	// inflight and maxInflight count the requests being served at once.
	inflight, maxInflight atomic.Int64
}

type fakeSetup struct {
	size, pageSize int
	opts           fake.Options
	// cfg adjusts the client's configuration.
	cfg func(*zoomcc.Config)
	// seen, if set, is told every request's URI and the status it was answered with.
	seen func(uri string, status int)
	// latency delays every reply, so that requests sent at once overlap.
	latency time.Duration
}

func setupFake(t *testing.T, s fakeSetup) *fakeEnv {
	t.Helper()
	pop := synth.New(synth.Config{Seed: 20260105, Size: s.size})
	clock := &fakeClock{now: pop.Date(0).Add(2 * time.Hour)}
	s.opts.Now = clock.Now
	srv := fake.New(pop, s.opts)
	env := &fakeEnv{pop: pop, server: srv, clock: clock}
	// The fake's replies carry the real Date of net/http; a daily-limit Retry-After is
	// a date on the fake clock, so the Date header must tell the fake clock's time too.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		n := env.inflight.Add(1)
		defer env.inflight.Add(-1)
		for m := env.maxInflight.Load(); n > m && !env.maxInflight.CompareAndSwap(m, n); m = env.maxInflight.Load() {
		}
		if s.latency > 0 {
			time.Sleep(s.latency) // real time: the fake clock does not see it
		}
		rec := &extracttest.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
		srv.ServeHTTP(rec, r)
		if s.seen != nil {
			s.seen(r.URL.RequestURI(), rec.Status)
		}
	}))
	t.Cleanup(ts.Close)
	cfg := zoomcc.Config{
		Name: "zoom-cc", BaseURL: ts.URL + "/v2", TokenURL: ts.URL + fake.TokenPath,
		AccountID: srv.AccountID(), ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		PageSize: s.pageSize,
		HTTP:     extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now},
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	c, err := zoomcc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.client = c
	return env
}

// zoomRole is the role_name the fake documents for a person.
func zoomRole(p synth.Person) string {
	if p.CustomRole != "" {
		return p.CustomRole
	}
	return map[string]string{
		"owner": "Admin", "admin": "Admin", "manager": "Supervisor", "member": "Agent",
		"guest": "Guest Agent", "readonly": "Read-Only Viewer",
	}[p.Role]
}

// zoomStatus is the status_name the fake documents for a person.
func zoomStatus(p synth.Person) string {
	return map[string]string{
		"available": "Ready", "busy": "Occupied", "away": "Not Ready", "dnd": "Do Not Disturb", "offline": "Offline",
	}[p.Status]
}

func TestExtractAgainstFakeMatchesPopulation(t *testing.T) {
	t.Parallel()
	const size, pageSize = 240, 70 // several pages, the last one short
	env := setupFake(t, fakeSetup{size: size, pageSize: pageSize})
	sink := &recordingSink{}
	if err := env.client.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	people := env.pop.Day(0).People
	users := sink.users()
	if len(users) != len(people) || sink.distinctIDs() != len(people) {
		t.Fatalf("%d users (%d distinct), want the %d people of day 0 once each", len(users), sink.distinctIDs(), len(people))
	}
	for _, page := range sink.pages {
		if len(page) > pageSize {
			t.Errorf("a page of %d users, more than page_size %d", len(page), pageSize)
		}
	}
	statuses := map[string]extract.Status{}
	for _, st := range sink.statuses {
		statuses[st.UserID] = st
	}
	var queued, teamed, inactive, notReady int
	for i, p := range people {
		u := users[i]
		id := env.server.UserID(p.ID)
		if u.ID != id || u.AccountID != env.server.AccountID() {
			t.Fatalf("user %d is %s of %s, want %s (the fake lists by hire order)", i, u.ID, u.AccountID, id)
		}
		if u.Email != p.Email || u.DisplayName != p.FirstName+" "+p.LastName || u.Role != zoomRole(p) ||
			u.Country != p.Country || u.UpdatedAt != p.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z") {
			t.Errorf("user %s = %+v\nwant email %q name %q role %q country %q updated %s", id, u, p.Email,
				p.FirstName+" "+p.LastName, zoomRole(p), p.Country, p.UpdatedAt)
		}
		if u.Active == nil || *u.Active != p.Active {
			t.Errorf("user %s active %v, want %v", id, u.Active, p.Active)
		}
		if !p.Active {
			inactive++
		}

		var want []extract.Group
		if p.Team != "" {
			want = append(want, extract.Group{ID: env.server.TeamID(p.Team), Name: p.Team, Kind: "team"})
			teamed++
		}
		want = append(want, extract.Group{ID: env.server.RegionID(p.Region), Name: p.Region, Kind: "region"})
		for _, name := range synth.QueueNames() { // the queue listing's order
			if slices.Contains(p.Queues, name) {
				want = append(want, extract.Group{ID: env.server.QueueID(name), Name: name, Kind: "queue"})
			}
		}
		if len(p.Queues) > 0 {
			queued++
		}
		if !slices.Equal(u.Groups, want) {
			t.Errorf("user %s groups\n%+v\nwant\n%+v", id, u.Groups, want)
		}

		for _, field := range []string{"channel_settings", "client_integration", "role_id", "modified_by", "package_name", "add_ons_plan"} {
			if _, ok := u.Extra[field]; !ok {
				t.Errorf("user %s: Extra lacks %s", id, field)
			}
		}
		for _, field := range []string{"status_id", "status_name", "sub_status_id", "sub_status_name", "user_email", "region_id"} {
			if _, ok := u.Extra[field]; ok {
				t.Errorf("user %s: Extra has %s", id, field)
			}
		}
		for _, f := range u.Fields {
			if !slices.Contains(env.client.KnownFields(), f) {
				t.Errorf("user %s: field %s is not in KnownFields", id, f)
			}
		}

		st, ok := statuses[id]
		if !ok {
			t.Errorf("user %s has no status", id)
			continue
		}
		wantSub := ""
		if p.Status == "away" {
			wantSub = p.SubStatus
			notReady++
		}
		if st.Status != zoomStatus(p) || st.SubStatus != wantSub || st.OnCall == nil || *st.OnCall != p.OnCall || st.Channels != nil {
			t.Errorf("user %s status %+v, want %q/%q on call %v", id, st, zoomStatus(p), wantSub, p.OnCall)
		}
	}
	if len(sink.statuses) != len(people) {
		t.Errorf("%d statuses, want %d", len(sink.statuses), len(people))
	}
	if queued == 0 || teamed == 0 || inactive == 0 || notReady == 0 {
		t.Errorf("the population lacks variety: %d queued, %d in teams, %d inactive, %d not ready", queued, teamed, inactive, notReady)
	}
	st := env.client.Stats()
	if reqs := env.server.Requests(); st.Requests != int64(sumRequests(reqs)) || reqs[fake.TokenPath] != 1 || st.Retries != 0 {
		t.Errorf("stats %+v, server saw %v: want every request counted, one token, no retry", st, reqs)
	}
}

func sumRequests(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestExtractAgainstFakeSurvivesFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   fake.Options
		faults []fake.Fault
		cfg    func(*zoomcc.Config)
		// inserted users join the listing; deleted ones may be missing from it.
		inserted, deleted int
		check             func(t *testing.T, env *fakeEnv)
	}{
		{name: "5xx pages are retried", faults: []fake.Fault{{Path: fake.UsersPath, After: 1, Times: 2, Kind: fake.Status5xx, Status: 502}}},
		{name: "a 500 from the token endpoint is retried", faults: []fake.Fault{{Path: fake.TokenPath, Kind: fake.Status5xx, Status: 500}}},
		{name: "a truncated page is read again", faults: []fake.Fault{{Path: fake.UsersPath, After: 2, Kind: fake.Truncate}}},
		{name: "a slow reply", faults: []fake.Fault{{Path: "/v2/contact_center/teams*", Kind: fake.Slow, Delay: 20 * time.Millisecond}}},
		{
			name: "an injected per-second 429 waits a second", faults: []fake.Fault{{Path: fake.UsersPath, After: 1, Kind: fake.RateLimitedQPS}},
			check: func(t *testing.T, env *fakeEnv) {
				if st := env.client.Stats(); st.Retries != 1 || st.ThrottledMS < 1000 {
					t.Errorf("stats %+v, want one retry after a second", st)
				}
			},
		},
		{
			name: "a per-second limit is paced, never hit", opts: fake.Options{QPS: 3},
			check: func(t *testing.T, env *fakeEnv) {
				if st := env.client.Stats(); st.Retries != 0 || st.ThrottledMS == 0 {
					t.Errorf("stats %+v, want pacing and no 429", st)
				}
			},
		},
		{
			name:   "an access token expiring mid-listing is renewed",
			faults: []fake.Fault{{Path: fake.UsersPath, After: 2, Kind: fake.ExpireTokenBefore}},
			check: func(t *testing.T, env *fakeEnv) {
				if n := env.server.Requests()[fake.TokenPath]; n != 2 {
					t.Errorf("%d token requests, want 2", n)
				}
			},
		},
		{
			// Tokens of 5 s (renewed half a second early) while pacing moves the clock
			// a second at a time; each new token voids the previous one.
			name: "short-lived tokens that invalidate each other",
			opts: fake.Options{TokenTTL: 5 * time.Second, NewTokenInvalidatesOld: true, QPS: 2},
			check: func(t *testing.T, env *fakeEnv) {
				if n := env.server.Requests()[fake.TokenPath]; n < 3 {
					t.Errorf("%d token requests, want renewals", n)
				}
			},
		},
		{
			name:   "an expired page token restarts the listing",
			faults: []fake.Fault{{Path: fake.UsersPath, After: 2, Kind: fake.ExpirePageTokenBefore}},
			check: func(t *testing.T, env *fakeEnv) {
				if n := env.server.Requests()[fake.UsersPath]; n != 4+3 {
					t.Errorf("%d user requests, want 7 (two pages, then four from the start)", n)
				}
			},
		},
		{
			// total_records grows between pages: the listing starts over.
			name: "users inserted mid-listing", faults: []fake.Fault{{Path: fake.UsersPath, After: 1, Kind: fake.InsertUsers, N: 2}}, inserted: 2,
			check: restarted(1),
		},
		{
			// Offset paging would skip three users; total_records shrinking restarts the
			// listing, so every remaining user is read.
			name: "users deleted mid-listing", faults: []fake.Fault{{Path: fake.UsersPath, After: 2, Kind: fake.DeleteUsers, N: 3}}, deleted: 3,
			check: restarted(2),
		},
		{name: "page sizes clamped, no rate headers, empty sub-statuses", opts: fake.Options{ClampPageSize: true, NoRateHeaders: true, EmptySubStatus: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, fakeSetup{size: 100, pageSize: 30, opts: tc.opts, cfg: tc.cfg})
			for _, f := range tc.faults {
				env.server.Inject(f)
			}
			sink := &recordingSink{}
			if err := env.client.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			people := env.pop.Day(0).People
			emitted := map[string]bool{}
			for _, u := range sink.users() {
				emitted[u.ID] = true
			}
			missing := 0
			for _, p := range people {
				if !emitted[env.server.UserID(p.ID)] {
					missing++
				}
			}
			if missing > tc.deleted {
				t.Errorf("%d of the %d people not emitted", missing, len(people))
			}
			if tc.deleted == 0 && len(emitted) != len(people)+tc.inserted {
				t.Errorf("%d distinct users, want %d", len(emitted), len(people)+tc.inserted)
			}
			if env.server.PendingFaults() != 0 {
				t.Errorf("%d faults never triggered", env.server.PendingFaults())
			}
			if tc.check != nil {
				tc.check(t, env)
			}
		})
	}
}

// restarted checks that the users listing read some pages, then started over.
func restarted(pages int) func(t *testing.T, env *fakeEnv) {
	return func(t *testing.T, env *fakeEnv) {
		t.Helper()
		full := (len(env.pop.Day(0).People) + 29) / 30 // pages of one pass at page_size 30
		if n := env.server.Requests()[fake.UsersPath]; n < pages+full {
			t.Errorf("%d user requests, want the %d of a restart after %d", n, pages+full, pages)
		}
	}
}

func TestExtractAgainstFakeFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    fake.Options
		faults  []fake.Fault
		cfg     func(*zoomcc.Config)
		wantErr error
		wantMsg []string
		// maxUserRequests bounds the requests of GET /contact_center/users: failures are
		// prompt (0: not counted).
		maxUserRequests int
	}{
		{
			name: "wrong client secret", cfg: func(c *zoomcc.Config) { c.ClientSecret = "not-the-secret" },
			wantErr: extract.ErrAuth,
			wantMsg: []string{"zoom-cc: POST /oauth/token: authentication failed (HTTP 401) code invalid_client: token request: Invalid client_id or client_secret"},
		},
		{
			name: "wrong account id", cfg: func(c *zoomcc.Config) { c.AccountID = "someone-else" },
			wantErr: extract.ErrAuth, wantMsg: []string{"Invalid account_id"},
		},
		{
			name: "the daily limit runs out", opts: fake.Options{DailyLimit: 4},
			wantErr: extract.ErrRateLimited,
			wantMsg: []string{"rate limited (HTTP 429), retry after 21h59m", "daily limit", "resets 2026-01-06T00:00:00Z", "not waiting that long"},
		},
		{
			name: "an injected daily 429", faults: []fake.Fault{{Path: fake.UsersPath, Kind: fake.RateLimitedDaily, Times: -1}},
			wantErr: extract.ErrRateLimited, maxUserRequests: 1,
			wantMsg: []string{"GET /v2/contact_center/users?page_size=30: rate limited (HTTP 429)", "Medium, daily limit, limit 30000", "not waiting that long"},
		},
		{
			name: "a token without the team scope", opts: fake.Options{Scopes: []string{fake.ScopeUser, fake.ScopeQueue}},
			wantErr: extract.ErrAuth,
			wantMsg: []string{"authentication failed (HTTP 400) code 4711: Invalid access token, does not contain scopes:[contact_center_team:read:admin]."},
		},
		{
			name: "a missing-scope error that is not valid JSON", opts: fake.Options{Scopes: []string{fake.ScopeTeam, fake.ScopeQueue}, MalformedScopeError: true},
			wantErr: extract.ErrAuth, maxUserRequests: 1,
			wantMsg: []string{`code 4711: Invalid access token, does not contain scopes:["contact_center_user:read:admin"].`},
		},
		{
			name: "an error body with HTTP 200", faults: []fake.Fault{{Path: fake.UsersPath, Kind: fake.ErrorBody, Code: 3001, Message: "Contact Center is not enabled."}},
			maxUserRequests: 1, wantMsg: []string{"GET /v2/contact_center/users?page_size=30: HTTP 200 code 3001: Contact Center is not enabled."},
		},
		{
			name: "a maintenance page", faults: []fake.Fault{{Path: fake.UsersPath, After: 1, Kind: fake.NonJSON}},
			wantErr: extract.ErrMalformed, maxUserRequests: 2, wantMsg: []string{"malformed reply"},
		},
		{
			name: "page tokens that always expire", faults: []fake.Fault{{Path: fake.UsersPath, After: 1, Times: -1, Kind: fake.ExpirePageTokenBefore}},
			wantErr: extract.ErrIncomplete, maxUserRequests: 4 * 2,
			wantMsg: []string{"The next page token is invalid or expired.", "the next page token kept expiring; gave up after 3 restarts"},
		},
		{
			name: "a backend that stays down", faults: []fake.Fault{{Path: fake.UsersPath, Kind: fake.Status5xx, Times: -1}},
			maxUserRequests: 6, wantMsg: []string{"GET /v2/contact_center/users?page_size=30: HTTP 503: 503 Service Unavailable (after 6 attempts)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, fakeSetup{size: 60, pageSize: 30, opts: tc.opts, cfg: tc.cfg})
			for _, f := range tc.faults {
				env.server.Inject(f)
			}
			start := time.Now()
			err := env.client.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("Extract took %s", time.Since(start))
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not match %v", err, tc.wantErr)
			}
			for _, want := range tc.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\nwant it to contain\n%s", err, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "zoom-cc: ") {
				t.Errorf("error %q does not name the source", err)
			}
			reqs := env.server.Requests()
			if n := reqs[fake.UsersPath]; tc.maxUserRequests > 0 && n > tc.maxUserRequests {
				t.Errorf("%d user requests, want at most %d", n, tc.maxUserRequests)
			}
			if n := reqs[fake.TokenPath]; n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
			if tc.opts.DailyLimit > 0 {
				if n := sumRequests(reqs) - 1; n != tc.opts.DailyLimit+1 {
					t.Errorf("%d API requests, want the %d of the daily limit and the one refused", n, tc.opts.DailyLimit)
				}
			}
			if strings.Contains(err.Error(), env.server.ClientSecret()) {
				t.Errorf("error %q contains the client secret", err)
			}
		})
	}
}

// Team and queue member lists are asked for 300 members a page; an API that refuses
// that page_size (their cap is not documented) costs a refused request per list being
// read at the time, after which every member list is read 100 at a time, with the same
// memberships.
func TestMemberListsFallBackToTheSmallerPageSizeOnce(t *testing.T) {
	t.Parallel()
	type request struct {
		uri    string
		status int
	}
	extractGroups := func(t *testing.T, opts fake.Options) (map[string][]extract.Group, []request) {
		var mu sync.Mutex
		var seen []request
		env := setupFake(t, fakeSetup{size: 600, opts: opts, seen: func(uri string, status int) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, request{uri, status})
		}})
		sink := &recordingSink{}
		if err := env.client.Extract(context.Background(), sink); err != nil {
			t.Fatalf("Extract: %v", err)
		}
		groups := map[string][]extract.Group{}
		for _, u := range sink.users() {
			groups[u.ID] = u.Groups
		}
		return groups, seen
	}
	isMemberList := func(uri string) bool {
		path, _, _ := strings.Cut(uri, "?")
		return strings.HasSuffix(path, "/agents") || strings.HasSuffix(path, "/supervisors")
	}
	pageSize := func(uri string) string {
		_, query, _ := strings.Cut(uri, "?")
		v, _ := url.ParseQuery(query)
		return v.Get("page_size")
	}

	wantGroups, seen := extractGroups(t, fake.Options{})
	members := 0
	for _, r := range seen {
		if isMemberList(r.uri) {
			members++
			if pageSize(r.uri) != "300" || r.status != http.StatusOK {
				t.Errorf("%s answered %d, want page_size 300 accepted", r.uri, r.status)
			}
		}
	}
	if members == 0 {
		t.Fatal("no member list was read")
	}

	groups, seen := extractGroups(t, fake.Options{MemberPageMax: 100})
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Error("memberships read 100 at a time differ from those read 300 at a time")
	}
	// Lists are read four at a time: up to four can be refused before the client knows.
	refused, large := 0, 0
	for i, r := range seen {
		if !isMemberList(r.uri) {
			continue
		}
		switch {
		case r.status == http.StatusBadRequest && pageSize(r.uri) == "300":
			refused++
			path, _, _ := strings.Cut(r.uri, "?")
			if !slices.ContainsFunc(seen[i+1:], func(n request) bool {
				return strings.HasPrefix(n.uri, path+"?") && pageSize(n.uri) == "100" && n.status == http.StatusOK
			}) {
				t.Errorf("the refused %s was not read again with page_size 100", r.uri)
			}
		case r.status != http.StatusOK:
			t.Errorf("%s answered %d", r.uri, r.status)
		case pageSize(r.uri) != "100":
			large++
		}
	}
	if refused < 1 || refused > 4 || large != 0 {
		t.Errorf("%d refused member requests and %d accepted ones not of 100, want 1 to 4 and 0", refused, large)
	}
}

// Member lists are read several at once, but never so many that Zoom's per-second
// budget (X-RateLimit-Remaining) is overrun: a 429 would be retried, and counted.
func TestMemberListsReadAtOnceStayWithinThePerSecondLimit(t *testing.T) {
	t.Parallel()
	for _, qps := range []int{1, 6, 12, 40} {
		t.Run(fmt.Sprintf("%d a second", qps), func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, fakeSetup{size: 600, opts: fake.Options{QPS: qps}, latency: 2 * time.Millisecond})
			sink := &recordingSink{}
			if err := env.client.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if st := env.client.Stats(); st.Retries != 0 {
				t.Errorf("stats %+v: want no request answered 429", st)
			}
			if qps >= 12 && env.maxInflight.Load() < 2 {
				t.Errorf("at most %d requests at once with %d a second: member lists are not read at once", env.maxInflight.Load(), qps)
			}
		})
	}
}
