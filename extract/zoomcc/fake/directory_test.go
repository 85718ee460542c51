package fake

import (
	"slices"
	"sort"
	"testing"

	"github.com/roster-etl/roster/extract/synth"
)

// idsOf returns the sorted values of key in items.
func idsOf(items []map[string]any, key string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, strField(it, key))
	}
	sort.Strings(out)
	return out
}

func sortedUserIDs(srv *Server, people []synth.Person) []string {
	out := make([]string, 0, len(people))
	for _, p := range people {
		out = append(out, srv.UserID(p.ID))
	}
	sort.Strings(out)
	return out
}

func TestTeams(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	snap := e.pop.Day(0)
	members := map[string][]synth.Person{}
	depts := map[string]string{}
	for _, p := range snap.People {
		members[p.Team] = append(members[p.Team], p)
		depts[p.Team] = p.Department
	}
	teams, _ := e.walk("/v2/contact_center/teams", "teams", 100)
	byName := map[string]map[string]any{}
	for _, tm := range teams {
		byName[strField(tm, "team_name")] = tm
		if !reOpaqueID.MatchString(strField(tm, "team_id")) || !reZoomTime.MatchString(strField(tm, "created_time")) ||
			!reZoomTime.MatchString(strField(tm, "modify_time")) {
			t.Fatalf("team %v", tm)
		}
	}
	if len(byName) != len(teams) {
		t.Fatal("a team name is listed twice")
	}
	for name, people := range members {
		tm := byName[name]
		if tm == nil || tm["team_id"] != e.srv.TeamID(name) {
			t.Fatalf("team %q: %v", name, tm)
		}
		parent := byName[depts[name]]
		if parent == nil || tm["parent_team_id"] != parent["team_id"] || tm["parent_team_name"] != depts[name] {
			t.Fatalf("team %q: parent %v, department %q", name, tm, depts[name])
		}
		if _, ok := parent["parent_team_id"]; ok {
			t.Fatalf("department team %q has a parent", depts[name])
		}
		var agents, supervisors []synth.Person
		for _, p := range people {
			if p.Role == "manager" {
				supervisors = append(supervisors, p)
			} else {
				agents = append(agents, p)
			}
		}
		id := e.srv.TeamID(name)
		gotAgents, _ := e.walk("/v2/contact_center/teams/"+id+"/agents", "agents", 300)
		gotSupervisors, _ := e.walk("/v2/contact_center/teams/"+id+"/supervisors", "supervisors", 300)
		if !slices.Equal(idsOf(gotAgents, "user_id"), sortedUserIDs(e.srv, agents)) {
			t.Fatalf("team %q: agents differ", name)
		}
		if !slices.Equal(idsOf(gotSupervisors, "user_id"), sortedUserIDs(e.srv, supervisors)) {
			t.Fatalf("team %q: supervisors differ", name)
		}
		for _, a := range append(gotAgents, gotSupervisors...) {
			if strField(a, "user_display_name") == "" || len(a) != 3 {
				t.Fatalf("member %v", a)
			}
		}
		parents := e.page("/v2/contact_center/teams/"+id+"/parents", "teams")
		if len(parents.Items) != 1 || parents.Items[0]["team_name"] != depts[name] {
			t.Fatalf("team %q: parents %v", name, parents.Items)
		}
		children := e.page("/v2/contact_center/teams/"+parent["team_id"].(string)+"/children?page_size=100", "teams")
		if !slices.Contains(idsOf(children.Items, "team_name"), name) {
			t.Fatalf("department %q: children %v lack %q", depts[name], children.Items, name)
		}
	}
	if len(teams) != len(members)+len(slices.Compact(sortedValues(depts))) {
		t.Fatalf("%d teams for %d synth teams and their departments", len(teams), len(members))
	}
}

func sortedValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func TestQueues(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	snap := e.pop.Day(0)
	all := e.page("/v2/contact_center/queues?page_size=100", "queues")
	if got := idsOf(all.Items, "queue_name"); !slices.Equal(got, sortedStrings(synth.QueueNames())) {
		t.Fatalf("queues %v", got)
	}
	voice := e.page("/v2/contact_center/queues?page_size=100&channel=voice", "queues")
	if len(voice.Items) == 0 || len(voice.Items) == len(all.Items) {
		t.Fatalf("%d voice queues of %d", len(voice.Items), len(all.Items))
	}
	for _, q := range voice.Items {
		if q["channel"] != "voice" {
			t.Fatalf("channel filter let through %v", q)
		}
	}
	for _, q := range all.Items {
		name := strField(q, "queue_name")
		var agents, supervisors []synth.Person
		for _, p := range snap.People {
			if slices.Contains(p.Queues, name) {
				if p.Role == "manager" {
					supervisors = append(supervisors, p)
				} else {
					agents = append(agents, p)
				}
			}
		}
		if q["agents_count"] != float64(len(agents)) || q["supervisors_count"] != float64(len(supervisors)) {
			t.Fatalf("queue %q: %v, want %d agents and %d supervisors", name, q, len(agents), len(supervisors))
		}
		id := strField(q, "queue_id")
		if id != e.srv.QueueID(name) || strField(q, "cc_queue_id") == "" {
			t.Fatalf("queue %v", q)
		}
		one := e.get("/v2/contact_center/queues/" + id).json(t)
		if one["queue_name"] != name || one["agents_count"] != q["agents_count"] {
			t.Fatalf("single queue %v", one)
		}
		gotAgents, _ := e.walk("/v2/contact_center/queues/"+id+"/agents", "agents", 300)
		gotSupervisors, _ := e.walk("/v2/contact_center/queues/"+id+"/supervisors", "supervisors", 300)
		if !slices.Equal(idsOf(gotAgents, "user_id"), sortedUserIDs(e.srv, agents)) ||
			!slices.Equal(idsOf(gotSupervisors, "user_id"), sortedUserIDs(e.srv, supervisors)) {
			t.Fatalf("queue %q: members differ", name)
		}
		for _, a := range gotAgents {
			if a["status_id"] == nil || a["role_name"] == nil || a["user_access"] == nil {
				t.Fatalf("queue agent %v", a)
			}
		}
	}
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func TestRegions(t *testing.T) {
	t.Parallel()
	e := setup(t, 400, Options{})
	snap := e.pop.Day(0)
	owner, _ := snap.Person(e.pop.OwnerID())
	counts := map[string]int{}
	for _, p := range snap.People {
		counts[p.Region]++
	}
	regions := e.page("/v2/contact_center/regions?page_size=100", "regions")
	if len(regions.Items) != len(counts) {
		t.Fatalf("%d regions, synth has %d", len(regions.Items), len(counts))
	}
	for i, r := range regions.Items {
		name := strField(r, "region_name")
		if (i == 0) != (name == owner.Region) || r["is_main_region"] != (name == owner.Region) {
			t.Fatalf("region %d %v: the main region (%q) comes first", i, r, owner.Region)
		}
		if r["users_count"] != float64(counts[name]) || r["region_id"] != e.srv.RegionID(name) {
			t.Fatalf("region %v, want %d users", r, counts[name])
		}
		users, _ := e.walk("/v2/contact_center/regions/"+strField(r, "region_id")+"/users", "users", 100)
		if len(users) != counts[name] {
			t.Fatalf("region %q lists %d users, want %d", name, len(users), counts[name])
		}
		agentRole := e.srv.RoleID("Agent")
		agents, _ := e.walk("/v2/contact_center/regions/"+strField(r, "region_id")+"/users?role_id="+agentRole, "users", 100)
		want := 0
		for _, p := range snap.People {
			if p.Region == name && expectedRole(p) == "Agent" {
				want++
			}
		}
		if len(agents) != want {
			t.Fatalf("region %q: %d agents, want %d", name, len(agents), want)
		}
		for _, a := range agents {
			if a["role_id"] != agentRole || a["role_name"] != "Agent" {
				t.Fatalf("role_id filter let through %v", a)
			}
		}
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := setup(t, 600, Options{})
	snap := e.pop.Day(0)
	roles, _ := e.walk("/v2/contact_center/roles", "roles", 100)
	want := append([]string{"Admin", "Supervisor", "Agent", "Guest Agent", "Read-Only Viewer"}, synth.CustomRoleNames()...)
	if got := idsOf(roles, "role_name"); !slices.Equal(got, sortedStrings(want)) {
		t.Fatalf("roles %v", got)
	}
	total := 0
	for _, r := range roles {
		name := strField(r, "role_name")
		id := strField(r, "role_id")
		isUUID := reUUID.MatchString(id)
		if wantUUID := name != "Supervisor" && name != "Agent"; isUUID != wantUUID || (!isUUID && !reOpaqueID.MatchString(id)) {
			t.Fatalf("role %q has id %q", name, id)
		}
		n := 0
		for _, p := range snap.People {
			if expectedRole(p) == name {
				n++
			}
		}
		if r["total_users"] != float64(n) {
			t.Fatalf("role %q: total_users %v, want %d", name, r["total_users"], n)
		}
		users, _ := e.walk("/v2/contact_center/roles/"+id+"/users", "users", 300)
		if len(users) != n {
			t.Fatalf("role %q lists %d users, want %d", name, len(users), n)
		}
		total += n
	}
	if total != len(snap.People) {
		t.Fatalf("roles cover %d of %d people", total, len(snap.People))
	}
}

func TestSystemStatuses(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	statuses, _ := e.walk("/v2/contact_center/system_statuses", "statuses", 100)
	byID := map[string]map[string]any{}
	for _, s := range statuses {
		byID[strField(s, "status_id")] = s
	}
	want := map[string]string{"0": "Offline", "1": "Ready", "2": "Not Ready", "3": "Occupied", "4": "Do Not Disturb",
		"20": "Break", "21": "Meal", "22": "Training", "23": "Meeting", "100": "Coaching"}
	for id, name := range want {
		if s := byID[id]; s == nil || s["status_name"] != name {
			t.Fatalf("status %s: %v, want %q", id, s, name)
		}
	}
	if byID["4"]["status_type"] != "custom" || byID["1"]["status_type"] != "default" {
		t.Fatalf("status types: %v %v", byID["4"], byID["1"])
	}
}

func TestDirectoryFollowsTheDay(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	role := e.srv.RoleID("Agent")
	count := func() float64 {
		for _, r := range e.page("/v2/contact_center/roles?page_size=100", "roles").Items {
			if r["role_id"] == role {
				return r["total_users"].(float64)
			}
		}
		return -1
	}
	want := func(day int) float64 {
		n := 0
		for _, p := range e.pop.Day(day).People {
			if expectedRole(p) == "Agent" {
				n++
			}
		}
		return float64(n)
	}
	if got := count(); got != want(0) {
		t.Fatalf("day 0: %v agents, want %v", got, want(0))
	}
	e.srv.SetDay(5)
	if got := count(); got != want(5) {
		t.Fatalf("day 5: %v agents, want %v", got, want(5))
	}
}
