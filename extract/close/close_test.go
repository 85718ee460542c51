package close_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/close"
	"github.com/roster-etl/roster/extract/extracttest"
)

const (
	testKey = "api_SECRET_key_123"
	orgID   = "orga_acme"
	orgName = "Acme Inc"
	authMsg = "The server could not verify that you are authorized to access the URL requested.  You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."
)

// testAPI is a small stand-in for Close, enough to drive the client through each
// behaviour; extract/close/fake is the faithful one.
type testAPI struct {
	users        []map[string]any
	memberships  []map[string]any
	inactive     []map[string]any
	roles        []map[string]any
	groups       []testGroup
	availability []map[string]any

	// userPage, if set, answers GET /user/ instead of plain paging; nil data = default.
	userPage func(skip, limit int, users []map[string]any) any
	// override, if set, may answer any request itself (before routing, after auth).
	override func(w http.ResponseWriter, r *http.Request, n int) bool

	mu       sync.Mutex
	requests []string // request URIs in order
}

type testGroup struct {
	id, name string
	members  []string
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.URL.RequestURI())
	n := len(a.requests)
	a.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || user != testKey || pass != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": authMsg})
		return
	}
	if a.override != nil && a.override(w, r, n) {
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	switch {
	case path == "/me/":
		writeJSON(w, 200, map[string]any{
			"id": "user_admin", "organizations": []string{orgID},
			"memberships": []map[string]any{{"id": "memb_1", "organization_id": orgID, "role_id": "admin"}},
		})
	case path == "/organization/"+orgID+"/":
		writeJSON(w, 200, map[string]any{
			"id": orgID, "name": orgName, "currency": "USD",
			"memberships": orEmpty(a.memberships), "inactive_memberships": orEmpty(a.inactive),
		})
	case path == "/role/":
		writeJSON(w, 200, paged(r, a.roles))
	case path == "/group/":
		var list []map[string]any
		for _, g := range a.groups {
			list = append(list, map[string]any{"id": g.id, "name": g.name})
		}
		writeJSON(w, 200, paged(r, list))
	case strings.HasPrefix(path, "/group/"):
		for _, g := range a.groups {
			if path == "/group/"+g.id+"/" {
				members := []map[string]any{}
				for _, m := range g.members {
					members = append(members, map[string]any{"user_id": m})
				}
				writeJSON(w, 200, map[string]any{"id": g.id, "name": g.name, "organization_id": orgID, "members": members})
				return
			}
		}
		writeJSON(w, 404, map[string]any{"error": "Empty query: Group matching query does not exist."})
	case path == "/user/":
		if a.userPage != nil {
			skip, limit := skipLimit(r)
			writeJSON(w, 200, a.userPage(skip, limit, a.users))
			return
		}
		writeJSON(w, 200, paged(r, a.users))
	case path == "/user/availability/":
		writeJSON(w, 200, map[string]any{"data": orEmpty(a.availability)})
	default:
		writeJSON(w, 404, map[string]any{"error": "not found"})
	}
}

func (a *testAPI) Requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

