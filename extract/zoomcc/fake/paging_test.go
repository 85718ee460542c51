package fake

import (
	"net/url"
	"strconv"
	"testing"
	"time"
)

const wantBadPageToken = `{"code":300,"message":"The next page token is invalid or expired."}`

func TestPageSize(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	clamp := setup(t, 400, Options{ClampPageSize: true})
	tests := []struct {
		name   string
		env    *env
		target string
		status int
		size   int
	}{
		{"users default", e, UsersPath, 200, 30},
		{"users min", e, UsersPath + "?page_size=1", 200, 1},
		{"users max", e, UsersPath + "?page_size=300", 200, 300},
		{"users zero", e, UsersPath + "?page_size=0", 400, 0},
		{"users negative", e, UsersPath + "?page_size=-5", 400, 0},
		{"users above max", e, UsersPath + "?page_size=301", 400, 0},
		{"users not a number", e, UsersPath + "?page_size=ten", 400, 0},
		{"users clamp zero", clamp, UsersPath + "?page_size=0", 200, 1},
		{"users clamp above max", clamp, UsersPath + "?page_size=1000", 200, 300},
		{"users clamp keeps valid", clamp, UsersPath + "?page_size=77", 200, 77},
		{"users clamp does not fix garbage", clamp, UsersPath + "?page_size=ten", 400, 0},
		{"teams default", e, "/v2/contact_center/teams", 200, 10},
		{"teams max", e, "/v2/contact_center/teams?page_size=100", 200, 100},
		{"teams above max", e, "/v2/contact_center/teams?page_size=101", 400, 0},
		{"regions users default", e, "/v2/contact_center/regions/" + e.srv.RegionID("Europe") + "/users", 200, 10},
		{"regions users above max", e, "/v2/contact_center/regions/" + e.srv.RegionID("Europe") + "/users?page_size=101", 400, 0},
		{"role users max", e, "/v2/contact_center/roles/" + e.srv.RoleID("Agent") + "/users?page_size=300", 200, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.env.get(tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			m := r.json(t)
			if tc.status == 400 {
				if m["code"] != float64(300) {
					t.Fatalf("400 body %s, want code 300", r.body)
				}
				return
			}
			if m["page_size"] != float64(tc.size) {
				t.Fatalf("page_size %v, want %d", m["page_size"], tc.size)
			}
		})
	}
}

func TestPagingWalksEveryUserOnce(t *testing.T) {
	t.Parallel()
	const size = 90
	e := setup(t, size, Options{})
	total := len(e.pop.Day(0).People)
	if total != size {
		t.Fatalf("day 0 lists %d people, want %d", total, size)
	}
	tests := []struct {
		pageSize, requests int
	}{
		{1, 90},
		{7, 13},
		{30, 3},  // exact multiple: the last full page has an empty token
		{45, 2},  // exact multiple
		{90, 1},  // everything on one full page
		{100, 1}, // one partial page
		{300, 1},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.pageSize), func(t *testing.T) {
			t.Parallel()
			users, requests := e.walk(UsersPath, "users", tc.pageSize)
			if requests != tc.requests {
				t.Fatalf("%d requests, want %d", requests, tc.requests)
			}
			seen := map[string]bool{}
			for _, u := range users {
				id := strField(u, "user_id")
				if seen[id] {
					t.Fatalf("user %s listed twice", id)
				}
				seen[id] = true
			}
			if len(seen) != total {
				t.Fatalf("%d users, want %d", len(seen), total)
			}
		})
	}
}

func TestPageReplyShape(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	first := e.page(UsersPath+"?page_size=50", "users")
	if first.TotalRecords != 60 || first.PageSize != 50 || len(first.Items) != 50 || *first.NextPageToken == "" {
		t.Fatalf("first page: total %d, size %d, %d items, token %q", first.TotalRecords, first.PageSize, len(first.Items), *first.NextPageToken)
	}
	if tok := *first.NextPageToken; len(tok) != pageTokenLen || !isAlnum(tok) {
		t.Fatalf("token %q is not %d letters and digits", tok, pageTokenLen)
	}
	last := e.page(UsersPath+"?page_size=50&next_page_token="+*first.NextPageToken, "users")
	if last.TotalRecords != 60 || len(last.Items) != 10 || *last.NextPageToken != "" {
		t.Fatalf("last page: total %d, %d items, token %q", last.TotalRecords, len(last.Items), *last.NextPageToken)
	}
	empty := e.get(UsersPath + "?search_key=nobody-has-this-name")
	if string(empty.body) != `{"next_page_token":"","page_size":30,"total_records":0,"users":[]}` {
		t.Fatalf("empty result: %s", empty.body)
	}
}

func isAlnum(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func TestPageTokenExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ttl     time.Duration
		advance time.Duration
		status  int
	}{
		{"fresh", 0, 0, 200},
		{"just before 15 minutes", 0, 15*time.Minute - time.Millisecond, 200},
		{"at 15 minutes", 0, 15 * time.Minute, 400},
		{"custom ttl, before", 2 * time.Second, time.Second, 200},
		{"custom ttl, after", 2 * time.Second, 2 * time.Second, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 50, Options{PageTokenTTL: tc.ttl, TokenTTL: 24 * time.Hour})
			tok := *e.page(UsersPath+"?page_size=10", "users").NextPageToken
			e.clock.advance(tc.advance)
			r := e.get(UsersPath + "?page_size=10&next_page_token=" + tok)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 400 && string(r.body) != wantBadPageToken {
				t.Fatalf("body %s", r.body)
			}
		})
	}
}

