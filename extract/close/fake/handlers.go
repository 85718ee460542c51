package fake

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

// route is a matched endpoint.
type route struct {
	group  string // rate-limit endpoint group
	arg    string // {id}
	handle func(s *Server, req *request, resp *response)
}

const apiPrefix = "/api/v1/"

// route matches a path. Every Close path ends with a slash; without it the path is not
// found (404), which is what the client must never send.
func (s *Server) route(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok || !strings.HasSuffix(rest, "/") {
		return route{}, false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, p := range parts {
		if p == "" {
			return route{}, false
		}
	}
	switch len(parts) {
	case 1:
		switch parts[0] {
		case "me":
			return route{group: "user", handle: (*Server).handleMe}, true
		case "user":
			return route{group: "user", handle: (*Server).handleUsers}, true
		case "role":
			return route{group: "role", handle: (*Server).handleRoles}, true
		case "group":
			return route{group: "group", handle: (*Server).handleGroups}, true
		}
	case 2:
		switch parts[0] {
		case "user":
			if parts[1] == "availability" {
				return route{group: "user", handle: (*Server).handleAvailability}, true
			}
			return route{group: "user", arg: parts[1], handle: (*Server).handleUser}, true
		case "organization":
			return route{group: "organization", arg: parts[1], handle: (*Server).handleOrganization}, true
		case "role":
			return route{group: "role", arg: parts[1], handle: (*Server).handleRole}, true
		case "group":
			return route{group: "group", arg: parts[1], handle: (*Server).handleGroup}, true
		}
	}
	return route{}, false
}

// Field lists, alphabetical as Close sends them. A field's index is its bit in a fieldMask.
var (
	userFields   = []string{"date_created", "date_updated", "email", "email_verified_at", "first_name", "id", "image", "last_name", "last_used_timezone", "organizations"}
	meFields     = []string{"date_created", "date_updated", "email", "email_accounts", "email_verified_at", "first_name", "id", "image", "last_name", "last_used_timezone", "memberships", "organizations"}
	orgFields    = []string{"created_by", "currency", "currency_symbol", "date_created", "date_updated", "id", "inactive_memberships", "lead_statuses", "memberships", "name", "plan_type", "updated_by"}
	roleFields   = []string{"date_created", "date_updated", "editable", "id", "name", "organization_id", "permissions", "visibility_user_lcf_behavior", "visibility_user_lcf_ids"}
	groupFields  = []string{"id", "members", "name", "organization_id"}
	leadStatuses = []string{"Potential", "Bad Fit", "Qualified", "Customer"}
	// autoRecordCalls draws a membership's auto_record_calls: mostly the initial "unset".
	autoRecordCalls = []string{"unset", "unset", "unset", "enabled", "disabled"}
	leadNames       = []string{"Wayne Enterprises", "Stark Industries", "Acme Corp", "Soylent Corp", "Pied Piper",
		"Dunder Mifflin", "Massive Dynamic", "Tyrell Corporation", "Oceanic Airlines", "Gringotts"}
)

// fieldMask selects the fields to render; bit i is fields[i].
type fieldMask uint64

func (m fieldMask) has(i int) bool { return m&(1<<i) != 0 }

// parseFields reads _fields ("id,email"): unknown names are ignored; absent or empty
// means every field.
func parseFields(q url.Values, fields []string) fieldMask {
	raw := strings.TrimSpace(q.Get("_fields"))
	if raw == "" {
		return ^fieldMask(0)
	}
	var m fieldMask
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		for i, f := range fields {
			if f == name {
				m |= 1 << i
			}
		}
	}
	return m
}

// fieldWriter writes the selected fields of one object in order.
type fieldWriter struct {
	w      *jw
	mask   fieldMask
	fields []string
}

// field writes the key of fields[i] and reports whether its value should follow.
func (f fieldWriter) field(i int) bool {
	if !f.mask.has(i) {
		return false
	}
	f.w.key(f.fields[i])
	return true
}

// page reads and validates _skip and _limit; on error it answers 400 and returns false.
func (s *Server) page(q url.Values, resp *response) (skip, limit int, ok bool) {
	limit, skip = 100, 0
	if v := q.Get("_limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			resp.fieldErrors("_limit", "Enter a whole number.")
			return 0, 0, false
		case n < 1:
			resp.fieldErrors("_limit", "Ensure this value is greater than or equal to 1.")
			return 0, 0, false
		case n > s.opts.MaxLimit:
			resp.error(http.StatusBadRequest, "The maximum value for _limit on this endpoint is "+itoa(s.opts.MaxLimit)+".")
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("_skip"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			resp.fieldErrors("_skip", "Enter a whole number.")
			return 0, 0, false
		case n < 0:
			resp.fieldErrors("_skip", "Ensure this value is greater than or equal to 0.")
			return 0, 0, false
		case n > s.opts.MaxSkip:
			resp.error(http.StatusBadRequest, "The maximum value for _skip on this endpoint is "+itoa(s.opts.MaxSkip)+".")
			return 0, 0, false
		}
		skip = n
	}
	return skip, limit, true
}

