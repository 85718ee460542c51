// Package worksection extracts the user directory of one Worksection account
// (https://worksection.com/en/faq/api-user.html) as an extract.Source: the account's
// users with their role, department, team and phones. Worksection has no presence
// status, so the source never emits statuses.
//
// It speaks the admin API (api.go): every call is a GET of
// <account>/api/admin/v2/?action=...&hash=..., signed with md5(query + admin API key),
// and every reply is a {"status": ...} envelope, errors included, usually at HTTP 200.
// Retries, backoff and rate limiting are the shared extract.Client's job; this package
// only signs requests and classifies Worksection's replies. It must not import
// transform/, load/ or jobs/, nor its fake server (extract/worksection/fake) outside
// tests.
package worksection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// Provider is the provider id of Worksection sources.
const Provider = "worksection"

// AdminAPIPath is the path of the admin API on an account's host. A BaseURL without a
// path is taken to mean it.
const AdminAPIPath = "/api/admin/v2/"

// PageSize is the most users the source hands to its sink at once. get_users is not
// paginated: the one reply is cut into pages of this size.
const PageSize = 500

// suspectedCap is the reply size at which a third-party integrator saw Worksection cut
// listings short (providers/worksection.md §3). A get_users reply of exactly this many
// users may be truncated, and a truncated listing taken as complete would delete every
// user past the cut, so it is refused as incomplete.
const suspectedCap = 10000

// Config configures a Worksection source.
type Config struct {
	// Name is the configured source name (e.g. "ws").
	Name string
	// BaseURL is the account's admin API, e.g. "https://acme.worksection.com/api/admin/v2/".
	// It is required (every account has its own host); a missing trailing slash is
	// tolerated, and a URL without a path means AdminAPIPath on that host.
	BaseURL string
	// APIKey is the account's admin API key. It never goes on the wire: it only enters
	// the md5 hash that signs each request.
	APIKey string
	// HTTP configures the transport; New sets its Source, Classify and Pace.
	HTTP extract.ClientConfig
}

// Client is a Worksection source. It is an extract.Source and an extract.FieldCatalog.
type Client struct {
	name     string
	base     string // admin API URL, with a trailing slash and no query
	basePath string // path of base, for error messages
	account  string // the account's host name: User.AccountID
	key      string // the admin API key: never put it (or a hash) in an error
	http     *extract.Client
}

var (
	_ extract.Source       = (*Client)(nil)
	_ extract.FieldCatalog = (*Client)(nil)
)

// New validates cfg and returns a Worksection source.
func New(cfg Config) (*Client, error) {
	if cfg.Name == "" {
		return nil, errors.New("worksection: source name is empty")
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("worksection: %s: api_key is empty", cfg.Name)
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("worksection: %s: base_url is empty: it is the account's admin API, e.g. https://acme.worksection.com%s", cfg.Name, AdminAPIPath)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		// url.Parse's error quotes the URL, which might hold a secret.
		return nil, fmt.Errorf("worksection: %s: base_url is not a valid URL", cfg.Name)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("worksection: %s: base_url must not carry credentials, a query or a fragment", cfg.Name)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("worksection: %s: base_url %q is not an http(s) URL", cfg.Name, cfg.BaseURL)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path, u.RawPath = AdminAPIPath, ""
	} else if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	hc := cfg.HTTP
	hc.Source = cfg.Name
	hc.Classify = classifier{key: cfg.APIKey}.classify
	hc.Secrets = func() []string { return []string{cfg.APIKey} }
	hc.Pace = nil // Worksection sends no pacing signal; 429s are handled by the classifier
	return &Client{
		name:     cfg.Name,
		base:     u.String(),
		basePath: u.EscapedPath(),
		account:  strings.ToLower(u.Hostname()),
		key:      cfg.APIKey,
		http:     extract.NewClient(hc),
	}, nil
}

