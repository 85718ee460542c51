// Package close extracts the user directory of one Close CRM organization
// (https://developer.close.com) as an extract.Source: users with their roles, groups,
// organization and activity state, and each user's availability.
//
// It speaks Close's wire format (api.go) and hands provider-neutral extract.User and
// extract.Status records to a sink; retries, backoff and rate limiting are the shared
// extract.Client's job, this package only classifies Close's replies. It must not import
// transform/, load/ or jobs/, nor its fake server (extract/close/fake) outside tests.
package close

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// Provider is the provider id of Close sources.
const Provider = "close"

// DefaultBaseURL is Close's API root.
const DefaultBaseURL = "https://api.close.com/api/v1"

// Page sizes (the _limit parameter). DefaultPageSize is Close's own default and the one
// of the small lists (roles, groups). /user/ is read DefaultUserPageSize at a time:
// Close publishes no maximum for it, and Airbyte's connector reads it 1000 at a time
// (providers/close.md §3); a first page refused for its _limit (HTTP 400 naming
// _limit) makes the listing start again at DefaultPageSize. MaxPageSize bounds a
// configured page_size.
const (
	DefaultPageSize     = 100
	DefaultUserPageSize = 1000
	MaxPageSize         = 1000
)

// maxEmptyReplies bounds how many empty pages in a row a listing tolerates while the API
// still says has_more: a few are a glitch or a window whose rows the server filtered out,
// an endless run is a broken listing.
const maxEmptyReplies = 8

// isPredefinedRole reports whether id is one of Close's built-in role ids; any other role
// id is a custom role whose name comes from GET /role/.
func isPredefinedRole(id string) bool {
	switch id {
	case "admin", "superuser", "user", "restricteduser":
		return true
	}
	return false
}

// Config configures a Close source.
type Config struct {
	// Name is the configured source name (e.g. "close-main").
	Name string
	// BaseURL is the API root; default DefaultBaseURL. A trailing slash is tolerated.
	BaseURL string
	// APIKey authenticates as HTTP Basic user name with an empty password.
	APIKey string
	// PageSize is the _limit of every list request; 0 means DefaultUserPageSize for
	// /user/ and DefaultPageSize for the others; at most 1000.
	PageSize int
	// HTTP configures the transport; New sets its Source, Classify and Pace.
	HTTP extract.ClientConfig
}

// Client is a Close source. It is an extract.Source.
type Client struct {
	name     string
	base     string      // API root without a trailing slash
	basePath string      // path of base, for error messages
	pageSize int         // _limit of the small lists
	userPage int         // _limit of /user/
	header   http.Header // carries the credentials: never put it in an error
	http     *extract.Client
}

var _ extract.Source = (*Client)(nil)

// New validates cfg and returns a Close source.
func New(cfg Config) (*Client, error) {
	if cfg.Name == "" {
		return nil, errors.New("close: source name is empty")
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("close: %s: api_key is empty", cfg.Name)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	u, err := url.Parse(base)
	if err != nil {
		// url.Parse's error quotes the URL, which might hold a secret.
		return nil, fmt.Errorf("close: %s: base_url is not a valid URL", cfg.Name)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("close: %s: base_url must not carry credentials, a query or a fragment", cfg.Name)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("close: %s: base_url %q is not an http(s) URL", cfg.Name, cfg.BaseURL)
	}
	userPage := cfg.PageSize
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize, userPage = DefaultPageSize, DefaultUserPageSize
	case cfg.PageSize < 0 || cfg.PageSize > MaxPageSize:
		return nil, fmt.Errorf("close: %s: page size %d is outside 1..%d", cfg.Name, cfg.PageSize, MaxPageSize)
	}
	hc := cfg.HTTP
	hc.Source = cfg.Name
	hc.Classify = classify
	hc.Pace = pace
	hc.Secrets = func() []string { return []string{cfg.APIKey} }
	return &Client{
		name:     cfg.Name,
		base:     base,
		basePath: u.EscapedPath(),
		pageSize: cfg.PageSize,
		userPage: userPage,
		header: http.Header{
			"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.APIKey+":"))},
		},
		http: extract.NewClient(hc),
	}, nil
}

// Name is the configured source name.
func (c *Client) Name() string { return c.name }

