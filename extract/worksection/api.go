package worksection

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// This file holds Worksection's wire format: the signed query, the reply envelope, the
// objects the directory sync reads and the classification of replies. None of it leaves
// the package.

// Actions of the admin API the directory sync calls.
const (
	actionUsers      = "get_users"
	actionUserGroups = "get_user_groups"
)

// Reply statuses of the envelope.
const (
	statusOK    = "ok"
	statusError = "error"
)

// codeBadHash is the documented status_code of "Action hash is missed or invalid": the
// reply to a wrong admin API key, since the key only enters the request through the hash.
const codeBadHash = "2"

// param is one query parameter. The admin API signs the query string byte for byte, so
// parameters keep the order they are given in.
type param struct{ key, value string }

// signedQuery returns the query string of params (in order, encoded as PHP's
// http_build_query does for plain values) and its hash: the md5 hex digest of that exact
// string followed by the admin API key. The request sends query + "&hash=" + hash.
func signedQuery(key string, params ...param) (query, hash string) {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	query = b.String()
	return query, queryHash(query, key)
}

// queryHash is md5(query + key) in lower-case hex, the admin API's request signature.
func queryHash(query, key string) string {
	sum := md5.Sum([]byte(query + key))
	return hex.EncodeToString(sum[:])
}

// envelope is the frame of every admin API reply: {"status": "ok", "data": ...} or
// {"status": "error", "status_code": N, "message": "...", "message_details": ...}.
// Status is a pointer so that a reply without it is told apart from an empty one;
// status_code and message_details stay raw because their types are not documented.
type envelope struct {
	Status         *string         `json:"status"`
	StatusCode     json.RawMessage `json:"status_code"`
	Message        json.RawMessage `json:"message"`
	MessageDetails json.RawMessage `json:"message_details"`
}

// userGroup is an item of get_user_groups: a team. Client is 1 for an external client's
// team, 0 for the account's own company.
type userGroup struct {
	ID    flexString `json:"id"`
	Title string     `json:"title"`
}

// flexString is a JSON string that may also arrive as a number (ids are numeric strings
// in the samples and integers in the official Python client).
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (s *flexString) UnmarshalJSON(b []byte) error {
	v, ok := idText(b)
	if !ok {
		return fmt.Errorf("id %s is neither a string nor a number", extract.Snippet(string(b), 40))
	}
	*s = flexString(v)
	return nil
}

// idText reads an id that is a JSON string or number; null is "". ok is false for any
// other JSON value.
func idText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", true
	case raw[0] == '"':
		var s string
		if gojson.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		var n gojson.Number
		if gojson.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

// User object fields (providers/worksection.md §6). The ones in the first block have an
// extract.User field of their own; every other field of a user goes to Extra.
const (
	fieldID         = "id"
	fieldEmail      = "email"
	fieldFirstName  = "first_name"
	fieldLastName   = "last_name"
	fieldName       = "name"
	fieldTitle      = "title"
	fieldRole       = "role"
	fieldDepartment = "department"
	fieldGroup      = "group"
	fieldDateAdded  = "date_added"
	// fieldDataAdded is how the documented field list spells date_added; the sample reply
	// spells it date_added. Either one is read, date_added first.
	fieldDataAdded = "data_added"
	fieldPhone     = "phone"
	fieldPhone2    = "phone2"
	fieldPhone3    = "phone3"
	fieldPhone4    = "phone4"
)

// phoneFields maps the phone fields to their kinds, in the order a user's phones are
// listed.
var phoneFields = []struct{ field, kind string }{
	{fieldPhone, "main"},
	{fieldPhone2, "office"},
	{fieldPhone3, "mobile"},
	{fieldPhone4, "home"},
}

// extraFields are the documented user fields without a column: kept in Extra on
// purpose.
var extraFields = []string{"url", "services", "contacts", "rate", "avatar", "address", "address2"}

// classifier is Worksection's reply classifier. It knows the admin API key only to make
// sure that neither the key nor a request's hash is ever quoted from a reply.
type classifier struct {
	key string
}

