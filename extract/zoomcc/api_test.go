package zoomcc

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
)

var testNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func reply(status int, header http.Header, authorization string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.zoom.us/v2/contact_center/users", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return &http.Response{StatusCode: status, Header: header, Request: req}
}

func TestClassifyZoomReplies(t *testing.T) {
	t.Parallel()
	cl := classifier{clientID: "cid", secret: "topsecret", now: func() time.Time { return testNow }}
	tests := []struct {
		name          string
		status        int
		header        http.Header
		body          string
		auth          string
		wantNil       bool
		wantKind      error
		wantRetryable bool
		wantCode      string
		wantMsg       string
		wantAfter     time.Duration
	}{
		{name: "a page is success", status: 200, body: `{"next_page_token":"","users":[{"user_id":"a"}]}`, wantNil: true},
		{name: "a page with a nested code field is success", status: 200, body: `{"users":[{"user_id":"a","code":7,"message":"hi"}]}`, wantNil: true},
		{name: "an error object at 200", status: 200, body: `{"code":3001,"message":"Not enabled."}`, wantCode: "3001", wantMsg: "Not enabled."},
		{name: "expired token", status: 401, body: `{"code":124,"message":"Access token is expired."}`, wantKind: extract.ErrAuth, wantCode: "124", wantMsg: "Access token is expired."},
		{name: "forbidden", status: 403, body: `{"code":200,"message":"No permission."}`, wantKind: extract.ErrAuth, wantCode: "200", wantMsg: "No permission."},
		{
			name: "missing scope with unescaped quotes", status: 400,
			body:     `{"code":104,"message":"Invalid access token, does not contain scopes:["contact_center_user:read:admin"]."}`,
			wantKind: extract.ErrAuth, wantCode: "104", wantMsg: `Invalid access token, does not contain scopes:["contact_center_user:read:admin"].`,
		},
		{name: "unknown user", status: 404, body: `{"code":1001,"message":"User does not exist: x."}`, wantCode: "1001", wantMsg: "User does not exist: x."},
		{name: "5xx is retryable", status: 502, body: `<html>Bad Gateway</html>`, wantRetryable: true, wantMsg: "<html>Bad Gateway</html>"},
		{name: "an HTML error page says its title", status: 503, body: "<html>\r\n<head><TITLE>503 Service Unavailable</TITLE></head><body>...</body></html>", wantRetryable: true, wantMsg: "503 Service Unavailable"},
		{name: "empty 500", status: 500, wantRetryable: true, wantMsg: "Internal Server Error"},
		{
			name: "an echoed bearer token is redacted", status: 400, auth: "Bearer tok.en.value",
			body: `{"code":300,"message":"bad request with tok.en.value and topsecret"}`, wantCode: "300",
			wantMsg: "bad request with [redacted] and [redacted]",
		},
		{
			name: "QPS 429 without Retry-After waits a second", status: 429,
			header:   http.Header{"X-Ratelimit-Type": {"QPS"}, "X-Ratelimit-Category": {"Medium"}},
			body:     `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`,
			wantKind: extract.ErrRateLimited, wantAfter: time.Second, wantRetryable: true,
			wantMsg: "You have reached the maximum per-second rate limit for this API. Try again later. (Medium, QPS limit)",
		},
		{
			name: "429 without any header waits a second", status: 429, body: `{"code":429,"message":"Too many requests"}`,
			wantKind: extract.ErrRateLimited, wantAfter: time.Second, wantRetryable: true, wantMsg: "Too many requests",
		},
		{
			name: "Retry-After seconds", status: 429, header: http.Header{"Retry-After": {"2"}},
			wantKind: extract.ErrRateLimited, wantAfter: 2 * time.Second, wantRetryable: true,
		},
		{
			name: "daily limit with an ISO date", status: 429,
			header:   http.Header{"X-Ratelimit-Type": {"Daily-limit"}, "Retry-After": {"2026-03-02T00:00:00Z"}, "Date": {"Sun, 01 Mar 2026 21:00:00 GMT"}},
			wantKind: extract.ErrRateLimited, wantAfter: 3 * time.Hour, wantRetryable: true,
			wantMsg: "Too Many Requests (daily limit, resets 2026-03-02T00:00:00Z)",
		},
		{
			name: "daily limit told by the message alone waits until midnight UTC", status: 429,
			body:     `{"code":429,"message":"You have exceeded the daily rate limit (6000) of Light APIs. You may resume these requests at GMT 00:00:00."}`,
			wantKind: extract.ErrRateLimited, wantAfter: 15 * time.Hour, wantRetryable: true,
			wantMsg: "You have exceeded the daily rate limit (6000) of Light APIs. You may resume these requests at GMT 00:00:00. (daily limit, resets 2026-03-02T00:00:00Z)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := cl.classifyAPI(reply(tc.status, tc.header, tc.auth), []byte(tc.body))
			if tc.wantNil {
				if err != nil {
					t.Fatalf("classify = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("classify = nil, want an error")
			}
			if tc.wantKind != nil && !errors.Is(err, tc.wantKind) {
				t.Errorf("error %v does not match %v", err, tc.wantKind)
			}
			if got := extract.Retryable(err); got != tc.wantRetryable {
				t.Errorf("Retryable = %v, want %v", got, tc.wantRetryable)
			}
			var rl *extract.RateLimitError
			if errors.As(err, &rl) {
				if rl.RetryAfter != tc.wantAfter {
					t.Errorf("RetryAfter %s, want %s", rl.RetryAfter, tc.wantAfter)
				}
				if tc.wantMsg != "" && rl.Message != tc.wantMsg {
					t.Errorf("message\n%q\nwant\n%q", rl.Message, tc.wantMsg)
				}
				return
			}
			var api *extract.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %T is not an APIError", err)
			}
			if api.Code != tc.wantCode || api.Message != tc.wantMsg {
				t.Errorf("code %q message %q, want %q %q", api.Code, api.Message, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func TestClassifyTokenReplies(t *testing.T) {
	t.Parallel()
	cl := classifier{clientID: "cid", secret: "topsecret", now: func() time.Time { return testNow }}
	basicAuth := "Basic " + basicCredentials("cid", "topsecret")
	tests := []struct {
		name          string
		status        int
		body          string
		wantNil       bool
		wantKind      error
		wantRetryable bool
		wantMsg       string
	}{
		{name: "a token", status: 200, body: `{"access_token":"x","expires_in":3599}`, wantNil: true},
		{name: "invalid client", status: 401, body: `{"reason":"Invalid client_id or client_secret","error":"invalid_client"}`, wantKind: extract.ErrAuth, wantMsg: "authentication failed (HTTP 401) code invalid_client: token request: Invalid client_id or client_secret"},
		{name: "bad request is not retried", status: 400, body: `{"reason":"Bad Request","error":"invalid_request"}`, wantKind: extract.ErrAuth, wantMsg: "authentication failed (HTTP 400) code invalid_request: token request: Bad Request"},
		{name: "an echo of the credentials is redacted", status: 400, body: `{"reason":"got ` + basicAuth + ` and topsecret"}`, wantKind: extract.ErrAuth, wantMsg: "authentication failed (HTTP 400): token request: got [redacted] and [redacted]"},
		{name: "5xx is retried", status: 503, body: "down", wantRetryable: true, wantMsg: "HTTP 503: token request: down"},
		{name: "429 is a rate limit", status: 429, body: `{"reason":"slow down"}`, wantKind: extract.ErrRateLimited, wantRetryable: true, wantMsg: "rate limited (HTTP 429), retry after 1s: slow down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := cl.classifyToken(reply(tc.status, nil, basicAuth), []byte(tc.body))
			if tc.wantNil {
				if err != nil {
					t.Fatalf("classify = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("classify = nil, want an error")
			}
			if tc.wantKind != nil && !errors.Is(err, tc.wantKind) {
				t.Errorf("error %v does not match %v", err, tc.wantKind)
			}
			if got := extract.Retryable(err); got != tc.wantRetryable {
				t.Errorf("Retryable = %v, want %v", got, tc.wantRetryable)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("error\n%s\nwant\n%s", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), basicCredentials("cid", "topsecret")) {
				t.Errorf("error %q quotes the credentials", err)
			}
		})
	}
}

func TestParseListPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		keys      []string
		wantItems string
		wantNext  string
		wantTotal int64
		wantErr   bool
	}{
		{name: "a page", body: `{"next_page_token":"abc","page_size":2,"total_records":5,"users":[1,2]}`, keys: []string{"users"}, wantItems: "[1,2]", wantNext: "abc", wantTotal: 5},
		{name: "total_records as a string", body: `{"total_records":"7","users":[]}`, keys: []string{"users"}, wantItems: "[]", wantTotal: 7},
		{name: "the first present key wins", body: `{"supervisors":[1]}`, keys: []string{"agents", "supervisors"}, wantItems: "[1]"},
		{name: "null token and items", body: `{"next_page_token":null,"users":null}`, keys: []string{"users"}},
		{name: "a numeric token is malformed", body: `{"next_page_token":12}`, keys: []string{"users"}, wantErr: true},
		{name: "not an object", body: `[1,2]`, keys: []string{"users"}, wantErr: true},
		{name: "null", body: `null`, keys: []string{"users"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseListPage([]byte(tc.body), tc.keys...)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseListPage = %+v, want an error", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseListPage: %v", err)
			}
			if string(p.Items) != tc.wantItems || p.NextPageToken != tc.wantNext || p.TotalRecords.Value != tc.wantTotal {
				t.Errorf("page %s %q %d, want %s %q %d", p.Items, p.NextPageToken, p.TotalRecords.Value, tc.wantItems, tc.wantNext, tc.wantTotal)
			}
		})
	}
}

func TestPace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		header http.Header
		want   time.Duration
	}{
		{name: "no headers", status: 200},
		{name: "remaining", status: 200, header: http.Header{"X-Ratelimit-Remaining": {"3"}}},
		{name: "used up: until the next second", status: 200, header: http.Header{"X-Ratelimit-Remaining": {"0"}}, want: 700*time.Millisecond + paceMargin},
		{name: "a 429 is the classifier's", status: 429, header: http.Header{"X-Ratelimit-Remaining": {"0"}}},
		{name: "garbage", status: 200, header: http.Header{"X-Ratelimit-Remaining": {"none"}}},
	}
	for _, tc := range tests {
		now := time.Date(2026, 3, 1, 12, 0, 0, 300_000_000, time.UTC)
		if got := paceAt(reply(tc.status, tc.header, ""), now); got != tc.want {
			t.Errorf("%s: pace = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestEmptyListIsOnlyAnAbsentNullOrEmptyArray(t *testing.T) {
	t.Parallel()
	tests := []struct {
		items string
		want  bool
	}{
		{"", true}, {"null", true}, {" null ", true}, {"[]", true}, {"[ \n ]", true},
		{"[", false}, {"]", false}, {"[null]", false}, {`[{"user_id":"a"}]`, false}, {"{}", false}, {`"x"`, false},
	}
	for _, tc := range tests {
		if got := emptyList([]byte(tc.items)); got != tc.want {
			t.Errorf("emptyList(%q) = %v, want %v", tc.items, got, tc.want)
		}
	}
}

// Replies of requests sent at once arrive in any order: within a second the least
// budget reported holds, a later second replaces it, an earlier one is ignored.
func TestQuotaKeepsTheLeastBudgetOfTheLatestSecond(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	reply := func(remaining string) *http.Response {
		h := http.Header{}
		h.Set(headerRemaining, remaining)
		return &http.Response{Header: h}
	}
	q := newQuota()
	steps := []struct {
		remaining string
		at        time.Time
		want      int
	}{
		{"", at, -1},
		{"9", at.Add(100 * time.Millisecond), 9},
		{"6", at.Add(200 * time.Millisecond), 6},
		{"8", at.Add(300 * time.Millisecond), 6}, // sent earlier, seen later
		{"19", at.Add(time.Second), 19},
		{"2", at.Add(900 * time.Millisecond), 19}, // a reply of the second before
		{"-3", at.Add(time.Second), 0},
		{"x", at.Add(2 * time.Second), 0},
	}
	for _, st := range steps {
		q.observe(reply(st.remaining), st.at)
		if q.remaining != st.want {
			t.Errorf("after %q at %s: remaining %d, want %d", st.remaining, st.at.Format(time.StampMilli), q.remaining, st.want)
		}
	}
}

func TestPageSizeRefusedOnlyByAValidationErrorOfTheFirstPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"validation code 300", &extract.APIError{Status: 400, Code: "300", Message: "Validation Failed."}, true},
		{"a message naming page_size", &extract.APIError{Status: 400, Message: "page_size: The page_size must be between 1 and 100."}, true},
		{"a missing scope", &extract.APIError{Status: 400, Code: "4711", Message: "Invalid access token, does not contain scopes"}, false},
		{"a 401", &extract.APIError{Status: 401, Code: "124", Message: "Invalid access token."}, false},
		{"a listing given up", fmt.Errorf("%w (%w: the next page token kept expiring)", &extract.APIError{Status: 400, Code: "300"}, extract.ErrIncomplete), false},
		{"a transport error", errors.New("connection reset"), false},
	}
	for _, tc := range tests {
		if got := pageSizeRefused(tc.err); got != tc.want {
			t.Errorf("%s: pageSizeRefused = %v, want %v", tc.name, got, tc.want)
		}
	}
}
