package fake

import (
	"time"

	"github.com/roster-etl/roster/extract/synth"
)

// catalog holds the account's day-independent objects: roles, queues and the system
// statuses. Every value is derived from the seed and the object's name.
type catalog struct {
	roles      []*roleDef
	roleByName map[string]*roleDef
	roleByID   map[string]*roleDef
	// byLevel maps a synth Role (owner, admin, ...) to its Zoom role.
	byLevel map[string]*roleDef

	queues      []*queueDef
	queueByName map[string]*queueDef
	queueByID   map[string]*queueDef

	statuses []statusDef
}

// roleDef is a Contact Center role.
type roleDef struct {
	id, name, description string
	modified              time.Time
}

// queueDef is a Contact Center queue (one of synth's QueueNames).
type queueDef struct {
	index                                int
	id, ccID, name, description, channel string
	channelTypes                         []string
	callerIDs                            []string
	modified                             time.Time
}

// statusDef is an entry of /system_statuses.
type statusDef struct {
	id, name, typ, category string
}

// The three default roles, and the custom roles the synth levels without a Zoom
// counterpart (guest, readonly) get.
const (
	roleAdmin      = "Admin"
	roleSupervisor = "Supervisor"
	roleAgent      = "Agent"
	roleGuest      = "Guest Agent"
	roleReadonly   = "Read-Only Viewer"
)

// Status ids and names (status_id is a string holding a number; providers doc section 6).
const (
	statusOfflineID   = "0"
	statusReadyID     = "1"
	statusNotReadyID  = "2"
	statusOccupiedID  = "3"
	statusCustomID    = "4"
	statusOffline     = "Offline"
	statusReady       = "Ready"
	statusNotReady    = "Not Ready"
	statusOccupied    = "Occupied"
	statusDoNotDistub = "Do Not Disturb"
)

// subStatusIDs are Zoom's default "Not Ready" reasons; other reasons synth uses (e.g.
// "Coaching") are custom, with ids from customSubStatusBase.
var subStatusIDs = map[string]string{
	"Break": "20", "Meal": "21", "Training": "22", "Meeting": "23", "End Shift": "24", "Forced": "25",
}

// defaultSubStatuses lists the default reasons in id order, for /system_statuses.
var defaultSubStatuses = []string{"Break", "Meal", "Training", "Meeting", "End Shift", "Forced"}

// customSubStatuses are the custom reasons the account has (synth's reasons that Zoom
// does not define).
var customSubStatuses = []string{"Coaching"}

const customSubStatusBase = 100

// queueChannel is a queue's channel and channel types.
type queueChannel struct {
	channel string
	types   []string
}

// queueChannels gives each synth queue a channel and its channel types (invented).
var queueChannels = map[string]queueChannel{
	"Inbound Sales":  {"voice", []string{"voice"}},
	"Outbound Sales": {"voice", []string{"voice"}},
	"Renewals":       {"email", []string{"email"}},
	"Support L1":     {"chat", []string{"chat", "sms"}},
	"Support L2":     {"voice", []string{"voice"}},
	"Billing":        {"email", []string{"email"}},
	"VIP":            {"video", []string{"video"}},
	"Russian Line":   {"voice", []string{"voice"}},
}

