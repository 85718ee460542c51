package zoomcc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/extracttest"
	"github.com/roster-etl/roster/extract/zoomcc"
)

func TestTokenRequestShape(t *testing.T) {
	t.Parallel()
	api := newTestAPI(newFakeClock(), makeUsers(3))
	c := setup(t, api, zoomcc.Config{})
	if err := c.Extract(context.Background(), &recordingSink{}); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	reqs := api.TokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests, want 1", len(reqs))
	}
	got := reqs[0]
	want := tokenRequest{
		method: http.MethodPost, contentType: "application/x-www-form-urlencoded", query: "",
		body: "grant_type=account_credentials&account_id=" + testAccount,
		user: testClient, pass: testSecret, basicOK: true,
	}
	if got != want {
		t.Errorf("token request\n%+v\nwant\n%+v", got, want)
	}
	for i, h := range apiAuthHeaders(api) {
		if !strings.HasPrefix(h, "Bearer eyJ.access-token-1") {
			t.Errorf("API request %d: Authorization %q, want the bearer token", i, h)
		}
	}
	for _, uri := range api.Requests() {
		if strings.Contains(uri, "access") || strings.Contains(uri, "token=eyJ") {
			t.Errorf("API request %s carries the token in its query", uri)
		}
	}
}

func apiAuthHeaders(a *testAPI) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.authHeaders)
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		users      int
		tokenTTL   time.Duration // expires_in
		serverTTL  time.Duration // how long the server accepts a token (0: expires_in)
		tick       time.Duration // clock advance per API request
		wantTokens int
		want401s   int // API requests refused with 401
	}{
		{
			name: "one token is cached across every request", users: 10,
			tick: time.Second, wantTokens: 1,
		},
		{
			// 10 user pages + teams + queues = 12 requests of 20 s each; a 100 s token is
			// renewed 10 s before it expires (a tenth of its life), never refused.
			name: "renewed before expiry by the clock, mid-listing", users: 10,
			tokenTTL: 100 * time.Second, tick: 20 * time.Second, wantTokens: 3,
		},
		{
			// Requests at 0, 29:45, 59:30 (renewed: less than a minute left), ...
			name: "an hour-long token is renewed a minute early", users: 4,
			tokenTTL: time.Hour, tick: 29*time.Minute + 45*time.Second, wantTokens: 3,
		},
		{
			// The server drops tokens after 50 s although they say 3599 s: each token
			// serves three requests, then a 401 code 124 brings a new token and the same
			// request again.
			name: "expired early by the server mid-listing: renewed on 401 code 124", users: 10,
			serverTTL: 50 * time.Second, tick: 20 * time.Second, wantTokens: 4, want401s: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(tc.users))
			api.tokenTTL, api.serverTTL, api.tick = tc.tokenTTL, tc.serverTTL, tc.tick
			c := setup(t, api, zoomcc.Config{PageSize: 1})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := len(sink.users()); got != tc.users || sink.distinctIDs() != tc.users {
				t.Errorf("%d users (%d distinct), want each of %d exactly once", got, sink.distinctIDs(), tc.users)
			}
			if got := len(api.TokenRequests()); got != tc.wantTokens {
				t.Errorf("%d token requests, want %d", got, tc.wantTokens)
			}
			if got := len(api.Requests()) - (tc.users + 2); got != tc.want401s {
				t.Errorf("%d API requests refused, want %d", got, tc.want401s)
			}
			if st := c.Stats(); st.Requests != int64(len(api.Requests())+len(api.TokenRequests())) || st.Pages != int64(tc.users+2) {
				t.Errorf("stats %+v, want every request (token ones too) and %d pages", st, tc.users+2)
			}
		})
	}
}

func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	t.Parallel()
	on := func(body map[string]any, times int) func(http.ResponseWriter, *http.Request, int) bool {
		var mu sync.Mutex
		served := 0
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			mu.Lock()
			defer mu.Unlock()
			if r.URL.Path != "/v2/contact_center/users" || (times > 0 && served >= times) {
				return false
			}
			served++
			writeJSON(w, 401, body)
			return true
		}
	}
	expired := map[string]any{"code": 124, "message": "Access token is expired."}
	tests := []struct {
		name       string
		override   func(http.ResponseWriter, *http.Request, int) bool
		wantErr    string
		wantTokens int
	}{
		{name: "one 401 code 124: one new token, the request again", override: on(expired, 1), wantTokens: 2},
		{
			name: "401 code 124 again with the new token is an auth error", override: on(expired, 0), wantTokens: 2,
			wantErr: "zoom-cc: GET /v2/contact_center/users?page_size=300: authentication failed (HTTP 401) code 124: Access token is expired. (again with a new access token)",
		},
		{
			name:     "missing scope is an auth error without a new token",
			override: on(map[string]any{"code": 104, "message": "Invalid access token, does not contain scopes:[contact_center_user:read:admin]."}, 0), wantTokens: 1,
			wantErr: "zoom-cc: GET /v2/contact_center/users?page_size=300: authentication failed (HTTP 401) code 104: Invalid access token, does not contain scopes:[contact_center_user:read:admin].",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(3))
			api.override = tc.override
			c := setup(t, api, zoomcc.Config{})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if got := len(api.TokenRequests()); got != tc.wantTokens {
				t.Errorf("%d token requests, want %d", got, tc.wantTokens)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Extract: %v", err)
				}
				if len(sink.users()) != 3 {
					t.Errorf("%d users, want 3", len(sink.users()))
				}
				return
			}
			if !errors.Is(err, extract.ErrAuth) || err.Error() != tc.wantErr {
				t.Errorf("error\n%v\nwant ErrAuth\n%s", err, tc.wantErr)
			}
			if c.Stats().Retries != 0 {
				t.Errorf("stats %+v: an auth error is not retried by the HTTP layer", c.Stats())
			}
		})
	}
}

func TestExtractPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		users        int
		pageSize     int
		itemsPage    func(items []map[string]any, next string, _ bool) map[string]any
		wantRequests []string // GET /contact_center/users request URIs
	}{
		{
			name: "exact multiple: the last page is full and its token empty", users: 6, pageSize: 3,
			wantRequests: []string{"/v2/contact_center/users?page_size=3", "/v2/contact_center/users?page_size=3&next_page_token=tok1"},
		},
		{
			name: "short last page", users: 7, pageSize: 3,
			wantRequests: []string{
				"/v2/contact_center/users?page_size=3", "/v2/contact_center/users?page_size=3&next_page_token=tok1",
				"/v2/contact_center/users?page_size=3&next_page_token=tok2",
			},
		},
		{name: "default page size is 300", users: 2, wantRequests: []string{"/v2/contact_center/users?page_size=300"}},
		{name: "page size is capped at 300", users: 2, pageSize: 1000, wantRequests: []string{"/v2/contact_center/users?page_size=300"}},
		{
			name: "absent next_page_token ends the listing", users: 2, pageSize: 5,
			itemsPage: func(items []map[string]any, next string, _ bool) map[string]any {
				return map[string]any{"users": items, "total_records": "2"}
			},
			wantRequests: []string{"/v2/contact_center/users?page_size=5"},
		},
		{
			name: "null next_page_token ends the listing", users: 2, pageSize: 5,
			itemsPage: func(items []map[string]any, next string, _ bool) map[string]any {
				return map[string]any{"users": items, "next_page_token": nil}
			},
			wantRequests: []string{"/v2/contact_center/users?page_size=5"},
		},
		{
			name: "an empty page with a token is followed", users: 4, pageSize: 2,
			itemsPage: func(items []map[string]any, next string, _ bool) map[string]any {
				if next == "tok1" {
					items = nil // the first page came back empty but the listing goes on
				}
				return map[string]any{"users": items, "next_page_token": next}
			},
			wantRequests: []string{"/v2/contact_center/users?page_size=2", "/v2/contact_center/users?page_size=2&next_page_token=tok1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(tc.users))
			api.itemsPage = tc.itemsPage
			c := setup(t, api, zoomcc.Config{PageSize: tc.pageSize})
			sink := &recordingSink{}
			if err := c.Extract(context.Background(), sink); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := api.UserRequests(); !slices.Equal(got, tc.wantRequests) {
				t.Errorf("requests\n%q\nwant\n%q", got, tc.wantRequests)
			}
			wantUsers := tc.users
			if tc.itemsPage != nil && strings.HasPrefix(tc.name, "an empty page") {
				wantUsers = tc.users - tc.pageSize
			}
			if got := sink.distinctIDs(); got != wantUsers || len(sink.users()) != wantUsers {
				t.Errorf("%d users (%d distinct), want %d", len(sink.users()), got, wantUsers)
			}
			for _, p := range sink.pages {
				if len(p) == 0 {
					t.Error("an empty page was handed to the sink")
				}
			}
		})
	}
}

func TestPageTokenExpiryRestartsListing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		users         int
		pageTokenTTL  time.Duration
		tick          time.Duration
		expireTimes   int // how many times a page token is refused (0: by TTL only)
		wantErr       error
		wantRestarts  int
		wantUserPages int // GET /contact_center/users requests
	}{
		{
			// The third page's token is refused once: the listing starts over.
			name: "a page token refused mid-listing restarts from the first page", users: 10,
			expireTimes: 1, wantRestarts: 1, wantUserPages: 3 + 4,
		},
		{
			// A slow sink: every page takes 6 minutes against a 15-minute token life.
			name: "page tokens expiring by time restart but finish", users: 4,
			pageTokenTTL: 15 * time.Minute, tick: 6 * time.Minute, wantRestarts: 0, wantUserPages: 2,
		},
		{
			name: "a token that always expires fails as incomplete after 3 restarts", users: 10,
			expireTimes: -1, wantErr: extract.ErrIncomplete, wantRestarts: 3, wantUserPages: 4 * 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(tc.users))
			api.pageTokenTTL, api.tick = tc.pageTokenTTL, tc.tick
			var mu sync.Mutex
			refused := 0
			api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path != "/v2/contact_center/users" || tc.expireTimes == 0 {
					return false
				}
				// Refuse the token of the third page (offset 6).
				tok := r.URL.Query().Get("next_page_token")
				api.mu.Lock()
				pt := api.pageTokens[tok]
				api.mu.Unlock()
				if tok == "" || pt.offset != 6 || (tc.expireTimes > 0 && refused >= tc.expireTimes) {
					return false
				}
				refused++
				writeJSON(w, 400, map[string]any{"code": 300, "message": "The next page token is invalid or expired."})
				return true
			}
			c := setup(t, api, zoomcc.Config{PageSize: 3})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if got := len(api.UserRequests()); got != tc.wantUserPages {
				t.Errorf("%d user requests, want %d: %q", got, tc.wantUserPages, api.UserRequests())
			}
			if got := slices.Index(api.UserRequests(), "/v2/contact_center/users?page_size=3"); got != 0 {
				t.Errorf("first request at %d", got)
			}
			firsts := 0
			for _, r := range api.UserRequests() {
				if r == "/v2/contact_center/users?page_size=3" {
					firsts++
				}
			}
			if firsts != tc.wantRestarts+1 {
				t.Errorf("the listing started %d times, want %d", firsts, tc.wantRestarts+1)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "invalid or expired") || !strings.HasPrefix(err.Error(), "zoom-cc: ") {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := sink.distinctIDs(); got != tc.users {
				t.Errorf("%d distinct users, want all %d", got, tc.users)
			}
		})
	}
}

