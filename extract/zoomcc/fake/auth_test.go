package fake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const (
	wantInvalidToken = `{"code":124,"message":"Invalid access token."}`
	wantTokenInQuery = `{"code":124,"message":"Invalid access token, this access token is not supported as query parameter string."}`
)

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	tests := []struct {
		name, target, authorization string
		status                      int
		want                        string
	}{
		{"bearer", UsersPath, "Bearer " + e.token, 200, ""},
		{"lower-case scheme", UsersPath, "bearer " + e.token, 200, ""},
		{"no header", UsersPath, "", 401, wantInvalidToken},
		{"garbage token", UsersPath, "Bearer garbage", 401, wantInvalidToken},
		{"truncated token", UsersPath, "Bearer " + e.token[:len(e.token)-2], 401, wantInvalidToken},
		{"basic", UsersPath, "Basic " + basic64(DefaultClientID+":"+DefaultClientSecret), 401, wantInvalidToken},
		{"bare token", UsersPath, e.token, 401, wantInvalidToken},
		{"token in query", UsersPath + "?access_token=" + e.token, "", 401, wantTokenInQuery},
		{"token in query and header", UsersPath + "?access_token=" + e.token, "Bearer " + e.token, 401, wantTokenInQuery},
		{"empty access_token parameter", UsersPath + "?access_token=", "Bearer " + e.token, 401, wantTokenInQuery},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.authorization != "" {
				h.Set("Authorization", tc.authorization)
			}
			r := e.do(http.MethodGet, tc.target, "", h)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.want != "" && string(r.body) != tc.want {
				t.Fatalf("body %s, want %s", r.body, tc.want)
			}
		})
	}
}

func TestMissingScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		malformed bool
		want      string
	}{
		{"well-formed", false, `{"code":4711,"message":"Invalid access token, does not contain scopes:[contact_center_user:read:admin]."}`},
		{"unescaped quotes", true, `{"code":4711,"message":"Invalid access token, does not contain scopes:["contact_center_user:read:admin"]."}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{Scopes: []string{ScopeTeam}, MalformedScopeError: tc.malformed})
			r := e.get(UsersPath)
			if r.status != 400 || string(r.body) != tc.want {
				t.Fatalf("users: %d %s, want 400 %s", r.status, r.body, tc.want)
			}
			if valid := json.Valid(r.body); valid == tc.malformed {
				t.Fatalf("json.Valid = %v", valid)
			}
			if r := e.get("/v2/contact_center/teams"); r.status != 200 {
				t.Fatalf("teams with the team scope: %d %s", r.status, r.body)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, Options{})
	owner := e.srv.UserID(e.pop.OwnerID())
	p, _ := e.pop.Day(0).Person(e.pop.OwnerID())
	team := e.srv.TeamID(p.Team)
	queue := e.srv.QueueID("Billing")
	region := e.srv.RegionID(p.Region)
	role := e.srv.RoleID("Agent")
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", UsersPath, 200},
		{"GET", UsersPath + "/" + owner, 200},
		{"GET", UsersPath + "/" + owner + "/queues", 200},
		{"GET", "/v2/contact_center/roles", 200},
		{"GET", "/v2/contact_center/roles/" + role + "/users", 200},
		{"GET", "/v2/contact_center/teams", 200},
		{"GET", "/v2/contact_center/teams/" + team, 200},
		{"GET", "/v2/contact_center/teams/" + team + "/agents", 200},
		{"GET", "/v2/contact_center/teams/" + team + "/supervisors", 200},
		{"GET", "/v2/contact_center/teams/" + team + "/children", 200},
		{"GET", "/v2/contact_center/teams/" + team + "/parents", 200},
		{"GET", "/v2/contact_center/regions", 200},
		{"GET", "/v2/contact_center/regions/" + region + "/users", 200},
		{"GET", "/v2/contact_center/queues", 200},
		{"GET", "/v2/contact_center/queues/" + queue, 200},
		{"GET", "/v2/contact_center/queues/" + queue + "/agents", 200},
		{"GET", "/v2/contact_center/queues/" + queue + "/supervisors", 200},
		{"GET", "/v2/contact_center/system_statuses", 200},
		{"GET", UsersPath + "/", 404},
		{"GET", "/v2/contact_center/", 404},
		{"GET", "/v2/contact_center//users", 404},
		{"GET", "/v2/contact_center/skills", 404},
		{"GET", "/v2/contact_center/teams/" + team + "/members", 404},
		{"GET", "/v2/users", 404},
		{"GET", "/contact_center/users", 404},
		{"POST", UsersPath, 405},
		{"DELETE", UsersPath + "/" + owner, 405},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.do(tc.method, tc.path, "", http.Header{"Authorization": {"Bearer " + e.token}})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			r.json(t)
		})
	}
}

func TestUnknownObjectsAre404(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{})
	valid := e.srv.UserID(e.pop.OwnerID())
	last := "A"
	if strings.HasSuffix(valid, "A") {
		last = "Q"
	}
	tampered := valid[:len(valid)-1] + last
	unlisted := e.srv.UserID(999999)
	tests := []struct{ path, want string }{
		{UsersPath + "/nosuchuser", `{"code":1001,"message":"User does not exist: nosuchuser."}`},
		{UsersPath + "/" + tampered, `{"code":1001,"message":"User does not exist: ` + tampered + `."}`},
		{UsersPath + "/" + unlisted, `{"code":1001,"message":"User does not exist: ` + unlisted + `."}`},
		{UsersPath + "/" + unlisted + "/queues", `{"code":1001,"message":"User does not exist: ` + unlisted + `."}`},
		{"/v2/contact_center/teams/nope", `{"code":1001,"message":"Team does not exist: nope."}`},
		{"/v2/contact_center/teams/nope/agents", `{"code":1001,"message":"Team does not exist: nope."}`},
		{"/v2/contact_center/queues/nope", `{"code":1001,"message":"Queue does not exist: nope."}`},
		{"/v2/contact_center/queues/nope/agents", `{"code":1001,"message":"Queue does not exist: nope."}`},
		{"/v2/contact_center/roles/nope/users", `{"code":1001,"message":"Role does not exist: nope."}`},
		{"/v2/contact_center/regions/nope/users", `{"code":1001,"message":"Region does not exist: nope."}`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.get(tc.path)
			if r.status != 404 || string(r.body) != tc.want {
				t.Fatalf("%d %s, want 404 %s", r.status, r.body, tc.want)
			}
		})
	}
}

func TestUserIDs(t *testing.T) {
	t.Parallel()
	srv := New(newPop(30), Options{})
	for _, id := range []int{1, 2, 30, 999999, 1 << 40, 1<<40 + 7} {
		uid := srv.UserID(id)
		if len(uid) != 22 || strings.Trim(uid, base64URLAlphabet) != "" {
			t.Fatalf("UserID(%d) = %q, want 22 base64url characters", id, uid)
		}
		if got, ok := srv.PersonID(uid); !ok || got != id {
			t.Fatalf("PersonID(UserID(%d)) = %d, %v", id, got, ok)
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 22), srv.UserID(5) + "x", "IGTRVt3gQ2i-WjoUIjeZxw"} {
		if id, ok := srv.PersonID(bad); ok {
			t.Fatalf("PersonID(%q) = %d, want rejection", bad, id)
		}
	}
	other := New(newPopSeed(31, 30), Options{})
	if _, ok := other.PersonID(srv.UserID(5)); ok {
		t.Fatal("a user id of another seed was accepted")
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
