package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

const testSeed = 20260105

// env is a fake aimed at by an httptest server.
type env struct {
	t   *testing.T
	pop *synth.Population
	srv *Server
	ts  *httptest.Server
}

// setup starts a fake over a population of size people.
func setup(t *testing.T, size int, opts Options) *env {
	t.Helper()
	pop := synth.New(synth.Config{Seed: testSeed, Size: size})
	srv := New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, pop: pop, srv: srv, ts: ts}
}

type reply struct {
	status int
	header http.Header
	body   []byte
	err    error // reading the body failed
}

// signed returns params with the hash a correct client appends for key.
func signed(params, key string) string { return params + "&hash=" + queryHash(params, key) }

// call GETs the admin path with params signed by the Server's key.
func (e *env) call(params string) reply {
	e.t.Helper()
	return e.do(http.MethodGet, Path+"?"+signed(params, e.srv.APIKey()), "", nil)
}

// do sends a request; body, when not empty, is sent as a form unless the header says
// otherwise.
func (e *env) do(method, target, body string, header http.Header) reply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+target, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// envelope is a decoded reply.
type envelope struct {
	Status     string            `json:"status"`
	StatusCode int               `json:"status_code"`
	Message    string            `json:"message"`
	Details    string            `json:"message_details"`
	Data       []json.RawMessage `json:"data"`
}

func (r reply) envelope(t *testing.T) envelope {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("reply (%d) is not a JSON envelope: %v\n%s", r.status, err, r.body)
	}
	return env
}

// users GETs get_users and decodes each user into a map, keeping the raw bytes too.
func (e *env) users() ([]map[string]any, []json.RawMessage) {
	e.t.Helper()
	r := e.call("action=get_users")
	env := r.envelope(e.t)
	if r.status != http.StatusOK || env.Status != "ok" {
		e.t.Fatalf("get_users: %d %s", r.status, r.body)
	}
	out := make([]map[string]any, len(env.Data))
	for i, raw := range env.Data {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			e.t.Fatal(err)
		}
	}
	return out, env.Data
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
