package extract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
)

// fakeClock is a clock whose Sleep returns at once and advances Now, recording every wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
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
	return append([]time.Duration(nil), f.sleeps...)
}

// step answers one attempt of a scripted server.
type step func(w http.ResponseWriter, r *http.Request)

// scripted serves steps in order, one per request, repeating the last one; it returns the
// server and a counter of requests it saw.
func scripted(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1)) - 1
		steps[min(n, len(steps)-1)](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func reply(status int, body string, header ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

var ok200 = reply(http.StatusOK, `{"ok":true}`)

// truncatedBody promises 100 bytes, sends a few and closes the connection.
func truncatedBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"ok":`)
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// dropConnection closes the connection without any reply.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// hang never replies; it returns when the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func TestDoRetryBehaviour(t *testing.T) {
	t.Parallel()
	const minB = 100 * time.Millisecond
	tests := []struct {
		name       string
		steps      []step
		cfg        func(*extract.ClientConfig)
		wantErr    error         // sentinel the error matches; nil = success
		wantErrMsg string        // substring of the error
		want       extract.Stats // Requests and Retries
		throttled  bool          // the waits count as throttled time
		// hitsMayLag: an attempt that times out may end before the server's handler runs.
		hitsMayLag bool
		checkWaits func(t *testing.T, waits []time.Duration)
	}{
		{
			name:      "429 with Retry-After then success waits the hint",
			throttled: true,
			steps:     []step{reply(429, `{"error":"slow down"}`, "Retry-After", "2"), ok200},
			want:      extract.Stats{Requests: 2, Retries: 1},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, 2*time.Second, 2*time.Second+200*time.Millisecond)
			},
		},
		{
			name:      "429 with Retry-After 0 still waits MinBackoff",
			throttled: true,
			steps:     []step{reply(429, ``, "Retry-After", "0"), ok200},
			want:      extract.Stats{Requests: 2, Retries: 1},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, minB, 2*minB)
			},
		},
		{
			name:      "429 with a negative Retry-After still waits MinBackoff",
			throttled: true,
			steps:     []step{reply(429, ``, "Retry-After", "-5"), ok200},
			want:      extract.Stats{Requests: 2, Retries: 1},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, minB, 2*minB)
			},
		},
		{
			name:      "Retry-After beyond MaxBackoff (within MaxHint) is capped",
			throttled: true,
			steps:     []step{reply(429, ``, "Retry-After", "240"), ok200},
			want:      extract.Stats{Requests: 2, Retries: 1},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, 5*time.Second, 5*time.Second)
			},
		},
		{
			name:      "429 with RateLimit-Reset uses it as the hint",
			throttled: true,
			steps:     []step{reply(429, ``, "RateLimit-Reset", "3"), ok200},
			want:      extract.Stats{Requests: 2, Retries: 1},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, 3*time.Second, 3*time.Second+300*time.Millisecond)
			},
		},
		{
			name:  "503 then 502 then success backs off exponentially",
			steps: []step{reply(503, `{"error":"down"}`), reply(502, `<html>bad gateway</html>`), ok200},
			want:  extract.Stats{Requests: 3, Retries: 2},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, minB, minB, minB, 2*minB)
			},
		},
		{
			name:       "retry budget exhausted says how many attempts",
			steps:      []step{reply(503, `{"error":"maintenance"}`)},
			cfg:        func(c *extract.ClientConfig) { c.MaxRetries = 3 },
			wantErrMsg: "test-src: GET /thing?x=1: HTTP 503: maintenance (after 4 attempts)",
			want:       extract.Stats{Requests: 4, Retries: 3},
			checkWaits: func(t *testing.T, waits []time.Duration) {
				wantWaits(t, waits, minB, minB, minB, 2*minB, 2*minB, 4*minB)
			},
		},
		{
			name:    "401 is not retried",
			steps:   []step{reply(401, `{"error":"bad key"}`), ok200},
			wantErr: extract.ErrAuth,
			want:    extract.Stats{Requests: 1},
		},
		{
			name:    "403 is not retried",
			steps:   []step{reply(403, `{"message":"forbidden"}`), ok200},
			wantErr: extract.ErrAuth,
			want:    extract.Stats{Requests: 1},
		},
		{
			name:       "404 is not retried",
			steps:      []step{reply(404, `{"error":"Empty query"}`), ok200},
			wantErrMsg: "HTTP 404: Empty query",
			want:       extract.Stats{Requests: 1},
		},
		{
			name:  "truncated body is retried",
			steps: []step{truncatedBody, ok200},
			want:  extract.Stats{Requests: 2, Retries: 1},
		},
		{
			name:       "truncated body is a transport error",
			steps:      []step{truncatedBody, ok200},
			cfg:        func(c *extract.ClientConfig) { c.MaxRetries = -1 },
			wantErrMsg: "test-src: GET /thing?x=1: truncated reply: unexpected EOF",
			want:       extract.Stats{Requests: 1},
		},
		{
			name:  "dropped connection is retried",
			steps: []step{dropConnection, ok200},
			want:  extract.Stats{Requests: 2, Retries: 1},
		},
		{
			name:  "attempt timeout is retried",
			steps: []step{hang, ok200},
			// Generous enough that the second attempt completes even under -race on a busy machine.
			cfg:  func(c *extract.ClientConfig) { c.Timeout = 500 * time.Millisecond },
			want: extract.Stats{Requests: 2, Retries: 1},
		},
		{
			name:       "attempt timeouts exhaust the budget with a clear error",
			steps:      []step{hang},
			cfg:        func(c *extract.ClientConfig) { c.Timeout = 300 * time.Millisecond; c.MaxRetries = 1 },
			hitsMayLag: true,
			wantErr:    extract.ErrTimeout,
			wantErrMsg: "request timed out after 300ms (after 2 attempts)",
			want:       extract.Stats{Requests: 2, Retries: 1},
		},
		{
			name:       "oversized body fails with ErrTooLarge and is not retried",
			steps:      []step{reply(200, strings.Repeat("x", 4096))},
			cfg:        func(c *extract.ClientConfig) { c.MaxBodyBytes = 1024 },
			wantErr:    extract.ErrTooLarge,
			wantErrMsg: "reply too large",
			want:       extract.Stats{Requests: 1},
		},
		{
			name:  "body of exactly MaxBodyBytes is accepted",
			steps: []step{reply(200, strings.Repeat("x", 1024))},
			cfg:   func(c *extract.ClientConfig) { c.MaxBodyBytes = 1024 },
			want:  extract.Stats{Requests: 1},
		},
		{
			name:       "negative MaxRetries means a single attempt",
			steps:      []step{reply(503, ``), ok200},
			cfg:        func(c *extract.ClientConfig) { c.MaxRetries = -1 },
			wantErrMsg: "test-src: GET /thing?x=1: HTTP 503: Service Unavailable",
			want:       extract.Stats{Requests: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := scripted(t, tc.steps...)
			clock := newFakeClock()
			cfg := extract.ClientConfig{
				Source:     "test-src",
				MinBackoff: minB,
				MaxBackoff: 5 * time.Second,
				Sleep:      clock.Sleep,
				Now:        clock.Now,
			}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c := extract.NewClient(cfg)
			resp, err := c.Do(context.Background(), extract.Request{URL: srv.URL + "/thing?x=1"})
			if tc.wantErr == nil && tc.wantErrMsg == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if resp.Status != http.StatusOK {
					t.Errorf("status %d", resp.Status)
				}
			} else {
				if err == nil {
					t.Fatalf("Do succeeded, want an error")
				}
				checkSourceError(t, err, "test-src")
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %q does not match %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErrMsg) {
					t.Errorf("error %q does not contain %q", err, tc.wantErrMsg)
				}
			}
			got := c.Stats()
			if got.Requests != tc.want.Requests || got.Retries != tc.want.Retries || got.Pages != 0 {
				t.Errorf("stats %+v, want %+v", got, tc.want)
			}
			if got.Requests != hits.Load() && !tc.hitsMayLag {
				t.Errorf("client counted %d requests, server saw %d", got.Requests, hits.Load())
			}
			waits := clock.Sleeps()
			if int64(len(waits)) != got.Retries {
				t.Errorf("%d waits for %d retries", len(waits), got.Retries)
			}
			// Waits for 429s are throttled time; backoff after other failures is not.
			var throttled time.Duration
			if tc.throttled {
				for _, w := range waits {
					throttled += w
				}
			}
			if got.ThrottledMS != throttled.Milliseconds() {
				t.Errorf("ThrottledMS %d, want %d", got.ThrottledMS, throttled.Milliseconds())
			}
			if tc.checkWaits != nil {
				tc.checkWaits(t, waits)
			}
		})
	}
}

// wantWaits checks that waits[i] lies in [bounds[2i], bounds[2i+1]].
func wantWaits(t *testing.T, waits []time.Duration, bounds ...time.Duration) {
	t.Helper()
	if len(waits) != len(bounds)/2 {
		t.Fatalf("waits %v, want %d of them", waits, len(bounds)/2)
	}
	for i, w := range waits {
		if lo, hi := bounds[2*i], bounds[2*i+1]; w < lo || w > hi {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, w, lo, hi)
		}
	}
}

// checkSourceError checks the shape every Do error has.
func checkSourceError(t *testing.T, err error, source string) {
	t.Helper()
	var se *extract.SourceError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %q is not a *SourceError", err, err)
	}
	if se.Source != source {
		t.Errorf("SourceError.Source = %q, want %q", se.Source, source)
	}
	if !strings.HasPrefix(err.Error(), source+": ") {
		t.Errorf("error %q does not start with the source", err)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("error %q is not one line", err)
	}
}

func TestDoErrorIsOneLineNamingSourceAndOp(t *testing.T) {
	t.Parallel()
	const closeBody = `{"error": "The server could not verify that you are authorized to access the URL requested.  You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."}`
	srv, _ := scripted(t, reply(401, closeBody))
	c := extract.NewClient(extract.ClientConfig{Source: "close-main"})
	_, err := c.Do(context.Background(), extract.Request{
		URL:    srv.URL + "/api/v1/user/?_skip=0&_limit=100",
		Header: http.Header{"Authorization": {"Basic c2VjcmV0LWtleTo="}},
	})
	checkSourceError(t, err, "close-main")
	const wantPrefix = "close-main: GET /api/v1/user/?_skip=0&_limit=100: authentication failed (HTTP 401): The server could not verify that you are authorized to access the URL requested. You either supplied"
	if !strings.HasPrefix(err.Error(), wantPrefix) {
		t.Errorf("error\n%q\nwant prefix\n%q", err, wantPrefix)
	}
	var api *extract.APIError
	if !errors.As(err, &api) || api.Status != 401 || len([]rune(api.Message)) > 203 {
		t.Errorf("APIError %+v: want status 401 and a message trimmed to about 200 characters", api)
	}
	if strings.Contains(err.Error(), "c2VjcmV0LWtleTo") {
		t.Errorf("error %q carries the Authorization header", err)
	}
}

func TestDoConnectionRefusedKeepsSecretsOutOfErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	clock := newFakeClock()
	c := extract.NewClient(extract.ClientConfig{Source: "ws", MaxRetries: 2, Sleep: clock.Sleep, Now: clock.Now})
	_, err := c.Do(context.Background(), extract.Request{
		URL: url + "/api/admin/v2/?action=get_users&hash=topsecret",
		Op:  "GET get_users",
	})
	checkSourceError(t, err, "ws")
	var te *extract.TransportError
	if !errors.As(err, &te) {
		t.Errorf("error %q is not a *TransportError", err)
	}
	if strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error %q carries the URL's secret", err)
	}
	if !strings.Contains(err.Error(), "ws: GET get_users: ") || !strings.Contains(err.Error(), "(after 3 attempts)") {
		t.Errorf("error %q: want the Op and the attempt count", err)
	}
	if got := c.Stats(); got.Requests != 3 || got.Retries != 2 {
		t.Errorf("stats %+v, want 3 requests and 2 retries", got)
	}
}

func TestDoContextCancelDuringWaitReturnsPromptly(t *testing.T) {
	t.Parallel()
	hit := make(chan struct{}, 1)
	srv, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		reply(429, `{"error":"wait"}`, "Retry-After", "60")(w, r)
	})
	// The real sleep: the wait must end because of the context, not the clock.
	c := extract.NewClient(extract.ClientConfig{Source: "s", MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-hit
		cancel()
	}()
	start := time.Now()
	_, err := c.Do(ctx, extract.Request{URL: srv.URL + "/x"})
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Do took %s after cancel", elapsed)
	}
	checkSourceError(t, err, "s")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %q does not wrap context.Canceled", err)
	}
	if errors.Is(err, extract.ErrRateLimited) {
		t.Errorf("error %q should have one cause, the cancellation", err)
	}
	if got := c.Stats(); got.Requests != 1 {
		t.Errorf("stats %+v, want 1 request", got)
	}
}

func TestDoCancelledContextIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, hits := scripted(t, ok200)
	clock := newFakeClock()
	c := extract.NewClient(extract.ClientConfig{Source: "s", Sleep: clock.Sleep, Now: clock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Do(ctx, extract.Request{URL: srv.URL + "/x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if hits.Load() > 1 || c.Stats().Retries != 0 {
		t.Errorf("server saw %d requests, %d retries; want no retry", hits.Load(), c.Stats().Retries)
	}
}

func TestMaxRPSLimiterSpacesRequestsAndCountsThrottledTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		rps           float64
		requests      int
		wantThrottled int64
	}{
		{name: "no limit", rps: 0, requests: 5, wantThrottled: 0},
		{name: "10 rps spaces 5 requests by 100ms", rps: 10, requests: 5, wantThrottled: 400},
		{name: "2 rps spaces 3 requests by 500ms", rps: 2, requests: 3, wantThrottled: 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := scripted(t, ok200)
			clock := newFakeClock()
			c := extract.NewClient(extract.ClientConfig{Source: "s", MaxRPS: tc.rps, Sleep: clock.Sleep, Now: clock.Now})
			for range tc.requests {
				if _, err := c.Do(context.Background(), extract.Request{URL: srv.URL}); err != nil {
					t.Fatal(err)
				}
			}
			got := c.Stats()
			if got.ThrottledMS != tc.wantThrottled || got.Requests != int64(tc.requests) || got.Retries != 0 {
				t.Errorf("stats %+v, want %d ms throttled over %d requests", got, tc.wantThrottled, tc.requests)
			}
		})
	}
}

func TestPaceDelaysTheNextRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		pace          time.Duration
		wantThrottled int64
	}{
		{name: "remaining 0 reset 2 waits 2s before the next request", pace: 2 * time.Second, wantThrottled: 2000},
		{name: "a pace beyond MaxBackoff is capped", pace: time.Hour, wantThrottled: 5000},
		{name: "no pace no wait", pace: 0, wantThrottled: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := scripted(t, ok200)
			clock := newFakeClock()
			var calls atomic.Int64
			c := extract.NewClient(extract.ClientConfig{
				Source: "s", MaxBackoff: 5 * time.Second, Sleep: clock.Sleep, Now: clock.Now,
				Pace: func(*http.Response, []byte) time.Duration {
					if calls.Add(1) == 1 {
						return tc.pace
					}
					return 0
				},
			})
			for range 2 {
				if _, err := c.Do(context.Background(), extract.Request{URL: srv.URL}); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.Stats().ThrottledMS; got != tc.wantThrottled {
				t.Errorf("ThrottledMS %d, want %d (waits %v)", got, tc.wantThrottled, clock.Sleeps())
			}
		})
	}
}

func TestGetJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantErr  error
		wantText string
	}{
		{name: "decodes a JSON reply", body: `{"name":"x","n":3}`},
		{name: "HTML reply is malformed and quoted", body: "<html><body>Bad gateway</body></html>", wantErr: extract.ErrMalformed, wantText: `(body starts "<html><body>Bad gateway`},
		{name: "wrong shape is malformed", body: `{"name":1}`, wantErr: extract.ErrMalformed, wantText: "malformed reply: "},
		{name: "empty body is malformed", body: ``, wantErr: extract.ErrMalformed, wantText: "(empty body)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := scripted(t, reply(200, tc.body))
			c := extract.NewClient(extract.ClientConfig{Source: "s"})
			var out struct {
				Name string `json:"name"`
				N    int    `json:"n"`
			}
			err := c.GetJSON(context.Background(), srv.URL+"/p/", nil, &out)
			if tc.wantErr == nil {
				if err != nil || out.Name != "x" || out.N != 3 {
					t.Fatalf("GetJSON = %v, %+v", err, out)
				}
				return
			}
			checkSourceError(t, err, "s")
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q, want %v containing %q", err, tc.wantErr, tc.wantText)
			}
		})
	}
}

func TestDefaultClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		body          string
		header        http.Header
		wantNil       bool
		wantKind      error
		wantRetryable bool
		wantMsg       string
		wantAfter     time.Duration
	}{
		{name: "2xx is success", status: 204, wantNil: true},
		{name: "429 reads Retry-After", status: 429, header: http.Header{"Retry-After": {"7"}}, wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 7 * time.Second},
		{name: "429 falls back to RateLimit-Reset", status: 429, header: http.Header{"Ratelimit-Reset": {"1.5"}}, wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 1500 * time.Millisecond},
		{name: "401 is an auth error", status: 401, body: `{"error":"bad key"}`, wantKind: extract.ErrAuth, wantMsg: "bad key"},
		{name: "403 is an auth error", status: 403, body: `{"message":"nope"}`, wantKind: extract.ErrAuth, wantMsg: "nope"},
		{name: "500 is retryable", status: 500, body: "oops", wantRetryable: true, wantMsg: "oops"},
		{name: "400 is final with a nested message", status: 400, body: `{"error":{"message":"bad _limit"}}`, wantMsg: "bad _limit"},
		{name: "404 without a body says the status", status: 404, wantMsg: "Not Found"},
		{name: "multi-line body becomes one line", status: 422, body: "line one\n\tline two", wantMsg: "line one line two"},
		{name: "long message is trimmed", status: 400, body: strings.Repeat("a", 500), wantMsg: strings.Repeat("a", 200) + "..."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tc.status, Header: tc.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := extract.DefaultClassify(resp, []byte(tc.body))
			if tc.wantNil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("got nil")
			}
			if tc.wantKind != nil && !errors.Is(err, tc.wantKind) {
				t.Errorf("%v does not match %v", err, tc.wantKind)
			}
			if got := extract.Retryable(err); got != tc.wantRetryable {
				t.Errorf("Retryable = %v, want %v", got, tc.wantRetryable)
			}
			var rl *extract.RateLimitError
			if errors.As(err, &rl) && rl.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter %s, want %s", rl.RetryAfter, tc.wantAfter)
			}
			var api *extract.APIError
			if errors.As(err, &api) && api.Message != tc.wantMsg {
				t.Errorf("Message %q, want %q", api.Message, tc.wantMsg)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 120 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"0.870663", 870663 * time.Microsecond, true},
		{"1e1", 10 * time.Second, true},
		{"-1", 0, false},
		{"-0.5", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 01-Mar-26 12:01:00 GMT", time.Minute, true},
		{"Sun Mar  1 12:00:05 2026", 5 * time.Second, true},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0, true}, // in the past: retry now
		{"2026-03-01T12:00:10Z", 10 * time.Second, true},
		{"2026-03-01T14:00:10.5+02:00", 10500 * time.Millisecond, true},
		{"2026-03-01", 0, false},
		{"99999999999999999999", time.Duration(1<<63 - 1), true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			t.Parallel()
			got, ok := extract.ParseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"plain", 10, "plain"},
		{"  two\n\nlines  ", 20, "two lines"},
		{"abcdefghij", 5, "abcde..."},
		{"héllo wörld", 7, "héllo w..."},
		{"bad\xffutf8", 20, "bad\uFFFDutf8"},
	}
	for _, tc := range tests {
		if got := extract.Snippet(tc.in, tc.limit); got != tc.want {
			t.Errorf("Snippet(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"rate limit", &extract.RateLimitError{Status: 429}, true},
		{"retryable API error", &extract.APIError{Status: 503, Retryable: true}, true},
		{"final API error", &extract.APIError{Status: 404}, false},
		{"auth error even if marked retryable", &extract.APIError{Status: 401, Kind: extract.ErrAuth, Retryable: true}, false},
		{"transport error", &extract.TransportError{Err: io.ErrUnexpectedEOF, Retryable: true}, true},
		{"too large", fmt.Errorf("%w: 1 GiB", extract.ErrTooLarge), false},
		{"context cancelled", context.Canceled, false},
		{"wrapped rate limit", &extract.SourceError{Source: "s", Err: &extract.RateLimitError{Status: 429}}, true},
	}
	for _, tc := range tests {
		if got := extract.Retryable(tc.err); got != tc.want {
			t.Errorf("%s: Retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDoGivesUpAtOnceOnAHintLongerThanMaxHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		wantFail   bool
	}{
		{"a daily quota hours away fails at once", "7200", true},
		{"an HTTP-date hours away fails at once", time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat), true},
		{"a hint within MaxHint is waited out (capped)", "60", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write([]byte(`{}`))
			}))
			t.Cleanup(srv.Close)
			clock := newFakeClock()
			c := extract.NewClient(extract.ClientConfig{Source: "zoom", Sleep: clock.Sleep, Now: time.Now})
			_, err := c.Do(context.Background(), extract.Request{URL: srv.URL + "/users"})
			if !tt.wantFail {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				return
			}
			if !errors.Is(err, extract.ErrRateLimited) || !strings.Contains(err.Error(), "not waiting that long") || !strings.HasPrefix(err.Error(), "zoom: ") {
				t.Errorf("error %v", err)
			}
			if got := c.Stats(); got.Requests != 1 || got.Retries != 0 {
				t.Errorf("stats %+v: want one request and no retry", got)
			}
		})
	}
}

