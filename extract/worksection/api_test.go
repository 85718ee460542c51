package worksection

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
)

// The documented admin API key of providers/worksection.md §2a.
const docKey = "7776461cd931e7b1c8e9632ff8e979ce"

func TestSignedQueryMatchesDocumentedVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		params    []param
		wantQuery string
		wantHash  string
	}{
		{
			name:      "doc example get_tasks with a project",
			params:    []param{{"action", "get_tasks"}, {"id_project", "26"}},
			wantQuery: "action=get_tasks&id_project=26", wantHash: "ec3ab2c28f21b4a07424f8ed688d6644",
		},
		{
			name:      "get_users has only the action",
			params:    []param{{"action", "get_users"}},
			wantQuery: "action=get_users", wantHash: "82d6b87d8d0b3ca3a91506adfc42751d",
		},
		{
			name:      "values are encoded as http_build_query does, and the hash covers the encoded bytes",
			params:    []param{{"action", "get_users_schedule"}, {"users", "a b@x.test,c&d"}},
			wantQuery: "action=get_users_schedule&users=a+b%40x.test%2Cc%26d",
			wantHash:  queryHash("action=get_users_schedule&users=a+b%40x.test%2Cc%26d", docKey),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			query, hash := signedQuery(docKey, tc.params...)
			if query != tc.wantQuery || hash != tc.wantHash {
				t.Errorf("signedQuery = %q, %q; want %q, %q", query, hash, tc.wantQuery, tc.wantHash)
			}
		})
	}
}

func TestClassifyWorksectionReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		header        http.Header
		body          string
		wantNil       bool
		wantKind      error
		wantRateLimit bool
		wantRetryable bool
		wantAfter     time.Duration
		wantCode      string
		wantMsg       string
	}{
		{name: "ok with data is success", status: 200, body: `{"status":"ok","data":[]}`, wantNil: true},
		{name: "ok without data passes the classifier", status: 200, body: `{"status": "ok"}`, wantNil: true},
		{
			name: "bad hash at HTTP 200 is an auth error", status: 200,
			body:     `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`,
			wantKind: extract.ErrAuth, wantCode: "2", wantMsg: "Action hash is missed or invalid",
		},
		{
			name: "bad hash with a string code", status: 200, body: `{"status":"error","status_code":"2","message":"Action hash is missed or invalid"}`,
			wantKind: extract.ErrAuth, wantCode: "2", wantMsg: "Action hash is missed or invalid",
		},
		{
			name: "other application error is not retried and keeps code, message and details", status: 200,
			body:     `{"status":"error","status_code":5,"message":"Unknown action","message_details":"action=get_userz"}`,
			wantCode: "5", wantMsg: "Unknown action: action=get_userz",
		},
		{
			name: "application error with object details", status: 200,
			body:     `{"status":"error","status_code":7,"message":"Bad params","message_details":{"users":"required"}}`,
			wantCode: "7", wantMsg: `Bad params: {"users":"required"}`,
		},
		{
			name: "bad hash at a non-200 status is still an auth error", status: 400,
			body:     `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`,
			wantKind: extract.ErrAuth, wantCode: "2", wantMsg: "Action hash is missed or invalid",
		},
		{
			name: "bad hash at a 5xx is not retried", status: 500,
			body:     `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`,
			wantKind: extract.ErrAuth, wantCode: "2", wantMsg: "Action hash is missed or invalid",
		},
		{
			name: "expired OAuth token is an auth error", status: 401, body: `{"message":"Access token is expired"}`,
			wantKind: extract.ErrAuth, wantMsg: "Access token is expired",
		},
		{
			name: "429 with Retry-After is a rate limit", status: 429, header: http.Header{"Retry-After": {"2"}},
			body: `{"status":"error","message":"Too many requests"}`, wantRateLimit: true, wantKind: extract.ErrRateLimited,
			wantRetryable: true, wantAfter: 2 * time.Second, wantMsg: "Too many requests",
		},
		{
			name: "429 without a hint", status: 429, body: ``, wantRateLimit: true, wantKind: extract.ErrRateLimited, wantRetryable: true,
		},
		{name: "502 HTML is retryable", status: 502, body: `<html>Bad gateway</html>`, wantRetryable: true, wantMsg: "<html>Bad gateway</html>"},
		{
			name: "503 envelope is retryable with its code", status: 503, body: `{"status":"error","status_code":9,"message":"Maintenance"}`,
			wantRetryable: true, wantCode: "9", wantMsg: "Maintenance",
		},
		{name: "HTML at 200 is malformed", status: 200, body: `<html><body>Something wrong</body></html>`, wantKind: extract.ErrMalformed},
		{name: "empty body at 200 is malformed", status: 200, body: ``, wantKind: extract.ErrMalformed},
		{name: "JSON without status is malformed", status: 200, body: `{"data":[]}`, wantKind: extract.ErrMalformed},
		{name: "a status that is not a string is malformed", status: 200, body: `{"status":1,"data":[]}`, wantKind: extract.ErrMalformed},
		{name: "an unknown status is malformed", status: 200, body: `{"status":"fail"}`, wantKind: extract.ErrMalformed},
		{name: "a JSON array is malformed", status: 200, body: `[{"status":"ok"}]`, wantKind: extract.ErrMalformed},
		{name: "a cut JSON object is malformed", status: 200, body: `{"data":[{"id":"1"}],"status":"ok"`, wantKind: extract.ErrMalformed},
		// A reply that says ok first is not parsed whole here: the client walks it once
		// and refuses it if it is cut (TestExtractFailures).
		{name: "a reply that says ok first passes", status: 200, body: `{"status":"ok","data":[{"id":"1"`, wantNil: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tc.status, Header: tc.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := classifier{key: docKey}.classify(resp, []byte(tc.body))
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
				t.Errorf("error %q does not match %v", err, tc.wantKind)
			}
			if extract.Retryable(err) != tc.wantRetryable {
				t.Errorf("error %q retryable %v, want %v", err, extract.Retryable(err), tc.wantRetryable)
			}
			var rl *extract.RateLimitError
			if errors.As(err, &rl) != tc.wantRateLimit {
				t.Fatalf("error %T %q: rate limit %v, want %v", err, err, !tc.wantRateLimit, tc.wantRateLimit)
			}
			if rl != nil {
				if rl.RetryAfter != tc.wantAfter || rl.Message != tc.wantMsg {
					t.Errorf("rate limit %+v, want after %s message %q", rl, tc.wantAfter, tc.wantMsg)
				}
				return
			}
			var api *extract.APIError
			if errors.As(err, &api) {
				if api.Status != tc.status || api.Code != tc.wantCode || api.Message != tc.wantMsg {
					t.Errorf("APIError %+v, want status %d code %q message %q", api, tc.status, tc.wantCode, tc.wantMsg)
				}
			} else if !errors.Is(err, extract.ErrMalformed) {
				t.Errorf("error %T %q is neither an APIError nor malformed", err, err)
			}
		})
	}
}

func TestClassifyRedactsKeyAndHashQuotedByTheServer(t *testing.T) {
	t.Parallel()
	query, hash := signedQuery(docKey, param{"action", "get_users"})
	u, err := url.Parse("https://acme.worksection.com/api/admin/v2/?" + query + "&hash=" + hash)
	if err != nil {
		t.Fatal(err)
	}
	echo := "request " + u.String() + " with key " + docKey + " failed"
	tests := []struct {
		name, body string
		status     int
	}{
		{name: "proxy error page", status: 502, body: echo},
		{name: "envelope message", status: 200, body: `{"status":"error","status_code":3,"message":"` + echo + `"}`},
		{name: "rate limit message", status: 429, body: `{"message":"` + echo + `"}`},
		{name: "malformed reply", status: 200, body: echo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Request: &http.Request{URL: u}}
			err := classifier{key: docKey}.classify(resp, []byte(tc.body))
			if err == nil {
				t.Fatal("classify = nil, want an error")
			}
			for _, secret := range []string{docKey, hash} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes a secret", err)
				}
			}
		})
	}
}
