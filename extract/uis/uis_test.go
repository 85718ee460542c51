package uis_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/extracttest"
	"github.com/roster-etl/roster/extract/uis"
)

func TestRequestShape(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	api.employees = employees(5)
	c := setup(t, api, func(cfg *uis.Config) { cfg.PageSize = 2 })
	rec := &recorder{}
	if err := c.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	calls := api.Calls()
	if got, want := api.methods(), []string{"get.account", "get.statuses", "get.group_employees",
		"get.employees", "get.employees", "get.employees"}; !slices.Equal(got, want) {
		t.Fatalf("methods = %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for i, cl := range calls {
		if cl.JSONRPC != "2.0" {
			t.Errorf("call %d: jsonrpc = %q", i, cl.JSONRPC)
		}
		if len(cl.ID) == 0 || string(cl.ID) == "null" || ids[string(cl.ID)] {
			t.Errorf("call %d: id %s missing or reused", i, cl.ID)
		}
		ids[string(cl.ID)] = true
		if cl.Params["access_token"] != testToken {
			t.Errorf("call %d: access_token = %v", i, cl.Params["access_token"])
		}
		if ct := cl.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("call %d: Content-Type = %q", i, ct)
		}
	}
	if _, ok := calls[0].Params["limit"]; ok {
		t.Errorf("get.account got paging params: %v", calls[0].Params)
	}
	for i, want := range []float64{0, 2, 4} {
		p := calls[3+i].Params
		if p["limit"] != float64(2) || p["offset"] != want {
			t.Errorf("page %d: limit/offset = %v/%v, want 2/%v", i, p["limit"], p["offset"], want)
		}
	}
	if got := rec.ids(); !slices.Equal(got, wantIDs(5)) {
		t.Errorf("ids = %v", got)
	}
	if c.Account().Timezone != "Europe/Moscow" || c.Account().AppID != "4242" {
		t.Errorf("Account = %+v", c.Account())
	}
	if rec.users[0].AccountID != "4242" {
		t.Errorf("AccountID = %q", rec.users[0].AccountID)
	}
	st := c.Stats()
	if st.Pages != 6 || st.Requests != 6 || st.Retries != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		n, size   int
		wantPages int // get.employees calls
	}{
		{"one short page", 3, 10, 1},
		{"exact multiple", 6, 3, 2},
		{"remainder", 7, 3, 3},
		{"page size capped", 4, 50000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newAPI(newClock())
			api.employees = employees(tc.n)
			c := setup(t, api, func(cfg *uis.Config) { cfg.PageSize = tc.size })
			rec := &recorder{}
			if err := c.Extract(context.Background(), rec); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !slices.Equal(rec.ids(), wantIDs(tc.n)) {
				t.Errorf("ids = %v", rec.ids())
			}
			var pages int
			for _, cl := range api.Calls() {
				if cl.Method == "get.employees" {
					pages++
					if l := cl.Params["limit"].(float64); l > uis.MaxPageSize {
						t.Errorf("limit %v above the maximum", l)
					}
				}
			}
			if pages != tc.wantPages {
				t.Errorf("get.employees calls = %d, want %d", pages, tc.wantPages)
			}
		})
	}
}

func TestLoginSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// sessionTTL is how long the server really keeps a session.
		sessionTTL time.Duration
		tick       time.Duration
		wantLogins int
		// wantRefused is how many calls the server refused with an expired session.
		wantRefused int
	}{
		{"one session", time.Hour, time.Second, 1, 0},
		{"renewed before the hour runs out", time.Hour, 20 * time.Minute, 4, 0},
		{"renewed after -32001 mid-listing", 30 * time.Minute, 10 * time.Minute, 4, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			api := newAPI(clock)
			api.employees = employees(7)
			api.sessionTTL = tc.sessionTTL
			api.tick = tc.tick
			c := setup(t, api, func(cfg *uis.Config) {
				cfg.AccessToken, cfg.Login, cfg.Password, cfg.PageSize = "", testLogin, testPassword, 2
			})
			rec := &recorder{}
			if err := c.Extract(context.Background(), rec); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got := rec.ids(); !slices.Equal(got, wantIDs(7)) {
				t.Fatalf("ids = %v, want every employee exactly once", got)
			}
			logins := 0
			for _, cl := range api.Calls() {
				if cl.Method == "login.user" {
					logins++
					if _, ok := cl.Params["access_token"]; ok {
						t.Errorf("login.user carries an access_token")
					}
					continue
				}
				if tok, _ := cl.Params["access_token"].(string); !strings.HasPrefix(tok, "sess-KEY-") {
					t.Errorf("%s: access_token = %q, want a session key", cl.Method, tok)
				}
			}
			if logins != tc.wantLogins {
				t.Errorf("login.user calls = %d, want %d (methods %v)", logins, tc.wantLogins, api.methods())
			}
			if api.expiredRefused != tc.wantRefused {
				t.Errorf("%d calls refused with an expired session, want %d", api.expiredRefused, tc.wantRefused)
			}
			if rec.users[0].AccountID != "4242" {
				t.Errorf("AccountID = %q", rec.users[0].AccountID)
			}
		})
	}
}

func TestSessionRefusedTwiceIsAuthError(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	api.employees = employees(2)
	api.override = func(c call, n int) (any, map[string]any, bool) {
		if c.Method == "get.account" {
			return nil, rpcErr(-32001, "access_token_expired", "Access token has been expired", nil), true
		}
		return nil, nil, false
	}
	c := setup(t, api, func(cfg *uis.Config) { cfg.AccessToken, cfg.Login, cfg.Password = "", testLogin, testPassword })
	err := c.Extract(context.Background(), &recorder{})
	if !errors.Is(err, extract.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if got := api.methods(); !slices.Equal(got, []string{"login.user", "get.account", "login.user", "get.account"}) {
		t.Errorf("methods = %v", got)
	}
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		code     int
		mnemonic string
		msg      string
		login    bool
	}{
		{"invalid token", -32001, "access_token_invalid", "Access token is invalid", false},
		{"expired token", -32001, "access_token_expired", "Access token has been expired", false},
		{"blocked token", -32001, "access_token_blocked", "Access token has been blocked", false},
		{"ip not allowed", -32003, "ip_not_whitelisted", "Your IP 1.2.3.4 is not whitelisted", false},
		{"account disabled", -32009, "account_inactive", "Your account has been disabled, contact the support service", false},
		{"wrong password", 0, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newAPI(newClock())
			api.employees = employees(2)
			if tc.code != 0 {
				api.override = func(c call, n int) (any, map[string]any, bool) {
					return nil, rpcErr(tc.code, tc.mnemonic, tc.msg, nil), true
				}
			}
			c := setup(t, api, func(cfg *uis.Config) {
				if tc.login {
					cfg.AccessToken, cfg.Login, cfg.Password = "", testLogin, "wrong-"+testPassword
				}
			})
			err := c.Extract(context.Background(), &recorder{})
			if !errors.Is(err, extract.ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "uis-test: ") || strings.Contains(msg, "\n") {
				t.Errorf("message %q is not one line naming the source", msg)
			}
			if tc.mnemonic != "" && !strings.Contains(msg, tc.mnemonic) {
				t.Errorf("message %q does not name %s", msg, tc.mnemonic)
			}
			if n := len(api.Calls()); n != 1 {
				t.Errorf("%d calls, want 1 (auth errors are not retried)", n)
			}
		})
	}
}

func TestMinuteLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// minuteLimit is the server's budget; paced tells whether the client should never
		// see a -32029.
		minuteLimit int
		override    bool
	}{
		{"paced before the budget runs out", 3, false},
		{"-32029 waits for minute_reset", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			api := newAPI(clock)
			api.employees = employees(9)
			api.minuteLimit = tc.minuteLimit
			if tc.override {
				api.override = func(c call, n int) (any, map[string]any, bool) {
					if n == 4 || n == 5 {
						lim := map[string]any{"minute_limit": 60, "minute_remaining": 0, "minute_reset": 17,
							"day_limit": 3000, "day_remaining": 2000, "day_reset": 40000}
						return nil, rpcErr(-32029, "limit_exceeded", "Limit per minute has been exceeded. Value of current limit per minute is 60", lim), true
					}
					return nil, nil, false
				}
			}
			c := setup(t, api, func(cfg *uis.Config) { cfg.PageSize = 2 })
			rec := &recorder{}
			if err := c.Extract(context.Background(), rec); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !slices.Equal(rec.ids(), wantIDs(9)) {
				t.Errorf("ids = %v", rec.ids())
			}
			st := c.Stats()
			if st.ThrottledMS < 15000 {
				t.Errorf("ThrottledMS = %d, want the waits counted", st.ThrottledMS)
			}
			if clock.Slept() < 15*time.Second {
				t.Errorf("slept %s", clock.Slept())
			}
			if !tc.override && api.limitsRejected != 0 {
				t.Errorf("pacing let %d calls run into -32029", api.limitsRejected)
			}
			if tc.override && st.Retries != 2 {
				t.Errorf("Retries = %d, want 2", st.Retries)
			}
		})
	}
}

func TestDayLimitFailsPromptly(t *testing.T) {
	t.Parallel()
	clock := newClock()
	api := newAPI(clock)
	api.employees = employees(9)
	api.dayRemaining = 4
	c := setup(t, api, func(cfg *uis.Config) { cfg.PageSize = 2 })
	start := clock.Now()
	err := c.Extract(context.Background(), &recorder{})
	if !errors.Is(err, extract.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if !strings.Contains(err.Error(), "day limit") || !strings.HasPrefix(err.Error(), "uis-test: POST get.employees offset=2: ") {
		t.Errorf("error %q does not clearly name the day limit and request", err)
	}
	if waited := clock.Now().Sub(start); waited > time.Minute {
		t.Errorf("waited %s before failing", waited)
	}
	if api.limitsRejected != 1 {
		t.Errorf("%d rejected calls, want 1 (no retry into the day limit)", api.limitsRejected)
	}
}

func TestIncompleteListing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(a *testAPI, page int)
		// override lies about total_items.
		lie       bool
		wantErr   bool
		wantPages int
	}{
		{
			name: "total_items never adds up",
			lie:  true, wantErr: true, wantPages: 9, // 3 listings of 3 pages
		},
		{
			name: "employee removed between pages restarts once",
			change: func(a *testAPI, page int) {
				if page == 2 {
					a.employees = slices.Delete(a.employees, 0, 1)
				}
			},
			wantPages: 2 + 2,
		},
		{
			name: "employee added before the offset restarts",
			change: func(a *testAPI, page int) {
				if page == 2 {
					a.employees = slices.Insert(a.employees, 0, employee(99, "Новый", "Сотрудник"))
				}
			},
			wantPages: 2 + 3,
		},
		{
			name: "data keeps changing",
			change: func(a *testAPI, page int) {
				if page%2 == 0 {
					a.employees = append(a.employees, employee(500+page, "Ещё", "Один"))
				}
			},
			wantErr: true, wantPages: 6,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newAPI(newClock())
			api.employees = employees(5)
			api.beforeEmployees = tc.change
			if tc.lie {
				api.override = func(c call, n int) (any, map[string]any, bool) {
					if c.Method != "get.employees" {
						return nil, nil, false
					}
					off := int(c.Params["offset"].(float64))
					hi := min(off+2, 5)
					return map[string]any{"data": api.employees[off:hi], "metadata": map[string]any{"total_items": 6}}, nil, true
				}
			}
			c := setup(t, api, func(cfg *uis.Config) { cfg.PageSize = 2 })
			rec := &recorder{}
			err := c.Extract(context.Background(), rec)
			if tc.wantErr {
				if !errors.Is(err, extract.ErrIncomplete) || !strings.HasPrefix(err.Error(), "uis-test: ") {
					t.Fatalf("err = %v, want ErrIncomplete naming the source", err)
				}
			} else if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			var pages int
			for _, cl := range api.Calls() {
				if cl.Method == "get.employees" {
					pages++
				}
			}
			if pages != tc.wantPages {
				t.Errorf("get.employees calls = %d, want %d", pages, tc.wantPages)
			}
			if !tc.wantErr {
				seen := map[string]bool{}
				for _, u := range rec.users {
					seen[u.ID] = true
				}
				for _, e := range api.employees {
					if id := strings.TrimSpace(jsonText(e["id"])); !seen[id] {
						t.Errorf("employee %s missing", id)
					}
				}
			}
		})
	}
}

