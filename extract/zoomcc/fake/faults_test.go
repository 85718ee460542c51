package fake

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTerminalFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       Fault
		status      int
		contentType string
		body        string            // exact, or "" to skip
		headers     map[string]string // exact values
	}{
		{"503 default", Fault{Kind: Status5xx}, 503, "text/html", "", nil},
		{"502", Fault{Kind: Status5xx, Status: 502}, 502, "text/html", "", nil},
		{"504", Fault{Kind: Status5xx, Status: 504}, 504, "text/html", "", nil},
		{"500", Fault{Kind: Status5xx, Status: 500}, 500, "application/json", `{"code":500,"message":"Internal Error"}`, nil},
		{"qps 429", Fault{Kind: RateLimitedQPS}, 429, "application/json", wantQPSBody,
			map[string]string{"X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium", "X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0"}},
		{"daily 429", Fault{Kind: RateLimitedDaily}, 429, "application/json", "",
			map[string]string{"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-01-06T00:00:00Z", "X-RateLimit-Limit": "30000"}},
		{"non-JSON", Fault{Kind: NonJSON}, 200, "text/html", "", nil},
		{"error body", Fault{Kind: ErrorBody}, 200, "application/json", `{"code":300,"message":"Request failed."}`, nil},
		{"error body with code", Fault{Kind: ErrorBody, Code: 124, Message: "Invalid access token."}, 200, "application/json", wantInvalidToken, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{})
			f := tc.fault
			f.Path = UsersPath
			e.srv.Inject(f)
			r := e.get(UsersPath)
			if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), tc.contentType) {
				t.Fatalf("%d %q: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if tc.body != "" && string(r.body) != tc.body {
				t.Fatalf("body %s, want %s", r.body, tc.body)
			}
			for k, v := range tc.headers {
				if got := r.header.Get(k); got != v {
					t.Fatalf("%s: %q, want %q", k, got, v)
				}
			}
			if r := e.get(UsersPath); r.status != 200 {
				t.Fatalf("after the fault: %d %s", r.status, r.body)
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault Fault
		paths []string
		want  []int
	}{
		{"exact path", Fault{Path: UsersPath, Kind: Status5xx}, []string{"/v2/contact_center/teams", UsersPath, UsersPath}, []int{200, 503, 200}},
		{"any path", Fault{Kind: Status5xx, Times: 2}, []string{"/v2/contact_center/teams", UsersPath, UsersPath}, []int{503, 503, 200}},
		{"prefix", Fault{Path: "/v2/contact_center/q*", Kind: Status5xx}, []string{UsersPath, "/v2/contact_center/queues"}, []int{200, 503}},
		{"after", Fault{Path: UsersPath, After: 2, Kind: Status5xx}, []string{UsersPath, UsersPath, UsersPath, UsersPath}, []int{200, 200, 503, 200}},
		{"forever", Fault{Path: UsersPath, Times: -1, Kind: Status5xx}, []string{UsersPath, UsersPath, UsersPath}, []int{503, 503, 503}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{})
			e.srv.Inject(tc.fault)
			for i, p := range tc.paths {
				if r := e.get(p); r.status != tc.want[i] {
					t.Fatalf("request %d (%s): %d, want %d", i, p, r.status, tc.want[i])
				}
			}
		})
	}
}

func TestTokenEndpointFaults(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: TokenPath, Kind: Status5xx, Status: 502})
	r := e.tokenRequest(DefaultClientID, DefaultClientSecret, tokenForm(DefaultAccountID))
	if r.status != 502 {
		t.Fatalf("token endpoint: %d", r.status)
	}
	e.mint()
	if n := e.srv.Requests()[TokenPath]; n != 3 {
		t.Fatalf("Requests()[%s] = %d, want 3 (setup, fault, retry)", TokenPath, n)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	e.srv.Inject(Fault{Path: UsersPath, Kind: Truncate})
	r := e.get(UsersPath)
	if r.err == nil {
		t.Fatalf("read the whole truncated body: %d bytes", len(r.body))
	}
	if r := e.get(UsersPath); r.err != nil || r.status != 200 {
		t.Fatalf("after truncation: %v %d", r.err, r.status)
	}
}

func TestSlow(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: UsersPath, Kind: Slow, Delay: 150 * time.Millisecond})
	start := time.Now()
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("served in %v", d)
	}
}

