package fake

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roster-etl/roster/extract/synth"
)

const wantUnauthorized = `{"error": "The server could not verify that you are authorized to access the URL requested.  You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."}`

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{ExtraAPIKeys: []string{"second-key"}})
	tests := []struct {
		name          string
		authorization string
		want          int
	}{
		{"basic with empty password", basicAuth(testKey), http.StatusOK},
		{"basic password is ignored", "Basic " + b64(testKey+":secret"), http.StatusOK},
		{"basic without colon", "Basic " + b64(testKey), http.StatusOK},
		{"bearer", "Bearer " + testKey, http.StatusOK},
		{"extra key of the same organization", basicAuth("second-key"), http.StatusOK},
		{"wrong key", basicAuth("wrong"), http.StatusUnauthorized},
		{"wrong bearer", "Bearer wrong", http.StatusUnauthorized},
		{"key as password", "Basic " + b64(":"+testKey), http.StatusUnauthorized},
		{"malformed base64", "Basic !!!", http.StatusUnauthorized},
		{"no header", "", http.StatusUnauthorized},
		{"unknown scheme", "Token " + testKey, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(http.MethodGet, "/api/v1/me/", tc.authorization)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if tc.want == http.StatusUnauthorized {
				if string(r.body) != wantUnauthorized {
					t.Fatalf("401 body:\n%s\nwant\n%s", r.body, wantUnauthorized)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
					t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{})
	owner := e.srv.UserID(e.pop.OwnerID())
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/me/", 200},
		{"GET", "/api/v1/user/", 200},
		{"GET", "/api/v1/user/" + owner + "/", 200},
		{"GET", "/api/v1/user/availability/", 200},
		{"GET", "/api/v1/organization/" + e.srv.OrgID() + "/", 200},
		{"GET", "/api/v1/role/", 200},
		{"GET", "/api/v1/role/admin/", 200},
		{"GET", "/api/v1/group/", 200},
		{"GET", "/api/v1/me", 404},
		{"GET", "/api/v1/user", 404},
		{"GET", "/api/v1/user/" + owner, 404},
		{"GET", "/api/v1/user/availability", 404},
		{"GET", "/api/v1/lead/", 404},
		{"GET", "/api/v1//", 404},
		{"GET", "/api/v1/user/a/b/", 404},
		{"GET", "/user/", 404},
		{"POST", "/api/v1/user/", 405},
		{"DELETE", "/api/v1/me/", 405},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.do(tc.method, tc.path, basicAuth(testKey))
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
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
	last := "0"
	if strings.HasSuffix(valid, "0") {
		last = "1"
	}
	tampered := valid[:len(valid)-1] + last
	tests := []struct{ path, body string }{
		{"/api/v1/user/user_nosuchuser/", `{"error": "Empty query: User matching query does not exist."}`},
		{"/api/v1/user/" + tampered + "/", `{"error": "Empty query: User matching query does not exist."}`},
		{"/api/v1/user/" + e.srv.UserID(999999) + "/", `{"error": "Empty query: User matching query does not exist."}`},
		{"/api/v1/organization/orga_other/", `{"error": "Empty query: Organization matching query does not exist."}`},
		{"/api/v1/role/role_nope/", `{"error": "Empty query: Role matching query does not exist."}`},
		{"/api/v1/group/group_nope/", `{"error": "Empty query: Group matching query does not exist."}`},
		{"/api/v1/user/availability/?organization_id=orga_other", `{"error": "Empty query: Organization matching query does not exist."}`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.get(tc.path)
			if r.status != http.StatusNotFound || string(r.body) != tc.body {
				t.Fatalf("got %d %s, want 404 %s", r.status, r.body, tc.body)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := setup(t, 250, Options{MaxSkip: 5000})
	total := len(e.pop.Day(0).People)
	if total != 250 {
		t.Fatalf("day 0 lists %d", total)
	}
	tests := []struct {
		name        string
		path        string
		wantLen     int
		wantHasMore bool
	}{
		{"default limit is 100", "/api/v1/user/", 100, true},
		{"middle page", usersPath(100, 100), 100, true},
		{"short last page", usersPath(200, 100), 50, false},
		{"full last page of an exact multiple", usersPath(200, 50), 50, false},
		{"page before the exact last one", usersPath(150, 50), 50, true},
		{"one before the end", usersPath(249, 1), 1, false},
		{"skip at the end", usersPath(250, 100), 0, false},
		{"skip past the end", usersPath(4000, 100), 0, false},
		{"max limit accepted", usersPath(0, 1000), 250, false},
		{"limit equal to the total", usersPath(0, 250), 250, false},
		{"only skip", "/api/v1/user/?_skip=240", 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := e.page(tc.path)
			if len(p.Data) != tc.wantLen || p.HasMore != tc.wantHasMore {
				t.Fatalf("%d users, has_more %v; want %d, %v", len(p.Data), p.HasMore, tc.wantLen, tc.wantHasMore)
			}
		})
	}
}

func TestPaginationErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{MaxLimit: 200, MaxSkip: 500})
	tests := []struct{ path, body string }{
		{"/api/v1/user/?_limit=201", `{"error": "The maximum value for _limit on this endpoint is 200."}`},
		{"/api/v1/user/?_skip=501", `{"error": "The maximum value for _skip on this endpoint is 500."}`},
		{"/api/v1/user/?_limit=abc", `{"errors": [], "field-errors": {"_limit": "Enter a whole number."}}`},
		{"/api/v1/user/?_limit=10.5", `{"errors": [], "field-errors": {"_limit": "Enter a whole number."}}`},
		{"/api/v1/user/?_limit=0", `{"errors": [], "field-errors": {"_limit": "Ensure this value is greater than or equal to 1."}}`},
		{"/api/v1/user/?_skip=x", `{"errors": [], "field-errors": {"_skip": "Enter a whole number."}}`},
		{"/api/v1/user/?_skip=-1", `{"errors": [], "field-errors": {"_skip": "Ensure this value is greater than or equal to 0."}}`},
		{"/api/v1/user/?_order_by=email", `{"errors": [], "field-errors": {"_order_by": "Select a valid choice. email is not one of the available choices."}}`},
		{"/api/v1/user/?_order_by=-last_name", `{"errors": [], "field-errors": {"_order_by": "Select a valid choice. -last_name is not one of the available choices."}}`},
		{"/api/v1/role/?_limit=1000", `{"error": "The maximum value for _limit on this endpoint is 200."}`},
		{"/api/v1/group/?_skip=nope", `{"errors": [], "field-errors": {"_skip": "Enter a whole number."}}`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.get(tc.path)
			if r.status != http.StatusBadRequest || string(r.body) != tc.body {
				t.Fatalf("got %d %s\nwant 400 %s", r.status, r.body, tc.body)
			}
		})
	}
}

func TestPagingVisitsEveryUserOnceInOrder(t *testing.T) {
	t.Parallel()
	e := setup(t, 95, Options{})
	var got []string
	for skip := 0; ; skip += 7 {
		p := e.page(usersPath(skip, 7))
		got = append(got, userIDs(p)...)
		if !p.HasMore {
			break
		}
	}
	var want []string
	for _, ps := range e.pop.Day(0).People {
		want = append(want, e.srv.UserID(ps.ID))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %d users, want %d in person ID order", len(got), len(want))
	}
}

func TestOrderBy(t *testing.T) {
	t.Parallel()
	e := setup(t, 120, Options{})
	for _, order := range []string{"last_name,first_name", "first_name,last_name"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			p := e.page("/api/v1/user/?_limit=1000&_order_by=" + order)
			if len(p.Data) != 120 {
				t.Fatalf("%d users", len(p.Data))
			}
			keys := strings.Split(order, ",")
			sorted := slices.IsSortedFunc(p.Data, func(a, b map[string]any) int {
				if c := strings.Compare(a[keys[0]].(string), b[keys[0]].(string)); c != 0 {
					return c
				}
				return strings.Compare(a[keys[1]].(string), b[keys[1]].(string))
			})
			if !sorted {
				t.Fatal("users are not sorted")
			}
			// Paging in that order gives the same sequence.
			first, second := e.page("/api/v1/user/?_limit=60&_order_by="+order), e.page("/api/v1/user/?_skip=60&_limit=60&_order_by="+order)
			if !slices.Equal(append(userIDs(first), userIDs(second)...), userIDs(p)) {
				t.Fatal("paging in a sorted order is not stable")
			}
		})
	}
}

