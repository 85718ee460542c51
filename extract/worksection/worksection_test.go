package worksection_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/extracttest"
	"github.com/roster-etl/roster/extract/worksection"
)

const (
	testKey    = "0123456789abcdef0123456789abcdef"
	sourceName = "ws"
	badHash    = `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`
)

// testAPI is a small stand-in for a Worksection account's admin API, enough to drive the
// client through each behaviour; extract/worksection/fake is the faithful one.
type testAPI struct {
	users  []map[string]any
	groups []map[string]any

	// override, if set, may answer any request itself (before routing, after the hash
	// check); n counts requests from 1.
	override func(w http.ResponseWriter, r *http.Request, n int) bool

	mu      sync.Mutex
	queries []string // raw query strings in order
	paths   []string
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.queries = append(a.queries, r.URL.RawQuery)
	a.paths = append(a.paths, r.URL.Path)
	n := len(a.queries)
	a.mu.Unlock()
	if r.Method != http.MethodGet || strings.TrimSuffix(r.URL.Path, "/") != "/api/admin/v2" {
		http.NotFound(w, r)
		return
	}
	// The server recomputes the hash over the exact bytes received before "&hash=".
	signed, hash, ok := strings.Cut(r.URL.RawQuery, "&hash=")
	if !ok || hash != md5hex(signed+testKey) {
		writeBody(w, http.StatusOK, badHash)
		return
	}
	if a.override != nil && a.override(w, r, n) {
		return
	}
	switch r.URL.Query().Get("action") {
	case "get_users":
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "data": orEmpty(a.users)})
	case "get_user_groups":
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "data": orEmpty(a.groups)})
	default:
		writeBody(w, http.StatusOK, `{"status":"error","status_code":4,"message":"Unknown action"}`)
	}
}

func (a *testAPI) Queries() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.queries)
}

func (a *testAPI) Paths() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.paths)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func orEmpty(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	writeBody(w, status, string(b))
}

func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// onAction answers requests for one action with a fixed reply, at most times times (0 =
// always).
func onAction(action string, times, status int, body string) func(http.ResponseWriter, *http.Request, int) bool {
	var mu sync.Mutex
	served := 0
	return func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Query().Get("action") != action {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		if times > 0 && served >= times {
			return false
		}
		served++
		writeBody(w, status, body)
		return true
	}
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

// recordingSink keeps copies of what a source emits and counts status batches, which a
// Worksection source must never send.
type recordingSink struct {
	mu            sync.Mutex
	pages         [][]extract.User
	statusBatches int
}

func (s *recordingSink) Users(_ context.Context, users []extract.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = append(s.pages, slices.Clone(users))
	return nil
}

func (s *recordingSink) Statuses(context.Context, []extract.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statusBatches++
	return nil
}

func (s *recordingSink) users() []extract.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []extract.User
	for _, p := range s.pages {
		all = append(all, p...)
	}
	return all
}

// setup aims a Worksection client with a fake clock at api; the base URL has no
// trailing slash, which New must tolerate.
func setup(t *testing.T, api http.Handler, cfg worksection.Config) (*worksection.Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if cfg.Name == "" {
		cfg.Name = sourceName
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	cfg.BaseURL = srv.URL + "/api/admin/v2"
	cfg.HTTP.Sleep = clock.Sleep
	cfg.HTTP.Now = clock.Now
	c, err := worksection.New(cfg)
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
			"id": fmt.Sprint(1000 + i), "email": fmt.Sprintf("u%d@acme.test", i), "first_name": "U",
			"last_name": fmt.Sprint(i), "name": fmt.Sprintf("U %d", i), "role": "user",
		}
	}
	return users
}

