package fake

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-etl/roster/extract/fakekit"
	"github.com/roster-etl/roster/extract/synth"
)

// TokenKind is what the Server answers for an API key (params.access_token).
type TokenKind int

// The kinds of API key.
const (
	// Permanent is a valid key without an expiry date.
	Permanent TokenKind = iota + 1
	// Expired is a temporary key past its end date: -32001 access_token_expired.
	Expired
	// Blocked is a key blocked in the web UI: -32001 access_token_blocked.
	Blocked
	// Invalid is a key the account does not know (like any unlisted string):
	// -32001 access_token_invalid.
	Invalid
)

// Defaults of Options.
const (
	// DefaultToken is the permanent API key accepted when Options.Tokens is nil.
	DefaultToken = "fake-uis-permanent-key-0123456789abcdef"
	// DefaultLogin and DefaultPassword are the login.user credentials when Options
	// leaves them empty.
	DefaultLogin    = "admin@uis.example"
	DefaultPassword = "fake-uis-password"
	// DefaultSessionTTL is the lifetime of a login.user session key (one hour).
	DefaultSessionTTL = time.Hour
	// DefaultMinutePoints and DefaultDayPoints are the point budgets (the docs'
	// example tariff: 60 a minute, 3000 a day).
	DefaultMinutePoints = 60
	DefaultDayPoints    = 3000
	// DefaultMaxLimit is the documented maximum of limit; DefaultLimit its default.
	DefaultMaxLimit = 10000
	DefaultLimit    = 1000
	// MaxOffset is the documented maximum of offset.
	MaxOffset = 100000
	// AccountTimezone is the account time zone get.account reports; the day point
	// bucket resets at midnight in it.
	AccountTimezone = "Europe/Moscow"
)

// Paths the Server answers: the root and the versioned endpoint.
const (
	RootPath = "/"
	APIPath  = "/v2.0"
)

// Options are the switches of a Server. The zero value is a well-behaved account that
// accepts DefaultToken and DefaultLogin/DefaultPassword from any IP.
type Options struct {
	// Tokens are the API keys the account knows and their kind; {DefaultToken:
	// Permanent} when nil.
	Tokens map[string]TokenKind
	// Login and Password are the login.user credentials; DefaultLogin and
	// DefaultPassword when empty.
	Login, Password string
	// SessionTTL is the lifetime of a session key; DefaultSessionTTL when 0.
	SessionTTL time.Duration
	// Now is the clock of sessions and point buckets; time.Now when nil.
	Now func() time.Time
	// AllowedIPs is the IP allow-list: IPs or CIDRs ("10.0.0.0/8", "0.0.0.0/0"). Empty
	// allows every IP; otherwise a request from another IP gets -32003
	// ip_not_whitelisted.
	AllowedIPs []string
	// MinutePoints and DayPoints are the point budgets; DefaultMinutePoints and
	// DefaultDayPoints when 0 (a huge number is effectively unlimited).
	MinutePoints, DayPoints int
	// MaxLimit is the largest limit accepted; DefaultMaxLimit when 0.
	MaxLimit int
	// ClampPaging clamps limit and offset into their ranges instead of answering -32602
	// invalid_parameter_value.
	ClampPaging bool
}

// Server is a fake UIS / CoMagic Data API (JSON-RPC 2.0) serving one day of a synth
// population. It is safe for concurrent use.
type Server struct {
	pop     *synth.Population
	opts    Options
	seed    uint64
	appID   int
	allowed []*net.IPNet

	mu       sync.Mutex
	data     *dataset
	faults   fakekit.Faults[Fault]
	requests map[string]int
	sessions map[string]*session
	sessSeq  int
	limits   buckets
}

type session struct {
	expireAt time.Time
	expired  bool // ExpireSessions
}

