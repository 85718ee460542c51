package fake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// rateWindow is the limiter's window: Options.RateLimit counts requests per second.
const rateWindow = time.Second

// window counts the admitted requests of a fixed one-second window that opens with the
// first request after the last one expired.
type window struct {
	start time.Time
	count int
}

// admit counts a request against Options.RateLimit. When the window is used up it
// reports false and how long until the window ends.
func (s *Server) admit() (bool, time.Duration) {
	if s.opts.RateLimit <= 0 {
		return true, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if s.window.start.IsZero() || !now.Before(s.window.start.Add(rateWindow)) {
		s.window = window{start: now}
	}
	if s.window.count >= s.opts.RateLimit {
		return false, s.window.start.Add(rateWindow).Sub(now)
	}
	s.window.count++
	return true, 0
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}

func itoa(n int) string { return strconv.Itoa(n) }

// writeRateLimited sends 429 with the HTML page an nginx rate limiter sends (Worksection
// documents no limit and no 429 body; a third-party client handles 429 with an optional
// Retry-After). With header set, Retry-After is retry rounded up to whole seconds.
func (s *Server) writeRateLimited(resp *response, retry time.Duration, header bool) {
	if header {
		resp.w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(retry), 10))
	}
	resp.html(http.StatusTooManyRequests, statusPage(http.StatusTooManyRequests))
}

// statusPage is nginx's error page for a status.
func statusPage(status int) string {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}