func newCatalog(s *Server) *catalog {
	c := &catalog{
		roleByName:  map[string]*roleDef{},
		roleByID:    map[string]*roleDef{},
		byLevel:     map[string]*roleDef{},
		queueByName: map[string]*queueDef{},
		queueByID:   map[string]*queueDef{},
	}
	addRole := func(name, id, desc string) *roleDef {
		r := &roleDef{id: id, name: name, description: desc, modified: s.pastTime(saltRole, name)}
		c.roles = append(c.roles, r)
		c.roleByName[name] = r
		c.roleByID[id] = r
		return r
	}
	// Default roles: Admin with a UUID id, Supervisor and Agent with base64url ids, as in
	// Zoom's samples; custom roles with UUIDs.
	admin := addRole(roleAdmin, s.ids.uuid(saltRole, roleAdmin, 1), "Full access to Contact Center settings, users and data.")
	supervisor := addRole(roleSupervisor, s.ids.opaque(saltRole, roleSupervisor), "Monitors queues and coaches the agents of their teams.")
	agent := addRole(roleAgent, s.ids.opaque(saltRole, roleAgent), "Handles engagements in the queues assigned to them.")
	guest := addRole(roleGuest, s.ids.uuid(saltRole, roleGuest, 4), "Custom role: handles engagements with limited access.")
	readonly := addRole(roleReadonly, s.ids.uuid(saltRole, roleReadonly, 4), "Custom role: views reports and dashboards only.")
	for _, name := range synth.CustomRoleNames() {
		addRole(name, s.ids.uuid(saltRole, name, 4), "Custom role: "+name+".")
	}
	c.byLevel = map[string]*roleDef{"owner": admin, "admin": admin, "manager": supervisor, "member": agent,
		"guest": guest, "readonly": readonly}

	for i, name := range synth.QueueNames() {
		ch, ok := queueChannels[name]
		if !ok {
			ch = queueChannel{"voice", []string{"voice"}}
		}
		q := &queueDef{
			index:        i,
			id:           s.ids.opaque(saltQueue, name),
			ccID:         s.ids.base62("ZWQ", 19, saltCCQueue, hashString(name)),
			name:         name,
			description:  name + " queue",
			channel:      ch.channel,
			channelTypes: ch.types,
			modified:     s.pastTime(saltQueue, name),
		}
		if q.channel == "voice" {
			// US fictional-use numbers 555-0100..0199.
			q.callerIDs = []string{"+141555501" + itoa(100 + i%100)[1:]}
		}
		c.queues = append(c.queues, q)
		c.queueByName[name] = q
		c.queueByID[q.id] = q
	}

	add := func(id, name, typ, category string) {
		c.statuses = append(c.statuses, statusDef{id: id, name: name, typ: typ, category: category})
	}
	add(statusOfflineID, statusOffline, "default", "agent_status")
	add(statusReadyID, statusReady, "default", "agent_status")
	add(statusNotReadyID, statusNotReady, "default", "agent_status")
	add(statusOccupiedID, statusOccupied, "default", "agent_status")
	add(statusCustomID, statusDoNotDistub, "custom", "agent_status")
	for _, name := range defaultSubStatuses {
		add(subStatusIDs[name], name, "default", "not_ready_reason")
	}
	for _, name := range customSubStatuses {
		add(subStatusID(name), name, "custom", "not_ready_reason")
	}
	return c
}

// subStatusID returns the sub_status_id of a "Not Ready" reason.
func subStatusID(name string) string {
	if id, ok := subStatusIDs[name]; ok {
		return id
	}
	for i, c := range customSubStatuses {
		if c == name {
			return itoa(customSubStatusBase + i)
		}
	}
	return itoa(customSubStatusBase + len(customSubStatuses) + int(hashString(name)%800))
}

// roleOf returns a person's Zoom role: their custom role when they have one, else the
// role of their synth level.
func (c *catalog) roleOf(p *synth.Person) *roleDef {
	if p.CustomRole != "" {
		if r := c.roleByName[p.CustomRole]; r != nil {
			return r
		}
	}
	if r := c.byLevel[p.Role]; r != nil {
		return r
	}
	return c.byLevel["member"]
}

// userStatus is a person's status fields.
type userStatus struct {
	id, name, subID, subName string
}

// statusOf maps synth's presence to Zoom's: available -> Ready, busy -> Occupied, away
// -> Not Ready with the reason as sub-status, dnd -> the custom status Do Not Disturb
// (id "4"), offline -> Offline.
func statusOf(p *synth.Person) userStatus {
	switch p.Status {
	case "available":
		return userStatus{id: statusReadyID, name: statusReady}
	case "busy":
		return userStatus{id: statusOccupiedID, name: statusOccupied}
	case "away":
		st := userStatus{id: statusNotReadyID, name: statusNotReady}
		if p.SubStatus != "" {
			st.subID, st.subName = subStatusID(p.SubStatus), p.SubStatus
		}
		return st
	case "dnd":
		return userStatus{id: statusCustomID, name: statusDoNotDistub}
	}
	return userStatus{id: statusOfflineID, name: statusOffline}
}

// pastTime returns a fixed instant before day 0 for a named object: between 30 days and
// two years earlier, to the second.
func (s *Server) pastTime(kind uint64, name string) time.Time {
	h := mix(s.ids.seed, kind, hashString(name), saltTime)
	back := 30*24*time.Hour + time.Duration(h%(700*86400))*time.Second
	return s.pop.Date(0).Add(-back)
}
