package fake

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"time"
)

// rateWindow is Close's rate window: limits count requests per second.
const rateWindow = time.Second

// window counts the requests of one bucket (a key or the organization, per endpoint
// group) in a fixed one-second window that opens with the first request.
type window struct {
	start time.Time
	count int
}

// rateState describes the limit closest to being hit, for the headers and the 429 body.
type rateState struct {
	limit, remaining int
	reset            time.Duration
	typ              string // "key" or "org"
	legacy           bool
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}

func (rs rateState) setHeaders(h http.Header) {
	// Set directly to keep Close's spelling; Header.Set would send "Ratelimit".
	h["RateLimit"] = []string{"limit=" + itoa(rs.limit) + ", remaining=" + itoa(rs.remaining) +
		", reset=" + strconv.FormatInt(ceilSeconds(rs.reset), 10)}
	if rs.legacy {
		h.Set("X-Rate-Limit-Limit", itoa(rs.limit))
		h.Set("X-Rate-Limit-Remaining", itoa(rs.remaining))
		h.Set("X-Rate-Limit-Reset", strconv.FormatFloat(rs.reset.Seconds(), 'f', 6, 64))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// bucket returns the current window of a bucket, opening a new one when the last has
// expired. The caller holds s.mu.
func (s *Server) bucket(name string, now time.Time) *window {
	w := s.windows[name]
	if w == nil {
		w = &window{start: now}
		s.windows[name] = w
	}
	if !now.Before(w.start.Add(rateWindow)) {
		w.start, w.count = now, 0
	}
	return w
}

func (s *Server) limits() (perKey int, unlimited bool) {
	if s.opts.RateLimit <= 0 {
		return nominalLimit, true
	}
	return s.opts.RateLimit, false
}

// admit counts a request of an accepted key against its key and organization buckets.
// It reports false, with the exhausted limit, when either is used up.
func (s *Server) admit(key, group string) (rateState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	perKey, unlimited := s.limits()
	kw := s.bucket("key:"+key+":"+group, now)
	ow := s.bucket("org:"+group, now)
	keyState := rateState{limit: perKey, remaining: perKey - kw.count, reset: kw.start.Add(rateWindow).Sub(now), typ: "key", legacy: s.opts.LegacyHeaders}
	orgState := rateState{limit: 3 * perKey, remaining: 3*perKey - ow.count, reset: ow.start.Add(rateWindow).Sub(now), typ: "org", legacy: s.opts.LegacyHeaders}
	if !unlimited {
		if keyState.remaining <= 0 {
			keyState.remaining = 0
			return keyState, false
		}
		if orgState.remaining <= 0 {
			orgState.remaining = 0
			return orgState, false
		}
	}
	kw.count++
	ow.count++
	keyState.remaining = max(keyState.remaining-1, 0)
	orgState.remaining = max(orgState.remaining-1, 0)
	if orgState.remaining*keyState.limit < keyState.remaining*orgState.limit {
		return orgState, true
	}
	return keyState, true
}

// peekRate describes a bucket without counting a request (for replies that are not
// served: faults, 401, 404). Unknown keys get a fresh window.
func (s *Server) peekRate(key, group string) rateState {
	perKey, _ := s.limits()
	st := rateState{limit: perKey, remaining: perKey, reset: rateWindow, typ: "key", legacy: s.opts.LegacyHeaders}
	if !s.keys[key] {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if w := s.windows["key:"+key+":"+group]; w != nil && now.Before(w.start.Add(rateWindow)) {
		st.remaining = max(perKey-w.count, 0)
		st.reset = w.start.Add(rateWindow).Sub(now)
	}
	return st
}

// endpointGroup returns the hex id Close gives an endpoint group in 429 replies.
func (s *Server) endpointGroup(group string) string {
	sum := md5.Sum([]byte(s.orgID + ":" + group))
	return hex.EncodeToString(sum[:])
}

// writeRateLimited sends Close's 429:
// {"error": {"message": ..., "rate_reset": 0.870663, "rate_limit": 40, "rate_window": 1,
// "rate_limit_type": "key", "rate_endpoint_group": "<hex>"}}.
func (s *Server) writeRateLimited(resp *response, rs rateState, group string) {
	if s.opts.RetryAfterHeader {
		resp.w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(rs.reset), 10))
	}
	seconds := rs.reset.Seconds()
	resp.json(http.StatusTooManyRequests, func(w *jw) {
		w.open('{')
		w.key("error")
		w.open('{')
		w.key("message")
		w.str("API call count exceeded for this " + itoa(int(rateWindow/time.Second)) + " second window")
		w.key("rate_reset")
		if s.opts.RateResetAsString {
			w.str(strconv.FormatFloat(seconds, 'f', 6, 64))
		} else {
			w.float(seconds)
		}
		w.key("rate_limit")
		w.num(int64(rs.limit))
		w.key("rate_window")
		w.num(int64(rateWindow / time.Second))
		w.key("rate_limit_type")
		w.str(rs.typ)
		w.key("rate_endpoint_group")
		w.str(s.endpointGroup(group))
		w.close('}')
		w.close('}')
	})
}