// directoryAPI is a small account with every kind of user the mapping tells apart.
func directoryAPI() *testAPI {
	return &testAPI{
		groups: []map[string]any{
			{"id": "11", "title": "Sales", "type": "company", "client": 0},
			{"id": 12, "title": "Support", "type": "company", "client": 0},
			{"id": "21", "title": "Partners", "type": "company", "client": 1},
			{"id": "22", "title": "Partners", "type": "company", "client": 0},
		},
		users: []map[string]any{
			{
				"id": "101", "first_name": "Ada", "last_name": "Owner", "name": "Ada Owner", "title": "CEO",
				"url":      "https://acme.worksection.com/user/101/",
				"services": map[string]any{"chats": map[string]any{"WhatsApp": "+1 555 000 0001", "Signal": "ada"}, "socials": map[string]any{"LinkedIn": "ada-owner"}},
				"contacts": "Skype: ada.owner", "date_added": "2021-03-04 09:15", "rate": 120.5,
				"avatar": "https://acme.worksection.com/images/avatar/101.png", "group": "Sales",
				"department": "Management", "role": "account admin", "email": "Ada@Acme.test",
				"phone": "+1 555 000 0000", "phone2": "(555) 000-0002 ext. 7", "phone3": "+1 555 000 0003", "phone4": "555-0004",
				"address": "1 Main St", "address2": "Suite 2", "favorite_color": "teal",
			},
			{
				// Optional fields absent; the id is a number.
				"id": 102, "first_name": "Ben", "last_name": "Bare", "name": "Ben Bare", "title": "",
				"group": "Support", "department": "", "role": "user", "email": "ben@acme.test",
			},
			{
				// Optional fields present as empty or blank strings and null.
				"id": "103", "first_name": "Cy", "last_name": "Empty", "name": "Cy Empty", "title": "Intern",
				"group": "", "department": "Ops", "role": "guest", "email": "cy@acme.test", "contacts": "",
				"phone": "", "phone2": "   ", "phone3": "+44 20 7946 0958", "phone4": nil, "address": "",
			},
			{
				// A team name that matches no team, and the field list's spelling of the date.
				"id": "104", "first_name": "Dee", "last_name": "Gone", "group": "Ghost Team", "role": "team admin",
				"email": "dee@acme.test", "data_added": "2024-12-31 23:59", "phone": "not a number",
			},
			{
				// A team name two teams share: no id is guessed.
				"id": "105", "first_name": "Eve", "last_name": "Partner", "name": "Eve Partner", "group": "Partners",
				"role": "reader", "email": "eve@partner.test",
			},
			{
				// Known fields of an unexpected type are kept in Extra, not dropped;
				// numbers where text is documented are read as their literal text.
				"id": "106", "first_name": "Fay", "last_name": "Odd", "email": "fay@acme.test", "role": "user",
				"title": 7, "group": map[string]any{"id": "11", "title": "Sales"}, "phone": 5550006, "department": true,
				"date_added": "2020-01-01 00:00", "data_added": "2020-01-02 00:00",
			},
		},
	}
}

