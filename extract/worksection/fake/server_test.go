package fake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

func TestRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	key := e.srv.APIKey()
	tests := []struct {
		name, method, target string
		status               int
		contentType          string
		body                 string // exact, or a prefix when it ends in "*"
	}{
		{"get_users", "GET", Path + "?" + signed("action=get_users", key), 200, contentTypeJSON, `{"status":"ok","data":[{"id":"*`},
		{"get_user_groups", "GET", Path + "?" + signed("action=get_user_groups", key), 200, contentTypeJSON, `{"status":"ok","data":[{"id":"*`},
		{"no trailing slash", "GET", "/api/admin/v2?" + signed("action=get_users", key), 200, contentTypeJSON, `{"status":"ok","data":[*`},
		{"missing action", "GET", Path + "?" + "hash=" + queryHash("", key), 200, contentTypeJSON,
			`{"status":"error","status_code":1,"message":"Action is missed"}`},
		{"unknown action", "GET", Path + "?" + signed("action=get_everything", key), 200, contentTypeJSON,
			`{"status":"error","status_code":3,"message":"Action is invalid","message_details":"action: get_everything"}`},
		{"unknown action with a bad hash is a hash error", "GET", Path + "?action=get_everything&hash=x", 200, contentTypeJSON, hashError},
		{"method", "PUT", Path + "?" + signed("action=get_users", key), 405, contentTypeJSON,
			`{"status":"error","status_code":4,"message":"Request method is not allowed"}`},
		{"other version", "GET", "/api/admin/v3/?" + signed("action=get_users", key), 404, "text/html; charset=utf-8", "<html>\r\n<head><title>404 Not Found</title>*"},
		{"oauth is not served", "GET", "/api/oauth2?action=get_users", 404, "text/html; charset=utf-8", "<html>*"},
		{"root", "GET", "/", 404, "text/html; charset=utf-8", "<html>*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(tc.method, tc.target, "", nil)
			if r.status != tc.status || r.header.Get("Content-Type") != tc.contentType {
				t.Fatalf("got %d %q, want %d %q: %.200s", r.status, r.header.Get("Content-Type"), tc.status, tc.contentType, r.body)
			}
			if prefix, ok := strings.CutSuffix(tc.body, "*"); ok {
				if !strings.HasPrefix(string(r.body), prefix) {
					t.Fatalf("body %.200s\nwant prefix %s", r.body, prefix)
				}
			} else if string(r.body) != tc.body {
				t.Fatalf("body %s\nwant %s", r.body, tc.body)
			}
			if tc.method == "PUT" && r.header.Get("Allow") != "GET, POST" {
				t.Fatalf("Allow %q", r.header.Get("Allow"))
			}
		})
	}
}

func TestGetUsersListsActivePeople(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	for _, day := range []int{0, 4} {
		e.srv.SetDay(day)
		users, _ := e.users()
		snap := e.pop.Day(day)
		var want []string
		inactive := 0
		for _, p := range snap.People {
			if p.Active {
				want = append(want, e.srv.UserID(p.ID))
			} else {
				inactive++
			}
		}
		got := make([]string, len(users))
		for i, u := range users {
			got[i] = u["id"].(string)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("day %d: %d users listed, want the %d active people in ID order", day, len(got), len(want))
		}
		if inactive == 0 {
			t.Fatalf("day %d: population has no deactivated person to leave out", day)
		}
	}
}

