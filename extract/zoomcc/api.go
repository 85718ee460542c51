package zoomcc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// This file holds Zoom's wire format: the OAuth token reply, the list envelope, the user
// object's field names, the error bodies, the rate-limit headers and the classification
// of replies. None of it leaves the package.

// tokenReply is the Server-to-Server OAuth token endpoint's reply
// (providers/zoom_contact_center.md §2).
type tokenReply struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   flexInt `json:"expires_in"`
	Scope       string  `json:"scope"`
	// APIURL is the API host Zoom says the token is for; read for completeness, not used:
	// the configured BaseURL wins (fakes and proxies).
	APIURL string `json:"api_url"`
}

// tokenError is a token endpoint's error body: {"reason": "...", "error": "invalid_client"},
// and in Zoom's table also a numeric code (4700-4711) with a message.
type tokenError struct {
	Reason  string          `json:"reason"`
	Error   string          `json:"error"`
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

// flexInt is a JSON integer that may also arrive as a numeric string (the seed shows
// total_records as a string placeholder).
type flexInt struct {
	Value int64
	Valid bool
}

// UnmarshalJSON accepts a number, a numeric string or null; anything unreadable is
// treated as absent rather than failing the whole reply.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := gojson.Unmarshal(b, &s); err != nil {
			return nil
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f >= 0 && f <= 1<<53) { // NaN fails both bounds
		return nil
	}
	n.Value, n.Valid = int64(f), true
	return nil
}

// Fields of every list reply (§3); the items sit under an endpoint-specific key.
const (
	fieldNextPageToken = "next_page_token"
	fieldTotalRecords  = "total_records"
)

// listPage is one decoded page of a list endpoint.
type listPage struct {
	// Items is the raw list under the endpoint's key; nil when the reply has none.
	Items json.RawMessage
	// NextPageToken is "" on the last page (Zoom sends "" or omits it).
	NextPageToken string
	// TotalRecords is the count of the whole filtered set, if the reply gave it.
	TotalRecords flexInt
}

// parseListPage decodes a list reply whose items are under one of keys (the first one
// present wins). A reply that is not a JSON object, or whose next_page_token is neither a
// string nor null, is malformed.
func parseListPage(body []byte, keys ...string) (listPage, error) {
	var reply map[string]json.RawMessage
	if err := gojson.Unmarshal(body, &reply); err != nil {
		return listPage{}, err
	}
	if reply == nil {
		return listPage{}, errors.New("reply is not a JSON object")
	}
	var p listPage
	if raw, ok := reply[fieldNextPageToken]; ok && !isNull(raw) {
		if raw[0] != '"' || gojson.Unmarshal(raw, &p.NextPageToken) != nil {
			return listPage{}, fmt.Errorf("next_page_token %s is not a string", extract.Snippet(string(raw), 40))
		}
	}
	if raw, ok := reply[fieldTotalRecords]; ok {
		_ = p.TotalRecords.UnmarshalJSON(raw)
	}
	for _, key := range keys {
		if raw, ok := reply[key]; ok && !isNull(raw) {
			p.Items = raw
			break
		}
	}
	return p, nil
}

// isNull reports whether raw is empty or the JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// team is an item of GET /contact_center/teams.
type team struct {
	ID   string `json:"team_id"`
	Name string `json:"team_name"`
}

// queue is an item of GET /contact_center/queues.
type queue struct {
	ID   string `json:"queue_id"`
	Name string `json:"queue_name"`
}

// member is an item of a team's or a queue's agents or supervisors.
type member struct {
	UserID string `json:"user_id"`
}

// Reply keys of the list endpoints the directory sync reads (§7).
const (
	keyUsers       = "users"
	keyTeams       = "teams"
	keyQueues      = "queues"
	keyAgents      = "agents"
	keySupervisors = "supervisors"
)

// User object fields (§6). The ones in the first block have an extract.User field of
// their own; the status block goes to the status fact, never to Extra, because presence
// is volatile and must not create history versions; every other field goes to Extra.
const (
	fieldUserID      = "user_id"
	fieldEmail       = "user_email"
	fieldDisplayName = "display_name"
	fieldRoleName    = "role_name"
	fieldUserAccess  = "user_access"
	fieldCountry     = "country_iso_code"
	fieldUpdated     = "last_modified_time"
	fieldRegionID    = "region_id"
	fieldRegionName  = "region_name"
	// Not documented for Contact Center users, mapped if Zoom ever sends them.
	fieldFirstName = "first_name"
	fieldLastName  = "last_name"
	fieldTimezone  = "timezone"

	fieldStatusID      = "status_id"
	fieldStatusName    = "status_name"
	fieldSubStatusID   = "sub_status_id"
	fieldSubStatusName = "sub_status_name"
)