func TestListChangingUnderneathRestarts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		changes      int // how many pages report a shrunk total_records (-1: every later page)
		wantErr      error
		wantRequests int
	}{
		{name: "total_records shrinking mid-listing restarts it once", changes: 1, wantRequests: 2 + 4},
		{name: "a list that never holds still fails as incomplete", changes: -1, wantErr: extract.ErrIncomplete, wantRequests: 4 * 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(10))
			var mu sync.Mutex
			changed := 0
			api.itemsPage = func(items []map[string]any, next string, first bool) map[string]any {
				mu.Lock()
				defer mu.Unlock()
				total := 10
				// A page after the first reports a user gone.
				if !first && (tc.changes < 0 || changed < tc.changes) {
					changed++
					total = 9
				}
				return map[string]any{"users": items, "next_page_token": next, "total_records": total}
			}
			c := setup(t, api, zoomcc.Config{PageSize: 3})
			sink := &recordingSink{}
			err := c.Extract(context.Background(), sink)
			if got := len(api.UserRequests()); got != tc.wantRequests {
				t.Errorf("%d user requests, want %d: %q", got, tc.wantRequests, api.UserRequests())
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "total_records went from 10 to 9") || !strings.Contains(err.Error(), "kept changing") {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if sink.distinctIDs() != 10 {
				t.Errorf("%d distinct users, want 10", sink.distinctIDs())
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	daily := func(retryAfter string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Category", "Medium")
			w.Header().Set("X-RateLimit-Type", "Daily-limit")
			w.Header().Set("X-RateLimit-Limit", "30000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			// The server's clock is the fake one: 2026-03-01 09:00 UTC.
			w.Header().Set("Date", "Sun, 01 Mar 2026 09:00:00 GMT")
			writeJSON(w, 429, map[string]any{"code": 429, "message": "You have exceeded the daily rate limit (30000) of Medium APIs for your account. You may resume these requests at GMT 00:00:00."})
		}
	}
	qps := func(retryAfter string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Category", "Medium")
			w.Header().Set("X-RateLimit-Type", "QPS")
			w.Header().Set("X-RateLimit-Limit", "20")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Date", "Sun, 01 Mar 2026 09:00:00 GMT")
			writeJSON(w, 429, map[string]any{"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."})
		}
	}
	tests := []struct {
		name     string
		reply    func(w http.ResponseWriter)
		times    int // 0: always
		wantErr  []string
		wantWait [2]time.Duration // first wait within
	}{
		{name: "QPS 429 then success waits a second", reply: qps(""), times: 1, wantWait: [2]time.Duration{time.Second, 1100 * time.Millisecond}},
		{name: "QPS 429 with Retry-After seconds", reply: qps("3"), times: 1, wantWait: [2]time.Duration{3 * time.Second, 3300 * time.Millisecond}},
		{name: "Retry-After as a near date-time is waited out", reply: qps("2026-03-01T09:00:02Z"), times: 1, wantWait: [2]time.Duration{2 * time.Second, 2200 * time.Millisecond}},
		{
			name: "daily 429 with a date-time Retry-After hours away fails at once", reply: daily("2026-03-02T00:00:00Z"),
			wantErr: []string{
				"zoom-cc: GET /v2/contact_center/teams?page_size=100: rate limited (HTTP 429), retry after 15h0m0s: You have exceeded the daily rate limit",
				"(Medium, daily limit, limit 30000, 0 remaining, resets 2026-03-02T00:00:00Z)", "not waiting that long",
			},
		},
		{
			name: "daily 429 without Retry-After waits for midnight UTC, so fails at once", reply: daily(""),
			wantErr: []string{"retry after 15h0m0s", "daily limit", "resets 2026-03-02T00:00:00Z", "not waiting that long"},
		},
		{
			name: "daily 429 with an HTTP-date Retry-After", reply: daily("Mon, 02 Mar 2026 00:00:00 GMT"),
			wantErr: []string{"retry after 15h0m0s", "not waiting that long"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(3))
			var mu sync.Mutex
			served := 0
			api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				mu.Lock()
				defer mu.Unlock()
				if tc.times > 0 && served >= tc.times {
					return false
				}
				served++
				tc.reply(w)
				return true
			}
			c := setup(t, api, zoomcc.Config{})
			sink := &recordingSink{}
			start := time.Now()
			err := c.Extract(context.Background(), sink)
			if time.Since(start) > 5*time.Second {
				t.Errorf("Extract took %s", time.Since(start))
			}
			if tc.wantErr != nil {
				if !errors.Is(err, extract.ErrRateLimited) {
					t.Fatalf("error %v, want ErrRateLimited", err)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error\n%v\nwant it to contain\n%s", err, want)
					}
				}
				if n := len(api.Requests()); n != 1 {
					t.Errorf("%d API requests, want 1: a daily limit is not retried", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if len(sink.users()) != 3 {
				t.Errorf("%d users, want 3", len(sink.users()))
			}
			sleeps := api.clock.Sleeps()
			if len(sleeps) == 0 || sleeps[0] < tc.wantWait[0] || sleeps[0] > tc.wantWait[1] {
				t.Errorf("waits %v, want the first within %v", sleeps, tc.wantWait)
			}
			if st := c.Stats(); st.Retries != 1 || st.ThrottledMS < tc.wantWait[0].Milliseconds() {
				t.Errorf("stats %+v, want 1 retry and the wait counted as throttled", st)
			}
		})
	}
}

func TestPacesWhenNoRequestRemains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		remaining     string
		wantThrottled int64
	}{
		{name: "remaining 0 on a success waits for the next second", remaining: "0", wantThrottled: 1020}, // the fake clock stands on a whole second; 20 ms margin
		{name: "requests remaining: no wait", remaining: "7", wantThrottled: 0},
		{name: "no rate-limit headers: no wait", remaining: "", wantThrottled: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(3))
			api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.URL.Path == "/v2/contact_center/teams" && tc.remaining != "" {
					w.Header().Set("X-RateLimit-Category", "Medium")
					w.Header().Set("X-RateLimit-Limit", "20")
					w.Header().Set("X-RateLimit-Remaining", tc.remaining)
				}
				return false
			}
			c := setup(t, api, zoomcc.Config{})
			if err := c.Extract(context.Background(), &recordingSink{}); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if st := c.Stats(); st.ThrottledMS != tc.wantThrottled || st.Retries != 0 {
				t.Errorf("stats %+v, want %d ms throttled and no retry", st, tc.wantThrottled)
			}
		})
	}
}

func TestTokenEndpointFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		secret       string
		tokenReply   func(w http.ResponseWriter, r *http.Request) bool
		wantErr      error
		wantMsg      string
		wantRequests int // token requests
	}{
		{
			name: "wrong client secret is an auth error, never retried", secret: "wrong-secret", wantErr: extract.ErrAuth, wantRequests: 1,
			wantMsg: "zoom-cc: POST /oauth/token: authentication failed (HTTP 401) code invalid_client: token request: Invalid client_id or client_secret",
		},
		{
			name: "numeric Zoom code and reason", wantErr: extract.ErrAuth, wantRequests: 1,
			tokenReply: func(w http.ResponseWriter, r *http.Request) bool {
				writeJSON(w, 400, map[string]any{"code": 4705, "reason": "Grant type is not supported."})
				return true
			},
			wantMsg: "zoom-cc: POST /oauth/token: authentication failed (HTTP 400) code 4705: token request: Grant type is not supported.",
		},
		{
			name: "5xx is retried until the budget runs out", wantRequests: 6,
			tokenReply: func(w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(502)
				w.Write([]byte("bad gateway"))
				return true
			},
			wantMsg: "zoom-cc: POST /oauth/token: HTTP 502: token request: bad gateway (after 6 attempts)",
		},
		{
			name: "a reply without access_token is malformed", wantErr: extract.ErrMalformed, wantRequests: 1,
			tokenReply: func(w http.ResponseWriter, r *http.Request) bool {
				writeJSON(w, 200, map[string]any{"token_type": "bearer", "expires_in": 3599})
				return true
			},
			wantMsg: "zoom-cc: POST /oauth/token: malformed reply: the token reply has no access_token",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(3))
			api.tokenReply = tc.tokenReply
			c := setup(t, api, zoomcc.Config{ClientSecret: tc.secret})
			err := c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not match %v", err, tc.wantErr)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("error\n%s\nwant\n%s", err, tc.wantMsg)
			}
			if got := len(api.TokenRequests()); got != tc.wantRequests {
				t.Errorf("%d token requests, want %d", got, tc.wantRequests)
			}
			if len(api.Requests()) != 0 {
				t.Errorf("API requests %q without a token", api.Requests())
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	// echo answers with everything the request carried: headers and URL.
	echo := func(status int) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, status, map[string]any{"code": status, "message": fmt.Sprintf("request %s %v", r.URL, r.Header)})
		}
	}
	tests := []struct {
		name       string
		api        func(http.ResponseWriter, *http.Request)
		tokenReply func(w http.ResponseWriter, r *http.Request) bool
		secret     string
	}{
		{name: "wrong secret", secret: testSecret + "-wrong"},
		{name: "token endpoint echoes the request", tokenReply: func(w http.ResponseWriter, r *http.Request) bool {
			echo(401)(w, r)
			return true
		}},
		{name: "token endpoint sends a broken token reply", tokenReply: func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"access_token":"eyJ.leaked-token-value.sig", "expires_in":`))
			return true
		}},
		{name: "API 401 echoes the bearer token", api: echo(401)},
		{name: "API 400 echoes the bearer token", api: echo(400)},
		{name: "API 500 echoes the bearer token", api: echo(500)},
		{name: "API 429 echoes the bearer token", api: echo(429)},
		{name: "API 200 error body echoes the bearer token", api: echo(200)},
		{name: "API returns garbage quoting the token", api: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>" + r.Header.Get("Authorization") + "</html>"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(3))
			api.tokenReply = tc.tokenReply
			if tc.api != nil {
				api.override = func(w http.ResponseWriter, r *http.Request, _ int) bool {
					tc.api(w, r)
					return true
				}
			}
			c := setup(t, api, zoomcc.Config{ClientSecret: tc.secret, HTTP: extract.ClientConfig{MaxRetries: 2}})
			err := c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			secrets := []string{testSecret, basic(testClient, testSecret), "leaked-token-value", "access-token-"}
			if tc.secret != "" {
				secrets = append(secrets, basic(testClient, tc.secret))
			}
			secrets = append(secrets, api.IssuedTokens()...)
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
					t.Errorf("error %q contains the secret %q", err, s)
				}
			}
		})
	}
}

// directoryAPI is a small account: teams with agents and supervisors, queues with
// agents, users of every kind.
func directoryAPI() *testAPI {
	users := []map[string]any{
		{
			"user_id": "IGTRVt3gQ2i-WjoUIjeZxw", "display_name": "Jill", "user_email": "jill@acme.test",
			"role_id": "27302393-4784-11ec-a3cd-122e3e29bb87", "role_name": "Admin", "client_integration": "Default",
			"status_id": "1", "status_name": "Ready", "sub_status_id": "", "sub_status_name": "",
			"user_access": "active", "modified_by": "xy_admin", "last_modified_time": "2026-02-10T21:39:50Z",
			"country_iso_code": "US", "region_id": "rg_main", "region_name": "Main Region",
			"channel_settings": map[string]any{
				"multi_channel_engagements":   map[string]any{"enable": true, "max_agent_load": 3},
				"concurrent_message_capacity": 2,
			},
			"package_name": "essentials", "add_ons_plan": []string{"ai_expert_assist"},
			"brand_new_field": map[string]any{"x": 1},
		},
		{
			"user_id": "u_jack", "display_name": "Jack", "user_email": "jack@acme.test", "role_name": "Supervisor",
			"status_id": "3", "status_name": "Occupied", "user_access": "active", "region_id": "rg_eu", "region_name": "EU",
		},
		{
			"user_id": "u_kim", "display_name": "Kim", "user_email": "kim@acme.test", "role_name": "Night Shift Lead",
			"status_id": "2", "status_name": "Not Ready", "sub_status_id": "21", "sub_status_name": "Meal",
			"user_access": "inactive",
		},
		{
			"user_id": "u_lee", "display_name": "Lee", "user_email": "lee@acme.test", "role_name": "Agent",
			"status_id": "4", "status_name": "Lunch", "user_access": "active", "region_id": "rg_main", "region_name": "Main Region",
		},
		{
			"user_id": "u_max", "display_name": "Max", "user_email": 42, "role_name": "Agent",
			"status_id": "0", "user_access": nil, "first_name": "Max", "last_name": "Power", "timezone": "Europe/Berlin",
		},
	}
	api := newTestAPI(newFakeClock(), users)
	api.teams = []testGroup{
		{id: "tm_sales", name: "Sales", agents: []string{"IGTRVt3gQ2i-WjoUIjeZxw", "u_lee"}, supervisors: []string{"u_jack"}},
		{id: "tm_support", name: "Support", agents: []string{"u_jack", "u_lee"}, supervisors: []string{"u_jack"}},
	}
	api.queues = []testGroup{
		{id: "q_voice", name: "Voice Inbound", agents: []string{"u_lee", "u_kim"}, supervisors: []string{"u_jack"}},
		{id: "q_chat", name: "Chat", agents: []string{"u_lee"}},
	}
	return api
}

func TestExtractMapsDirectory(t *testing.T) {
	t.Parallel()
	api := directoryAPI()
	c := setup(t, api, zoomcc.Config{PageSize: 2})
	sink := &recordingSink{}
	if err := c.Extract(context.Background(), sink); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	yes, no := true, false
	team := func(id, name string) extract.Group { return extract.Group{ID: id, Name: name, Kind: "team"} }
	queue := func(id, name string) extract.Group { return extract.Group{ID: id, Name: name, Kind: "queue"} }
	region := func(id, name string) extract.Group { return extract.Group{ID: id, Name: name, Kind: "region"} }
	want := []extract.User{
		{
			ID: "IGTRVt3gQ2i-WjoUIjeZxw", AccountID: testAccount, Email: "jill@acme.test", DisplayName: "Jill", Role: "Admin",
			Active: &yes, Country: "US", UpdatedAt: "2026-02-10T21:39:50Z",
			Groups: []extract.Group{team("tm_sales", "Sales"), region("rg_main", "Main Region")},
		},
		{
			ID: "u_jack", AccountID: testAccount, Email: "jack@acme.test", DisplayName: "Jack", Role: "Supervisor", Active: &yes,
			Groups: []extract.Group{team("tm_sales", "Sales"), team("tm_support", "Support"), region("rg_eu", "EU"), queue("q_voice", "Voice Inbound")},
		},
		{
			ID: "u_kim", AccountID: testAccount, Email: "kim@acme.test", DisplayName: "Kim", Role: "Night Shift Lead", Active: &no,
			Groups: []extract.Group{queue("q_voice", "Voice Inbound")},
		},
		{
			ID: "u_lee", AccountID: testAccount, Email: "lee@acme.test", DisplayName: "Lee", Role: "Agent", Active: &yes,
			Groups: []extract.Group{
				team("tm_sales", "Sales"), team("tm_support", "Support"), region("rg_main", "Main Region"),
				queue("q_voice", "Voice Inbound"), queue("q_chat", "Chat"),
			},
		},
		{
			ID: "u_max", AccountID: testAccount, DisplayName: "Max", FirstName: "Max", LastName: "Power", Role: "Agent",
			Timezone: "Europe/Berlin",
		},
	}
	got := sink.users()
	if len(got) != len(want) {
		t.Fatalf("%d users, want %d", len(got), len(want))
	}
	if len(sink.pages) != 3 {
		t.Errorf("%d pages handed to the sink, want 3", len(sink.pages))
	}
	for i := range want {
		g := got[i]
		g.Extra, g.Fields = nil, nil
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("user %d\n%s\nwant\n%s", i, describe(g), describe(want[i]))
		}
	}

	// Extra keeps every field without a column, unknown ones too, but never presence.
	jill := got[0]
	wantExtra := []string{"add_ons_plan", "brand_new_field", "channel_settings", "client_integration", "modified_by", "package_name", "role_id"}
	if keys := sortedKeys(jill.Extra); !slices.Equal(keys, wantExtra) {
		t.Errorf("Extra keys %q, want %q", keys, wantExtra)
	}
	if string(jill.Extra["channel_settings"]) != `{"concurrent_message_capacity":2,"multi_channel_engagements":{"enable":true,"max_agent_load":3}}` {
		t.Errorf("channel_settings kept as %s", jill.Extra["channel_settings"])
	}
	if len(jill.Fields) != 20 || !slices.IsSorted(jill.Fields) || !slices.Contains(jill.Fields, "status_name") || !slices.Contains(jill.Fields, "brand_new_field") {
		t.Errorf("Fields %q, want all 20 field names sorted", jill.Fields)
	}
	// A documented field of the wrong type is kept raw rather than dropped.
	if string(got[4].Extra["user_email"]) != "42" {
		t.Errorf("user_email 42 kept as %q", got[4].Extra["user_email"])
	}

	wantStatuses := []extract.Status{
		{UserID: "IGTRVt3gQ2i-WjoUIjeZxw", Status: "Ready", OnCall: &no},
		{UserID: "u_jack", Status: "Occupied", OnCall: &yes},
		{UserID: "u_kim", Status: "Not Ready", SubStatus: "Meal", OnCall: &no},
		{UserID: "u_lee", Status: "Lunch", OnCall: &no},
		{UserID: "u_max", Status: "Offline", OnCall: &no}, // name from the documented status_id 0
	}
	if !reflect.DeepEqual(sink.statuses, wantStatuses) {
		t.Errorf("statuses\n%+v\nwant\n%+v", sink.statuses, wantStatuses)
	}
	wantRequests := []string{
		"/v2/contact_center/teams?page_size=100",
		"/v2/contact_center/teams/tm_sales/agents?page_size=300",
		"/v2/contact_center/teams/tm_sales/supervisors?page_size=300",
		"/v2/contact_center/teams/tm_support/agents?page_size=300",
		"/v2/contact_center/teams/tm_support/supervisors?page_size=300",
		"/v2/contact_center/queues?page_size=100",
		"/v2/contact_center/queues/q_voice/agents?page_size=300",
		"/v2/contact_center/queues/q_voice/supervisors?page_size=300",
		"/v2/contact_center/queues/q_chat/agents?page_size=300",
		"/v2/contact_center/queues/q_chat/supervisors?page_size=300",
		"/v2/contact_center/users?page_size=2",
		"/v2/contact_center/users?page_size=2&next_page_token=tok1",
		"/v2/contact_center/users?page_size=2&next_page_token=tok2",
	}
	// The catalogues first, then the member lists (several at once, in any order), then
	// the users in order.
	requests := api.Requests()
	if len(requests) == len(wantRequests) {
		slices.Sort(requests[2:10])
	}
	wantOrder := slices.Clone(wantRequests)
	wantOrder[1], wantOrder[5] = wantOrder[5], wantOrder[1]
	slices.Sort(wantOrder[2:10])
	if !slices.Equal(requests, wantOrder) {
		t.Errorf("requests\n%q\nwant\n%q", requests, wantOrder)
	}
	if known := c.KnownFields(); !slices.Contains(known, "channel_settings") || !slices.Contains(known, "status_name") || slices.Contains(known, "brand_new_field") {
		t.Errorf("KnownFields %q", known)
	}
}

func describe(u extract.User) string {
	active := "nil"
	if u.Active != nil {
		active = fmt.Sprint(*u.Active)
	}
	return fmt.Sprintf("%+v active=%s", u, active)
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestExtractFailures(t *testing.T) {
	t.Parallel()
	onPath := func(path string, status int, body string) func(http.ResponseWriter, *http.Request, int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if r.URL.Path != path {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
			return true
		}
	}
	tests := []struct {
		name     string
		users    int
		override func(http.ResponseWriter, *http.Request, int) bool
		wantErr  error
		wantMsg  string // prefix
	}{
		{
			name: "an unknown team is a 404 with Zoom's message", users: 3,
			override: onPath("/v2/contact_center/teams", 404, `{"code":1001,"message":"Team does not exist: tm_x."}`),
			wantMsg:  "zoom-cc: GET /v2/contact_center/teams?page_size=100: HTTP 404 code 1001: Team does not exist: tm_x.",
		},
		{
			name: "validation errors list their fields", users: 3,
			override: onPath("/v2/contact_center/users", 400, `{"code":300,"message":"Validation Failed.","errors":[{"field":"page_size","message":"Invalid field."}]}`),
			wantMsg:  "zoom-cc: GET /v2/contact_center/users?page_size=300: HTTP 400 code 300: Validation Failed.; page_size: Invalid field.",
		},
		{
			name: "5xx until the budget runs out", users: 3,
			override: onPath("/v2/contact_center/queues", 503, `upstream unavailable`),
			wantMsg:  "zoom-cc: GET /v2/contact_center/queues?page_size=100: HTTP 503: upstream unavailable (after 6 attempts)",
		},
		{
			name: "an error body with HTTP 200", users: 3,
			override: onPath("/v2/contact_center/users", 200, `{"code":3001,"message":"Contact Center is not enabled."}`),
			wantMsg:  "zoom-cc: GET /v2/contact_center/users?page_size=300: HTTP 200 code 3001: Contact Center is not enabled.",
		},
		{
			name: "a missing-scope body with unescaped quotes is still read", users: 3,
			override: onPath("/v2/contact_center/users", 400, `{"code":4711,"message":"Invalid access token, does not contain scopes:["contact_center_user:read:admin"]."}`),
			wantErr:  extract.ErrAuth,
			wantMsg:  `zoom-cc: GET /v2/contact_center/users?page_size=300: authentication failed (HTTP 400) code 4711: Invalid access token, does not contain scopes:["contact_center_user:read:admin"].`,
		},
		{
			name: "HTML instead of JSON is malformed", users: 3,
			override: onPath("/v2/contact_center/users", 200, `<html>maintenance</html>`),
			wantErr:  extract.ErrMalformed, wantMsg: "zoom-cc: GET /v2/contact_center/users?page_size=300: malformed reply: ",
		},
		{
			name: "users that are not objects are malformed", users: 3,
			override: onPath("/v2/contact_center/users", 200, `{"users":"nope","next_page_token":""}`),
			wantErr:  extract.ErrMalformed, wantMsg: "zoom-cc: GET /v2/contact_center/users?page_size=300: malformed reply: users: ",
		},
		{
			name: "a user without user_id is malformed", users: 3,
			override: onPath("/v2/contact_center/users", 200, `{"users":[{"display_name":"Ghost"}],"next_page_token":""}`),
			wantErr:  extract.ErrMalformed, wantMsg: "zoom-cc: GET /v2/contact_center/users: malformed reply: user object without a user_id",
		},
		{
			name: "an empty directory is not a complete listing", users: 0,
			wantErr: extract.ErrIncomplete, wantMsg: "zoom-cc: GET /v2/contact_center/users: incomplete listing: the listing has no users",
		},
		{
			name: "a page token handed out twice would loop", users: 3,
			override: onPath("/v2/contact_center/users", 200, `{"users":[{"user_id":"a"}],"next_page_token":"same"}`),
			wantErr:  extract.ErrIncomplete, wantMsg: "zoom-cc: GET /v2/contact_center/users?page_size=300&next_page_token=same: incomplete listing: the API handed out a next_page_token it had already given",
		},
		{
			name: "endless empty pages", users: 3,
			override: func(w http.ResponseWriter, r *http.Request, n int) bool {
				if r.URL.Path != "/v2/contact_center/users" {
					return false
				}
				writeJSON(w, 200, map[string]any{"users": []any{}, "next_page_token": fmt.Sprintf("t%d", n)})
				return true
			},
			wantErr: extract.ErrIncomplete, wantMsg: "zoom-cc: GET /v2/contact_center/users?page_size=300&next_page_token=t",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(newFakeClock(), makeUsers(tc.users))
			api.override = tc.override
			c := setup(t, api, zoomcc.Config{})
			err := c.Extract(context.Background(), &recordingSink{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not match %v", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("error\n%s\nwant prefix\n%s", err, tc.wantMsg)
			}
			var se *extract.SourceError
			if !errors.As(err, &se) || se.Source != "zoom-cc" {
				t.Errorf("error %T is not a SourceError of zoom-cc", err)
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	full := func(mod func(*zoomcc.Config)) zoomcc.Config {
		cfg := zoomcc.Config{Name: "z", AccountID: "a", ClientID: "c", ClientSecret: testSecret}
		mod(&cfg)
		return cfg
	}
	tests := []struct {
		name    string
		cfg     zoomcc.Config
		wantErr string
	}{
		{name: "defaults", cfg: full(func(*zoomcc.Config) {})},
		{name: "no name", cfg: full(func(c *zoomcc.Config) { c.Name = "" }), wantErr: "zoomcc: source name is empty"},
		{name: "no account id", cfg: full(func(c *zoomcc.Config) { c.AccountID = "" }), wantErr: "zoomcc: z: account_id is empty"},
		{name: "no client id", cfg: full(func(c *zoomcc.Config) { c.ClientID = " " }), wantErr: "zoomcc: z: client_id is empty"},
		{name: "no client secret", cfg: full(func(c *zoomcc.Config) { c.ClientSecret = "" }), wantErr: "zoomcc: z: client_secret is empty"},
		{name: "negative page size", cfg: full(func(c *zoomcc.Config) { c.PageSize = -1 }), wantErr: "zoomcc: z: page size -1 is not positive"},
		{
			name: "token URL with the parameters in its query", cfg: full(func(c *zoomcc.Config) {
				c.TokenURL = "https://zoom.us/oauth/token?grant_type=account_credentials&account_id=a"
			}),
			wantErr: "zoomcc: z: token_url must not carry credentials, a query or a fragment",
		},
		{
			name:    "base URL with credentials",
			cfg:     full(func(c *zoomcc.Config) { c.BaseURL = "https://user:" + testSecret + "@api.zoom.us/v2" }),
			wantErr: "zoomcc: z: base_url must not carry credentials, a query or a fragment",
		},
		{name: "base URL not http", cfg: full(func(c *zoomcc.Config) { c.BaseURL = "ftp://api.zoom.us/v2" }), wantErr: `zoomcc: z: base_url "ftp://api.zoom.us/v2" is not an http(s) URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := zoomcc.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.Name() != "z" || c.Provider() != "zoom_contact_center" {
					t.Errorf("Name %q, Provider %q", c.Name(), c.Provider())
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("error %v, want %s", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// failingSink refuses the users of its failAt-th page.
type failingSink struct {
	recordingSink
	failAt, pages int
}

func (s *failingSink) Users(ctx context.Context, users []extract.User) error {
	s.pages++
	if s.pages == s.failAt {
		return errors.New("disk full")
	}
	return s.recordingSink.Users(ctx, users)
}

// Pages are fetched ahead of the sink: one waits while the next is requested. A sink
// that fails stops the listing, which has requested at most those two pages beyond it.
func TestASinkFailureStopsTheListing(t *testing.T) {
	t.Parallel()
	api := newTestAPI(newFakeClock(), makeUsers(10))
	c := setup(t, api, zoomcc.Config{PageSize: 1})
	sink := &failingSink{failAt: 2}
	err := c.Extract(context.Background(), sink)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Extract = %v, want the sink's error", err)
	}
	// A request sent just before Extract returned may reach the server just after.
	time.Sleep(20 * time.Millisecond)
	if fetched := len(api.UserRequests()); fetched < 2 || fetched > 4 {
		t.Errorf("%d user pages fetched, want the 2 the sink saw and at most 2 ahead", fetched)
	}
	if got := len(sink.users()); got != 1 {
		t.Errorf("%d users reached the sink, want the first page's 1", got)
	}
}

func TestUsersTheSinkRecognizesAreNotDecodedUnlessTheirObjectOrGroupsChanged(t *testing.T) {
	t.Parallel()
	changes := []extracttest.Change[*testAPI]{
		{Name: "nothing changed", Change: func(*testAPI) {}, Changed: nil},
		{Name: "a user's own field", Change: func(a *testAPI) { a.users[2]["user_email"] = "kim@new.test" }, Changed: []string{"u_kim"}},
		{Name: "a presence alone", Change: func(a *testAPI) {
			a.users[1]["status_id"], a.users[1]["status_name"] = "2", "Not Ready"
			a.users[2]["sub_status_name"] = "Break"
			delete(a.users[3], "status_name")
		}, Changed: nil},
		{Name: "a team's name", Change: func(a *testAPI) { a.teams[1].name = "Care" }, Changed: []string{"u_jack", "u_lee"}},
		{Name: "a queue's members", Change: func(a *testAPI) { a.queues[1].agents = append(a.queues[1].agents, "u_max") }, Changed: []string{"u_max"}},
		{Name: "a supervisor made agent", Change: func(a *testAPI) {
			a.teams[0].supervisors = nil
			a.teams[0].agents = append(a.teams[0].agents, "u_jack")
		}, Changed: nil}, // the same teams: membership is not split by role
	}
	extracttest.Recognitions(t, changes, directoryAPI, func(t *testing.T, api *testAPI) func(extract.Sink) error {
		c := setup(t, api, zoomcc.Config{PageSize: 2})
		return func(sink extract.Sink) error { return c.Extract(context.Background(), sink) }
	})
}
