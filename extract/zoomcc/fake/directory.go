package fake

import (
	"github.com/roster-etl/roster/extract/synth"
)

// listRoles serves GET /contact_center/roles: the three default roles and the custom
// ones, with the day's total_users.
func (s *Server) listRoles(req *request, resp *response) {
	dir := req.ds.directory(s)
	roles := s.catalog.roles
	p, ok := s.readPage(req, resp, catalogPages, "", len(roles))
	if !ok {
		return
	}
	resp.writePage(p, "roles", func(w *jw, i int) {
		r := roles[i]
		w.open('{')
		w.field("role_id", r.id)
		w.field("role_name", r.name)
		w.field("role_description", r.description)
		w.numField("total_users", int64(len(dir.roleUsers[r])))
		w.field("modified_by", s.modifiedBy)
		w.timeField("last_modified_time", r.modified)
		w.close('}')
	})
}

// listRoleUsers serves GET /contact_center/roles/{roleId}/users.
func (s *Server) listRoleUsers(req *request, resp *response) {
	r := s.catalog.roleByID[req.route.arg]
	if r == nil {
		resp.notFound("Role", req.route.arg)
		return
	}
	list := req.ds.directory(s).roleUsers[r]
	p, ok := s.readPage(req, resp, memberPages, "", len(list))
	if !ok {
		return
	}
	resp.writePage(p, "users", func(w *jw, i int) {
		u := list[i]
		w.open('{')
		w.field("user_id", s.ids.user(u.ID))
		w.key("display_name")
		w.strs(u.FirstName, " ", u.LastName)
		w.field("user_email", u.Email)
		w.close('}')
	})
}

// listTeams serves GET /contact_center/teams: every team of the day (synth Teams with
// at least one listed member, and their Departments as parent teams), by name.
func (s *Server) listTeams(req *request, resp *response) {
	teams := req.ds.directory(s).teams
	p, ok := s.readPage(req, resp, catalogPages, "", len(teams))
	if !ok {
		return
	}
	resp.writePage(p, "teams", func(w *jw, i int) { writeTeam(w, teams[i]) })
}

// lookupTeam resolves the {teamId} of a path, or answers 404.
func (s *Server) lookupTeam(req *request, resp *response) (*team, bool) {
	t := req.ds.directory(s).teamByID[req.route.arg]
	if t == nil {
		resp.notFound("Team", req.route.arg)
		return nil, false
	}
	return t, true
}

// getTeam serves GET /contact_center/teams/{teamId}.
func (s *Server) getTeam(req *request, resp *response) {
	t, ok := s.lookupTeam(req, resp)
	if !ok {
		return
	}
	resp.json(200, func(w *jw) { writeTeam(w, t) })
}

func writeTeam(w *jw, t *team) {
	w.open('{')
	w.field("team_id", t.id)
	w.field("team_name", t.name)
	w.field("team_description", t.description)
	if t.parent != nil {
		w.field("parent_team_id", t.parent.id)
		w.field("parent_team_name", t.parent.name)
	}
	w.timeField("created_time", t.created)
	w.timeField("modify_time", t.modified)
	w.close('}')
}

// listTeamMembers serves GET /contact_center/teams/{teamId}/agents and /supervisors:
// {"agents":[...]} or {"supervisors":[...]} of {"user_id","user_display_name",
// "user_email"}. A team's synth managers are its supervisors, everyone else an agent.
func (s *Server) listTeamMembers(req *request, resp *response) {
	t, ok := s.lookupTeam(req, resp)
	if !ok {
		return
	}
	list, key := t.agents, "agents"
	if req.route.kind == routeTeamSupervisors {
		list, key = t.supervisors, "supervisors"
	}
	p, ok := s.readPage(req, resp, s.groupMemberPages(), "", len(list))
	if !ok {
		return
	}
	resp.writePage(p, key, func(w *jw, i int) {
		u := list[i]
		w.open('{')
		w.field("user_id", s.ids.user(u.ID))
		w.key("user_display_name")
		w.strs(u.FirstName, " ", u.LastName)
		w.field("user_email", u.Email)
		w.close('}')
	})
}

// listTeamRelatives serves GET /contact_center/teams/{teamId}/children and /parents:
// {"teams":[...]}.
func (s *Server) listTeamRelatives(req *request, resp *response) {
	t, ok := s.lookupTeam(req, resp)
	if !ok {
		return
	}
	list := t.children
	if req.route.kind == routeTeamParents {
		list = nil
		if t.parent != nil {
			list = []*team{t.parent}
		}
	}
	p, ok := s.readPage(req, resp, catalogPages, "", len(list))
	if !ok {
		return
	}
	resp.writePage(p, "teams", func(w *jw, i int) { writeTeam(w, list[i]) })
}

// listRegions serves GET /contact_center/regions: the synth Regions of the day, the
// owner's (is_main_region) first.
func (s *Server) listRegions(req *request, resp *response) {
	regions := req.ds.directory(s).regions
	p, ok := s.readPage(req, resp, catalogPages, "", len(regions))
	if !ok {
		return
	}
	resp.writePage(p, "regions", func(w *jw, i int) {
		r := regions[i]
		w.open('{')
		w.field("region_id", r.id)
		w.field("region_name", r.name)
		w.boolField("is_main_region", r.main)
		w.field("sip_zone_id", r.sipID)
		w.field("sip_zone_name", r.sipName)
		w.numField("users_count", int64(len(r.users)))
		w.timeField("last_modified_time", r.modified)
		w.close('}')
	})
}

