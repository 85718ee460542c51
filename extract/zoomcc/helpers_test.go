package zoomcc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/zoomcc"
)

const (
	testAccount = "acct_Zx9"
	testClient  = "client_abc"
	testSecret  = "s3cr3t-CLIENT-secret"
)

// testAPI is a small stand-in for Zoom (token endpoint and Contact Center lists), enough
// to drive the client through each behaviour; extract/zoomcc/fake is the faithful one.
// It shares the test's fake clock.
type testAPI struct {
	clock *fakeClock

	users  []map[string]any
	teams  []testGroup
	queues []testGroup

	// tokenTTL is expires_in of minted tokens (default 3599 s); serverTTL, if set, is how
	// long the server really accepts them (to simulate a token dying early).
	tokenTTL, serverTTL time.Duration
	// pageTokenTTL, if set, expires page tokens that long after issue.
	pageTokenTTL time.Duration
	// tick advances the clock on every API request (time spent per page).
	tick time.Duration
	// tokenReply, if set, answers the token endpoint instead of minting.
	tokenReply func(w http.ResponseWriter, r *http.Request) bool
	// override, if set, may answer any API request itself (after auth); n counts API
	// requests from 1.
	override func(w http.ResponseWriter, r *http.Request, n int) bool
	// itemsPage, if set, shapes a users page: it gets the page's users, the token the
	// server would hand out and whether the request was for the first page, and
	// returns the reply.
	itemsPage func(items []map[string]any, next string, first bool) map[string]any

	mu            sync.Mutex
	tokenRequests []tokenRequest
	tokens        map[string]time.Time // access token -> expiry
	pageTokens    map[string]pageToken
	requests      []string // API request URIs in order
	authHeaders   []string
}

type tokenRequest struct {
	method, contentType, query, body string
	user, pass                       string
	basicOK                          bool
}

type pageToken struct {
	path    string
	offset  int
	expires time.Time
}

type testGroup struct {
	id, name    string
	agents      []string
	supervisors []string
}

func newTestAPI(clock *fakeClock, users []map[string]any) *testAPI {
	return &testAPI{clock: clock, users: users, tokens: map[string]time.Time{}, pageTokens: map[string]pageToken{}}
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		a.serveToken(w, r)
		return
	}
	a.mu.Lock()
	a.requests = append(a.requests, r.URL.RequestURI())
	a.authHeaders = append(a.authHeaders, r.Header.Get("Authorization"))
	n := len(a.requests)
	a.mu.Unlock()
	if a.tick > 0 {
		// The time this request takes, seen by the next one.
		defer a.clock.Advance(a.tick)
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	expiry, known := a.tokens[token]
	a.mu.Unlock()
	switch {
	case !ok || !known:
		writeJSON(w, 401, map[string]any{"code": 124, "message": "Invalid access token."})
		return
	case !a.clock.Now().Before(expiry):
		writeJSON(w, 401, map[string]any{"code": 124, "message": "Access token is expired."})
		return
	}
	if a.override != nil && a.override(w, r, n) {
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2")
	switch {
	case path == "/contact_center/users":
		a.servePage(w, r, path, "users", a.users)
	case path == "/contact_center/teams":
		a.servePage(w, r, path, "teams", groupItems(a.teams, "team"))
	case path == "/contact_center/queues":
		a.servePage(w, r, path, "queues", groupItems(a.queues, "queue"))
	default:
		for _, set := range []struct {
			prefix string
			groups []testGroup
		}{{"/contact_center/teams/", a.teams}, {"/contact_center/queues/", a.queues}} {
			rest, ok := strings.CutPrefix(path, set.prefix)
			if !ok {
				continue
			}
			id, role, _ := strings.Cut(rest, "/")
			for _, g := range set.groups {
				if g.id != id {
					continue
				}
				switch role {
				case "agents":
					a.servePage(w, r, path, "agents", memberItems(g.agents))
					return
				case "supervisors":
					a.servePage(w, r, path, "supervisors", memberItems(g.supervisors))
					return
				}
			}
		}
		writeJSON(w, 404, map[string]any{"code": 1001, "message": "not found: " + path})
	}
}

func groupItems(groups []testGroup, kind string) []map[string]any {
	items := []map[string]any{}
	for _, g := range groups {
		items = append(items, map[string]any{kind + "_id": g.id, kind + "_name": g.name, kind + "_description": "about " + g.name})
	}
	return items
}

func memberItems(ids []string) []map[string]any {
	items := []map[string]any{}
	for _, id := range ids {
		items = append(items, map[string]any{"user_id": id, "user_display_name": "User " + id, "user_email": id + "@acme.test"})
	}
	return items
}

// servePage answers a page_size/next_page_token request over items.
func (a *testAPI) servePage(w http.ResponseWriter, r *http.Request, path, key string, items []map[string]any) {
	q := r.URL.Query()
	size := 30
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 300 {
			writeJSON(w, 400, map[string]any{"code": 300, "message": "Invalid parameter: page_size."})
			return
		}
		size = n
	}
	offset := 0
	if tok := q.Get("next_page_token"); tok != "" {
		a.mu.Lock()
		pt, ok := a.pageTokens[tok]
		a.mu.Unlock()
		if !ok || pt.path != path || (a.pageTokenTTL > 0 && !a.clock.Now().Before(pt.expires)) {
			writeJSON(w, 400, map[string]any{"code": 300, "message": "The next page token is invalid or expired."})
			return
		}
		offset = pt.offset
	}
	lo, hi := min(offset, len(items)), min(offset+size, len(items))
	next := ""
	if hi < len(items) {
		a.mu.Lock()
		next = fmt.Sprintf("tok%d", len(a.pageTokens)+1)
		a.pageTokens[next] = pageToken{path: path, offset: hi, expires: a.clock.Now().Add(a.pageTokenTTL)}
		a.mu.Unlock()
	}
	page := items[lo:hi]
	if page == nil {
		page = []map[string]any{}
	}
	reply := map[string]any{"next_page_token": next, "page_size": size, "total_records": len(items), key: page}
	if key == "users" && a.itemsPage != nil {
		reply = a.itemsPage(page, next, q.Get("next_page_token") == "")
	}
	writeJSON(w, 200, reply)
}

