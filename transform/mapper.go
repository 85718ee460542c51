package transform

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/roster-etl/roster/extract"
)

// Mapper maps one source's raw records to canonical rows.
type Mapper struct {
	Source   string
	Provider string
	// Region is the source's default_region for phone numbers without a country code.
	Region string
	// Location is the source's timezone for timestamps without an offset.
	Location *time.Location
}

// UserRow is one canonical user, ready to be appended to a batch. Empty strings are
// stored as NULL.
type UserRow struct {
	UserKey, Source, Provider, AccountID, UserID string
	Email, EmailNormalized                       string
	FirstName, LastName, MiddleName, DisplayName string
	Title, Role, RoleRaw                         string
	IsActive                                     bool
	Department                                   string
	Groups                                       []extract.Group
	Phones                                       []Phone
	Timezone, Country                            string
	SourceCreatedAt, SourceUpdatedAt             *time.Time
	Extra                                        string
}

// StatusRow is one canonical user_status row without its run_id and observed_at, which
// the batch supplies.
type StatusRow struct {
	Source, Provider, UserKey, UserID string
	Status, StatusRaw, SubStatusRaw   string
	OnCall                            *bool
	Channels                          string
}

// UserKey is the warehouse key of a provider user.
func UserKey(source, userID string) string { return source + ":" + userID }

// User maps one raw user per the normalization contract.
func (m Mapper) User(u extract.User) UserRow {
	row := UserRow{
		UserKey:    UserKey(m.Source, u.ID),
		Source:     m.Source,
		Provider:   m.Provider,
		AccountID:  strings.TrimSpace(u.AccountID),
		UserID:     u.ID,
		Email:      strings.TrimSpace(u.Email),
		FirstName:  CleanText(u.FirstName),
		LastName:   CleanText(u.LastName),
		MiddleName: CleanText(u.MiddleName),
		Title:      CleanText(u.Title),
		IsActive:   u.Active == nil || *u.Active,
		Department: CleanText(u.Department),
		Timezone:   strings.TrimSpace(u.Timezone),
		Country:    strings.TrimSpace(u.Country),
	}
	row.EmailNormalized, _ = NormalizeEmail(u.Email)
	row.DisplayName = DisplayName(u.DisplayName, u.FirstName, u.MiddleName, u.LastName)
	row.Role, row.RoleRaw = MapRole(m.Provider, u.Role, u.RoleName)
	row.Groups = normalizeGroups(u.Groups)
	for _, ph := range u.Phones {
		if p, ok := NormalizePhone(ph.Raw, ph.Kind, m.Region); ok {
			row.Phones = append(row.Phones, p)
		}
	}
	if t, ok := ParseTime(u.CreatedAt, m.Location); ok {
		row.SourceCreatedAt = &t
	}
	if t, ok := ParseTime(u.UpdatedAt, m.Location); ok {
		row.SourceUpdatedAt = &t
	}
	row.Extra = extraJSON(u.Extra)
	return row
}

// Status maps one raw status per the normalization contract.
func (m Mapper) Status(s extract.Status) StatusRow {
	onCall := s.OnCall != nil && *s.OnCall
	row := StatusRow{
		Source:       m.Source,
		Provider:     m.Provider,
		UserKey:      UserKey(m.Source, s.UserID),
		UserID:       s.UserID,
		Status:       MapStatus(m.Provider, s.Status, onCall),
		StatusRaw:    s.Status,
		SubStatusRaw: s.SubStatus,
		OnCall:       s.OnCall,
	}
	if len(s.Channels) > 0 {
		if b, err := json.Marshal(s.Channels); err == nil {
			row.Channels = string(b)
		}
	}
	return row
}

// normalizeGroups cleans names and orders groups by kind and id, so that a provider
// listing them in another order does not look like a change.
func normalizeGroups(in []extract.Group) []extract.Group {
	if len(in) == 0 {
		return nil
	}
	out := make([]extract.Group, 0, len(in))
	seen := make(map[[2]string]bool, len(in))
	for _, g := range in {
		g.ID, g.Name, g.Kind = strings.TrimSpace(g.ID), CleanText(g.Name), strings.TrimSpace(g.Kind)
		k := [2]string{g.Kind, g.ID + "\x00" + g.Name}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// extraJSON renders the provider fields without a column as one compact JSON object
// with sorted keys, so equal content always has equal text. Invalid JSON values are
// kept as JSON strings rather than dropped.
func extraJSON(extra map[string]json.RawMessage) string {
	if len(extra) == 0 {
		return "{}"
	}
	clean := make(map[string]json.RawMessage, len(extra))
	for k, v := range extra {
		if !json.Valid(v) {
			v, _ = json.Marshal(string(v))
		}
		clean[k] = v
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return "{}"
	}
	return string(b)
}