func TestPageTokenBinding(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	tokenOf := func(target string) string {
		t.Helper()
		tok := *e.page(target, "users").NextPageToken
		if tok == "" {
			t.Fatalf("%s has one page", target)
		}
		return tok
	}
	plain := tokenOf(UsersPath + "?page_size=5")
	active := tokenOf(UsersPath + "?page_size=5&user_access=active")
	europe := e.srv.RegionID("Europe")
	regional := tokenOf(UsersPath + "?page_size=5&region_id=" + europe)
	teams := *e.page("/v2/contact_center/teams?page_size=2", "teams").NextPageToken
	tampered := []byte(plain)
	if tampered[5] == 'A' {
		tampered[5] = 'B'
	} else {
		tampered[5] = 'A'
	}
	tests := []struct {
		name, target string
		status       int
	}{
		{"same filters", UsersPath + "?page_size=5&next_page_token=" + plain, 200},
		{"same filters, other page size", UsersPath + "?page_size=50&next_page_token=" + plain, 200},
		{"same filters in another order", UsersPath + "?next_page_token=" + active + "&user_access=active&page_size=5", 200},
		{"filter added", UsersPath + "?page_size=5&user_access=active&next_page_token=" + plain, 400},
		{"filter dropped", UsersPath + "?page_size=5&next_page_token=" + active, 400},
		{"filter changed", UsersPath + "?page_size=5&user_access=inactive&next_page_token=" + active, 400},
		{"other region", UsersPath + "?page_size=5&region_id=" + e.srv.RegionID("APAC") + "&next_page_token=" + regional, 400},
		{"search added", UsersPath + "?page_size=5&search_key=a&next_page_token=" + plain, 400},
		{"token of another endpoint", UsersPath + "?page_size=5&next_page_token=" + teams, 400},
		{"users token on teams", "/v2/contact_center/teams?next_page_token=" + plain, 400},
		{"garbage", UsersPath + "?next_page_token=garbage", 400},
		{"tampered", UsersPath + "?page_size=5&next_page_token=" + string(tampered), 400},
		{"not base62", UsersPath + "?next_page_token=" + url.QueryEscape(plain[:43]+"-"), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.get(tc.target)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 400 && string(r.body) != wantBadPageToken {
				t.Fatalf("body %s", r.body)
			}
		})
	}
}

func TestPageTokenOfAnotherServerIsRejected(t *testing.T) {
	t.Parallel()
	a := setup(t, 50, Options{})
	b := &env{t: t, pop: newPopSeed(testSeed+1, 50), clock: a.clock}
	b.srv = New(b.pop, Options{Now: a.clock.Now})
	tok := *a.page(UsersPath+"?page_size=10", "users").NextPageToken
	if _, ok := b.srv.readPageToken(tok, 0); ok {
		t.Fatal("another seed's token was accepted")
	}
}

func TestExpirePageTokens(t *testing.T) {
	t.Parallel()
	e := setup(t, 50, Options{})
	tok := *e.page(UsersPath+"?page_size=10", "users").NextPageToken
	e.srv.ExpirePageTokens()
	if r := e.get(UsersPath + "?page_size=10&next_page_token=" + tok); r.status != 400 || string(r.body) != wantBadPageToken {
		t.Fatalf("expired page token: %d %s", r.status, r.body)
	}
	// A new listing works and its tokens are valid.
	fresh := *e.page(UsersPath+"?page_size=10", "users").NextPageToken
	if r := e.get(UsersPath + "?page_size=10&next_page_token=" + fresh); r.status != 200 {
		t.Fatalf("token issued after ExpirePageTokens: %d %s", r.status, r.body)
	}
}

func TestRelatedListsPage(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	p, _ := e.pop.Day(0).Person(e.pop.OwnerID())
	tests := []struct {
		name, target, key string
		pageSize          int
	}{
		{"teams", "/v2/contact_center/teams", "teams", 3},
		{"roles", "/v2/contact_center/roles", "roles", 2},
		{"regions", "/v2/contact_center/regions", "regions", 1},
		{"queues", "/v2/contact_center/queues", "queues", 3},
		{"statuses", "/v2/contact_center/system_statuses", "statuses", 5},
		{"team agents", "/v2/contact_center/teams/" + e.srv.TeamID(p.Team) + "/agents", "agents", 4},
		{"region users", "/v2/contact_center/regions/" + e.srv.RegionID(p.Region) + "/users", "users", 7},
		{"queue agents", "/v2/contact_center/queues/" + e.srv.QueueID("Support L1") + "/agents", "agents", 6},
		{"role users", "/v2/contact_center/roles/" + e.srv.RoleID("Agent") + "/users", "users", 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			whole := e.page(tc.target+"?page_size=100", tc.key)
			if whole.TotalRecords <= tc.pageSize {
				t.Fatalf("only %d records: pick a smaller page size", whole.TotalRecords)
			}
			items, requests := e.walk(tc.target, tc.key, tc.pageSize)
			if len(items) != whole.TotalRecords {
				t.Fatalf("%d items, total_records %d", len(items), whole.TotalRecords)
			}
			if want := (whole.TotalRecords + tc.pageSize - 1) / tc.pageSize; requests != want {
				t.Fatalf("%d requests, want %d", requests, want)
			}
		})
	}
}
