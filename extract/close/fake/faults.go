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
	// JSON body; 502, 503 and 504 have the HTML page a load balancer sends. Terminal.
	Status5xx FaultKind = iota + 1
	// RateLimited answers 429 in Close's format with rate_reset = Fault.RateReset
	// seconds (1 when 0; a negative value sends 0). Terminal.
	RateLimited
	// Slow waits Fault.Delay before serving the request normally (a cancelled request
	// context ends the wait and the request).
	Slow
	// Truncate serves the normal reply but declares its full Content-Length, sends only
	// half the body and closes the connection: the client sees an unexpected EOF.
	Truncate
	// NonJSON answers 200 with an HTML maintenance page. Terminal.
	NonJSON
	// Unauthorized answers Close's 401, whatever the credentials. Terminal.
	Unauthorized
	// Forbidden answers 403 {"error": ...}. Terminal.
	Forbidden
	// PaymentRequired answers 402 {"error": ...}. Terminal.
	PaymentRequired
	// InsertUsers inserts Fault.N (1 when 0) new active users at the front of every user
	// ordering before serving the request, so the next offset page repeats users the
	// client has already seen. They stay until SetDay.
	InsertUsers
	// DeleteUsers removes Fault.N (1 when 0) users from the front of the default ordering
	// (the most recently inserted first; never the owner) before serving the request, so
	// the next offset page skips users the client has not seen. They stay away until
	// SetDay.
	DeleteUsers
	// EmptyPageHasMore makes a list endpoint (user/, role/, group/) answer one page
	// {"data": [], "has_more": true}; other endpoints serve normally.
	EmptyPageHasMore
)

var faultKindNames = map[FaultKind]string{
	Status5xx: "Status5xx", RateLimited: "RateLimited", Slow: "Slow", Truncate: "Truncate",
	NonJSON: "NonJSON", Unauthorized: "Unauthorized", Forbidden: "Forbidden",
	PaymentRequired: "PaymentRequired", InsertUsers: "InsertUsers", DeleteUsers: "DeleteUsers",
	EmptyPageHasMore: "EmptyPageHasMore",
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
	// Path is the URL path the fault applies to, e.g. "/api/v1/user/"; "" matches any
	// path and a trailing "*" matches by prefix ("/api/v1/group/*").
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
	// RateReset is the rate_reset of RateLimited, in seconds.
	RateReset float64
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
func (s *Server) writeFault(resp *response, f *Fault, group string) {
	switch f.Kind {
	case Status5xx:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		if status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
			page := gatewayPage(status)
			resp.send(status, "text/html", func(w *jw) { w.b = append(w.b, page...) })
			return
		}
		resp.error(status, "An internal server error occurred. Please try again later.")
	case RateLimited:
		reset := f.RateReset
		switch {
		case reset == 0:
			reset = 1
		case reset < 0:
			reset = 0
		}
		rate := resp.rate
		rate.remaining, rate.reset, rate.typ = 0, time.Duration(reset*float64(time.Second)), "key"
		resp.rate = rate
		s.writeRateLimited(resp, rate, group)
	case NonJSON:
		resp.send(http.StatusOK, "text/html; charset=utf-8", func(w *jw) { w.b = append(w.b, maintenancePage...) })
	case Unauthorized:
		resp.w.Header().Set("WWW-Authenticate", `Basic realm="Close API"`)
		resp.error(http.StatusUnauthorized, unauthorizedMessage)
	case Forbidden:
		resp.error(http.StatusForbidden, "You don't have permission to access this resource.")
	case PaymentRequired:
		resp.error(http.StatusPaymentRequired, "Your organization's plan does not include API access. Please update your subscription.")
	default:
		resp.error(http.StatusInternalServerError, "fake: unknown fault kind "+f.Kind.String())
	}
}

func gatewayPage(status int) string {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n</body>\r\n</html>\r\n"
}

const maintenancePage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Close is down for maintenance</title></head>
<body>
<h1>We&rsquo;ll be right back</h1>
<p>Close is undergoing scheduled maintenance. Please check https://status.close.com for updates.</p>
</body>
</html>
`
