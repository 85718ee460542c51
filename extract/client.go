package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"golang.org/x/time/rate"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRetries   = 5
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultMaxHint      = 5 * time.Minute
	DefaultMaxBodyBytes = 32 << 20
	DefaultUserAgent    = "roster"
)

// messageLimit is how many characters of a provider message an error keeps.
const messageLimit = 200

// ClientConfig configures the shared HTTP client. The zero value of every field means its
// default.
type ClientConfig struct {
	// Source is the configured source name; every error names it.
	Source string
	// Timeout bounds one attempt (connect, headers and body); default 30s.
	Timeout time.Duration
	// MaxRetries is how many times a retryable failure is tried again after the first
	// attempt; 0 means the default 5, a negative value means no retries.
	MaxRetries int
	// MinBackoff is the first retry's wait and the floor of every wait, so that a zero or
	// negative provider hint never becomes a hot loop; default 250ms.
	MinBackoff time.Duration
	// MaxBackoff caps the exponential backoff and every provider hint (Retry-After, reset
	// headers, pacing); default 30s.
	MaxBackoff time.Duration
	// MaxHint is the longest provider hint worth waiting out: a rate limit that asks for
	// more (a daily quota that resets in hours) fails the request at once, with the
	// provider's hint in the error, instead of retrying into the same wall; default 5m.
	MaxHint time.Duration
	// MaxRPS is a local ceiling on requests per second (a token bucket with burst 1 per
	// Client); 0 means no local limit.
	MaxRPS float64
	// MaxBodyBytes bounds a reply body; a larger reply fails with ErrTooLarge and is not
	// retried; default 32 MiB.
	MaxBodyBytes int64
	// Transport sends the requests; nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// SpoolDir is where the reply of a Spool request is written when it is larger than
	// SpoolHead; "" means os.TempDir(). A sync points it at the source's staging
	// directory.
	SpoolDir string
	// Classify turns a reply into nil (success) or a typed error (*APIError,
	// *RateLimitError, ...). It is called for every reply, 2xx included, so that providers
	// which report errors with HTTP 200 can say so. nil means DefaultClassify.
	Classify func(resp *http.Response, body []byte) error
	// Pace, if set, is called for every reply and returns how long to wait before the next
	// request of this Client (e.g. Close "RateLimit: remaining=0, reset=2"). The wait is
	// capped by MaxBackoff and counted as throttled time.
	Pace func(resp *http.Response, body []byte) time.Duration
	// Sleep waits d or until ctx is done; nil means a real, context-aware sleep. Tests
	// inject a fast fake together with a fake Now that it advances: the MaxRPS limiter
	// measures time with Now, so a fake Sleep on the real clock makes its waits grow.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for the rate limiter, pacing deadlines and HTTP dates; nil
	// means time.Now. A fake Sleep should advance a fake Now.
	Now func() time.Time
	// Secrets, if set, lists the source's secrets (keys, tokens, passwords, in every form
	// they travel in). Every error a reply produces has them replaced by "[redacted]"
	// after decoding, so a provider echoing a secret back — even JSON-escaped — cannot
	// put it in a message.
	Secrets func() []string
	// UserAgent is sent with every request; default "roster".
	UserAgent string
}

// Request is one logical request; Do may send it several times.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Op is how errors describe the request; default "METHOD path?query". Callers whose
	// URL carries a secret (a signature, a token in the query) pass an Op without it.
	Op string
	// Spool asks for a reply larger than SpoolHead to be written to a file in SpoolDir
	// instead of held in memory: a listing of a whole directory in one reply (hundreds of
	// megabytes) is then read from disk as it is decoded. The reply is read whole before
	// it is returned, so a connection lost halfway is retried as any other; Classify and
	// Pace see only its first SpoolHead bytes. The caller must Close the Response.
	Spool bool
}

// SpoolHead is how much of a spooled reply is held in memory: a reply no larger is never
// written to disk, and Classify and Pace see this much of a larger one.
const SpoolHead = 1 << 20

// Response is a reply that the classifier accepted. Body is the whole body, unless the
// reply was spooled (Request.Spool): then Body is its head and Open reads the whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte

	file *os.File // the spooled body, already unlinked; nil when Body is whole
	size int64
}

