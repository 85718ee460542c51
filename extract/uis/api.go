package uis

import (
	"bytes"
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

// This file holds the Data API's wire format: the JSON-RPC envelope, the error object and
// its codes, metadata.limits, the employee object's field names, and the classification
// of replies. None of it leaves the package.

// rpcRequest is a JSON-RPC 2.0 call (providers/uis.md §2). id is required: without it the
// call is a notification, which the API rejects.
type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// rpcResponse is a JSON-RPC 2.0 reply: exactly one of Result and Error is set.
type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
	// Metadata is read in case a reply carries it beside result/error rather than inside.
	Metadata *metadata `json:"metadata"`
}

// rpcError is the JSON-RPC error object (§5). data.mnemonic is the stable identifier.
type rpcError struct {
	Code    int64        `json:"code"`
	Message string       `json:"message"`
	Data    rpcErrorData `json:"data"`
}

// rpcErrorData is error.data: the mnemonic, the offending field, template parameters
// (limit_type, limit_max_value of limit_exceeded) and, for get methods, metadata.
type rpcErrorData struct {
	Mnemonic string                     `json:"mnemonic"`
	Field    string                     `json:"field"`
	Params   map[string]json.RawMessage `json:"params"`
	Metadata *metadata                  `json:"metadata"`
}

// getResult is the result of a get method: {"metadata": {...}, "data": [...]}.
type getResult struct {
	Metadata *metadata       `json:"metadata"`
	Data     json.RawMessage `json:"data"`
}

// metadata is result.metadata (§3): total_items of the filter and the point budgets.
type metadata struct {
	TotalItems flexInt `json:"total_items"`
	Limits     *limits `json:"limits"`
}

// limits is metadata.limits (§4): points remaining in the day and minute budgets and the
// seconds until each resets.
type limits struct {
	DayLimit        flexInt `json:"day_limit"`
	DayRemaining    flexInt `json:"day_remaining"`
	DayReset        flexInt `json:"day_reset"`
	MinuteLimit     flexInt `json:"minute_limit"`
	MinuteRemaining flexInt `json:"minute_remaining"`
	MinuteReset     flexInt `json:"minute_reset"`
}

// loginResult is result.data of login.user (§2). The doc's field table says expire_at,
// its example expire: both are read.
type loginResult struct {
	Data struct {
		AccessToken string  `json:"access_token"`
		ExpireAt    flexInt `json:"expire_at"`
		Expire      flexInt `json:"expire"`
		AppID       flexID  `json:"app_id"`
	} `json:"data"`
}