func TestExtractMapsUsers(t *testing.T) {
	t.Parallel()
	api := directoryAPI()
	c, _ := setup(t, api, worksection.Config{})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if sink.statusBatches != 0 {
		t.Errorf("Statuses called %d times; Worksection has no presence status", sink.statusBatches)
	}
	byID := make(map[string]extract.User)
	for _, u := range sink.users() {
		byID[u.ID] = u
	}
	const account = "127.0.0.1"
	tests := []struct {
		name string
		want extract.User
	}{
		{name: "every column filled, four phones and a team id joined by title", want: extract.User{
			ID: "101", AccountID: account, Email: "Ada@Acme.test", FirstName: "Ada", LastName: "Owner",
			DisplayName: "Ada Owner", Title: "CEO", Role: "account admin", Department: "Management",
			Groups: []extract.Group{{ID: "11", Name: "Sales", Kind: "team"}},
			Phones: []extract.Phone{
				{Raw: "+1 555 000 0000", Kind: "main"}, {Raw: "(555) 000-0002 ext. 7", Kind: "office"},
				{Raw: "+1 555 000 0003", Kind: "mobile"}, {Raw: "555-0004", Kind: "home"},
			},
			CreatedAt: "2021-03-04 09:15",
		}},
		{name: "numeric user and team ids, optional fields absent", want: extract.User{
			ID: "102", AccountID: account, Email: "ben@acme.test", FirstName: "Ben", LastName: "Bare",
			DisplayName: "Ben Bare", Role: "user", Groups: []extract.Group{{ID: "12", Name: "Support", Kind: "team"}},
		}},
		{name: "empty and blank strings are no value and no phone", want: extract.User{
			ID: "103", AccountID: account, Email: "cy@acme.test", FirstName: "Cy", LastName: "Empty",
			DisplayName: "Cy Empty", Title: "Intern", Role: "guest", Department: "Ops",
			Phones: []extract.Phone{{Raw: "+44 20 7946 0958", Kind: "mobile"}},
		}},
		{name: "unknown team keeps its name without an id; data_added is the creation date", want: extract.User{
			ID: "104", AccountID: account, Email: "dee@acme.test", FirstName: "Dee", LastName: "Gone", Role: "team admin",
			Groups:    []extract.Group{{Name: "Ghost Team", Kind: "team"}},
			Phones:    []extract.Phone{{Raw: "not a number", Kind: "main"}},
			CreatedAt: "2024-12-31 23:59",
		}},
		{name: "team title shared by two teams gets no id", want: extract.User{
			ID: "105", AccountID: account, Email: "eve@partner.test", FirstName: "Eve", LastName: "Partner",
			DisplayName: "Eve Partner", Role: "reader", Groups: []extract.Group{{Name: "Partners", Kind: "team"}},
		}},
		{name: "known fields of another type are left to Extra, numbers read as text", want: extract.User{
			ID: "106", AccountID: account, Email: "fay@acme.test", FirstName: "Fay", LastName: "Odd", Role: "user",
			CreatedAt: "2020-01-01 00:00", Title: "7", Phones: []extract.Phone{{Raw: "5550006", Kind: "main"}},
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
			if got.Active != nil {
				t.Errorf("Active %v, want nil: listed users are active", *got.Active)
			}
			got.Extra, got.Fields = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("user\n got %s\nwant %s", describe(got), describe(tc.want))
			}
		})
	}
}

func describe(u extract.User) string {
	b, _ := json.Marshal(u)
	return string(b)
}

func TestExtractKeepsEveryOtherFieldInExtra(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, directoryAPI(), worksection.Config{})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	byID := make(map[string]extract.User)
	for _, u := range sink.users() {
		byID[u.ID] = u
	}
	tests := []struct {
		id         string
		wantExtra  map[string]string
		wantFields []string
	}{
		{
			id: "101",
			wantExtra: map[string]string{
				"url":            `"https://acme.worksection.com/user/101/"`,
				"services":       `{"chats":{"Signal":"ada","WhatsApp":"+1 555 000 0001"},"socials":{"LinkedIn":"ada-owner"}}`,
				"contacts":       `"Skype: ada.owner"`,
				"rate":           `120.5`,
				"avatar":         `"https://acme.worksection.com/images/avatar/101.png"`,
				"address":        `"1 Main St"`,
				"address2":       `"Suite 2"`,
				"favorite_color": `"teal"`,
			},
			wantFields: []string{"address", "address2", "avatar", "contacts", "date_added", "department", "email",
				"favorite_color", "first_name", "group", "id", "last_name", "name", "phone", "phone2", "phone3", "phone4",
				"rate", "role", "services", "title", "url"},
		},
		{
			id:         "102",
			wantExtra:  map[string]string{},
			wantFields: []string{"department", "email", "first_name", "group", "id", "last_name", "name", "role", "title"},
		},
		{
			id:        "103",
			wantExtra: map[string]string{"contacts": `""`, "address": `""`},
			wantFields: []string{"address", "contacts", "department", "email", "first_name", "group", "id", "last_name",
				"name", "phone", "phone2", "phone3", "phone4", "role", "title"},
		},
		{
			id: "106",
			wantExtra: map[string]string{
				"department": `true`, "group": `{"id":"11","title":"Sales"}`, "data_added": `"2020-01-02 00:00"`,
			},
			wantFields: []string{"data_added", "date_added", "department", "email", "first_name", "group", "id", "last_name", "phone", "role", "title"},
		},
	}
	for _, tc := range tests {
		t.Run("user "+tc.id, func(t *testing.T) {
			u, ok := byID[tc.id]
			if !ok {
				t.Fatalf("user %s missing", tc.id)
			}
			gotExtra := make(map[string]string)
			for k, v := range u.Extra {
				gotExtra[k] = string(v)
			}
			if !reflect.DeepEqual(gotExtra, tc.wantExtra) {
				t.Errorf("Extra %v, want %v", gotExtra, tc.wantExtra)
			}
			if !slices.Equal(u.Fields, tc.wantFields) {
				t.Errorf("Fields %v, want %v", u.Fields, tc.wantFields)
			}
		})
	}
}