// New returns a Server rendering pop, serving day 0.
func New(pop *synth.Population, opts Options) *Server {
	if opts.Tokens == nil {
		opts.Tokens = map[string]TokenKind{DefaultToken: Permanent}
	} else {
		tokens := make(map[string]TokenKind, len(opts.Tokens))
		for k, v := range opts.Tokens {
			tokens[k] = v
		}
		opts.Tokens = tokens
	}
	if opts.Login == "" {
		opts.Login = DefaultLogin
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MinutePoints <= 0 {
		opts.MinutePoints = DefaultMinutePoints
	}
	if opts.DayPoints <= 0 {
		opts.DayPoints = DefaultDayPoints
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = DefaultMaxLimit
	}
	s := &Server{
		pop:      pop,
		opts:     opts,
		seed:     uint64(pop.Seed()),
		requests: map[string]int{},
		sessions: map[string]*session{},
	}
	s.appID = 100000 + int(mix(s.seed, saltApp)%900000)
	for _, a := range opts.AllowedIPs {
		if !strings.Contains(a, "/") {
			if strings.Contains(a, ":") {
				a += "/128"
			} else {
				a += "/32"
			}
		}
		if _, n, err := net.ParseCIDR(a); err == nil {
			s.allowed = append(s.allowed, n)
		}
	}
	s.data = newDataset(s, 0)
	return s
}

// AppID returns the account's app_id (login.user, get.account).
func (s *Server) AppID() int { return s.appID }

// SetDay selects the synth day served from now on (negative days serve day 0). It
// also undoes ChangeDataBetweenPages.
func (s *Server) SetDay(d int) {
	ds := newDataset(s, max(d, 0))
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

// Requests returns how many requests each JSON-RPC method received, faults and errors
// included; requests whose method cannot be read count under "".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// ExpireSessions expires every session key issued so far: their next use gets -32001
// access_token_expired. API keys are not affected.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
}

// IssueSession creates a session as login.user would and returns its access_token.
func (s *Server) IssueSession() string {
	tok, _ := s.newSession()
	return tok
}

func (s *Server) newSession() (string, time.Time) {
	exp := s.opts.Now().Add(s.opts.SessionTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessSeq++
	h1 := mix(s.seed, uint64(s.sessSeq), saltSession)
	h2 := mix(h1, saltSession)
	tok := strconv.FormatUint(h1|1<<63, 36) + strconv.FormatUint(h2|1<<63, 36)
	s.sessions[tok] = &session{expireAt: exp}
	return tok, exp
}

// call is one parsed JSON-RPC request.
type call struct {
	id     rawJSON
	method string
	params map[string]json.RawMessage
	r      *http.Request
}

// ServeHTTP serves one JSON-RPC request: faults first, then the transport (POST at
// RootPath or APIPath), the envelope, the IP allow-list, the method, the key, the point
// buckets, the parameters and the method.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	method := sniffMethod(body)
	s.mu.Lock()
	s.requests[method]++
	triggered := s.takeFaults(method)
	s.mu.Unlock()

	resp := &response{w: w}
	var terminal *Fault
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
			resp.truncate = true
		case ExpireSessionBefore:
			s.ExpireSessions()
		case ChangeDataBetweenPages:
			s.changeData(f)
		default:
			if terminal == nil {
				terminal = f
			}
		}
	}
	if terminal != nil {
		s.writeFault(resp, terminal, body)
		return
	}
	if r.URL.Path != RootPath && r.URL.Path != APIPath {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	c, e := s.parse(body)
	if e != nil {
		s.writeError(resp, c.id, e)
		return
	}
	c.r = r
	if !s.ipAllowed(r) {
		s.writeError(resp, c.id, &rpcError{code: codeAccess, mnemonic: "ip_not_whitelisted",
			message: "Your IP " + remoteIP(r) + " is not whitelisted"})
		return
	}
	h, ok := methods[c.method]
	if !ok {
		s.writeError(resp, c.id, &rpcError{code: codeMethod, mnemonic: "method_not_found",
			message: "The method does not exist / is not available", field: "method", value: c.method})
		return
	}
	if c.method != "login.user" {
		if e := s.authenticate(c); e != nil {
			s.writeError(resp, c.id, e)
			return
		}
	}
	if e := s.reserve(1); e != nil {
		s.writeError(resp, c.id, e)
		return
	}
	result, e := h(s, c)
	if e != nil {
		s.refund(1)
		s.writeError(resp, c.id, e)
		return
	}
	meta, _ := result.get("metadata")
	m, _ := meta.(object)
	m = append(m, kv{"limits", s.limitsNow()})
	result = setKey(result, "metadata", m)
	resp.send(object{{"jsonrpc", "2.0"}, {"id", c.id}, {"result", result}})
}

func setKey(o object, k string, v any) object {
	for i := range o {
		if o[i].k == k {
			o[i].v = v
			return o
		}
	}
	return append(o, kv{k, v})
}

