package fake

import (
	"encoding/base64"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/roster-etl/roster/extract/fakekit"
	"github.com/roster-etl/roster/extract/synth"
)

// DefaultAPIKey is the key a Server accepts when Options.APIKey is empty.
const DefaultAPIKey = "close-fake-api-key"

// Defaults of Options.
const (
	// DefaultMaxLimit is the largest _limit when Options.MaxLimit is 0: 1000, the page
	// size Airbyte's Close connector uses successfully.
	DefaultMaxLimit = 1000
	// DefaultMaxSkip is the largest _skip when Options.MaxSkip is 0 (Close's real maximum
	// is unpublished; this one never binds).
	DefaultMaxSkip = math.MaxInt32
	// nominalLimit is the per-key limit the RateLimit header reports when RateLimit is 0
	// (unlimited): large, so that no client paces itself on it.
	nominalLimit = 10000
)

// Options are the switches of a Server. The zero value is a well-behaved Close.
type Options struct {
	// APIKey is the accepted key: Basic auth username (any password), or
	// "Authorization: Bearer <APIKey>". DefaultAPIKey when empty.
	APIKey string
	// ExtraAPIKeys are further keys of the same organization. Each has its own per-key
	// rate limit; all share the organization's limit (3x RateLimit).
	ExtraAPIKeys []string
	// OrgID and OrgName default to values derived from the population seed.
	OrgID, OrgName string
	// MaxLimit is the largest accepted _limit (DefaultMaxLimit when 0); above it, 400.
	MaxLimit int
	// MaxSkip is the largest accepted _skip (DefaultMaxSkip when 0); above it, 400.
	MaxSkip int
	// RateLimit is the number of requests per second per key and endpoint group
	// (0 = unlimited). The organization may make 3x RateLimit per endpoint group.
	// Excess requests get Close's 429.
	RateLimit int
	// RateResetAsString emits the 429 body's rate_reset as a string ("0.870663").
	RateResetAsString bool
	// RetryAfterHeader also sends Retry-After (whole seconds, rounded up) on 429.
	RetryAfterHeader bool
	// LegacyHeaders also sends X-Rate-Limit-Limit, -Remaining and -Reset (fractional
	// seconds) on every response.
	LegacyHeaders bool
	// Now is the clock of the rate limiter; time.Now when nil.
	Now func() time.Time
}

// Server is a fake Close API (an http.Handler) serving one day of a synth population.
// It is safe for concurrent use.
type Server struct {
	pop   *synth.Population
	opts  Options
	ids   ids
	orgID string
	keys  map[string]bool
	// orgCreated is the organization's date_created.
	orgCreated time.Time

	mu       sync.Mutex
	data     *dataset
	faults   fakekit.Faults[Fault]
	requests map[string]int
	windows  map[string]*window
	extraSeq int
}

// New returns a Server rendering pop, serving day 0.
func New(pop *synth.Population, opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = DefaultMaxLimit
	}
	if opts.MaxSkip <= 0 {
		opts.MaxSkip = DefaultMaxSkip
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		pop:      pop,
		opts:     opts,
		ids:      newIDs(pop.Seed()),
		keys:     map[string]bool{opts.APIKey: true},
		requests: map[string]int{},
		windows:  map[string]*window{},
	}
	for _, k := range opts.ExtraAPIKeys {
		s.keys[k] = true
	}
	s.orgID = opts.OrgID
	if s.orgID == "" {
		s.orgID = s.ids.make("orga_", idLen, kindOrg)
	}
	if s.opts.OrgName == "" {
		s.opts.OrgName = pop.Company()
	}
	s.orgCreated = pop.Date(0).AddDate(-7, 0, 0).Add(time.Duration(mix(uint64(pop.Seed()), kindOrg)%86400e6) * time.Microsecond)
	s.data = newDataset(pop, 0)
	return s
}

// OrgID returns the id of the organization the Server serves.
func (s *Server) OrgID() string { return s.orgID }

// UserID returns the Close user id the Server gives a synth person.
func (s *Server) UserID(personID int) string { return s.ids.user(personID) }

// PersonID returns the synth person behind a Close user id.
func (s *Server) PersonID(userID string) (int, bool) { return s.ids.person(userID) }