// Name is the configured source name.
func (c *Client) Name() string { return c.name }

// Provider is "worksection".
func (c *Client) Provider() string { return Provider }

// Stats reports the transport counters.
func (c *Client) Stats() extract.Stats { return c.http.Stats() }

// Extract reads the account's teams (get_user_groups) and users (get_users) and hands
// the users to sink in pages of at most PageSize. It never calls sink.Statuses.
//
// get_users is not paginated: one reply is the whole listing. A reply without data (or
// with an empty one: an account always has its owner) is not taken for an empty
// directory, since a complete listing deletes every user it lacks; it fails with
// extract.ErrIncomplete.
func (c *Client) Extract(ctx context.Context, sink extract.Sink) error {
	teams, err := c.teams(ctx)
	if err != nil {
		return err
	}
	return c.users(ctx, teams, sink)
}

// teamIndex finds a team's id by its title: users name their team, get_user_groups
// gives ids.
type teamIndex map[string]string

// id is the id of the team titled title, or "" when no team (or more than one) has that
// title.
func (t teamIndex) id(title string) string { return t[strings.TrimSpace(title)] }

// digest is the index as text, the context of every user (see extract.RawFingerprinter).
func (t teamIndex) digest() string {
	pairs := make([]string, 0, len(t))
	for title, id := range t {
		pairs = append(pairs, strconv.Quote(title)+"="+strconv.Quote(id))
	}
	slices.Sort(pairs)
	return strings.Join(pairs, ",")
}

// teams reads get_user_groups. A reply without data means the account has no teams.
func (c *Client) teams(ctx context.Context) (teamIndex, error) {
	resp, op, err := c.call(ctx, actionUserGroups, false)
	if err != nil {
		return nil, err
	}
	body := resp.Body
	var groups []userGroup
	_, err = eachItem(bytes.NewReader(body), func(dec *gojson.Decoder) error {
		var g userGroup
		if err := dec.Decode(&g); err != nil {
			return err
		}
		groups = append(groups, g)
		return nil
	})
	if err != nil {
		return nil, c.fail(op, c.malformed(fmt.Errorf("get_user_groups data: %w", err), body))
	}
	index := make(teamIndex)
	ambiguous := make(map[string]bool)
	for _, g := range groups {
		title := strings.TrimSpace(g.Title)
		if title == "" || ambiguous[title] {
			continue
		}
		if id, seen := index[title]; seen && id != string(g.ID) {
			// Two teams share a title (a company team and a client's, say): a user's
			// team name cannot tell them apart, so neither id is guessed.
			ambiguous[title] = true
			index[title] = ""
			continue
		}
		index[title] = string(g.ID)
	}
	return index, nil
}