func TestSecretsEchoedByTheProviderAreScrubbedAfterDecoding(t *testing.T) {
	t.Parallel()
	const secret = "s3cr/t+key"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		// The secret JSON-escaped, as PHP or Go encoders write it: raw-byte redaction misses it.
		w.Write([]byte(`{"error": "bad key s3cr\/t\u002bkey"}`))
	}))
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	c := extract.NewClient(extract.ClientConfig{Source: "crm", Sleep: clock.Sleep, Now: clock.Now,
		Secrets: func() []string { return []string{secret} }})
	_, err := c.Do(context.Background(), extract.Request{URL: srv.URL})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %v: want the echoed secret redacted", err)
	}
}

func TestRedirectsToAnotherHostAreRefusedAndCredentialsStayHome(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.URL.Query().Get("hash") != "" {
			leaked.Store(true)
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(elsewhere.Close)
	// "localhost" is another host than "127.0.0.1" for the redirect policy.
	other := strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1)
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/api", http.StatusFound) // same host: followed
			return
		}
		if r.URL.Path == "/api" {
			w.Write([]byte(`{"ok":true}`))
			return
		}
		http.Redirect(w, r, other+"/steal?"+r.URL.RawQuery, http.StatusFound)
	}))
	t.Cleanup(home.Close)
	clock := newFakeClock()
	c := extract.NewClient(extract.ClientConfig{Source: "crm", Sleep: clock.Sleep, Now: clock.Now})
	hdr := http.Header{"Authorization": {"Basic c2VjcmV0Og=="}}
	if _, err := c.Do(context.Background(), extract.Request{URL: home.URL + "/moved", Header: hdr}); err != nil {
		t.Errorf("a same-host redirect: %v", err)
	}
	_, err := c.Do(context.Background(), extract.Request{URL: home.URL + "/x?hash=abc", Header: hdr, Op: "GET /x"})
	if !errors.Is(err, extract.ErrRedirect) || !strings.Contains(err.Error(), "check base_url") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("a cross-host redirect: %v", err)
	}
	if got := c.Stats(); got.Retries != 0 {
		t.Errorf("a refused redirect was retried: %+v", got)
	}
	if leaked.Load() {
		t.Error("credentials reached the other host")
	}
}

