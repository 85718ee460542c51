package fake

import (
	"encoding/json"
)

// handler serves one method after authentication and point reservation; result is the
// JSON-RPC result (metadata.limits is added by ServeHTTP).
type handler func(s *Server, c call) (object, *rpcError)

// methods are the JSON-RPC methods the fake serves; any other gets -32601.
var methods map[string]handler

func init() {
	methods = map[string]handler{
		"login.user":             (*Server).loginUser,
		"logout.user":            (*Server).logoutUser,
		"get.employees":          (*Server).getEmployees,
		"get.group_employees":    (*Server).getGroupEmployees,
		"get.statuses":           (*Server).getStatuses,
		"get.employee_positions": (*Server).getPositions,
		"get.account":            (*Server).getAccount,
	}
}

// onlyParams rejects parameters outside allowed with unexpected_parameters.
func onlyParams(c call, allowed ...string) *rpcError {
	for _, k := range sortedKeys(c.params) {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return unexpected(k)
		}
	}
	return nil
}

func (s *Server) loginUser(c call) (object, *rpcError) {
	if e := onlyParams(c, "login", "password"); e != nil {
		return nil, e
	}
	var login, password string
	for _, p := range []struct {
		name string
		dst  *string
	}{{"login", &login}, {"password", &password}} {
		raw, ok := c.params[p.name]
		if !ok {
			return nil, missing(p.name)
		}
		if json.Unmarshal(raw, p.dst) != nil {
			return nil, typeError(p.name, raw)
		}
	}
	if login != s.opts.Login || password != s.opts.Password {
		return nil, authError("auth_error", "Login or password is wrong")
	}
	tok, exp := s.newSession()
	return object{{"data", object{{"access_token", tok}, {"expire_at", exp.Unix()}, {"app_id", s.appID}}},
		{"metadata", object{}}}, nil
}

func (s *Server) logoutUser(c call) (object, *rpcError) {
	if e := onlyParams(c, "access_token"); e != nil {
		return nil, e
	}
	var tok string
	_ = json.Unmarshal(c.params["access_token"], &tok)
	s.mu.Lock()
	delete(s.sessions, tok)
	s.mu.Unlock()
	return object{{"data", object{}}, {"metadata", object{}}}, nil
}

// employeeSpec is get.employees' field table (providers/uis.md section 6, D2 flags).
var employeeSpec = &listSpec{fields: []fieldSpec{
	{"id", kindNumber, true, false},
	{"login", kindString, true, true},
	{"first_name", kindString, true, true},
	{"last_name", kindString, true, true},
	{"patronymic", kindString, false, true},
	{"full_name", kindString, true, true},
	{"status", kindString, true, false},
	{"status_id", kindNumber, true, false},
	{"calls_available", kindBool, true, true},
	{"allowed_in_call_types", kindStrings, true, false},
	{"allowed_out_call_types", kindStrings, true, false},
	{"in_external_allowed_call_directions", kindStrings, true, false},
	{"in_internal_allowed_call_directions", kindStrings, true, false},
	{"out_external_allowed_call_directions", kindStrings, true, false},
	{"out_internal_allowed_call_directions", kindStrings, true, false},
	{"email", kindString, true, false},
	{"call_recording", kindString, true, false},
	{"schedule_id", kindNumber, true, false},
	{"schedule_name", kindString, true, false},
	{"coach", kindComplex, true, false},
	{"groups", kindComplex, true, false},
	{"phone_numbers", kindComplex, true, false},
	{"extension", kindComplex, true, false},
	{"operator", kindComplex, false, false},
}}

func (s *Server) getEmployees(c call) (object, *rpcError) {
	ds := s.dataset()
	var ownerName string
	for i := range ds.people {
		if ds.people[i].ID == ds.ownerID {
			ownerName = fullName(&ds.people[i])
			break
		}
	}
	return s.list(c, employeeSpec, len(ds.people), func(i int) object {
		return s.employee(&ds.people[i], ownerName, ds.ownerID)
	})
}

var groupSpec = &listSpec{fields: []fieldSpec{
	{"id", kindNumber, true, false},
	{"name", kindString, true, true},
	{"members", kindComplex, false, false},
	{"phone_numbers", kindComplex, true, false},
	{"group_phone_number", kindString, true, true},
	{"queue_enabled", kindBool, true, false},
	{"channels_count", kindNumber, true, false},
}}

func (s *Server) getGroupEmployees(c call) (object, *rpcError) {
	rows := s.groupRows(s.dataset())
	return s.list(c, groupSpec, len(rows), func(i int) object { return rows[i] })
}

var statusSpec = &listSpec{fields: []fieldSpec{
	{"id", kindNumber, true, false},
	{"name", kindString, true, true},
	{"mnemonic", kindString, true, false},
	{"description", kindString, false, true},
	{"color", kindString, false, false},
	{"is_deleted", kindBool, false, true},
	{"in_external_allowed_call_directions", kindStrings, false, false},
	{"in_internal_allowed_call_directions", kindStrings, false, false},
	{"out_external_allowed_call_directions", kindStrings, false, false},
	{"out_internal_allowed_call_directions", kindStrings, false, false},
	{"allowed_phone_protocols", kindStrings, false, false},
	{"is_select_allowed", kindBool, false, true},
	{"is_worktime", kindBool, false, true},
	{"is_auto_out_calls_ready", kindBool, false, true},
}, extra: map[string]bool{"is_deleted": true}}

func (s *Server) getStatuses(c call) (object, *rpcError) {
	withDeleted := false
	if raw, ok := c.params["is_deleted"]; ok && json.Unmarshal(raw, &withDeleted) != nil {
		return nil, typeError("is_deleted", raw)
	}
	rows := statusRows(withDeleted)
	return s.list(c, statusSpec, len(rows), func(i int) object { return rows[i] })
}

var positionSpec = &listSpec{fields: []fieldSpec{
	{"id", kindNumber, true, false},
	{"name", kindString, true, true},
}}

func (s *Server) getPositions(c call) (object, *rpcError) {
	return s.list(c, positionSpec, len(positions), func(i int) object {
		return object{{"id", positions[i].id}, {"name", positions[i].name}}
	})
}

func (s *Server) getAccount(c call) (object, *rpcError) {
	if e := onlyParams(c, "access_token", "user_id"); e != nil {
		return nil, e
	}
	return object{{"data", object{{"app_id", s.appID}, {"name", s.pop.Company()}, {"timezone", AccountTimezone}}},
		{"metadata", object{}}}, nil
}