// extraFields are the documented user fields without a column of their own: kept in
// Extra on purpose.
var extraFields = []string{
	"role_id", "client_integration", "client_integration_name", "modified_by",
	"channel_settings", "package_name", "add_ons_plan",
}

// defaultStatusNames are the names of Zoom's built-in status ids (§6), used when a user
// carries a status_id without a status_name. Id "4" is a custom status: its name is the
// account's own and cannot be guessed.
var defaultStatusNames = map[string]string{
	"0": "Offline",
	"1": "Ready",
	"2": "Not Ready",
	"3": "Occupied",
}

// statusOccupied is the status of an agent in an engagement (on a call).
const statusOccupied = "Occupied"

// errorBody is Zoom's error reply: {"code": 124, "message": "..."}, with "errors" on
// validation failures (§5).
type errorBody struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Errors  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// parseErrorBody decodes an error body; ok is false when it is not a JSON object with a
// code or a message. Some Zoom error messages carry unescaped double quotes (the scope
// list of a missing-scope error), which is invalid JSON: such a body is read leniently.
func parseErrorBody(body []byte) (e errorBody, ok bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errorBody{}, false
	}
	if gojson.Unmarshal(trimmed, &e) != nil {
		return parseBrokenErrorBody(trimmed)
	}
	return e, !isNull(e.Code) || e.Message != ""
}

// parseBrokenErrorBody reads `{"code":104,"message":"... scopes:["a:b"] ..."}`: the code
// is the number after "code":, the message everything between "message":" and the
// body's last quote.
func parseBrokenErrorBody(body []byte) (errorBody, bool) {
	var e errorBody
	if _, after, ok := bytes.Cut(body, []byte(`"code":`)); ok {
		after = bytes.TrimSpace(after)
		end := bytes.IndexFunc(after, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(after)
		}
		if end > 0 {
			e.Code = json.RawMessage(after[:end])
		}
	}
	if _, after, ok := bytes.Cut(body, []byte(`"message":`)); ok {
		after = bytes.TrimSpace(after)
		if len(after) > 0 && after[0] == '"' {
			if last := bytes.LastIndexByte(after, '"'); last > 0 {
				e.Message = string(after[1:last])
			}
		}
	}
	return e, e.Code != nil || e.Message != ""
}

// code is the error code as text ("124"), or "".
func (e errorBody) code() string {
	if isNull(e.Code) {
		return ""
	}
	var s string
	if e.Code[0] == '"' && gojson.Unmarshal(e.Code, &s) == nil {
		return strings.TrimSpace(s)
	}
	return string(bytes.TrimSpace(e.Code))
}

// message is the message with the validation details, one readable line.
func (e errorBody) message() string {
	parts := []string{strings.TrimSpace(e.Message)}
	for _, fe := range e.Errors {
		switch {
		case fe.Field != "" && fe.Message != "":
			parts = append(parts, fe.Field+": "+fe.Message)
		case fe.Field != "" || fe.Message != "":
			parts = append(parts, fe.Field+fe.Message)
		}
	}
	return extract.Snippet(strings.Trim(strings.Join(parts, "; "), "; "), 200)
}

// Zoom error codes the client acts on.
const (
	// codeInvalidToken is the 401 of an expired or invalid access token (§5): worth one
	// new token.
	codeInvalidToken = "124"
	// codeValidation is the 400 of invalid parameters; on a request with a
	// next_page_token it is the expired or invalid token (§3).
	codeValidation = "300"
)

// missingScope reports whether a message is Zoom's "does not contain scopes" error, which
// no retry or new token cures.
func missingScope(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "does not contain scope")
}

// Rate-limit headers (§4).
const (
	headerCategory  = "X-RateLimit-Category"
	headerType      = "X-RateLimit-Type"
	headerLimit     = "X-RateLimit-Limit"
	headerRemaining = "X-RateLimit-Remaining"

	// limitTypeDaily is X-RateLimit-Type of a daily quota; the other value is "QPS".
	limitTypeDaily = "Daily-limit"
)

