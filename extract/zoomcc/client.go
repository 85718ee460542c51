// Package zoomcc extracts the user directory of one Zoom Contact Center account
// (https://developers.zoom.us/docs/api/contact-center/) as an extract.Source: the
// account's Contact Center users with their role, access state, region, teams and
// queues, and each user's presence status.
//
// It authenticates with Server-to-Server OAuth (account_credentials grant), caches the
// access token and renews it before it expires (and once on a 401 code 124), pages the
// cursor-paginated list endpoints (page_size + next_page_token), and speaks Zoom's wire
// format (api.go). Retries, backoff and rate limiting are the shared extract.Client's
// job; this package only classifies Zoom's replies and its X-RateLimit-* headers.
//
// It must not import transform/, load/ or jobs/, nor its fake server
// (extract/zoomcc/fake) outside tests.
package zoomcc

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

// Provider is the provider id of Zoom Contact Center sources.
const Provider = "zoom_contact_center"

// Default endpoints (providers/zoom_contact_center.md §1, §2).
const (
	DefaultBaseURL  = "https://api.zoom.us/v2"
	DefaultTokenURL = "https://zoom.us/oauth/token"
)

// Page sizes. MaxPageSize is the documented cap of GET /contact_center/users (§3).
// The catalogues of teams and queues are read with relatedPageSize, the strictest cap
// the research found among Contact Center lists (regions/{id}/users: 100), since their
// own caps are not documented. Their member lists, which hold most of a large account's
// requests (tens of thousands of agents per team or queue), are not documented either:
// they are asked for memberPageSize, the cap Zoom's paging guidance gives its lighter
// lists and the one of roles/{id}/users, and a list that refuses it (HTTP 400 naming
// page_size) is read again, like every later one of the run, with relatedPageSize.
const (
	DefaultPageSize = 300
	MaxPageSize     = 300
	relatedPageSize = 100
	memberPageSize  = 300
)

// maxRestarts bounds how often a listing starts over because its next_page_token
// expired (Zoom's tokens live 15 minutes) or the list changed while it was read; a
// listing that still cannot finish fails with extract.ErrIncomplete.
const maxRestarts = 3

// maxEmptyPages bounds how many empty pages in a row a listing follows while the API
// still hands out a next_page_token: an endless run is a broken listing.
const maxEmptyPages = 8

// defaultTokenLife is the life assumed for a token whose reply has no expires_in: the
// documented one hour.
const defaultTokenLife = time.Hour

// Token renewal: a cached token is replaced once less than renewMargin, or a tenth of
// its life if that is shorter, remains.
const renewMargin = time.Minute

// Config configures a Zoom Contact Center source.
type Config struct {
	// Name is the configured source name (e.g. "zoom-cc").
	Name string
	// BaseURL is the API root; default DefaultBaseURL. A trailing slash is tolerated.
	BaseURL string
	// TokenURL is the OAuth token endpoint; default DefaultTokenURL.
	TokenURL string
	// AccountID, ClientID and ClientSecret are the Server-to-Server OAuth app's
	// credentials. The secret never appears in an error.
	AccountID, ClientID, ClientSecret string
	// PageSize is the page_size of GET /contact_center/users; default 300, and larger
	// values are capped at 300.
	PageSize int
	// HTTP configures the transport; New sets its Source, Classify and Pace.
	HTTP extract.ClientConfig
	// Now is the clock of token expiry; nil means HTTP.Now, else time.Now.
	Now func() time.Time
}

