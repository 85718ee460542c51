package close_test

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/close"
	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
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
		source   = "close-check"
		goodKey  = "close-check-GOOD-key"
		wrongKey = "close-check-WRONG-key"
	)
	tests := []struct {
		name string
		key  string
		down bool // the server is closed before the check
		// wantAuth is whether the error must match extract.ErrAuth; wantErr whether
		// there is an error at all.
		wantErr, wantAuth bool
		wantRequests      map[string]int
	}{
		{name: "good key", key: goodKey, wantRequests: map[string]int{"/api/v1/me/": 1}},
		{name: "wrong key", key: wrongKey, wantErr: true, wantAuth: true, wantRequests: map[string]int{"/api/v1/me/": 1}},
		{name: "server down", key: goodKey, down: true, wantErr: true, wantRequests: map[string]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.New(synth.New(synth.Config{Seed: 7, Size: 20}), fake.Options{APIKey: goodKey})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			if tc.down {
				ts.Close()
			}
			c, err := close.New(close.Config{Name: source, BaseURL: ts.URL + "/api/v1", APIKey: tc.key, HTTP: ckHTTP})
			if err != nil {
				t.Fatal(err)
			}
			var src extract.Source = c
			checker, ok := src.(extract.Checker)
			if !ok {
				t.Fatal("the Close source is not an extract.Checker")
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
			if strings.Contains(msg, tc.key) {
				t.Errorf("message carries the API key: %q", msg)
			}
		})
	}
}
