// Package fakekit holds what every provider's fake server shares: the queue of injected
// faults and the rule that decides which requests they hit. Fakes import it; provider
// clients never do. It imports nothing of roster.
package fakekit

import "strings"

// Faults is a queue of injected faults of type F. It is not safe for concurrent use:
// the fake holds its own lock around every call.
type Faults[F any] struct {
	items []*pending[F]
}

type pending[F any] struct {
	fault         F
	pattern       string
	after, times  int
	seen, applied int
}

// Add queues f for the requests whose key (a path, an action, a method) matches
// pattern: "" matches every request, "prefix*" matches by prefix, anything else
// exactly. The first after matching requests go through unharmed; then f applies to
// times of them (0 means once, a negative number every one from then on).
func (q *Faults[F]) Add(f F, pattern string, after, times int) {
	if times == 0 {
		times = 1
	}
	q.items = append(q.items, &pending[F]{fault: f, pattern: pattern, after: after, times: times})
}

// Take returns the faults that apply to a request with key, in the order they were
// added, and drops those that are used up. Each fault counts its matching requests on
// its own, so several may apply to one request.
func (q *Faults[F]) Take(key string) []F {
	var out []F
	kept := q.items[:0]
	for _, p := range q.items {
		if Match(p.pattern, key) {
			if p.seen < p.after {
				p.seen++
			} else {
				p.applied++
				out = append(out, p.fault)
			}
		}
		if p.times < 0 || p.applied < p.times {
			kept = append(kept, p)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
	return out
}

// Len is the number of faults not yet used up.
func (q *Faults[F]) Len() int { return len(q.items) }

// Match reports whether key matches pattern ("" any, "prefix*", or exact).
func Match(pattern, key string) bool {
	switch {
	case pattern == "":
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(key, strings.TrimSuffix(pattern, "*"))
	}
	return pattern == key
}