func orEmpty(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

func skipLimit(r *http.Request) (int, int) {
	skip, _ := strconv.Atoi(r.URL.Query().Get("_skip"))
	limit, err := strconv.Atoi(r.URL.Query().Get("_limit"))
	if err != nil {
		limit = 100
	}
	return skip, limit
}

// paged answers a _skip/_limit request; has_more is exactly "another page exists".
func paged(r *http.Request, items []map[string]any) map[string]any {
	skip, limit := skipLimit(r)
	lo, hi := min(skip, len(items)), min(skip+limit, len(items))
	return map[string]any{"data": orEmpty(items[lo:hi]), "has_more": hi < len(items)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// fakeClock makes waits instant and records them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

// recordingSink keeps copies of what a source emits.
type recordingSink struct {
	mu       sync.Mutex
	pages    [][]extract.User
	statuses []extract.Status
}

func (s *recordingSink) Users(_ context.Context, users []extract.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = append(s.pages, slices.Clone(users))
	return nil
}

func (s *recordingSink) Statuses(_ context.Context, statuses []extract.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = append(s.statuses, statuses...)
	return nil
}

func (s *recordingSink) users() []extract.User {
	var all []extract.User
	for _, p := range s.pages {
		all = append(all, p...)
	}
	return all
}

// setup aims a Close client with a fake clock at api; the base URL has a trailing slash,
// which New must tolerate.
func setup(t *testing.T, api http.Handler, cfg close.Config) (*close.Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if cfg.Name == "" {
		cfg.Name = "close-main"
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	cfg.BaseURL = srv.URL + "/api/v1/"
	cfg.HTTP.Sleep = clock.Sleep
	cfg.HTTP.Now = clock.Now
	c, err := close.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, clock
}

// makeUsers returns n plain users.
func makeUsers(n int) []map[string]any {
	users := make([]map[string]any, n)
	for i := range users {
		users[i] = map[string]any{
			"id": fmt.Sprintf("user_%03d", i), "email": fmt.Sprintf("u%d@acme.test", i),
			"first_name": "U", "last_name": strconv.Itoa(i), "organizations": []string{orgID},
		}
	}
	return users
}

func TestExtractPaging(t *testing.T) {
	t.Parallel()
	// emptyAt answers the listed _skip values with an empty page that says has_more,
	// at most times times each (0 = always).
	emptyAt := func(times int, skips ...int) func(int, int, []map[string]any) any {
		var mu sync.Mutex
		served := map[int]int{}
		return func(skip, limit int, users []map[string]any) any {
			mu.Lock()
			defer mu.Unlock()
			if slices.Contains(skips, skip) && (times == 0 || served[skip] < times) {
				served[skip]++
				return map[string]any{"data": []any{}, "has_more": true}
			}
			lo, hi := min(skip, len(users)), min(skip+limit, len(users))
			return map[string]any{"data": users[lo:hi], "has_more": hi < len(users)}
		}
	}
	tests := []struct {
		name      string
		users     int
		userPage  func(skip, limit int, users []map[string]any) any
		wantErr   error
		wantSkips []int // _skip of every GET /user/
		wantIDs   int   // users emitted
		wantPages int   // non-empty pages emitted to the sink
	}{
		{name: "no users is one empty final page", users: 0, wantSkips: []int{0}},
		// After the first page each request overlaps the previous page by its last user.
		{name: "short last page", users: 5, wantSkips: []int{0, 1, 3}, wantIDs: 5, wantPages: 3},
		{name: "exact multiple of the page size ends on has_more false without an extra page", users: 4, wantSkips: []int{0, 1}, wantIDs: 4, wantPages: 2},
		{name: "empty page with has_more is asked again and a glitch loses no user", users: 6, userPage: emptyAt(1, 1), wantSkips: []int{0, 1, 1, 3}, wantIDs: 6, wantPages: 3},
		{name: "empty page with has_more twice is skipped and paging goes on", users: 6, userPage: emptyAt(0, 1), wantSkips: []int{0, 1, 1, 3, 4}, wantIDs: 5, wantPages: 3},
		{name: "endless empty pages fail as incomplete", users: 6, userPage: emptyAt(0, 1, 3, 5, 7, 9, 11, 13), wantErr: extract.ErrIncomplete, wantSkips: []int{0, 1, 1, 3, 3, 5, 5, 7, 7}, wantIDs: 2, wantPages: 1},
		{
			name: "reply without has_more is incomplete", users: 3,
			userPage: func(skip, limit int, users []map[string]any) any {
				return map[string]any{"data": users[:2]}
			},
			wantErr: extract.ErrIncomplete, wantSkips: []int{0}, wantIDs: 0,
		},
		{
			name: "a user inserted before the cursor repeats a user for the loader to count", users: 3,
			userPage: func(skip, limit int, users []map[string]any) any {
				if skip == 0 {
					return map[string]any{"data": users[:2], "has_more": true}
				}
				// A new user at the front shifts the list: user_000 comes twice.
				shifted := append([]map[string]any{{"id": "user_new", "email": "n@acme.test"}}, users...)
				lo, hi := min(skip, len(shifted)), min(skip+limit, len(shifted))
				return map[string]any{"data": shifted[lo:hi], "has_more": hi < len(shifted)}
			},
			wantSkips: []int{0, 1}, wantIDs: 4, wantPages: 2,
		},
		{
			name: "a user removed before the cursor restarts the listing so nobody is skipped", users: 5,
			userPage: func() func(skip, limit int, users []map[string]any) any {
				var mu sync.Mutex
				calls := 0
				return func(skip, limit int, users []map[string]any) any {
					mu.Lock()
					defer mu.Unlock()
					calls++
					if calls > 1 {
						users = users[1:] // user_000 left after the first page
					}
					lo, hi := min(skip, len(users)), min(skip+limit, len(users))
					return map[string]any{"data": users[lo:hi], "has_more": hi < len(users)}
				}
			}(),
			wantSkips: []int{0, 1, 0, 1}, wantIDs: 6, wantPages: 3,
		},
		{
			name: "a list that keeps shifting fails as incomplete", users: 50,
			userPage: func() func(skip, limit int, users []map[string]any) any {
				var mu sync.Mutex
				calls := 0
				return func(skip, limit int, users []map[string]any) any {
					mu.Lock()
					defer mu.Unlock()
					calls++
					users = users[calls:] // one user leaves before every request
					lo, hi := min(skip, len(users)), min(skip+limit, len(users))
					return map[string]any{"data": users[lo:hi], "has_more": hi < len(users)}
				}
			}(),
			wantErr: extract.ErrIncomplete, wantSkips: []int{0, 1, 0, 1, 0, 1, 0, 1}, wantIDs: 8, wantPages: 4,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &testAPI{users: makeUsers(tc.users), userPage: tc.userPage}
			c, _ := setup(t, api, close.Config{PageSize: 2})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Extract error %v, want %v", err, tc.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "close-main: GET /api/v1/user/") {
					t.Errorf("error %q does not name the source and request", err)
				}
			}
			var skips []int
			for _, uri := range api.Requests() {
				if strings.HasPrefix(uri, "/api/v1/user/?") {
					var skip, limit int
					if _, err := fmt.Sscanf(uri, "/api/v1/user/?_skip=%d&_limit=%d", &skip, &limit); err != nil || (limit != 2 && limit != 3) {
						t.Fatalf("request %q: want _skip then _limit=2 (3 when overlapping)", uri)
					}
					skips = append(skips, skip)
				}
			}
			if !slices.Equal(skips, tc.wantSkips) {
				t.Errorf("_skip sequence %v, want %v", skips, tc.wantSkips)
			}
			if got := len(sink.users()); got != tc.wantIDs {
				t.Errorf("%d users emitted, want %d", got, tc.wantIDs)
			}
			if len(sink.pages) != tc.wantPages {
				t.Errorf("%d pages emitted, want %d", len(sink.pages), tc.wantPages)
			}
			// /role/ and /group/ are one page each here; availability counts one.
			wantPageCount := int64(2 + len(skips))
			if tc.wantErr == nil {
				wantPageCount++
			}
			if got := c.Stats().Pages; got != wantPageCount {
				t.Errorf("Stats.Pages %d, want %d", got, wantPageCount)
			}
		})
	}
}

// directoryAPI is a small organization with every kind of user the mapping tells apart.
func directoryAPI() *testAPI {
	return &testAPI{
		users: []map[string]any{
			{
				"id": "user_admin", "email": "ada@acme.test", "first_name": "Ada", "last_name": "Admin",
				"image": "https://secure.gravatar.com/avatar/1", "organizations": []string{orgID},
				"last_used_timezone": "Europe/London", "date_created": "2012-08-29T00:33:22.720000+00:00",
				"date_updated": "2024-01-02T03:04:05.000006+00:00", "email_verified_at": "2012-08-29T00:40:00.000000+00:00",
				"favorite_color": "teal", "preferences": map[string]any{"theme": "dark"},
			},
			{
				"id": "user_custom", "email": "cam@acme.test", "first_name": "Cam", "last_name": "Custom",
				"display_name": "Cam C.", "organizations": []string{orgID, "orga_other"}, "last_used_timezone": nil,
			},
			{"id": "user_gone", "email": "gus@acme.test", "first_name": "Gus", "last_name": "Gone", "organizations": []string{}},
			{"id": "user_elsewhere", "email": "eve@other.test", "first_name": "Eve", "last_name": "Else", "organizations": []string{"orga_other"}},
			{"id": "user_left", "email": "leo@acme.test", "first_name": "Leo", "last_name": "Left", "organizations": []string{}},
		},
		memberships: []map[string]any{
			{"id": "memb_1", "user_id": "user_admin", "organization_id": orgID, "role_id": "admin", "user_full_name": "Ada Admin"},
			{"id": "memb_2", "user_id": "user_custom", "organization_id": orgID, "role_id": "role_am"},
		},
		inactive: []map[string]any{
			{"id": "memb_3", "user_id": "user_gone", "organization_id": orgID, "role_id": "superuser"},
		},
		roles: []map[string]any{
			{"id": "admin", "name": "Admin", "editable": false},
			{"id": "role_am", "name": "Account Manager", "editable": true, "permissions": []string{"export"}},
		},
		groups: []testGroup{
			{id: "group_sales", name: "Sales", members: []string{"user_admin", "user_custom"}},
			{id: "group_support", name: "Support", members: []string{"user_custom", "user_gone"}},
		},
		availability: []map[string]any{
			{"user_id": "user_admin", "availability": []map[string]any{
				{"type": "mobile", "status": "offline", "active_calls": []any{}},
				{"type": "native", "status": "online", "active_calls": []map[string]any{{"id": "acti_1", "method": "regular", "lead": map[string]any{"id": "lead_1", "display_name": "Wayne Enterprises"}}}},
				{"type": "web", "status": "offline", "active_calls": []any{}},
			}},
			{"user_id": "user_custom", "availability": []map[string]any{
				{"type": "mobile", "status": "offline", "active_calls": []any{}},
				{"type": "native", "status": "offline", "active_calls": []any{}},
				{"type": "web", "status": "offline", "active_calls": []any{}},
			}},
			{"user_id": "user_gone", "availability": []map[string]any{
				{"type": "mobile", "status": "online", "active_calls": []any{}},
				{"type": "native", "status": "offline", "active_calls": []any{}},
				{"type": "web", "status": "offline", "active_calls": []any{}},
			}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func TestExtractMapsDirectory(t *testing.T) {
	t.Parallel()
	api := directoryAPI()
	c, _ := setup(t, api, close.Config{})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	byID := make(map[string]extract.User)
	for _, u := range sink.users() {
		byID[u.ID] = u
	}
	org := extract.Group{ID: orgID, Name: orgName, Kind: "organization"}
	other := extract.Group{ID: "orga_other", Kind: "organization"}
	sales := extract.Group{ID: "group_sales", Name: "Sales", Kind: "group"}
	support := extract.Group{ID: "group_support", Name: "Support", Kind: "group"}
	tests := []struct {
		name string
		want extract.User
	}{
		{name: "admin with an active membership", want: extract.User{
			ID: "user_admin", AccountID: orgID, Email: "ada@acme.test", FirstName: "Ada", LastName: "Admin",
			Role: "admin", Active: ptr(true), Groups: []extract.Group{sales, org}, Timezone: "Europe/London",
			CreatedAt: "2012-08-29T00:33:22.720000+00:00", UpdatedAt: "2024-01-02T03:04:05.000006+00:00",
		}},
		{name: "custom role carries the role's name", want: extract.User{
			ID: "user_custom", AccountID: orgID, Email: "cam@acme.test", FirstName: "Cam", LastName: "Custom",
			DisplayName: "Cam C.", Role: "role_am", RoleName: "Account Manager", Active: ptr(true),
			Groups: []extract.Group{sales, support, org, other},
		}},
		{name: "inactive membership is inactive with its last role", want: extract.User{
			ID: "user_gone", AccountID: orgID, Email: "gus@acme.test", FirstName: "Gus", LastName: "Gone",
			Role: "superuser", Active: ptr(false), Groups: []extract.Group{support},
		}},
		{name: "user seen through another organization has no known state", want: extract.User{
			ID: "user_elsewhere", AccountID: orgID, Email: "eve@other.test", FirstName: "Eve", LastName: "Else",
			Groups: []extract.Group{other},
		}},
		{name: "user without organizations is inactive", want: extract.User{
			ID: "user_left", AccountID: orgID, Email: "leo@acme.test", FirstName: "Leo", LastName: "Left",
			Active: ptr(false),
		}},
	}
	if len(byID) != len(tests) {
		t.Errorf("%d users, want %d", len(byID), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := byID[tc.want.ID]
			if !ok {
				t.Fatalf("user %s missing", tc.want.ID)
			}
			got.Extra, got.Fields = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("user\n got %s\nwant %s", describe(got), describe(tc.want))
			}
		})
	}
	// Members come from GET /group/{id}/, one request per group.
	for _, g := range []string{"/api/v1/group/group_sales/", "/api/v1/group/group_support/"} {
		if !slices.Contains(api.Requests(), g) {
			t.Errorf("no request for %s", g)
		}
	}
}

func describe(u extract.User) string {
	b, _ := json.Marshal(u)
	return string(b)
}

func TestExtractKeepsEveryOtherFieldInExtra(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, directoryAPI(), close.Config{})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	users := sink.users()
	i := slices.IndexFunc(users, func(u extract.User) bool { return u.ID == "user_admin" })
	if i < 0 {
		t.Fatal("user_admin missing")
	}
	u := users[i]
	wantExtra := map[string]string{
		"image":             `"https://secure.gravatar.com/avatar/1"`,
		"organizations":     `["orga_acme"]`,
		"email_verified_at": `"2012-08-29T00:40:00.000000+00:00"`,
		"favorite_color":    `"teal"`,
		"preferences":       `{"theme":"dark"}`,
	}
	gotExtra := make(map[string]string)
	for k, v := range u.Extra {
		gotExtra[k] = string(v)
	}
	if !reflect.DeepEqual(gotExtra, wantExtra) {
		t.Errorf("Extra %v, want %v", gotExtra, wantExtra)
	}
	wantFields := []string{"date_created", "date_updated", "email", "email_verified_at", "favorite_color", "first_name",
		"id", "image", "last_name", "last_used_timezone", "organizations", "preferences"}
	if !slices.Equal(u.Fields, wantFields) {
		t.Errorf("Fields %v, want %v", u.Fields, wantFields)
	}
	// A known field with an unexpected type is kept, not dropped.
	api := &testAPI{users: []map[string]any{{"id": "user_x", "email": 42, "organizations": []string{orgID}}}}
	c2, _ := setup(t, api, close.Config{})
	sink2 := &recordingSink{}
	if err := c2.Extract(context.Background(), sink2); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := string(sink2.users()[0].Extra["email"]); got != "42" {
		t.Errorf("Extra[email] = %q, want 42", got)
	}
}

func TestExtractAvailability(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, directoryAPI(), close.Config{})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	tests := []struct {
		userID, status string
		onCall         bool
	}{
		{"user_admin", "online", true},
		{"user_custom", "offline", false},
		{"user_gone", "online", false},
	}
	if len(sink.statuses) != len(tests) {
		t.Fatalf("%d statuses, want %d", len(sink.statuses), len(tests))
	}
	for i, tc := range tests {
		t.Run(tc.userID, func(t *testing.T) {
			s := sink.statuses[i]
			if s.UserID != tc.userID || s.Status != tc.status || s.OnCall == nil || *s.OnCall != tc.onCall {
				t.Errorf("status %+v, want %s %s on call %v", s, tc.userID, tc.status, tc.onCall)
			}
			var channels []map[string]any
			if err := json.Unmarshal(s.Channels, &channels); err != nil || len(channels) != 3 {
				t.Errorf("Channels %s: want the raw three-channel array (%v)", s.Channels, err)
			}
		})
	}
	if !strings.Contains(string(sink.statuses[0].Channels), `"display_name":"Wayne Enterprises"`) {
		t.Errorf("Channels %s lost the active call's detail", sink.statuses[0].Channels)
	}
}

// rateLimitedOnce answers the first GET /user/ with a 429 built by reply.
func rateLimitedOnce(reply func(w http.ResponseWriter)) func(http.ResponseWriter, *http.Request, int) bool {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request, _ int) bool {
		handled := false
		if r.URL.Path == "/api/v1/user/" {
			once.Do(func() { reply(w); handled = true })
		}
		return handled
	}
}