// Client is a Zoom Contact Center source. It is an extract.Source and an
// extract.FieldCatalog. Its methods are safe for concurrent use, though Extract is meant
// to run once at a time.
type Client struct {
	name      string
	accountID string
	base      string // API root without a trailing slash
	basePath  string // path of base, for error messages
	tokenURL  string
	tokenOp   string // the token request in errors: "POST /oauth/token"
	pageSize  int
	now       func() time.Time
	api       *extract.Client // API requests
	auth      *extract.Client // token requests

	// tokenForm and tokenAuth carry the credentials: never put them in an error.
	tokenForm  []byte
	tokenAuth  string
	classifier classifier

	tokenMu sync.Mutex
	token   string    // the cached access token: never put it in an error
	renewAt time.Time // when the cached token is replaced

	// memberPages is the page_size of team and queue member lists: memberPageSize until
	// the API refuses it.
	memberPages atomic.Int64
	// quota admits the API requests, several at once while Zoom's budget allows.
	quota *quota
}

var (
	_ extract.Source       = (*Client)(nil)
	_ extract.FieldCatalog = (*Client)(nil)
)

// New validates cfg and returns a Zoom Contact Center source. It sends no request.
func New(cfg Config) (*Client, error) {
	if cfg.Name == "" {
		return nil, errors.New("zoomcc: source name is empty")
	}
	for _, f := range []struct{ name, value string }{
		{"account_id", cfg.AccountID}, {"client_id", cfg.ClientID}, {"client_secret", cfg.ClientSecret},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, fmt.Errorf("zoomcc: %s: %s is empty", cfg.Name, f.name)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	base, err := checkURL(cfg.Name, "base_url", strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, err
	}
	token, err := checkURL(cfg.Name, "token_url", cfg.TokenURL)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize = DefaultPageSize
	case cfg.PageSize < 0:
		return nil, fmt.Errorf("zoomcc: %s: page size %d is not positive", cfg.Name, cfg.PageSize)
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
	cl := classifier{clientID: cfg.ClientID, secret: cfg.ClientSecret, now: now}

	hc := cfg.HTTP
	hc.Source = cfg.Name
	hc.Classify = cl.classifyAPI
	q := newQuota()
	hc.Pace = func(resp *http.Response, _ []byte) time.Duration {
		q.observe(resp, cl.responseTime(resp))
		return paceAt(resp, now())
	}
	hc.Secrets = cl.secrets
	ac := cfg.HTTP
	ac.Source = cfg.Name
	ac.Classify = cl.classifyToken
	ac.Pace = nil
	ac.Secrets = cl.secrets

	form := "grant_type=account_credentials&account_id=" + url.QueryEscape(cfg.AccountID)
	c := &Client{
		name:       cfg.Name,
		accountID:  cfg.AccountID,
		base:       base.String(),
		basePath:   base.EscapedPath(),
		tokenURL:   token.String(),
		tokenOp:    http.MethodPost + " " + token.EscapedPath(),
		pageSize:   cfg.PageSize,
		now:        now,
		api:        extract.NewClient(hc),
		auth:       extract.NewClient(ac),
		tokenForm:  []byte(form),
		tokenAuth:  "Basic " + basicCredentials(cfg.ClientID, cfg.ClientSecret),
		classifier: cl,
		quota:      q,
	}
	c.memberPages.Store(memberPageSize)
	return c, nil
}

// checkURL parses an http(s) endpoint that carries no credentials, query or fragment
// (the token request's parameters belong in its body, never in the URL).
func checkURL(source, key, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the URL, which might hold a secret.
		return nil, fmt.Errorf("zoomcc: %s: %s is not a valid URL", source, key)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("zoomcc: %s: %s must not carry credentials, a query or a fragment", source, key)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("zoomcc: %s: %s %q is not an http(s) URL", source, key, raw)
	}
	return u, nil
}

// Name is the configured source name.
func (c *Client) Name() string { return c.name }

// Provider is "zoom_contact_center".
func (c *Client) Provider() string { return Provider }

// Stats reports the transport counters, token requests included.
func (c *Client) Stats() extract.Stats {
	a, t := c.api.Stats(), c.auth.Stats()
	return extract.Stats{
		Pages:       a.Pages,
		Requests:    a.Requests + t.Requests,
		Retries:     a.Retries + t.Retries,
		ThrottledMS: a.ThrottledMS + t.ThrottledMS,
	}
}