// SetDay selects the snapshot served from now on (negative days serve day 0). It also
// discards the users that InsertUsers added and restores those DeleteUsers removed.
func (s *Server) SetDay(d int) {
	d = max(d, 0)
	ds := newDataset(s.pop, d)
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
// would), then routing, authentication, rate limiting and the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.requests[path]++
	triggered := s.takeFaults(path)
	s.mu.Unlock()

	var (
		truncate, emptyPage bool
		terminal            *Fault
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
		case InsertUsers:
			s.insertUsers(max(f.N, 1))
		case DeleteUsers:
			s.deleteUsers(max(f.N, 1))
		case Truncate:
			truncate = true
		case EmptyPageHasMore:
			emptyPage = true
		default:
			if terminal == nil {
				terminal = f
			}
		}
	}

	key, authed := s.authenticate(r)
	rt, found := s.route(path)
	group := "default"
	if found {
		group = rt.group
	}
	resp := &response{w: w, truncate: truncate}
	if terminal != nil {
		resp.rate = s.peekRate(key, group)
		s.writeFault(resp, terminal, group)
		return
	}
	if !found {
		resp.rate = s.peekRate(key, group)
		resp.error(http.StatusNotFound, "Not found. Every Close API path ends with a slash, e.g. /api/v1/user/.")
		return
	}
	if r.Method != http.MethodGet {
		resp.rate = s.peekRate(key, group)
		w.Header().Set("Allow", http.MethodGet)
		resp.error(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
		return
	}
	if !authed {
		resp.rate = s.peekRate("", group)
		w.Header().Set("WWW-Authenticate", `Basic realm="Close API"`)
		resp.error(http.StatusUnauthorized, unauthorizedMessage)
		return
	}
	rate, ok := s.admit(key, group)
	resp.rate = rate
	if !ok {
		s.writeRateLimited(resp, rate, group)
		return
	}
	s.mu.Lock()
	ds := s.data
	s.mu.Unlock()
	req := &request{r: r, ds: ds, arg: rt.arg, emptyPage: emptyPage}
	rt.handle(s, req, resp)
}

// unauthorizedMessage is Close's 401 message, verbatim (two spaces included).
const unauthorizedMessage = "The server could not verify that you are authorized to access the URL requested.  You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."

// authenticate returns the API key of the request and whether the Server accepts it.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	var key string
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return "", false
		}
		key, _, _ = strings.Cut(string(raw), ":")
	case "bearer":
		key = strings.TrimSpace(cred)
	default:
		return "", false
	}
	return key, key != "" && s.keys[key]
}

// request is what a handler needs of one request.
type request struct {
	r         *http.Request
	ds        *dataset
	arg       string // the {id} of the path, if any
	emptyPage bool   // EmptyPageHasMore fault
}

// response writes a reply with the rate-limit headers; when truncate is set it declares
// the full length, sends half the body and lets the connection close.
type response struct {
	w        http.ResponseWriter
	truncate bool
	rate     rateState
}

func (resp *response) headers(contentType string) {
	h := resp.w.Header()
	h.Set("Content-Type", contentType)
	resp.rate.setHeaders(h)
}

// json sends status and the body that fill writes.
func (resp *response) json(status int, fill func(w *jw)) {
	resp.send(status, "application/json", fill)
}

func (resp *response) send(status int, contentType string, fill func(w *jw)) {
	resp.headers(contentType)
	if resp.truncate {
		w := &jw{}
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
	w := &jw{out: resp.w, b: make([]byte, 0, 4096)}
	fill(w)
	w.flush()
}

// error sends {"error": msg}.
func (resp *response) error(status int, msg string) {
	resp.json(status, func(w *jw) {
		w.open('{')
		w.key("error")
		w.str(msg)
		w.close('}')
	})
}

// fieldErrors sends Close's validation reply {"errors": [], "field-errors": {...}}.
func (resp *response) fieldErrors(field, msg string) {
	resp.json(http.StatusBadRequest, func(w *jw) {
		w.open('{')
		w.key("errors")
		w.open('[')
		w.close(']')
		w.key("field-errors")
		w.open('{')
		w.key(field)
		w.str(msg)
		w.close('}')
		w.close('}')
	})
}