func TestKnownFieldsListEveryDocumentedUserField(t *testing.T) {
	t.Parallel()
	c, err := worksection.New(worksection.Config{Name: sourceName, BaseURL: "https://acme.worksection.com/api/admin/v2/", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	// providers/worksection.md §6 and the seed's field list.
	documented := []string{"id", "first_name", "last_name", "name", "title", "url", "services", "contacts",
		"date_added", "data_added", "rate", "avatar", "group", "department", "role", "email",
		"phone", "phone2", "phone3", "phone4", "address", "address2"}
	known := c.KnownFields()
	slices.Sort(known)
	slices.Sort(documented)
	if !slices.Equal(known, documented) {
		t.Errorf("KnownFields %v, want %v", known, documented)
	}
}

func TestExtractCutsTheOneReplyIntoPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		users     int
		wantPages []int
	}{
		{name: "one user is one page", users: 1, wantPages: []int{1}},
		{name: "exactly one page size", users: 500, wantPages: []int{500}},
		{name: "one more than a page", users: 501, wantPages: []int{500, 1}},
		{name: "several pages and a short last one", users: 1234, wantPages: []int{500, 500, 234}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &testAPI{users: makeUsers(tc.users)}
			c, _ := setup(t, api, worksection.Config{})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			var sizes []int
			for _, p := range sink.pages {
				sizes = append(sizes, len(p))
			}
			if !slices.Equal(sizes, tc.wantPages) {
				t.Errorf("page sizes %v, want %v", sizes, tc.wantPages)
			}
			// One reply per action: the API is not paginated, nothing is asked twice.
			if st := c.Stats(); st.Pages != 2 || st.Requests != 2 || st.Retries != 0 {
				t.Errorf("stats %+v, want 2 pages, 2 requests, no retries", st)
			}
		})
	}
}

func TestRequestsAreSignedOverTheExactQuerySent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string // appended to the server's URL as BaseURL
	}{
		{name: "documented base with a trailing slash", path: "/api/admin/v2/"},
		{name: "base without a trailing slash", path: "/api/admin/v2"},
		{name: "host alone means the admin API", path: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			srv := httptest.NewServer(api)
			t.Cleanup(srv.Close)
			c, err := worksection.New(worksection.Config{Name: sourceName, BaseURL: srv.URL + tc.path, APIKey: testKey})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Extract(context.Background(), &recordingSink{}); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			want := []string{
				"action=get_user_groups&hash=" + md5hex("action=get_user_groups"+testKey),
				"action=get_users&hash=" + md5hex("action=get_users"+testKey),
			}
			if got := api.Queries(); !slices.Equal(got, want) {
				t.Errorf("queries %q, want %q", got, want)
			}
			for _, p := range api.Paths() {
				if p != "/api/admin/v2/" {
					t.Errorf("request path %q, want /api/admin/v2/", p)
				}
			}
		})
	}
}

