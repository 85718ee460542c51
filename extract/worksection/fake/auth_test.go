package fake

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const hashError = `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`

func TestHashVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params, want string
	}{
		// Worksection's documented example (providers/worksection.md, section 2a).
		{"documented get_tasks", "action=get_tasks&id_project=26", "ec3ab2c28f21b4a07424f8ed688d6644"},
		// The doc's derived vector for this project.
		{"get_users", "action=get_users", "82d6b87d8d0b3ca3a91506adfc42751d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := queryHash(tc.params, "7776461cd931e7b1c8e9632ff8e979ce"); got != tc.want {
				t.Fatalf("queryHash(%q) = %s, want %s", tc.params, got, tc.want)
			}
		})
	}
	// The same vectors over HTTP, against a default Server (DefaultAPIKey is the doc's key).
	e := setup(t, 20, Options{})
	r := e.do(http.MethodGet, "/api/admin/v2/?action=get_users&hash=82d6b87d8d0b3ca3a91506adfc42751d", "", nil)
	if env := r.envelope(t); env.Status != "ok" || len(env.Data) == 0 {
		t.Fatalf("get_users with the doc's hash: %s", r.body)
	}
	// get_tasks is not implemented, but the hash passes: the reply is about the action.
	r = e.do(http.MethodGet, "/api/admin/v2/?action=get_tasks&id_project=26&hash=ec3ab2c28f21b4a07424f8ed688d6644", "", nil)
	if env := r.envelope(t); env.StatusCode != codeUnknownAction {
		t.Fatalf("get_tasks with the doc's hash: %s", r.body)
	}
}

func TestHashChecking(t *testing.T) {
	t.Parallel()
	const key = "k-123"
	good := queryHash("action=get_users", key)
	tests := []struct {
		name, method, target, body string
		ok                         bool
	}{
		{"signed query", "GET", "?" + signed("action=get_users", key), "", true},
		{"without trailing slash", "GET", "NOSLASH?" + signed("action=get_users", key), "", true},
		{"missing hash", "GET", "?action=get_users", "", false},
		{"empty hash", "GET", "?action=get_users&hash=", "", false},
		{"wrong hash", "GET", "?action=get_users&hash=" + queryHash("action=get_users", "other"), "", false},
		{"upper-case hex", "GET", "?action=get_users&hash=" + strings.ToUpper(good), "", false},
		{"two hashes", "GET", "?action=get_users&hash=" + good + "&hash=" + good, "", false},
		{"hash first", "GET", "?hash=" + good + "&action=get_users", "", true},
		{"hash in the middle signs the rest", "GET", "?action=get_users&hash=" + queryHash("action=get_users&x=1", key) + "&x=1", "", true},
		{"extra parameter is signed", "GET", "?action=get_users&x=1&hash=" + good, "", false},
		{"order matters", "GET", "?x=1&action=get_users&hash=" + queryHash("action=get_users&x=1", key), "", false},
		{"encoding matters", "GET", "?action=get_users&q=a%20b&hash=" + queryHash("action=get_users&q=a+b", key), "", false},
		{"plus as sent", "GET", "?" + signed("action=get_users&q=a+b", key), "", true},
		{"legacy rule is off by default", "GET", "?action=get_users&hash=" + legacyHash("", "get_users", key), "", false},
		{"post form", "POST", "", signed("action=get_users", key), true},
		{"post form with a wrong hash", "POST", "", "action=get_users&hash=" + queryHash("action=get_users", "x"), false},
		{"post with signed query", "POST", "?" + signed("action=get_users", key), "", true},
		{"post without hash", "POST", "", "action=get_users", false},
	}
	e := setup(t, 20, Options{APIKey: key})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := Path + tc.target
			if rest, ok := strings.CutPrefix(tc.target, "NOSLASH"); ok {
				target = strings.TrimSuffix(Path, "/") + rest
			}
			r := e.do(tc.method, target, tc.body, nil)
			if r.status != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.status, r.body)
			}
			if got := string(r.body) != hashError; got != tc.ok {
				t.Fatalf("accepted %v, want %v: %.200s", got, tc.ok, r.body)
			}
			if tc.ok && r.envelope(t).Status != "ok" {
				t.Fatalf("accepted but %s", r.body)
			}
		})
	}
}

func TestHashErrorStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{HashErrorStatus: http.StatusUnauthorized})
	r := e.do(http.MethodGet, Path+"?action=get_users&hash=nope", "", nil)
	if r.status != http.StatusUnauthorized || string(r.body) != hashError {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if r := e.call("action=get_users"); r.status != http.StatusOK {
		t.Fatalf("valid hash: %d", r.status)
	}
}

func TestLegacyHash(t *testing.T) {
	t.Parallel()
	const key = "legacy-key"
	e := setup(t, 20, Options{APIKey: key, LegacyHash: true})
	tests := []struct {
		name, query string
		ok          bool
	}{
		{"md5(action+key)", "action=get_users&hash=" + legacyHash("", "get_users", key), true},
		{"md5(page+action+key)", "action=get_user_groups&page=%2Fproject%2F1%2F&hash=" + legacyHash("/project/1/", "get_user_groups", key), true},
		{"the current rule still works", signed("action=get_users", key), true},
		{"wrong key", "action=get_users&hash=" + legacyHash("", "get_users", "x"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(http.MethodGet, Path+"?"+tc.query, "", nil)
			if got := r.envelope(t).Status == "ok"; got != tc.ok {
				t.Fatalf("accepted %v, want %v: %.200s", got, tc.ok, r.body)
			}
		})
	}
}

func TestAdminHeaderAuth(t *testing.T) {
	t.Parallel()
	const key = "hmac-key"
	clk := newClock()
	now := clk.Now().Unix()
	header := func(action string, ts int64, k string) http.Header {
		s := strconv.FormatInt(ts, 10)
		return http.Header{"Authorization": {"Admin " + s + "_" + adminHeaderSignature(action, s, k)}}
	}
	tests := []struct {
		name   string
		opts   Options
		method string
		query  string
		header http.Header
		ok     bool
	}{
		{"valid", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_users", now, key), true},
		{"valid GET", Options{AdminHeaderAuth: true}, "GET", "action=get_user_groups", header("get_user_groups", now, key), true},
		{"within the window", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_users", now-299, key), true},
		{"stale", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_users", now-301, key), false},
		{"from the future", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_users", now+301, key), false},
		{"signed for another action", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_user_groups", now, key), false},
		{"wrong key", Options{AdminHeaderAuth: true}, "POST", "action=get_users", header("get_users", now, "x"), false},
		{"malformed", Options{AdminHeaderAuth: true}, "POST", "action=get_users", http.Header{"Authorization": {"Admin nonsense"}}, false},
		{"off by default", Options{}, "POST", "action=get_users", header("get_users", now, key), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.APIKey, tc.opts.Now = key, clk.Now
			e := setup(t, 20, tc.opts)
			h := tc.header.Clone()
			h.Set("Content-Type", "application/json")
			r := e.do(tc.method, Path+"?"+tc.query, "{}", h)
			if got := r.envelope(t).Status == "ok"; got != tc.ok {
				t.Fatalf("accepted %v, want %v: %.200s", got, tc.ok, r.body)
			}
		})
	}
}
