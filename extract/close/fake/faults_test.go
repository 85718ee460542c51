package fake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
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
		body        string // prefix
	}{
		{"500", Fault{Kind: Status5xx, Status: 500}, 500, "application/json", `{"error": "An internal server error occurred.`},
		{"502", Fault{Kind: Status5xx, Status: 502}, 502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title>"},
		{"503", Fault{Kind: Status5xx, Status: 503}, 503, "text/html", "<html>\r\n<head><title>503 Service Unavailable</title>"},
		{"503 by default", Fault{Kind: Status5xx}, 503, "text/html", "<html>"},
		{"504", Fault{Kind: Status5xx, Status: 504}, 504, "text/html", "<html>\r\n<head><title>504 Gateway Timeout</title>"},
		{"rate limited", Fault{Kind: RateLimited, RateReset: 2.5}, 429, "application/json",
			`{"error": {"message": "API call count exceeded for this 1 second window", "rate_reset": 2.500000, "rate_limit": 10000, "rate_window": 1, "rate_limit_type": "key", "rate_endpoint_group": "`},
		{"rate limited default reset", Fault{Kind: RateLimited}, 429, "application/json", `{"error": {"message": "API call count exceeded for this 1 second window", "rate_reset": 1.000000,`},
		{"rate limited zero reset", Fault{Kind: RateLimited, RateReset: -1}, 429, "application/json", `{"error": {"message": "API call count exceeded for this 1 second window", "rate_reset": 0.000000,`},
		{"non-JSON", Fault{Kind: NonJSON}, 200, "text/html; charset=utf-8", "<!DOCTYPE html>"},
		{"unauthorized", Fault{Kind: Unauthorized}, 401, "application/json", wantUnauthorized},
		{"forbidden", Fault{Kind: Forbidden}, 403, "application/json", `{"error": "You don't have permission to access this resource."}`},
		{"payment required", Fault{Kind: PaymentRequired}, 402, "application/json", `{"error": "Your organization's plan`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{RetryAfterHeader: true})
			tc.fault.Path = "/api/v1/user/"
			e.srv.Inject(tc.fault)
			r := e.get("/api/v1/user/")
			if r.status != tc.status || r.header.Get("Content-Type") != tc.contentType || !strings.HasPrefix(string(r.body), tc.body) {
				t.Fatalf("got %d %q %s\nwant %d %q %s", r.status, r.header.Get("Content-Type"), r.body, tc.status, tc.contentType, tc.body)
			}
			if tc.fault.Kind == RateLimited {
				wantRetry := map[float64]string{2.5: "3", 0: "1", -1: "0"}[tc.fault.RateReset]
				if r.header.Get("Retry-After") != wantRetry || !strings.HasPrefix(r.header.Get("RateLimit"), "limit=10000, remaining=0, reset="+wantRetry) {
					t.Fatalf("429 headers %v", r.header)
				}
			}
			if r := e.get("/api/v1/user/"); r.status != http.StatusOK {
				t.Fatalf("fault applied twice: %d", r.status)
			}
			if e.srv.PendingFaults() != 0 {
				t.Fatal("fault not used up")
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
		{"after and times", Fault{Path: "/api/v1/user/", After: 1, Times: 2, Kind: Status5xx},
			[]string{"/api/v1/user/", "/api/v1/user/", "/api/v1/user/", "/api/v1/user/"}, []int{200, 503, 503, 200}},
		{"other paths pass and do not count", Fault{Path: "/api/v1/user/", After: 1, Kind: Status5xx},
			[]string{"/api/v1/me/", "/api/v1/user/", "/api/v1/role/", "/api/v1/user/", "/api/v1/user/"}, []int{200, 200, 200, 503, 200}},
		{"any path", Fault{Kind: Forbidden, Times: 2},
			[]string{"/api/v1/role/", "/api/v1/me/", "/api/v1/me/"}, []int{403, 403, 200}},
		{"prefix", Fault{Path: "/api/v1/group/*", Kind: Status5xx, Status: 504},
			[]string{"/api/v1/user/", "/api/v1/group/", "/api/v1/group/"}, []int{200, 504, 200}},
		{"forever", Fault{Path: "/api/v1/me/", Kind: PaymentRequired, Times: -1},
			[]string{"/api/v1/me/", "/api/v1/me/", "/api/v1/user/", "/api/v1/me/"}, []int{402, 402, 200, 402}},
		{"before routing", Fault{Kind: Status5xx, Status: 500},
			[]string{"/nowhere", "/nowhere"}, []int{500, 404}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{})
			e.srv.Inject(tc.fault)
			var got []int
			for _, p := range tc.paths {
				got = append(got, e.get(p).status)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSlowFault(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Path: "/api/v1/user/", Kind: Slow, Delay: 150 * time.Millisecond})
	start := time.Now()
	if r := e.get("/api/v1/user/"); r.status != http.StatusOK {
		t.Fatalf("slow request: %d", r.status)
	}
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Fatalf("served in %v", elapsed)
	}
	// A client that gives up ends the wait.
	e.srv.Inject(Fault{Path: "/api/v1/user/", Kind: Slow, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.ts.URL+"/api/v1/user/", nil)
	req.Header.Set("Authorization", basicAuth(testKey))
	if _, err := e.ts.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled slow request: %v", err)
	}
}

func TestTruncateFault(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/api/v1/user/", "/api/v1/user/availability/", "/api/v1/nope/"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 50, Options{})
			full := e.get(path)
			e.srv.Inject(Fault{Path: path, Kind: Truncate})
			r := e.get(path)
			if r.status != full.status || !errors.Is(r.err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated reply: %d, read error %v", r.status, r.err)
			}
			if len(r.body) != len(full.body)/2 || string(r.body) != string(full.body[:len(full.body)/2]) {
				t.Fatalf("got %d bytes, want the first half of %d", len(r.body), len(full.body))
			}
			if again := e.get(path); again.err != nil || string(again.body) != string(full.body) {
				t.Fatal("the next reply is not whole")
			}
		})
	}
}