// listPage sends {"data": [...], "has_more": ...} for items [skip, skip+limit) of n.
func listPage(resp *response, req *request, skip, limit, n int, item func(w *jw, i int)) {
	end := min(skip+limit, n)
	if req.emptyPage {
		skip, end = n, n
	}
	resp.json(http.StatusOK, func(w *jw) {
		w.open('{')
		w.key("data")
		w.open('[')
		for i := skip; i < end; i++ {
			item(w, i)
			w.maybeFlush()
		}
		w.close(']')
		w.key("has_more")
		w.boolean(end < n || req.emptyPage)
		w.close('}')
	})
}

func (s *Server) handleUsers(req *request, resp *response) {
	q := req.r.URL.Query()
	skip, limit, ok := s.page(q, resp)
	if !ok {
		return
	}
	order := q.Get("_order_by")
	if order != orderDefault && order != orderLastFirst && order != orderFirstLast {
		resp.fieldErrors("_order_by", "Select a valid choice. "+order+" is not one of the available choices.")
		return
	}
	mask := parseFields(q, userFields)
	users := req.ds.users(order)
	listPage(resp, req, skip, limit, len(users), func(w *jw, i int) { s.writeUser(w, users[i], mask) })
}

func (s *Server) handleUser(req *request, resp *response) {
	id, ok := s.ids.person(req.arg)
	var p *synth.Person
	if ok {
		p, ok = req.ds.user(id)
	}
	if !ok {
		resp.error(http.StatusNotFound, "Empty query: User matching query does not exist.")
		return
	}
	mask := parseFields(req.r.URL.Query(), userFields)
	resp.json(http.StatusOK, func(w *jw) { s.writeUser(w, p, mask) })
}

func (s *Server) writeUser(w *jw, p *synth.Person, mask fieldMask) {
	f := fieldWriter{w: w, mask: mask, fields: userFields}
	w.open('{')
	if f.field(0) {
		w.time(p.CreatedAt)
	}
	if f.field(1) {
		w.time(p.UpdatedAt)
	}
	if f.field(2) {
		w.str(p.Email)
	}
	if f.field(3) {
		s.writeEmailVerified(w, p)
	}
	if f.field(4) {
		w.str(p.FirstName)
	}
	if f.field(5) {
		w.str(s.ids.user(p.ID))
	}
	if f.field(6) {
		w.str(gravatar(p.Email))
	}
	if f.field(7) {
		w.str(p.LastName)
	}
	if f.field(8) {
		s.writeTimezone(w, p)
	}
	if f.field(9) {
		s.writeOrganizations(w, p)
	}
	w.close('}')
}

// writeEmailVerified writes email_verified_at: null for invalid emails and for about 5%
// of people who never verified, else a moment within two days of joining.
func (s *Server) writeEmailVerified(w *jw, p *synth.Person) {
	e := strings.TrimSpace(p.Email)
	at := strings.IndexByte(e, '@')
	h := mix(s.ids.seed, uint64(p.ID), 0xe7a1)
	if at <= 0 || at == len(e)-1 || h%20 == 0 {
		w.null()
		return
	}
	w.time(p.CreatedAt.Add(time.Duration(h%(48*3600e6)) * time.Microsecond))
}

// writeTimezone writes last_used_timezone, null for about 3% who never logged in.
func (s *Server) writeTimezone(w *jw, p *synth.Person) {
	if mix(s.ids.seed, uint64(p.ID), 0x7123)%33 == 0 {
		w.null()
		return
	}
	w.str(p.Timezone)
}

// writeOrganizations writes the user's organizations: none once deactivated.
func (s *Server) writeOrganizations(w *jw, p *synth.Person) {
	w.open('[')
	if p.Active {
		w.str(s.orgID)
	}
	w.close(']')
}

func gravatar(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "https://secure.gravatar.com/avatar/" + hex.EncodeToString(sum[:])
}

