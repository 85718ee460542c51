// Package uis extracts the employee directory of one UIS / CoMagic / CallGear account
// through the Data API (JSON-RPC 2.0, https://comagic.github.io/data_api/) as an
// extract.Source: employees with their names, e-mail, phone numbers, extension and
// groups, and each employee's status.
//
// It authenticates with a permanent API key (access_token) or with a login/password
// session (login.user, renewed before its hour runs out and once after a -32001), pages
// the get methods with limit/offset and checks every listing against
// metadata.total_items, and paces itself on metadata.limits so that the minute budget
// is not overrun. Retries, backoff and waiting are the shared extract.Client's job; this
// package only classifies the API's replies (JSON-RPC errors arrive with HTTP 200).
//
// It must not import transform/, load/ or jobs/, nor its fake server (extract/uis/fake)
// outside tests.
package uis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// Provider is the provider id of UIS sources.
const Provider = "uis"

// DefaultBaseURL is the UIS Data API endpoint. CoMagic (https://dataapi.comagic.ru/v2.0)
// and CallGear (https://dataapi.callgear.com/v2.0) accounts set BaseURL to their host:
// credentials of one brand do not work on another's host (providers/uis.md §1).
const DefaultBaseURL = "https://dataapi.uiscom.ru/v2.0"

// Page sizes (limit) of the get methods: the documented default and maximum (§3).
const (
	DefaultPageSize = 1000
	MaxPageSize     = 10000
)

// maxOffset is the largest offset the API accepts (§3).
const maxOffset = 100000

// maxRestarts bounds how often the employee listing starts over because its count did
// not add up (offset paging is not snapshot-consistent); then it fails with
// extract.ErrIncomplete.
const maxRestarts = 2

// Sessions (login/password mode): a session key lives one hour (§2); it is replaced
// renewMargin before it runs out.
const (
	sessionLife = time.Hour
	renewMargin = 5 * time.Minute
)

// Config configures a UIS source. Exactly one of AccessToken and Login/Password is set.
type Config struct {
	// Name is the configured source name (e.g. "uis").
	Name string
	// BaseURL is the JSON-RPC endpoint; default DefaultBaseURL.
	BaseURL string
	// AccessToken is an API key (permanent or temporary). It never appears in an error.
	AccessToken string
	// Login and Password open login.user sessions instead of an API key. The password
	// and the session keys never appear in an error.
	Login, Password string
	// PageSize is the limit of get requests; default 1000, larger values are capped at
	// 10000.
	PageSize int
	// HTTP configures the transport; New sets its Source, Classify and Pace (which reads
	// each reply's metadata.limits).
	HTTP extract.ClientConfig
	// Now is the clock of session expiry; nil means HTTP.Now, else time.Now.
	Now func() time.Time
}

// Account is what get.account says about the account.
type Account struct {
	// AppID is the account (application) id; it is every user's AccountID.
	AppID string
	Name  string
	// Timezone is the account's IANA time zone, in which the API writes its
	// "YYYY-MM-DD hh:mm:ss" times. Employees carry no times, so it is reported here
	// rather than as a User.Timezone, which would claim it for each person.
	Timezone string
}

// Client is a UIS source. It is an extract.Source and an extract.FieldCatalog. Its
// methods are safe for concurrent use, though Extract is meant to run once at a time.
type Client struct {
	name     string
	endpoint string
	pageSize int
	now      func() time.Time
	api      *extract.Client

	// accessToken, login and password are the credentials: never put them in an error.
	accessToken     string
	login, password string

	nextID atomic.Int64

	// loginMu serializes session renewals; it is held while login.user is in flight, so
	// it is never taken under mu.
	loginMu sync.Mutex

	mu      sync.Mutex
	session string    // the current login.user key: never put it in an error
	renewAt time.Time // when the session is replaced
	appID   string    // from login.user, until get.account says
	account Account
}

var (
	_ extract.Source       = (*Client)(nil)
	_ extract.FieldCatalog = (*Client)(nil)
)