// Spooled reports whether the body was written to disk, Body holding only its head.
func (r *Response) Spooled() bool { return r.file != nil }

// Open returns a reader of the whole body, from its first byte; every call starts over.
func (r *Response) Open() io.Reader {
	if r.file == nil {
		return bytes.NewReader(r.Body)
	}
	// Buffered: JSON decoders read a few hundred bytes at a time, each a system call on
	// the file (1.5 s of a million users' incremental night went to pread).
	return bufio.NewReaderSize(io.NewSectionReader(r.file, 0, r.size), spoolReadBuffer)
}

// spoolReadBuffer is the read size of a spooled body.
const spoolReadBuffer = 256 << 10

// Close releases the spooled body's file; it is a no-op for a reply held in memory.
func (r *Response) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// Client is the HTTP client every provider shares: per-attempt timeouts, retries with
// exponential backoff and jitter, provider throttle hints, a local rate limit, bounded
// reply sizes and transport counters. A Client is safe for concurrent use.
type Client struct {
	cfg     ClientConfig
	http    *http.Client
	limiter *rate.Limiter

	paceMu    sync.Mutex
	paceUntil time.Time

	pages       atomic.Int64
	requests    atomic.Int64
	retries     atomic.Int64
	throttledNS atomic.Int64
}

// NewClient returns a Client with cfg's defaults filled in.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxHint <= 0 {
		cfg.MaxHint = DefaultMaxHint
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.Classify == nil {
		cfg.Classify = DefaultClassify
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	c := &Client{cfg: cfg, http: &http.Client{Transport: cfg.Transport, CheckRedirect: sameHostRedirects}}
	if cfg.MaxRPS > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.MaxRPS), 1)
	}
	return c
}

// Source is the source name the client's errors carry.
func (c *Client) Source() string { return c.cfg.Source }

// CountPage counts one list page read; providers call it once per page.
func (c *Client) CountPage() { c.pages.Add(1) }

// Stats reports the counters accumulated so far.
func (c *Client) Stats() Stats {
	return Stats{
		Pages:       c.pages.Load(),
		Requests:    c.requests.Load(),
		Retries:     c.retries.Load(),
		ThrottledMS: c.throttledNS.Load() / int64(time.Millisecond),
	}
}

// GetJSON sends a GET request and decodes its JSON reply into out.
func (c *Client) GetJSON(ctx context.Context, rawURL string, header http.Header, out any) error {
	return c.DoJSON(ctx, Request{Method: http.MethodGet, URL: rawURL, Header: header}, out)
}

// DoJSON sends req and decodes its JSON reply into out. A reply that does not decode
// fails with an error matching ErrMalformed that quotes the start of the body.
func (c *Client) DoJSON(ctx context.Context, req Request, out any) error {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &SourceError{Source: c.cfg.Source, Op: c.op(req), Err: MalformedError(err, resp.Body)}
	}
	return nil
}

// MalformedError is the error of a reply that did not decode as expected: it matches
// ErrMalformed and quotes the start of the body, e.g.
// `malformed reply: invalid character '<' ... (body starts "<html>...")`.
func MalformedError(err error, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: %s (empty body)", ErrMalformed, Snippet(err.Error(), messageLimit))
	}
	return fmt.Errorf("%w: %s (body starts %q)", ErrMalformed, Snippet(err.Error(), messageLimit), Snippet(string(body), 64))
}

