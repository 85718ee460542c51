package fake

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-etl/roster/extract/fakekit"
	"github.com/roster-etl/roster/extract/synth"
)

// Credentials a Server accepts when Options leaves them empty.
const (
	DefaultAccountID    = "fakeAcct-zoomcc-0001"
	DefaultClientID     = "fakeClientIdZoomCC01"
	DefaultClientSecret = "fake-zoom-cc-client-secret-0123456789"
)

// Defaults of Options.
const (
	// DefaultTokenTTL is the lifetime of an access token (Zoom replies expires_in 3599).
	DefaultTokenTTL = 3599 * time.Second
	// DefaultPageTokenTTL is the lifetime of a next_page_token: 15 minutes, per the seed.
	DefaultPageTokenTTL = 15 * time.Minute
	// NominalQPS and NominalDailyLimit are the limits the rate-limit headers report for an
	// injected 429 when Options.QPS or Options.DailyLimit is 0 (Medium on Business+; the
	// daily figure is Zoom's Heavy one, Medium has none published).
	NominalQPS        = 20
	NominalDailyLimit = 30000
)

// Paths the Server serves.
const (
	// TokenPath is the OAuth token endpoint (https://zoom.us/oauth/token).
	TokenPath = "/oauth/token"
	// APIPrefix is the root of the Contact Center API (https://api.zoom.us/v2/contact_center).
	APIPrefix = "/v2/contact_center/"
	// UsersPath lists users.
	UsersPath = "/v2/contact_center/users"
)

// DefaultAPIURL is Zoom's api_url; Options.APIURL may set it (the fake's own URL by
// default, so that a client honouring api_url stays on loopback).
const DefaultAPIURL = "https://api.zoom.us"

// Options are the switches of a Server. The zero value is a well-behaved Zoom account
// accepting DefaultAccountID, DefaultClientID and DefaultClientSecret.
type Options struct {
	// AccountID, ClientID and ClientSecret are the accepted Server-to-Server OAuth
	// credentials; the Default* constants when empty.
	AccountID, ClientID, ClientSecret string
	// TokenTTL is the lifetime of an access token; DefaultTokenTTL when 0.
	TokenTTL time.Duration
	// Now is the clock of token expiry, page-token expiry and rate limits; time.Now when
	// nil.
	Now func() time.Time
	// PageTokenTTL is the lifetime of a next_page_token; DefaultPageTokenTTL when 0.
	PageTokenTTL time.Duration
	// QPS is the number of API requests admitted per clock second (0 = unlimited); an
	// excess request gets Zoom's per-second 429.
	QPS int
	// DailyLimit is the number of API requests admitted per UTC day (0 = unlimited); an
	// excess request gets Zoom's daily-limit 429 with Retry-After at the next midnight.
	DailyLimit int
	// NoRateHeaders leaves out every X-RateLimit-* header and Retry-After (some
	// third-party descriptions say Zoom sends none).
	NoRateHeaders bool
	// NewTokenInvalidatesOld makes minting a token invalidate every earlier one (Zoom's
	// 2022 behaviour); by default tokens coexist until they expire.
	NewTokenInvalidatesOld bool
	// ClampPageSize clamps a page_size outside the endpoint's range into it instead of
	// answering 400 code 300.
	ClampPageSize bool
	// MemberPageMax is the largest page_size the team and queue member lists
	// (teams/{id}/agents and /supervisors, queues/{id}/agents and /supervisors) accept;
	// 300 when 0. Their real cap is not documented.
	MemberPageMax int
	// Scopes are the scopes granted to tokens (nil = DefaultScopes()); an endpoint whose
	// scope is missing answers 400 code 4711 "does not contain scopes:[...]".
	Scopes []string
	// MalformedScopeError sends the missing-scope error with the scope list in unescaped
	// double quotes: invalid JSON, as some real Zoom error bodies are.
	MalformedScopeError bool
	// EmptySubStatus sends "sub_status_id":"" and "sub_status_name":"" for users who are
	// not Not Ready, instead of leaving both keys out.
	EmptySubStatus bool
	// APIURL is the token reply's api_url; when empty, the URL the token request came to
	// ("http://" + Host), so that a client honouring api_url stays on the fake.
	APIURL string
}

// Server is a fake Zoom Contact Center (OAuth token endpoint and API, one http.Handler)
// serving one day of a synth population. It is safe for concurrent use.
type Server struct {
	pop    *synth.Population
	opts   Options
	ids    ids
	scopes map[string]bool
	// catalog holds the day-independent objects: roles, queues, statuses.
	catalog *catalog
	// modifiedBy is the user id rendered in every modified_by (the owner's).
	modifiedBy string
	pageKey    uint64
	tokenKey   uint64

	mu        sync.Mutex
	data      *dataset
	faults    fakekit.Faults[Fault]
	requests  map[string]int
	tokens    map[string]*accessToken
	tokenSeq  int
	pageEpoch uint64
	limiter   limiter
	extraSeq  int
}