func TestFieldsProjection(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, Options{})
	owner := e.srv.UserID(e.pop.OwnerID())
	group := e.page("/api/v1/group/").Data[0]["id"].(string)
	tests := []struct {
		path string
		want []string
	}{
		{"/api/v1/user/?_fields=id,email", []string{"email", "id"}},
		{"/api/v1/user/?_fields=id,%20first_name,unknown", []string{"first_name", "id"}},
		{"/api/v1/user/?_fields=", userFields},
		{"/api/v1/user/" + owner + "/?_fields=organizations", []string{"organizations"}},
		{"/api/v1/me/?_fields=id,memberships", []string{"id", "memberships"}},
		{"/api/v1/group/?_fields=name", []string{"name"}},
		{"/api/v1/group/" + group + "/?_fields=id,members", []string{"id", "members"}},
		{"/api/v1/role/?_fields=id,name", []string{"id", "name"}},
		{"/api/v1/organization/" + e.srv.OrgID() + "/?_fields=id,name", []string{"id", "name"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			m := e.get(tc.path).json(t)
			obj := m
			if data, ok := m["data"].([]any); ok {
				obj = data[0].(map[string]any)
			}
			var keys []string
			for k := range obj {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.want) {
				t.Fatalf("keys %v, want %v", keys, tc.want)
			}
		})
	}
}

