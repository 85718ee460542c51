package fake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

const testSeed = 20260105

// env is a fake aimed at by an httptest server, on a settable clock.
type env struct {
	t     *testing.T
	pop   *synth.Population
	srv   *Server
	ts    *httptest.Server
	clock *clock
	// token is an access token minted through the token endpoint at setup.
	token string
}

// setup starts a fake over a population of size people. Unless opts sets Now, the
// Server runs on a fake clock (env.clock).
func setup(t *testing.T, size int, opts Options) *env {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	pop := synth.New(synth.Config{Seed: testSeed, Size: size})
	srv := New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &env{t: t, pop: pop, srv: srv, ts: ts, clock: c}
	e.token = e.mint()
	return e
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

// tokenForm is the body of a correct token request.
func tokenForm(accountID string) string {
	return url.Values{"grant_type": {"account_credentials"}, "account_id": {accountID}}.Encode()
}

// mint gets an access token from the token endpoint with the Server's credentials.
func (e *env) mint() string {
	e.t.Helper()
	r := e.tokenRequest(e.srv.ClientID(), e.srv.ClientSecret(), tokenForm(e.srv.AccountID()))
	if r.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	tok, _ := r.json(e.t)["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("token reply without access_token: %s", r.body)
	}
	return tok
}

func (e *env) tokenRequest(id, secret, form string) reply {
	e.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	h.Set("Authorization", "Basic "+basic64(id+":"+secret))
	return e.do(http.MethodPost, TokenPath, form, h)
}

func basic64(s string) string { return b64std.EncodeToString([]byte(s)) }

// get sends GET target with the env's token.
func (e *env) get(target string) reply {
	e.t.Helper()
	return e.getWith(target, e.token)
}

func (e *env) getWith(target, token string) reply {
	e.t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return e.do(http.MethodGet, target, "", h)
}

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

// listPage is a decoded list reply; Items holds the array under the reply's key.
type listPage struct {
	NextPageToken *string `json:"next_page_token"`
	PageSize      int     `json:"page_size"`
	TotalRecords  int     `json:"total_records"`
	Items         []map[string]any
}

// page GETs a list endpoint and decodes it, failing on anything but 200.
func (e *env) page(target, key string) listPage {
	e.t.Helper()
	r := e.get(target)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", target, r.status, r.body)
	}
	return decodePage(e.t, r.body, key)
}

func decodePage(t *testing.T, body []byte, key string) listPage {
	t.Helper()
	var p listPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("page: %v\n%s", err, body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	items, ok := raw[key]
	if !ok {
		t.Fatalf("page without %q: %s", key, body)
	}
	if err := json.Unmarshal(items, &p.Items); err != nil {
		t.Fatalf("page %q: %v", key, err)
	}
	if p.NextPageToken == nil {
		t.Fatalf("page without next_page_token: %s", body)
	}
	return p
}

// walk pages through a list endpoint (target without page parameters) with page_size
// size and returns every item and the number of requests.
func (e *env) walk(target, key string, size int) ([]map[string]any, int) {
	e.t.Helper()
	var all []map[string]any
	token := ""
	for n := 1; ; n++ {
		u := target + sepFor(target) + "page_size=" + strconv.Itoa(size)
		if token != "" {
			u += "&next_page_token=" + url.QueryEscape(token)
		}
		p := e.page(u, key)
		all = append(all, p.Items...)
		token = *p.NextPageToken
		if token == "" {
			return all, n
		}
		if n > 100000 {
			e.t.Fatal("paging does not end")
		}
	}
}

func sepFor(target string) string {
	if strings.Contains(target, "?") {
		return "&"
	}
	return "?"
}

func strField(m map[string]any, k string) string { s, _ := m[k].(string); return s }

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

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var b64std = base64.StdEncoding

func newPop(size int) *synth.Population { return newPopSeed(testSeed, size) }

func newPopSeed(seed int64, size int) *synth.Population {
	return synth.New(synth.Config{Seed: seed, Size: size})
}
