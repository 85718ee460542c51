package uis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/uis"
)

const (
	testToken    = "perm-TOKEN-9f8e7d"
	testLogin    = "admin@example.ru"
	testPassword = "pa55-SECRET-word"
	testAppID    = 4242
)

// fakeClock is a test clock that Sleep advances.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
	return nil
}

func (c *fakeClock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// call is one JSON-RPC request the test API received.
type call struct {
	ID      json.RawMessage
	JSONRPC string
	Method  string
	Params  map[string]any
	Body    string
	Header  http.Header
}

// testAPI is a small JSON-RPC stand-in for the Data API, enough to drive the client
// through each behaviour; extract/uis/fake is the faithful one. It shares the test's
// fake clock.
type testAPI struct {
	clock *fakeClock

	employees []map[string]any
	groups    []map[string]any
	statuses  []map[string]any
	timezone  string

	// sessionTTL is how long login.user sessions live on the server (default 1h);
	// expireAt, if set, overrides the expire_at the reply reports.
	sessionTTL time.Duration
	// minuteLimit, if set, is a per-minute point budget; dayRemaining, if set (>0), a day
	// budget that runs out.
	minuteLimit  int
	dayRemaining int
	// tick advances the clock on every request.
	tick time.Duration
	// override may answer a call itself (after auth); n counts calls from 1.
	override func(c call, n int) (result any, rerr map[string]any, ok bool)
	// beforeEmployees may change the data before a get.employees page is served; page
	// counts get.employees calls from 1.
	beforeEmployees func(a *testAPI, page int)

	mu             sync.Mutex
	calls          []call
	sessions       map[string]time.Time
	nSessions      int
	minuteUsed     int
	minuteStart    time.Time
	employeePages  int
	limitsRejected int
	expiredRefused int
}

func newAPI(clock *fakeClock) *testAPI {
	return &testAPI{clock: clock, sessions: map[string]time.Time{}, timezone: "Europe/Moscow"}
}

func (a *testAPI) Calls() []call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.calls)
}

