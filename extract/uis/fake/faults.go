package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// FaultKind selects what an injected Fault does to the requests it matches.
type FaultKind int

// The fault kinds. Terminal faults answer the request themselves; the others change
// how it is served.
const (
	// Status5xx answers Fault.Status (503 when 0) with a load balancer's HTML page.
	// Terminal.
	Status5xx FaultKind = iota + 1
	// Slow waits Fault.Delay, then serves normally (a cancelled request ends the wait).
	Slow
	// Truncate serves normally but declares the full Content-Length, sends half the body
	// and closes the connection: the client reads an unexpected EOF.
	Truncate
	// NonJSON answers 200 with an HTML maintenance page. Terminal.
	NonJSON
	// RPCError answers a JSON-RPC error with Fault.Code, Fault.Mnemonic and
	// Fault.Message (defaults -32603, internal_error, "Internal error, contact the
	// support service"), the request id echoed. Terminal.
	RPCError
	// ExpireSessionBefore expires every session key (ExpireSessions) before serving, so
	// a request with one gets -32001 access_token_expired.
	ExpireSessionBefore
	// LimitExceeded answers -32029 limit_exceeded for Fault.LimitType ("minute" when
	// empty, or "day") with Fault.Reset seconds to reset (the bucket's real reset when
	// 0) and that bucket's remaining shown as 0. Terminal.
	LimitExceeded
	// ChangeDataBetweenPages inserts Fault.N (1 when 0) new employees before the lowest
	// id, or with Fault.Delete removes the N employees with the lowest ids (never the
	// owner), before serving: offset paging repeats or skips rows and total_items
	// changes. The change lasts until SetDay.
	ChangeDataBetweenPages
)

var faultKindNames = map[FaultKind]string{
	Status5xx: "Status5xx", Slow: "Slow", Truncate: "Truncate", NonJSON: "NonJSON", RPCError: "RPCError",
	ExpireSessionBefore: "ExpireSessionBefore", LimitExceeded: "LimitExceeded",
	ChangeDataBetweenPages: "ChangeDataBetweenPages",
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
	// Method is the JSON-RPC method the fault applies to ("get.employees"); "" matches
	// every request, including unparsable ones.
	Method string
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
	// Code, Mnemonic and Message are the error of RPCError.
	Code              int
	Mnemonic, Message string
	// LimitType ("minute" or "day") and Reset (seconds) shape LimitExceeded.
	LimitType string
	Reset     int
	// N and Delete shape ChangeDataBetweenPages.
	N      int
	Delete bool
}

// Inject queues a fault. Several faults may apply to one request; each counts its
// matching requests on its own. Inject is safe for concurrent use.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults.Add(f, f.Method, f.After, f.Times)
	s.mu.Unlock()
}

// PendingFaults returns how many injected faults have not been used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Len()
}

// takeFaults returns the faults that apply to a request for method and drops the used
// up ones. The caller holds s.mu.
func (s *Server) takeFaults(method string) []Fault {
	return s.faults.Take(method)
}

// requestID reads the id of a body for fault replies (null when unreadable).
func requestID(body []byte) rawJSON {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return nullID
	}
	if id, ok := env["id"]; ok && len(id) > 0 && (id[0] == '"' || id[0] == '-' || (id[0] >= '0' && id[0] <= '9')) {
		return rawJSON(id)
	}
	return nullID
}

// writeFault answers a request with a terminal fault.
func (s *Server) writeFault(resp *response, f *Fault, body []byte) {
	switch f.Kind {
	case Status5xx:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		resp.raw(status, contentTypeHTML, []byte(gatewayPage(status)))
	case NonJSON:
		resp.raw(http.StatusOK, contentTypeHTML, []byte(maintenancePage))
	case RPCError:
		e := &rpcError{code: f.Code, mnemonic: f.Mnemonic, message: f.Message}
		if e.code == 0 {
			e.code = codeInternal
		}
		if e.mnemonic == "" {
			e.mnemonic = "internal_error"
		}
		if e.message == "" {
			e.message = "Internal error, contact the support service"
		}
		s.writeError(resp, requestID(body), e)
	case LimitExceeded:
		lt := f.LimitType
		if lt != "day" {
			lt = "minute"
		}
		limits := s.limitsNow()
		maxValue := s.opts.MinutePoints
		if lt == "day" {
			maxValue = s.opts.DayPoints
		}
		limits = setKey(limits, lt+"_remaining", 0)
		if f.Reset > 0 {
			limits = setKey(limits, lt+"_reset", f.Reset)
		}
		s.writeError(resp, requestID(body), limitError(lt, maxValue, limits))
	default:
		s.writeError(resp, requestID(body), &rpcError{code: codeInternal, mnemonic: "internal_error",
			message: "fake: unknown fault kind " + f.Kind.String()})
	}
}

func gatewayPage(status int) string {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

const maintenancePage = `<!DOCTYPE html>
<html lang="ru">
<head><meta charset="utf-8"><title>Технические работы</title></head>
<body>
<h1>Ведутся технические работы</h1>
<p>Data API временно недоступен. Попробуйте позже.</p>
</body>
</html>
`
