package fake

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, e *env, r reply)
	}{
		{"Status5xx", Fault{Kind: Status5xx, Status: 502}, func(t *testing.T, e *env, r reply) {
			if r.status != http.StatusBadGateway || !strings.Contains(string(r.body), "502 Bad Gateway") {
				t.Fatalf("%d %s", r.status, r.body)
			}
		}},
		{"NonJSON", Fault{Kind: NonJSON}, func(t *testing.T, e *env, r reply) {
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %v", r.status, r.header)
			}
		}},
		{"Truncate", Fault{Kind: Truncate}, func(t *testing.T, e *env, r reply) {
			if r.err == nil {
				t.Fatalf("no read error, body %s", r.body)
			}
		}},
		{"RPCError", Fault{Kind: RPCError, Code: -32008, Mnemonic: "method_component_disabled", Message: "x"}, func(t *testing.T, e *env, r reply) {
			m := decodeReply(t, r)
			if code, mn := rpcErr(m); code != -32008 || mn != "method_component_disabled" || m["id"] != 1.0 {
				t.Fatalf("%s", r.body)
			}
		}},
		{"LimitExceeded", Fault{Kind: LimitExceeded, LimitType: "day", Reset: 77}, func(t *testing.T, e *env, r reply) {
			m := decodeReply(t, r)
			l := limitsOf(m)
			if code, mn := rpcErr(m); code != -32029 || mn != "limit_exceeded" || l["day_reset"] != 77.0 || l["day_remaining"] != 0.0 {
				t.Fatalf("%s", r.body)
			}
		}},
		{"Slow", Fault{Kind: Slow, Delay: 30 * time.Millisecond}, func(t *testing.T, e *env, r reply) {
			decodeReply(t, r)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 20, Options{})
			tc.fault.Method = "get.employees"
			e.srv.Inject(tc.fault)
			mustOK(t, e.call("get.account", nil)) // another method is unaffected
			start := time.Now()
			tc.check(t, e, e.callRaw("get.employees", map[string]any{"access_token": DefaultToken}))
			if tc.fault.Kind == Slow && time.Since(start) < tc.fault.Delay {
				t.Fatal("not slow")
			}
			mustOK(t, e.call("get.employees", nil)) // used up
			if e.srv.PendingFaults() != 0 {
				t.Fatal("fault still pending")
			}
		})
	}
}

func TestFaultAfterTimes(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Kind: RPCError, After: 1, Times: 2})
	var got []int
	for range 4 {
		code, _ := rpcErr(e.call("get.account", nil))
		got = append(got, code)
	}
	if got[0] != 0 || got[1] != -32603 || got[2] != -32603 || got[3] != 0 {
		t.Fatalf("codes %v", got)
	}
}

func TestSlowHonoursCancellation(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	e.srv.Inject(Fault{Kind: Slow, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.ts.URL, strings.NewReader(`{}`))
	if _, err := e.ts.Client().Do(req); err == nil {
		t.Fatal("want a timeout")
	}
}

func TestExpireSessionBefore(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, Options{})
	tok := e.srv.IssueSession()
	e.srv.Inject(Fault{Kind: ExpireSessionBefore, Method: "get.employees"})
	mustOK(t, e.call("get.account", map[string]any{"access_token": tok}))
	if code, mn := rpcErr(e.call("get.employees", map[string]any{"access_token": tok})); code != -32001 || mn != "access_token_expired" {
		t.Fatalf("got %d %s", code, mn)
	}
}

func TestChangeDataBetweenPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  Fault
		delta  int  // change of total_items
		repeat bool // page 2 repeats the end of page 1 (else skips)
	}{
		{"insert", Fault{Kind: ChangeDataBetweenPages, N: 2}, 2, true},
		{"delete", Fault{Kind: ChangeDataBetweenPages, N: 3, Delete: true}, -3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 40, Options{})
			full, _ := e.employees(nil)
			p1, total1 := e.employees(map[string]any{"limit": 10})
			tc.fault.Method = "get.employees"
			e.srv.Inject(tc.fault)
			p2, total2 := e.employees(map[string]any{"limit": 10, "offset": 10})
			if total2-total1 != tc.delta {
				t.Fatalf("total %d -> %d", total1, total2)
			}
			last := p1[len(p1)-1]["id"]
			if tc.repeat {
				if p2[tc.delta-1]["id"] != last {
					t.Fatalf("page 2 does not repeat %v", last)
				}
			} else if p2[0]["id"] != full[10-tc.delta]["id"] {
				t.Fatalf("page 2 starts at %v, want %v (rows skipped)", p2[0]["id"], full[10-tc.delta]["id"])
			}
			_, again := e.employees(nil)
			if again != total2 {
				t.Fatal("change did not persist")
			}
			e.srv.SetDay(0)
			if _, back := e.employees(nil); back != total1 {
				t.Fatalf("SetDay did not undo: %d", back)
			}
		})
	}
}
