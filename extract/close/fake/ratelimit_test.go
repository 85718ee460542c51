package fake

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var rateLimitHeader = regexp.MustCompile(`^limit=(\d+), remaining=(\d+), reset=(\d+)$`)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      Options
		wantReset string // rate_reset as it appears in the body
	}{
		{"number", Options{}, `"rate_reset": 0.250000,`},
		{"string", Options{RateResetAsString: true}, `"rate_reset": "0.250000",`},
		{"retry-after", Options{RetryAfterHeader: true}, `"rate_reset": 0.250000,`},
		{"legacy headers", Options{LegacyHeaders: true}, `"rate_reset": 0.250000,`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			tc.opts.RateLimit, tc.opts.Now = 2, clk.Now
			e := setup(t, 20, tc.opts)
			for i, wantRemaining := range []string{"1", "0"} {
				r := e.get("/api/v1/user/")
				if r.status != http.StatusOK || r.header.Get("RateLimit") != "limit=2, remaining="+wantRemaining+", reset=1" {
					t.Fatalf("request %d: %d, RateLimit %q", i, r.status, r.header.Get("RateLimit"))
				}
			}
			clk.advance(750 * time.Millisecond)
			r := e.get("/api/v1/me/") // same endpoint group as user/
			if r.status != http.StatusTooManyRequests {
				t.Fatalf("third request in the window: %d", r.status)
			}
			body := string(r.body)
			want := `{"error": {"message": "API call count exceeded for this 1 second window", ` + tc.wantReset +
				` "rate_limit": 2, "rate_window": 1, "rate_limit_type": "key", "rate_endpoint_group": "`
			if !strings.HasPrefix(body, want) || !regexp.MustCompile(`"[0-9a-f]{32}"}}$`).MatchString(body) {
				t.Fatalf("429 body\n%s\nwant prefix\n%s", body, want)
			}
			if got := r.header.Get("RateLimit"); got != "limit=2, remaining=0, reset=1" {
				t.Fatalf("429 RateLimit %q", got)
			}
			if got, want := r.header.Get("Retry-After"), map[bool]string{true: "1"}[tc.opts.RetryAfterHeader]; got != want {
				t.Fatalf("Retry-After %q, want %q", got, want)
			}
			if tc.opts.LegacyHeaders {
				if r.header.Get("X-Rate-Limit-Limit") != "2" || r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("X-Rate-Limit-Reset") != "0.250000" {
					t.Fatalf("legacy headers %v", r.header)
				}
			} else if r.header.Get("X-Rate-Limit-Limit") != "" {
				t.Fatal("legacy headers sent without LegacyHeaders")
			}
			if r := e.get("/api/v1/role/"); r.status != http.StatusOK {
				t.Fatalf("another endpoint group is limited too: %d", r.status)
			}
			clk.advance(250 * time.Millisecond)
			if r := e.get("/api/v1/user/"); r.status != http.StatusOK {
				t.Fatalf("after the window: %d", r.status)
			}
		})
	}
}

func TestRateLimitPerOrganization(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := setup(t, 20, Options{RateLimit: 1, Now: clk.Now, ExtraAPIKeys: []string{"k2", "k3", "k4"}})
	for _, key := range []string{testKey, "k2", "k3"} {
		if r := e.do(http.MethodGet, "/api/v1/user/", basicAuth(key)); r.status != http.StatusOK {
			t.Fatalf("key %s: %d", key, r.status)
		}
	}
	r := e.do(http.MethodGet, "/api/v1/user/", basicAuth("k4"))
	if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), `"rate_limit": 3, "rate_window": 1, "rate_limit_type": "org"`) {
		t.Fatalf("fourth key: %d %s", r.status, r.body)
	}
	if got := r.header.Get("RateLimit"); got != "limit=3, remaining=0, reset=1" {
		t.Fatalf("org 429 RateLimit %q", got)
	}
}

func TestRateLimitHeaderOnEveryResponse(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: "/api/v1/role/", Kind: Status5xx, Status: 502})
	tests := []struct {
		path, authorization string
		status              int
	}{
		{"/api/v1/user/", basicAuth(testKey), 200},
		{"/api/v1/user/", "", 401},
		{"/api/v1/nope/", basicAuth(testKey), 404},
		{"/api/v1/user/?_limit=x", basicAuth(testKey), 400},
		{"/api/v1/role/", basicAuth(testKey), 502},
	}
	for _, tc := range tests {
		r := e.do(http.MethodGet, tc.path, tc.authorization)
		if r.status != tc.status {
			t.Fatalf("%s: %d, want %d", tc.path, r.status, tc.status)
		}
		if !rateLimitHeader.MatchString(r.header.Get("RateLimit")) {
			t.Fatalf("%s (%d): RateLimit %q", tc.path, r.status, r.header.Get("RateLimit"))
		}
	}
	// Unlimited: a nominal limit that no client paces itself on.
	if got := e.get("/api/v1/group/").header.Get("RateLimit"); !strings.HasPrefix(got, "limit=10000, remaining=99") {
		t.Fatalf("unlimited RateLimit %q", got)
	}
}