// New validates cfg and returns a UIS source. It sends no request.
func New(cfg Config) (*Client, error) {
	if cfg.Name == "" {
		return nil, errors.New("uis: source name is empty")
	}
	token := strings.TrimSpace(cfg.AccessToken)
	hasLogin := strings.TrimSpace(cfg.Login) != "" || cfg.Password != ""
	switch {
	case token != "" && hasLogin:
		return nil, fmt.Errorf("uis: %s: set either access_token or login/password, not both", cfg.Name)
	case token == "" && !hasLogin:
		return nil, fmt.Errorf("uis: %s: access_token (or login and password) is empty", cfg.Name)
	case hasLogin && (strings.TrimSpace(cfg.Login) == "" || cfg.Password == ""):
		return nil, fmt.Errorf("uis: %s: login and password must both be set", cfg.Name)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("uis: %s: base_url is not a valid URL", cfg.Name)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("uis: %s: base_url must not carry credentials, a query or a fragment", cfg.Name)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("uis: %s: base_url %q is not an http(s) URL", cfg.Name, cfg.BaseURL)
	}
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize = DefaultPageSize
	case cfg.PageSize < 0:
		return nil, fmt.Errorf("uis: %s: page size %d is not positive", cfg.Name, cfg.PageSize)
	case cfg.PageSize > MaxPageSize:
		cfg.PageSize = MaxPageSize
	}
	now := cfg.Now
	if now == nil {
		now = cfg.HTTP.Now
	}
	if now == nil {
		now = time.Now
	}
	c := &Client{
		name:        cfg.Name,
		endpoint:    u.String(),
		pageSize:    cfg.PageSize,
		now:         now,
		accessToken: token,
		login:       strings.TrimSpace(cfg.Login),
		password:    cfg.Password,
	}
	hc := cfg.HTTP
	hc.Source = cfg.Name
	hc.Classify = classifier{secrets: c.secrets}.classify
	hc.Secrets = c.secrets
	hc.Pace = pace
	c.api = extract.NewClient(hc)
	return c, nil
}

// Name is the configured source name.
func (c *Client) Name() string { return c.name }

// Provider is "uis".
func (c *Client) Provider() string { return Provider }

// Stats reports the transport counters, login.user requests included.
func (c *Client) Stats() extract.Stats { return c.api.Stats() }

// Account is what the last Extract learnt from get.account (zero before).
func (c *Client) Account() Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.account
}

// KnownFields lists every employee field the Data API documents (providers/uis.md §6):
// those with a column, the status fields that go to the status fact, and those kept in
// Extra on purpose.
func (c *Client) KnownFields() []string {
	fields := []string{fieldID, fieldFirstName, fieldLastName, fieldPatronymic, fieldFullName, fieldEmail,
		fieldGroups, fieldPhoneNumbers, fieldExtension, fieldStatus, fieldStatusID}
	return append(fields, extraFields...)
}

// Extract reads the account (get.account), the statuses (get.statuses) and the groups
// with their members (get.group_employees), then pages through get.employees and hands
// each page to sink: the employees, then their statuses.
//
// The listing is complete only when the distinct employees read equal the total_items
// of its last page and total_items did not change while it was read; otherwise it
// starts over (at most maxRestarts times; employees already emitted are emitted again,
// and the loader de-duplicates them by id) and then fails with extract.ErrIncomplete.
// A listing without any employee fails too, since a complete listing deletes every user
// it lacks.
func (c *Client) Extract(ctx context.Context, sink extract.Sink) error {
	if err := c.readAccount(ctx); err != nil {
		return err
	}
	statuses, err := c.readStatuses(ctx)
	if err != nil {
		return err
	}
	groups, err := c.readGroups(ctx)
	if err != nil {
		return err
	}
	dir := &directory{accountID: c.accountID(), statuses: statuses, groups: groups}
	for restart := 0; ; restart++ {
		why, err := c.employees(ctx, dir, sink)
		if err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		if restart >= maxRestarts {
			return c.fail("get.employees", fmt.Errorf("%w: %s (gave up after %d restarts)", extract.ErrIncomplete, why, restart))
		}
	}
}