var (
	userIDPattern = regexp.MustCompile(`^user_[0-9A-Za-z]{43}$`)
	timePattern   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`)
)

func TestUserObjects(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	snap := e.pop.Day(0)
	p := e.page(usersPath(0, 1000))
	sawInactive := false
	for i, u := range p.Data {
		ps := snap.People[i]
		id := u["id"].(string)
		if !userIDPattern.MatchString(id) {
			t.Fatalf("id %q", id)
		}
		if back, ok := e.srv.PersonID(id); !ok || back != ps.ID {
			t.Fatalf("id %s decodes to %d, want %d", id, back, ps.ID)
		}
		for _, k := range []string{"date_created", "date_updated"} {
			if !timePattern.MatchString(u[k].(string)) {
				t.Fatalf("%s %q", k, u[k])
			}
		}
		if v, ok := u["email_verified_at"].(string); ok && !timePattern.MatchString(v) {
			t.Fatalf("email_verified_at %q", v)
		}
		if u["email"] != ps.Email || u["first_name"] != ps.FirstName || u["last_name"] != ps.LastName {
			t.Fatalf("user %v does not render person %+v", u, ps)
		}
		sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(ps.Email))))
		if u["image"] != "https://secure.gravatar.com/avatar/"+hex.EncodeToString(sum[:]) {
			t.Fatalf("image %v", u["image"])
		}
		if tz, ok := u["last_used_timezone"].(string); ok && tz != ps.Timezone {
			t.Fatalf("timezone %q, want %q", tz, ps.Timezone)
		}
		orgs := u["organizations"].([]any)
		if ps.Active && (len(orgs) != 1 || orgs[0] != e.srv.OrgID()) || !ps.Active && len(orgs) != 0 {
			t.Fatalf("active=%v with organizations %v", ps.Active, orgs)
		}
		sawInactive = sawInactive || !ps.Active
		one := e.get("/api/v1/user/" + id + "/")
		var single map[string]any
		if err := json.Unmarshal(one.body, &single); err != nil || !equalJSON(single, u) {
			t.Fatalf("user/%s/ differs from the list item", id)
		}
	}
	if !sawInactive {
		t.Fatal("no deactivated user among 300")
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestMe(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, Options{})
	m := e.get("/api/v1/me/").json(t)
	if m["id"] != e.srv.UserID(e.pop.OwnerID()) {
		t.Fatalf("me is %v, want the owner", m["id"])
	}
	mem := m["memberships"].([]any)[0].(map[string]any)
	if mem["organization_id"] != e.srv.OrgID() || mem["role_id"] != "admin" || !strings.HasPrefix(mem["id"].(string), "memb_") {
		t.Fatalf("membership %v", mem)
	}
	acct := m["email_accounts"].([]any)[0].(map[string]any)
	if !strings.HasPrefix(acct["id"].(string), "emailacct_") || acct["user_id"] != m["id"] {
		t.Fatalf("email account %v", acct)
	}
}

func TestOrganizationMembershipsCarryRoles(t *testing.T) {
	t.Parallel()
	e := setup(t, 600, Options{})
	snap := e.pop.Day(0)
	roles := map[string]string{} // role id -> name
	for _, r := range e.page("/api/v1/role/").Data {
		roles[r["id"].(string)] = r["name"].(string)
	}
	for _, id := range []string{"admin", "superuser", "user", "restricteduser"} {
		if roles[id] == "" {
			t.Fatalf("predefined role %s missing from /role/: %v", id, roles)
		}
	}
	org := e.get("/api/v1/organization/" + e.srv.OrgID() + "/").json(t)
	if org["name"] != e.pop.Company() || !strings.HasPrefix(org["id"].(string), "orga_") {
		t.Fatalf("organization %v %v", org["id"], org["name"])
	}
	seen := map[int]bool{}
	custom := 0
	check := func(list []any, active bool) {
		for _, raw := range list {
			m := raw.(map[string]any)
			id, ok := e.srv.PersonID(m["user_id"].(string))
			ps, listed := snap.Person(id)
			if !ok || !listed || ps.Active != active {
				t.Fatalf("membership of %v (active list %v) does not match the person %+v", m["user_id"], active, ps)
			}
			seen[id] = true
			want := map[string]string{"owner": "admin", "admin": "admin", "manager": "superuser", "member": "user",
				"guest": "restricteduser", "readonly": "restricteduser"}[ps.Role]
			if ps.CustomRole != "" {
				custom++
				want = ""
				if roles[m["role_id"].(string)] != ps.CustomRole {
					t.Fatalf("custom role %v named %q, want %q", m["role_id"], roles[m["role_id"].(string)], ps.CustomRole)
				}
			}
			if want != "" && m["role_id"] != want {
				t.Fatalf("%s gets role_id %v, want %s", ps.Role, m["role_id"], want)
			}
			if m["user_email"] != ps.Email || m["user_full_name"] != ps.FirstName+" "+ps.LastName {
				t.Fatalf("flattened user data %v", m)
			}
		}
	}
	check(org["memberships"].([]any), true)
	check(org["inactive_memberships"].([]any), false)
	if len(seen) != len(snap.People) || custom == 0 {
		t.Fatalf("memberships cover %d of %d people, %d custom", len(seen), len(snap.People), custom)
	}
	expanded := e.get("/api/v1/organization/" + e.srv.OrgID() + "/?_expand=memberships__user,inactive_memberships__user").json(t)
	for _, key := range []string{"memberships", "inactive_memberships"} {
		m := expanded[key].([]any)[0].(map[string]any)
		user, ok := m["user"].(map[string]any)
		if !ok || user["id"] != m["user_id"] || m["user_email"] != nil {
			t.Fatalf("%s not expanded: %v", key, m)
		}
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	snap := e.pop.Day(0)
	list := e.page("/api/v1/group/")
	if len(list.Data) != len(synth.GroupNames()) || list.HasMore {
		t.Fatalf("%d groups, has_more %v", len(list.Data), list.HasMore)
	}
	for _, g := range list.Data {
		if _, ok := g["members"]; ok {
			t.Fatal("the group list must not carry members")
		}
		one := e.get("/api/v1/group/" + g["id"].(string) + "/").json(t)
		var got []int
		for _, m := range one["members"].([]any) {
			id, _ := e.srv.PersonID(m.(map[string]any)["user_id"].(string))
			got = append(got, id)
		}
		var want []int
		for _, ps := range snap.People {
			if ps.Active && slices.Contains(ps.Groups, g["name"].(string)) {
				want = append(want, ps.ID)
			}
		}
		if !slices.Equal(got, want) || one["organization_id"] != e.srv.OrgID() {
			t.Fatalf("group %v members %v, want %v", g["name"], got, want)
		}
	}
}

func TestAvailability(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	snap := e.pop.Day(0)
	m := e.get("/api/v1/user/availability/").json(t)
	if _, ok := m["has_more"]; ok {
		t.Fatal("availability is not paginated")
	}
	statuses := map[string]int{}
	active := 0
	for _, ps := range snap.People {
		if ps.Active {
			active++
		}
	}
	data := m["data"].([]any)
	if len(data) != active {
		t.Fatalf("%d entries for %d active users", len(data), active)
	}
	for _, raw := range data {
		entry := raw.(map[string]any)
		id, _ := e.srv.PersonID(entry["user_id"].(string))
		ps, _ := snap.Person(id)
		channels := entry["availability"].([]any)
		online, calls := 0, 0
		for i, c := range channels {
			ch := c.(map[string]any)
			if ch["type"] != []string{"mobile", "native", "web"}[i] {
				t.Fatalf("channel %d is %v", i, ch["type"])
			}
			if ch["status"] == "online" {
				online++
			}
			for _, call := range ch["active_calls"].([]any) {
				calls++
				cm := call.(map[string]any)
				lead := cm["lead"].(map[string]any)
				if cm["method"] != "regular" || !strings.HasPrefix(cm["id"].(string), "acti_") || !strings.HasPrefix(lead["id"].(string), "lead_") {
					t.Fatalf("active call %v", cm)
				}
			}
		}
		statuses[ps.Status]++
		switch {
		case len(channels) != 3:
			t.Fatalf("%d channels", len(channels))
		case ps.Status == "busy" && (calls != 1 || online == 0):
			t.Fatalf("busy user with %d calls, %d online", calls, online)
		case ps.Status == "available" && (calls != 0 || online == 0):
			t.Fatalf("available user with %d calls, %d online", calls, online)
		case ps.Status != "busy" && ps.Status != "available" && online+calls != 0:
			t.Fatalf("%s user online", ps.Status)
		}
	}
	if statuses["busy"] == 0 || statuses["available"] == 0 || statuses["offline"] == 0 {
		t.Fatalf("statuses %v", statuses)
	}
}

// TestDayChangesAreVisible checks that a day's synth changes show in the API, and that
// people who did not change (StatusOnly included) render byte-identically.
func TestDayChangesAreVisible(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	day0 := map[int][]byte{}
	for _, ps := range e.pop.Day(0).People {
		day0[ps.ID] = e.get("/api/v1/user/" + e.srv.UserID(ps.ID) + "/").body
	}
	e.srv.SetDay(1)
	if e.srv.Day() != 1 {
		t.Fatal("SetDay(1) not applied")
	}
	day1 := e.pop.Day(1)
	changed := map[int]synth.ChangeKind{}
	for _, c := range day1.Changes {
		changed[c.PersonID] = c.Kind
	}
	for _, ps := range day1.People {
		r := e.get("/api/v1/user/" + e.srv.UserID(ps.ID) + "/")
		kind, isChanged := changed[ps.ID]
		switch {
		case !isChanged || kind == synth.StatusOnly:
			if !bytes.Equal(r.body, day0[ps.ID]) {
				t.Fatalf("unchanged person %d (%s) renders differently on day 1", ps.ID, kind)
			}
		case kind == synth.Hire || kind == synth.Return:
			if r.status != http.StatusOK || day0[ps.ID] != nil {
				t.Fatalf("%s of %d: %d", kind, ps.ID, r.status)
			}
		default:
			if bytes.Equal(r.body, day0[ps.ID]) {
				t.Fatalf("%s of %d is invisible", kind, ps.ID)
			}
		}
	}
	for id, kind := range changed {
		if kind == synth.Depart {
			if r := e.get("/api/v1/user/" + e.srv.UserID(id) + "/"); r.status != http.StatusNotFound {
				t.Fatalf("departed %d still served: %d", id, r.status)
			}
		}
	}
}

func TestDeterministicReplies(t *testing.T) {
	t.Parallel()
	a, b := setup(t, 150, Options{}), setup(t, 150, Options{})
	paths := []string{usersPath(0, 100), usersPath(100, 100), "/api/v1/me/", "/api/v1/user/availability/",
		"/api/v1/organization/" + a.srv.OrgID() + "/", "/api/v1/role/", "/api/v1/group/"}
	for _, p := range paths {
		if x, y := a.get(p), b.get(p); !bytes.Equal(x.body, y.body) || x.status != 200 {
			t.Fatalf("%s differs between two fakes of the same population", p)
		}
	}
	before := a.get(usersPath(0, 1000)).body
	a.srv.SetDay(2)
	if bytes.Equal(a.get(usersPath(0, 1000)).body, before) {
		t.Fatal("day 2 serves day 0's users")
	}
	a.srv.SetDay(0)
	if !bytes.Equal(a.get(usersPath(0, 1000)).body, before) {
		t.Fatal("day 0 is not reproduced")
	}
}

func TestRequestsCountsEveryPath(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.get("/api/v1/user/")
	e.get("/api/v1/user/?_skip=100")
	e.do(http.MethodGet, "/api/v1/me/", "")
	e.get("/api/v1/nope")
	got := e.srv.Requests()
	want := map[string]int{"/api/v1/user/": 2, "/api/v1/me/": 1, "/api/v1/nope": 1}
	if len(got) != len(want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("requests %v, want %v", got, want)
		}
	}
}

func TestUserIDsRoundTrip(t *testing.T) {
	t.Parallel()
	srv := New(synth.New(synth.Config{Seed: 1, Size: 1}), Options{})
	for _, id := range []int{1, 2, 99, 123456, 1 << 31, synth.ExtraIDBase + 7} {
		u := srv.UserID(id)
		if back, ok := srv.PersonID(u); !ok || back != id || len(u) != 48 {
			t.Fatalf("%d -> %s -> %d", id, u, back)
		}
	}
	other := New(synth.New(synth.Config{Seed: 2, Size: 1}), Options{})
	if _, ok := other.PersonID(srv.UserID(5)); ok {
		t.Fatal("a user id of another seed was accepted")
	}
}