// qpsWait is how long to wait after a per-second 429 without Retry-After: the QPS
// window is one second (ZoomNet waits 1-2 s; the HTTP layer adds the jitter).
const qpsWait = time.Second

// paceMargin is added to the wait for the next one-second window, for the clocks of
// roster and Zoom not ticking at the same instant.
const paceMargin = 20 * time.Millisecond

// classifier classifies the replies of one source. It knows the credentials only to make
// sure that no error ever quotes them from a reply.
type classifier struct {
	clientID, secret string
	// now is the clock of the local side, used when a reply has no Date header.
	now func() time.Time
}

// classifyAPI is the classifier of API replies (extract.ClientConfig.Classify):
//   - 2xx is success, unless the body is a Zoom error object ({"code", "message"} at the
//     top level), which some Zoom endpoints send with HTTP 200;
//   - 429 is an *extract.RateLimitError: Retry-After (delta seconds or a date) when given;
//     a daily-limit 429 without it waits until the next midnight UTC, which the HTTP
//     layer refuses to wait for (extract.ClientConfig.MaxHint) and fails at once; a
//     per-second 429 without it waits one second;
//   - 401 and 403, and a missing-scope error whatever its status, are *extract.APIError of
//     Kind extract.ErrAuth (the client renews the token once on a 401 code 124);
//   - other statuses as extract.DefaultClassify (5xx retryable), with Zoom's code and
//     message.
func (c classifier) classifyAPI(resp *http.Response, body []byte) error {
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		if !bytes.Contains(body, []byte(`"code"`)) {
			return nil
		}
		var top struct {
			Code    json.RawMessage `json:"code"`
			Message *string         `json:"message"`
		}
		if gojson.Unmarshal(body, &top) != nil || isNull(top.Code) || top.Message == nil {
			return nil // not an error object: the decoder of the reply judges it
		}
		e, _ := parseErrorBody(c.redact(resp, body))
		return &extract.APIError{Status: status, Code: e.code(), Message: e.message()}
	}
	body = c.redact(resp, body)
	e, parsed := parseErrorBody(body)
	msg := e.message()
	if !parsed || msg == "" {
		msg = bodyMessage(body)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status == http.StatusTooManyRequests {
		return c.rateLimit(resp, msg)
	}
	api := &extract.APIError{Status: status, Code: e.code(), Message: msg}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || missingScope(msg):
		api.Kind = extract.ErrAuth
	case status >= 500:
		api.Retryable = true
	}
	return api
}

// rateLimit builds the error of a 429 reply.
func (c classifier) rateLimit(resp *http.Response, msg string) error {
	h := resp.Header
	now := c.responseTime(resp)
	limitType := strings.TrimSpace(h.Get(headerType))
	daily := strings.EqualFold(limitType, limitTypeDaily) ||
		(limitType == "" && strings.Contains(strings.ToLower(msg), "daily"))
	hint, ok := extract.ParseRetryAfter(h.Get("Retry-After"), now)
	switch {
	case ok:
	case daily:
		// Zoom's daily quotas reset at 00:00 UTC ("You may resume these requests at GMT
		// 00:00:00"): without a hint, that is the wait.
		hint = nextMidnightUTC(now).Sub(now)
	default:
		hint = qpsWait
	}

	var detail []string
	if cat := strings.TrimSpace(h.Get(headerCategory)); cat != "" {
		detail = append(detail, cat)
	}
	switch {
	case daily:
		detail = append(detail, "daily limit")
	case limitType != "":
		detail = append(detail, limitType+" limit")
	}
	if limit := strings.TrimSpace(h.Get(headerLimit)); limit != "" {
		detail = append(detail, "limit "+limit)
	}
	if remaining := strings.TrimSpace(h.Get(headerRemaining)); remaining != "" {
		detail = append(detail, remaining+" remaining")
	}
	if daily {
		detail = append(detail, "resets "+now.Add(hint).UTC().Format(time.RFC3339))
	}
	if len(detail) > 0 {
		msg = strings.TrimSpace(msg + " (" + strings.Join(detail, ", ") + ")")
	}
	return &extract.RateLimitError{Status: resp.StatusCode, RetryAfter: hint, Message: msg}
}