// Provider is "close".
func (c *Client) Provider() string { return Provider }

// Stats reports the transport counters.
func (c *Client) Stats() extract.Stats { return c.http.Stats() }

// Extract reads the directory of the API key's organization and hands it to sink: every
// page of GET /user/ as it arrives, then the availability of every user.
//
// A Close API key belongs to one user in one organization, but GET /me/ can list several
// organizations; the source reads the first one (organizations[0], else the first
// membership's), which is the key's own organization. Roles, inactive memberships and the
// organization's name come from that organization; users the key sees through another
// organization are listed with an unknown activity state (Active nil) and no role.
func (c *Client) Extract(ctx context.Context, sink extract.Sink) error {
	orgID, err := c.organizationID(ctx)
	if err != nil {
		return err
	}
	org, members, err := c.organization(ctx, orgID)
	if err != nil {
		return err
	}
	roleNames, err := c.roleNames(ctx)
	if err != nil {
		return err
	}
	groups, err := c.groupsByUser(ctx)
	if err != nil {
		return err
	}
	dir := &directory{org: org, members: members, roleNames: roleNames, groups: groups}
	if err := c.users(ctx, dir, sink); err != nil {
		return err
	}
	return c.statuses(ctx, sink)
}

// organization reads GET /organization/{id}/: the organization's id and name, and its
// members (user id -> role and whether the membership is active; an active membership
// wins over an inactive one of the same user). The reply lists every member of the
// organization twice over (memberships, inactive_memberships): it is spooled and walked
// member by member rather than decoded whole.
func (c *Client) organization(ctx context.Context, orgID string) (organization, map[string]member, error) {
	path := "/organization/" + url.PathEscape(orgID) + "/"
	resp, err := c.http.Do(ctx, extract.Request{Method: http.MethodGet, URL: c.url(path), Header: c.header, Spool: true})
	if err != nil {
		return organization{}, nil, err
	}
	defer resp.Close()
	org := organization{}
	members := make(map[string]member)
	// A few roles are shared by hundreds of thousands of memberships: they share one
	// copy of each role id.
	roles := make(map[string]string)
	_, err = extract.WalkLists(resp.Open(), []string{"memberships", "inactive_memberships"}, func(list string, dec *gojson.Decoder) error {
		var m membership
		if err := dec.Decode(&m); err != nil {
			return err
		}
		id, active := m.userID(), list == "memberships"
		if prev, ok := members[id]; ok && prev.active && !active {
			return nil
		}
		role, ok := roles[m.RoleID]
		if !ok {
			role = m.RoleID
			roles[role] = role
		}
		members[id] = member{roleID: role, active: active}
		return nil
	}, func(name string, dec *gojson.Decoder) error {
		switch name {
		case "id":
			return dec.Decode(&org.ID)
		case "name":
			return dec.Decode(&org.Name)
		}
		var skip json.RawMessage
		return dec.Decode(&skip)
	})
	if err != nil {
		return organization{}, nil, c.fail(path, extract.MalformedError(err, resp.Body))
	}
	if org.ID == "" {
		org.ID = orgID
	}
	return org, members, nil
}

// organizationID is the organization the source reads, from GET /me/.
func (c *Client) organizationID(ctx context.Context) (string, error) {
	const path = "/me/"
	var caller me
	if err := c.http.GetJSON(ctx, c.url(path), c.header, &caller); err != nil {
		return "", err
	}
	for _, id := range caller.Organizations {
		if id != "" {
			return id, nil
		}
	}
	for _, m := range caller.Memberships {
		if m.OrganizationID != "" {
			return m.OrganizationID, nil
		}
	}
	return "", c.fail(path, fmt.Errorf("%w: the API key's user belongs to no organization", extract.ErrMalformed))
}

// roleNames maps role ids to names (GET /role/).
func (c *Client) roleNames(ctx context.Context) (map[string]string, error) {
	names := make(map[string]string)
	err := list(ctx, c, "/role/", c.pageSize, nil, func(roles []role) error {
		for _, r := range roles {
			names[r.ID] = r.Name
		}
		return nil
	})
	return names, err
}