func (s *Server) handleMe(req *request, resp *response) {
	p, ok := req.ds.user(s.pop.OwnerID())
	if !ok {
		resp.error(http.StatusNotFound, "Empty query: User matching query does not exist.")
		return
	}
	mask := parseFields(req.r.URL.Query(), meFields)
	resp.json(http.StatusOK, func(w *jw) {
		f := fieldWriter{w: w, mask: mask, fields: meFields}
		w.open('{')
		if f.field(0) {
			w.time(p.CreatedAt)
		}
		if f.field(1) {
			w.time(p.UpdatedAt)
		}
		if f.field(2) {
			w.str(p.Email)
		}
		if f.field(3) {
			w.open('[')
			w.open('{')
			w.key("_type")
			w.str("google")
			w.key("id")
			w.str(s.ids.make("emailacct_", idLen, kindEmailAccount, uint64(p.ID)))
			w.key("identities")
			w.open('[')
			w.open('{')
			w.key("email")
			w.str(p.Email)
			w.key("name")
			w.str(p.FirstName + " " + p.LastName)
			w.close('}')
			w.close(']')
			w.key("organization_id")
			w.str(s.orgID)
			w.key("user_id")
			w.str(s.ids.user(p.ID))
			w.close('}')
			w.close(']')
		}
		if f.field(4) {
			s.writeEmailVerified(w, p)
		}
		if f.field(5) {
			w.str(p.FirstName)
		}
		if f.field(6) {
			w.str(s.ids.user(p.ID))
		}
		if f.field(7) {
			w.str(gravatar(p.Email))
		}
		if f.field(8) {
			w.str(p.LastName)
		}
		if f.field(9) {
			s.writeTimezone(w, p)
		}
		if f.field(10) {
			w.open('[')
			s.writeMembership(w, p, membershipOwn)
			w.close(']')
		}
		if f.field(11) {
			s.writeOrganizations(w, p)
		}
		w.close('}')
	})
}

// Membership renderings.
const (
	membershipFlat     = iota // user data flattened with a user_ prefix (default)
	membershipExpanded        // nested "user" object (_expand=...memberships__user)
	membershipOwn             // /me/: with organization_id, without user data
)

// roleID returns the membership role_id of a person (Close's four predefined roles, or
// the id of a custom role).
func (s *Server) roleID(p *synth.Person) string {
	if p.CustomRole != "" {
		return s.customRoleID(p.CustomRole)
	}
	switch p.Role {
	case "owner", "admin":
		return "admin"
	case "manager":
		return "superuser"
	case "member":
		return "user"
	}
	return "restricteduser"
}

func (s *Server) customRoleID(name string) string {
	return s.ids.make("role_", idLen, kindRole, hashString(name))
}

func (s *Server) writeMembership(w *jw, p *synth.Person, style int) {
	h := mix(s.ids.seed, uint64(p.ID), 0x3e3b)
	w.open('{')
	w.key("auto_record_calls")
	w.str(autoRecordCalls[h%uint64(len(autoRecordCalls))])
	w.key("id")
	w.str(s.ids.make("memb_", idLen, kindMembership, uint64(p.ID)))
	if style == membershipOwn {
		w.key("organization_id")
		w.str(s.orgID)
	}
	w.key("permissions_granted")
	if h%4 == 0 {
		w.strings([]string{"bulk_edit", "export"})
	} else {
		w.strings(nil)
	}
	w.key("role_id")
	w.str(s.roleID(p))
	w.key("track_email_opens")
	w.boolean(h%3 != 0)
	switch style {
	case membershipFlat:
		w.key("user_email")
		w.str(p.Email)
		w.key("user_first_name")
		w.str(p.FirstName)
		w.key("user_full_name")
		w.str(p.FirstName + " " + p.LastName)
		w.key("user_id")
		w.str(s.ids.user(p.ID))
		w.key("user_last_name")
		w.str(p.LastName)
		w.key("user_phone")
		w.strOrNull(phoneDigits(p))
	case membershipExpanded:
		w.key("user")
		s.writeUser(w, p, ^fieldMask(0))
		w.key("user_id")
		w.str(s.ids.user(p.ID))
	case membershipOwn:
		w.key("user_id")
		w.str(s.ids.user(p.ID))
	}
	w.close('}')
}

// phoneDigits returns the digits of the person's first phone that has at least seven
// (Close shows a membership's user_phone as bare digits, "16502822245").
func phoneDigits(p *synth.Person) string {
	for _, ph := range p.Phones {
		var b []byte
		for i := 0; i < len(ph.Raw); i++ {
			if c := ph.Raw[i]; c >= '0' && c <= '9' {
				b = append(b, c)
			}
			if strings.HasPrefix(ph.Raw[i:], "ext") || ph.Raw[i] == 'x' {
				break
			}
		}
		if len(b) >= 7 {
			return string(b)
		}
	}
	return ""
}