// New returns a Server rendering pop, serving day 0.
func New(pop *synth.Population, opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.PageTokenTTL <= 0 {
		opts.PageTokenTTL = DefaultPageTokenTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Scopes == nil {
		opts.Scopes = DefaultScopes()
	}
	c := newIDs(pop.Seed())
	s := &Server{
		pop:      pop,
		opts:     opts,
		ids:      c,
		scopes:   map[string]bool{},
		requests: map[string]int{},
		tokens:   map[string]*accessToken{},
		pageKey:  mix(c.seed, saltPageKey),
		tokenKey: mix(c.seed, saltTokenKey),
	}
	for _, sc := range opts.Scopes {
		s.scopes[sc] = true
	}
	s.modifiedBy = c.user(pop.OwnerID())
	s.catalog = newCatalog(s)
	s.data = newDataset(pop, 0)
	return s
}

// UserID returns the Zoom user id the Server gives a synth person.
func (s *Server) UserID(personID int) string { return s.ids.user(personID) }

// PersonID returns the synth person behind a Zoom user id.
func (s *Server) PersonID(userID string) (int, bool) { return s.ids.person(userID) }

// TeamID returns the team_id of the team (a synth Team, or a Department for parent
// teams) with the given name.
func (s *Server) TeamID(name string) string { return s.teamID(name) }

// RegionID returns the region_id of a synth Region.
func (s *Server) RegionID(name string) string { return s.ids.opaque(saltRegion, name) }

// QueueID returns the queue_id of a synth queue.
func (s *Server) QueueID(name string) string { return s.ids.opaque(saltQueue, name) }

// RoleID returns the role_id of a role_name ("Admin", "Agent", a custom role...), or ""
// for a name the account does not have.
func (s *Server) RoleID(name string) string {
	if r := s.catalog.roleByName[name]; r != nil {
		return r.id
	}
	return ""
}

// AccountID returns the account id the token endpoint accepts.
func (s *Server) AccountID() string { return s.opts.AccountID }

// ClientID returns the client id the token endpoint accepts.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret returns the client secret the token endpoint accepts.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// SetDay selects the snapshot served from now on (negative days serve day 0). It also
// discards the users that InsertUsers added and restores those DeleteUsers removed.
// Issued page tokens stay valid: they carry an offset, so a listing that spans SetDay
// drifts like one over a directory that changed.
func (s *Server) SetDay(d int) {
	ds := newDataset(s.pop, max(d, 0))
	s.mu.Lock()
	s.data = ds
	s.mu.Unlock()
}

// Day returns the day being served.
func (s *Server) Day() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.day
}

// Requests returns how many requests each URL path received, faults and errors included.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// ServeHTTP serves one request: faults first (as a load balancer or a failing backend
// would), then the token endpoint, or routing, authentication, rate limiting, scopes and
// the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	// The Date header follows the fake clock, so hints given as dates (Retry-After) read
	// the same against it as against Zoom's.
	w.Header().Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
	s.mu.Lock()
	s.requests[path]++
	triggered := s.takeFaults(path)
	s.mu.Unlock()

	var (
		truncate bool
		terminal *Fault
	)
	for i := range triggered {
		f := &triggered[i]
		switch f.Kind {
		case Slow:
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		case Truncate:
			truncate = true
		case ExpireTokenBefore:
			s.ExpireTokens()
		case ExpirePageTokenBefore:
			s.ExpirePageTokens()
		case InsertUsers:
			s.insertUsers(max(f.N, 1))
		case DeleteUsers:
			s.deleteUsers(max(f.N, 1))
		default:
			if terminal == nil {
				terminal = f
			}
		}
	}
	resp := &response{w: w, truncate: truncate, noRate: s.opts.NoRateHeaders}
	if terminal != nil {
		s.writeFault(resp, terminal)
		return
	}
	if path == TokenPath {
		s.serveToken(resp, r)
		return
	}
	rt, found := parseRoute(path)
	if !found {
		resp.zoomError(http.StatusNotFound, 404, "Not Found")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		resp.zoomError(http.StatusMethodNotAllowed, 405, "Method Not Allowed")
		return
	}
	if r.URL.Query().Has("access_token") {
		resp.zoomError(http.StatusUnauthorized, codeInvalidToken, msgTokenInQuery)
		return
	}
	tok, msg := s.authenticate(r)
	if tok == nil {
		resp.zoomError(http.StatusUnauthorized, codeInvalidToken, msg)
		return
	}
	rate, ok := s.admit()
	resp.rate = rate
	if !ok {
		s.writeRateLimited(resp, rate)
		return
	}
	if !tok.scopes[rt.scope] {
		s.writeMissingScope(resp, rt.scope)
		return
	}
	s.mu.Lock()
	ds := s.data
	s.mu.Unlock()
	rt.handle(s, &request{r: r, ds: ds, route: rt}, resp)
}

