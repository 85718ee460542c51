package worksection_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/extract/worksection"
	"github.com/roster-etl/roster/extract/worksection/fake"
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
		source   = "ws-check"
		goodKey  = "0123456789abcdef0123456789abcdef"
		wrongKey = "fedcba9876543210fedcba9876543210"
	)
	tests := []struct {
		name              string
		key               string
		hashErrorStatus   int  // fake.Options.HashErrorStatus
		down              bool // the server is closed before the check
		wantErr, wantAuth bool
		wantRequests      map[string]int
	}{
		{name: "good key", key: goodKey, wantRequests: map[string]int{"get_user_groups": 1}},
		{name: "wrong key", key: wrongKey, wantErr: true, wantAuth: true, wantRequests: map[string]int{"get_user_groups": 1}},
		{name: "wrong key, HTTP 401", key: wrongKey, hashErrorStatus: 401, wantErr: true, wantAuth: true, wantRequests: map[string]int{"get_user_groups": 1}},
		{name: "server down", key: goodKey, down: true, wantErr: true, wantRequests: map[string]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.New(synth.New(synth.Config{Seed: 7, Size: 20}), fake.Options{APIKey: goodKey, HashErrorStatus: tc.hashErrorStatus})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			if tc.down {
				ts.Close()
			}
			c, err := worksection.New(worksection.Config{Name: source, BaseURL: ts.URL + fake.Path, APIKey: tc.key, HTTP: ckHTTP})
			if err != nil {
				t.Fatal(err)
			}
			var src extract.Source = c
			checker, ok := src.(extract.Checker)
			if !ok {
				t.Fatal("the Worksection source is not an extract.Checker")
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
			sum := md5.Sum([]byte("action=get_user_groups" + tc.key))
			for _, secret := range []string{tc.key, hex.EncodeToString(sum[:])} {
				if strings.Contains(msg, secret) {
					t.Errorf("message carries a secret (%s): %q", secret, msg)
				}
			}
		})
	}
}