func TestExtractRetriesAfterRateLimitAndServerErrors(t *testing.T) {
	t.Parallel()
	tooMany := `{"status":"error","message":"Too many requests"}`
	withHeader := func(k, v string, next func(http.ResponseWriter, *http.Request, int) bool) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, n int) bool {
			if r.URL.Query().Get("action") == "get_users" {
				w.Header().Set(k, v)
			}
			return next(w, r, n)
		}
	}
	tests := []struct {
		name          string
		override      func(http.ResponseWriter, *http.Request, int) bool
		wantRetries   int64
		wantLo        time.Duration // first wait at least
		wantHi        time.Duration // and at most
		wantThrottled bool
	}{
		{
			name:     "429 with Retry-After then success waits the hint",
			override: withHeader("Retry-After", "2", onAction("get_users", 1, http.StatusTooManyRequests, tooMany)),
			wantLo:   2 * time.Second, wantHi: 2200 * time.Millisecond, wantRetries: 1, wantThrottled: true,
		},
		{
			name:     "429 without a hint backs off",
			override: onAction("get_users", 2, http.StatusTooManyRequests, ""),
			wantLo:   125 * time.Millisecond, wantHi: 250 * time.Millisecond, wantRetries: 2, wantThrottled: true,
		},
		{
			name:     "Retry-After 0 still waits the minimum backoff",
			override: withHeader("Retry-After", "0", onAction("get_users", 1, http.StatusTooManyRequests, tooMany)),
			wantLo:   250 * time.Millisecond, wantHi: 500 * time.Millisecond, wantRetries: 1, wantThrottled: true,
		},
		{
			name:     "503 then success",
			override: onAction("get_user_groups", 1, http.StatusServiceUnavailable, "<html>maintenance</html>"),
			wantLo:   125 * time.Millisecond, wantHi: 250 * time.Millisecond, wantRetries: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = tc.override
			c, clock := setup(t, api, worksection.Config{})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := len(sink.users()); got != 6 {
				t.Errorf("%d users after the retry, want 6", got)
			}
			sleeps := clock.Sleeps()
			if len(sleeps) == 0 || sleeps[0] < tc.wantLo || sleeps[0] > tc.wantHi {
				t.Fatalf("waits %v, want the first within [%s, %s]", sleeps, tc.wantLo, tc.wantHi)
			}
			st := c.Stats()
			if st.Retries != tc.wantRetries || (st.ThrottledMS > 0) != tc.wantThrottled || st.Pages != 2 {
				t.Errorf("stats %+v, want %d retries, throttled %v, 2 pages", st, tc.wantRetries, tc.wantThrottled)
			}
		})
	}
}

