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
	// Status5xx answers with Fault.Status (500, 502, 503 or 504; 503 when 0): 500 with
	// the empty body of a PHP fatal error, the others with a load balancer's HTML page.
	// Terminal.
	Status5xx FaultKind = iota + 1
	// RateLimited answers HTTP 429 with the rate limiter's page. Retry-After is
	// Fault.RetryAfter seconds when positive, "0" when negative, and when 0 it is sent
	// ("1") only with Options.RetryAfterHeader. Terminal.
	RateLimited
	// Slow waits Fault.Delay before serving the request normally (a cancelled request
	// context ends the wait and the request).
	Slow
	// Truncate serves the normal reply but declares its full Content-Length, sends only
	// half the body and closes the connection: the client sees an unexpected EOF.
	Truncate
	// NonJSON answers 200 with an HTML maintenance page. Terminal.
	NonJSON
	// ErrorEnvelope answers {"status":"error","status_code":Fault.Code,"message":
	// Fault.Message} (plus "message_details" when Fault.Details is set) with HTTP
	// Fault.Status, 200 when 0. Code 0 and an empty Message default to a transient
	// internal error (DefaultErrorCode, DefaultErrorMessage). Terminal.
	ErrorEnvelope
	// NoData answers {"status":"ok"} without a data key, as Worksection does when there
	// is nothing to return. Terminal.
	NoData
	// EmptyData answers {"status":"ok","data":[]}. Terminal.
	EmptyData
)

// Defaults of an ErrorEnvelope fault (fake-only: Worksection's code table is not public).
const (
	DefaultErrorCode    = 10
	DefaultErrorMessage = "Internal error, please try again later"
)

var faultKindNames = map[FaultKind]string{
	Status5xx: "Status5xx", RateLimited: "RateLimited", Slow: "Slow", Truncate: "Truncate",
	NonJSON: "NonJSON", ErrorEnvelope: "ErrorEnvelope", NoData: "NoData", EmptyData: "EmptyData",
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
	// Action is the action the fault applies to, e.g. "get_users"; "" matches every
	// request (requests without an action and to unknown paths included).
	Action string
	// After lets this many matching requests through unharmed first.
	After int
	// Times is how many matching requests the fault applies to (1 when 0; negative:
	// every matching request from then on).
	Times int
	// Kind is what the fault does.
	Kind FaultKind
	// Status is the HTTP status of Status5xx and of ErrorEnvelope.
	Status int
	// RetryAfter is the Retry-After of RateLimited, in seconds (see RateLimited).
	RetryAfter int
	// Delay is the wait of Slow.
	Delay time.Duration
	// Code, Message and Details are the status_code, message and message_details of
	// ErrorEnvelope.
	Code    int
	Message string
	Details string
}

// Inject queues a fault. Several faults may apply to one request: each counts its
// matching requests on its own, and the first terminal one answers. Inject is safe for
// concurrent use.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults.Add(f, f.Action, f.After, f.Times)
	s.mu.Unlock()
}

// PendingFaults returns how many injected faults have not been used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Len()
}

// takeFaults returns the faults that apply to a request for action and drops the used
// up ones. The caller holds s.mu.
func (s *Server) takeFaults(action string) []Fault {
	return s.faults.Take(action)
}

// writeFault answers a request with a terminal fault.
func (s *Server) writeFault(resp *response, f *Fault) {
	switch f.Kind {
	case Status5xx:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		if status == http.StatusInternalServerError {
			resp.html(status, "")
			return
		}
		resp.html(status, statusPage(status))
	case RateLimited:
		var retry time.Duration
		header := s.opts.RetryAfterHeader
		switch {
		case f.RetryAfter > 0:
			retry, header = time.Duration(f.RetryAfter)*time.Second, true
		case f.RetryAfter < 0:
			header = true
		default:
			retry = time.Second
		}
		s.writeRateLimited(resp, retry, header)
	case NonJSON:
		resp.html(http.StatusOK, maintenancePage)
	case ErrorEnvelope:
		status, code, msg := f.Status, f.Code, f.Message
		if status == 0 {
			status = http.StatusOK
		}
		if code == 0 {
			code = DefaultErrorCode
		}
		if msg == "" {
			msg = DefaultErrorMessage
		}
		resp.envelope(status, code, msg, f.Details)
	case NoData:
		resp.json(http.StatusOK, func(w *jw) {
			w.open('{')
			w.field("status", "ok")
			w.close('}')
		})
	case EmptyData:
		resp.json(http.StatusOK, func(w *jw) {
			w.open('{')
			w.field("status", "ok")
			w.key("data")
			w.open('[')
			w.close(']')
			w.close('}')
		})
	default:
		resp.envelope(http.StatusInternalServerError, DefaultErrorCode, "fake: unknown fault kind "+f.Kind.String(), "")
	}
}

const maintenancePage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Worksection: technical maintenance</title></head>
<body>
<h1>Technical maintenance</h1>
<p>Worksection is being updated. We will be back in a few minutes.</p>
</body>
</html>
`
