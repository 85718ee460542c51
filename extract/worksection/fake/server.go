package fake

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the account's time zone must not depend on the machine's zoneinfo

	"github.com/roster-etl/roster/extract/fakekit"
	"github.com/roster-etl/roster/extract/synth"
)

// DefaultAPIKey is the admin API key a Server checks hashes against when Options.APIKey
// is empty. It is the key of Worksection's own documented example, so the documented
// test vectors hold against a default Server.
const DefaultAPIKey = "7776461cd931e7b1c8e9632ff8e979ce"

// Path is the admin API endpoint the Server serves; the same path without the trailing
// slash (as the official PHP SDK sends it) is served too.
const Path = "/api/admin/v2/"

// maxBody bounds the POST form body the Server reads.
const maxBody = 1 << 20

// Options are the switches of a Server. The zero value is a well-behaved Worksection
// account with the documented admin key.
type Options struct {
	// APIKey is the admin API key hashes are checked against; DefaultAPIKey when empty.
	APIKey string
	// Host is the account host rendered in user urls and avatars, e.g.
	// "acme.worksection.com"; "<first label of synth's Domain>.worksection.com" when empty.
	Host string
	// Location is the account's time zone, in which date_added is rendered (without an
	// offset); the owner's synth Timezone when nil.
	Location *time.Location
	// RateLimit is the number of admitted requests per one-second window (0 = unlimited);
	// an excess request gets HTTP 429.
	RateLimit int
	// RetryAfterHeader sends "Retry-After: <whole seconds, rounded up>" with the rate
	// limiter's 429 (and 1 with a RateLimited fault that sets no RetryAfter).
	RetryAfterHeader bool
	// HashErrorStatus is the HTTP status of the invalid-hash reply; 200 (the documented
	// in-body error) when 0.
	HashErrorStatus int
	// LegacyHash also accepts the older documented rule hash = md5(page + action + key)
	// (page is the "page" parameter, usually absent).
	LegacyHash bool
	// AdminHeaderAuth also accepts "Authorization: Admin <unix_ts>_<hex HMAC-SHA256(key,
	// "<action>:<unix_ts>")>" (the official Python client's scheme) instead of a hash,
	// within AdminHeaderWindow of Now.
	AdminHeaderAuth bool
	// MaxUsers caps get_users at this many users, the first by id (0 = no cap); a
	// third-party integrator reports a cap of about 10,000 records per reply.
	MaxUsers int
	// UnescapedJSON sends non-ASCII characters and slashes as they are
	// (JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) instead of PHP's default escapes.
	UnescapedJSON bool
	// ListAllTeams lists every team in get_user_groups; by default one team that users
	// reference is missing from it (see the package doc).
	ListAllTeams bool
	// Now is the clock of the rate limiter and of AdminHeaderAuth; time.Now when nil.
	Now func() time.Time
}

// AdminHeaderWindow is how far the timestamp of an "Authorization: Admin" header may be
// from the Server's clock (fake-only: the real window is undocumented).
const AdminHeaderWindow = 5 * time.Minute

// Server is a fake Worksection admin API (an http.Handler) serving one day of a synth
// population. It is safe for concurrent use.
type Server struct {
	pop  *synth.Population
	opts Options
	ids  ids
	// unlisted is the team get_user_groups leaves out ("" with ListAllTeams).
	unlisted string
	// clientTeams are the external client teams get_user_groups lists (client: 1).
	clientTeams []string

	mu       sync.Mutex
	data     *dataset
	faults   fakekit.Faults[Fault]
	requests map[string]int
	window   window
}

// New returns a Server rendering pop, serving day 0.
func New(pop *synth.Population, opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Host == "" {
		label, _, _ := strings.Cut(pop.Domain(), ".")
		opts.Host = label + ".worksection.com"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		pop:      pop,
		opts:     opts,
		ids:      newIDs(pop.Seed()),
		requests: map[string]int{},
	}
	day0 := pop.Day(0)
	if s.opts.Location == nil {
		s.opts.Location = time.UTC
		if owner, ok := day0.Person(pop.OwnerID()); ok {
			if loc, err := time.LoadLocation(owner.Timezone); err == nil {
				s.opts.Location = loc
			}
		}
	}
	if !opts.ListAllTeams {
		s.unlisted = s.pickUnlisted(day0)
	}
	s.clientTeams = s.pickClientTeams()
	s.data = s.newDataset(0)
	return s
}

// APIKey returns the admin API key the Server checks hashes against.
func (s *Server) APIKey() string { return s.opts.APIKey }

// Host returns the account host rendered in the data.
func (s *Server) Host() string { return s.opts.Host }

// Location returns the account's time zone, in which date_added is rendered: a client
// must read date_added in it (roster's `timezone:` for the source).
func (s *Server) Location() *time.Location { return s.opts.Location }

// UserID returns the Worksection user id the Server gives a synth person.
func (s *Server) UserID(personID int) string { return s.ids.user(personID) }

// PersonID returns the synth person behind a Worksection user id.
func (s *Server) PersonID(userID string) (int, bool) { return s.ids.person(userID) }

// GroupID returns the id get_user_groups gives the team with the given title.
func (s *Server) GroupID(title string) string { return s.ids.group(title) }

// UnlistedTeam returns the team that users reference but get_user_groups leaves out,
// or "" with Options.ListAllTeams.
func (s *Server) UnlistedTeam() string { return s.unlisted }