// users reads get_users, the whole directory in one reply, and hands its users to sink
// in pages as it decodes them, so that a large directory is never held decoded all at
// once; a large reply is spooled to disk (extract.Request.Spool) and read from there, so
// it is not held whole either. Nothing reaches the sink before more than suspectedCap
// users were decoded; a listing found malformed after that fails the source, whose pages
// are never merged.
func (c *Client) users(ctx context.Context, teams teamIndex, sink extract.Sink) error {
	resp, op, err := c.call(ctx, actionUsers, true)
	if err != nil {
		return err
	}
	defer resp.Close()
	body := resp.Body // the head of a spooled reply: what an error quotes
	n := 0
	var users []extract.User
	flush := func() error {
		for page := range slices.Chunk(users, PageSize) {
			if err := sink.Users(ctx, page); err != nil {
				return c.fail("sink users", err)
			}
		}
		users = users[:0]
		return nil
	}
	var failed error // a user the mapping refused, or the sink's error
	add := func(u extract.User) error {
		users = append(users, u)
		// The first suspectedCap users are held back: a reply of exactly that many is
		// refused, and then nothing of it has reached the sink.
		if len(users) >= PageSize && n > suspectedCap {
			if err := flush(); err != nil {
				failed = err
				return err
			}
		}
		return nil
	}
	// A user the sink recognizes is not decoded: the same members in the same account
	// with the same teams map to the same user.
	rec, _ := sink.(extract.Recognizer)
	context := strconv.Quote(c.account) + " " + teams.digest()
	reader := &extract.UserReader{Rec: rec, Pick: []string{fieldID},
		ID:      func(raw []byte) string { id, _ := idText(raw); return id },
		Context: func(string) string { return context }}
	// Each item is read without being decoded again (UserReader), and mapped unless the
	// sink recognizes it.
	present, err := eachItem(resp.Open(), func(dec *gojson.Decoder) error {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		n++
		u, _, ok, err := reader.Unchanged(ctx, raw)
		if err != nil {
			failed = c.fail("sink users", err)
			return failed
		}
		if ok {
			return add(u)
		}
		obj, err := reader.Decode(raw)
		if err != nil {
			return err
		}
		u, err = c.user(obj, teams)
		if err != nil {
			failed = c.fail(op, err)
			return failed
		}
		reader.Fingerprint(&u, obj)
		return add(u)
	})
	switch {
	case failed != nil:
		return failed
	case err != nil:
		return c.fail(op, c.malformed(fmt.Errorf("get_users data: %w", err), body))
	case !present:
		return c.fail(op, fmt.Errorf("%w: reply has status ok but no data", extract.ErrIncomplete))
	}
	switch n {
	case 0:
		return c.fail(op, fmt.Errorf("%w: reply lists no users, not even the account owner", extract.ErrIncomplete))
	case suspectedCap:
		return c.fail(op, fmt.Errorf("%w: reply lists exactly %d users, the size at which Worksection is reported to cut replies short", extract.ErrIncomplete, suspectedCap))
	}
	return flush()
}

// eachItem walks a successful reply body and calls item once per element of its "data"
// list (extract.EachListItem), and checks its status: the classifier found it "ok",
// unless the reply was spooled with its data first, and then this is the first look at
// it. It reports whether the reply has data: an absent or null data key (Worksection's
// "nothing to return") is not an empty list.
func eachItem(body io.Reader, item func(dec *gojson.Decoder) error) (present bool, err error) {
	hasStatus := false
	present, err = extract.EachListItem(body, "data", item, func(name string, dec *gojson.Decoder) error {
		if name != "status" {
			var skip json.RawMessage // status_code and the like: small
			return dec.Decode(&skip)
		}
		var status string
		if err := dec.Decode(&status); err != nil {
			return fmt.Errorf("reply status: %w", err)
		}
		if status != statusOK {
			return fmt.Errorf("reply status is %q, not %q", extract.Snippet(status, 40), statusOK)
		}
		hasStatus = true
		return nil
	})
	if err == nil && !hasStatus {
		err = errors.New("reply has no status")
	}
	return present, err
}

// call sends one signed admin API request and returns its reply, which the classifier
// found to be a reply with status "ok", and the request's Op, which omits the hash. A
// spooled reply (spool) must be closed.
func (c *Client) call(ctx context.Context, action string, spool bool) (*extract.Response, string, error) {
	query, hash := signedQuery(c.key, param{"action", action})
	op := http.MethodGet + " " + c.basePath + "?" + query
	resp, err := c.http.Do(ctx, extract.Request{
		Method: http.MethodGet,
		URL:    c.base + "?" + query + "&hash=" + hash,
		Op:     op,
		Spool:  spool,
	})
	if err != nil {
		return nil, op, err
	}
	c.http.CountPage()
	return resp, op, nil
}

