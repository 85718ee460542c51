package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

const wantInvalidClient = `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`

func TestTokenEndpointChecks(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	good := tokenForm(DefaultAccountID)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	withBasic := func(h http.Header, id, secret string) http.Header {
		out := h.Clone()
		if out == nil {
			out = http.Header{}
		}
		out.Set("Authorization", "Basic "+basic64(id+":"+secret))
		return out
	}
	ok := withBasic(form, DefaultClientID, DefaultClientSecret)
	tests := []struct {
		name, method, target, body string
		header                     http.Header
		status                     int
		want                       string // exact body, or "" to check only the error code
		wantError                  string
	}{
		{"valid", http.MethodPost, TokenPath, good, ok, 200, "", ""},
		{"wrong secret", http.MethodPost, TokenPath, good, withBasic(form, DefaultClientID, "nope"), 401, wantInvalidClient, ""},
		{"wrong client id", http.MethodPost, TokenPath, good, withBasic(form, "other", DefaultClientSecret), 401, wantInvalidClient, ""},
		{"no basic auth", http.MethodPost, TokenPath, good, form, 401, wantInvalidClient, ""},
		{"bearer instead of basic", http.MethodPost, TokenPath, good, http.Header{"Authorization": {"Bearer " + DefaultClientSecret}, "Content-Type": form["Content-Type"]}, 401, wantInvalidClient, ""},
		{"params in the query string", http.MethodPost, TokenPath + "?" + good, "", ok, 400, "", "invalid_request"},
		{"params in both", http.MethodPost, TokenPath + "?" + good, good, ok, 400, "", "invalid_request"},
		{"unsupported grant", http.MethodPost, TokenPath, "grant_type=client_credentials&account_id=" + DefaultAccountID, ok, 400, "", "unsupported_grant_type"},
		{"missing grant", http.MethodPost, TokenPath, "account_id=" + DefaultAccountID, ok, 400, "", "unsupported_grant_type"},
		{"json body", http.MethodPost, TokenPath, `{"grant_type":"account_credentials"}`, withBasic(http.Header{"Content-Type": {"application/json"}}, DefaultClientID, DefaultClientSecret), 400, "", "unsupported_grant_type"},
		{"missing account id", http.MethodPost, TokenPath, "grant_type=account_credentials", ok, 400, "", "invalid_request"},
		{"wrong account id", http.MethodPost, TokenPath, tokenForm("someone-else"), ok, 400, "", "invalid_request"},
		{"GET", http.MethodGet, TokenPath, "", ok, 405, "", "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(tc.method, tc.target, tc.body, tc.header)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.want != "" && string(r.body) != tc.want {
				t.Fatalf("body %s, want %s", r.body, tc.want)
			}
			m := r.json(t)
			if tc.wantError != "" && (m["error"] != tc.wantError || strField(m, "reason") == "") {
				t.Fatalf("body %s, want error %q with a reason", r.body, tc.wantError)
			}
		})
	}
}

func TestTokenReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        Options
		wantExpires float64
		wantAPIURL  string // "" = the fake's own URL
	}{
		{"defaults", Options{}, 3599, ""},
		{"short ttl", Options{TokenTTL: 5 * time.Second}, 5, ""},
		{"zoom api_url", Options{APIURL: DefaultAPIURL}, 3599, DefaultAPIURL},
		{"own credentials", Options{AccountID: "acct", ClientID: "cid", ClientSecret: "sec"}, 3599, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, tc.opts)
			r := e.tokenRequest(e.srv.ClientID(), e.srv.ClientSecret(), tokenForm(e.srv.AccountID()))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			m := r.json(t)
			want := tc.wantAPIURL
			if want == "" {
				want = e.ts.URL
			}
			if m["token_type"] != "bearer" || m["expires_in"] != tc.wantExpires || m["api_url"] != want ||
				!strings.Contains(strField(m, "scope"), ScopeUser) {
				t.Fatalf("reply %s", r.body)
			}
			keys := []string{"access_token", "token_type", "expires_in", "scope", "api_url"}
			if len(m) != len(keys) {
				t.Fatalf("keys of %s, want %v", r.body, keys)
			}
			// The token looks like Zoom's: a JWT whose payload names the account.
			parts := strings.Split(strField(m, "access_token"), ".")
			if len(parts) != 3 {
				t.Fatalf("token %q is not a JWT", m["access_token"])
			}
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			if claims["aid"] != e.srv.AccountID() || claims["iss"] != "zm:cid:"+e.srv.ClientID() {
				t.Fatalf("claims %s", payload)
			}
			if got := e.get(UsersPath); got.status != 200 {
				t.Fatalf("API with the minted token: %d %s", got.status, got.body)
			}
		})
	}
}

func TestTokensAreUnique(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	seen := map[string]bool{e.token: true}
	for range 20 {
		tok := e.mint()
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
}

func TestTokenExpiresAfterTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		advance time.Duration
		status  int
	}{
		{"just before", 5*time.Second - time.Millisecond, 200},
		{"at ttl", 5 * time.Second, 401},
		{"long after", time.Hour, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{TokenTTL: 5 * time.Second})
			e.clock.advance(tc.advance)
			r := e.get(UsersPath)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 401 && string(r.body) != `{"code":124,"message":"Access token is expired."}` {
				t.Fatalf("body %s", r.body)
			}
			if tc.status == 401 {
				if fresh := e.getWith(UsersPath, e.mint()); fresh.status != 200 {
					t.Fatalf("re-minted token: %d %s", fresh.status, fresh.body)
				}
			}
		})
	}
}

func TestExpireTokens(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	second := e.mint()
	e.srv.ExpireTokens()
	for _, tok := range []string{e.token, second} {
		if r := e.getWith(UsersPath, tok); r.status != 401 || string(r.body) != `{"code":124,"message":"Access token is expired."}` {
			t.Fatalf("expired token: %d %s", r.status, r.body)
		}
	}
	if r := e.getWith(UsersPath, e.mint()); r.status != 200 {
		t.Fatalf("token minted after ExpireTokens: %d %s", r.status, r.body)
	}
}

func TestNewTokenInvalidatesOld(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		invalid   bool
		oldStatus int
	}{
		{"tokens coexist", false, 200},
		{"new token invalidates the old", true, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{NewTokenInvalidatesOld: tc.invalid})
			old := e.token
			fresh := e.mint()
			r := e.getWith(UsersPath, old)
			if r.status != tc.oldStatus {
				t.Fatalf("old token: %d, want %d: %s", r.status, tc.oldStatus, r.body)
			}
			if tc.oldStatus == 401 && string(r.body) != `{"code":124,"message":"Invalid access token."}` {
				t.Fatalf("body %s", r.body)
			}
			if r := e.getWith(UsersPath, fresh); r.status != 200 {
				t.Fatalf("new token: %d %s", r.status, r.body)
			}
		})
	}
}