// SetDay selects the snapshot served from now on (negative days serve day 0).
func (s *Server) SetDay(d int) {
	ds := s.newDataset(max(d, 0))
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

// Requests returns how many requests each action received ("" for requests without an
// action), faults and errors included.
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
// would), then routing, rate limiting, the method, the hash and the action.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := readCall(r)
	s.mu.Lock()
	s.requests[c.action]++
	triggered := s.takeFaults(c.action)
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
		default:
			if terminal == nil {
				terminal = f
			}
		}
	}
	resp := &response{w: w, truncate: truncate, raw: s.opts.UnescapedJSON}
	if terminal != nil {
		s.writeFault(resp, terminal)
		return
	}
	if r.URL.Path != Path && r.URL.Path != strings.TrimSuffix(Path, "/") {
		resp.html(http.StatusNotFound, statusPage(http.StatusNotFound))
		return
	}
	if ok, retry := s.admit(); !ok {
		s.writeRateLimited(resp, retry, s.opts.RetryAfterHeader)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		resp.envelope(http.StatusMethodNotAllowed, codeMethod, msgMethod, "")
		return
	}
	if !s.authorized(r, c) {
		status := s.opts.HashErrorStatus
		if status == 0 {
			status = http.StatusOK
		}
		resp.envelope(status, codeHash, msgHash, "")
		return
	}
	s.mu.Lock()
	ds := s.data
	s.mu.Unlock()
	switch c.action {
	case "get_users":
		s.writeUsers(resp, ds)
	case "get_user_groups":
		s.writeGroups(resp, ds)
	case "":
		resp.envelope(http.StatusOK, codeNoAction, msgNoAction, "")
	default:
		resp.envelope(http.StatusOK, codeUnknownAction, msgUnknownAction, "action: "+c.action)
	}
}

// Error envelopes. Only status_code 2 and its message are documented; the others are
// fake-only (the rest of Worksection's code table is not public in full).
const (
	codeNoAction      = 1
	msgNoAction       = "Action is missed"
	codeHash          = 2
	msgHash           = "Action hash is missed or invalid"
	codeUnknownAction = 3
	msgUnknownAction  = "Action is invalid"
	codeMethod        = 4
	msgMethod         = "Request method is not allowed"
)

// call is what a request says about its action and its signature.
type call struct {
	// action is the action parameter ("" when absent).
	action string
	// params are the parameters of the signed string.
	params url.Values
	// signed is the parameter string without its hash segment, as received.
	signed string
	// hashes lists the values of the hash segments (exactly one is valid).
	hashes []string
}

// readCall finds the parameter string of a request: the raw query when it carries a
// hash, else a POST form body that carries one, else the raw query (or the form body
// when there is no query).
func readCall(r *http.Request) *call {
	query := r.URL.RawQuery
	var body string
	if r.Method == http.MethodPost && r.Body != nil && isForm(r.Header.Get("Content-Type")) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		body = string(b)
	}
	if signed, hashes := splitHash(query); len(hashes) > 0 {
		return newCall(signed, hashes)
	}
	if signed, hashes := splitHash(body); len(hashes) > 0 {
		return newCall(signed, hashes)
	}
	if query == "" {
		return newCall(body, nil)
	}
	return newCall(query, nil)
}

func newCall(signed string, hashes []string) *call {
	params, _ := url.ParseQuery(signed) // a malformed pair is skipped, as PHP does
	return &call{action: params.Get("action"), params: params, signed: signed, hashes: hashes}
}

// isForm reports whether a POST body is a URL-encoded form (an absent Content-Type
// counts: PHP parses such bodies too).
func isForm(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// splitHash removes every "hash=..." segment from a raw parameter string and returns
// the rest, bytes and order untouched, and the hash values.
func splitHash(raw string) (signed string, hashes []string) {
	if !strings.Contains(raw, "hash=") {
		return raw, nil
	}
	var kept []string
	for _, seg := range strings.Split(raw, "&") {
		if v, ok := strings.CutPrefix(seg, "hash="); ok {
			hashes = append(hashes, v)
			continue
		}
		kept = append(kept, seg)
	}
	return strings.Join(kept, "&"), hashes
}

// response writes a reply; when truncate is set it declares the full length, sends half
// the body and lets the connection close.
type response struct {
	w        http.ResponseWriter
	truncate bool
	raw      bool
}

const contentTypeJSON = "application/json; charset=utf-8"

// json sends status and the body that fill writes.
func (resp *response) json(status int, fill func(w *jw)) {
	resp.send(status, contentTypeJSON, fill)
}

func (resp *response) html(status int, page string) {
	resp.send(status, "text/html; charset=utf-8", func(w *jw) { w.b = append(w.b, page...) })
}

func (resp *response) send(status int, contentType string, fill func(w *jw)) {
	resp.w.Header().Set("Content-Type", contentType)
	if resp.truncate {
		w := &jw{raw: resp.raw}
		fill(w)
		resp.w.Header().Set("Content-Length", itoa(len(w.b)))
		resp.w.WriteHeader(status)
		_, _ = resp.w.Write(w.b[:len(w.b)/2])
		if f, ok := resp.w.(http.Flusher); ok {
			f.Flush()
		}
		return
	}
	resp.w.WriteHeader(status)
	w := &jw{out: resp.w, b: make([]byte, 0, 4096), raw: resp.raw}
	fill(w)
	w.flush()
}

// envelope sends Worksection's error reply
// {"status":"error","status_code":N,"message":"...","message_details":"..."}; details
// are left out when empty.
func (resp *response) envelope(status, code int, msg, details string) {
	resp.json(status, func(w *jw) {
		w.open('{')
		w.field("status", "error")
		w.key("status_code")
		w.num(int64(code))
		w.field("message", msg)
		if details != "" {
			w.field("message_details", details)
		}
		w.close('}')
	})
}
