package fake

import (
	"strconv"
	"time"
)

// msk is the account time zone (Europe/Moscow, UTC+3 without DST since 2014), fixed so
// that the fake needs no tzdata.
var msk = time.FixedZone("MSK", 3*3600)

// buckets are the account's point budgets: one per clock minute and one per day
// (midnight to midnight in AccountTimezone), on Options.Now.
type buckets struct {
	minute    time.Time // start of the current minute window
	minuteUse int
	day       time.Time // start of the current day window
	dayUse    int
}

// roll starts new windows when the clock has left the current ones. The caller holds
// s.mu.
func (s *Server) roll(now time.Time) {
	m := now.Truncate(time.Minute)
	if !m.Equal(s.limits.minute) {
		s.limits.minute, s.limits.minuteUse = m, 0
	}
	l := now.In(msk)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, msk)
	if !d.Equal(s.limits.day) {
		s.limits.day, s.limits.dayUse = d, 0
	}
}

// limitsObject renders metadata.limits. The caller holds s.mu.
func (s *Server) limitsObject(now time.Time) object {
	minuteReset := int(s.limits.minute.Add(time.Minute).Sub(now).Seconds() + 0.999)
	dayReset := int(s.limits.day.AddDate(0, 0, 1).Sub(now).Seconds() + 0.999)
	return object{
		{"day_limit", s.opts.DayPoints},
		{"day_remaining", max(s.opts.DayPoints-s.limits.dayUse, 0)},
		{"day_reset", dayReset},
		{"minute_limit", s.opts.MinutePoints},
		{"minute_remaining", max(s.opts.MinutePoints-s.limits.minuteUse, 0)},
		{"minute_reset", minuteReset},
	}
}

// limitsNow renders the current metadata.limits.
func (s *Server) limitsNow() object {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(now)
	return s.limitsObject(now)
}

// reserve takes cost points from both buckets, or answers -32029 limit_exceeded (the
// day bucket is checked first). Points of a call that fails are given back by refund:
// only successful calls consume points.
func (s *Server) reserve(cost int) *rpcError {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(now)
	switch {
	case s.limits.dayUse+cost > s.opts.DayPoints:
		return limitError("day", s.opts.DayPoints, s.limitsObject(now))
	case s.limits.minuteUse+cost > s.opts.MinutePoints:
		return limitError("minute", s.opts.MinutePoints, s.limitsObject(now))
	}
	s.limits.dayUse += cost
	s.limits.minuteUse += cost
	return nil
}

// refund gives back the points of a call that failed after reserve.
func (s *Server) refund(cost int) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(now)
	s.limits.dayUse = max(s.limits.dayUse-cost, 0)
	s.limits.minuteUse = max(s.limits.minuteUse-cost, 0)
}

// limitError is the -32029 reply for limitType ("minute" or "day"). data.params
// carries limit_type, limit_max_value and limit_reset (seconds until the bucket
// refills; the fake's addition) and data.metadata.limits the buckets.
func limitError(limitType string, maxValue int, limits object) *rpcError {
	reset, _ := limits.get(limitType + "_reset")
	return &rpcError{code: codeLimit, mnemonic: "limit_exceeded",
		message: "Limit per " + limitType + " has been exceeded. Value of current limit per " + limitType +
			" is " + strconv.Itoa(maxValue),
		params: object{{"limit_type", limitType}, {"limit_max_value", maxValue}, {"limit_reset", reset}},
		limits: limits}
}