// bodyMessage is a readable message of a body that is not a Zoom error: the title of an
// HTML page (a load balancer's "503 Service Unavailable"), else extract.BodyMessage.
func bodyMessage(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '<' {
		lower := bytes.ToLower(trimmed)
		if _, after, ok := bytes.Cut(lower, []byte("<title>")); ok {
			if title, _, ok := bytes.Cut(after, []byte("</title>")); ok && len(bytes.TrimSpace(title)) > 0 {
				start := len(trimmed) - len(after)
				return extract.Snippet(string(trimmed[start:start+len(title)]), 200)
			}
		}
	}
	return extract.BodyMessage(body)
}

// responseTime is the server's now (its Date header), else the local clock.
func (c classifier) responseTime(resp *http.Response) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return c.now()
}

// nextMidnightUTC is the first 00:00 UTC after t.
func nextMidnightUTC(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// classifyToken is the classifier of the token endpoint's replies: 2xx is success; 429 a
// rate limit; 5xx retryable; every other status an *extract.APIError of Kind
// extract.ErrAuth, never retried, with the reply's reason (invalid_client, an
// unsupported grant, a disabled app...).
func (c classifier) classifyToken(resp *http.Response, body []byte) error {
	body = c.redact(resp, body)
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		return nil
	}
	var te tokenError
	trimmed := bytes.TrimSpace(body)
	var parts []string
	code := ""
	if len(trimmed) > 0 && trimmed[0] == '{' && gojson.Unmarshal(trimmed, &te) == nil {
		code = te.Error
		if numeric := (errorBody{Code: te.Code}).code(); numeric != "" {
			code = strings.TrimSpace(code + " " + numeric)
		}
		for _, s := range []string{te.Reason, te.Message} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
	}
	msg := extract.Snippet(strings.Join(parts, "; "), 200)
	if msg == "" {
		msg = bodyMessage(body)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status == http.StatusTooManyRequests {
		return c.rateLimit(resp, msg)
	}
	api := &extract.APIError{Status: status, Code: code, Message: "token request: " + msg}
	if status >= 500 {
		api.Retryable = true
	} else {
		api.Kind = extract.ErrAuth
	}
	return api
}

// paceAt is the extract.ClientConfig.Pace of Zoom: a success that says no request of the
// window remains (X-RateLimit-Remaining: 0) waits for the next one-second window (QPS
// windows are clock seconds) before the next request. Waiting a whole second from the
// reply instead made a rate-limited listing about 40% slower than its limit allows.
// now is the client's clock.
func paceAt(resp *http.Response, now time.Time) time.Duration {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return 0
	}
	v := strings.TrimSpace(resp.Header.Get(headerRemaining))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n <= 0 {
		return now.Truncate(time.Second).Add(time.Second).Sub(now) + paceMargin
	}
	return 0
}

// redact replaces every credential the request carried (the Authorization header's
// token or Basic credentials) and the client secret in body with "[redacted]", so that a
// reply echoing them (a proxy, a debugging endpoint) never puts them in an error.
func (c classifier) redact(resp *http.Response, body []byte) []byte {
	secrets := c.secrets()
	if resp != nil && resp.Request != nil {
		if auth := resp.Request.Header.Get("Authorization"); auth != "" {
			if _, cred, ok := strings.Cut(auth, " "); ok {
				secrets = append(secrets, strings.TrimSpace(cred))
			}
			secrets = append(secrets, auth)
		}
	}
	return redact(body, secrets...)
}

// secrets are the configured secrets in the forms they travel in.
func (c classifier) secrets() []string {
	if c.secret == "" {
		return nil
	}
	return []string{c.secret, basicCredentials(c.clientID, c.secret)}
}

// basicCredentials is the base64 of "id:secret", the credential of a Basic header.
func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// redact replaces every non-empty secret in body with "[redacted]", longest first so
// that a secret inside another one is not left half-replaced.
func redact(body []byte, secrets ...string) []byte {
	secrets = slices.Clone(secrets)
	slices.SortStableFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if s != "" && bytes.Contains(body, []byte(s)) {
			body = bytes.ReplaceAll(body, []byte(s), []byte("[redacted]"))
		}
	}
	return body
}
