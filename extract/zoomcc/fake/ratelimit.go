package fake

import (
	"net/http"
	"time"
)

// Rate-limit types of the X-RateLimit-Type header.
const (
	rateTypeQPS   = "QPS"
	rateTypeDaily = "Daily-limit"
)

// limiter counts admitted API requests per clock second and per UTC day, for the whole
// account (Zoom's limits are per account, shared by its apps; every Contact Center
// endpoint here is in the Medium category, so there is one bucket).
type limiter struct {
	second   time.Time
	secCount int
	day      time.Time
	dayCount int
}

// rateState is what the X-RateLimit-* headers of one reply say.
type rateState struct {
	// typ is set on 429s: rateTypeQPS or rateTypeDaily.
	typ string
	// limit and remaining are left out when limit is 0 (no limit configured).
	limit, remaining int
	// retryAt is the Retry-After of a daily-limit 429: the next midnight UTC.
	retryAt time.Time
}

func (rs *rateState) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Category", rateCategory)
	if rs.typ != "" {
		h.Set("X-RateLimit-Type", rs.typ)
	}
	if rs.limit > 0 {
		h.Set("X-RateLimit-Limit", itoa(rs.limit))
		h.Set("X-RateLimit-Remaining", itoa(rs.remaining))
	}
	if !rs.retryAt.IsZero() {
		h.Set("Retry-After", rs.retryAt.UTC().Format(zoomTime))
	}
}

// nextMidnight returns the first UTC midnight after t.
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// admit counts an API request against Options.DailyLimit and Options.QPS. When either is
// used up the request is not counted and admit reports false with the 429's headers;
// otherwise it returns the headers of the reply: the per-second bucket when QPS is set,
// else the daily one when DailyLimit is set, else the category alone.
func (s *Server) admit() (*rateState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now().UTC()
	l := &s.limiter
	if sec := now.Truncate(time.Second); !sec.Equal(l.second) {
		l.second, l.secCount = sec, 0
	}
	if day := nextMidnight(now).AddDate(0, 0, -1); !day.Equal(l.day) {
		l.day, l.dayCount = day, 0
	}
	qps, daily := s.opts.QPS, s.opts.DailyLimit
	if daily > 0 && l.dayCount >= daily {
		return &rateState{typ: rateTypeDaily, limit: daily, retryAt: nextMidnight(now)}, false
	}
	if qps > 0 && l.secCount >= qps {
		return &rateState{typ: rateTypeQPS, limit: qps}, false
	}
	l.secCount++
	l.dayCount++
	switch {
	case qps > 0:
		return &rateState{limit: qps, remaining: qps - l.secCount}, true
	case daily > 0:
		return &rateState{limit: daily, remaining: daily - l.dayCount}, true
	}
	return &rateState{}, true
}

// writeRateLimited sends Zoom's 429 for resp.rate's type:
//
//	{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}
//
// or, for the daily limit, the daily message with Retry-After at the next midnight UTC.
func (s *Server) writeRateLimited(resp *response, rs *rateState) {
	resp.rate = rs
	msg := msgQPSLimited
	if rs.typ == rateTypeDaily {
		msg = "You have exceeded the daily rate limit (" + itoa(rs.limit) + ") of " + rateCategory +
			" APIs permitted for your account. You may resume these requests at GMT 00:00:00."
	}
	resp.zoomError(http.StatusTooManyRequests, codeRateLimited, msg)
}

// injectedRate returns the headers of an injected 429 of a type, with the configured
// limit or the nominal one.
func (s *Server) injectedRate(typ string) *rateState {
	if typ == rateTypeDaily {
		limit := s.opts.DailyLimit
		if limit <= 0 {
			limit = NominalDailyLimit
		}
		return &rateState{typ: typ, limit: limit, retryAt: nextMidnight(s.opts.Now())}
	}
	limit := s.opts.QPS
	if limit <= 0 {
		limit = NominalQPS
	}
	return &rateState{typ: typ, limit: limit}
}