func (s *Server) handleOrganization(req *request, resp *response) {
	if req.arg != s.orgID {
		resp.error(http.StatusNotFound, "Empty query: Organization matching query does not exist.")
		return
	}
	q := req.r.URL.Query()
	mask := parseFields(q, orgFields)
	active, inactive := membershipFlat, membershipFlat
	for _, e := range strings.Split(q.Get("_expand"), ",") {
		switch strings.TrimSpace(e) {
		case "memberships__user":
			active = membershipExpanded
		case "inactive_memberships__user":
			inactive = membershipExpanded
		}
	}
	users := req.ds.users(orderDefault)
	updated := req.ds.snap.Date.Add(-3 * time.Hour)
	resp.json(http.StatusOK, func(w *jw) {
		f := fieldWriter{w: w, mask: mask, fields: orgFields}
		memberships := func(wantActive bool, style int) {
			w.open('[')
			for _, p := range users {
				if p.Active == wantActive {
					s.writeMembership(w, p, style)
					w.maybeFlush()
				}
			}
			w.close(']')
		}
		w.open('{')
		if f.field(0) {
			w.null()
		}
		if f.field(1) {
			w.str("USD")
		}
		if f.field(2) {
			w.str("$")
		}
		if f.field(3) {
			w.time(s.orgCreated)
		}
		if f.field(4) {
			w.time(updated)
		}
		if f.field(5) {
			w.str(s.orgID)
		}
		if f.field(6) {
			memberships(false, inactive)
		}
		if f.field(7) {
			w.open('[')
			for i, label := range leadStatuses {
				w.open('{')
				w.key("id")
				w.str(s.ids.make("stat_", idLen, kindStatus, uint64(i)))
				w.key("label")
				w.str(label)
				w.close('}')
			}
			w.close(']')
		}
		if f.field(8) {
			memberships(true, active)
		}
		if f.field(9) {
			w.str(s.opts.OrgName)
		}
		if f.field(10) {
			w.str("business")
		}
		if f.field(11) {
			w.null()
		}
		w.close('}')
	})
}

// roleDef is a role of the /role/ catalogue.
type roleDef struct {
	id, name    string
	editable    bool
	permissions []string
	behavior    string // visibility_user_lcf_behavior; "" is null
	lcf         bool   // visibility_user_lcf_ids set
}