// serveToken is the Server-to-Server OAuth token endpoint.
func (a *testAPI) serveToken(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, ok := r.BasicAuth()
	a.mu.Lock()
	a.tokenRequests = append(a.tokenRequests, tokenRequest{
		method: r.Method, contentType: r.Header.Get("Content-Type"), query: r.URL.RawQuery, body: string(body),
		user: user, pass: pass, basicOK: ok,
	})
	n := len(a.tokenRequests)
	a.mu.Unlock()
	if a.tokenReply != nil && a.tokenReply(w, r) {
		return
	}
	if r.URL.RawQuery != "" {
		writeJSON(w, 400, map[string]any{"reason": "Parameters must be in the body", "error": "invalid_request"})
		return
	}
	if !ok || user != testClient || pass != testSecret {
		writeJSON(w, 401, map[string]any{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	if string(body) != "grant_type=account_credentials&account_id="+testAccount {
		writeJSON(w, 400, map[string]any{"reason": "Unsupported grant type", "error": "unsupported_grant_type"})
		return
	}
	ttl := a.tokenTTL
	if ttl == 0 {
		ttl = 3599 * time.Second
	}
	serverTTL := ttl
	if a.serverTTL > 0 {
		serverTTL = a.serverTTL
	}
	token := fmt.Sprintf("eyJ.access-token-%d.sig", n)
	a.mu.Lock()
	a.tokens[token] = a.clock.Now().Add(serverTTL)
	a.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"access_token": token, "token_type": "bearer", "expires_in": int(ttl / time.Second),
		"scope": "contact_center_user:read:admin", "api_url": "https://api.zoom.us",
	})
}

func (a *testAPI) TokenRequests() []tokenRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.tokenRequests)
}

func (a *testAPI) Requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

// IssuedTokens are the access tokens minted so far.
func (a *testAPI) IssuedTokens() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for t := range a.tokens {
		out = append(out, t)
	}
	return out
}

// UserRequests are the request URIs of GET /contact_center/users.
func (a *testAPI) UserRequests() []string {
	var out []string
	for _, r := range a.Requests() {
		if strings.HasPrefix(r, "/v2/contact_center/users") {
			out = append(out, r)
		}
	}
	return out
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

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []extract.User
	for _, p := range s.pages {
		all = append(all, p...)
	}
	return all
}

// distinctIDs counts the distinct user ids emitted.
func (s *recordingSink) distinctIDs() int {
	seen := map[string]bool{}
	for _, u := range s.users() {
		seen[u.ID] = true
	}
	return len(seen)
}

// setup aims a client with the fake clock at api; the base URL has a trailing slash,
// which New must tolerate.
func setup(t *testing.T, api *testAPI, cfg zoomcc.Config) *zoomcc.Client {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	if cfg.Name == "" {
		cfg.Name = "zoom-cc"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = testAccount
	}
	if cfg.ClientID == "" {
		cfg.ClientID = testClient
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = testSecret
	}
	cfg.BaseURL = srv.URL + "/v2/"
	cfg.TokenURL = srv.URL + "/oauth/token"
	cfg.HTTP.Sleep = api.clock.Sleep
	cfg.HTTP.Now = api.clock.Now
	c, err := zoomcc.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// makeUsers returns n plain users.
func makeUsers(n int) []map[string]any {
	users := make([]map[string]any, n)
	for i := range users {
		users[i] = map[string]any{
			"user_id": fmt.Sprintf("u%03d", i), "user_email": fmt.Sprintf("u%d@acme.test", i),
			"display_name": "User " + strconv.Itoa(i), "role_name": "Agent", "user_access": "active",
			"status_id": "0", "status_name": "Offline",
		}
	}
	return users
}

// basic is the Basic credential of id:secret.
func basic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}