// groupsByUser lists groups (GET /group/) and reads each one's members (GET /group/{id}/),
// since the list does not carry members. Each user's groups keep the listing's order.
func (c *Client) groupsByUser(ctx context.Context) (*extract.Memberships, error) {
	var listed []group
	err := list(ctx, c, "/group/", c.pageSize, nil, func(groups []group) error {
		listed = append(listed, groups...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	byUser := &extract.Memberships{}
	for _, g := range listed {
		var full group
		if err := c.http.GetJSON(ctx, c.url("/group/"+url.PathEscape(g.ID)+"/"), c.header, &full); err != nil {
			return nil, err
		}
		name := full.Name
		if name == "" {
			name = g.Name
		}
		for _, m := range full.Members {
			if m.UserID != "" {
				byUser.Add(m.UserID, extract.Group{ID: g.ID, Name: name, Kind: "group"}) // once per user
			}
		}
	}
	return byUser, nil
}

// users pages through GET /user/ and hands each page to sink. Users are not de-duplicated
// across pages: offset paging may repeat a user, and the loader counts that.
func (c *Client) users(ctx context.Context, dir *directory, sink extract.Sink) error {
	const path = "/user/"
	rec, _ := sink.(extract.Recognizer)
	reader := dir.userReader(rec)
	emit := func(n int, user func(i int) (extract.User, error)) error {
		users := make([]extract.User, 0, n)
		for i := range n {
			u, err := user(i)
			if err != nil {
				return c.fail(path, err)
			}
			users = append(users, u)
		}
		if err := sink.Users(ctx, users); err != nil {
			return c.fail("sink users", err)
		}
		return nil
	}
	// A page is decoded into raw objects; each is then read without being decoded again
	// (UserReader), and mapped unless the sink recognizes it.
	listAt := func(size, maxLimit int) error {
		return listUpTo(ctx, c, path, size, maxLimit, rawObjectID, func(objects []json.RawMessage) error {
			return emit(len(objects), func(i int) (extract.User, error) { return dir.rawUser(ctx, objects[i], reader) })
		})
	}
	err := listAt(c.userPage, MaxPageSize)
	if c.userPage > DefaultPageSize && limitRefused(err) {
		// Refused on its first page: nothing reached the sink. The cap may be
		// DefaultPageSize itself, so the overlapping requests stay within it too.
		err = listAt(DefaultPageSize, DefaultPageSize)
	}
	return err
}

// limitRefused reports whether a listing failed because the API refused its _limit
// (HTTP 400 naming _limit: "The maximum value for _limit on this endpoint is N."). A
// listing sends the same _limit from its first page on, so it failed there.
func limitRefused(err error) bool {
	var api *extract.APIError
	if errors.Is(err, extract.ErrIncomplete) || !errors.As(err, &api) || api.Status != http.StatusBadRequest {
		return false
	}
	return strings.Contains(api.Message, "_limit")
}

// statuses reads GET /user/availability/ (one unpaginated reply for the organization)
// and hands every user's raw availability to sink.
func (c *Client) statuses(ctx context.Context, sink extract.Sink) error {
	const path = "/user/availability/"
	// One reply holds every user's availability (about 330 bytes each): it is spooled,
	// walked entry by entry and handed to sink in pages.
	resp, err := c.http.Do(ctx, extract.Request{Method: http.MethodGet, URL: c.url(path), Header: c.header, Spool: true})
	if err != nil {
		return err
	}
	defer resp.Close()
	c.http.CountPage()
	statuses := make([]extract.Status, 0, statusPage)
	flush := func() error {
		if len(statuses) == 0 {
			return nil
		}
		if err := sink.Statuses(ctx, statuses); err != nil {
			return c.fail("sink statuses", err)
		}
		statuses = statuses[:0]
		return nil
	}
	var failed error // an entry the mapping refused, or the sink's error
	_, err = extract.EachListItem(resp.Open(), "data", func(dec *gojson.Decoder) error {
		var a availability
		if err := dec.Decode(&a); err != nil {
			return err
		}
		s, err := availabilityStatus(a)
		if err != nil {
			failed = c.fail(path, err)
			return failed
		}
		if statuses = append(statuses, s); len(statuses) == statusPage {
			failed = flush()
		}
		return failed
	}, nil)
	switch {
	case failed != nil:
		return failed
	case err != nil:
		return c.fail(path, extract.MalformedError(err, resp.Body))
	}
	return flush()
}

// statusPage is the most availability entries handed to the sink at once.
const statusPage = 1000

// availabilityStatus keeps Close's own values: "online" when any channel is online, else
// "offline"; on call when any channel has an active call. transform/ maps them.
func availabilityStatus(a availability) (extract.Status, error) {
	if a.UserID == "" {
		return extract.Status{}, fmt.Errorf("%w: availability entry without user_id", extract.ErrMalformed)
	}
	var channels []channel
	if len(a.Channels) > 0 {
		if err := gojson.Unmarshal(a.Channels, &channels); err != nil {
			return extract.Status{}, extract.MalformedError(fmt.Errorf("availability of %s: %w", a.UserID, err), a.Channels)
		}
	}
	status, onCall := "offline", false
	for _, ch := range channels {
		if ch.Status == "online" {
			status = "online"
		}
		if len(ch.ActiveCalls) > 0 {
			onCall = true
		}
	}
	return extract.Status{UserID: a.UserID, Status: status, OnCall: &onCall, Channels: a.Channels}, nil
}

// rawObjectID is the id of a raw user object ("" when it has none or is no object).
func rawObjectID(raw json.RawMessage) string {
	var id string
	_ = extract.Members(raw, func(name string, value []byte) {
		if name == fieldID && (!decodeString(value, &id) || string(value) == "null") {
			id = ""
		}
	})
	return id
}

// errShifted means the list moved under an overlapping listing: the last item of the
// previous page is no longer where it was or was removed, so items may have been
// skipped.
var errShifted = errors.New("the list shifted while it was read")

// maxRestarts bounds how often a listing starts over because the list shifted under it.
const maxRestarts = 3

// list pages through a _skip/_limit/has_more endpoint and calls fn with each non-empty
// page, size items a request. It returns nil only when the API said has_more: false.
//
// With idOf set, pages overlap by one item: each request starts at the last item of the
// previous page, which must come back in the reply. Found further down, items were
// inserted before it (the ones before it are repeats, which the loader de-duplicates);
// not found, items before it were removed and offset paging may have skipped some, so
// the listing starts over (at most maxRestarts times). Only a listing that saw every item
// can be complete, because the loader deletes what a complete listing lacks.
//
// An empty page that says has_more is asked for once more before the listing moves past
// it: if it was a glitch, moving on would silently drop a page of users.
func list[T any](ctx context.Context, c *Client, path string, size int, idOf func(T) string, fn func([]T) error) error {
	return listUpTo(ctx, c, path, size, MaxPageSize, idOf, fn)
}

// listUpTo is list with maxLimit, the largest _limit a request may carry.
func listUpTo[T any](ctx context.Context, c *Client, path string, size, maxLimit int, idOf func(T) string, fn func([]T) error) error {
	for restart := 0; ; restart++ {
		err := listOnce(ctx, c, path, size, maxLimit, idOf, fn)
		if !errors.Is(err, errShifted) {
			return err
		}
		if restart >= maxRestarts {
			return c.fail(path, fmt.Errorf("%w: the list kept changing while it was read (%d restarts)", extract.ErrIncomplete, restart))
		}
	}
}

func listOnce[T any](ctx context.Context, c *Client, path string, size, maxLimit int, idOf func(T) string, fn func([]T) error) error {
	empty := 0
	next, lastID := 0, "" // next: offset of the first unread item
	for again := false; ; {
		skip, limit := next, size
		if lastID != "" {
			// Overlap by one; ask for one more so a page still brings size new items.
			skip, limit = next-1, min(size+1, maxLimit)
		}
		pathQuery := fmt.Sprintf("%s?_skip=%d&_limit=%d", path, skip, limit)
		var p page[T]
		if err := c.http.GetJSON(ctx, c.url(pathQuery), c.header, &p); err != nil {
			return err
		}
		c.http.CountPage()
		if p.HasMore == nil {
			return c.fail(pathQuery, fmt.Errorf("%w: reply has no has_more", extract.ErrIncomplete))
		}
		if len(p.Data) == 0 && *p.HasMore {
			empty++
			if empty >= maxEmptyReplies {
				return c.fail(pathQuery, fmt.Errorf("%w: %d empty pages in a row say has_more", extract.ErrIncomplete, empty))
			}
			if again = !again; again {
				continue // the same window once more
			}
			next, lastID = skip+size, ""
			continue
		}
		empty, again = 0, false
		data := p.Data
		if idOf != nil && lastID != "" && len(data) > 0 {
			k := slices.IndexFunc(data, func(item T) bool { return idOf(item) == lastID })
			if k < 0 {
				return errShifted
			}
			data = append(data[:k:k], data[k+1:]...)
		}
		if idOf != nil && len(p.Data) > 0 {
			lastID = idOf(p.Data[len(p.Data)-1])
		}
		next = skip + len(p.Data)
		if len(data) > 0 {
			if err := fn(data); err != nil {
				return err
			}
		}
		if !*p.HasMore {
			return nil
		}
		if idOf == nil {
			// Without overlap the next window follows the requested one, as Close's
			// own clients page: a short page does not end the listing.
			next = skip + size
		}
	}
}

// url is the absolute URL of an API path ("/user/?_skip=0").
func (c *Client) url(pathQuery string) string { return c.base + pathQuery }

// fail attributes an error found in a reply (not by the HTTP layer) to the source and
// request; op is an API path, or a step name that does not start with "/".
func (c *Client) fail(op string, err error) error {
	if strings.HasPrefix(op, "/") {
		op = http.MethodGet + " " + c.basePath + op
	}
	return &extract.SourceError{Source: c.name, Op: op, Err: err}
}

// directory is what the source knows about the organization before it reads users.
type directory struct {
	org       organization         // its id and name only: the memberships are in members
	members   map[string]member    // user id -> its membership; active ones win
	roleNames map[string]string    // role id -> name
	groups    *extract.Memberships // user id -> groups
	ctx       []byte               // context's buffer
	// prefixes holds the text appendContext makes for each membership met: the users
	// share a few, and quoting them anew for each user took a second night's context
	// of 300,000 users from 0.50 s of CPU to 0.75 s.
	prefixes map[membershipKey]string
}

// membershipKey is what the context of a user takes from its membership.
type membershipKey struct {
	member
	isMember bool
}

// member is a user's membership of the organization.
type member struct {
	roleID string
	active bool
}

// rawUser maps one raw user object, unless reader finds the sink recognizes it.
func (d *directory) rawUser(ctx context.Context, raw json.RawMessage, reader *extract.UserReader) (extract.User, error) {
	if u, _, ok, err := reader.Unchanged(ctx, raw); ok || err != nil {
		return u, err
	}
	obj, err := reader.Decode(raw)
	if err != nil {
		return extract.User{}, extract.MalformedError(fmt.Errorf("user object: %w", err), raw)
	}
	u, err := d.user(obj)
	if err == nil {
		reader.Fingerprint(&u, obj)
	}
	return u, err
}

// userReader reads users for rec (nil when the sink is no Recognizer).
func (d *directory) userReader(rec extract.Recognizer) *extract.UserReader {
	return &extract.UserReader{Rec: rec, Pick: []string{fieldID}, Context: d.context, ID: func(raw []byte) string {
		var id string
		decodeString(raw, &id)
		return id
	}}
}

// appendContext appends the text fmt's "%q %q %t %q %t %q" gives of its arguments (the
// fingerprints of earlier nights hold it), written without fmt: fmt.Appendf was 0.7 s of
// the 4.4 s a 1,000,000-user incremental night spent recognizing unchanged users.
func appendContext(b []byte, orgID, orgName string, isMember bool, roleID string, active bool, roleName string) []byte {
	b = strconv.AppendQuote(b, orgID)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, orgName)
	b = append(b, ' ')
	b = strconv.AppendBool(b, isMember)
	b = append(b, ' ')
	b = strconv.AppendQuote(b, roleID)
	b = append(b, ' ')
	b = strconv.AppendBool(b, active)
	b = append(b, ' ')
	return strconv.AppendQuote(b, roleName)
}

// maxPrefixes bounds directory.prefixes: an organization with a role per user gets no
// more than this many kept.
const maxPrefixes = 1024

// context is everything user merges into the object of the user id from other replies:
// the organization, the user's membership and role name, and its groups.
func (d *directory) context(id string) string {
	m, isMember := d.members[id]
	key := membershipKey{m, isMember}
	prefix, ok := d.prefixes[key]
	if !ok {
		prefix = string(appendContext(nil, d.org.ID, d.org.Name, isMember, m.roleID, m.active, d.roleNames[m.roleID]))
		if d.prefixes == nil {
			d.prefixes = make(map[membershipKey]string)
		}
		if len(d.prefixes) < maxPrefixes {
			d.prefixes[key] = prefix
		}
	}
	b := append(d.ctx[:0], prefix...)
	b = d.groups.AppendText(b, id)
	d.ctx = b
	return string(b)
}

// user maps one user object. Fields with a column of their own are picked when they are
// strings (or null); everything else, including organizations and any field Close adds,
// is kept in Extra, so nothing the API returned is dropped.
func (d *directory) user(obj map[string]json.RawMessage) (extract.User, error) {
	u := extract.User{AccountID: d.org.ID, Extra: make(map[string]json.RawMessage, len(obj))}
	u.Fields = make([]string, 0, len(obj))
	for name := range obj {
		u.Fields = append(u.Fields, name)
	}
	slices.Sort(u.Fields)

	for name, raw := range obj {
		var dst *string
		switch name {
		case fieldID:
			dst = &u.ID
		case fieldEmail:
			dst = &u.Email
		case fieldFirstName:
			dst = &u.FirstName
		case fieldLastName:
			dst = &u.LastName
		case fieldDisplayName:
			dst = &u.DisplayName
		case fieldTimezone:
			dst = &u.Timezone
		case fieldCreated:
			dst = &u.CreatedAt
		case fieldUpdated:
			dst = &u.UpdatedAt
		}
		if dst == nil || !decodeString(raw, dst) {
			u.Extra[name] = raw
		}
	}
	if u.ID == "" {
		return extract.User{}, extract.MalformedError(errors.New("user object without an id"), compact(obj))
	}

	var orgs []string
	rawOrgs, haveOrgs := obj[fieldOrgs]
	if haveOrgs && gojson.Unmarshal(rawOrgs, &orgs) != nil {
		haveOrgs = false // not a list of ids: kept in Extra, no conclusion drawn from it
	}
	m, isMember := d.members[u.ID]
	roleID, isActive := m.roleID, m.active
	switch {
	case isMember:
		u.Active = &isActive
		u.Role = roleID
		if !isPredefinedRole(roleID) {
			u.RoleName = d.roleNames[roleID]
		}
	case haveOrgs && len(orgs) == 0:
		u.Active = &isActive // false: a user who left every organization
	}

	u.Groups = d.groups.AppendTo(u.Groups, u.ID)
	if isActive && !slices.Contains(orgs, d.org.ID) {
		orgs = append([]string{d.org.ID}, orgs...)
	}
	for _, id := range orgs {
		g := extract.Group{ID: id, Kind: "organization"}
		if id == d.org.ID {
			g.Name = d.org.Name
		}
		u.Groups = append(u.Groups, g)
	}
	return u, nil
}

// decodeString sets *dst from a JSON string; null leaves it empty. It reports false for
// any other JSON value, which the caller keeps in Extra.
func decodeString(raw json.RawMessage, dst *string) bool {
	if string(raw) == "null" {
		return true
	}
	if len(raw) == 0 || raw[0] != '"' {
		return false
	}
	return gojson.Unmarshal(raw, dst) == nil
}

// compact re-encodes a user object, to quote it in a malformed-reply error.
func compact(obj map[string]json.RawMessage) []byte {
	b, _ := gojson.Marshal(obj)
	return b
}

var _ extract.FieldCatalog = (*Client)(nil)

// KnownFields lists the user object fields Close documents (providers/close.md §6):
// those with a column and those kept in Extra on purpose.
func (c *Client) KnownFields() []string {
	return []string{fieldID, fieldEmail, fieldFirstName, fieldLastName, fieldDisplayName, fieldTimezone,
		fieldCreated, fieldUpdated, fieldOrgs, "image", "email_verified_at", "email_verification_token_generated_at"}
}