// Zoom error codes and messages (providers/zoom_contact_center.md, sections 2 and 5).
const (
	codeInvalidToken = 124
	msgInvalidToken  = "Invalid access token."
	msgExpiredToken  = "Access token is expired."
	msgTokenInQuery  = "Invalid access token, this access token is not supported as query parameter string."
	codeValidation   = 300
	msgBadPageToken  = "The next page token is invalid or expired."
	codeMissingScope = 4711
	codeNotFound     = 1001
	codeRateLimited  = 429
	msgQPSLimited    = "You have reached the maximum per-second rate limit for this API. Try again later."
	rateCategory     = "Medium"
)

// Content types of the replies: Zoom's JSON one (its Java spelling), and HTML for pages
// a load balancer or a maintenance screen sends.
const (
	contentTypeJSON = "application/json;charset=UTF-8"
	contentTypeHTML = "text/html; charset=utf-8"
)

// request is what a handler needs of one request.
type request struct {
	r     *http.Request
	ds    *dataset
	route route
}

// response writes a reply with the rate-limit headers; when truncate is set it declares
// the full length, sends half the body and lets the connection close.
type response struct {
	w        http.ResponseWriter
	truncate bool
	noRate   bool
	// rate, when set, adds X-RateLimit-Category, -Limit and -Remaining.
	rate *rateState
}

// json sends status and the body that fill writes.
func (resp *response) json(status int, fill func(w *jw)) {
	resp.send(status, contentTypeJSON, fill)
}

func (resp *response) html(status int, page string) {
	resp.send(status, contentTypeHTML, func(w *jw) { w.b = append(w.b, page...) })
}

func (resp *response) send(status int, contentType string, fill func(w *jw)) {
	h := resp.w.Header()
	h.Set("Content-Type", contentType)
	if resp.rate != nil && !resp.noRate {
		resp.rate.setHeaders(h)
	}
	if resp.truncate {
		w := &jw{}
		fill(w)
		h.Set("Content-Length", strconv.Itoa(len(w.b)))
		resp.w.WriteHeader(status)
		_, _ = resp.w.Write(w.b[:len(w.b)/2])
		if f, ok := resp.w.(http.Flusher); ok {
			f.Flush()
		}
		return
	}
	resp.w.WriteHeader(status)
	w := &jw{out: resp.w, b: make([]byte, 0, 4096)}
	fill(w)
	w.flush()
}

// zoomError sends Zoom's error body {"code":code,"message":msg}.
func (resp *response) zoomError(status, code int, msg string) {
	resp.json(status, func(w *jw) {
		w.open('{')
		w.numField("code", int64(code))
		w.field("message", msg)
		w.close('}')
	})
}

// validation sends 400 {"code":300,"message":"Validation Failed.","errors":[{"field":
// field,"message":msg}]}, Zoom's validation reply.
func (resp *response) validation(field, msg string) {
	resp.json(http.StatusBadRequest, func(w *jw) {
		w.open('{')
		w.numField("code", codeValidation)
		w.field("message", "Validation Failed.")
		w.key("errors")
		w.open('[')
		w.open('{')
		w.field("field", field)
		w.field("message", msg)
		w.close('}')
		w.close(']')
		w.close('}')
	})
}

// writeMissingScope answers a token without the endpoint's scope. With
// Options.MalformedScopeError the scope list is in unescaped quotes (invalid JSON).
func (s *Server) writeMissingScope(resp *response, scope string) {
	resp.json(http.StatusBadRequest, func(w *jw) {
		if s.opts.MalformedScopeError {
			w.b = append(w.b, `{"code":4711,"message":"Invalid access token, does not contain scopes:["`...)
			w.b = append(w.b, scope...)
			w.b = append(w.b, `"]."}`...)
			return
		}
		w.open('{')
		w.numField("code", codeMissingScope)
		w.field("message", "Invalid access token, does not contain scopes:["+scope+"].")
		w.close('}')
	})
}

// route is a parsed API path.
type route struct {
	kind  routeKind
	arg   string // the {id} of the path, if any
	scope string
	path  string
}

type routeKind int

