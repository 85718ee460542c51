package fake

import (
	"strings"

	"github.com/roster-etl/roster/extract/synth"
)

// clientIntegrations are the values of client_integration, with their display names
// (client_integration_name, single-user GET only).
var clientIntegrations = []struct{ value, name string }{
	{"Default", ""},
	{"Salesforce", "Salesforce"},
	{"Microsoft_Dynamics_365", "Microsoft Dynamics 365"},
	{"Zendesk", "Zendesk"},
	{"ServiceNow", "ServiceNow"},
}

// integrationOf picks a person's client integration: 70% Default, then 12% Salesforce,
// 8% Microsoft Dynamics 365, 6% Zendesk, 4% ServiceNow.
func (s *Server) integrationOf(p *synth.Person) int {
	switch h := s.ids.of(p.ID, saltIntegration) % 100; {
	case h < 70:
		return 0
	case h < 82:
		return 1
	case h < 90:
		return 2
	case h < 96:
		return 3
	}
	return 4
}

// packageOf picks a person's package_name: 50% essentials, 35% premium, 15% elite.
func (s *Server) packageOf(p *synth.Person) string {
	switch h := s.ids.of(p.ID, saltPackage) % 100; {
	case h < 50:
		return "essentials"
	case h < 85:
		return "premium"
	}
	return "elite"
}

// displayName is the name Zoom shows: synth's first and last name, quirks included.
func displayName(p *synth.Person) string { return p.FirstName + " " + p.LastName }

// listUsers serves GET /contact_center/users with the filters search_key, region_id and
// user_access.
func (s *Server) listUsers(req *request, resp *response) {
	q := req.r.URL.Query()
	search, regionID, access := q.Get("search_key"), q.Get("region_id"), q.Get("user_access")
	if access != "" && access != "active" && access != "inactive" {
		resp.validation("user_access", "Invalid field.")
		return
	}
	ds := req.ds
	list := ds.users()
	if search != "" || regionID != "" || access != "" {
		list = ds.cached("users\x00"+filterKey(search, regionID, access), func() []*synth.Person {
			return s.filterUsers(ds, search, regionID, access)
		})
	}
	p, ok := s.readPage(req, resp, memberPages, filterKey(search, regionID, access), len(list))
	if !ok {
		return
	}
	resp.writePage(p, "users", func(w *jw, i int) { s.writeUser(w, list[i], false) })
}

// filterUsers applies the users filters: search_key is a case-insensitive substring of
// the (trimmed) email or the display name; region_id an exact region id (an unknown one
// matches nobody); user_access active or inactive.
func (s *Server) filterUsers(ds *dataset, search, regionID, access string) []*synth.Person {
	needle := strings.ToLower(strings.TrimSpace(search))
	region := ""
	if regionID != "" {
		region = "\x00" // matches no one unless the id is known
		if r := ds.directory(s).regionByID[regionID]; r != nil {
			region = r.name
		}
	}
	return filter(ds.users(), func(p *synth.Person) bool {
		if access != "" && p.Active != (access == "active") {
			return false
		}
		if region != "" && p.Region != region {
			return false
		}
		if needle != "" && !strings.Contains(strings.ToLower(strings.TrimSpace(p.Email)), needle) &&
			!strings.Contains(strings.ToLower(displayName(p)), needle) {
			return false
		}
		return true
	})
}

// lookupUser resolves the {userId} of a path, or answers 404.
func (s *Server) lookupUser(req *request, resp *response) (*synth.Person, bool) {
	if id, ok := s.ids.person(req.route.arg); ok {
		if p, ok := req.ds.user(id); ok {
			return p, true
		}
	}
	resp.notFound("User", req.route.arg)
	return nil, false
}

// getUser serves GET /contact_center/users/{userId}.
func (s *Server) getUser(req *request, resp *response) {
	p, ok := s.lookupUser(req, resp)
	if !ok {
		return
	}
	resp.json(200, func(w *jw) { s.writeUser(w, p, true) })
}

// userQueue is one of a user's queue assignments.
type userQueue struct {
	q          *queueDef
	supervisor bool
}