// Extract reads the account's teams and queues, each with its agents and supervisors,
// then pages through GET /contact_center/users and hands each page to
// sink: the users, with their teams, region and queues as groups, then their statuses.
//
// A listing whose next_page_token expires starts over from the first page (at most
// maxRestarts times): users already emitted are emitted again, and the loader
// de-duplicates them by id. A listing without any user fails with extract.ErrIncomplete
// rather than being taken for an empty directory, since a complete listing deletes every
// user it lacks.
func (c *Client) Extract(ctx context.Context, sink extract.Sink) error {
	dir := &directory{accountID: c.accountID}
	teams, err := c.teams(ctx)
	if err != nil {
		return err
	}
	queues, err := c.queues(ctx)
	if err != nil {
		return err
	}
	// Team membership is only available from the teams' member lists (§6); a supervisor
	// assigned to a queue belongs to it as much as its agents do (GET
	// /users/{userId}/queues lists both), and one request per user would cost far more.
	var lists []*memberList
	add := func(collection string, g extract.Group) {
		for _, role := range []string{keyAgents, keySupervisors} {
			path := "/contact_center/" + collection + "/" + url.PathEscape(g.ID) + "/" + role
			lists = append(lists, &memberList{path: path, key: role, group: g})
		}
	}
	for _, t := range teams {
		add("teams", extract.Group{ID: t.ID, Name: t.Name, Kind: "team"})
	}
	for _, q := range queues {
		add("queues", extract.Group{ID: q.ID, Name: q.Name, Kind: "queue"})
	}
	if err := c.readMembers(ctx, lists); err != nil {
		return err
	}
	// Groups in listing order whatever order the lists were read in: teams, then queues.
	for _, l := range lists {
		for _, id := range l.userIDs {
			dir.addGroup(id, l.group)
		}
	}
	return c.users(ctx, dir, sink)
}

// teams lists the account's teams (GET /contact_center/teams), each once.
func (c *Client) teams(ctx context.Context) ([]team, error) {
	var teams []team
	seen := make(map[string]bool)
	err := list(ctx, c, "/contact_center/teams", relatedPageSize, []string{keyTeams}, func(page []team) error {
		for _, t := range page {
			if t.ID != "" && !seen[t.ID] {
				seen[t.ID] = true
				teams = append(teams, t)
			}
		}
		return nil
	})
	return teams, err
}

// queues lists the account's queues (GET /contact_center/queues), each once.
func (c *Client) queues(ctx context.Context) ([]queue, error) {
	var queues []queue
	seen := make(map[string]bool)
	err := list(ctx, c, "/contact_center/queues", relatedPageSize, []string{keyQueues}, func(page []queue) error {
		for _, q := range page {
			if q.ID != "" && !seen[q.ID] {
				seen[q.ID] = true
				queues = append(queues, q)
			}
		}
		return nil
	})
	return queues, err
}

// memberList is one team's or queue's agents or supervisors: where to read them, and
// the user ids read.
type memberList struct {
	path, key string
	group     extract.Group
	userIDs   []string
}

