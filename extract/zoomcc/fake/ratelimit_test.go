package fake

import (
	"net/http"
	"testing"
	"time"
)

const wantQPSBody = `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`

func TestQPSLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{QPS: 3})
	for i, wantRemaining := range []string{"2", "1", "0"} {
		r := e.get(UsersPath)
		if r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		h := r.header
		if h.Get("X-RateLimit-Category") != "Medium" || h.Get("X-RateLimit-Limit") != "3" ||
			h.Get("X-RateLimit-Remaining") != wantRemaining || h.Get("X-RateLimit-Type") != "" {
			t.Fatalf("request %d headers %v", i, h)
		}
	}
	r := e.get(UsersPath)
	if r.status != http.StatusTooManyRequests || string(r.body) != wantQPSBody {
		t.Fatalf("4th request: %d %s", r.status, r.body)
	}
	h := r.header
	if h.Get("X-RateLimit-Category") != "Medium" || h.Get("X-RateLimit-Type") != "QPS" ||
		h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("Retry-After") != "" {
		t.Fatalf("429 headers %v", h)
	}
	// 429s are not counted; the next clock second opens a new window.
	e.clock.advance(time.Second)
	if r := e.get(UsersPath); r.status != 200 || r.header.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("next second: %d %v", r.status, r.header)
	}
}

func TestQPSWindowIsTheClockSecond(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{QPS: 1})
	e.clock.set(time.Date(2026, 1, 5, 9, 0, 0, 900e6, time.UTC))
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("first: %d", r.status)
	}
	if r := e.get(UsersPath); r.status != 429 {
		t.Fatalf("same second: %d", r.status)
	}
	e.clock.advance(100 * time.Millisecond) // 09:00:01.000
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("next second: %d %s", r.status, r.body)
	}
}

func TestDailyLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{DailyLimit: 2, TokenTTL: 365 * 24 * time.Hour})
	e.clock.set(time.Date(2026, 3, 31, 22, 15, 0, 0, time.UTC))
	for i, wantRemaining := range []string{"1", "0"} {
		r := e.get(UsersPath)
		if r.status != 200 || r.header.Get("X-RateLimit-Limit") != "2" || r.header.Get("X-RateLimit-Remaining") != wantRemaining {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
	}
	r := e.get("/v2/contact_center/teams")
	if r.status != 429 {
		t.Fatalf("3rd request: %d %s", r.status, r.body)
	}
	h := r.header
	if h.Get("X-RateLimit-Type") != "Daily-limit" || h.Get("Retry-After") != "2026-04-01T00:00:00Z" ||
		h.Get("X-RateLimit-Category") != "Medium" || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("daily 429 headers %v", h)
	}
	if m := r.json(t); m["code"] != float64(429) || m["message"] == "" {
		t.Fatalf("daily 429 body %s", r.body)
	}
	e.clock.set(time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC))
	if r := e.get(UsersPath); r.status != 429 {
		t.Fatalf("before midnight: %d", r.status)
	}
	e.clock.set(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("after midnight: %d %s", r.status, r.body)
	}
}

func TestRateHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                                   string
		opts                                   Options
		category, limit, remaining, typeHeader string
	}{
		{"unlimited: category only", Options{}, "Medium", "", "", ""},
		{"qps reported before daily", Options{QPS: 10, DailyLimit: 100}, "Medium", "10", "9", ""},
		{"daily only", Options{DailyLimit: 100}, "Medium", "100", "99", ""},
		{"no rate headers", Options{QPS: 10, NoRateHeaders: true}, "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, tc.opts)
			r := e.get(UsersPath)
			h := r.header
			if r.status != 200 || h.Get("X-RateLimit-Category") != tc.category || h.Get("X-RateLimit-Limit") != tc.limit ||
				h.Get("X-RateLimit-Remaining") != tc.remaining || h.Get("X-RateLimit-Type") != tc.typeHeader {
				t.Fatalf("%d %v", r.status, h)
			}
		})
	}
}

func TestNoRateHeadersOn429(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{DailyLimit: 1, NoRateHeaders: true})
	e.get(UsersPath)
	r := e.get(UsersPath)
	if r.status != 429 {
		t.Fatalf("status %d", r.status)
	}
	for _, k := range []string{"X-RateLimit-Category", "X-RateLimit-Type", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"} {
		if v := r.header.Get(k); v != "" {
			t.Fatalf("%s: %q", k, v)
		}
	}
}

func TestTokenEndpointAndAuthFailuresAreNotCounted(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{QPS: 1})
	e.mint()
	e.getWith(UsersPath, "garbage")
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("first counted request: %d %s", r.status, r.body)
	}
}
