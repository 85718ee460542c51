package transform

import (
	"bytes"
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
	// Phones normalizes phone numbers through a bounded cache; nil means NormalizePhone.
	Phones *PhoneNormalizer
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
	// Issues lists what normalization could not do (Issue* constants); the values stay
	// as the provider sent them (email) or NULL (timestamps, raw text kept in Extra).
	Issues []string
	// Fingerprint is the raw user's Fingerprint.String, set by the caller that stages
	// the row (it is not part of the canonical row).
	Fingerprint string
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
	var emailValid bool
	row.EmailNormalized, emailValid = NormalizeEmail(u.Email)
	if row.EmailNormalized != "" && !emailValid {
		row.Issues = append(row.Issues, IssueInvalidEmail)
	}
	row.DisplayName = DisplayName(u.DisplayName, u.FirstName, u.MiddleName, u.LastName)
	row.Role, row.RoleRaw = MapRole(m.Provider, u.Role, u.RoleName)
	row.Groups = normalizeGroups(u.Groups)
	for _, ph := range u.Phones {
		normalize := NormalizePhone
		if m.Phones != nil {
			normalize = m.Phones.Normalize
		}
		if p, ok := normalize(ph.Raw, ph.Kind, m.Region); ok {
			row.Phones = append(row.Phones, p)
		}
	}
	extra := u.Extra
	for _, ts := range []struct {
		column, raw string
		dst         **time.Time
	}{
		{"source_created_at", u.CreatedAt, &row.SourceCreatedAt},
		{"source_updated_at", u.UpdatedAt, &row.SourceUpdatedAt},
	} {
		if t, ok := ParseTime(ts.raw, m.Location); ok {
			*ts.dst = &t
		} else if strings.TrimSpace(ts.raw) != "" {
			// Reported, and the raw text kept in extra so nothing is lost.
			row.Issues = append(row.Issues, IssueUnparseableTimestamp+":"+ts.column)
			extra = withRaw(extra, ts.column+"_raw", ts.raw)
		}
	}
	row.Extra = extraJSON(extra)
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

// withRaw returns extra with key set to the JSON string raw, without changing the
// caller's map.
func withRaw(extra map[string]json.RawMessage, key, raw string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(extra)+1)
	for k, v := range extra {
		out[k] = v
	}
	out[key], _ = json.Marshal(raw)
	return out
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
// kept as JSON strings rather than dropped. The text is the one encoding/json's Marshal
// writes of the map (history compares it, so it must not change), written without
// reflection: names and values that need no escaping, as most do, are copied as they
// are, and only the others go through encoding/json.
func extraJSON(extra map[string]json.RawMessage) string {
	if len(extra) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(extra))
	size := 2
	for k, v := range extra {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	sort.Strings(keys)
	var b strings.Builder // one allocation, the text itself
	b.Grow(size)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if plainString(k) {
			b.WriteByte('"')
			b.WriteString(k)
			b.WriteByte('"')
		} else {
			q, _ := json.Marshal(k)
			b.Write(q)
		}
		b.WriteByte(':')
		v := extra[k]
		switch {
		case !json.Valid(v):
			q, _ := json.Marshal(string(v))
			b.Write(q)
		case plainJSON(v):
			b.Write(v)
		default: // as Marshal writes a json.RawMessage: compact, HTML characters escaped
			var buf, esc bytes.Buffer
			_ = json.Compact(&buf, v)
			json.HTMLEscape(&esc, buf.Bytes())
			b.Write(esc.Bytes())
		}
	}
	b.WriteByte('}')
	return b.String()
}

// plainString reports whether encoding/json writes s as it is between quotes: printable
// ASCII without quotes, backslashes or the characters it escapes for HTML.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// plainJSON reports whether encoding/json writes the valid JSON value v as it is: no
// white space to compact away and nothing it escapes for HTML (<, >, &, and U+2028 and
// U+2029, whose UTF-8 starts with 0xE2).
func plainJSON(v []byte) bool {
	for _, c := range v {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		}
	}
	return true
}