func TestExtractFailures(t *testing.T) {
	t.Parallel()
	usersOp := sourceName + ": GET /api/admin/v2/?action=get_users: "
	groupsOp := sourceName + ": GET /api/admin/v2/?action=get_user_groups: "
	tests := []struct {
		name         string
		key          string
		override     func(http.ResponseWriter, *http.Request, int) bool
		users        []map[string]any // nil: the directory's
		wantErr      error
		wantMsg      string // the whole error, or its prefix when wantPrefix
		wantPrefix   bool
		wantRequests int64
	}{
		{
			name: "wrong key is an auth error naming the source, not retried", key: "fedcba9876543210fedcba9876543210",
			wantErr: extract.ErrAuth, wantRequests: 1,
			wantMsg: groupsOp + "authentication failed (HTTP 200) code 2: Action hash is missed or invalid",
		},
		{
			name: "bad hash at HTTP 403 is an auth error", override: onAction("get_users", 0, http.StatusForbidden, badHash),
			wantErr: extract.ErrAuth, wantRequests: 2,
			wantMsg: usersOp + "authentication failed (HTTP 403) code 2: Action hash is missed or invalid",
		},
		{
			name:         "error envelope at HTTP 200 is an API error, not retried",
			override:     onAction("get_users", 0, http.StatusOK, `{"status":"error","status_code":5,"message":"Access denied for this action","message_details":"users_read"}`),
			wantRequests: 2, wantMsg: usersOp + "HTTP 200 code 5: Access denied for this action: users_read",
		},
		{
			name: "reply without data is not an empty complete listing", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok"}`),
			wantErr: extract.ErrIncomplete, wantRequests: 2, wantMsg: usersOp + "incomplete listing: reply has status ok but no data",
		},
		{
			name: "reply with null data is not a complete listing", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":null}`),
			wantErr: extract.ErrIncomplete, wantRequests: 2, wantMsg: usersOp + "incomplete listing: reply has status ok but no data",
		},
		{
			name: "reply with no users is not a complete listing", users: []map[string]any{},
			wantErr: extract.ErrIncomplete, wantRequests: 2, wantMsg: usersOp + "incomplete listing: reply lists no users, not even the account owner",
		},
		{
			name: "reply of exactly the reported cap may be cut short", users: makeUsers(10000),
			wantErr: extract.ErrIncomplete, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "incomplete listing: reply lists exactly 10000 users",
		},
		{
			name: "HTML at HTTP 200 is malformed", override: onAction("get_users", 0, http.StatusOK, "<html><body>Something wrong</body></html>"),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: reply is not a JSON object (body starts",
		},
		{
			name: "JSON without status is malformed", override: onAction("get_user_groups", 0, http.StatusOK, `{"data":[]}`),
			wantErr: extract.ErrMalformed, wantRequests: 1, wantMsg: groupsOp + `malformed reply: reply has no status (body starts "{\"data\":[]}")`,
		},
		{
			name: "data that is not a list is malformed", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":{"id":"1"}}`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: get_users data: ",
		},
		{
			name: "a reply cut inside its users is malformed", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":[{"id":"1","email":"a@acme.test"},{"id":"2"`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: get_users data: ",
		},
		{
			name: "a reply cut after its users is malformed", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":[{"id":"1","email":"a@acme.test"}]`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: get_users data: reply object is not closed",
		},
		{
			name: "a reply with more after its object is malformed", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":[{"id":"1","email":"a@acme.test"}]}{"status":"ok"}`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: get_users data: reply has more after its object",
		},
		{
			name: "a reply with data twice is malformed", override: onAction("get_users", 0, http.StatusOK, `{"status":"ok","data":[{"id":"1"}],"data":[{"id":"2"}]}`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: get_users data: reply has data twice",
		},
		{
			name: "a cut reply whose status comes last is malformed", override: onAction("get_users", 0, http.StatusOK, `{"data":[{"id":"1"}],"status":"ok"`),
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: ",
		},
		{
			name: "user without an id is malformed", users: []map[string]any{{"email": "x@acme.test"}},
			wantErr: extract.ErrMalformed, wantRequests: 2, wantPrefix: true, wantMsg: usersOp + "malformed reply: user object without an id",
		},
		{
			name: "5xx until the budget runs out", override: onAction("get_users", 0, http.StatusBadGateway, "bad gateway"),
			wantRequests: 7, wantMsg: usersOp + "HTTP 502: bad gateway (after 6 attempts)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = tc.override
			if tc.users != nil {
				api.users = tc.users
			}
			c, _ := setup(t, api, worksection.Config{APIKey: tc.key})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not match %v", err, tc.wantErr)
			}
			if tc.wantPrefix && !strings.HasPrefix(err.Error(), tc.wantMsg) || !tc.wantPrefix && err.Error() != tc.wantMsg {
				t.Errorf("error\n%q\nwant\n%q", err, tc.wantMsg)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q is not one line", err)
			}
			var se *extract.SourceError
			if !errors.As(err, &se) || se.Source != sourceName {
				t.Errorf("error %T is not a SourceError of %s", err, sourceName)
			}
			if n := len(sink.users()); n != 0 {
				t.Errorf("%d users emitted by a failed listing", n)
			}
			if st := c.Stats(); st.Requests != tc.wantRequests {
				t.Errorf("%d requests, want %d", st.Requests, tc.wantRequests)
			}
		})
	}
}