// readAccount reads get.account: the app id (every user's AccountID) and time zone. An
// account whose key may not call it goes on without.
func (c *Client) readAccount(ctx context.Context) error {
	var got []accountObject
	_, err := c.list(ctx, "get.account", nil, false, func(items []json.RawMessage) error {
		return decodeEach(items, &got)
	})
	if err != nil {
		if optionalMissing(err) {
			return nil
		}
		return err
	}
	if len(got) == 0 {
		return nil
	}
	a := Account{AppID: string(got[0].AppID), Name: got[0].Name, Timezone: got[0].Timezone}
	c.mu.Lock()
	c.account = a
	if a.AppID != "" {
		c.appID = a.AppID
	}
	c.mu.Unlock()
	return nil
}

// accountID is the account id users carry.
func (c *Client) accountID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.appID
}

// readStatuses reads get.statuses into status id -> status. Without it, an employee's
// status comes from the deprecated status mnemonic alone.
func (c *Client) readStatuses(ctx context.Context) (map[string]statusObject, error) {
	out := make(map[string]statusObject)
	_, err := c.list(ctx, "get.statuses", nil, true, func(items []json.RawMessage) error {
		var page []statusObject
		if err := decodeEach(items, &page); err != nil {
			return err
		}
		for _, s := range page {
			if s.ID != "" {
				out[string(s.ID)] = s
			}
		}
		return nil
	})
	if err != nil && !optionalMissing(err) {
		return nil, err
	}
	return out, nil
}

// readGroups reads get.group_employees into employee id -> groups (kind "group").
func (c *Client) readGroups(ctx context.Context) (*extract.Memberships, error) {
	out := &extract.Memberships{}
	byID := make(map[string]extract.Group) // a group listed again counts as first listed
	_, err := c.list(ctx, "get.group_employees", nil, true, func(items []json.RawMessage) error {
		var page []groupObject
		if err := decodeEach(items, &page); err != nil {
			return err
		}
		for _, g := range page {
			if g.ID == "" {
				continue
			}
			group, seen := byID[string(g.ID)]
			if !seen {
				group = extract.Group{ID: string(g.ID), Name: g.Name, Kind: "group"}
				byID[group.ID] = group
			}
			for _, m := range g.Members {
				if id := string(m.EmployeeID); id != "" {
					out.Add(id, group)
				}
			}
		}
		return nil
	})
	if err != nil && !optionalMissing(err) {
		return nil, err
	}
	return out, nil
}

// employees reads the employee listing once and hands its pages to sink. It returns a
// non-empty reason when the listing's count did not add up and it should start over.
func (c *Client) employees(ctx context.Context, dir *directory, sink extract.Sink) (string, error) {
	seen := make(map[string]bool)
	rec, _ := sink.(extract.Recognizer)
	reader := dir.userReader(rec)
	total, err := c.list(ctx, "get.employees", nil, true, func(objects []json.RawMessage) error {
		// Each raw object is read without being decoded (UserReader), and mapped unless
		// the sink recognizes it.
		n, employee := len(objects), func(i int) (extract.User, *extract.Status, error) { return dir.rawUser(ctx, objects[i], reader) }
		users := make([]extract.User, 0, n)
		statuses := make([]extract.Status, 0, n)
		for i := range n {
			u, st, err := employee(i)
			if err != nil {
				return err
			}
			// A user listed again (shifted into this page by a change before it, or
			// repeated by the provider) is still handed on: the loader keeps the last
			// copy, counts the repeat and reports copies that differ.
			seen[u.ID] = true
			users = append(users, u)
			if st != nil {
				statuses = append(statuses, *st)
			}
		}
		if len(users) == 0 {
			return nil
		}
		if err := sink.Users(ctx, users); err != nil {
			return c.fail("sink users", err)
		}
		if len(statuses) > 0 {
			if err := sink.Statuses(ctx, statuses); err != nil {
				return c.fail("sink statuses", err)
			}
		}
		return nil
	})
	var changed *errChanged
	switch {
	case errors.As(err, &changed):
		return changed.why, nil
	case err != nil:
		return "", err
	}
	if int64(len(seen)) != total {
		return fmt.Sprintf("read %d distinct employees, but total_items is %d", len(seen), total), nil
	}
	if total == 0 {
		return "", c.fail("get.employees", fmt.Errorf("%w: the listing has no employees; an empty directory is not taken as complete", extract.ErrIncomplete))
	}
	return "", nil
}