// Do sends req, retrying what is retryable, and returns the reply the classifier
// accepted. Every error it returns is a *SourceError naming the source and req's Op, and
// wraps a typed cause (*APIError, *RateLimitError, *TransportError, ErrTooLarge or the
// caller's context error).
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	op := c.op(req)
	fail := func(err error) (*Response, error) {
		return nil, &SourceError{Source: c.cfg.Source, Op: op, Err: err}
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			wait, throttled := c.retryWait(attempt-1, lastErr)
			c.retries.Add(1)
			if err := c.cfg.Sleep(ctx, wait); err != nil {
				return fail(cancelled(ctx, err, lastErr))
			}
			if throttled {
				c.throttledNS.Add(int64(wait))
			}
		}
		if err := c.throttle(ctx); err != nil {
			return fail(cancelled(ctx, err, lastErr))
		}
		resp, err := c.attempt(ctx, req)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return fail(cancelled(ctx, ctx.Err(), lastErr))
		}
		lastErr = err
		if !Retryable(err) {
			return fail(err)
		}
		if rl := (*RateLimitError)(nil); errors.As(err, &rl) && rl.RetryAfter > c.cfg.MaxHint {
			return fail(fmt.Errorf("%w: not waiting that long (roster waits at most %s); the next run will try again", err, c.cfg.MaxHint))
		}
		if attempt >= c.cfg.MaxRetries {
			if attempt == 0 {
				return fail(err)
			}
			return fail(fmt.Errorf("%w (after %d attempts)", err, attempt+1))
		}
	}
}

// attempt sends req once and classifies the reply.
func (c *Client) attempt(ctx context.Context, req Request) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, method, req.URL, body)
	if err != nil {
		return nil, fmt.Errorf("invalid request: %w", stripURL(err))
	}
	for k, vs := range req.Header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}

	c.requests.Add(1)
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.transportError(actx, err)
	}
	defer hresp.Body.Close()
	if hresp.ContentLength > c.cfg.MaxBodyBytes {
		return nil, c.tooLarge(hresp.ContentLength)
	}
	var data []byte
	var spool *os.File
	var size int64
	if req.Spool {
		data, spool, size, err = c.spoolBody(hresp.Body, hresp.ContentLength)
	} else {
		data, err = readBody(hresp.Body, hresp.ContentLength, c.cfg.MaxBodyBytes)
		size = int64(len(data))
	}
	if err != nil {
		if errors.Is(err, errSpoolFile) {
			return nil, err
		}
		return nil, c.transportError(actx, err)
	}
	if size > c.cfg.MaxBodyBytes {
		closeFile(spool)
		return nil, c.tooLarge(-1)
	}
	if c.cfg.Pace != nil {
		c.pace(c.cfg.Pace(hresp, data))
	}
	if err := c.cfg.Classify(hresp, data); err != nil {
		closeFile(spool)
		return nil, c.scrub(err)
	}
	return &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: data, file: spool, size: size}, nil
}

// errSpoolFile marks a failure to write a spooled reply to disk: not the provider's
// fault, and not retried.
var errSpoolFile = errors.New("spooling the reply to disk")

// spoolBody reads a reply body of at most MaxBodyBytes (and one byte more, to tell a
// larger one) keeping its first SpoolHead bytes in memory and, when it is longer, the
// whole of it in a file of SpoolDir. The file is unlinked as soon as it is created, so
// nothing is left behind whatever happens to the process.
func (c *Client) spoolBody(r io.Reader, length int64) (head []byte, file *os.File, size int64, err error) {
	limited := io.LimitReader(r, c.cfg.MaxBodyBytes+1)
	head, err = readBody(limited, min(length, SpoolHead), SpoolHead) // SpoolHead+1 at most
	if err != nil || len(head) <= SpoolHead {
		return head, nil, int64(len(head)), err
	}
	file, err = os.CreateTemp(c.cfg.SpoolDir, "roster-reply-*.json")
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %w", errSpoolFile, err)
	}
	os.Remove(file.Name()) // the open file stays readable
	w := &spoolWriter{f: file}
	n, err := io.Copy(w, io.MultiReader(bytes.NewReader(head), limited))
	if err != nil {
		file.Close()
		if w.err != nil {
			return nil, nil, 0, fmt.Errorf("%w: %w", errSpoolFile, w.err)
		}
		return nil, nil, 0, err
	}
	return head[:SpoolHead:SpoolHead], file, n, nil
}

// spoolWriter writes to a spool file and keeps its error, to tell it from the reply's.
type spoolWriter struct {
	f   *os.File
	err error
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// closeFile closes f unless it is nil.
func closeFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}

func (c *Client) tooLarge(n int64) error {
	if n >= 0 {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, c.cfg.MaxBodyBytes)
	}
	return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.cfg.MaxBodyBytes)
}

