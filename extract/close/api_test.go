package close

import (
	"errors"
	"net/http"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

func TestClassifyCloseReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		header        http.Header
		body          string
		wantNil       bool
		wantKind      error
		wantRetryable bool
		wantAfter     time.Duration
		wantMsg       string
	}{
		{name: "200 is success", status: 200, body: `{"data":[],"has_more":false}`, wantNil: true},
		{
			name: "429 nested body with numeric rate_reset", status: 429,
			body:     `{"error": {"message": "API call count exceeded for this 15 second window", "rate_reset": 0.870663, "rate_limit": 40, "rate_window": 15, "rate_limit_type": "key", "rate_endpoint_group": "99ad"}}`,
			wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 870663 * time.Microsecond,
			wantMsg: "API call count exceeded for this 15 second window (key limit, 40 per 15s)",
		},
		{
			name: "429 rate_reset as a string", status: 429, body: `{"error": {"message": "slow", "rate_reset": "0.595956"}}`,
			wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 595956 * time.Microsecond, wantMsg: "slow",
		},
		{
			name: "429 keys at top level", status: 429, body: `{"message": "slow", "rate_reset": 2, "rate_limit_type": "org"}`,
			wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 2 * time.Second, wantMsg: "slow (org limit)",
		},
		{
			name: "429 without rate_reset falls back to Retry-After", status: 429, header: http.Header{"Retry-After": {"3"}, "Ratelimit": {"limit=1, remaining=0, reset=9"}},
			body: `{"error": "too many"}`, wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 3 * time.Second, wantMsg: "too many",
		},
		{
			name: "429 then RateLimit-Reset", status: 429, header: http.Header{"Ratelimit-Reset": {"4"}, "Ratelimit": {"limit=1, remaining=0, reset=9"}},
			wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 4 * time.Second,
		},
		{
			name: "429 then the RateLimit header's reset", status: 429, header: http.Header{"Ratelimit": {"limit=1, remaining=0, reset=9"}},
			body: `not json`, wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 9 * time.Second, wantMsg: "not json",
		},
		{
			name: "429 with an unreadable rate_reset falls back to headers", status: 429, header: http.Header{"Retry-After": {"5"}},
			body: `{"error": {"message": "slow", "rate_reset": "soon"}}`, wantKind: extract.ErrRateLimited, wantRetryable: true, wantAfter: 5 * time.Second, wantMsg: "slow",
		},
		{
			name: "401 carries Close's message", status: 401, body: `{"error": "The server could not verify that you are authorized to access the URL requested."}`,
			wantKind: extract.ErrAuth, wantMsg: "The server could not verify that you are authorized to access the URL requested.",
		},
		{
			name: "400 validation body lists errors and field errors", status: 400,
			body:    `{"errors": ["Bad request."], "field-errors": {"lead": "This field is required.", "_limit": ["Too big.", "Not a number."]}}`,
			wantMsg: "Bad request.; _limit: Too big., Not a number.; lead: This field is required.",
		},
		{name: "400 with an empty validation body quotes the body", status: 400, body: `{"errors": [], "field-errors": {}}`, wantMsg: `{"errors": [], "field-errors": {}}`},
		{name: "404 error string", status: 404, body: `{"error": "Empty query: User matching query does not exist."}`, wantMsg: "Empty query: User matching query does not exist."},
		{name: "503 is retryable", status: 503, body: `<html>Service Unavailable</html>`, wantRetryable: true, wantMsg: "<html>Service Unavailable</html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tc.status, Header: tc.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := classify(resp, []byte(tc.body))
			if tc.wantNil {
				if err != nil {
					t.Fatalf("classify = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("classify = nil")
			}
			if tc.wantKind != nil && !errors.Is(err, tc.wantKind) {
				t.Errorf("%v does not match %v", err, tc.wantKind)
			}
			if got := extract.Retryable(err); got != tc.wantRetryable {
				t.Errorf("Retryable = %v, want %v", got, tc.wantRetryable)
			}
			var msg string
			var rl *extract.RateLimitError
			var api *extract.APIError
			switch {
			case errors.As(err, &rl):
				msg = rl.Message
				if rl.RetryAfter != tc.wantAfter {
					t.Errorf("RetryAfter %s, want %s", rl.RetryAfter, tc.wantAfter)
				}
			case errors.As(err, &api):
				msg = api.Message
			}
			if msg != tc.wantMsg {
				t.Errorf("message %q, want %q", msg, tc.wantMsg)
			}
		})
	}
}

func TestParseRateLimitHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in            string
		wantRemaining float64
		wantReset     time.Duration
		wantOK        bool
	}{
		{"limit=100, remaining=0, reset=1", 0, time.Second, true},
		{"limit=100,remaining=42,reset=2.5", 42, 2500 * time.Millisecond, true},
		{`"default";r=0;t=3`, 0, 3 * time.Second, true},
		{"limit=100, remaining=0", 0, 0, false},
		{"reset=-1, remaining=0", 0, 0, false},
		{"", 0, 0, false},
		{"garbage", 0, 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRateLimitHeader(tc.in)
		if ok != tc.wantOK || (ok && (got.Remaining != tc.wantRemaining || got.Reset != tc.wantReset)) {
			t.Errorf("parseRateLimitHeader(%q) = %+v, %v; want remaining %g reset %s, %v", tc.in, got, ok, tc.wantRemaining, tc.wantReset, tc.wantOK)
		}
	}
}

func TestFlexNumberAcceptsNumbersAndStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      float64
		wantValid bool
	}{
		{`0.87`, 0.87, true},
		{`"0.595956"`, 0.595956, true},
		{`" 2 "`, 2, true},
		{`null`, 0, false},
		{`"soon"`, 0, false},
	}
	for _, tc := range tests {
		var n flexNumber
		if err := gojson.Unmarshal([]byte(tc.in), &n); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
		}
		if n.Value != tc.want || n.Valid != tc.wantValid {
			t.Errorf("Unmarshal(%s) = %+v, want %g valid %v", tc.in, n, tc.want, tc.wantValid)
		}
	}
}