// errChanged stops a listing whose total_items changed between pages.
type errChanged struct{ why string }

func (e *errChanged) Error() string { return e.why }

// list calls a get method, paged with limit/offset when paged, and hands the items of
// each page's data to fn. It returns the total_items of the last page (the count of
// items read when a reply has none). A paged listing ends with a short page or when offset reaches
// total_items; if total_items changes between pages, it stops with *errChanged.
func (c *Client) list(ctx context.Context, method string, extra map[string]any, paged bool, fn func(items []json.RawMessage) error) (int64, error) {
	offset := 0
	var first int64 = -1
	var read int64
	for {
		params := map[string]any{}
		for k, v := range extra {
			params[k] = v
		}
		op := "POST " + method
		if paged {
			params["limit"] = c.pageSize
			params["offset"] = offset
			op += " offset=" + strconv.Itoa(offset)
		}
		result, err := c.call(ctx, method, op, params)
		if err != nil {
			return 0, err
		}
		c.api.CountPage()
		meta, items, err := resultItems(result)
		if err != nil {
			return 0, c.fail(op, c.malformed(err, result))
		}
		n := len(items)
		read += int64(n)
		total := read
		if meta != nil && meta.TotalItems.Valid {
			total = meta.TotalItems.Value
		}
		if paged {
			if first < 0 {
				first = total
			} else if total != first {
				return 0, &errChanged{why: fmt.Sprintf("total_items went from %d to %d while the list was read", first, total)}
			}
		}
		if n > 0 {
			if err := fn(items); err != nil {
				var sourceErr *extract.SourceError
				if errors.As(err, &sourceErr) {
					return 0, err
				}
				return 0, c.fail(op, c.malformed(err, result))
			}
		}
		if !paged || n < c.pageSize || int64(offset+n) >= total {
			return total, nil
		}
		offset += n
		if offset > maxOffset {
			return 0, c.fail(op, fmt.Errorf("%w: total_items %d is beyond the largest offset the API serves (%d)", extract.ErrIncomplete, total, maxOffset))
		}
	}
}

// resultItems reads a get method's result: its metadata and the items of its data, in
// one decoding of the result where the data is an array (a page used to be decoded
// three times: the result, then its data to count the items, then again to copy them;
// at 100,000 employees a second night's UIS listing took 2.83 s of CPU so, 2.51 s
// now). Data that is not an array is read as countItems and decodeItems read it: empty,
// or a single object.
func resultItems(result json.RawMessage) (*metadata, []json.RawMessage, error) {
	var page struct {
		Metadata *metadata         `json:"metadata"`
		Data     []json.RawMessage `json:"data"`
	}
	if err := gojson.Unmarshal(result, &page); err == nil {
		return page.Metadata, page.Data, nil
	}
	var res getResult
	if err := gojson.Unmarshal(result, &res); err != nil {
		return nil, nil, err
	}
	items, err := dataItems(res.Data)
	if err != nil {
		return nil, nil, err
	}
	return res.Metadata, items, nil
}

// decodeEach appends each of items, decoded, to *out.
func decodeEach[T any](items []json.RawMessage, out *[]T) error {
	for _, raw := range items {
		var v T
		if err := gojson.Unmarshal(raw, &v); err != nil {
			return err
		}
		*out = append(*out, v)
	}
	return nil
}

// countItems is the length of a result's data array (null and absent are empty; a
// single object, as get.account may answer, is one item).
func countItems(raw json.RawMessage) (int, error) {
	items, err := dataItems(raw)
	return len(items), err
}