func TestEmptyPageHasMore(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/api/v1/user/", "/api/v1/role/", "/api/v1/group/"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 30, Options{})
			e.srv.Inject(Fault{Path: path, Kind: EmptyPageHasMore})
			r := e.get(path)
			if string(r.body) != `{"data": [], "has_more": true}` {
				t.Fatalf("got %s", r.body)
			}
			if p := e.page(path); len(p.Data) == 0 {
				t.Fatal("the next page is empty too")
			}
		})
	}
}

func TestInsertUsersShiftsPagesForward(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, Options{})
	first := e.page(usersPath(0, 10))
	e.srv.Inject(Fault{Path: "/api/v1/user/", Kind: InsertUsers, N: 3})
	second := e.page(usersPath(10, 10))
	// Three users were inserted before the first page: the second page starts with the
	// last three users of the first.
	if got, want := userIDs(second)[:3], userIDs(first)[7:]; !slices.Equal(got, want) {
		t.Fatalf("second page starts with %v, want the repeated %v", got, want)
	}
	front := e.page(usersPath(0, 3))
	if len(front.Data) != 3 {
		t.Fatal("no front page")
	}
	for _, u := range front.Data {
		id := u["id"].(string)
		if slices.Contains(userIDs(first), id) {
			t.Fatalf("inserted user %s was already listed", id)
		}
		if r := e.get("/api/v1/user/" + id + "/"); r.status != http.StatusOK {
			t.Fatalf("inserted user %s not found: %d", id, r.status)
		}
	}
	all := e.page(usersPath(0, 1000))
	if len(all.Data) != 43 {
		t.Fatalf("%d users after inserting 3 into 40", len(all.Data))
	}
	org := e.get("/api/v1/organization/" + e.srv.OrgID() + "/").json(t)
	if n := len(org["memberships"].([]any)) + len(org["inactive_memberships"].([]any)); n != 43 {
		t.Fatalf("%d memberships", n)
	}
	e.srv.SetDay(0)
	if n := len(e.page(usersPath(0, 1000)).Data); n != 40 {
		t.Fatalf("SetDay kept inserted users: %d", n)
	}
}

func TestDeleteUsersShiftsPagesBackward(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, Options{})
	all := userIDs(e.page(usersPath(0, 1000)))
	first := e.page(usersPath(0, 10))
	e.srv.Inject(Fault{Path: "/api/v1/user/", Kind: DeleteUsers, N: 3})
	second := e.page(usersPath(10, 10))
	// Three users before the page boundary are gone (never the owner, who comes first):
	// the second page starts three users later and users 10-12 are never seen.
	if got, want := userIDs(second), all[13:23]; !slices.Equal(got, want) {
		t.Fatalf("second page %v, want %v", got, want)
	}
	if owner := e.srv.UserID(e.pop.OwnerID()); userIDs(first)[0] != owner || e.get("/api/v1/user/"+owner+"/").status != http.StatusOK {
		t.Fatal("the owner was deleted")
	}
	if r := e.get("/api/v1/user/" + all[1] + "/"); r.status != http.StatusNotFound {
		t.Fatalf("deleted user still served: %d", r.status)
	}
	// Inserted users are deleted first.
	e.srv.Inject(Fault{Kind: InsertUsers, N: 2})
	e.srv.Inject(Fault{Kind: DeleteUsers, N: 2})
	if got := userIDs(e.page(usersPath(0, 1000))); len(got) != 37 || got[0] != all[0] {
		t.Fatalf("after insert 2 + delete 2: %d users starting %v", len(got), got[:1])
	}
}

func TestInjectIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				kind := []FaultKind{InsertUsers, DeleteUsers, Status5xx, EmptyPageHasMore}[(g+i)%4]
				e.srv.Inject(Fault{Kind: kind, N: 1})
				r := e.get(usersPath(i*5, 5))
				if r.status == http.StatusOK {
					var p page
					if err := json.Unmarshal(r.body, &p); err != nil {
						t.Errorf("bad page: %v", err)
					}
				}
				if g%3 == 0 {
					e.srv.SetDay(i % 2)
				}
			}
		}()
	}
	wg.Wait()
	if n := e.srv.Requests()["/api/v1/user/"]; n != 80 {
		t.Fatalf("%d requests counted, want 80", n)
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	if Truncate.String() != "Truncate" || FaultKind(99).String() != "FaultKind(99)" {
		t.Fatal("FaultKind.String")
	}
}
