package close

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// This file holds Close's wire format: reply envelopes, the objects the directory sync
// reads, the error bodies and the rate-limit signals. None of it leaves the package.

// page is the envelope of every Close list endpoint: {"data": [...], "has_more": bool}.
// HasMore is a pointer so that a reply without it is told apart from has_more: false.
type page[T any] struct {
	Data    []T   `json:"data"`
	HasMore *bool `json:"has_more"`
}

// me is the caller (GET /me/): the way to discover the organization of the API key.
type me struct {
	ID            string       `json:"id"`
	Organizations []string     `json:"organizations"`
	Memberships   []membership `json:"memberships"`
}

// membership ties a user to an organization with one role. The organization endpoint
// flattens the user into user_* fields, or nests it as "user" with _expand.
type membership struct {
	ID             string `json:"id"`
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
	RoleID         string `json:"role_id"`
	User           *struct {
		ID string `json:"id"`
	} `json:"user"`
}

// userID is the member's user id in either of the organization endpoint's shapes.
func (m membership) userID() string {
	if m.UserID == "" && m.User != nil {
		return m.User.ID
	}
	return m.UserID
}

// organization is GET /organization/{id}/: the only read path for roles and deactivated
// users.
type organization struct {
	ID   string
	Name string
}

// role is an item of GET /role/.
type role struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// group is an item of GET /group/ (without members) or GET /group/{id}/ (with them).
type group struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Members []struct {
		UserID string `json:"user_id"`
	} `json:"members"`
}

// availability is one user's entry of GET /user/availability/. Channels stays raw: the
// status fact keeps it whole.
type availability struct {
	UserID   string          `json:"user_id"`
	Channels json.RawMessage `json:"availability"`
}

// channel is one device (mobile, native, web) of an availability entry.
type channel struct {
	Type        string            `json:"type"`
	Status      string            `json:"status"`
	ActiveCalls []json.RawMessage `json:"active_calls"`
}

// User object fields that have an extract.User field of their own. Every other field of
// a user goes to Extra.
const (
	fieldID          = "id"
	fieldEmail       = "email"
	fieldFirstName   = "first_name"
	fieldLastName    = "last_name"
	fieldDisplayName = "display_name"
	fieldTimezone    = "last_used_timezone"
	fieldCreated     = "date_created"
	fieldUpdated     = "date_updated"
	fieldOrgs        = "organizations"
)

// errorBody covers Close's error replies: {"error": "text"}, the 429 body
// {"error": {"message", "rate_reset", ...}} (whose keys also occur at top level), and the
// validation body {"errors": [...], "field-errors": {...}}.
type errorBody struct {
	Error       json.RawMessage            `json:"error"`
	Errors      []json.RawMessage          `json:"errors"`
	FieldErrors map[string]json.RawMessage `json:"field-errors"`
	rateLimitInfo
}

// rateLimitInfo is the detail of a 429 reply.
type rateLimitInfo struct {
	Message       string     `json:"message"`
	RateReset     flexNumber `json:"rate_reset"`
	RateLimit     flexNumber `json:"rate_limit"`
	RateWindow    flexNumber `json:"rate_window"`
	RateLimitType string     `json:"rate_limit_type"`
}

// flexNumber is a JSON number that may also arrive as a string ("0.595956").
type flexNumber struct {
	Value float64
	Valid bool
}

// UnmarshalJSON accepts a number, a numeric string or null.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := gojson.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		// An unreadable hint is no hint; it must not turn a 429 into a decode failure.
		return nil
	}
	n.Value, n.Valid = v, true
	return nil
}

// parseErrorBody decodes an error body; ok is false when it is not a JSON object.
func parseErrorBody(body []byte) (errorBody, bool) {
	var e errorBody
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || gojson.Unmarshal(trimmed, &e) != nil {
		return errorBody{}, false
	}
	if len(e.Error) > 0 && e.Error[0] == '{' {
		var nested rateLimitInfo
		if gojson.Unmarshal(e.Error, &nested) == nil {
			// The nested form is the documented one: it wins over top-level keys.
			if nested.Message != "" {
				e.Message = nested.Message
			}
			if nested.RateReset.Valid {
				e.RateReset = nested.RateReset
			}
			if nested.RateLimit.Valid {
				e.RateLimit = nested.RateLimit
			}
			if nested.RateWindow.Valid {
				e.RateWindow = nested.RateWindow
			}
			if nested.RateLimitType != "" {
				e.RateLimitType = nested.RateLimitType
			}
		}
	}
	return e, true
}

