package fake

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roster-etl/roster/extract/synth"
)

var (
	reZoomTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	reUUID     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[14][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reOpaqueID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	reDigits   = regexp.MustCompile(`^[0-9]+$`)
)

// userKeys are the keys of a listed user, in order (sub_status_* only when Not Ready).
var userKeys = []string{"user_id", "display_name", "user_email", "role_id", "role_name", "client_integration",
	"status_id", "status_name", "sub_status_id", "sub_status_name", "user_access", "modified_by", "last_modified_time",
	"country_iso_code", "region_id", "region_name", "channel_settings", "package_name", "add_ons_plan"}

// allUsers lists every user of the day the env serves, as raw objects by user id.
func (e *env) allUsers() (map[string]json.RawMessage, []string) {
	e.t.Helper()
	byID := map[string]json.RawMessage{}
	var order []string
	token := ""
	for {
		target := UsersPath + "?page_size=300"
		if token != "" {
			target += "&next_page_token=" + token
		}
		r := e.get(target)
		if r.status != 200 {
			e.t.Fatalf("GET %s: %d %s", target, r.status, r.body)
		}
		var p struct {
			Next  string            `json:"next_page_token"`
			Users []json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			e.t.Fatal(err)
		}
		for _, u := range p.Users {
			var head struct {
				UserID string `json:"user_id"`
			}
			if err := json.Unmarshal(u, &head); err != nil {
				e.t.Fatal(err)
			}
			byID[head.UserID] = u
			order = append(order, head.UserID)
		}
		if token = p.Next; token == "" {
			return byID, order
		}
	}
}

// keysInOrder returns the top-level keys of a JSON object in document order.
func keysInOrder(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestUsersRenderSynth(t *testing.T) {
	t.Parallel()
	e := setup(t, 1000, Options{})
	snap := e.pop.Day(0)
	users, order := e.allUsers()
	if len(users) != len(snap.People) {
		t.Fatalf("%d users, synth lists %d", len(users), len(snap.People))
	}
	// Users come in hire order (ascending person ID).
	for i, id := range order {
		if pid, _ := e.srv.PersonID(id); pid != snap.People[i].ID {
			t.Fatalf("user %d is person %d, want %d", i, pid, snap.People[i].ID)
		}
	}
	owner := e.srv.UserID(e.pop.OwnerID())
	roles := map[string]bool{}
	for _, p := range snap.People {
		raw := users[e.srv.UserID(p.ID)]
		if raw == nil {
			t.Fatalf("person %d is not listed", p.ID)
		}
		var u map[string]any
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		keys := keysInOrder(t, raw)
		want := userKeys
		if u["status_name"] != "Not Ready" || p.SubStatus == "" {
			want = slices.DeleteFunc(slices.Clone(userKeys), func(k string) bool { return strings.HasPrefix(k, "sub_status") })
		}
		if !slices.Equal(keys, want) {
			t.Fatalf("person %d keys %v, want %v", p.ID, keys, want)
		}
		st := statusOf(&p)
		access := map[bool]string{true: "active", false: "inactive"}[p.Active]
		checks := map[string]string{
			"display_name":     p.FirstName + " " + p.LastName,
			"user_email":       p.Email,
			"role_name":        expectedRole(p),
			"status_id":        st.id,
			"status_name":      st.name,
			"user_access":      access,
			"modified_by":      owner,
			"country_iso_code": p.Country,
			"region_name":      p.Region,
			"region_id":        e.srv.RegionID(p.Region),
			"role_id":          e.srv.RoleID(expectedRole(p)),
		}
		if st.subID != "" {
			checks["sub_status_id"] = st.subID
			checks["sub_status_name"] = p.SubStatus
		}
		for k, v := range checks {
			if u[k] != v {
				t.Fatalf("person %d: %s = %v, want %q\n%s", p.ID, k, u[k], v, raw)
			}
		}
		if got := strField(u, "last_modified_time"); !reZoomTime.MatchString(got) || got != p.UpdatedAt.UTC().Format(zoomTime) {
			t.Fatalf("person %d: last_modified_time %q, UpdatedAt %v", p.ID, got, p.UpdatedAt)
		}
		for _, k := range []string{"status_id", "sub_status_id"} {
			if v, ok := u[k]; ok && !reDigits.MatchString(v.(string)) {
				t.Fatalf("person %d: %s %v is not a numeric string", p.ID, k, v)
			}
		}
		if id := strField(u, "role_id"); !reUUID.MatchString(id) && !reOpaqueID.MatchString(id) {
			t.Fatalf("role_id %q", id)
		}
		cs := u["channel_settings"].(map[string]any)
		mce := cs["multi_channel_engagements"].(map[string]any)
		if _, ok := mce["enable"].(bool); !ok || cs["concurrent_message_capacity"] == nil || mce["max_agent_load"] == nil {
			t.Fatalf("channel_settings %v", cs)
		}
		roles[strField(u, "role_name")] = true
	}
	for _, r := range []string{"Admin", "Supervisor", "Agent", "Guest Agent", "Read-Only Viewer"} {
		if !roles[r] {
			t.Errorf("no user has role %q in a population of 1000", r)
		}
	}
	custom := 0
	for _, name := range synth.CustomRoleNames() {
		if roles[name] {
			custom++
		}
	}
	if custom == 0 {
		t.Error("no user has a synth custom role")
	}
}

// expectedRole is the brief's mapping of synth roles to Zoom role names.
func expectedRole(p synth.Person) string {
	if p.CustomRole != "" {
		return p.CustomRole
	}
	return map[string]string{"owner": "Admin", "admin": "Admin", "manager": "Supervisor", "member": "Agent",
		"guest": "Guest Agent", "readonly": "Read-Only Viewer"}[p.Role]
}

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, sub string
		want        userStatus
	}{
		{"available", "", userStatus{"1", "Ready", "", ""}},
		{"busy", "", userStatus{"3", "Occupied", "", ""}},
		{"away", "Meal", userStatus{"2", "Not Ready", "21", "Meal"}},
		{"away", "Break", userStatus{"2", "Not Ready", "20", "Break"}},
		{"away", "Training", userStatus{"2", "Not Ready", "22", "Training"}},
		{"away", "Meeting", userStatus{"2", "Not Ready", "23", "Meeting"}},
		{"away", "Coaching", userStatus{"2", "Not Ready", "100", "Coaching"}},
		{"away", "", userStatus{"2", "Not Ready", "", ""}},
		{"dnd", "", userStatus{"4", "Do Not Disturb", "", ""}},
		{"offline", "", userStatus{"0", "Offline", "", ""}},
		{"something new", "", userStatus{"0", "Offline", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.status+":"+tc.sub, func(t *testing.T) {
			t.Parallel()
			if got := statusOf(&synth.Person{Status: tc.status, SubStatus: tc.sub}); got != tc.want {
				t.Fatalf("statusOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEmptySubStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{EmptySubStatus: true})
	users, _ := e.allUsers()
	for id, raw := range users {
		var u map[string]any
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		sub, ok := u["sub_status_id"]
		if !ok {
			t.Fatalf("user %s without sub_status_id: %s", id, raw)
		}
		if u["status_name"] != "Not Ready" && (sub != "" || u["sub_status_name"] != "") {
			t.Fatalf("user %s: sub-status outside Not Ready: %s", id, raw)
		}
	}
}

func TestUserFilters(t *testing.T) {
	t.Parallel()
	e := setup(t, 500, Options{})
	snap := e.pop.Day(0)
	var someone, inactive synth.Person
	for _, p := range snap.People {
		if someone.ID == 0 && p.ID != e.pop.OwnerID() && strings.Contains(p.Email, "@") && p.Email == strings.TrimSpace(p.Email) {
			someone = p
		}
		if inactive.ID == 0 && !p.Active {
			inactive = p
		}
	}
	count := func(keep func(p synth.Person) bool) int {
		n := 0
		for _, p := range snap.People {
			if keep(p) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name, query string
		want        int                         // total_records; -1 to skip
		has         string                      // a user id the result must include
		each        func(u map[string]any) bool // every user must pass
	}{
		{"email", "search_key=" + someone.Email, -1, e.srv.UserID(someone.ID), nil},
		{"email in upper case", "search_key=" + strings.ToUpper(someone.Email), -1, e.srv.UserID(someone.ID), nil},
		{"display name", "search_key=" + strings.TrimSpace(someone.LastName), -1, e.srv.UserID(someone.ID), nil},
		{"inactive", "user_access=inactive", count(func(p synth.Person) bool { return !p.Active }), e.srv.UserID(inactive.ID),
			func(u map[string]any) bool { return u["user_access"] == "inactive" }},
		{"active", "user_access=active", count(func(p synth.Person) bool { return p.Active }), e.srv.UserID(e.pop.OwnerID()),
			func(u map[string]any) bool { return u["user_access"] == "active" }},
		{"region", "region_id=" + e.srv.RegionID("Russia"), count(func(p synth.Person) bool { return p.Region == "Russia" }), "",
			func(u map[string]any) bool { return u["region_name"] == "Russia" }},
		{"region and access", "region_id=" + e.srv.RegionID("Europe") + "&user_access=active",
			count(func(p synth.Person) bool { return p.Region == "Europe" && p.Active }), "",
			func(u map[string]any) bool { return u["region_name"] == "Europe" && u["user_access"] == "active" }},
		{"unknown region", "region_id=nope", 0, "", nil},
		{"empty filters are no filters", "search_key=&region_id=&user_access=", len(snap.People), "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := e.page(UsersPath+"?page_size=300&"+tc.query, "users")
			if tc.want >= 0 && first.TotalRecords != tc.want {
				t.Fatalf("total_records %d, want %d", first.TotalRecords, tc.want)
			}
			users, _ := e.walk(UsersPath+"?"+tc.query, "users", 300)
			if len(users) != first.TotalRecords {
				t.Fatalf("%d users, total_records %d", len(users), first.TotalRecords)
			}
			found := tc.has == ""
			for _, u := range users {
				if strField(u, "user_id") == tc.has {
					found = true
				}
				if tc.each != nil && !tc.each(u) {
					t.Fatalf("user does not match the filter: %v", u)
				}
			}
			if !found {
				t.Fatalf("user %s missing", tc.has)
			}
		})
	}
	r := e.get(UsersPath + "?user_access=deleted")
	want := `{"code":300,"message":"Validation Failed.","errors":[{"field":"user_access","message":"Invalid field."}]}`
	if r.status != 400 || string(r.body) != want {
		t.Fatalf("bad user_access: %d %s", r.status, r.body)
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	listed, _ := e.allUsers()
	withIntegration := 0
	for _, p := range e.pop.Day(0).People {
		id := e.srv.UserID(p.ID)
		r := e.get(UsersPath + "/" + id)
		if r.status != 200 {
			t.Fatalf("GET user %s: %d %s", id, r.status, r.body)
		}
		u := r.json(t)
		var l map[string]any
		if err := json.Unmarshal(listed[id], &l); err != nil {
			t.Fatal(err)
		}
		name, has := u["client_integration_name"]
		if has != (u["client_integration"] != "Default") {
			t.Fatalf("client_integration %v with name %v", u["client_integration"], name)
		}
		if has {
			withIntegration++
			delete(u, "client_integration_name")
		}
		a, _ := json.Marshal(u)
		b, _ := json.Marshal(l)
		if !bytes.Equal(a, b) {
			t.Fatalf("single user differs from the listed one:\n%s\n%s", a, b)
		}
	}
	if withIntegration == 0 {
		t.Fatal("no user has a client integration")
	}
}

func TestUserQueues(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	checked := 0
	for _, p := range e.pop.Day(0).People {
		if len(p.Queues) == 0 {
			continue
		}
		pg := e.page(UsersPath+"/"+e.srv.UserID(p.ID)+"/queues?page_size=100", "queues")
		var names []string
		for _, q := range pg.Items {
			names = append(names, strField(q, "queue_name"))
			wantType := "agent"
			if p.Role == "manager" {
				wantType = "supervisor"
			}
			if q["user_assignment_type"] != wantType || q["queue_id"] != e.srv.QueueID(strField(q, "queue_name")) {
				t.Fatalf("person %d (%s): queue %v", p.ID, p.Role, q)
			}
		}
		if !slices.Equal(names, p.Queues) {
			t.Fatalf("person %d: queues %v, want %v", p.ID, names, p.Queues)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("nobody has queues")
	}
}

func TestRepliesAreDeterministic(t *testing.T) {
	t.Parallel()
	a := setup(t, 150, Options{})
	b := setup(t, 150, Options{})
	targets := []string{
		UsersPath + "?page_size=40",
		UsersPath + "?page_size=300&user_access=inactive",
		"/v2/contact_center/teams?page_size=100",
		"/v2/contact_center/queues",
		"/v2/contact_center/regions",
		"/v2/contact_center/roles",
		"/v2/contact_center/system_statuses?page_size=100",
	}
	for _, target := range targets {
		ra, rb := a.get(target), b.get(target)
		if ra.status != 200 || !bytes.Equal(ra.body, rb.body) {
			t.Fatalf("%s differs between two servers of one population:\n%s\n%s", target, ra.body, rb.body)
		}
		if again := a.get(target); !bytes.Equal(again.body, ra.body) {
			t.Fatalf("%s differs between two requests", target)
		}
	}
	a.srv.SetDay(3)
	b.srv.SetDay(3)
	if ra, rb := a.get(UsersPath+"?page_size=300"), b.get(UsersPath+"?page_size=300"); !bytes.Equal(ra.body, rb.body) {
		t.Fatal("day 3 differs between two servers")
	}
	if a.srv.Day() != 3 {
		t.Fatalf("Day() = %d", a.srv.Day())
	}
}

// statusKeys are the fields a status-only change may touch.
var statusKeys = map[string]bool{"status_id": true, "status_name": true, "sub_status_id": true, "sub_status_name": true}

func TestUnchangedPeopleRenderIdentically(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	for day := 1; day <= 3; day++ {
		before, _ := e.allUsers()
		e.srv.SetDay(day)
		after, _ := e.allUsers()
		changed := map[int]synth.ChangeKind{}
		for _, c := range e.pop.Day(day).Changes {
			changed[c.PersonID] = c.Kind
		}
		statusOnly, untouched := 0, 0
		for id, raw := range after {
			pid, _ := e.srv.PersonID(id)
			old, ok := before[id]
			switch kind, has := changed[pid]; {
			case !ok:
				continue
			case !has:
				untouched++
				if !bytes.Equal(old, raw) {
					t.Fatalf("day %d: unchanged person %d renders differently:\n%s\n%s", day, pid, old, raw)
				}
			case kind == synth.StatusOnly:
				statusOnly++
				var a, b map[string]any
				_ = json.Unmarshal(old, &a)
				_ = json.Unmarshal(raw, &b)
				for k := range statusKeys {
					delete(a, k)
					delete(b, k)
				}
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				if !bytes.Equal(ja, jb) {
					t.Fatalf("day %d: status-only change of %d touched more:\n%s\n%s", day, pid, old, raw)
				}
			}
		}
		if statusOnly == 0 || untouched == 0 {
			t.Fatalf("day %d: %d status-only and %d untouched people", day, statusOnly, untouched)
		}
	}
}