// classify turns a reply into nil or a typed error. Worksection reports application
// errors in the body, usually with HTTP 200, so every 2xx reply must be a JSON object
// with "status": "ok"; "status": "error" is an *extract.APIError (of Kind extract.ErrAuth
// for a missing or invalid hash, the answer to a wrong key), and anything else is
// extract.ErrMalformed. Other HTTP statuses are classified by extract.DefaultClassify
// (429 with Retry-After, 401/403, retryable 5xx) with the envelope's code and message
// when the body has one.
func (c classifier) classify(resp *http.Response, body []byte) error {
	body = c.redact(resp, body)
	env, envErr := parseEnvelope(body)
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		err := extract.DefaultClassify(resp, body)
		var api *extract.APIError
		if errors.As(err, &api) && envErr == nil && *env.Status == statusError {
			env.annotate(api)
		}
		return err
	}
	if envErr != nil {
		return extract.MalformedError(envErr, body)
	}
	switch *env.Status {
	case statusOK:
		return nil
	case statusError:
		api := &extract.APIError{Status: resp.StatusCode}
		env.annotate(api)
		return api
	}
	return extract.MalformedError(fmt.Errorf("unknown reply status %q", extract.Snippet(*env.Status, 40)), body)
}

// parseEnvelope decodes a reply's envelope; it fails unless the reply is a JSON object
// with a string "status".
func parseEnvelope(body []byte) (envelope, error) {
	var env envelope
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return envelope{}, errors.New("reply is not a JSON object")
	}
	if statusOKFirst(trimmed) {
		// A listing of the whole directory can be hundreds of megabytes: it is not
		// decoded (nor copied, as Unmarshal would) only to learn what its first key says;
		// the client walks it once, and finds it malformed if it is.
		ok := statusOK
		return envelope{Status: &ok}, nil
	}
	if err := gojson.Unmarshal(trimmed, &env); err != nil {
		if len(body) >= extract.SpoolHead && dataFirst(trimmed) {
			// The head of a spooled listing whose data comes before its status: the
			// client that walks the listing checks the status when it reaches it.
			ok := statusOK
			return envelope{Status: &ok}, nil
		}
		return envelope{}, err
	}
	if env.Status == nil {
		return envelope{}, errors.New("reply has no status")
	}
	return env, nil
}

// statusOKFirst reports whether the reply object's first key is "status" with the value
// "ok", as Worksection writes its successful replies.
func statusOKFirst(body []byte) bool {
	dec := gojson.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != gojson.Delim('{') {
		return false
	}
	if tok, err := dec.Token(); err != nil || tok != "status" {
		return false
	}
	tok, err := dec.Token()
	return err == nil && tok == statusOK
}

// dataFirst reports whether the reply object's data key comes before any status key:
// then a reply cut to its head (extract.SpoolHead) cannot show its status.
func dataFirst(body []byte) bool {
	dec := gojson.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != gojson.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case "data":
			return true
		case "status":
			return false
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// annotate fills api from an error envelope: the provider's code and message, and Kind
// extract.ErrAuth (never retried) when the hash was refused.
func (e envelope) annotate(api *extract.APIError) {
	if code := jsonText(e.StatusCode); code != "" {
		api.Code = code
	}
	msg := jsonText(e.Message)
	if details := jsonText(e.MessageDetails); details != "" {
		if msg != "" {
			msg += ": "
		}
		msg += details
	}
	if msg = extract.Snippet(msg, 200); msg != "" {
		api.Message = msg
	}
	if e.isAuth() {
		api.Kind = extract.ErrAuth
		api.Retryable = false
	}
}

// isAuth reports whether an error envelope refuses the credentials: status_code 2
// ("Action hash is missed or invalid"), or, since the rest of the code table is not
// documented, a message about the hash, the API key or an access token whatever the code.
func (e envelope) isAuth() bool {
	if jsonText(e.StatusCode) == codeBadHash {
		return true
	}
	msg := strings.ToLower(jsonText(e.Message))
	for _, word := range []string{"hash", "api key", "apikey", "access token"} {
		if strings.Contains(msg, word) {
			return true
		}
	}
	return false
}

// redact replaces the admin API key and the request's hash in a reply body, so that an
// error quoting the body (a proxy echoing the URL, say) never carries them.
func (c classifier) redact(resp *http.Response, body []byte) []byte {
	secrets := []string{c.key}
	if resp != nil && resp.Request != nil && resp.Request.URL != nil {
		secrets = append(secrets, resp.Request.URL.Query().Get("hash"))
	}
	return redact(body, secrets...)
}

// redact replaces every non-empty secret in body with "[redacted]".
func redact(body []byte, secrets ...string) []byte {
	for _, s := range secrets {
		if s != "" && bytes.Contains(body, []byte(s)) {
			body = bytes.ReplaceAll(body, []byte(s), []byte("[redacted]"))
		}
	}
	return body
}

// jsonText renders a JSON value as one line of text: strings unquoted, null and absent
// values empty, anything else compacted.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if gojson.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
	}
	var buf bytes.Buffer
	if gojson.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}
