package fake

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTerminalFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        Options
		fault       Fault
		status      int
		contentType string
		body        string // exact, or a prefix when it ends in "*"
		retryAfter  string // "" = no header
	}{
		{"500", Options{}, Fault{Kind: Status5xx, Status: 500}, 500, "text/html; charset=utf-8", "", ""},
		{"502", Options{}, Fault{Kind: Status5xx, Status: 502}, 502, "text/html; charset=utf-8", "<html>\r\n<head><title>502 Bad Gateway</title>*", ""},
		{"503 by default", Options{}, Fault{Kind: Status5xx}, 503, "text/html; charset=utf-8", "<html>\r\n<head><title>503 Service Unavailable</title>*", ""},
		{"504", Options{}, Fault{Kind: Status5xx, Status: 504}, 504, "text/html; charset=utf-8", "<html>\r\n<head><title>504 Gateway Timeout</title>*", ""},
		{"429 with Retry-After", Options{}, Fault{Kind: RateLimited, RetryAfter: 3}, 429, "text/html; charset=utf-8", "<html>\r\n<head><title>429 Too Many Requests</title>*", "3"},
		{"429 without Retry-After", Options{}, Fault{Kind: RateLimited}, 429, "text/html; charset=utf-8", "<html>*", ""},
		{"429 default Retry-After", Options{RetryAfterHeader: true}, Fault{Kind: RateLimited}, 429, "text/html; charset=utf-8", "<html>*", "1"},
		{"429 Retry-After zero", Options{}, Fault{Kind: RateLimited, RetryAfter: -1}, 429, "text/html; charset=utf-8", "<html>*", "0"},
		{"non-JSON", Options{}, Fault{Kind: NonJSON}, 200, "text/html; charset=utf-8", "<!DOCTYPE html>*", ""},
		{"error envelope", Options{}, Fault{Kind: ErrorEnvelope, Code: 7, Message: "Account is blocked"}, 200, contentTypeJSON,
			`{"status":"error","status_code":7,"message":"Account is blocked"}`, ""},
		{"error envelope with details and status", Options{}, Fault{Kind: ErrorEnvelope, Status: 400, Code: 5, Message: "Bad", Details: "id/x"}, 400, contentTypeJSON,
			`{"status":"error","status_code":5,"message":"Bad","message_details":"id\/x"}`, ""},
		{"error envelope defaults", Options{}, Fault{Kind: ErrorEnvelope}, 200, contentTypeJSON,
			`{"status":"error","status_code":10,"message":"Internal error, please try again later"}`, ""},
		{"hash rejected", Options{}, Fault{Kind: ErrorEnvelope, Code: 2, Message: "Action hash is missed or invalid"}, 200, contentTypeJSON, hashError, ""},
		{"no data", Options{}, Fault{Kind: NoData}, 200, contentTypeJSON, `{"status":"ok"}`, ""},
		{"empty data", Options{}, Fault{Kind: EmptyData}, 200, contentTypeJSON, `{"status":"ok","data":[]}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, tc.opts)
			tc.fault.Action = "get_users"
			e.srv.Inject(tc.fault)
			r := e.call("action=get_users")
			if r.status != tc.status || r.header.Get("Content-Type") != tc.contentType {
				t.Fatalf("got %d %q, want %d %q: %.200s", r.status, r.header.Get("Content-Type"), tc.status, tc.contentType, r.body)
			}
			if prefix, ok := strings.CutSuffix(tc.body, "*"); ok {
				if !strings.HasPrefix(string(r.body), prefix) {
					t.Fatalf("body %.200s\nwant prefix %q", r.body, prefix)
				}
			} else if string(r.body) != tc.body {
				t.Fatalf("body %q\nwant %q", r.body, tc.body)
			}
			if got, ok := r.header["Retry-After"]; tc.retryAfter == "" && ok || tc.retryAfter != "" && (len(got) != 1 || got[0] != tc.retryAfter) {
				t.Fatalf("Retry-After %v, want %q", got, tc.retryAfter)
			}
			if r := e.call("action=get_users"); r.status != http.StatusOK || r.envelope(t).Status != "ok" {
				t.Fatalf("fault applied twice: %d", r.status)
			}
			if e.srv.PendingFaults() != 0 {
				t.Fatal("fault not used up")
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	const (
		users  = "action=get_users"
		groups = "action=get_user_groups"
	)
	tests := []struct {
		name  string
		fault Fault
		calls []string
		want  []int
	}{
		{"after and times", Fault{Action: "get_users", After: 1, Times: 2, Kind: Status5xx},
			[]string{users, users, users, users}, []int{200, 503, 503, 200}},
		{"other actions pass and do not count", Fault{Action: "get_users", After: 1, Kind: Status5xx},
			[]string{groups, users, groups, users, users}, []int{200, 200, 200, 503, 200}},
		{"any action", Fault{Kind: Status5xx, Status: 502, Times: 2},
			[]string{groups, users, users}, []int{502, 502, 200}},
		{"forever", Fault{Action: "get_user_groups", Kind: Status5xx, Times: -1},
			[]string{groups, groups, users, groups}, []int{503, 503, 200, 503}},
		{"before routing and hashing", Fault{Kind: Status5xx, Status: 500},
			[]string{"BAD", "BAD"}, []int{500, 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{})
			e.srv.Inject(tc.fault)
			var got []int
			for _, c := range tc.calls {
				if c == "BAD" {
					got = append(got, e.do(http.MethodGet, Path+"?action=get_users&hash=0", "", nil).status)
					continue
				}
				got = append(got, e.call(c).status)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSeveralFaultsOnOneRequest(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Kind: Slow, Delay: 50 * time.Millisecond})
	e.srv.Inject(Fault{Kind: NoData})
	e.srv.Inject(Fault{Kind: Status5xx})
	start := time.Now()
	r := e.call("action=get_users")
	if string(r.body) != `{"status":"ok"}` || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("got %s after %v; want the first terminal fault after the delay", r.body, time.Since(start))
	}
	if e.srv.PendingFaults() != 0 {
		t.Fatal("every matching fault counts the request")
	}
}

func TestSlowFault(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Action: "get_users", Kind: Slow, Delay: 150 * time.Millisecond})
	start := time.Now()
	if r := e.call("action=get_users"); r.status != http.StatusOK {
		t.Fatalf("slow request: %d", r.status)
	}
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Fatalf("served in %v", elapsed)
	}
	// A client that gives up ends the wait.
	e.srv.Inject(Fault{Kind: Slow, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.ts.URL+Path+"?"+signed("action=get_users", e.srv.APIKey()), nil)
	if _, err := e.ts.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled slow request: %v", err)
	}
}

func TestTruncateFault(t *testing.T) {
	t.Parallel()
	for _, params := range []string{"action=get_users", "action=get_user_groups", "action=nope"} {
		t.Run(params, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 50, Options{})
			full := e.call(params)
			e.srv.Inject(Fault{Kind: Truncate})
			r := e.call(params)
			if r.status != full.status || !errors.Is(r.err, io.ErrUnexpectedEOF) {
				t.Fatalf("truncated reply: %d, read error %v", r.status, r.err)
			}
			if len(r.body) != len(full.body)/2 || string(r.body) != string(full.body[:len(full.body)/2]) {
				t.Fatalf("got %d bytes, want the first half of %d", len(r.body), len(full.body))
			}
			if again := e.call(params); again.err != nil || string(again.body) != string(full.body) {
				t.Fatal("the next reply is not whole")
			}
		})
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	if ErrorEnvelope.String() != "ErrorEnvelope" || FaultKind(99).String() != "FaultKind(99)" {
		t.Fatal("FaultKind.String")
	}
}