// sniffMethod reads the method of a request body for Requests and faults; "" when it
// cannot.
func sniffMethod(body []byte) string {
	var env struct {
		Method any `json:"method"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	m, _ := env.Method.(string)
	return m
}

var nullID = rawJSON("null")

// parse checks the JSON-RPC envelope.
func (s *Server) parse(body []byte) (call, *rpcError) {
	c := call{id: nullID}
	trimmed := bytes.TrimSpace(body)
	if !json.Valid(trimmed) {
		return c, &rpcError{code: codeParse, mnemonic: "parse_error", message: "Invalid JSON was received by the server."}
	}
	switch trimmed[0] {
	case '[':
		return c, &rpcError{code: codeUnsupported, mnemonic: "batch_opreations_not_supported", message: "Batch operations not supported"}
	case '{':
	default:
		return c, invalidRequest("", nil)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return c, invalidRequest("", nil)
	}
	if id, ok := env["id"]; ok {
		switch id[0] {
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			c.id = rawJSON(id)
		default:
			return c, invalidRequest("id", nil)
		}
	}
	var version string
	if v, ok := env["jsonrpc"]; !ok || json.Unmarshal(v, &version) != nil || version != "2.0" {
		return c, invalidRequest("jsonrpc", nil)
	}
	if _, ok := env["id"]; !ok {
		return c, &rpcError{code: codeUnsupported, mnemonic: "notifications_not_supported", message: "Notifications not supported"}
	}
	if m, ok := env["method"]; !ok || json.Unmarshal(m, &c.method) != nil || c.method == "" {
		return c, invalidRequest("method", nil)
	}
	c.params = map[string]json.RawMessage{}
	if p, ok := env["params"]; ok && string(p) != "null" {
		if p[0] != '{' || json.Unmarshal(p, &c.params) != nil {
			return c, invalidRequest("params", nil)
		}
	}
	return c, nil
}

func invalidRequest(field string, value any) *rpcError {
	return &rpcError{code: codeInvalidRequest, mnemonic: "invalid_request",
		message: "Invalid Request The JSON sent is not a valid Request object", field: field, value: value}
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) ipAllowed(r *http.Request) bool {
	if len(s.opts.AllowedIPs) == 0 {
		return true
	}
	ip := net.ParseIP(remoteIP(r))
	if ip == nil {
		return false
	}
	for _, n := range s.allowed {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// authenticate checks params.access_token: an API key of Options.Tokens or a live
// session key.
func (s *Server) authenticate(c call) *rpcError {
	raw, ok := c.params["access_token"]
	if !ok {
		return missing("access_token")
	}
	var tok string
	if json.Unmarshal(raw, &tok) != nil {
		return typeError("access_token", raw)
	}
	switch s.opts.Tokens[tok] {
	case Permanent:
		return nil
	case Expired:
		return authError("access_token_expired", "Access token has been expired")
	case Blocked:
		return authError("access_token_blocked", "Access token has been blocked")
	}
	now := s.opts.Now()
	s.mu.Lock()
	ss := s.sessions[tok]
	s.mu.Unlock()
	switch {
	case ss == nil:
		return authError("access_token_invalid", "Access token is invalid")
	case ss.expired || !now.Before(ss.expireAt):
		return authError("access_token_expired", "Access token has been expired")
	}
	return nil
}

func authError(mnemonic, message string) *rpcError {
	return &rpcError{code: codeAuth, mnemonic: mnemonic, message: message}
}

// JSON-RPC error codes (providers/uis.md section 5).
const (
	codeParse          = -32700
	codeInvalidRequest = -32600
	codeMethod         = -32601
	codeParams         = -32602
	codeInternal       = -32603
	codeAuth           = -32001
	codeAccess         = -32003
	codeLimit          = -32029
	codeUnsupported    = -32099
)

// rpcError is a JSON-RPC error reply.
type rpcError struct {
	code              int
	mnemonic, message string
	field             string // "" = no field key
	value             any    // nil = no value key
	params            object // nil = {}
	// limits, when set, replaces the current buckets in data.metadata.limits.
	limits object
}

func missing(field string) *rpcError {
	return &rpcError{code: codeParams, mnemonic: "required_parameter_missed",
		message: "The required parameter has been missed", field: field}
}

func typeError(field string, raw json.RawMessage) *rpcError {
	return &rpcError{code: codeParams, mnemonic: "data_type_error", message: "Data supplied is of wrong type",
		field: field, value: rawJSON(raw)}
}

func invalidValue(field string, value any) *rpcError {
	return &rpcError{code: codeParams, mnemonic: "invalid_parameter_value", message: "Invalid parameter value",
		field: field, value: value}
}

func unexpected(field string) *rpcError {
	return &rpcError{code: codeParams, mnemonic: "unexpected_parameters", message: "Unexpected method parameter(s)",
		field: field}
}

// writeError sends a JSON-RPC error with HTTP 200; data carries the mnemonic, field and
// value when set, params and metadata.limits.
func (s *Server) writeError(resp *response, id rawJSON, e *rpcError) {
	data := object{{"mnemonic", e.mnemonic}}
	if e.field != "" {
		data = append(data, kv{"field", e.field})
	}
	if e.value != nil {
		data = append(data, kv{"value", e.value})
	}
	params := e.params
	if params == nil {
		params = object{}
	}
	limits := e.limits
	if limits == nil {
		limits = s.limitsNow()
	}
	data = append(data, kv{"params", params}, kv{"metadata", object{{"limits", limits}}})
	resp.send(object{{"jsonrpc", "2.0"}, {"id", id},
		{"error", object{{"code", e.code}, {"message", e.message}, {"data", data}}}})
}

// response writes one reply; with truncate it declares the full Content-Length, sends
// half the body and lets the connection close.
type response struct {
	w        http.ResponseWriter
	truncate bool
}

const (
	contentTypeJSON = "application/json; charset=UTF-8"
	contentTypeHTML = "text/html; charset=utf-8"
)

func (resp *response) send(body object) {
	resp.raw(http.StatusOK, contentTypeJSON, appendJSON(make([]byte, 0, 4096), body))
}

func (resp *response) raw(status int, contentType string, b []byte) {
	h := resp.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	resp.w.WriteHeader(status)
	if resp.truncate {
		_, _ = resp.w.Write(b[:len(b)/2])
		if f, ok := resp.w.(http.Flusher); ok {
			f.Flush()
		}
		return
	}
	_, _ = resp.w.Write(b)
}