func TestKeyAndHashNeverInErrors(t *testing.T) {
	t.Parallel()
	// echo quotes the whole request URL, hash included, the way a proxy error page might.
	echo := func(status int, envelope bool) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			msg := "request " + r.URL.String() + " failed"
			if envelope {
				writeJSON(w, status, map[string]any{"status": "error", "status_code": 3, "message": msg})
			} else {
				writeBody(w, status, msg)
			}
			return true
		}
	}
	wrongKey := "fedcba9876543210fedcba9876543210"
	tests := []struct {
		name     string
		key      string
		override func(http.ResponseWriter, *http.Request, int) bool
		closed   bool
	}{
		{name: "auth failure", key: wrongKey},
		{name: "error envelope quoting the URL", override: echo(200, true)},
		{name: "server error quoting the URL", override: echo(500, false)},
		{name: "rate limited until the budget runs out", override: echo(429, true)},
		{name: "malformed reply quoting the URL", override: echo(200, false)},
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
			c, err := worksection.New(worksection.Config{
				Name: sourceName, BaseURL: srv.URL + "/api/admin/v2/", APIKey: key,
				HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now, MaxRetries: 2},
			})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			secrets := []string{key}
			for _, action := range []string{"get_users", "get_user_groups"} {
				secrets = append(secrets, md5hex("action="+action+key))
			}
			for _, secret := range secrets {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
					t.Errorf("error %q contains the key or a hash", err)
				}
			}
			if !strings.HasPrefix(err.Error(), sourceName+": GET /api/admin/v2/?action=") {
				t.Errorf("error %q does not name the source and request", err)
			}
		})
	}
}

func TestExtractStopsWhenTheSinkFails(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, &testAPI{users: makeUsers(1200)}, worksection.Config{})
	sink := &failingSink{after: 1}
	err := c.Extract(context.Background(), sink)
	if err == nil || !errors.Is(err, errSinkFull) || !strings.HasPrefix(err.Error(), sourceName+": sink users: ") {
		t.Fatalf("Extract error %v, want the sink's error attributed to the source", err)
	}
	if sink.calls != 2 {
		t.Errorf("sink called %d times, want 2 (the failing call ends the listing)", sink.calls)
	}
}

var errSinkFull = errors.New("staging disk full")

// failingSink accepts after pages, then fails.
type failingSink struct {
	after, calls int
}

func (s *failingSink) Users(context.Context, []extract.User) error {
	s.calls++
	if s.calls > s.after {
		return errSinkFull
	}
	return nil
}

func (s *failingSink) Statuses(context.Context, []extract.Status) error { return nil }

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     worksection.Config
		wantErr string
	}{
		{name: "documented base URL", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "https://acme.worksection.com/api/admin/v2/"}},
		{name: "no trailing slash", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "https://acme.worksection.com/api/admin/v2"}},
		{name: "host alone", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "https://acme.worksection.com"}},
		{name: "no name", cfg: worksection.Config{APIKey: "k", BaseURL: "https://acme.worksection.com/api/admin/v2/"}, wantErr: "source name is empty"},
		{name: "no key", cfg: worksection.Config{Name: "w", BaseURL: "https://acme.worksection.com/api/admin/v2/"}, wantErr: "w: api_key is empty"},
		{name: "no base URL: there is no default host", cfg: worksection.Config{Name: "w", APIKey: "k"}, wantErr: "w: base_url is empty"},
		{name: "not a URL", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "acme.worksection.com/api/admin/v2/"}, wantErr: "not an http(s) URL"},
		{name: "credentials in URL", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "https://u:p@acme.worksection.com/api/admin/v2/"}, wantErr: "must not carry credentials"},
		{name: "query in URL", cfg: worksection.Config{Name: "w", APIKey: "k", BaseURL: "https://acme.worksection.com/api/admin/v2/?action=get_users"}, wantErr: "must not carry credentials, a query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := worksection.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.Name() != "w" || c.Provider() != "worksection" {
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

func TestAccountIDIsTheAccountHost(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		host string
	)
	api := directoryAPI()
	api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		mu.Lock()
		defer mu.Unlock()
		host = r.Host
		return false
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	// Aim a client named after a real account host at the test server.
	var dialer net.Dialer
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, srv.Listener.Addr().String())
	}}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := worksection.New(worksection.Config{
		Name: sourceName, BaseURL: "http://Acme.Worksection.com/api/admin/v2/", APIKey: testKey,
		HTTP: extract.ClientConfig{Transport: transport},
	})
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if host != "Acme.Worksection.com" {
		t.Errorf("Host %q, want the account host", host)
	}
	for _, u := range sink.users() {
		if u.AccountID != "acme.worksection.com" {
			t.Fatalf("AccountID %q, want acme.worksection.com", u.AccountID)
		}
	}
}