// readMembers reads the member lists, memberWorkers at a time (c.quota keeps them
// within Zoom's per-second budget). The first failure stops the others and is
// returned.
func (c *Client) readMembers(ctx context.Context, lists []*memberList) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *memberList)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(memberWorkers, len(lists)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				if err := c.members(ctx, l); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for _, l := range lists {
		select {
		case next <- l:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// members reads a member list's user ids. The reply key is the role's ("agents",
// "supervisors"); "agents" and "users" are read too, since the supervisors' key is not
// documented.
//
// The list is asked for c.memberPages users a page; if its first page is refused for
// that page_size, it is read with relatedPageSize, and so are the later lists.
func (c *Client) members(ctx context.Context, l *memberList) error {
	keys := []string{l.key, keyAgents, keySupervisors, keyUsers}
	add := func(page []member) error {
		for _, m := range page {
			if m.UserID != "" {
				l.userIDs = append(l.userIDs, m.UserID)
			}
		}
		return nil
	}
	size := int(c.memberPages.Load())
	err := list(ctx, c, l.path, size, keys, add)
	if size > relatedPageSize && pageSizeRefused(err) {
		c.memberPages.Store(relatedPageSize)
		l.userIDs = l.userIDs[:0]
		err = list(ctx, c, l.path, relatedPageSize, keys, add)
	}
	return err
}

// pageSizeRefused reports whether a listing failed on its first page because the API
// refused its page_size: HTTP 400 naming page_size, or Zoom's validation code 300 (the
// first page's only parameter is page_size). A refusal on a later page carries a
// next_page_token and is a restart (pageTokenRefused), whose failure is
// extract.ErrIncomplete.
func pageSizeRefused(err error) bool {
	var api *extract.APIError
	if errors.Is(err, extract.ErrIncomplete) || !errors.As(err, &api) || api.Status != http.StatusBadRequest {
		return false
	}
	return api.Code == codeValidation || strings.Contains(strings.ToLower(api.Message), "page_size")
}

// users pages through GET /contact_center/users and hands every page to sink.
func (c *Client) users(ctx context.Context, dir *directory, sink extract.Sink) error {
	const path = "/contact_center/users"
	total := 0
	rec, _ := sink.(extract.Recognizer)
	reader := dir.userReader(rec)
	emit := func(n int, user func(i int) (extract.User, *extract.Status, error)) error {
		users := make([]extract.User, 0, n)
		statuses := make([]extract.Status, 0, n)
		for i := range n {
			u, st, err := user(i)
			if err != nil {
				return c.fail(path, err)
			}
			users = append(users, u)
			if st != nil {
				statuses = append(statuses, *st)
			}
		}
		if len(users) == 0 {
			return nil
		}
		total += len(users)
		if err := sink.Users(ctx, users); err != nil {
			return c.fail("sink users", err)
		}
		if len(statuses) > 0 {
			if err := sink.Statuses(ctx, statuses); err != nil {
				return c.fail("sink statuses", err)
			}
		}
		return nil
	}
	// A page is decoded into raw objects; each is then read without being decoded again
	// (UserReader), and mapped unless the sink recognizes it.
	err := list(ctx, c, path, c.pageSize, []string{keyUsers}, func(objects []json.RawMessage) error {
		return emit(len(objects), func(i int) (extract.User, *extract.Status, error) { return dir.rawUser(ctx, objects[i], reader) })
	})
	if err != nil {
		return err
	}
	if total == 0 {
		return c.fail(path, fmt.Errorf("%w: the listing has no users; an empty directory is not taken as complete", extract.ErrIncomplete))
	}
	return nil
}

// errRestart makes a listing start over: its next_page_token was refused, or the list
// changed under it.
type errRestart struct {
	// err is the refusal, or the description of the change.
	err error
	// why says what kept happening, for the error of a listing that gives up.
	why string
}

func (e *errRestart) Error() string { return e.err.Error() }

// list pages through a cursor-paginated endpoint (page_size + next_page_token) and calls
// fn with each page's items, found under the first of keys the reply has. It returns nil
// only when a reply ends the listing with an empty (or absent) next_page_token.
//
// The listing starts over from the first page, at most maxRestarts times (fn then sees
// items again, which the loader de-duplicates), when
//   - a next_page_token is refused: Zoom's tokens expire 15 minutes after issue;
//   - total_records changes between pages: the list changed while it was read, and if
//     the token is an offset in disguise, a user removed before it shifted the rest so
//     that one was skipped. A listing that skipped a user must not pass for complete,
//     since the loader deletes whoever a complete listing lacks.
func list[T any](ctx context.Context, c *Client, path string, pageSize int, keys []string, fn func([]T) error) error {
	for restart := 0; ; restart++ {
		err := listOnce(ctx, c, path, pageSize, keys, fn)
		var again *errRestart
		if !errors.As(err, &again) {
			return err
		}
		if restart >= maxRestarts {
			return fmt.Errorf("%w (%w: %s; gave up after %d restarts)", again.err, extract.ErrIncomplete, again.why, restart)
		}
	}
}

func listOnce[T any](ctx context.Context, c *Client, path string, pageSize int, keys []string, fn func([]T) error) error {
	// The pages are fetched ahead of the items being decoded and handed to fn (one page
	// waits while the next is requested), so that a reply's round trip overlaps the work
	// on the previous page; requests stay sequential, one cursor, as Zoom pages.
	fetchCtx, cancel := context.WithCancel(ctx)
	pages := make(chan fetchedPage, 1)
	go fetchPages(fetchCtx, c, path, pageSize, keys, pages)
	defer func() {
		cancel()
		for range pages { // until the fetcher is done with the client
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		var items []T
		if p.items != nil {
			if err := gojson.Unmarshal(p.items, &items); err != nil {
				return c.fail(p.pathQuery, c.malformed(fmt.Errorf("%s: %w", keys[0], err), p.items))
			}
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchedPage is one page of a listing, or the error that ends it.
type fetchedPage struct {
	pathQuery string
	items     json.RawMessage // nil when the reply has none
	err       error
}

// fetchPages requests the pages of a listing in order and sends them to pages, then
// closes it; an error (a restart included) is the last thing sent. It checks what the
// paging itself must hold: total_records unchanged, no endless run of empty pages, no
// next_page_token handed out twice.
func fetchPages(ctx context.Context, c *Client, path string, pageSize int, keys []string, pages chan<- fetchedPage) {
	defer close(pages)
	send := func(p fetchedPage) bool {
		select {
		case pages <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	fail := func(err error) { send(fetchedPage{err: err}) }
	seen := make(map[string]bool)
	token, empty := "", 0
	var total int64 // the first page's total_records, when haveTotal
	haveTotal := false
	for {
		pathQuery := path + "?page_size=" + strconv.Itoa(pageSize)
		if token != "" {
			pathQuery += "&next_page_token=" + url.QueryEscape(token)
		}
		resp, err := c.get(ctx, pathQuery)
		if err != nil {
			if token != "" && pageTokenRefused(err) {
				err = &errRestart{err: err, why: "the next page token kept expiring"}
			}
			fail(err)
			return
		}
		c.api.CountPage()
		page, err := parseListPage(resp.Body, keys...)
		if err != nil {
			fail(c.fail(pathQuery, c.malformed(err, resp.Body)))
			return
		}
		if page.TotalRecords.Valid {
			switch {
			case !haveTotal:
				total, haveTotal = page.TotalRecords.Value, true
			case page.TotalRecords.Value != total:
				fail(&errRestart{
					err: c.fail(pathQuery, fmt.Errorf("total_records went from %d to %d while the list was read", total, page.TotalRecords.Value)),
					why: "the list kept changing while it was read",
				})
				return
			}
		}
		if !send(fetchedPage{pathQuery: pathQuery, items: page.Items}) {
			return
		}
		next := page.NextPageToken
		if next == "" {
			return
		}
		if emptyList(page.Items) {
			empty++
			if empty >= maxEmptyPages {
				fail(c.fail(pathQuery, fmt.Errorf("%w: %d empty pages in a row still give a next_page_token", extract.ErrIncomplete, empty)))
				return
			}
		} else {
			empty = 0
		}
		if seen[next] {
			fail(c.fail(pathQuery, fmt.Errorf("%w: the API handed out a next_page_token it had already given; the listing would loop", extract.ErrIncomplete)))
			return
		}
		seen[next] = true
		token = next
	}
}

// emptyList reports whether a page's items are absent, null or an empty JSON array.
// Anything else counts as items, even if decoding them fails later.
func emptyList(items json.RawMessage) bool {
	items = bytes.TrimSpace(items)
	if len(items) == 0 || string(items) == "null" {
		return true
	}
	return len(items) >= 2 && items[0] == '[' && items[len(items)-1] == ']' && len(bytes.TrimSpace(items[1:len(items)-1])) == 0
}

// pageTokenRefused reports whether a failed request with a next_page_token was refused
// because of the token: HTTP 400 with Zoom's validation code 300 (the research expects
// "The next page token is invalid or expired."), or any 400 whose message speaks of the
// page token. The same request without the token succeeded, so a 400 on it is the
// token's.
func pageTokenRefused(err error) bool {
	var api *extract.APIError
	if !errors.As(err, &api) || api.Status != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(api.Message)
	return api.Code == codeValidation || strings.Contains(msg, "page token") ||
		strings.Contains(msg, "next_page_token") || strings.Contains(msg, "expired")
}

// get sends an authenticated GET of an API path. A 401 that says the token is invalid or
// expired (code 124) gets one new token and one more try; a second 401 is an
// authentication error. A 401 for a token another request had already replaced (member
// lists are read several at once) does not count: the request is sent again with the
// newer token, a few times at most.
func (c *Client) get(ctx context.Context, pathQuery string) (*extract.Response, error) {
	renewed, stale := false, 0
	for {
		token, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		if err := c.quota.acquire(ctx); err != nil {
			return nil, err
		}
		resp, err := c.api.Do(ctx, extract.Request{
			Method: http.MethodGet,
			URL:    c.base + pathQuery,
			Header: http.Header{"Authorization": {"Bearer " + token}},
		})
		c.quota.release(err)
		if err == nil {
			return resp, nil
		}
		if !tokenRefused(err) {
			return nil, err
		}
		if !c.dropToken(token) && stale < memberWorkers {
			stale++
			continue
		}
		if renewed {
			return nil, fmt.Errorf("%w (again with a new access token)", err)
		}
		renewed = true
	}
}

// tokenRefused reports whether err is a 401 that a new access token may cure: Zoom's
// code 124 (expired or invalid token), or a 401 without a code; not a missing scope.
func tokenRefused(err error) bool {
	var api *extract.APIError
	if !errors.As(err, &api) || api.Status != http.StatusUnauthorized || missingScope(api.Message) {
		return false
	}
	return api.Code == codeInvalidToken || api.Code == ""
}

// accessToken returns the cached access token, or mints a new one when there is none or
// it is about to expire.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.now()
	if c.token != "" && now.Before(c.renewAt) {
		return c.token, nil
	}
	c.token = ""
	resp, err := c.auth.Do(ctx, extract.Request{
		Method: http.MethodPost,
		URL:    c.tokenURL,
		Header: http.Header{
			"Authorization": {c.tokenAuth},
			"Content-Type":  {"application/x-www-form-urlencoded"},
		},
		Body: c.tokenForm,
		Op:   c.tokenOp,
	})
	if err != nil {
		return "", err
	}
	var reply tokenReply
	if err := gojson.Unmarshal(resp.Body, &reply); err != nil {
		// Neither the body nor the decoder's message is quoted: they may hold the token.
		return "", c.fail(c.tokenOp, fmt.Errorf("%w: the token reply (%d bytes) is not a JSON object", extract.ErrMalformed, len(resp.Body)))
	}
	if strings.TrimSpace(reply.AccessToken) == "" {
		return "", c.fail(c.tokenOp, fmt.Errorf("%w: the token reply has no access_token", extract.ErrMalformed))
	}
	life := defaultTokenLife
	if reply.ExpiresIn.Valid && reply.ExpiresIn.Value > 0 {
		life = time.Duration(reply.ExpiresIn.Value) * time.Second
	}
	// Measured from before the request: the token cannot have been issued earlier.
	c.token, c.renewAt = reply.AccessToken, now.Add(life-min(renewMargin, life/10))
	return c.token, nil
}

// dropToken forgets token if it is still the cached one, so that the next request mints
// a new token, and reports whether it was.
func (c *Client) dropToken(token string) bool {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token == token {
		c.token = ""
		return true
	}
	return false
}

// fail attributes an error found in a reply (not by the HTTP layer) to the source and
// request; op is an API path, or a step name that does not start with "/".
func (c *Client) fail(op string, err error) error {
	if strings.HasPrefix(op, "/") {
		op = http.MethodGet + " " + c.basePath + op
	}
	return &extract.SourceError{Source: c.name, Op: op, Err: err}
}

// malformed is extract.MalformedError quoting body without the credentials or the
// cached access token.
func (c *Client) malformed(err error, body []byte) error {
	c.tokenMu.Lock()
	token := c.token
	c.tokenMu.Unlock()
	return extract.MalformedError(err, redact(body, append(c.classifier.secrets(), token)...))
}

// KnownFields lists every user field Zoom documents (providers/zoom_contact_center.md
// §6): those with a column, the status fields that go to the status fact, and those kept
// in Extra on purpose.
func (c *Client) KnownFields() []string {
	fields := []string{fieldUserID, fieldEmail, fieldDisplayName, fieldRoleName, fieldUserAccess, fieldCountry,
		fieldUpdated, fieldRegionID, fieldRegionName, fieldStatusID, fieldStatusName, fieldSubStatusID, fieldSubStatusName}
	return append(fields, extraFields...)
}

// directory is what the source knows before it reads users: the teams and queues each
// user belongs to.
type directory struct {
	accountID string
	groups    extract.Memberships // user id -> teams, then queues, in listing order
	ctx       []byte              // context's buffer
}

// userPicks are the members read of an object not decoded: the id, then the presence.
var userPicks = []string{fieldUserID, fieldStatusID, fieldStatusName, fieldSubStatusID, fieldSubStatusName}

// rawUser maps one raw user object and its presence, unless reader finds the sink
// recognizes it: its presence is then read from its status fields alone.
func (d *directory) rawUser(ctx context.Context, raw json.RawMessage, reader *extract.UserReader) (extract.User, *extract.Status, error) {
	if u, picked, ok, err := reader.Unchanged(ctx, raw); ok || err != nil {
		if err != nil {
			return u, nil, err
		}
		var st [4]string
		for i := range st {
			statusText(picked[i+1], &st[i])
		}
		return u, presence(u.ID, st[0], st[1], st[2], st[3]), nil
	}
	obj, err := reader.Decode(raw)
	if err != nil {
		return extract.User{}, nil, extract.MalformedError(fmt.Errorf("user object: %w", err), raw)
	}
	u, st, err := d.user(obj)
	if err == nil {
		reader.Fingerprint(&u, obj)
	}
	return u, st, err
}

// userReader reads users for rec (nil when the sink is no Recognizer): it picks the id
// and the presence, which is left out of the fingerprint.
func (d *directory) userReader(rec extract.Recognizer) *extract.UserReader {
	return &extract.UserReader{Rec: rec, Pick: userPicks, Volatile: userPicks[1:], Context: d.context, ID: func(raw []byte) string {
		var id string
		if !decodeString(raw, &id) || strings.TrimSpace(id) == "" {
			return ""
		}
		return id
	}}
}

// context is everything user merges into the object of the user id from other replies:
// the account and the user's teams and queues.
func (d *directory) context(id string) string {
	b := d.groups.AppendText(strconv.AppendQuote(d.ctx[:0], d.accountID), id) // as fmt's %q
	d.ctx = b
	return string(b)
}

// addGroup adds g to a user's groups once.
func (d *directory) addGroup(userID string, g extract.Group) {
	if userID == "" {
		return
	}
	d.groups.Add(userID, g)
}

// user maps one user object, and its presence when it has one. Fields with a column are
// picked when they are strings (or null); the status fields go to the status; everything
// else, including known fields of another type and any field Zoom adds, is kept in
// Extra, so nothing the API returned is dropped.
func (d *directory) user(obj map[string]json.RawMessage) (extract.User, *extract.Status, error) {
	if obj == nil {
		return extract.User{}, nil, extract.MalformedError(errors.New("user is not an object"), []byte("null"))
	}
	u := extract.User{AccountID: d.accountID, Extra: make(map[string]json.RawMessage)}
	u.Fields = make([]string, 0, len(obj))
	for name := range obj {
		u.Fields = append(u.Fields, name)
	}
	slices.Sort(u.Fields)

	var access, regionID, regionName string
	// Presence is volatile: it goes to the status fact, never to Extra, where it would
	// make a history version of every status change.
	var statusID, statusName, subStatusID, subStatusName string
	for name, raw := range obj {
		var dst *string
		switch name {
		case fieldUserID:
			dst = &u.ID
		case fieldEmail:
			dst = &u.Email
		case fieldDisplayName:
			dst = &u.DisplayName
		case fieldFirstName:
			dst = &u.FirstName
		case fieldLastName:
			dst = &u.LastName
		case fieldRoleName:
			dst = &u.Role
		case fieldUserAccess:
			dst = &access
		case fieldCountry:
			dst = &u.Country
		case fieldUpdated:
			dst = &u.UpdatedAt
		case fieldTimezone:
			dst = &u.Timezone
		case fieldRegionID:
			dst = &regionID
		case fieldRegionName:
			dst = &regionName
		case fieldStatusID:
			statusText(raw, &statusID)
			continue
		case fieldStatusName:
			statusText(raw, &statusName)
			continue
		case fieldSubStatusID:
			statusText(raw, &subStatusID)
			continue
		case fieldSubStatusName:
			statusText(raw, &subStatusName)
			continue
		}
		if dst == nil || !decodeString(raw, dst) {
			u.Extra[name] = raw
		}
	}
	if strings.TrimSpace(u.ID) == "" {
		return extract.User{}, nil, extract.MalformedError(errors.New("user object without a user_id"), compact(obj))
	}
	if _, ok := obj[fieldUserAccess]; ok && strings.TrimSpace(access) != "" {
		active := strings.EqualFold(strings.TrimSpace(access), "active")
		u.Active = &active
	}

	u.Groups = d.groups.Of(u.ID)
	if strings.TrimSpace(regionID) != "" || strings.TrimSpace(regionName) != "" {
		region := extract.Group{ID: regionID, Name: regionName, Kind: "region"}
		// Teams first, then the region, then queues: teams were added before queues.
		at := slices.IndexFunc(u.Groups, func(g extract.Group) bool { return g.Kind != "team" })
		if at < 0 {
			at = len(u.Groups)
		}
		u.Groups = slices.Insert(u.Groups, at, region)
	}

	return u, presence(u.ID, statusID, statusName, subStatusID, subStatusName), nil
}

// presence is the status of the user id from the text of its status fields, or nil when
// it reports none.
func presence(id, statusID, statusName, subStatusID, subStatusName string) *extract.Status {
	if statusName == "" {
		statusName = defaultStatusNames[statusID]
	}
	if statusName == "" && statusID == "" {
		return nil // no presence reported
	}
	onCall := strings.EqualFold(statusName, statusOccupied)
	return &extract.Status{UserID: id, Status: statusName, SubStatus: subStatusName, OnCall: &onCall}
}

// statusText sets *dst from a status field: a string, or a number (ids are documented as
// numeric strings, but a number must not lose the status).
func statusText(raw json.RawMessage, dst *string) {
	if decodeString(raw, dst) {
		*dst = strings.TrimSpace(*dst)
		return
	}
	var n gojson.Number
	if gojson.Unmarshal(raw, &n) == nil {
		*dst = n.String()
	}
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
