package fake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

const testSeed = 20260105

// clock is a settable fake clock.
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

// env is a fake behind an httptest server on a fake clock.
type env struct {
	t     *testing.T
	pop   *synth.Population
	srv   *Server
	ts    *httptest.Server
	clock *clock
}

// setup starts a fake over size people. Unless opts says otherwise the clock is fake
// and the point buckets effectively unlimited.
func setup(t *testing.T, size int, opts Options) *env {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.MinutePoints == 0 {
		opts.MinutePoints = 1 << 30
	}
	if opts.DayPoints == 0 {
		opts.DayPoints = 1 << 30
	}
	pop := synth.New(synth.Config{Seed: testSeed, Size: size})
	srv := New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, pop: pop, srv: srv, ts: ts, clock: c}
}

type reply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// post sends a raw body to path.
func (e *env) post(path string, body []byte) reply {
	e.t.Helper()
	resp, err := e.ts.Client().Post(e.ts.URL+path, "application/json; charset=UTF-8", bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// call sends one JSON-RPC request with id 1 and returns the raw reply.
func (e *env) callRaw(method string, params map[string]any) reply {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post("/v2.0", body)
}

// call sends a request with DefaultToken (unless params sets access_token) and decodes
// the reply.
func (e *env) call(method string, params map[string]any) map[string]any {
	e.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	if _, ok := params["access_token"]; !ok && method != "login.user" {
		params["access_token"] = DefaultToken
	}
	return decodeReply(e.t, e.callRaw(method, params))
}

func decodeReply(t *testing.T, r reply) map[string]any {
	t.Helper()
	if r.status != http.StatusOK || r.err != nil {
		t.Fatalf("status %d, err %v: %s", r.status, r.err, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// rpcErr returns the error code and data.mnemonic of a reply (0, "" on success).
func rpcErr(m map[string]any) (int, string) {
	e, ok := m["error"].(map[string]any)
	if !ok {
		return 0, ""
	}
	data, _ := e["data"].(map[string]any)
	mn, _ := data["mnemonic"].(string)
	return int(e["code"].(float64)), mn
}

// mustOK fails unless the reply is a success and returns its result.
func mustOK(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if code, mn := rpcErr(m); code != 0 {
		t.Fatalf("error %d %s: %v", code, mn, m["error"])
	}
	return m["result"].(map[string]any)
}

// employees returns a page of get.employees and its total_items.
func (e *env) employees(params map[string]any) ([]map[string]any, int) {
	e.t.Helper()
	res := mustOK(e.t, e.call("get.employees", params))
	var out []map[string]any
	for _, x := range res["data"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out, int(res["metadata"].(map[string]any)["total_items"].(float64))
}

// limitsOf returns metadata.limits of a success or error reply.
func limitsOf(m map[string]any) map[string]any {
	if r, ok := m["result"].(map[string]any); ok {
		return r["metadata"].(map[string]any)["limits"].(map[string]any)
	}
	e := m["error"].(map[string]any)
	return e["data"].(map[string]any)["metadata"].(map[string]any)["limits"].(map[string]any)
}

// activePeople returns the active people of day d.
func activePeople(pop *synth.Population, d int) []synth.Person {
	var out []synth.Person
	for _, p := range pop.Day(d).People {
		if p.Active {
			out = append(out, p)
		}
	}
	return out
}
