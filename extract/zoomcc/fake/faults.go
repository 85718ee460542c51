package fake

import (
	"net/http"
	"strconv"
	"time"
)

// FaultKind selects what an injected Fault does to the requests it matches.
type FaultKind int

// The fault kinds. "Terminal" faults answer the request themselves; the others change
// how it is served.
const (
	// Status5xx answers with Fault.Status (500, 502, 503 or 504; 503 when 0). 500 has a
	// Zoom JSON body; 502, 503 and 504 the HTML page of a load balancer. Terminal.
	Status5xx FaultKind = iota + 1
	// RateLimitedQPS answers Zoom's per-second 429 with X-RateLimit-Type: QPS. Terminal.
	RateLimitedQPS
	// RateLimitedDaily answers Zoom's daily-limit 429 with X-RateLimit-Type: Daily-limit
	// and Retry-After at the next midnight UTC. Terminal.
	RateLimitedDaily
	// Slow waits Fault.Delay before serving the request normally (a cancelled request
	// context ends the wait and the request).
	Slow
	// Truncate serves the normal reply but declares its full Content-Length, sends only
	// half the body and closes the connection: the client sees an unexpected EOF.
	Truncate
	// NonJSON answers 200 with an HTML maintenance page. Terminal.
	NonJSON
	// ExpireTokenBefore expires every access token issued so far (ExpireTokens) just
	// before the request is served, so it gets 401 code 124 "Access token is expired.".
	ExpireTokenBefore
	// ExpirePageTokenBefore expires every next_page_token issued so far
	// (ExpirePageTokens) just before the request is served, so a request that continues
	// a listing gets 400 code 300.
	ExpirePageTokenBefore
	// ErrorBody answers HTTP 200 with an error body {"code":Fault.Code,"message":
	// Fault.Message} (defaults 300 and "Request failed."), as some Zoom endpoints do.
	// Terminal.
	ErrorBody
	// InsertUsers inserts Fault.N (1 when 0) new active users (synth Extra people) at the
	// front of the user ordering before serving the request, so the next page repeats
	// users the client has already seen. They stay until SetDay.
	InsertUsers
	// DeleteUsers removes Fault.N (1 when 0) users from the front of the user ordering
	// (inserted ones first; never the owner) before serving the request, so the next
	// page skips users the client has not seen. They stay away until SetDay.
	DeleteUsers
)

var faultKindNames = map[FaultKind]string{
	Status5xx: "Status5xx", RateLimitedQPS: "RateLimitedQPS", RateLimitedDaily: "RateLimitedDaily",
	Slow: "Slow", Truncate: "Truncate", NonJSON: "NonJSON", ExpireTokenBefore: "ExpireTokenBefore",
	ExpirePageTokenBefore: "ExpirePageTokenBefore", ErrorBody: "ErrorBody", InsertUsers: "InsertUsers",
	DeleteUsers: "DeleteUsers",
}

// String returns the kind's name.
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is a misbehaviour queued with Inject and consumed by the requests it matches.
type Fault struct {
	// Path is the URL path the fault applies to, e.g. UsersPath or TokenPath; "" matches
	// any path and a trailing "*" matches by prefix ("/v2/contact_center/teams*").
	Path string
	// After lets this many matching requests through unharmed first.
	After int
	// Times is how many matching requests the fault applies to (1 when 0; negative:
	// every matching request from then on).
	Times int
	Kind  FaultKind
	// Status is the HTTP status of Status5xx.
	Status int
	// Delay is the wait of Slow.
	Delay time.Duration
	// Code and Message are the body of ErrorBody.
	Code    int
	Message string
	// N is the number of users InsertUsers or DeleteUsers adds or removes.
	N int
}

// Inject queues a fault. Several faults may apply to one request: each counts its
// matching requests on its own. Inject is safe for concurrent use.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults.Add(f, f.Path, f.After, f.Times)
	s.mu.Unlock()
}

// PendingFaults returns how many injected faults have not been used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Len()
}

// takeFaults returns the faults that apply to a request for path and drops the used up
// ones. The caller holds s.mu.
func (s *Server) takeFaults(path string) []Fault {
	return s.faults.Take(path)
}

// writeFault answers a request with a terminal fault.
func (s *Server) writeFault(resp *response, f *Fault) {
	switch f.Kind {
	case Status5xx:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		if status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
			resp.html(status, gatewayPage(status))
			return
		}
		resp.zoomError(status, status, "Internal Error")
	case RateLimitedQPS:
		s.writeRateLimited(resp, s.injectedRate(rateTypeQPS))
	case RateLimitedDaily:
		s.writeRateLimited(resp, s.injectedRate(rateTypeDaily))
	case NonJSON:
		resp.html(http.StatusOK, maintenancePage)
	case ErrorBody:
		code, msg := f.Code, f.Message
		if code == 0 {
			code = codeValidation
		}
		if msg == "" {
			msg = "Request failed."
		}
		resp.zoomError(http.StatusOK, code, msg)
	default:
		resp.zoomError(http.StatusInternalServerError, 500, "fake: unknown fault kind "+f.Kind.String())
	}
}

func gatewayPage(status int) string {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n</body>\r\n</html>\r\n"
}

const maintenancePage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Zoom is under maintenance</title></head>
<body>
<h1>We'll be back soon</h1>
<p>Zoom is undergoing scheduled maintenance. Please check https://status.zoom.us for updates.</p>
</body>
</html>
`
