package zoomcc

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-etl/roster/extract"
)

// memberWorkers is how many team and queue member lists are read at once. The lists
// are many (two per team and per queue), each read page after page on its own cursor,
// so one list at a time their round trips add up; more at once would only crowd Zoom's
// per-second quota.
const memberWorkers = 4

// quota admits API requests so that those sent at once never outrun Zoom's per-second
// budget: it keeps the X-RateLimit-Remaining of the latest reply and lets several
// requests be in flight only while that many and memberWorkers more remain. Without
// the header (some accounts are said to get none) nothing is known to run short. One
// request is always admitted when none is in flight, so the pacing of the HTTP layer
// (which waits for the next window when none remains) decides when it goes.
//
// Replies of requests sent at once are seen in any order, so within one second (the
// reply's Date, Zoom's QPS window) the budget kept is the least any reply reported; a
// reply of a later second replaces it, one of an earlier second is ignored.
type quota struct {
	mu        sync.Mutex
	inflight  int
	remaining int           // least reported in window; -1 when no reply had the header
	window    time.Time     // the second of the replies remaining comes from
	changed   chan struct{} // closed and replaced whenever a request ends
	// exhausted is the rate limit a request ran into for good (a daily limit, or
	// retries spent): no request is admitted after it.
	exhausted error
}

func newQuota() *quota { return &quota{remaining: -1, changed: make(chan struct{})} }

// acquire waits until a request may be sent; release must follow.
func (q *quota) acquire(ctx context.Context) error {
	for {
		q.mu.Lock()
		if q.exhausted != nil {
			q.mu.Unlock()
			return q.exhausted
		}
		if q.inflight == 0 || (q.inflight < memberWorkers && (q.remaining < 0 || q.remaining-q.inflight > memberWorkers)) {
			q.inflight++
			q.mu.Unlock()
			return nil
		}
		changed := q.changed
		q.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release ends a request admitted by acquire; err is its outcome. A rate limit that
// the HTTP layer gave up on (daily, or retries spent) stops every later request with
// the same error, instead of each being refused in turn.
func (q *quota) release(err error) {
	q.mu.Lock()
	if errors.Is(err, extract.ErrRateLimited) && q.exhausted == nil {
		q.exhausted = err
	}
	q.inflight--
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
}

// observe notes the budget a reply sent at the time at reports
// (extract.ClientConfig.Pace sees every reply).
func (q *quota) observe(resp *http.Response, at time.Time) {
	v := strings.TrimSpace(resp.Header.Get(headerRemaining))
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return
	}
	n, window := max(n, 0), at.Truncate(time.Second)
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.remaining < 0 || window.After(q.window):
		q.remaining, q.window = n, window
	case window.Equal(q.window):
		q.remaining = min(q.remaining, n)
	}
}