// accountObject is one item of get.account (§7).
type accountObject struct {
	AppID    flexID `json:"app_id"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
}

// statusObject is one item of get.statuses (§7): mnemonic is set for standard statuses
// only; custom ones are known by name.
type statusObject struct {
	ID       flexID `json:"id"`
	Name     string `json:"name"`
	Mnemonic string `json:"mnemonic"`
}

// groupObject is one item of get.group_employees (§7).
type groupObject struct {
	ID      flexID `json:"id"`
	Name    string `json:"name"`
	Members []struct {
		EmployeeID flexID `json:"employee_id"`
	} `json:"members"`
}

// flexInt is a JSON number that may also arrive as a numeric string or null.
type flexInt struct {
	Value int64
	Valid bool
}

// UnmarshalJSON accepts a number, a numeric string or null; anything unreadable is
// treated as absent rather than failing the whole reply.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f >= -(1<<53) && f <= 1<<53) { // NaN fails both bounds
		return nil
	}
	n.Value, n.Valid = int64(f), true
	return nil
}

// flexID is an id that the API documents as a number; a string is accepted too. Its
// text is the id's canonical decimal form ("" when absent or null).
type flexID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *flexID) UnmarshalJSON(b []byte) error {
	*id = flexID(idText(b))
	return nil
}

// idText is the text of a JSON id: a number's literal (integers as written), a string's
// trimmed content, "" for null or anything else.
func idText(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if gojson.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	var n gojson.Number
	if gojson.Unmarshal(raw, &n) != nil {
		return ""
	}
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, err := n.Float64(); err == nil && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return n.String()
}

// JSON-RPC error codes (§5).
const (
	codeInternal  = -32603
	codeAuth      = -32001
	codeAccess    = -32003
	codeAccount   = -32009
	codeLimit     = -32029
	codeMethod    = -32601
	codeComponent = -32008
)

// Error mnemonics the client acts on (§5).
const (
	mnemonicAuthError       = "auth_error"
	mnemonicIPNotWhitelist  = "ip_not_whitelisted"
	mnemonicLimitExceeded   = "limit_exceeded"
	mnemonicInternalError   = "internal_error"
	mnemonicMethodNotFound  = "method_not_found"
	mnemonicComponentMethod = "method_component_disabled"
	mnemonicForbidden       = "forbidden"
)

// Employee fields (§6). Those with a column of extract.User, the status fields (which go
// to the status fact) and the rest, kept in Extra.
const (
	fieldID           = "id"
	fieldFirstName    = "first_name"
	fieldLastName     = "last_name"
	fieldPatronymic   = "patronymic"
	fieldFullName     = "full_name"
	fieldEmail        = "email"
	fieldGroups       = "groups"
	fieldPhoneNumbers = "phone_numbers"
	fieldExtension    = "extension"
	fieldStatus       = "status"
	fieldStatusID     = "status_id"
)

// extraFields are the documented employee fields without a column, kept in Extra on
// purpose (§6, current revision and seed). phone_numbers and extension are also kept in
// Extra: their numbers have columns, their settings (dial_time, channels_count, status,
// voice mail, queue) do not, and nothing the API returned may be dropped.
var extraFields = []string{
	"login", "calls_available", "allowed_in_call_types", "allowed_out_call_types",
	"in_external_allowed_call_directions", "in_internal_allowed_call_directions",
	"out_external_allowed_call_directions", "out_internal_allowed_call_directions",
	"call_recording", "schedule_id", "schedule_name", "coach", "operator",
}

// limitError is the error a limits-aware classification builds from a -32029 reply.
func limitError(e *rpcError, lim *limits, msg string) error {
	limitType := ""
	if raw, ok := e.Data.Params["limit_type"]; ok {
		_ = gojson.Unmarshal(raw, &limitType)
	}
	limitType = strings.ToLower(strings.TrimSpace(limitType))
	lowerMsg := strings.ToLower(msg)
	day := limitType == "day" || (limitType == "" && strings.Contains(lowerMsg, "per day"))
	if limitType == "" && !day && !strings.Contains(lowerMsg, "per minute") && lim != nil &&
		lim.DayRemaining.Valid && lim.DayRemaining.Value <= 0 {
		day = true
	}
	if day {
		// The day budget resets in hours: a hint that long makes the HTTP layer fail at
		// once (ClientConfig.MaxHint) instead of retrying into the same wall.
		hint := 24 * time.Hour
		detail := "day limit exhausted"
		if lim != nil && lim.DayLimit.Valid {
			detail += fmt.Sprintf(" (%d points)", lim.DayLimit.Value)
		}
		if lim != nil && lim.DayReset.Valid && lim.DayReset.Value >= 0 {
			hint = extract.Seconds(float64(lim.DayReset.Value))
			detail += ", resets in " + hint.String()
		} else {
			detail += ", reset time unknown"
		}
		return &extract.RateLimitError{Status: http.StatusOK, RetryAfter: hint, Message: detail + ": " + msg}
	}
	hint := time.Minute
	if lim != nil && lim.MinuteReset.Valid && lim.MinuteReset.Value >= 0 {
		hint = extract.Seconds(float64(lim.MinuteReset.Value))
	}
	return &extract.RateLimitError{Status: http.StatusOK, RetryAfter: hint, Message: "minute limit: " + msg}
}

// classifier classifies the replies of one source. It knows the secrets only to make sure
// that no error ever quotes them from a reply.
type classifier struct {
	secrets func() []string
}

// classify is the extract.ClientConfig.Classify of the Data API:
//   - a non-2xx status is a transport-level failure, as extract.DefaultClassify has it
//     (5xx and 429 retryable), since the API itself answers every call with HTTP 200;
//   - a 200 whose body is not a JSON-RPC reply, or has neither result nor error, is
//     malformed (and retried: a proxy's page or a cut reply);
//   - a JSON-RPC error is mapped by code and data.mnemonic: -32029 limit_exceeded is an
//     *extract.RateLimitError (minute: wait minute_reset; day: a hint of day_reset, which
//     the HTTP layer refuses to wait for); -32001 (token invalid, expired, blocked, wrong
//     login), -32003 (IP not allowed, no rights) and -32009 (account disabled) are
//     *extract.APIError of Kind extract.ErrAuth; -32603 is retryable; the rest fail.
func (c classifier) classify(resp *http.Response, body []byte) error {
	if succeeded(resp, body) {
		return nil
	}
	body = redact(body, c.secrets()...)
	status := resp.StatusCode
	if status < 200 || status >= 300 {
		return extract.DefaultClassify(resp, body)
	}
	var reply rpcResponse
	if err := gojson.Unmarshal(body, &reply); err != nil {
		return &extract.APIError{Status: status, Retryable: true, Kind: extract.ErrMalformed,
			Message: "not a JSON-RPC reply: " + extract.Snippet(string(body), 64)}
	}
	if reply.Error == nil {
		if len(reply.Result) == 0 || string(reply.Result) == "null" {
			return &extract.APIError{Status: status, Retryable: true, Kind: extract.ErrMalformed,
				Message: "JSON-RPC reply without result or error"}
		}
		return nil
	}
	return rpcFailure(status, reply.Error, reply.Metadata)
}

// succeeded reports whether the reply is a JSON-RPC result: HTTP 2xx, an object with a
// result object and no error. It neither copies the result nor redacts the body (only
// an error's message needs that), which classify did for every page of every listing;
// anything else is left to classify's full reading, so a reply it would refuse is never
// taken here.
func succeeded(resp *http.Response, body []byte) bool {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return false
	}
	// rpcResponse's members, every one decoded as classify decodes it but the result,
	// only looked into.
	var probe struct {
		JSONRPC  string          `json:"jsonrpc"`
		ID       json.RawMessage `json:"id"`
		Result   *struct{}       `json:"result"`
		Error    *rpcError       `json:"error"`
		Metadata *metadata       `json:"metadata"`
	}
	return gojson.Unmarshal(body, &probe) == nil && probe.Result != nil && probe.Error == nil
}

// rpcFailure maps a JSON-RPC error object to a typed error.
func rpcFailure(status int, e *rpcError, top *metadata) error {
	msg := extract.Snippet(e.Message, 200)
	code := strconv.FormatInt(e.Code, 10)
	if e.Data.Mnemonic != "" {
		code += " " + e.Data.Mnemonic
	}
	api := &extract.APIError{Status: status, Code: code, Message: msg}
	switch {
	case e.Code == codeLimit || e.Data.Mnemonic == mnemonicLimitExceeded:
		var lim *limits
		if e.Data.Metadata != nil {
			lim = e.Data.Metadata.Limits
		}
		if lim == nil && top != nil {
			lim = top.Limits
		}
		return limitError(e, lim, msg)
	case e.Code == codeAuth:
		api.Kind = extract.ErrAuth
	case e.Code == codeAccess:
		api.Kind = extract.ErrAuth
		if e.Data.Mnemonic == mnemonicIPNotWhitelist {
			api.Message = strings.TrimSpace(msg + " (add this host's IP to the account's API allow-list)")
		}
	case e.Code == codeAccount:
		api.Kind = extract.ErrAuth
	case e.Code == codeInternal || e.Data.Mnemonic == mnemonicInternalError:
		api.Retryable = true
	}
	return api
}

// rpcErrorOf returns the JSON-RPC error of err, if err is one.
func rpcErrorOf(err error) (code int64, mnemonic string, ok bool) {
	var api *extract.APIError
	if !errors.As(err, &api) || api.Code == "" || api.Code[0] != '-' {
		return 0, "", false
	}
	num, rest, _ := strings.Cut(api.Code, " ")
	n, perr := strconv.ParseInt(num, 10, 64)
	if perr != nil {
		return 0, "", false
	}
	return n, rest, true
}

// optionalMissing reports whether err says an auxiliary method is not available to this
// account (not found, component disabled, or no rights to it), so that the listing can go
// on without what it adds.
func optionalMissing(err error) bool {
	code, mnemonic, ok := rpcErrorOf(err)
	if !ok {
		return false
	}
	return code == codeMethod || code == codeComponent || mnemonic == mnemonicMethodNotFound ||
		mnemonic == mnemonicComponentMethod || mnemonic == mnemonicForbidden
}

// paceReserve is how many minute points pacing keeps: when fewer remain than this after
// a reply, the next request waits for the minute budget to reset. One point is the cost
// of the next request; keeping two leaves room for a login.user renewal.
const paceReserve = 2

// pace is the extract.ClientConfig.Pace of the Data API: when the minute budget that a
// reply's metadata.limits reports is (almost) spent, wait until it resets rather than
// run into -32029.
func pace(resp *http.Response, body []byte) time.Duration {
	if resp.StatusCode != http.StatusOK {
		return 0
	}
	lim := findLimits(body)
	if lim == nil || !lim.MinuteRemaining.Valid || lim.MinuteRemaining.Value >= paceReserve {
		return 0
	}
	if !lim.MinuteReset.Valid || lim.MinuteReset.Value <= 0 {
		return time.Second
	}
	return extract.Seconds(float64(lim.MinuteReset.Value))
}

// findLimits is the metadata.limits of a reply: in result.metadata, in
// error.data.metadata, or beside them; nil when the reply has none.
func findLimits(body []byte) *limits {
	var reply struct {
		Result *struct {
			Metadata *metadata `json:"metadata"`
		} `json:"result"`
		Error *struct {
			Data *struct {
				Metadata *metadata `json:"metadata"`
			} `json:"data"`
		} `json:"error"`
		Metadata *metadata `json:"metadata"`
	}
	if gojson.Unmarshal(body, &reply) != nil {
		return nil
	}
	switch {
	case reply.Result != nil && reply.Result.Metadata != nil && reply.Result.Metadata.Limits != nil:
		return reply.Result.Metadata.Limits
	case reply.Error != nil && reply.Error.Data != nil && reply.Error.Data.Metadata != nil && reply.Error.Data.Metadata.Limits != nil:
		return reply.Error.Data.Metadata.Limits
	case reply.Metadata != nil:
		return reply.Metadata.Limits
	}
	return nil
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

// isEmpty reports whether raw is null, "", [] or {}: the API writes empty scalars as
// null, empty arrays as [] and empty objects as {} (§6), and all mean "nothing".
func isEmpty(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return true
	}
	switch string(raw) {
	case "null", `""`:
		return true
	}
	if raw[0] != '[' && raw[0] != '{' {
		return false
	}
	inner := bytes.TrimSpace(raw[1 : len(raw)-1])
	return len(inner) == 0
}