func TestSlowEndsWithTheClient(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: UsersPath, Kind: Slow, Delay: time.Minute})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+UsersPath, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	start := time.Now()
	if _, err := client.Do(req); err == nil {
		t.Fatal("a one-minute Slow fault answered within the client's timeout")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestExpireTokenBefore(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: UsersPath, After: 1, Kind: ExpireTokenBefore})
	if r := e.get(UsersPath); r.status != 200 {
		t.Fatalf("first: %d", r.status)
	}
	r := e.get(UsersPath)
	if r.status != 401 || string(r.body) != `{"code":124,"message":"Access token is expired."}` {
		t.Fatalf("second: %d %s", r.status, r.body)
	}
	if r := e.getWith(UsersPath, e.mint()); r.status != 200 {
		t.Fatalf("with a new token: %d %s", r.status, r.body)
	}
}

func TestExpirePageTokenBefore(t *testing.T) {
	t.Parallel()
	e := setup(t, 50, Options{})
	e.srv.Inject(Fault{Path: UsersPath, After: 1, Kind: ExpirePageTokenBefore})
	tok := *e.page(UsersPath+"?page_size=10", "users").NextPageToken
	r := e.get(UsersPath + "?page_size=10&next_page_token=" + tok)
	if r.status != 400 || string(r.body) != wantBadPageToken {
		t.Fatalf("continuation: %d %s", r.status, r.body)
	}
	// Starting over works.
	if users, _ := e.walk(UsersPath, "users", 10); len(users) != 50 {
		t.Fatalf("restart listed %d users", len(users))
	}
}

func TestUsersChangingBetweenPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		kind       FaultKind
		n          int
		wantListed int // distinct users seen by a client paging after the fault
		wantDups   int
	}{
		{"insert repeats users", InsertUsers, 3, 40, 3},
		{"delete skips users", DeleteUsers, 2, 38, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 40, Options{})
			// The fault fires on the second page request: the first page is already read.
			e.srv.Inject(Fault{Path: UsersPath, After: 1, Kind: tc.kind, N: tc.n})
			users, _ := e.walk(UsersPath, "users", 10)
			seen := map[string]int{}
			for _, u := range users {
				seen[strField(u, "user_id")]++
			}
			dups := len(users) - len(seen)
			if dups != tc.wantDups {
				t.Fatalf("%d duplicates, want %d", dups, tc.wantDups)
			}
			if tc.kind == DeleteUsers && len(seen) != tc.wantListed {
				t.Fatalf("%d distinct users, want %d", len(seen), tc.wantListed)
			}
			total := e.page(UsersPath, "users").TotalRecords
			if want := 40 + map[FaultKind]int{InsertUsers: tc.n, DeleteUsers: -tc.n}[tc.kind]; total != want {
				t.Fatalf("total_records %d, want %d", total, want)
			}
			e.srv.SetDay(0)
			if total := e.page(UsersPath, "users").TotalRecords; total != 40 {
				t.Fatalf("after SetDay: %d users", total)
			}
		})
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	if Status5xx.String() != "Status5xx" || ExpirePageTokenBefore.String() != "ExpirePageTokenBefore" || FaultKind(99).String() != "FaultKind(99)" {
		t.Fatal("FaultKind.String")
	}
}

func TestPendingFaults(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: UsersPath, Kind: Status5xx, Times: 2})
	e.get(UsersPath)
	if n := e.srv.PendingFaults(); n != 1 {
		t.Fatalf("PendingFaults = %d", n)
	}
	e.get(UsersPath)
	if n := e.srv.PendingFaults(); n != 0 {
		t.Fatalf("PendingFaults = %d", n)
	}
}

func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{QPS: 1000})
	done := make(chan error)
	targets := []string{UsersPath + "?page_size=50", "/v2/contact_center/teams", "/v2/contact_center/queues",
		"/v2/contact_center/regions", "/v2/contact_center/roles"}
	for i := range 20 {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, e.ts.URL+targets[i%len(targets)], nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := e.ts.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = &statusError{resp.StatusCode}
				}
			}
			done <- err
		}()
		if i%7 == 0 {
			e.srv.SetDay(i % 3)
		}
	}
	for range 20 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }
