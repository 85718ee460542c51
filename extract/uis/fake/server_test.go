package fake

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEnvelopeErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{})
	tests := []struct {
		name     string
		body     string
		code     int
		mnemonic string
		id       any
	}{
		{"invalid JSON", `{"jsonrpc":"2.0",`, -32700, "parse_error", nil},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"get.account","params":{}}]`, -32099, "batch_opreations_not_supported", nil},
		{"not an object", `42`, -32600, "invalid_request", nil},
		{"no jsonrpc", `{"id":1,"method":"get.account","params":{}}`, -32600, "invalid_request", 1.0},
		{"wrong jsonrpc", `{"jsonrpc":"1.0","id":1,"method":"get.account","params":{}}`, -32600, "invalid_request", 1.0},
		{"notification", `{"jsonrpc":"2.0","method":"get.account","params":{}}`, -32099, "notifications_not_supported", nil},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"get.account","params":{}}`, -32600, "invalid_request", nil},
		{"no method", `{"jsonrpc":"2.0","id":"a","params":{}}`, -32600, "invalid_request", "a"},
		{"params array", `{"jsonrpc":"2.0","id":"a","method":"get.account","params":[1]}`, -32600, "invalid_request", "a"},
		{"unknown method", `{"jsonrpc":"2.0","id":7,"method":"get.nothing","params":{}}`, -32601, "method_not_found", 7.0},
		{"no params", `{"jsonrpc":"2.0","id":7,"method":"get.account"}`, -32602, "required_parameter_missed", 7.0},
		{"token not a string", `{"jsonrpc":"2.0","id":7,"method":"get.account","params":{"access_token":5}}`, -32602, "data_type_error", 7.0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := decodeReply(t, e.post("/", []byte(tc.body)))
			code, mn := rpcErr(m)
			if code != tc.code || mn != tc.mnemonic {
				t.Fatalf("got %d %s, want %d %s", code, mn, tc.code, tc.mnemonic)
			}
			if m["id"] != tc.id || m["jsonrpc"] != "2.0" {
				t.Fatalf("id %v jsonrpc %v, want id %v", m["id"], m["jsonrpc"], tc.id)
			}
			if limitsOf(m)["minute_limit"] == nil {
				t.Fatal("error without metadata.limits")
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{})
	resp, err := e.ts.Client().Get(e.ts.URL + "/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	if r := e.post("/v1.0", []byte(`{}`)); r.status != http.StatusNotFound {
		t.Fatalf("other path: %d", r.status)
	}
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{Tokens: map[string]TokenKind{
		"perm": Permanent, "old": Expired, "blk": Blocked, "bad": Invalid}})
	tests := []struct {
		token    string
		code     int
		mnemonic string
	}{
		{"perm", 0, ""},
		{"old", -32001, "access_token_expired"},
		{"blk", -32001, "access_token_blocked"},
		{"bad", -32001, "access_token_invalid"},
		{"unknown", -32001, "access_token_invalid"},
		{DefaultToken, -32001, "access_token_invalid"}, // Tokens replaces the default
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			t.Parallel()
			code, mn := rpcErr(e.call("get.account", map[string]any{"access_token": tc.token}))
			if code != tc.code || mn != tc.mnemonic {
				t.Fatalf("got %d %s, want %d %s", code, mn, tc.code, tc.mnemonic)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	login := func(e *env, login, password string) map[string]any {
		return e.call("login.user", map[string]any{"login": login, "password": password})
	}
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{})
		if code, mn := rpcErr(login(e, DefaultLogin, "nope")); code != -32001 || mn != "auth_error" {
			t.Fatalf("got %d %s", code, mn)
		}
	})
	t.Run("lives SessionTTL on the fake clock", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{SessionTTL: 30 * time.Second, Login: "boss", Password: "pw"})
		data := mustOK(t, login(e, "boss", "pw"))["data"].(map[string]any)
		tok := data["access_token"].(string)
		if int64(data["expire_at"].(float64)) != e.clock.Now().Add(30*time.Second).Unix() || int(data["app_id"].(float64)) != e.srv.AppID() {
			t.Fatalf("login data %v", data)
		}
		mustOK(t, e.call("get.account", map[string]any{"access_token": tok}))
		e.clock.advance(29 * time.Second)
		mustOK(t, e.call("get.account", map[string]any{"access_token": tok}))
		e.clock.advance(time.Second)
		if code, mn := rpcErr(e.call("get.account", map[string]any{"access_token": tok})); code != -32001 || mn != "access_token_expired" {
			t.Fatalf("after TTL: %d %s", code, mn)
		}
	})
	t.Run("ExpireSessions", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{})
		tok := e.srv.IssueSession()
		mustOK(t, e.call("get.account", map[string]any{"access_token": tok}))
		e.srv.ExpireSessions()
		if code, mn := rpcErr(e.call("get.account", map[string]any{"access_token": tok})); code != -32001 || mn != "access_token_expired" {
			t.Fatalf("got %d %s", code, mn)
		}
		mustOK(t, e.call("get.account", nil)) // API keys unaffected
	})
	t.Run("logout", func(t *testing.T) {
		t.Parallel()
		e := setup(t, 20, Options{})
		tok := e.srv.IssueSession()
		mustOK(t, e.call("logout.user", map[string]any{"access_token": tok}))
		if code, mn := rpcErr(e.call("get.account", map[string]any{"access_token": tok})); code != -32001 || mn != "access_token_invalid" {
			t.Fatalf("got %d %s", code, mn)
		}
	})
}

func TestIPAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		allowed []string
		ok      bool
	}{
		{"empty allows any", nil, true},
		{"exact IP", []string{"127.0.0.1"}, true},
		{"all", []string{"0.0.0.0/0"}, true},
		{"other net", []string{"10.0.0.0/8", "192.168.1.7"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{AllowedIPs: tc.allowed})
			m := e.call("get.account", nil)
			code, mn := rpcErr(m)
			if tc.ok != (code == 0) {
				t.Fatalf("got %d %s", code, mn)
			}
			if !tc.ok {
				msg := m["error"].(map[string]any)["message"]
				if code != -32003 || mn != "ip_not_whitelisted" || msg != "Your IP 127.0.0.1 is not whitelisted" {
					t.Fatalf("got %d %s %v", code, mn, msg)
				}
			}
		})
	}
}

func TestAccountStatusesPositions(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	acc := mustOK(t, e.call("get.account", nil))["data"].(map[string]any)
	if acc["timezone"] != "Europe/Moscow" || acc["name"] != e.pop.Company() {
		t.Fatalf("account %v", acc)
	}
	if code, mn := rpcErr(e.call("get.account", map[string]any{"limit": 1})); code != -32602 || mn != "unexpected_parameters" {
		t.Fatalf("get.account limit: %d %s", code, mn)
	}
	st := mustOK(t, e.call("get.statuses", nil))
	all := mustOK(t, e.call("get.statuses", map[string]any{"is_deleted": true}))
	n, nAll := len(st["data"].([]any)), len(all["data"].([]any))
	if n != 9 || nAll != 10 {
		t.Fatalf("statuses %d / with deleted %d", n, nAll)
	}
	mnemonics := map[string]bool{}
	custom := 0
	for _, x := range st["data"].([]any) {
		m := x.(map[string]any)
		if mn, ok := m["mnemonic"].(string); ok {
			mnemonics[mn] = true
		} else if m["mnemonic"] == nil {
			custom++
		}
	}
	for _, want := range []string{"available", "break", "do_not_disturb", "not_at_workplace", "not_at_work", "auto_out_call", "unknown"} {
		if !mnemonics[want] {
			t.Errorf("standard status %s missing", want)
		}
	}
	if custom != 2 {
		t.Errorf("custom statuses %d", custom)
	}
	pos := mustOK(t, e.call("get.employee_positions", nil))
	if len(pos["data"].([]any)) != 3 {
		t.Fatalf("positions %v", pos)
	}
}

func TestRequestsCountsPerMethod(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.call("get.account", nil)
	e.call("get.account", nil)
	e.call("get.employees", nil)
	e.post("/", []byte("garbage"))
	got := e.srv.Requests()
	if got["get.account"] != 2 || got["get.employees"] != 1 || got[""] != 1 {
		t.Fatalf("requests %v", got)
	}
	if !strings.Contains(e.srv.UserID(e.pop.OwnerID()), "1000") {
		t.Fatalf("UserID %s", e.srv.UserID(e.pop.OwnerID()))
	}
}