// message is a readable one-line summary of the body, or "" when it says nothing.
func (e errorBody) message() string {
	var parts []string
	if s := jsonString(e.Error); s != "" {
		parts = append(parts, s)
	} else if e.Message != "" {
		parts = append(parts, e.Message)
	}
	for _, raw := range e.Errors {
		parts = append(parts, jsonText(raw))
	}
	fields := make([]string, 0, len(e.FieldErrors))
	for f := range e.FieldErrors {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		parts = append(parts, f+": "+jsonText(e.FieldErrors[f]))
	}
	return extract.Snippet(strings.Join(parts, "; "), 200)
}

// rateLimitMessage describes a 429 body: its message and which limit was hit.
func (e errorBody) rateLimitMessage() string {
	msg := e.Message
	if msg == "" {
		msg = jsonString(e.Error)
	}
	var detail []string
	if e.RateLimitType != "" {
		detail = append(detail, e.RateLimitType+" limit")
	}
	if e.RateLimit.Valid && e.RateWindow.Valid {
		detail = append(detail, fmt.Sprintf("%g per %gs", e.RateLimit.Value, e.RateWindow.Value))
	}
	if len(detail) > 0 {
		msg += " (" + strings.Join(detail, ", ") + ")"
	}
	return extract.Snippet(strings.TrimSpace(msg), 200)
}

// jsonString is raw's value when it is a JSON string, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || gojson.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonText renders any JSON value as text: strings unquoted, lists of strings joined,
// anything else compacted.
func jsonText(raw json.RawMessage) string {
	if s := jsonString(raw); s != "" {
		return s
	}
	var list []string
	if gojson.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ", ")
	}
	var buf bytes.Buffer
	if gojson.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

// rateLimitHeader is the value of Close's `RateLimit: limit=100, remaining=0, reset=1`
// header. The IETF draft spellings r= and t= are read too.
type rateLimitHeader struct {
	Remaining float64
	Reset     time.Duration
}

// parseRateLimitHeader reads a RateLimit header; ok is false unless it has both remaining
// and reset.
func parseRateLimitHeader(v string) (h rateLimitHeader, ok bool) {
	var haveRemaining, haveReset bool
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		key, value, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		n, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(value), `"`), 64)
		if err != nil || n < 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "remaining", "r":
			h.Remaining, haveRemaining = n, true
		case "reset", "t":
			h.Reset, haveReset = extract.Seconds(n), true
		}
	}
	return h, haveRemaining && haveReset
}

// paceHint is how long to wait before the next request when a reply says the current
// window is used up: the RateLimit header, else the legacy X-Rate-Limit-* headers.
func paceHint(h http.Header) time.Duration {
	if rl, ok := parseRateLimitHeader(h.Get("RateLimit")); ok {
		if rl.Remaining <= 0 {
			return rl.Reset
		}
		return 0
	}
	remaining, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")), 64)
	if err != nil || remaining > 0 {
		return 0
	}
	reset, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 64)
	if err != nil {
		return 0
	}
	return extract.Seconds(reset)
}

// resetHint is the wait a 429 asks for, in Close's order of precedence: the body's
// rate_reset, Retry-After, RateLimit-Reset, then the RateLimit header's reset.
func resetHint(resp *http.Response, e errorBody) time.Duration {
	if e.RateReset.Valid && e.RateReset.Value >= 0 {
		return extract.Seconds(e.RateReset.Value)
	}
	if d, ok := extract.RetryAfterHint(resp.Header, extract.ResponseTime(resp)); ok {
		return d
	}
	if rl, ok := parseRateLimitHeader(resp.Header.Get("RateLimit")); ok {
		return rl.Reset
	}
	if d, ok := extract.ParseRetryAfter(resp.Header.Get("X-Rate-Limit-Reset"), time.Now()); ok {
		return d
	}
	return 0
}

// classify is Close's reply classifier: a 429 becomes an *extract.RateLimitError with the
// body's rate_reset; other errors are classified by status (extract.DefaultClassify) with
// the message read from Close's error bodies.
func classify(resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusTooManyRequests {
		e, _ := parseErrorBody(body)
		msg := e.rateLimitMessage()
		if msg == "" {
			msg = extract.BodyMessage(body)
		}
		return &extract.RateLimitError{Status: resp.StatusCode, RetryAfter: resetHint(resp, e), Message: msg}
	}
	err := extract.DefaultClassify(resp, body)
	if apiErr, ok := err.(*extract.APIError); ok {
		if e, ok := parseErrorBody(body); ok {
			if msg := e.message(); msg != "" {
				apiErr.Message = msg
			}
		}
	}
	return err
}

// pace is the extract.ClientConfig.Pace of Close: wait out a used-up window.
func pace(resp *http.Response, _ []byte) time.Duration { return paceHint(resp.Header) }
