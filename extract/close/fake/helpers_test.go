package fake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

const testKey = "test-key"

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
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	pop := synth.New(synth.Config{Seed: 20260105, Size: size})
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

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply (%d) is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

func basicAuth(key string) string { return "Basic " + b64(key+":") }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// get sends GET path with Basic auth for testKey.
func (e *env) get(path string) reply {
	e.t.Helper()
	return e.do(http.MethodGet, path, basicAuth(testKey))
}

func (e *env) do(method, path, authorization string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

// page is a decoded list reply.
type page struct {
	Data    []map[string]any `json:"data"`
	HasMore bool             `json:"has_more"`
}

func (e *env) page(path string) page {
	e.t.Helper()
	r := e.get(path)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return p
}

func usersPath(skip, limit int) string {
	return "/api/v1/user/?_skip=" + strconv.Itoa(skip) + "&_limit=" + strconv.Itoa(limit)
}

func userIDs(p page) []string {
	out := make([]string, len(p.Data))
	for i, u := range p.Data {
		out[i], _ = u["id"].(string)
	}
	return out
}

// clock is a settable clock for the rate limiter.
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