func TestExtractRetriesAfterRateLimit(t *testing.T) {
	t.Parallel()
	body := func(v any) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) { writeJSON(w, 429, v) }
	}
	withHeader := func(k, v string, next func(w http.ResponseWriter)) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) { w.Header().Set(k, v); next(w) }
	}
	nested := func(reset any) map[string]any {
		return map[string]any{"error": map[string]any{
			"message": "API call count exceeded for this 15 second window", "rate_reset": reset,
			"rate_limit": 40, "rate_window": 15, "rate_limit_type": "key", "rate_endpoint_group": "99ad0b85",
		}}
	}
	tests := []struct {
		name   string
		reply  func(w http.ResponseWriter)
		wantLo time.Duration // first wait at least
		wantHi time.Duration // and at most
	}{
		{name: "rate_reset as a number", reply: body(nested(0.870663)), wantLo: 870 * time.Millisecond, wantHi: 960 * time.Millisecond},
		{name: "rate_reset as a string", reply: body(nested("2.5")), wantLo: 2500 * time.Millisecond, wantHi: 2750 * time.Millisecond},
		{name: "rate_reset at top level", reply: body(map[string]any{"message": "slow", "rate_reset": 1.5}), wantLo: 1500 * time.Millisecond, wantHi: 1650 * time.Millisecond},
		{name: "rate_reset wins over the RateLimit header", reply: withHeader("RateLimit", "limit=40, remaining=0, reset=1", body(nested(0.5))), wantLo: 500 * time.Millisecond, wantHi: 550 * time.Millisecond},
		{name: "Retry-After when the body has no rate_reset", reply: withHeader("Retry-After", "3", body(map[string]any{"error": "slow down"})), wantLo: 3 * time.Second, wantHi: 3300 * time.Millisecond},
		{name: "RateLimit-Reset after Retry-After", reply: withHeader("RateLimit-Reset", "4", body(map[string]any{"error": "slow down"})), wantLo: 4 * time.Second, wantHi: 4400 * time.Millisecond},
		{name: "RateLimit header reset last", reply: withHeader("RateLimit", "limit=40, remaining=0, reset=2", body(map[string]any{"error": "slow down"})), wantLo: 2 * time.Second, wantHi: 2200 * time.Millisecond},
		{name: "zero rate_reset still waits the minimum backoff", reply: body(nested(0)), wantLo: 250 * time.Millisecond, wantHi: 500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = rateLimitedOnce(tc.reply)
			c, clock := setup(t, api, close.Config{})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := len(sink.users()); got != 5 {
				t.Errorf("%d users after the retry, want 5", got)
			}
			sleeps := clock.Sleeps()
			if len(sleeps) == 0 || sleeps[0] < tc.wantLo || sleeps[0] > tc.wantHi {
				t.Fatalf("waits %v, want the first within [%s, %s]", sleeps, tc.wantLo, tc.wantHi)
			}
			st := c.Stats()
			if st.Retries != 1 || st.ThrottledMS < tc.wantLo.Milliseconds() {
				t.Errorf("stats %+v, want 1 retry and at least %d ms throttled", st, tc.wantLo.Milliseconds())
			}
		})
	}
}

func TestExtractPacesAfterUsedUpWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		header        [2]string
		wantThrottled int64
	}{
		{name: "RateLimit remaining=0 waits its reset", header: [2]string{"RateLimit", "limit=100, remaining=0, reset=2"}, wantThrottled: 2000},
		{name: "RateLimit with remaining requests does not wait", header: [2]string{"RateLimit", "limit=100, remaining=7, reset=2"}, wantThrottled: 0},
		{name: "legacy X-Rate-Limit headers", header: [2]string{"X-Rate-Limit-Remaining", "0"}, wantThrottled: 1500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if r.URL.Path == "/api/v1/me/" {
					w.Header().Set(tc.header[0], tc.header[1])
					w.Header().Set("X-Rate-Limit-Reset", "1.5")
				}
				return false
			}
			c, _ := setup(t, api, close.Config{})
			if err := c.Extract(context.Background(), &recordingSink{}); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if st := c.Stats(); st.ThrottledMS != tc.wantThrottled || st.Retries != 0 {
				t.Errorf("stats %+v, want %d ms throttled and no retry", st, tc.wantThrottled)
			}
		})
	}
}

func TestExtractFailures(t *testing.T) {
	t.Parallel()
	onPath := func(path string, status int, contentType, body string) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if r.URL.Path != path {
				return false
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			w.Write([]byte(body))
			return true
		}
	}
	tests := []struct {
		name     string
		key      string
		override func(http.ResponseWriter, *http.Request, int) bool
		wantErr  error
		wantMsg  string // prefix of the error
	}{
		{
			name: "wrong API key is an auth error naming the source", key: "wrong-key", wantErr: extract.ErrAuth,
			wantMsg: "close-main: GET /api/v1/me/: authentication failed (HTTP 401): The server could not verify that you are authorized",
		},
		{
			name: "HTML instead of JSON is malformed", override: onPath("/api/v1/user/", 200, "text/html", "<html><body>Maintenance</body></html>"),
			wantErr: extract.ErrMalformed, wantMsg: `close-main: GET /api/v1/user/?_skip=0&_limit=1000: malformed reply: `,
		},
		{
			name: "validation error reads field-errors", override: onPath("/api/v1/role/", 400, "application/json", `{"errors": [], "field-errors": {"_limit": "Ensure this value is less than or equal to 100."}}`),
			wantMsg: "close-main: GET /api/v1/role/?_skip=0&_limit=100: HTTP 400: _limit: Ensure this value is less than or equal to 100.",
		},
		{
			name: "unknown group is a 404 with Close's message", override: onPath("/api/v1/group/group_sales/", 404, "application/json", `{"error": "Empty query: Group matching query does not exist."}`),
			wantMsg: "close-main: GET /api/v1/group/group_sales/: HTTP 404: Empty query: Group matching query does not exist.",
		},
		{
			name: "plan limit 402 is not retried", override: onPath("/api/v1/organization/orga_acme/", 402, "application/json", `{"error": "Plan limit reached"}`),
			wantMsg: "close-main: GET /api/v1/organization/orga_acme/: HTTP 402: Plan limit reached",
		},
		{
			name: "5xx until the budget runs out", override: onPath("/api/v1/user/availability/", 503, "text/plain", "upstream unavailable"),
			wantMsg: "close-main: GET /api/v1/user/availability/: HTTP 503: upstream unavailable (after 6 attempts)",
		},
		{
			name: "availability cut short is malformed", override: onPath("/api/v1/user/availability/", 200, "application/json", `{"data":[{"user_id":"user_admin","availability":[]},{"user_id":`),
			wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/user/availability/: malformed reply: ",
		},
		{
			name: "availability without a user is malformed", override: onPath("/api/v1/user/availability/", 200, "application/json", `{"data":[{"availability":[]}]}`),
			wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/user/availability/: malformed reply: availability entry without user_id",
		},
		{
			name: "organization cut short is malformed", override: onPath("/api/v1/organization/orga_acme/", 200, "application/json", `{"id":"orga_acme","memberships":[{"user_id":"user_admin","role_id":"admin"},`),
			wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/organization/orga_acme/: malformed reply: ",
		},
		{
			name: "organization members that are no list are malformed", override: onPath("/api/v1/organization/orga_acme/", 200, "application/json", `{"id":"orga_acme","memberships":{"user_id":"user_admin"}}`),
			wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/organization/orga_acme/: malformed reply: memberships is not a list",
		},
		{
			name: "me without an organization", override: onPath("/api/v1/me/", 200, "application/json", `{"id": "user_x", "organizations": [], "memberships": []}`),
			wantErr: extract.ErrMalformed, wantMsg: "close-main: GET /api/v1/me/: malformed reply: the API key's user belongs to no organization",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = tc.override
			c, _ := setup(t, api, close.Config{APIKey: tc.key})
			err := c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not match %v", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("error\n%q\nwant prefix\n%q", err, tc.wantMsg)
			}
			var se *extract.SourceError
			if !errors.As(err, &se) || se.Source != "close-main" {
				t.Errorf("error %T is not a SourceError of close-main", err)
			}
		})
	}
}

func TestAPIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	encoded := base64.StdEncoding.EncodeToString([]byte(testKey + ":"))
	echo := func(status int) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			writeJSON(w, status, map[string]any{"error": "request " + r.URL.String()})
			return true
		}
	}
	tests := []struct {
		name     string
		key      string
		override func(http.ResponseWriter, *http.Request, int) bool
		closed   bool
	}{
		{name: "auth failure", key: testKey + "-wrong"},
		{name: "server error", override: echo(500)},
		{name: "client error", override: echo(400)},
		{name: "rate limited until the budget runs out", override: echo(429)},
		{name: "malformed reply", override: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			w.Write([]byte("not json"))
			return true
		}},
		{name: "connection refused", closed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = tc.override
			srv := httptest.NewServer(api)
			t.Cleanup(srv.Close)
			if tc.closed {
				srv.Close()
			}
			clock := &fakeClock{}
			key := tc.key
			if key == "" {
				key = testKey
			}
			c, err := close.New(close.Config{
				Name: "close-main", BaseURL: srv.URL + "/api/v1", APIKey: key,
				HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now, MaxRetries: 2},
			})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			for _, secret := range []string{testKey, encoded} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
					t.Errorf("error %q contains the API key", err)
				}
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     close.Config
		wantErr string
	}{
		{name: "defaults", cfg: close.Config{Name: "c", APIKey: "k"}},
		{name: "trailing slash", cfg: close.Config{Name: "c", APIKey: "k", BaseURL: "http://127.0.0.1:1/api/v1/"}},
		{name: "max page size", cfg: close.Config{Name: "c", APIKey: "k", PageSize: 1000}},
		{name: "no name", cfg: close.Config{APIKey: "k"}, wantErr: "source name is empty"},
		{name: "no key", cfg: close.Config{Name: "c"}, wantErr: "api_key is empty"},
		{name: "page size too large", cfg: close.Config{Name: "c", APIKey: "k", PageSize: 1001}, wantErr: "page size 1001"},
		{name: "negative page size", cfg: close.Config{Name: "c", APIKey: "k", PageSize: -1}, wantErr: "page size -1"},
		{name: "not a URL", cfg: close.Config{Name: "c", APIKey: "k", BaseURL: "api.close.com"}, wantErr: "not an http(s) URL"},
		{name: "credentials in URL", cfg: close.Config{Name: "c", APIKey: "k", BaseURL: "https://u:p@api.close.com/api/v1"}, wantErr: "must not carry credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := close.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.Name() != "c" || c.Provider() != "close" {
					t.Errorf("Name %q Provider %q", c.Name(), c.Provider())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("New error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestUsersTheSinkRecognizesAreNotDecodedUnlessTheirObjectOrContextChanged(t *testing.T) {
	t.Parallel()
	changes := []extracttest.Change[*testAPI]{
		{Name: "nothing changed", Change: func(*testAPI) {}, Changed: nil},
		{Name: "a user's own field", Change: func(a *testAPI) { a.users[0]["email"] = "ada@new.test" }, Changed: []string{"user_admin"}},
		{Name: "a membership's role", Change: func(a *testAPI) { a.memberships[0]["role_id"] = "superuser" }, Changed: []string{"user_admin"}},
		{Name: "a custom role's name", Change: func(a *testAPI) { a.roles[1]["name"] = "Key Account Manager" }, Changed: []string{"user_custom"}},
		{Name: "a membership made inactive", Change: func(a *testAPI) {
			a.inactive = append(a.inactive, a.memberships[1])
			a.memberships = a.memberships[:1]
		}, Changed: []string{"user_custom"}},
		{Name: "a group's name", Change: func(a *testAPI) { a.groups[1].name = "Care" }, Changed: []string{"user_custom", "user_gone"}},
		{Name: "a group's members", Change: func(a *testAPI) { a.groups[0].members = append(a.groups[0].members, "user_left") }, Changed: []string{"user_left"}},
	}
	extracttest.Recognitions(t, changes, directoryAPI, func(t *testing.T, api *testAPI) func(extract.Sink) error {
		c, _ := setup(t, api, close.Config{})
		return func(sink extract.Sink) error { return c.Extract(context.Background(), sink) }
	})
}

// statusPages records the size of every batch of statuses.
type statusPages struct {
	recordingSink
	sizes []int
}

func (s *statusPages) Statuses(ctx context.Context, statuses []extract.Status) error {
	s.sizes = append(s.sizes, len(statuses))
	return s.recordingSink.Statuses(ctx, statuses)
}

func TestTheAvailabilityOfALargeOrganizationIsSpooledAndArrivesInPages(t *testing.T) {
	t.Parallel()
	api := directoryAPI()
	const n = 4500
	api.availability = nil
	for i := range n {
		api.availability = append(api.availability, map[string]any{"user_id": fmt.Sprintf("user_%05d", i), "availability": []map[string]any{
			{"type": "mobile", "status": "offline", "active_calls": []any{}},
			{"type": "native", "status": "online", "active_calls": []any{}},
			{"type": "web", "status": "offline", "active_calls": []any{map[string]any{"method": "inbound", "contact_display_name": strings.Repeat("x", 100)}}},
		}})
	}
	spool := t.TempDir()
	c, _ := setup(t, api, close.Config{HTTP: extract.ClientConfig{SpoolDir: spool}})
	sink := &statusPages{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := []int{1000, 1000, 1000, 1000, 500}; !slices.Equal(sink.sizes, want) {
		t.Errorf("statuses arrived in pages of %v, want %v", sink.sizes, want)
	}
	for i, s := range sink.statuses {
		if want := fmt.Sprintf("user_%05d", i); s.UserID != want || s.Status != "online" || s.OnCall == nil || !*s.OnCall {
			t.Fatalf("status %d is %+v, want %s online on a call", i, s, want)
		}
	}
	if entries, _ := os.ReadDir(spool); len(entries) != 0 {
		t.Errorf("the spool directory holds %d files after the listing", len(entries))
	}
}

func TestAnActiveMembershipWinsWhicheverListOfTheOrganizationComesFirst(t *testing.T) {
	t.Parallel()
	active := `{"id":"memb_1","user_id":"user_admin","organization_id":"` + orgID + `","role_id":"admin"}`
	inactive := `{"id":"memb_9","user_id":"user_admin","organization_id":"` + orgID + `","role_id":"role_am"}`
	gone := `{"id":"memb_3","user_id":"user_gone","organization_id":"` + orgID + `","role_id":"superuser"}`
	tests := []struct {
		name, body string
	}{
		{name: "active list first", body: `{"id":"` + orgID + `","name":"` + orgName + `","memberships":[` + active + `],"inactive_memberships":[` + inactive + `,` + gone + `]}`},
		{name: "inactive list first", body: `{"inactive_memberships":[` + inactive + `,` + gone + `],"memberships":[` + active + `],"name":"` + orgName + `","id":"` + orgID + `"}`},
		{name: "nested user objects", body: `{"id":"` + orgID + `","name":"` + orgName + `","memberships":[{"id":"memb_1","user":{"id":"user_admin"},"role_id":"admin"}],"inactive_memberships":[{"user":{"id":"user_admin"},"role_id":"role_am"},{"user":{"id":"user_gone"},"role_id":"superuser"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.URL.Path != "/api/v1/organization/"+orgID+"/" {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.body)
				return true
			}
			c, _ := setup(t, api, close.Config{})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			byID := map[string]extract.User{}
			for _, u := range sink.users() {
				byID[u.ID] = u
			}
			if u := byID["user_admin"]; u.Active == nil || !*u.Active || u.Role != "admin" {
				t.Errorf("user_admin: active %v role %q, want active with role admin", u.Active, u.Role)
			}
			if u := byID["user_gone"]; u.Active == nil || *u.Active || u.Role != "superuser" {
				t.Errorf("user_gone: active %v role %q, want inactive with role superuser", u.Active, u.Role)
			}
			if u := byID["user_admin"]; !slices.Contains(u.Groups, extract.Group{ID: orgID, Name: orgName, Kind: "organization"}) {
				t.Errorf("user_admin's groups %v lack the organization with its name", u.Groups)
			}
		})
	}
}