// dataItems is a result's data array as raw items, read as countItems counts them.
func dataItems(raw json.RawMessage) ([]json.RawMessage, error) {
	if isEmpty(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := gojson.Unmarshal(asArray(raw), &items); err != nil {
		return nil, fmt.Errorf("result.data is not an array: %w", err)
	}
	return items, nil
}

// decodeItems decodes a result's data array (or single object) into out.
func decodeItems(raw json.RawMessage, out any) error {
	if isEmpty(raw) {
		return nil
	}
	return gojson.Unmarshal(asArray(raw), out)
}

// asArray wraps a JSON object in an array: get.account's data is documented as one
// account, which a reply may give as an object rather than a list of one.
func asArray(raw json.RawMessage) json.RawMessage {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return slices.Concat([]byte("["), trimmed, []byte("]"))
	}
	return raw
}

// call sends one JSON-RPC call with the credential in params and returns its result. In
// login/password mode a -32001 other than a wrong login gets one new session and one
// more try.
func (c *Client) call(ctx context.Context, method, op string, params map[string]any) (json.RawMessage, error) {
	for renewed := false; ; renewed = true {
		token, err := c.credential(ctx)
		if err != nil {
			return nil, err
		}
		params["access_token"] = token
		result, err := c.send(ctx, method, op, params)
		if err == nil {
			return result, nil
		}
		if c.login == "" || !sessionRefused(err) {
			return nil, err
		}
		if renewed {
			return nil, fmt.Errorf("%w (again with a new session)", err)
		}
		c.dropSession(token)
	}
}

// send posts one JSON-RPC request and returns its result.
func (c *Client) send(ctx context.Context, method, op string, params any) (json.RawMessage, error) {
	body, err := gojson.Marshal(rpcRequest{JSONRPC: "2.0", ID: c.nextID.Add(1), Method: method, Params: params})
	if err != nil {
		return nil, c.fail(op, fmt.Errorf("encoding the request: %w", err))
	}
	resp, err := c.api.Do(ctx, extract.Request{
		Method: http.MethodPost,
		URL:    c.endpoint,
		Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}},
		Body:   body,
		Op:     op,
	})
	if err != nil {
		return nil, err
	}
	var reply rpcResponse
	if err := gojson.Unmarshal(resp.Body, &reply); err != nil {
		return nil, c.fail(op, c.malformed(err, resp.Body))
	}
	return reply.Result, nil
}

// sessionRefused reports whether err is a -32001 that a new session may cure: not a
// wrong login or password.
func sessionRefused(err error) bool {
	code, mnemonic, ok := rpcErrorOf(err)
	return ok && code == codeAuth && mnemonic != mnemonicAuthError
}

