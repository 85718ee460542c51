package transform

import "strings"

// Canonical roles.
const (
	RoleOwner    = "owner"
	RoleAdmin    = "admin"
	RoleManager  = "manager"
	RoleMember   = "member"
	RoleGuest    = "guest"
	RoleReadonly = "readonly"
	RoleUnknown  = "unknown"
)

// Canonical statuses.
const (
	StatusAvailable = "available"
	StatusBusy      = "busy"
	StatusAway      = "away"
	StatusDND       = "dnd"
	StatusOffline   = "offline"
	StatusUnknown   = "unknown"
)

// roleTable is the role half of the normalization contract in DESIGN.md.
var roleTable = map[string]map[string]string{
	"close": {
		"admin": RoleAdmin, "superuser": RoleManager, "user": RoleMember, "restricteduser": RoleGuest,
	},
	"worksection": {
		"owner": RoleOwner, "account admin": RoleAdmin, "team admin": RoleManager,
		"department admin": RoleManager, "user": RoleMember, "guest": RoleGuest, "reader": RoleReadonly,
	},
	"zoom_contact_center": {
		"admin": RoleAdmin, "supervisor": RoleManager, "agent": RoleMember,
	},
}

// MapRole applies the role contract: it returns the canonical role and the raw value
// kept in role_raw. name is the provider's name for a custom role (Close), used as
// role_raw when the role is custom.
func MapRole(provider, raw, name string) (role, roleRaw string) {
	if provider == "uis" {
		return RoleMember, ""
	}
	key := strings.ToLower(CleanText(raw))
	if key == "" {
		return RoleUnknown, ""
	}
	if r, ok := roleTable[provider][key]; ok {
		return r, raw
	}
	if name != "" {
		return RoleUnknown, name
	}
	return RoleUnknown, raw
}

// statusTable is the status half of the normalization contract for providers that map
// a single raw value.
var statusTable = map[string]map[string]string{
	"zoom_contact_center": {
		"ready": StatusAvailable, "available": StatusAvailable, "occupied": StatusBusy,
		"not ready": StatusAway, "offline": StatusOffline,
	},
	"uis": {
		"available": StatusAvailable, "break": StatusAway, "not_at_workplace": StatusAway,
		"do_not_disturb": StatusDND, "not_at_work": StatusOffline, "auto_out_call": StatusBusy,
	},
}

// MapStatus applies the status contract to a raw status. For Close the raw status is
// the extractor's summary of the channels ("online" when any channel is online) and
// onCall says whether any call is active.
func MapStatus(provider, raw string, onCall bool) string {
	if provider == "close" {
		switch {
		case onCall:
			return StatusBusy
		case strings.EqualFold(raw, "online"):
			return StatusAvailable
		default:
			return StatusOffline
		}
	}
	if s, ok := statusTable[provider][strings.ToLower(CleanText(raw))]; ok {
		return s
	}
	return StatusUnknown
}