// listUserQueues serves GET /contact_center/users/{userId}/queues: the person's synth
// queues, as agent or (managers) supervisor.
func (s *Server) listUserQueues(req *request, resp *response) {
	p, ok := s.lookupUser(req, resp)
	if !ok {
		return
	}
	var list []userQueue
	for _, name := range p.Queues {
		if q := s.catalog.queueByName[name]; q != nil {
			list = append(list, userQueue{q: q, supervisor: isSupervisor(p)})
		}
	}
	pg, ok := s.readPage(req, resp, catalogPages, "", len(list))
	if !ok {
		return
	}
	resp.writePage(pg, "queues", func(w *jw, i int) {
		uq := list[i]
		w.open('{')
		w.field("queue_id", uq.q.id)
		w.field("queue_name", uq.q.name)
		w.field("cc_queue_id", uq.q.ccID)
		w.field("channel", uq.q.channel)
		if uq.supervisor {
			w.field("user_assignment_type", "supervisor")
		} else {
			w.field("user_assignment_type", "agent")
		}
		w.field("queue_description", uq.q.description)
		w.key("caller_ids")
		w.strings(uq.q.callerIDs)
		w.close('}')
	})
}

// writeUser writes a user object in the order of Zoom's samples. detail adds
// client_integration_name (single-user GET). Everything but synth's fields is derived
// from the seed and the person ID alone, and the status fields only from synth's
// Status and SubStatus, so an unchanged person renders byte-identically on every day
// and a status-only change touches only the status fields.
func (s *Server) writeUser(w *jw, p *synth.Person, detail bool) {
	role := s.catalog.roleOf(p)
	st := statusOf(p)
	integ := clientIntegrations[s.integrationOf(p)]
	w.open('{')
	w.field("user_id", s.ids.user(p.ID))
	w.key("display_name")
	w.strs(p.FirstName, " ", p.LastName)
	w.field("user_email", p.Email)
	w.field("role_id", role.id)
	w.field("role_name", role.name)
	w.field("client_integration", integ.value)
	if detail && integ.name != "" {
		w.field("client_integration_name", s.pop.Company()+" "+integ.name)
	}
	w.field("status_id", st.id)
	w.field("status_name", st.name)
	if st.subID != "" || s.opts.EmptySubStatus {
		w.field("sub_status_id", st.subID)
		w.field("sub_status_name", st.subName)
	}
	if p.Active {
		w.field("user_access", "active")
	} else {
		w.field("user_access", "inactive")
	}
	w.field("modified_by", s.modifiedBy)
	w.timeField("last_modified_time", p.UpdatedAt)
	w.field("country_iso_code", p.Country)
	w.field("region_id", s.RegionID(p.Region))
	w.field("region_name", p.Region)
	s.writeChannelSettings(w, p)
	w.field("package_name", s.packageOf(p))
	w.key("add_ons_plan")
	switch a := s.ids.of(p.ID, saltAddOns) % 100; {
	case a < 20:
		w.strings([]string{"ai_expert_assist"})
	case a < 28:
		w.strings([]string{"ai_expert_assist", "workforce_management"})
	case a < 33:
		w.strings([]string{"quality_management"})
	default:
		w.strings(nil)
	}
	w.close('}')
}

// writeChannelSettings writes "channel_settings":{...}, derived from the person ID.
func (s *Server) writeChannelSettings(w *jw, p *synth.Person) {
	h := s.ids.of(p.ID, saltChannel)
	w.key("channel_settings")
	w.open('{')
	w.key("multi_channel_engagements")
	w.open('{')
	w.boolField("enable", h%10 < 6)
	w.numField("max_agent_load", []int64{25, 50, 75, 100}[h>>8%4])
	w.numField("email_max_agent_load", []int64{25, 50, 100}[h>>16%3])
	w.close('}')
	w.numField("concurrent_message_capacity", int64(1+h>>24%6))
	w.numField("concurrent_email_capacity", int64(1+h>>32%4))
	w.close('}')
}