const (
	routeUsers routeKind = iota + 1
	routeUser
	routeUserQueues
	routeRoles
	routeRoleUsers
	routeTeams
	routeTeam
	routeTeamAgents
	routeTeamSupervisors
	routeTeamChildren
	routeTeamParents
	routeRegions
	routeRegionUsers
	routeQueues
	routeQueue
	routeQueueAgents
	routeQueueSupervisors
	routeSystemStatuses
)

// Scopes of the endpoints (classic scope names; only the users one is from the seed).
const (
	ScopeUser       = "contact_center_user:read:admin"
	ScopeRole       = "contact_center_role:read:admin"
	ScopeTeam       = "contact_center_team:read:admin"
	ScopeRegion     = "contact_center_region:read:admin"
	ScopeQueue      = "contact_center_queue:read:admin"
	ScopePreference = "contact_center_preference:read:admin"
)

// DefaultScopes returns the scopes a token has when Options.Scopes is nil: all of the
// endpoints'.
func DefaultScopes() []string {
	return []string{ScopeUser, ScopeRole, ScopeTeam, ScopeRegion, ScopeQueue, ScopePreference}
}

// parseRoute maps a path to its endpoint. Paths are exact: no trailing slash, no empty
// segment.
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, APIPrefix)
	if !ok || rest == "" {
		return route{}, false
	}
	seg := strings.Split(rest, "/")
	for _, s := range seg {
		if s == "" {
			return route{}, false
		}
	}
	rt := route{path: path}
	if len(seg) >= 2 {
		rt.arg = seg[1]
	}
	switch seg[0] {
	case "users":
		rt.scope = ScopeUser
		switch {
		case len(seg) == 1:
			rt.kind = routeUsers
		case len(seg) == 2:
			rt.kind = routeUser
		case len(seg) == 3 && seg[2] == "queues":
			rt.kind = routeUserQueues
		}
	case "roles":
		rt.scope = ScopeRole
		switch {
		case len(seg) == 1:
			rt.kind = routeRoles
		case len(seg) == 3 && seg[2] == "users":
			rt.kind = routeRoleUsers
		}
	case "teams":
		rt.scope = ScopeTeam
		switch {
		case len(seg) == 1:
			rt.kind = routeTeams
		case len(seg) == 2:
			rt.kind = routeTeam
		case len(seg) == 3:
			rt.kind = map[string]routeKind{"agents": routeTeamAgents, "supervisors": routeTeamSupervisors,
				"children": routeTeamChildren, "parents": routeTeamParents}[seg[2]]
		}
	case "regions":
		rt.scope = ScopeRegion
		switch {
		case len(seg) == 1:
			rt.kind = routeRegions
		case len(seg) == 3 && seg[2] == "users":
			rt.kind = routeRegionUsers
		}
	case "queues":
		rt.scope = ScopeQueue
		switch {
		case len(seg) == 1:
			rt.kind = routeQueues
		case len(seg) == 2:
			rt.kind = routeQueue
		case len(seg) == 3 && seg[2] == "agents":
			rt.kind = routeQueueAgents
		case len(seg) == 3 && seg[2] == "supervisors":
			rt.kind = routeQueueSupervisors
		}
	case "system_statuses":
		rt.scope = ScopePreference
		if len(seg) == 1 {
			rt.kind = routeSystemStatuses
		}
	}
	return rt, rt.kind != 0
}

// handle serves a routed, authenticated and admitted request.
func (rt route) handle(s *Server, req *request, resp *response) {
	switch rt.kind {
	case routeUsers:
		s.listUsers(req, resp)
	case routeUser:
		s.getUser(req, resp)
	case routeUserQueues:
		s.listUserQueues(req, resp)
	case routeRoles:
		s.listRoles(req, resp)
	case routeRoleUsers:
		s.listRoleUsers(req, resp)
	case routeTeams:
		s.listTeams(req, resp)
	case routeTeam:
		s.getTeam(req, resp)
	case routeTeamAgents, routeTeamSupervisors:
		s.listTeamMembers(req, resp)
	case routeTeamChildren, routeTeamParents:
		s.listTeamRelatives(req, resp)
	case routeRegions:
		s.listRegions(req, resp)
	case routeRegionUsers:
		s.listRegionUsers(req, resp)
	case routeQueues:
		s.listQueues(req, resp)
	case routeQueue:
		s.getQueue(req, resp)
	case routeQueueAgents, routeQueueSupervisors:
		s.listQueueMembers(req, resp)
	case routeSystemStatuses:
		s.listStatuses(req, resp)
	}
}

// notFound answers 404 {"code":1001,"message":"<kind> does not exist: <id>."}.
func (resp *response) notFound(kind, id string) {
	resp.zoomError(http.StatusNotFound, codeNotFound, kind+" does not exist: "+id+".")
}