// roles returns the predefined roles, then the custom roles of synth.
func (s *Server) roles() []roleDef {
	out := []roleDef{
		{id: "admin", name: "Admin", permissions: []string{"bulk_edit", "export", "manage_organization", "view_all_leads"}},
		{id: "superuser", name: "Super User", permissions: []string{"bulk_edit", "export", "view_all_leads"}},
		{id: "user", name: "User", permissions: []string{"view_all_leads"}},
		{id: "restricteduser", name: "Restricted User", permissions: []string{}},
	}
	custom := [][]string{{"bulk_edit", "export"}, {"bulk_edit", "export", "view_all_leads"}, {}, {"export", "view_all_leads"}}
	for i, name := range synth.CustomRoleNames() {
		r := roleDef{id: s.customRoleID(name), name: name, editable: true, permissions: custom[i%len(custom)]}
		if !contains(r.permissions, "view_all_leads") {
			r.behavior = []string{"require_assignment", "allow_unassigned"}[i%2]
			r.lcf = true
		}
		out = append(out, r)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) writeRole(w *jw, r roleDef, mask fieldMask) {
	f := fieldWriter{w: w, mask: mask, fields: roleFields}
	w.open('{')
	if f.field(0) {
		w.time(s.orgCreated)
	}
	if f.field(1) {
		w.time(s.orgCreated)
	}
	if f.field(2) {
		w.boolean(r.editable)
	}
	if f.field(3) {
		w.str(r.id)
	}
	if f.field(4) {
		w.str(r.name)
	}
	if f.field(5) {
		w.str(s.orgID)
	}
	if f.field(6) {
		w.strings(r.permissions)
	}
	if f.field(7) {
		w.strOrNull(r.behavior)
	}
	if f.field(8) {
		if r.lcf {
			w.strings([]string{s.ids.make("cf_", idLen, kindRole, hashString(r.name), 1)})
		} else {
			w.null()
		}
	}
	w.close('}')
}

func (s *Server) handleRoles(req *request, resp *response) {
	q := req.r.URL.Query()
	skip, limit, ok := s.page(q, resp)
	if !ok {
		return
	}
	mask := parseFields(q, roleFields)
	roles := s.roles()
	listPage(resp, req, skip, limit, len(roles), func(w *jw, i int) { s.writeRole(w, roles[i], mask) })
}

func (s *Server) handleRole(req *request, resp *response) {
	for _, r := range s.roles() {
		if r.id == req.arg {
			mask := parseFields(req.r.URL.Query(), roleFields)
			resp.json(http.StatusOK, func(w *jw) { s.writeRole(w, r, mask) })
			return
		}
	}
	resp.error(http.StatusNotFound, "Empty query: Role matching query does not exist.")
}

func (s *Server) groupID(name string) string {
	return s.ids.make("group_", 22, kindGroup, hashString(name))
}

// writeGroup writes a group; members only when withMembers (the list endpoint has none).
func (s *Server) writeGroup(w *jw, ds *dataset, name string, mask fieldMask, withMembers bool) {
	f := fieldWriter{w: w, mask: mask, fields: groupFields}
	w.open('{')
	if f.field(0) {
		w.str(s.groupID(name))
	}
	if withMembers && f.field(1) {
		w.open('[')
		for _, p := range ds.members(name) {
			w.open('{')
			w.key("user_id")
			w.str(s.ids.user(p.ID))
			w.close('}')
			w.maybeFlush()
		}
		w.close(']')
	}
	if f.field(2) {
		w.str(name)
	}
	if f.field(3) {
		w.str(s.orgID)
	}
	w.close('}')
}

func (s *Server) handleGroups(req *request, resp *response) {
	q := req.r.URL.Query()
	skip, limit, ok := s.page(q, resp)
	if !ok {
		return
	}
	mask := parseFields(q, groupFields)
	names := synth.GroupNames()
	listPage(resp, req, skip, limit, len(names), func(w *jw, i int) { s.writeGroup(w, req.ds, names[i], mask, false) })
}

func (s *Server) handleGroup(req *request, resp *response) {
	for _, name := range synth.GroupNames() {
		if s.groupID(name) == req.arg {
			mask := parseFields(req.r.URL.Query(), groupFields)
			resp.json(http.StatusOK, func(w *jw) { s.writeGroup(w, req.ds, name, mask, true) })
			return
		}
	}
	resp.error(http.StatusNotFound, "Empty query: Group matching query does not exist.")
}

// Availability channels, in the order Close lists them.
var channels = []string{"mobile", "native", "web"}

func (s *Server) handleAvailability(req *request, resp *response) {
	if org := req.r.URL.Query().Get("organization_id"); org != "" && org != s.orgID {
		resp.error(http.StatusNotFound, "Empty query: Organization matching query does not exist.")
		return
	}
	users := req.ds.users(orderDefault)
	day := uint64(req.ds.day)
	resp.json(http.StatusOK, func(w *jw) {
		w.open('{')
		w.key("data")
		w.open('[')
		for _, p := range users {
			if !p.Active {
				continue
			}
			s.writeAvailability(w, p, day)
			w.maybeFlush()
		}
		w.close(']')
		w.close('}')
	})
}

// writeAvailability renders a person's status as Close's three channels: available ->
// one or two channels online; busy -> native or mobile online with an active call; away,
// dnd and offline -> every channel offline.
func (s *Server) writeAvailability(w *jw, p *synth.Person, day uint64) {
	h := mix(s.ids.seed, uint64(p.ID), day, 0xa7a1)
	online := [3]bool{}
	call := -1
	switch p.Status {
	case "available":
		primary := []int{2, 2, 2, 2, 2, 1, 1, 1, 0, 0}[h%10] // web 50%, native 30%, mobile 20%
		online[primary] = true
		if (h>>8)%7 == 0 {
			online[(primary+1)%3] = true
		}
	case "busy":
		call = 1
		if (h>>8)%5 < 2 {
			call = 0
		}
		online[call] = true
	}
	w.open('{')
	w.key("availability")
	w.open('[')
	for i, ch := range channels {
		w.open('{')
		w.key("active_calls")
		w.open('[')
		if i == call {
			lead := (h >> 16) % uint64(len(leadNames))
			w.open('{')
			w.key("id")
			w.str(s.ids.make("acti_", idLen, kindActivity, uint64(p.ID), day))
			w.key("lead")
			w.open('{')
			w.key("display_name")
			w.str(leadNames[lead])
			w.key("id")
			w.str(s.ids.make("lead_", idLen, kindLead, lead))
			w.close('}')
			w.key("method")
			w.str("regular")
			w.close('}')
		}
		w.close(']')
		w.key("status")
		if online[i] {
			w.str("online")
		} else {
			w.str("offline")
		}
		w.key("type")
		w.str(ch)
		w.close('}')
	}
	w.close(']')
	w.key("user_id")
	w.str(s.ids.user(p.ID))
	w.close('}')
}