func (a *testAPI) methods() []string {
	var out []string
	for _, c := range a.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func rpcErr(code int, mnemonic, msg string, lim map[string]any) map[string]any {
	data := map[string]any{"mnemonic": mnemonic, "params": map[string]any{}}
	if lim != nil {
		data["metadata"] = map[string]any{"limits": lim}
	}
	return map[string]any{"code": code, "message": msg, "data": data}
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  map[string]any  `json:"params"`
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || json.Unmarshal(body, &req) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if a.tick > 0 {
		a.clock.Advance(a.tick)
	}
	c := call{ID: req.ID, JSONRPC: req.JSONRPC, Method: req.Method, Params: req.Params, Body: string(body), Header: r.Header.Clone()}
	a.mu.Lock()
	a.calls = append(a.calls, c)
	n := len(a.calls)
	a.mu.Unlock()

	reply := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	result, rerr := a.answer(c, n)
	if rerr != nil {
		reply["error"] = rerr
	} else {
		reply["result"] = result
	}
	_ = json.NewEncoder(w).Encode(reply)
}

// limits consumes a point (when ok) and returns metadata.limits, or an error when a
// budget is spent.
func (a *testAPI) limits(consume bool) (map[string]any, map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if a.minuteStart.IsZero() || now.Sub(a.minuteStart) >= time.Minute {
		a.minuteStart, a.minuteUsed = now, 0
	}
	reset := int((time.Minute - now.Sub(a.minuteStart)).Seconds())
	minuteLimit := a.minuteLimit
	if minuteLimit == 0 {
		minuteLimit = 1000
	}
	day := a.dayRemaining
	if day == 0 {
		day = 100000
	}
	lim := func() map[string]any {
		return map[string]any{
			"day_limit": 3000, "day_remaining": day, "day_reset": 51959,
			"minute_limit": minuteLimit, "minute_remaining": minuteLimit - a.minuteUsed, "minute_reset": reset,
		}
	}
	if a.dayRemaining < 0 {
		a.limitsRejected++
		l := lim()
		l["day_remaining"] = 0
		return l, rpcErr(-32029, "limit_exceeded", "Limit per day has been exceeded. Value of current limit per day is 3000", l)
	}
	if a.minuteUsed >= minuteLimit {
		a.limitsRejected++
		return lim(), rpcErr(-32029, "limit_exceeded", fmt.Sprintf("Limit per minute has been exceeded. Value of current limit per minute is %d", minuteLimit), lim())
	}
	if consume {
		a.minuteUsed++
		if a.dayRemaining > 0 {
			a.dayRemaining--
			if a.dayRemaining == 0 {
				a.dayRemaining = -1
			}
		}
	}
	return lim(), nil
}

func (a *testAPI) answer(c call, n int) (any, map[string]any) {
	if c.Method == "login.user" {
		if c.Params["login"] != testLogin || c.Params["password"] != testPassword {
			return nil, rpcErr(-32001, "auth_error", "Login or password is wrong", nil)
		}
		ttl := a.sessionTTL
		if ttl == 0 {
			ttl = time.Hour
		}
		a.mu.Lock()
		a.nSessions++
		key := "sess-KEY-" + strconv.Itoa(a.nSessions)
		expire := a.clock.Now().Add(ttl)
		a.sessions[key] = expire
		a.mu.Unlock()
		return map[string]any{"data": map[string]any{"access_token": key, "expire_at": a.clock.Now().Add(time.Hour).Unix(), "app_id": testAppID}}, nil
	}
	token, _ := c.Params["access_token"].(string)
	if token != testToken {
		a.mu.Lock()
		exp, ok := a.sessions[token]
		a.mu.Unlock()
		switch {
		case !ok:
			return nil, rpcErr(-32001, "access_token_invalid", "Access token is invalid", nil)
		case !a.clock.Now().Before(exp):
			a.mu.Lock()
			a.expiredRefused++
			a.mu.Unlock()
			return nil, rpcErr(-32001, "access_token_expired", "Access token has been expired", nil)
		}
	}
	if a.override != nil {
		if result, rerr, ok := a.override(c, n); ok {
			return result, rerr
		}
	}
	if _, lerr := a.limits(false); lerr != nil {
		return nil, lerr
	}
	var items []map[string]any
	switch c.Method {
	case "get.account":
		items = []map[string]any{{"app_id": testAppID, "name": "ООО Ромашка", "timezone": a.timezone}}
	case "get.statuses":
		items = a.statuses
	case "get.group_employees":
		items = a.groups
	case "get.employees":
		a.mu.Lock()
		a.employeePages++
		page := a.employeePages
		a.mu.Unlock()
		if a.beforeEmployees != nil {
			a.beforeEmployees(a, page)
		}
		items = a.employees
	default:
		return nil, rpcErr(-32601, "method_not_found", "The method does not exist", nil)
	}
	total := len(items)
	offset, limit := 0, 1000
	if v, ok := c.Params["offset"].(float64); ok {
		offset = int(v)
	}
	if v, ok := c.Params["limit"].(float64); ok {
		limit = int(v)
	}
	lo, hi := min(offset, total), min(offset+limit, total)
	lim, _ := a.limits(true)
	return map[string]any{
		"data":     items[lo:hi],
		"metadata": map[string]any{"total_items": total, "limits": lim},
	}, nil
}

// employee builds an employee object with every documented key (null/[]/{} when empty).
func employee(id int, first, last string) map[string]any {
	return map[string]any{
		"id": id, "login": fmt.Sprintf("user%d", id),
		"first_name": first, "last_name": last, "patronymic": nil,
		"full_name": last + " " + first, "email": fmt.Sprintf("user%d@example.ru", id),
		"status": "available", "status_id": nil, "calls_available": true,
		"allowed_in_call_types": []string{"internal", "external"}, "allowed_out_call_types": []string{},
		"call_recording": "all", "schedule_id": nil, "schedule_name": nil,
		"coach": map[string]any{}, "groups": []any{},
		"phone_numbers": []any{}, "extension": map[string]any{}, "operator": map[string]any{},
	}
}

func employees(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = employee(100+i, "Имя"+strconv.Itoa(i), "Фамилия"+strconv.Itoa(i))
	}
	return out
}

// recorder is an extract.Sink that keeps what it receives.
type recorder struct {
	mu       sync.Mutex
	users    []extract.User
	statuses []extract.Status
	pages    int
}

func (r *recorder) Users(_ context.Context, users []extract.User) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages++
	r.users = append(r.users, users...)
	return nil
}

func (r *recorder) Statuses(_ context.Context, st []extract.Status) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, st...)
	return nil
}

func (r *recorder) ids() []string {
	var out []string
	for _, u := range r.users {
		out = append(out, u.ID)
	}
	return out
}

// setup starts api on loopback and returns a client aimed at it; mod may change the
// config.
func setup(t *testing.T, api *testAPI, mod func(*uis.Config)) *uis.Client {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cfg := uis.Config{
		Name:        "uis-test",
		BaseURL:     srv.URL + "/v2.0",
		AccessToken: testToken,
		HTTP: extract.ClientConfig{
			Sleep:      api.clock.Sleep,
			Now:        api.clock.Now,
			MinBackoff: time.Millisecond,
			Transport:  srv.Client().Transport,
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := uis.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func wantIDs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, strconv.Itoa(100+i))
	}
	return out
}