// credential is the access_token of the next call: the API key, or the current session
// key, opening a new session when there is none or it is about to run out.
func (c *Client) credential(ctx context.Context) (string, error) {
	if c.login == "" {
		return c.accessToken, nil
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	now := c.now()
	c.mu.Lock()
	session, renewAt := c.session, c.renewAt
	c.mu.Unlock()
	if session != "" && now.Before(renewAt) {
		return session, nil
	}
	const op = "POST login.user"
	result, err := c.send(ctx, "login.user", op, map[string]string{"login": c.login, "password": c.password})
	if err != nil {
		return "", err
	}
	var reply loginResult
	if err := gojson.Unmarshal(result, &reply); err != nil {
		// Neither the body nor the decoder's message is quoted: they may hold the key.
		return "", c.fail(op, fmt.Errorf("%w: the login.user result (%d bytes) is not an object", extract.ErrMalformed, len(result)))
	}
	key := strings.TrimSpace(reply.Data.AccessToken)
	if key == "" {
		return "", c.fail(op, fmt.Errorf("%w: the login.user result has no access_token", extract.ErrMalformed))
	}
	// Measured from before the request: the session cannot have started earlier.
	expire := now.Add(sessionLife)
	for _, at := range []flexInt{reply.Data.ExpireAt, reply.Data.Expire} {
		if at.Valid && at.Value > 0 {
			// An expiry already past (clock skew) is ignored rather than renewing on
			// every call.
			if t := time.Unix(at.Value, 0); t.After(now) && t.Before(expire) {
				expire = t
			}
			break
		}
	}
	life := expire.Sub(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session, c.renewAt = key, now.Add(life-min(renewMargin, life/10))
	if id := string(reply.Data.AppID); id != "" && c.appID == "" {
		c.appID = id
	}
	return key, nil
}

// dropSession forgets key if it is still the current session.
func (c *Client) dropSession(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == key {
		c.session = ""
	}
}

// secrets are the credentials and the current session key.
func (c *Client) secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []string{c.accessToken, c.password, c.session}
}

// fail attributes an error found in a reply (not by the HTTP layer) to the source.
func (c *Client) fail(op string, err error) error {
	return &extract.SourceError{Source: c.name, Op: op, Err: err}
}

// malformed is extract.MalformedError quoting body without the secrets.
func (c *Client) malformed(err error, body []byte) error {
	return extract.MalformedError(err, redact(body, c.secrets()...))
}

// directory is what the source knows before it reads employees.
type directory struct {
	accountID string
	statuses  map[string]statusObject // status id -> status
	groups    *extract.Memberships    // employee id -> groups from get.group_employees
	ctx       []byte                  // context's buffer
}

// employeePicks are the members read of an object not decoded: the id, then the status.
var employeePicks = []string{fieldID, fieldStatus, fieldStatusID}

// rawUser maps one raw employee object and its status, unless reader finds the sink
// recognizes it: its status is then read from its status fields alone.
func (d *directory) rawUser(ctx context.Context, raw json.RawMessage, reader *extract.UserReader) (extract.User, *extract.Status, error) {
	if u, picked, ok, err := reader.Unchanged(ctx, raw); ok || err != nil {
		if err != nil {
			return u, nil, err
		}
		var status string
		decodeString(picked[1], &status)
		return u, d.status(u.ID, status, idText(picked[2])), nil
	}
	obj, err := reader.Decode(raw)
	if err != nil {
		return extract.User{}, nil, fmt.Errorf("employee: %w", err)
	}
	u, st, err := d.user(obj)
	if err == nil {
		reader.Fingerprint(&u, obj)
	}
	return u, st, err
}

// userReader reads employees for rec (nil when the sink is no Recognizer): it picks
// the id and the status, which is left out of the fingerprint.
func (d *directory) userReader(rec extract.Recognizer) *extract.UserReader {
	return &extract.UserReader{Rec: rec, Pick: employeePicks, Volatile: employeePicks[1:], Context: d.context, ID: idText}
}

// context is everything user merges into the object of the employee id from other
// replies: the account and the employee's groups from get.group_employees.
func (d *directory) context(id string) string {
	b := d.groups.AppendText(strconv.AppendQuote(d.ctx[:0], d.accountID), id) // as fmt's %q
	d.ctx = b
	return string(b)
}

// user maps one employee object and its status. Fields with a column are picked when
// they have the documented type (or are empty); the status fields go to the status;
// everything else, including known fields of another type and any field the API adds,
// is kept in Extra unless it is empty (null, "", [], {} all mean nothing, §6).
func (d *directory) user(obj map[string]json.RawMessage) (extract.User, *extract.Status, error) {
	if obj == nil {
		return extract.User{}, nil, errors.New("employee is not an object")
	}
	u := extract.User{AccountID: d.accountID, Extra: make(map[string]json.RawMessage)}
	u.Fields = make([]string, 0, len(obj))
	for name := range obj {
		u.Fields = append(u.Fields, name)
	}
	slices.Sort(u.Fields)

	var status, statusID string
	for name, raw := range obj {
		var dst *string
		switch name {
		case fieldID:
			u.ID = idText(raw)
			continue
		case fieldFirstName:
			dst = &u.FirstName
		case fieldLastName:
			dst = &u.LastName
		case fieldPatronymic:
			dst = &u.MiddleName
		case fieldFullName:
			dst = &u.DisplayName
		case fieldEmail:
			dst = &u.Email
		case fieldStatus:
			decodeString(raw, &status)
			continue
		case fieldStatusID:
			statusID = idText(raw)
			continue
		case fieldGroups:
			if groups, ok := employeeGroups(raw); ok {
				u.Groups = groups
				continue
			}
		case fieldPhoneNumbers:
			if phones, ok := phoneNumbers(raw); ok {
				u.Phones = append(phones, u.Phones...)
			}
		case fieldExtension:
			if ext, ok := extensionPhone(raw); ok && ext != "" {
				u.Phones = append(u.Phones, extract.Phone{Raw: ext, Kind: "extension"})
			}
		}
		if dst != nil && decodeString(raw, dst) {
			continue
		}
		if !isEmpty(raw) {
			u.Extra[name] = raw
		}
	}
	if u.ID == "" {
		return extract.User{}, nil, errors.New("employee object without an id")
	}
	for g := range d.groups.All(u.ID) {
		if !slices.ContainsFunc(u.Groups, func(x extract.Group) bool { return x.ID == g.ID }) {
			u.Groups = append(u.Groups, g)
		}
	}
	if len(u.Extra) == 0 {
		u.Extra = nil
	}

	return u, d.status(u.ID, status, statusID), nil
}

// status is the status of the employee id from its status fields' text, or nil when
// they report none.
func (d *directory) status(id, status, statusID string) *extract.Status {
	raw := status
	if statusID != "" {
		if s, ok := d.statuses[statusID]; ok {
			switch {
			case strings.TrimSpace(s.Mnemonic) != "":
				raw = strings.TrimSpace(s.Mnemonic)
			case strings.TrimSpace(s.Name) != "":
				raw = strings.TrimSpace(s.Name)
			}
		} else if raw == "" {
			raw = statusID // a custom status get.statuses did not list: its id is all there is
		}
	}
	if raw == "" {
		return nil
	}
	return &extract.Status{UserID: id, Status: raw}
}

// employeeGroups maps groups[] ({group_id, group_name}) to groups of kind "group".
func employeeGroups(raw json.RawMessage) ([]extract.Group, bool) {
	if isEmpty(raw) {
		return nil, true
	}
	var items []struct {
		GroupID   flexID `json:"group_id"`
		GroupName string `json:"group_name"`
	}
	if gojson.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	var out []extract.Group
	for _, g := range items {
		if g.GroupID == "" && g.GroupName == "" {
			continue
		}
		out = append(out, extract.Group{ID: string(g.GroupID), Name: g.GroupName, Kind: "group"})
	}
	return out, true
}

// phoneNumbers maps phone_numbers[] to phones of kind "other" in their (priority)
// order, each raw string kept exactly ("74955140578...2345" included); blank numbers
// are no phone.
func phoneNumbers(raw json.RawMessage) ([]extract.Phone, bool) {
	if isEmpty(raw) {
		return nil, true
	}
	var items []struct {
		PhoneNumber json.RawMessage `json:"phone_number"`
	}
	if gojson.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	var out []extract.Phone
	for _, p := range items {
		number := phoneText(p.PhoneNumber)
		if strings.TrimSpace(number) != "" {
			out = append(out, extract.Phone{Raw: number, Kind: "other"})
		}
	}
	return out, true
}

// extensionPhone is extension.extension_phone_number.
func extensionPhone(raw json.RawMessage) (string, bool) {
	if isEmpty(raw) {
		return "", true
	}
	var ext struct {
		Number json.RawMessage `json:"extension_phone_number"`
	}
	if gojson.Unmarshal(raw, &ext) != nil {
		return "", false
	}
	number := phoneText(ext.Number)
	if strings.TrimSpace(number) == "" {
		return "", true
	}
	return number, true
}

// phoneText is a phone number's text: a string as written, or a number's literal.
func phoneText(raw json.RawMessage) string {
	var s string
	if decodeString(raw, &s) {
		return s
	}
	var n gojson.Number
	if gojson.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// decodeString sets *dst from a JSON string; null leaves it empty. It reports false for
// any other JSON value, which the caller keeps in Extra.
func decodeString(raw json.RawMessage, dst *string) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	if raw[0] != '"' {
		return false
	}
	return gojson.Unmarshal(raw, dst) == nil
}
