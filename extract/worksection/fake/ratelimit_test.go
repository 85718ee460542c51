package fake

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       Options
		retryAfter string
	}{
		{"without Retry-After", Options{}, ""},
		{"with Retry-After", Options{RetryAfterHeader: true}, "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			tc.opts.RateLimit, tc.opts.Now = 2, clk.Now
			e := setup(t, 20, tc.opts)
			if r := e.call("action=get_users"); r.status != http.StatusOK {
				t.Fatalf("first request: %d", r.status)
			}
			// A request with a bad hash is admitted (and counted) before the hash check.
			if r := e.do(http.MethodGet, Path+"?action=get_users&hash=x", "", nil); r.status != http.StatusOK || string(r.body) != hashError {
				t.Fatalf("second request: %d %s", r.status, r.body)
			}
			// Unknown paths are not counted.
			if r := e.do(http.MethodGet, "/elsewhere", "", nil); r.status != http.StatusNotFound {
				t.Fatalf("unknown path: %d", r.status)
			}
			clk.advance(750 * time.Millisecond)
			r := e.call("action=get_user_groups")
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("third request in the window: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
			}
			clk.advance(250 * time.Millisecond)
			if r := e.call("action=get_users"); r.status != http.StatusOK {
				t.Fatalf("after the window: %d", r.status)
			}
			if n := e.srv.Requests()["get_users"]; n != 3 {
				t.Fatalf("Requests counts %d get_users, want 3 (throttled ones included)", n)
			}
		})
	}
}

func TestRateLimitRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := setup(t, 20, Options{RateLimit: 1, RetryAfterHeader: true, Now: clk.Now})
	e.call("action=get_users")
	clk.advance(100 * time.Millisecond)
	if r := e.call("action=get_users"); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("%d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestUnlimitedByDefault(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	for i := 0; i < 50; i++ {
		if r := e.call("action=get_user_groups"); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
}
