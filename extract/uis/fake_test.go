package uis_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/extract/uis"
	"github.com/roster-etl/roster/extract/uis/fake"
)

// fakeEnv is a client aimed at the faithful fake, both on one fake clock.
type fakeEnv struct {
	pop    *synth.Population
	server *fake.Server
	client *uis.Client
	clock  *fakeClock
}

func setupFake(t *testing.T, size, pageSize int, opts fake.Options, mod func(*uis.Config)) *fakeEnv {
	t.Helper()
	pop := synth.New(synth.Config{Seed: 20260105, Size: size})
	clock := &fakeClock{now: pop.Date(0).Add(2 * time.Hour)}
	opts.Now = clock.Now
	srv := fake.New(pop, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cfg := uis.Config{
		Name: "uis-fake", BaseURL: ts.URL + fake.APIPath, AccessToken: fake.DefaultToken, PageSize: pageSize,
		HTTP: extract.ClientConfig{Sleep: clock.Sleep, Now: clock.Now, MinBackoff: time.Millisecond},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := uis.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeEnv{pop: pop, server: srv, client: c, clock: clock}
}

// activeIDs are the employee ids the fake lists on day 0 (active people).
func (e *fakeEnv) activeIDs() map[string]bool {
	out := map[string]bool{}
	for _, p := range e.pop.Day(0).People {
		if p.Active {
			out[e.server.UserID(p.ID)] = true
		}
	}
	return out
}

// checkOnce asserts that rec holds every listed employee exactly once.
func checkOnce(t *testing.T, env *fakeEnv, rec *recorder) {
	t.Helper()
	want := env.activeIDs()
	got := map[string]int{}
	for _, u := range rec.users {
		got[u.ID]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("employee %s emitted %d times", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d distinct employees, want %d", len(got), len(want))
	}
}

func TestFakeExtractMatchesPopulation(t *testing.T) {
	t.Parallel()
	env := setupFake(t, 120, 25, fake.Options{}, nil)
	rec := &recorder{}
	if err := env.client.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	checkOnce(t, env, rec)
	byID := map[int]synth.Person{}
	for _, p := range env.pop.Day(0).People {
		byID[p.ID] = p
	}
	var phones, extensions, grouped, patronymics int
	for _, u := range rec.users {
		pid, ok := env.server.PersonID(u.ID)
		if !ok {
			t.Fatalf("unknown employee %s", u.ID)
		}
		p := byID[pid]
		if u.FirstName != strings.TrimSpace(p.FirstName) && u.FirstName != p.FirstName {
			t.Errorf("%s first name %q, want %q", u.ID, u.FirstName, p.FirstName)
		}
		if u.AccountID == "" || u.Role != "" || u.Active != nil {
			t.Errorf("%s: account %q role %q active %v", u.ID, u.AccountID, u.Role, u.Active)
		}
		for _, ph := range u.Phones {
			if strings.TrimSpace(ph.Raw) == "" || (ph.Kind != "other" && ph.Kind != "extension") {
				t.Errorf("%s: phone %+v", u.ID, ph)
			}
			if ph.Kind == "extension" {
				extensions++
			} else {
				phones++
			}
		}
		for _, g := range u.Groups {
			if g.Kind != "group" || g.ID == "" || g.Name == "" {
				t.Errorf("%s: group %+v", u.ID, g)
			}
		}
		if len(u.Groups) > 0 {
			grouped++
		}
		if u.MiddleName != "" {
			patronymics++
		}
		known := env.client.KnownFields()
		for _, f := range u.Fields {
			if !contains(known, f) {
				t.Errorf("field %s not in KnownFields (schema drift or a gap in the mapping)", f)
			}
		}
	}
	if phones == 0 || extensions == 0 || grouped == 0 {
		t.Errorf("phones %d, extensions %d, grouped %d: the fake's data should exercise them", phones, extensions, grouped)
	}
	_ = patronymics
	if len(rec.statuses) == 0 {
		t.Fatal("no statuses")
	}
	for _, st := range rec.statuses {
		if st.Status == "" || st.SubStatus != "" || st.OnCall != nil {
			t.Errorf("status %+v", st)
		}
	}
	if acc := env.client.Account(); acc.Timezone != fake.AccountTimezone {
		t.Errorf("account = %+v", acc)
	}
}

func TestFakeLoginSessionExpiresMidListing(t *testing.T) {
	t.Parallel()
	env := setupFake(t, 60, 10, fake.Options{}, func(cfg *uis.Config) {
		cfg.AccessToken, cfg.Login, cfg.Password = "", fake.DefaultLogin, fake.DefaultPassword
	})
	env.server.Inject(fake.Fault{Method: "get.employees", After: 2, Kind: fake.ExpireSessionBefore})
	rec := &recorder{}
	if err := env.client.Extract(context.Background(), rec); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	checkOnce(t, env, rec)
	if n := env.server.Requests()["login.user"]; n != 2 {
		t.Errorf("login.user requests = %d, want 2", n)
	}
}

func TestFakeRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("minute budget paced", func(t *testing.T) {
		t.Parallel()
		env := setupFake(t, 60, 5, fake.Options{MinutePoints: 4}, nil)
		rec := &recorder{}
		if err := env.client.Extract(context.Background(), rec); err != nil {
			t.Fatalf("Extract: %v", err)
		}
		checkOnce(t, env, rec)
		if st := env.client.Stats(); st.ThrottledMS == 0 {
			t.Errorf("Stats = %+v, want throttled time", st)
		}
	})
	t.Run("minute limit_exceeded waited out", func(t *testing.T) {
		t.Parallel()
		env := setupFake(t, 30, 10, fake.Options{}, nil)
		env.server.Inject(fake.Fault{Method: "get.employees", After: 1, Kind: fake.LimitExceeded, Reset: 20})
		rec := &recorder{}
		if err := env.client.Extract(context.Background(), rec); err != nil {
			t.Fatalf("Extract: %v", err)
		}
		checkOnce(t, env, rec)
		if st := env.client.Stats(); st.ThrottledMS < 20000 || st.Retries != 1 {
			t.Errorf("Stats = %+v, want one retry after 20 s", st)
		}
	})
	t.Run("day budget exhausted fails promptly", func(t *testing.T) {
		t.Parallel()
		env := setupFake(t, 60, 5, fake.Options{DayPoints: 6}, nil)
		start := env.clock.Now()
		err := env.client.Extract(context.Background(), &recorder{})
		if !errors.Is(err, extract.ErrRateLimited) || !strings.Contains(err.Error(), "day limit") {
			t.Fatalf("err = %v, want a day-limit failure", err)
		}
		if waited := env.clock.Now().Sub(start); waited > time.Minute {
			t.Errorf("waited %s before failing", waited)
		}
	})
}

func TestFakeDataChangingBetweenPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault fake.Fault
	}{
		{"insert", fake.Fault{Method: "get.employees", After: 1, Kind: fake.ChangeDataBetweenPages, N: 2}},
		{"delete", fake.Fault{Method: "get.employees", After: 1, Kind: fake.ChangeDataBetweenPages, N: 1, Delete: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 40, 10, fake.Options{}, nil)
			env.server.Inject(tc.fault)
			rec := &recorder{}
			if err := env.client.Extract(context.Background(), rec); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if n := env.server.Requests()["get.employees"]; n <= 4 {
				t.Errorf("get.employees requests = %d, want a restarted listing", n)
			}
		})
	}
	t.Run("never settles", func(t *testing.T) {
		t.Parallel()
		env := setupFake(t, 40, 10, fake.Options{}, nil)
		env.server.Inject(fake.Fault{Method: "get.employees", After: 1, Times: -1, Kind: fake.ChangeDataBetweenPages, N: 1})
		err := env.client.Extract(context.Background(), &recorder{})
		if !errors.Is(err, extract.ErrIncomplete) {
			t.Fatalf("err = %v, want ErrIncomplete", err)
		}
	})
}

func TestFakeAuthFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts fake.Options
		mod  func(*uis.Config)
		want string
	}{
		{"expired key", fake.Options{Tokens: map[string]fake.TokenKind{fake.DefaultToken: fake.Expired}}, nil, "access_token_expired"},
		{"blocked key", fake.Options{Tokens: map[string]fake.TokenKind{fake.DefaultToken: fake.Blocked}}, nil, "access_token_blocked"},
		{"unknown key", fake.Options{}, func(c *uis.Config) { c.AccessToken = "nope-" + testToken }, "access_token_invalid"},
		{"wrong password", fake.Options{}, func(c *uis.Config) {
			c.AccessToken, c.Login, c.Password = "", fake.DefaultLogin, "wrong-"+testPassword
		}, "auth_error"},
		{"IP not allowed", fake.Options{AllowedIPs: []string{"10.1.2.3"}}, nil, "ip_not_whitelisted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 10, 0, tc.opts, tc.mod)
			err := env.client.Extract(context.Background(), &recorder{})
			if !errors.Is(err, extract.ErrAuth) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "uis-fake: ") {
				t.Fatalf("err = %v, want ErrAuth naming %s and the source", err, tc.want)
			}
			for _, secret := range []string{fake.DefaultToken, testPassword, fake.DefaultPassword} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret: %v", err)
				}
			}
		})
	}
}

func TestFakeTransientFaultsRetried(t *testing.T) {
	t.Parallel()
	for _, f := range []fake.Fault{
		{Method: "get.employees", Kind: fake.Status5xx},
		{Method: "get.employees", Kind: fake.NonJSON},
		{Method: "get.employees", Kind: fake.Truncate},
		{Method: "get.employees", Kind: fake.RPCError},
	} {
		t.Run(f.Kind.String(), func(t *testing.T) {
			t.Parallel()
			env := setupFake(t, 20, 0, fake.Options{}, nil)
			env.server.Inject(f)
			rec := &recorder{}
			if err := env.client.Extract(context.Background(), rec); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			checkOnce(t, env, rec)
			if st := env.client.Stats(); st.Retries != 1 {
				t.Errorf("Retries = %d, want 1", st.Retries)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