// transportError classifies a failure to send or read: per-attempt timeouts, connection
// errors and truncated bodies are retryable.
func (c *Client) transportError(actx context.Context, err error) error {
	err = stripURL(err)
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return &TransportError{Err: fmt.Errorf("%w after %s", ErrTimeout, c.cfg.Timeout), Retryable: true}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &TransportError{Err: fmt.Errorf("truncated reply: %w", err), Retryable: true}
	}
	if errors.Is(err, ErrRedirect) {
		return &TransportError{Err: err, Retryable: false}
	}
	return &TransportError{Err: err, Retryable: true}
}

// ErrRedirect means a provider redirected a request somewhere roster will not follow.
var ErrRedirect = errors.New("redirect refused")

// sameHostRedirects follows at most 3 redirects, and only to the same scheme and host:
// credentials (Basic keys, bearer tokens, signed queries) are never sent to another host,
// and an API that suddenly points elsewhere is a misconfiguration to report, not follow.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		return fmt.Errorf("%w: the provider redirected to %s://%s; check base_url", ErrRedirect, req.URL.Scheme, req.URL.Host)
	}
	if len(via) > 3 {
		return fmt.Errorf("%w: more than 3 redirects", ErrRedirect)
	}
	return nil
}

// stripURL drops the *url.Error wrapper, whose message repeats the whole URL (and any
// secret in its query); the request's Op says which request failed.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// cancelled is the error of a Do that the caller's context ended.
func cancelled(ctx context.Context, err, lastErr error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if lastErr != nil {
		return fmt.Errorf("%w (last error: %v)", err, lastErr)
	}
	return err
}

// Retryable reports whether Do tries err again: rate limits, retryable API errors and
// transport failures are; authentication errors, other client errors, oversized replies
// and context errors are not.
func Retryable(err error) bool {
	if errors.Is(err, ErrAuth) || errors.Is(err, ErrTooLarge) {
		return false
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return true
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Retryable
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Retryable
	}
	return false
}

// retryWait is the wait before retry n (0 for the first retry) after err, and whether it
// counts as throttled time.
func (c *Client) retryWait(n int, err error) (time.Duration, bool) {
	minB, maxB := c.cfg.MinBackoff, c.cfg.MaxBackoff
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > 0 {
		d := max(minB, min(rl.RetryAfter, maxB))
		// A little jitter so that concurrent clients do not return in lockstep.
		d += time.Duration(rand.Int64N(int64(d/10) + 1))
		return min(d, maxB), true
	}
	d := maxB
	if n < 62 {
		if m := minB << n; m > 0 && m>>n == minB && m < maxB {
			d = m
		}
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	return max(d, minB), rl != nil
}

// throttle waits for a pending pacing deadline and the local rate limit.
func (c *Client) throttle(ctx context.Context) error {
	c.paceMu.Lock()
	until := c.paceUntil
	c.paceMu.Unlock()
	if d := until.Sub(c.cfg.Now()); d > 0 {
		if err := c.cfg.Sleep(ctx, d); err != nil {
			return err
		}
		c.throttledNS.Add(int64(d))
		// The wait is served: clear it unless a newer reply moved it, so that a clock
		// that did not see the sleep cannot make every later request wait again.
		c.paceMu.Lock()
		if c.paceUntil.Equal(until) {
			c.paceUntil = time.Time{}
		}
		c.paceMu.Unlock()
	}
	if c.limiter == nil {
		return nil
	}
	now := c.cfg.Now()
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if err := c.cfg.Sleep(ctx, d); err != nil {
			r.CancelAt(c.cfg.Now())
			return err
		}
		c.throttledNS.Add(int64(d))
	}
	return nil
}

// pace moves the pacing deadline to d from now (capped by MaxBackoff), never earlier.
func (c *Client) pace(d time.Duration) {
	if d <= 0 {
		return
	}
	until := c.cfg.Now().Add(min(d, c.cfg.MaxBackoff))
	c.paceMu.Lock()
	if until.After(c.paceUntil) {
		c.paceUntil = until
	}
	c.paceMu.Unlock()
}