func TestUsersTheSinkRecognizesAreNotDecodedUnlessTheirObjectOrTeamsChanged(t *testing.T) {
	t.Parallel()
	everyone := []string{"101", "102", "103", "104", "105", "106"}
	changes := []extracttest.Change[*testAPI]{
		{Name: "nothing changed", Change: func(*testAPI) {}, Changed: nil},
		{Name: "a user's own field", Change: func(a *testAPI) { a.users[1]["email"] = "ben@new.test" }, Changed: []string{"102"}},
		{Name: "a user's id type", Change: func(a *testAPI) { a.users[1]["id"] = "102" }, Changed: []string{"102"}},
		{Name: "a team's id", Change: func(a *testAPI) { a.groups[0]["id"] = "13" }, Changed: everyone},
		{Name: "a team added", Change: func(a *testAPI) { a.groups = append(a.groups, map[string]any{"id": "31", "title": "Ghost Team"}) }, Changed: everyone},
	}
	extracttest.Recognitions(t, changes, directoryAPI, func(t *testing.T, api *testAPI) func(extract.Sink) error {
		c, _ := setup(t, api, worksection.Config{})
		return func(sink extract.Sink) error { return c.Extract(context.Background(), sink) }
	})
}

func TestAListingLargerThanTheSpoolHeadIsListedFromDiskWhicheverKeyComesFirst(t *testing.T) {
	t.Parallel()
	users := makeUsers(12000)
	data, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) <= extract.SpoolHead {
		t.Fatalf("the listing has %d bytes, not more than the spool head", len(data))
	}
	tests := []struct {
		name    string
		body    string
		wantErr string // "" for a listing of every user
	}{
		{name: "status first", body: `{"status":"ok","data":` + string(data) + `}`},
		{name: "data first", body: `{"data":` + string(data) + `,"status":"ok"}`},
		{name: "data first and a status after it that is not ok", body: `{"data":` + string(data) + `,"status":"error"}`,
			wantErr: `malformed reply: get_users data: reply status is "error", not "ok"`},
		{name: "data first and no status at all", body: `{"data":` + string(data) + `}`,
			wantErr: "malformed reply: get_users data: reply has no status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := directoryAPI()
			api.override = onAction("get_users", 0, http.StatusOK, tc.body)
			spool := t.TempDir()
			c, _ := setup(t, api, worksection.Config{HTTP: extract.ClientConfig{SpoolDir: spool}})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Extract: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Extract: %v, want an error with %q", err, tc.wantErr)
			case tc.wantErr == "" && len(sink.users()) != len(users):
				t.Errorf("%d users listed, want %d", len(sink.users()), len(users))
			}
			if entries, _ := os.ReadDir(spool); len(entries) != 0 {
				t.Errorf("the spool directory holds %d files after the listing", len(entries))
			}
		})
	}
}
