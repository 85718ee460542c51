package uis_test

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/extract/uis"
	"github.com/roster-etl/roster/extract/uis/fake"
)

// ckHTTP is a transport configuration that fails fast: a check against a server that is
// down must end in well under a second, not after the default retries.
var ckHTTP = extract.ClientConfig{
	Timeout:    2 * time.Second,
	MaxRetries: 1,
	MinBackoff: time.Millisecond,
	MaxBackoff: 5 * time.Millisecond,
}

func TestCheckReachesAndAuthenticates(t *testing.T) {
	t.Parallel()
	const (
		source        = "uis-check"
		expiredToken  = "uis-check-EXPIRED-token"
		wrongToken    = "uis-check-WRONG-token"
		wrongPassword = "uis-check-WRONG-password"
	)
	tests := []struct {
		name string
		// token, or login and password, are the client's credentials.
		token, login, password string
		down                   bool // the server is closed before the check
		// noAccount makes get.account answer -32601 method_not_found.
		noAccount         bool
		wantErr, wantAuth bool
		wantRequests      map[string]int
	}{
		{name: "good API key", token: fake.DefaultToken, wantRequests: map[string]int{"get.account": 1}},
		{
			name: "good login", login: fake.DefaultLogin, password: fake.DefaultPassword,
			wantRequests: map[string]int{"login.user": 1, "get.account": 1},
		},
		{name: "wrong API key", token: wrongToken, wantErr: true, wantAuth: true, wantRequests: map[string]int{"get.account": 1}},
		{name: "expired API key", token: expiredToken, wantErr: true, wantAuth: true, wantRequests: map[string]int{"get.account": 1}},
		{
			name: "wrong password", login: fake.DefaultLogin, password: wrongPassword,
			wantErr: true, wantAuth: true, wantRequests: map[string]int{"login.user": 1},
		},
		{
			name: "no get.account", token: fake.DefaultToken, noAccount: true,
			wantRequests: map[string]int{"get.account": 1, "get.employees": 1},
		},
		{
			name: "no get.account, wrong API key", token: wrongToken, noAccount: true,
			wantErr: true, wantAuth: true, wantRequests: map[string]int{"get.account": 1, "get.employees": 1},
		},
		{name: "server down", token: fake.DefaultToken, down: true, wantErr: true, wantRequests: map[string]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.New(synth.New(synth.Config{Seed: 7, Size: 20}), fake.Options{
				Tokens: map[string]fake.TokenKind{fake.DefaultToken: fake.Permanent, expiredToken: fake.Expired},
			})
			if tc.noAccount {
				srv.Inject(fake.Fault{Method: "get.account", Kind: fake.RPCError, Code: -32601, Mnemonic: "method_not_found", Message: "Method not found"})
			}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			if tc.down {
				ts.Close()
			}
			c, err := uis.New(uis.Config{
				Name: source, BaseURL: ts.URL + fake.APIPath,
				AccessToken: tc.token, Login: tc.login, Password: tc.password,
				HTTP: ckHTTP,
			})
			if err != nil {
				t.Fatal(err)
			}
			var src extract.Source = c
			checker, ok := src.(extract.Checker)
			if !ok {
				t.Fatal("the UIS source is not an extract.Checker")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err = checker.Check(ctx)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Check took %s", elapsed)
			}
			if got := srv.Requests(); !maps.Equal(got, tc.wantRequests) {
				t.Errorf("requests %v, want %v", got, tc.wantRequests)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				if st := c.Stats(); st.Pages != 0 {
					t.Errorf("Check counted %d pages, want 0", st.Pages)
				}
				return
			}
			if err == nil {
				t.Fatal("Check succeeded, want an error")
			}
			if got := errors.Is(err, extract.ErrAuth); got != tc.wantAuth {
				t.Errorf("errors.Is(err, ErrAuth) = %v, want %v: %v", got, tc.wantAuth, err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Check ran into the test's deadline: %v", err)
			}
			var se *extract.SourceError
			if !errors.As(err, &se) || se.Source != source {
				t.Errorf("error is not a *SourceError of %q: %#v", source, err)
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if !strings.HasPrefix(msg, source+": ") || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("message is not one line naming the source: %q", msg)
			}
			for _, s := range []string{tc.token, tc.password} {
				if s != "" && strings.Contains(msg, s) {
					t.Errorf("message carries a secret (%s): %q", s, msg)
				}
			}
		})
	}
}