// listRegionUsers serves GET /contact_center/regions/{regionId}/users (page_size
// default 10, max 100; filter role_id).
func (s *Server) listRegionUsers(req *request, resp *response) {
	r := req.ds.directory(s).regionByID[req.route.arg]
	if r == nil {
		resp.notFound("Region", req.route.arg)
		return
	}
	roleID := req.r.URL.Query().Get("role_id")
	list := r.users
	if roleID != "" {
		list = req.ds.cached("region\x00"+filterKey(r.id, roleID), func() []*synth.Person {
			return filter(r.users, func(p *synth.Person) bool { return s.catalog.roleOf(p).id == roleID })
		})
	}
	p, ok := s.readPage(req, resp, regionPages, filterKey(roleID), len(list))
	if !ok {
		return
	}
	resp.writePage(p, "users", func(w *jw, i int) {
		u := list[i]
		role := s.catalog.roleOf(u)
		w.open('{')
		w.field("user_id", s.ids.user(u.ID))
		w.key("display_name")
		w.strs(u.FirstName, " ", u.LastName)
		w.field("user_email", u.Email)
		w.field("role_id", role.id)
		w.field("role_name", role.name)
		w.close('}')
	})
}

// listQueues serves GET /contact_center/queues (filter channel), synth's queues in
// synth's order.
func (s *Server) listQueues(req *request, resp *response) {
	channel := req.r.URL.Query().Get("channel")
	var queues []*queueDef
	for _, q := range s.catalog.queues {
		if channel == "" || q.channel == channel {
			queues = append(queues, q)
		}
	}
	dir := req.ds.directory(s)
	p, ok := s.readPage(req, resp, catalogPages, filterKey(channel), len(queues))
	if !ok {
		return
	}
	resp.writePage(p, "queues", func(w *jw, i int) { s.writeQueue(w, dir, queues[i]) })
}

// getQueue serves GET /contact_center/queues/{queueId}.
func (s *Server) getQueue(req *request, resp *response) {
	q := s.catalog.queueByID[req.route.arg]
	if q == nil {
		resp.notFound("Queue", req.route.arg)
		return
	}
	dir := req.ds.directory(s)
	resp.json(200, func(w *jw) { s.writeQueue(w, dir, q) })
}

func (s *Server) writeQueue(w *jw, dir *directory, q *queueDef) {
	w.open('{')
	w.field("queue_id", q.id)
	w.field("cc_queue_id", q.ccID)
	w.field("queue_name", q.name)
	w.field("queue_description", q.description)
	w.numField("agents_count", int64(len(dir.queueAgents[q.index])))
	w.numField("supervisors_count", int64(len(dir.queueSupervisors[q.index])))
	w.field("channel", q.channel)
	w.key("channel_types")
	w.strings(q.channelTypes)
	w.field("modified_by", s.modifiedBy)
	w.timeField("last_modified_time", q.modified)
	w.close('}')
}

// listQueueMembers serves GET /contact_center/queues/{queueId}/agents and /supervisors,
// in the shape of Zoom's sample: user, role, status and access, and opt_in_out_status.
func (s *Server) listQueueMembers(req *request, resp *response) {
	q := s.catalog.queueByID[req.route.arg]
	if q == nil {
		resp.notFound("Queue", req.route.arg)
		return
	}
	dir := req.ds.directory(s)
	list, key := dir.queueAgents[q.index], "agents"
	if req.route.kind == routeQueueSupervisors {
		list, key = dir.queueSupervisors[q.index], "supervisors"
	}
	p, ok := s.readPage(req, resp, s.groupMemberPages(), "", len(list))
	if !ok {
		return
	}
	resp.writePage(p, key, func(w *jw, i int) {
		u := list[i]
		role := s.catalog.roleOf(u)
		st := statusOf(u)
		w.open('{')
		w.field("user_id", s.ids.user(u.ID))
		w.key("display_name")
		w.strs(u.FirstName, " ", u.LastName)
		w.field("user_email", u.Email)
		w.field("role_id", role.id)
		w.field("role_name", role.name)
		w.field("status_id", st.id)
		w.field("status_name", st.name)
		if u.Active {
			w.field("user_access", "active")
		} else {
			w.field("user_access", "inactive")
		}
		// About 5% of assignments are opted out (1), fixed per person and queue.
		opt := int64(0)
		if mix(s.ids.seed, uint64(u.ID), uint64(q.index), saltQueue)%20 == 0 {
			opt = 1
		}
		w.numField("opt_in_out_status", opt)
		w.close('}')
	})
}

// listStatuses serves GET /contact_center/system_statuses: the default statuses (ids
// "0" to "3"), the custom status Do Not Disturb ("4"), and the Not Ready reasons.
func (s *Server) listStatuses(req *request, resp *response) {
	list := s.catalog.statuses
	p, ok := s.readPage(req, resp, catalogPages, "", len(list))
	if !ok {
		return
	}
	resp.writePage(p, "statuses", func(w *jw, i int) {
		st := list[i]
		w.open('{')
		w.field("status_id", st.id)
		w.field("status_name", st.name)
		w.field("status_type", st.typ)
		w.field("status_category", st.category)
		w.boolField("enable", true)
		w.key("status_assigned_queues")
		w.open('[')
		w.close(']')
		w.close('}')
	})
}