// op is the request's description in errors.
func (c *Client) op(req Request) string {
	if req.Op != "" {
		return req.Op
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return method + " (invalid URL)"
	}
	return method + " " + u.RequestURI()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DefaultClassify is the classifier of providers that use HTTP status codes plainly: 2xx
// is success; 429 is a *RateLimitError with the Retry-After (or RateLimit-Reset) hint;
// 401/403 an *APIError of Kind ErrAuth; 5xx a retryable *APIError; any other status a
// non-retryable *APIError. Messages come from a JSON body's "error" or "message" field,
// else from the start of the body.
func DefaultClassify(resp *http.Response, body []byte) error {
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		return nil
	}
	msg := BodyMessage(body)
	if status == http.StatusTooManyRequests {
		hint, _ := RetryAfterHint(resp.Header, ResponseTime(resp))
		return &RateLimitError{Status: status, RetryAfter: hint, Message: msg}
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &APIError{Status: status, Message: msg}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrAuth
	case status >= 500:
		e.Retryable = true
	}
	return e
}

// RetryAfterHint reads the standard throttle hints of a reply: Retry-After, then
// RateLimit-Reset (delta seconds).
func RetryAfterHint(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := ParseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, true
	}
	return ParseRetryAfter(h.Get("RateLimit-Reset"), now)
}

// ResponseTime is the server's notion of now for a reply: its Date header, else the local
// clock. Absolute Retry-After dates are measured against it, so clock skew does not
// lengthen or shorten a wait.
func ResponseTime(resp *http.Response) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t
	}
	return time.Now()
}

// ParseRetryAfter reads a Retry-After style value: delta seconds (an integer or a
// decimal fraction) or a date (HTTP-date or RFC 3339), measured from now. A date in the
// past gives 0; an empty, negative or unparsable value gives false.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < 0 {
			return 0, false
		}
		return Seconds(secs), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, v)
	}
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// Seconds converts a non-negative number of seconds to a Duration, saturating instead of
// overflowing.
func Seconds(secs float64) time.Duration {
	if secs <= 0 || math.IsNaN(secs) {
		return 0
	}
	if secs >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(secs * float64(time.Second))
}

// BodyMessage extracts a readable one-line message from an error body: the "error" field
// (a string, or an object with "message"), the "message" field, or the start of the body.
func BodyMessage(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	if trimmed[0] == '{' {
		var fields struct {
			Error   json.RawMessage `json:"error"`
			Message json.RawMessage `json:"message"`
		}
		if json.Unmarshal(trimmed, &fields) == nil {
			if s := jsonText(fields.Error); s != "" {
				return Snippet(s, messageLimit)
			}
			var nested struct {
				Message json.RawMessage `json:"message"`
			}
			if json.Unmarshal(fields.Error, &nested) == nil {
				if s := jsonText(nested.Message); s != "" {
					return Snippet(s, messageLimit)
				}
			}
			if s := jsonText(fields.Message); s != "" {
				return Snippet(s, messageLimit)
			}
		}
	}
	return Snippet(string(trimmed), messageLimit)
}

// jsonText is raw when it is a JSON string, else "".
func jsonText(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Snippet makes s one readable line of at most limit characters: control characters and
// runs of white space become one space, invalid UTF-8 is replaced and a cut is marked "...".
func Snippet(s string, limit int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			if n+1 >= limit {
				return b.String() + "..."
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		if n >= limit {
			return b.String() + "..."
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// scrub replaces the source's secrets in the decoded texts of a reply's error.
func (c *Client) scrub(err error) error {
	if c.cfg.Secrets == nil {
		return err
	}
	secrets := c.cfg.Secrets()
	clean := func(s string) string {
		for _, secret := range secrets {
			if secret != "" {
				s = strings.ReplaceAll(s, secret, "[redacted]")
			}
		}
		return s
	}
	var api *APIError
	if errors.As(err, &api) {
		api.Message, api.Code = clean(api.Message), clean(api.Code)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		rl.Message = clean(rl.Message)
	}
	return err
}

// readBody reads at most limit+1 bytes of r. A known length sizes the buffer once, so a
// large reply is neither copied through a chain of growing buffers nor held twice.
func readBody(r io.Reader, length, limit int64) ([]byte, error) {
	if length < 0 || length > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead+1))
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	return buf.Bytes(), err
}