// user maps one user object. Fields with a column of their own are picked when they are
// strings (or null); everything else, including known fields of another type and any
// field Worksection adds, is kept in Extra, so nothing the API returned is dropped.
func (c *Client) user(obj map[string]json.RawMessage, teams teamIndex) (extract.User, error) {
	if obj == nil {
		return extract.User{}, c.malformed(errors.New("user is not an object"), []byte("null"))
	}
	u := extract.User{AccountID: c.account, Extra: make(map[string]json.RawMessage)}
	u.Fields = make([]string, 0, len(obj))
	for name := range obj {
		u.Fields = append(u.Fields, name)
	}
	slices.Sort(u.Fields)

	id, ok := idText(obj[fieldID])
	if !ok || id == "" {
		return extract.User{}, c.malformed(errors.New("user object without an id"), compact(obj))
	}
	u.ID = id

	var group string
	phones := make(map[string]string, len(phoneFields))
	for name, raw := range obj {
		var dst *string
		switch name {
		case fieldID:
			continue
		case fieldEmail:
			dst = &u.Email
		case fieldFirstName:
			dst = &u.FirstName
		case fieldLastName:
			dst = &u.LastName
		case fieldName:
			dst = &u.DisplayName
		case fieldTitle:
			dst = &u.Title
		case fieldRole:
			dst = &u.Role
		case fieldDepartment:
			dst = &u.Department
		case fieldGroup:
			dst = &group
		case fieldDateAdded:
			dst = &u.CreatedAt
		case fieldDataAdded:
			if _, both := obj[fieldDateAdded]; !both {
				dst = &u.CreatedAt
			}
		case fieldPhone, fieldPhone2, fieldPhone3, fieldPhone4:
			var s string
			if decodeString(raw, &s) {
				phones[name] = s
				continue
			}
		}
		if dst == nil || !decodeString(raw, dst) {
			u.Extra[name] = raw
		}
	}
	if strings.TrimSpace(group) != "" {
		u.Groups = []extract.Group{{ID: teams.id(group), Name: group, Kind: "team"}}
	}
	for _, pf := range phoneFields {
		// Raw text is kept as typed; a blank field is no phone at all.
		if raw := phones[pf.field]; strings.TrimSpace(raw) != "" {
			u.Phones = append(u.Phones, extract.Phone{Raw: raw, Kind: pf.kind})
		}
	}
	return u, nil
}

// KnownFields lists every user field Worksection documents (providers/worksection.md
// §6): those with a column and those kept in Extra on purpose. Both spellings of the
// invitation date are known.
func (c *Client) KnownFields() []string {
	fields := []string{fieldID, fieldEmail, fieldFirstName, fieldLastName, fieldName, fieldTitle, fieldRole,
		fieldDepartment, fieldGroup, fieldDateAdded, fieldDataAdded, fieldPhone, fieldPhone2, fieldPhone3, fieldPhone4}
	return append(fields, extraFields...)
}

// fail attributes an error found in a reply (not by the HTTP layer) to the source and
// request.
func (c *Client) fail(op string, err error) error {
	return &extract.SourceError{Source: c.name, Op: op, Err: err}
}

// malformed is extract.MalformedError quoting body without the key.
func (c *Client) malformed(err error, body []byte) error {
	return extract.MalformedError(err, redact(body, c.key))
}

// decodeString sets *dst from a JSON string, or from a JSON number as its literal text
// (a phone or id sent as a number stays exactly as sent); null leaves it empty. It
// reports false for any other JSON value, which the caller keeps in Extra.
func decodeString(raw json.RawMessage, dst *string) bool {
	if string(raw) == "null" {
		return true
	}
	if len(raw) == 0 {
		return false
	}
	if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		var n json.Number
		if gojson.Unmarshal(raw, &n) != nil {
			return false
		}
		*dst = n.String()
		return true
	}
	if raw[0] != '"' {
		return false
	}
	return gojson.Unmarshal(raw, dst) == nil
}

// compact re-encodes a user object, to quote it in a malformed-reply error.
func compact(obj map[string]json.RawMessage) []byte {
	b, _ := gojson.Marshal(obj)
	return b
}