func TestGetUsersFields(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	users, _ := e.users()
	snap := e.pop.Day(0)
	always := []string{"id", "first_name", "last_name", "name", "title", "url", "services", "date_added", "avatar",
		"group", "department", "role", "email"}
	optionalKeys := []string{"phone", "phone2", "phone3", "phone4", "address", "address2"}
	dateRE := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`)
	wantRole := map[string][]string{"owner": {"owner"}, "admin": {"account admin"}, "manager": {"team admin", "department admin"},
		"member": {"user"}, "guest": {"guest"}, "readonly": {"reader"}}
	seen := map[string]int{}
	for _, u := range users {
		id := u["id"].(string)
		pid, ok := e.srv.PersonID(id)
		if !ok {
			t.Fatalf("id %q does not map back to a person", id)
		}
		p, ok := snap.Person(pid)
		if !ok {
			t.Fatalf("id %q: person %d not in the snapshot", id, pid)
		}
		for _, k := range always {
			if _, ok := u[k]; !ok {
				t.Fatalf("user %s has no %s", id, k)
			}
		}
		if u["first_name"] != p.FirstName || u["last_name"] != p.LastName || u["name"] != p.FirstName+" "+p.LastName ||
			u["email"] != p.Email || u["title"] != p.Title || u["group"] != p.Team || u["department"] != p.Department {
			t.Fatalf("user %s does not render person %+v: %v", id, p, u)
		}
		role := u["role"].(string)
		if !slices.Contains(wantRole[p.Role], role) {
			t.Fatalf("person role %q rendered %q", p.Role, role)
		}
		seen["role "+role]++
		da := u["date_added"].(string)
		if !dateRE.MatchString(da) || da != p.CreatedAt.In(e.srv.Location()).Format("2006-01-02 15:04") {
			t.Fatalf("date_added %q for %v in %v", da, p.CreatedAt, e.srv.Location())
		}
		phones := phoneFields(&p)
		for i, k := range phoneKeys {
			v, present := u[k]
			switch {
			case phones[i] != "" && v != phones[i]:
				t.Fatalf("user %s %s = %v, want %q", id, k, v, phones[i])
			case phones[i] == "" && present && v != "":
				t.Fatalf("user %s %s = %v, want absent or empty", id, k, v)
			case phones[i] == "" && present:
				seen["empty "+k]++
			case phones[i] == "":
				seen["absent "+k]++
			}
		}
		for _, k := range optionalKeys[4:] {
			if v, present := u[k]; !present {
				seen["absent "+k]++
			} else if v == "" {
				seen["empty "+k]++
			} else {
				seen["set "+k]++
			}
		}
		if c, ok := u["contacts"]; ok {
			if c == "" {
				t.Fatalf("user %s has an empty contacts field", id)
			}
			seen["contacts"]++
		}
		if r, ok := u["rate"]; ok {
			if _, isNum := r.(float64); !isNum {
				t.Fatalf("rate %v is not a number", r)
			}
			seen["rate"]++
		}
		services := u["services"].(map[string]any)
		for _, k := range []string{"chats", "socials"} {
			switch v := services[k].(type) {
			case []any:
				if len(v) != 0 {
					t.Fatalf("services.%s is a non-empty list", k)
				}
				seen["empty "+k]++
			case map[string]any:
				seen["set "+k]++
			default:
				t.Fatalf("services.%s = %v", k, v)
			}
		}
		if strings.Contains(role, " ") {
			seen["role with space"]++
		}
	}
	// Every variant the client must cope with occurs.
	for _, k := range []string{"role owner", "role account admin", "role team admin", "role department admin", "role user",
		"role guest", "role reader", "role with space", "contacts", "rate", "empty chats", "set chats", "empty socials",
		"set socials", "set address", "set address2"} {
		if seen[k] == 0 {
			t.Errorf("no user with %s", k)
		}
	}
	for _, k := range optionalKeys {
		if seen["empty "+k] == 0 || seen["absent "+k] == 0 {
			t.Errorf("%s: %d empty, %d absent; want both", k, seen["empty "+k], seen["absent "+k])
		}
	}
	if seen["rate"] == len(users) || seen["contacts"] == len(users) {
		t.Error("rate and contacts must be absent for some users")
	}
}

func TestUserKeyOrderFollowsTheSample(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	_, raws := e.users()
	order := []string{"id", "first_name", "last_name", "name", "title", "url", "services", "contacts", "date_added", "rate",
		"avatar", "group", "department", "role", "email", "phone", "phone2", "phone3", "phone4", "address", "address2"}
	for _, raw := range raws {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		last := -1
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			i := slices.Index(order, tok.(string))
			if i <= last {
				t.Fatalf("key %v out of order in %s", tok, raw)
			}
			last = i
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDateAddedInAccountZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		loc  *time.Location
	}{{"utc", time.UTC}, {"new york", ny}, {"default (owner's zone)", nil}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 30, Options{Location: tc.loc})
			owner, _ := e.pop.Day(0).Person(e.pop.OwnerID())
			want := tc.loc
			if want == nil {
				want, _ = time.LoadLocation(owner.Timezone)
			}
			if e.srv.Location().String() != want.String() {
				t.Fatalf("Location %v, want %v", e.srv.Location(), want)
			}
			users, _ := e.users()
			for _, u := range users {
				pid, _ := e.srv.PersonID(u["id"].(string))
				p, _ := e.pop.Day(0).Person(pid)
				if got := u["date_added"]; got != p.CreatedAt.In(want).Format("2006-01-02 15:04") {
					t.Fatalf("date_added %v for %v", got, p.CreatedAt)
				}
			}
		})
	}
}

func TestGetUserGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{{"default", Options{}}, {"all teams", Options{ListAllTeams: true}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 200, tc.opts)
			r := e.call("action=get_user_groups")
			var reply struct {
				Status string `json:"status"`
				Data   []struct {
					ID     string `json:"id"`
					Title  string `json:"title"`
					Type   string `json:"type"`
					Client *int   `json:"client"`
				} `json:"data"`
			}
			if err := json.Unmarshal(r.body, &reply); err != nil || reply.Status != "ok" {
				t.Fatalf("get_user_groups: %v %s", err, r.body)
			}
			listed := map[string]string{}
			clients := 0
			prev := ""
			for _, g := range reply.Data {
				if _, err := strconv.Atoi(g.ID); err != nil || g.Type != "company" || g.Client == nil || g.ID <= prev {
					t.Fatalf("group %+v (after id %s)", g, prev)
				}
				prev = g.ID
				if g.ID != e.srv.GroupID(g.Title) {
					t.Fatalf("group %q id %s, GroupID says %s", g.Title, g.ID, e.srv.GroupID(g.Title))
				}
				listed[g.Title] = g.ID
				clients += *g.Client
			}
			if clients != 2 {
				t.Fatalf("%d client teams, want 2", clients)
			}
			users, _ := e.users()
			matched, unmatched := 0, map[string]bool{}
			for _, u := range users {
				if _, ok := listed[u["group"].(string)]; ok {
					matched++
				} else {
					unmatched[u["group"].(string)] = true
				}
			}
			unlisted := e.srv.UnlistedTeam()
			switch {
			case matched == 0:
				t.Fatal("no user's group is listed")
			case tc.opts.ListAllTeams && (len(unmatched) != 0 || unlisted != ""):
				t.Fatalf("ListAllTeams: unmatched %v, UnlistedTeam %q", unmatched, unlisted)
			case !tc.opts.ListAllTeams && (len(unmatched) != 1 || !unmatched[unlisted]):
				t.Fatalf("unmatched groups %v, want exactly UnlistedTeam %q", unmatched, unlisted)
			}
		})
	}
}

func TestGroupIDsStableAcrossDays(t *testing.T) {
	t.Parallel()
	e := setup(t, 100, Options{})
	ids := func() map[string]string {
		var reply struct {
			Data []struct{ ID, Title string } `json:"data"`
		}
		if err := json.Unmarshal(e.call("action=get_user_groups").body, &reply); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, g := range reply.Data {
			out[g.Title] = g.ID
		}
		return out
	}
	day0 := ids()
	e.srv.SetDay(5)
	for title, id := range ids() {
		if old, ok := day0[title]; ok && old != id {
			t.Fatalf("team %q: id %s on day 0, %s on day 5", title, old, id)
		}
	}
}

func TestUserIDs(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	for _, pid := range []int{1, 2, 999, 123456, synth.ExtraIDBase + 3} {
		id := e.srv.UserID(pid)
		if _, err := strconv.Atoi(id); err != nil {
			t.Fatalf("UserID(%d) = %q is not numeric", pid, id)
		}
		if got, ok := e.srv.PersonID(id); !ok || got != pid {
			t.Fatalf("PersonID(UserID(%d)) = %d, %v", pid, got, ok)
		}
	}
	for _, bad := range []string{"", "0", "-5", "+100001", "0100001", "12a", "1", " 100001", "99999999999999999999999"} {
		if pid, ok := e.srv.PersonID(bad); ok {
			t.Fatalf("PersonID(%q) = %d", bad, pid)
		}
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a := setup(t, 150, Options{})
	b := setup(t, 150, Options{})
	for _, day := range []int{0, 3, 1, 3} {
		a.srv.SetDay(day)
		b.srv.SetDay(day)
		for _, action := range []string{"action=get_users", "action=get_user_groups"} {
			ra, rb := a.call(action), b.call(action)
			if !bytes.Equal(ra.body, rb.body) {
				t.Fatalf("day %d %s: replies differ", day, action)
			}
			if again := a.call(action); !bytes.Equal(again.body, ra.body) {
				t.Fatalf("day %d %s: a second reply differs", day, action)
			}
		}
	}
}

func TestUnchangedPeopleRenderIdenticallyAcrossDays(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	render := func() map[string]string {
		_, raws := e.users()
		out := map[string]string{}
		for _, raw := range raws {
			var u struct{ ID string }
			if err := json.Unmarshal(raw, &u); err != nil {
				t.Fatal(err)
			}
			out[u.ID] = string(raw)
		}
		return out
	}
	prev := render()
	for day := 1; day <= 4; day++ {
		e.srv.SetDay(day)
		cur := render()
		changed := map[int]synth.ChangeKind{}
		for _, c := range e.pop.Day(day).Changes {
			changed[c.PersonID] = c.Kind
		}
		same, differ := 0, 0
		for id, raw := range cur {
			pid, _ := e.srv.PersonID(id)
			old, ok := prev[id]
			kind, hasChange := changed[pid]
			switch {
			case !ok:
				continue
			case !hasChange || kind == synth.StatusOnly:
				if old != raw {
					t.Fatalf("day %d: unchanged user %s renders differently:\n%s\n%s", day, id, old, raw)
				}
				same++
			case old != raw:
				differ++
			}
		}
		if same == 0 || differ == 0 {
			t.Fatalf("day %d: %d unchanged users, %d changed users render differently", day, same, differ)
		}
		prev = cur
	}
}

func TestMaxUsers(t *testing.T) {
	t.Parallel()
	e := setup(t, 50, Options{MaxUsers: 10})
	users, _ := e.users()
	if len(users) != 10 {
		t.Fatalf("%d users, want 10", len(users))
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, php, raw string
	}{
		{"plain", `"plain"`, `"plain"`},
		{"a/b", `"a\/b"`, `"a/b"`},
		{`q"b\`, `"q\"b\\"`, `"q\"b\\"`},
		{"Сергей", `"\u0421\u0435\u0440\u0433\u0435\u0439"`, `"Сергей"`},
		{"Rene\u0301e", `"Rene\u0301e"`, "\"Rene\u0301e\""},
		{"line\nnext\t\x01", `"line\nnext\t\u0001"`, `"line\nnext\t\u0001"`},
		{"emoji 😀", `"emoji \ud83d\ude00"`, `"emoji 😀"`},
		{"bad \xff", `"bad \ufffd"`, "\"bad \ufffd\""},
	}
	for _, tc := range tests {
		if got := string(appendString(nil, tc.in, false)); got != tc.php {
			t.Errorf("php %q: %s, want %s", tc.in, got, tc.php)
		}
		if got := string(appendString(nil, tc.in, true)); got != tc.raw {
			t.Errorf("raw %q: %s, want %s", tc.in, got, tc.raw)
		}
		var back string
		if err := json.Unmarshal(appendString(nil, tc.in, false), &back); err != nil || (back != tc.in && !strings.Contains(tc.in, "\xff")) {
			t.Errorf("%q does not round-trip: %q %v", tc.in, back, err)
		}
	}
}

func TestUnescapedJSON(t *testing.T) {
	t.Parallel()
	php := setup(t, 60, Options{})
	raw := setup(t, 60, Options{UnescapedJSON: true})
	a, b := php.call("action=get_users").body, raw.call("action=get_users").body
	if bytes.Contains(a, []byte("https://")) || !bytes.Contains(a, []byte(`https:\/\/`)) {
		t.Fatal("default reply does not escape slashes")
	}
	if bytes.Contains(b, []byte(`\/`)) || !bytes.Contains(b, []byte("https://")) {
		t.Fatal("UnescapedJSON reply escapes slashes")
	}
	var ua, ub any
	if err := json.Unmarshal(a, &ua); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ub); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(ua)
	jb, _ := json.Marshal(ub)
	if !bytes.Equal(ja, jb) {
		t.Fatal("escaped and unescaped replies carry different data")
	}
}

func TestRequestsPerAction(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Action: "get_users", Kind: Status5xx})
	e.call("action=get_users")
	e.call("action=get_users")
	e.call("action=get_user_groups")
	e.do(http.MethodGet, Path+"?action=get_users&hash=bad", "", nil)
	e.do(http.MethodGet, Path, "", nil)
	e.do(http.MethodPost, Path, signed("action=get_user_groups", e.srv.APIKey()), nil)
	want := map[string]int{"get_users": 3, "get_user_groups": 2, "": 1}
	if got := e.srv.Requests(); len(got) != len(want) || got["get_users"] != 3 || got["get_user_groups"] != 2 || got[""] != 1 {
		t.Fatalf("Requests %v, want %v", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				kind := []FaultKind{Status5xx, NoData, ErrorEnvelope, Truncate}[(g+i)%4]
				e.srv.Inject(Fault{Kind: kind})
				r := e.call("action=get_users")
				if r.status == http.StatusOK && r.err == nil {
					var env envelope
					if err := json.Unmarshal(r.body, &env); err != nil {
						t.Errorf("bad reply: %v", err)
					}
				}
				if g%3 == 0 {
					e.srv.SetDay(i % 3)
					_ = e.srv.Day()
				}
			}
		}()
	}
	wg.Wait()
	if n := e.srv.Requests()["get_users"]; n != 80 {
		t.Fatalf("%d requests counted, want 80", n)
	}
}