// bigBody is a JSON reply of n bytes or a little more, different at every offset so that
// a byte misplaced on the way to disk shows.
func bigBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// truncatedAfter sends the first n bytes of body under body's length and drops the
// connection.
func truncatedAfter(body string, n int) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, body[:n])
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}
}

func TestASpooledReplyIsReadWholeFromDiskAndLeavesNoFile(t *testing.T) {
	t.Parallel()
	big := bigBody(3 * extract.SpoolHead)
	small := bigBody(extract.SpoolHead / 4)
	exact := bigBody(extract.SpoolHead)[:extract.SpoolHead]
	tests := []struct {
		name        string
		steps       []step
		spool       bool
		maxBody     int64
		wantBody    string
		wantSpooled bool
		wantReqs    int64
		wantErr     error
		wantErrText string
	}{
		{name: "a reply larger than the head is spooled", steps: []step{reply(200, big)}, spool: true, wantBody: big, wantSpooled: true, wantReqs: 1},
		{name: "a reply without a length is spooled", steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			for i := 0; i < len(big); i += 4096 {
				io.WriteString(w, big[i:min(i+4096, len(big))])
				w.(http.Flusher).Flush()
			}
		}}, spool: true, wantBody: big, wantSpooled: true, wantReqs: 1},
		{name: "a reply no larger than the head stays in memory", steps: []step{reply(200, small)}, spool: true, wantBody: small, wantReqs: 1},
		{name: "a reply of exactly the head stays in memory", steps: []step{reply(200, exact)}, spool: true, wantBody: exact, wantReqs: 1},
		{name: "without Spool a large reply stays in memory", steps: []step{reply(200, big)}, wantBody: big, wantReqs: 1},
		{name: "a reply cut halfway is retried", steps: []step{truncatedAfter(big, 2*extract.SpoolHead), reply(200, big)}, spool: true, wantBody: big, wantSpooled: true, wantReqs: 2},
		{name: "a reply over the limit fails", steps: []step{func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200) // no Content-Length: the limit is found while reading
			io.WriteString(w, big)
		}}, spool: true, maxBody: 2 * extract.SpoolHead, wantErr: extract.ErrTooLarge, wantReqs: 1},
		{name: "an error reply is not returned and leaves no file", steps: []step{reply(403, big)}, spool: true, wantErrText: "403", wantReqs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := scripted(t, tt.steps...)
			dir := t.TempDir()
			var classified int
			c := extract.NewClient(extract.ClientConfig{Source: "test-src", SpoolDir: dir, MaxBodyBytes: tt.maxBody,
				MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
				Classify: func(resp *http.Response, body []byte) error {
					classified = len(body)
					return extract.DefaultClassify(resp, body)
				}})
			resp, err := c.Do(context.Background(), extract.Request{URL: srv.URL + "/users", Spool: tt.spool})
			if got := hits.Load(); got != tt.wantReqs {
				t.Errorf("%d requests, want %d", got, tt.wantReqs)
			}
			if tt.wantErr != nil || tt.wantErrText != "" {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantErrText) {
					t.Fatalf("err = %v, want %v %q", err, tt.wantErr, tt.wantErrText)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Close()
				if resp.Spooled() != tt.wantSpooled {
					t.Errorf("Spooled() = %v, want %v", resp.Spooled(), tt.wantSpooled)
				}
				for range 2 { // every Open starts over
					got, err := io.ReadAll(resp.Open())
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != tt.wantBody {
						t.Fatalf("body of %d bytes differs from the %d sent", len(got), len(tt.wantBody))
					}
				}
				head := min(len(tt.wantBody), extract.SpoolHead)
				if !tt.spool {
					head = len(tt.wantBody)
				}
				if string(resp.Body) != tt.wantBody[:head] || classified != head {
					t.Errorf("Body has %d bytes and Classify saw %d, want the first %d", len(resp.Body), classified, head)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("spool directory holds %d files, want none", len(entries))
			}
		})
	}
}

func TestASpoolThatCannotBeWrittenFailsClearlyWithoutRetrying(t *testing.T) {
	t.Parallel()
	srv, hits := scripted(t, reply(200, bigBody(2*extract.SpoolHead)))
	c := extract.NewClient(extract.ClientConfig{Source: "test-src", SpoolDir: filepath.Join(t.TempDir(), "missing"),
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	_, err := c.Do(context.Background(), extract.Request{URL: srv.URL + "/users", Spool: true})
	if err == nil || !strings.Contains(err.Error(), "test-src: GET /users: spooling the reply to disk") {
		t.Fatalf("err = %v, want one naming the source, the request and the spool", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1: a disk that cannot be written is not the provider's to retry", hits.Load())
	}
}