func TestEmptyDirectoryIsIncomplete(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	c := setup(t, api, nil)
	if err := c.Extract(context.Background(), &recorder{}); !errors.Is(err, extract.ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	echo := func(c call, n int) (any, map[string]any, bool) {
		if c.Method == "login.user" {
			return nil, nil, false
		}
		return nil, rpcErr(-32602, "invalid_parameter_value", "bad value in "+c.Body, nil), true
	}
	for _, tc := range []struct {
		name  string
		login bool
		over  func(c call, n int) (any, map[string]any, bool)
	}{
		{"token echoed in an error", false, echo},
		{"session echoed in an error", true, echo},
		{"malformed reply echoing the request", false, func(c call, n int) (any, map[string]any, bool) {
			return map[string]any{"data": "not a list " + c.Body}, nil, true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newAPI(newClock())
			api.employees = employees(2)
			api.override = tc.over
			c := setup(t, api, func(cfg *uis.Config) {
				if tc.login {
					cfg.AccessToken, cfg.Login, cfg.Password = "", testLogin, testPassword
				}
			})
			err := c.Extract(context.Background(), &recorder{})
			if err == nil {
				t.Fatal("Extract succeeded")
			}
			for _, secret := range []string{testToken, testPassword, "sess-KEY-"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks %q: %v", secret, err)
				}
			}
			if !strings.Contains(err.Error(), "POST get.account") {
				t.Errorf("error %q does not name the request", err)
			}
		})
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	e1 := employee(7, "Анна", "Иванова")
	e1["patronymic"] = "Сергеевна"
	e1["full_name"] = "Иванова Анна Сергеевна"
	e1["phone_numbers"] = []any{
		map[string]any{"phone_id": 1, "phone_number": "74955140578...2345", "channels_count": 1, "dial_time": 60, "status": "active"},
		map[string]any{"phone_id": 2, "phone_number": "79161234567", "channels_count": 2, "dial_time": 30, "status": "inactive"},
		map[string]any{"phone_id": 3, "phone_number": "  ", "channels_count": 1, "dial_time": 60, "status": "active"},
	}
	e1["extension"] = map[string]any{"extension_phone_number": "105", "extension_voice_mail_enabled": true, "extension_queue_enabled": false}
	e1["groups"] = []any{map[string]any{"group_id": 11, "group_name": "Продажи"}, map[string]any{"group_id": 12, "group_name": "Поддержка"}}
	e1["coach"] = map[string]any{"coach_id": 8, "coach_full_name": "Петров Пётр", "coach_always_enabled": true}
	e1["status"] = nil
	e1["status_id"] = 501
	e1["brand_new_field"] = "x"
	e2 := employee(8, "Пётр", "Петров")
	e2["status"] = "do_not_disturb"
	e2["status_id"] = 3
	e3 := employee(9, "Олег", "Сидоров")
	e3["status"] = nil
	e3["status_id"] = nil
	api.employees = []map[string]any{e1, e2, e3}
	api.statuses = []map[string]any{
		{"id": 501, "name": "Обед", "mnemonic": nil},
		{"id": 3, "name": "Не беспокоить", "mnemonic": "do_not_disturb"},
	}
	api.groups = []map[string]any{
		{"id": 13, "name": "Дежурные", "members": []any{map[string]any{"employee_id": 7, "employee_full_name": "Иванова Анна Сергеевна"}}},
		{"id": 11, "name": "Продажи", "members": []any{map[string]any{"employee_id": 7}}},
	}
	c := setup(t, api, nil)
	rec := &recorder{}
	if err := c.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(rec.users) != 3 {
		t.Fatalf("%d users", len(rec.users))
	}
	u := rec.users[0]
	if u.ID != "7" || u.FirstName != "Анна" || u.LastName != "Иванова" || u.MiddleName != "Сергеевна" ||
		u.DisplayName != "Иванова Анна Сергеевна" || u.Email != "user7@example.ru" || u.Role != "" || u.Active != nil || u.Timezone != "" {
		t.Errorf("user = %+v", u)
	}
	wantPhones := []extract.Phone{{Raw: "74955140578...2345", Kind: "other"}, {Raw: "79161234567", Kind: "other"}, {Raw: "105", Kind: "extension"}}
	if !slices.Equal(u.Phones, wantPhones) {
		t.Errorf("phones = %v, want %v", u.Phones, wantPhones)
	}
	wantGroups := []extract.Group{{ID: "11", Name: "Продажи", Kind: "group"}, {ID: "12", Name: "Поддержка", Kind: "group"}, {ID: "13", Name: "Дежурные", Kind: "group"}}
	if !slices.Equal(u.Groups, wantGroups) {
		t.Errorf("groups = %v, want %v", u.Groups, wantGroups)
	}
	for _, name := range []string{"coach", "login", "call_recording", "brand_new_field", "phone_numbers", "extension", "calls_available", "allowed_in_call_types"} {
		if _, ok := u.Extra[name]; !ok {
			t.Errorf("Extra lacks %s: %v", name, keys(u.Extra))
		}
	}
	for _, name := range []string{"id", "first_name", "groups", "status", "status_id", "schedule_id", "operator", "allowed_out_call_types"} {
		if _, ok := u.Extra[name]; ok {
			t.Errorf("Extra has %s (a column, a status or an empty value)", name)
		}
	}
	if !slices.Contains(u.Fields, "brand_new_field") || !slices.Contains(u.Fields, "operator") || !slices.IsSorted(u.Fields) {
		t.Errorf("Fields = %v", u.Fields)
	}
	var coach map[string]any
	if err := json.Unmarshal(u.Extra["coach"], &coach); err != nil || coach["coach_full_name"] != "Петров Пётр" {
		t.Errorf("coach = %s", u.Extra["coach"])
	}
	// Empty conventions: null, [], {} give no phones, groups or Extra entry.
	if u3 := rec.users[2]; u3.Phones != nil || u3.Groups != nil || u3.MiddleName != "" {
		t.Errorf("empty employee = %+v", u3)
	}
	wantStatuses := []extract.Status{{UserID: "7", Status: "Обед"}, {UserID: "8", Status: "do_not_disturb"}}
	if !slices.EqualFunc(rec.statuses, wantStatuses, func(a, b extract.Status) bool {
		return a.UserID == b.UserID && a.Status == b.Status && a.SubStatus == "" && a.OnCall == nil && a.Channels == nil
	}) {
		t.Errorf("statuses = %+v, want %+v", rec.statuses, wantStatuses)
	}
	known := c.KnownFields()
	for _, f := range u.Fields {
		if f != "brand_new_field" && !slices.Contains(known, f) {
			t.Errorf("KnownFields lacks %s", f)
		}
	}
}

func TestOptionalMethodsMissing(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	api.employees = employees(2)
	api.employees[0]["status"] = "break"
	api.override = func(c call, n int) (any, map[string]any, bool) {
		switch c.Method {
		case "get.statuses", "get.group_employees":
			return nil, rpcErr(-32008, "method_component_disabled", "You need at least on of the following components", nil), true
		}
		return nil, nil, false
	}
	c := setup(t, api, nil)
	rec := &recorder{}
	if err := c.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(rec.users) != 2 || rec.statuses[0].Status != "break" {
		t.Errorf("users %v statuses %+v", rec.ids(), rec.statuses)
	}
}

func TestTransientFailuresRetried(t *testing.T) {
	t.Parallel()
	api := newAPI(newClock())
	api.employees = employees(3)
	api.override = func(c call, n int) (any, map[string]any, bool) {
		if n == 2 {
			return nil, rpcErr(-32603, "internal_error", "Internal error, contact the support service", nil), true
		}
		if n == 3 {
			return nil, nil, true // neither result nor error
		}
		return nil, nil, false
	}
	c := setup(t, api, nil)
	rec := &recorder{}
	if err := c.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if st := c.Stats(); st.Retries != 2 {
		t.Errorf("Retries = %d, want 2", st.Retries)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  uis.Config
		want string
	}{
		{"no name", uis.Config{AccessToken: "x"}, "source name"},
		{"no credential", uis.Config{Name: "u"}, "access_token"},
		{"both credentials", uis.Config{Name: "u", AccessToken: "x", Login: "l", Password: "p"}, "either"},
		{"login without password", uis.Config{Name: "u", Login: "l"}, "both"},
		{"bad URL", uis.Config{Name: "u", AccessToken: "x", BaseURL: "ftp://host/v2.0"}, "http(s)"},
		{"URL with query", uis.Config{Name: "u", AccessToken: "x", BaseURL: "https://host/v2.0?token=1"}, "query"},
		{"negative page size", uis.Config{Name: "u", AccessToken: "x", PageSize: -1}, "page size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := uis.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	c, err := uis.New(uis.Config{Name: "u", AccessToken: "x"})
	if err != nil || c.Name() != "u" || c.Provider() != "uis" {
		t.Fatalf("New = %v, %v", c, err)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEmployeesTheSinkRecognizesAreNotDecodedUnlessTheirObjectOrGroupsChanged(t *testing.T) {
	t.Parallel()
	changes := []extracttest.Change[*testAPI]{
		{Name: "nothing changed", Change: func(*testAPI) {}, Changed: nil},
		{Name: "an employee's own field", Change: func(a *testAPI) { a.employees[1]["email"] = "pyotr@new.ru" }, Changed: []string{"8"}},
		{Name: "a status alone", Change: func(a *testAPI) {
			a.employees[0]["status"], a.employees[0]["status_id"] = "available", 1
			a.employees[1]["status_id"] = 501
			delete(a.employees[2], "status")
		}, Changed: nil},
		{Name: "a status's name", Change: func(a *testAPI) { a.statuses[0]["name"] = "Перерыв" }, Changed: nil},
		{Name: "a group's members", Change: func(a *testAPI) {
			a.groups[0]["members"] = []any{map[string]any{"employee_id": 7}, map[string]any{"employee_id": 9}}
		}, Changed: []string{"9"}},
		{Name: "a group's name", Change: func(a *testAPI) { a.groups[0]["name"] = "Ночные" }, Changed: []string{"7"}},
	}
	extracttest.Recognitions(t, changes, func() *testAPI {
		api := newAPI(newClock())
		e1, e2, e3 := employee(7, "Анна", "Иванова"), employee(8, "Пётр", "Петров"), employee(9, "Олег", "Сидоров")
		e1["groups"] = []any{map[string]any{"group_id": 11, "group_name": "Продажи"}}
		e1["status"], e1["status_id"] = nil, 501
		e2["status"], e2["status_id"] = "do_not_disturb", 3
		e3["status"] = "away"
		api.employees = []map[string]any{e1, e2, e3}
		api.statuses = []map[string]any{
			{"id": 501, "name": "Обед", "mnemonic": nil},
			{"id": 3, "name": "Не беспокоить", "mnemonic": "do_not_disturb"},
		}
		api.groups = []map[string]any{
			{"id": 13, "name": "Дежурные", "members": []any{map[string]any{"employee_id": 7}}},
		}
		return api
	}, func(t *testing.T, api *testAPI) func(extract.Sink) error {
		c := setup(t, api, nil)
		return func(sink extract.Sink) error { return c.Extract(context.Background(), sink) }
	})
}
