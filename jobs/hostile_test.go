package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract/synth"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// The hostile-reply matrix: every provider's fake is put behind a proxy that spoils
// the replies of one kind of request in one way, and a sync must end either in a
// correct load or in a clean failure of that source alone (one line naming the source
// and the cause, its history untouched, the other sources loaded).

// hostileTarget says where a provider keeps what the matrix spoils.
type hostileTarget struct {
	source, provider string
	// users matches the requests that list users; usersAt is the path of the users
	// array in their replies.
	users   func(r *http.Request, body []byte) bool
	usersAt []string
	// enum matches the requests whose replies carry enum values; enumFields are their
	// names wherever they occur under enumAt (the whole reply when empty).
	enum       func(r *http.Request, body []byte) bool
	enumAt     []string
	enumFields []string
	// enumCheck is a query over the spoiled source's current users that must return
	// no rows after an unknown enum value was loaded (the value kept, mapped to unknown).
	enumCheck string
}

func pathIs(p string) func(*http.Request, []byte) bool {
	return func(r *http.Request, _ []byte) bool { return r.URL.Path == p }
}

func pathHas(prefix string) func(*http.Request, []byte) bool {
	return func(r *http.Request, _ []byte) bool { return strings.HasPrefix(r.URL.Path, prefix) }
}

func rpcMethodIs(m string) func(*http.Request, []byte) bool {
	return func(_ *http.Request, body []byte) bool {
		var call struct{ Method string }
		return json.Unmarshal(body, &call) == nil && call.Method == m
	}
}

func hostileTargets() []hostileTarget {
	return []hostileTarget{
		{
			source: "close-demo", provider: "close",
			users: pathIs("/api/v1/user/"), usersAt: []string{"data"},
			enum: pathHas("/api/v1/organization/"), enumFields: []string{"role_id"},
			enumCheck: `SELECT user_id FROM users_current WHERE source = 'close-demo' 
				AND NOT (role = 'unknown' AND role_raw = 'galactic_overlord')`,
		},
		{
			source: "worksection-demo", provider: "worksection",
			users: func(r *http.Request, _ []byte) bool { return r.URL.Query().Get("action") == "get_users" }, usersAt: []string{"data"},
			enum: func(r *http.Request, _ []byte) bool { return r.URL.Query().Get("action") == "get_users" }, enumAt: []string{"data"}, enumFields: []string{"role"},
			enumCheck: `SELECT user_id FROM users_current WHERE source = 'worksection-demo' 
				AND NOT (role = 'unknown' AND role_raw = 'galactic_overlord')`,
		},
		{
			source: "zoom-cc-demo", provider: "zoom_contact_center",
			users: pathIs("/v2/contact_center/users"), usersAt: []string{"users"},
			enum: pathIs("/v2/contact_center/users"), enumAt: []string{"users"}, enumFields: []string{"role_id", "role_name", "status_id", "status_name", "user_access"},
			enumCheck: `SELECT u.user_id FROM users_current u WHERE source = 'zoom-cc-demo'
				AND (NOT (role = 'unknown' AND role_raw = 'galactic_overlord') OR NOT EXISTS (SELECT 1 FROM user_status s WHERE s.user_key = u.user_key AND s.status = 'unknown' AND s.status_raw = 'galactic_overlord'))`,
		},
		{
			source: "uis-demo", provider: "uis",
			users: rpcMethodIs("get.employees"), usersAt: []string{"result", "data"},
			// A status is get.statuses' mnemonic for the employee's status_id, or the
			// employee's deprecated status mnemonic.
			enum: func(r *http.Request, b []byte) bool {
				return rpcMethodIs("get.statuses")(r, b) || rpcMethodIs("get.employees")(r, b)
			},
			enumAt: []string{"result", "data"}, enumFields: []string{"mnemonic", "status"},
			enumCheck: `SELECT u.user_id FROM users_current u WHERE source = 'uis-demo' 
				AND NOT EXISTS (SELECT 1 FROM user_status s WHERE s.user_key = u.user_key AND s.status = 'unknown' AND s.status_raw = 'galactic_overlord')`,
		},
	}
}

// spoil is what the proxy does to a matched reply; it writes the reply itself.
type spoil func(w http.ResponseWriter, status int, header http.Header, body []byte, tg hostileTarget)

// hostileOutcome is what a case must end in.
type hostileOutcome int

const (
	// loadsSame: the source succeeds and its current users equal a clean run's.
	loadsSame hostileOutcome = iota + 1
	// loadsEnums: the source succeeds and the unknown enum values are kept, mapped to unknown.
	loadsEnums
	// fails: the source fails cleanly and its history is untouched.
	fails
	// loadsReported: the source succeeds, keeps the last copy of a user listed twice with
	// different content, and reports the conflict in data_quality.
	loadsReported
)

type hostileCase struct {
	name  string
	enum  bool // spoil the enum-carrying requests instead of the users listing
	times int  // how many matching replies are spoiled; -1 every one
	spoil spoil
	want  hostileOutcome
	// per overrides want for some providers (by provider name), with the reason in a
	// comment.
	per map[string]hostileOutcome
	// why must appear in a failed source's error.
	why *regexp.Regexp
	// timeout is the sources' per-request timeout; 1s when empty (the slow-loris cases
	// fail fast with it; a 32 MiB body must be given time to arrive under -race).
	timeout string
}

func writeReply(w http.ResponseWriter, status int, header http.Header, body []byte) {
	for k, v := range header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// editJSON decodes body (numbers kept as text), applies f and re-encodes it.
func editJSON(body []byte, f func(v any) any) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return body // not JSON (an error page): leave it alone
	}
	out, err := json.Marshal(f(v))
	if err != nil {
		panic(err)
	}
	return out
}

// at returns the array at path in v, and a setter for it.
func at(v any, path []string) ([]any, func([]any)) {
	obj, ok := v.(map[string]any)
	for i, k := range path {
		if !ok {
			return nil, nil
		}
		if i == len(path)-1 {
			arr, _ := obj[k].([]any)
			return arr, func(a []any) { obj[k] = a }
		}
		obj, ok = obj[k].(map[string]any)
	}
	return nil, nil
}

// walk rewrites every scalar under v with f.
func walk(v any, f func(any) any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = walk(e, f)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = walk(e, f)
		}
		return x
	}
	return f(v)
}

// setFields sets every field named in names, at any depth under v, to value.
func setFields(v any, names []string, value any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(names, k) {
				x[k] = value
			} else {
				setFields(e, names, value)
			}
		}
	case []any:
		for _, e := range x {
			setFields(e, names, value)
		}
	}
}

func editUsers(f func(users []any) []any) spoil {
	return func(w http.ResponseWriter, status int, h http.Header, body []byte, tg hostileTarget) {
		writeReply(w, status, h, editJSON(body, func(v any) any {
			if users, set := at(v, tg.usersAt); set != nil && len(users) > 0 {
				set(f(users))
			}
			return v
		}))
	}
}

var integerText = regexp.MustCompile(`^-?[1-9][0-9]{0,14}$`)

func hostileCases() []hostileCase {
	const infinite = -1
	return []hostileCase{
		{name: "JSON labelled text/html", times: infinite, want: loadsSame,
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
				h = h.Clone()
				h.Set("Content-Type", "text/html; charset=utf-8")
				writeReply(w, s, h, b)
			}},
		{name: "JSON without a content type", times: infinite, want: loadsSame,
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
				h = h.Clone()
				h.Del("Content-Type")
				w.Header()["Content-Type"] = nil // keep net/http from sniffing one
				writeReply(w, s, h, b)
			}},
		{name: "HTML error page with 200", times: infinite, want: fails, why: regexp.MustCompile(`malformed|not JSON|HTML`),
			spoil: func(w http.ResponseWriter, _ int, _ http.Header, _ []byte, _ hostileTarget) {
				writeReply(w, 200, http.Header{"Content-Type": {"text/html"}},
					[]byte("<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be right back</h1></body></html>"))
			}},
		{name: "truncated body", times: infinite, want: fails, why: regexp.MustCompile(`malformed|truncated|unexpected end|EOF`),
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
				writeReply(w, s, h, b[:len(b)/2])
			}},
		{name: "invalid JSON", times: infinite, want: fails, why: regexp.MustCompile(`malformed|invalid`),
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
				writeReply(w, s, h, bytes.Replace(b, []byte(":"), []byte(";"), 1))
			}},
		{name: "gigantic endless body", times: infinite, want: fails, why: regexp.MustCompile(`too large|larger than|more than \d+ bytes`), timeout: "60s",
			spoil: func(w http.ResponseWriter, _ int, h http.Header, b []byte, _ hostileTarget) {
				w.Header().Set("Content-Type", h.Get("Content-Type"))
				w.WriteHeader(200)
				w.Write(b[:bytes.IndexByte(b, '[')+1])
				chunk := bytes.Repeat([]byte(`{"id": "padding", "name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},`), 1<<12)
				for range 2 << 20 / len(chunk) * 64 { // up to 128 MiB, far past the limit
					if _, err := w.Write(chunk); err != nil {
						return // the client hung up, as it should
					}
				}
			}},
		{name: "slow-loris reply once, then a good one", times: 1, want: loadsSame, spoil: slowLoris,
			timeout: "3s"}, // the good reply must not time out on a loaded machine (it did at 1s under -race)
		{name: "slow-loris replies every time", times: infinite, want: fails, why: regexp.MustCompile(`timed out|timeout`), spoil: slowLoris},
		{name: "redirect to another host", times: infinite, want: fails, why: regexp.MustCompile(`redirect refused`),
			spoil: func(w http.ResponseWriter, _ int, _ http.Header, _ []byte, _ hostileTarget) {
				w.Header().Set("Location", "http://thief.invalid/steal")
				w.WriteHeader(http.StatusFound)
			}},
		{name: "duplicate ids within a page", times: infinite, want: loadsSame,
			spoil: editUsers(func(u []any) []any { return append(u, u[0], u[len(u)-1]) })},
		{name: "duplicate ids with different content", times: 1, want: loadsReported,
			spoil: editUsers(func(u []any) []any {
				cp := map[string]any{}
				for k, v := range u[0].(map[string]any) {
					cp[k] = v
				}
				for _, k := range []string{"email", "user_email", "first_name", "display_name", "full_name", "name"} {
					if _, ok := cp[k]; ok {
						cp[k] = "someone.else@example.com"
					}
				}
				return append(u, cp)
			})},
		{name: "null where a user object is expected", times: 1, want: fails, why: regexp.MustCompile(`malformed|null`),
			spoil: editUsers(func(u []any) []any { u[0] = nil; return u })},
		{name: "null users array", times: 1, want: fails, why: regexp.MustCompile(`malformed|null|incomplete|no users|empty`),
			// UIS pages by offset and checks total_items: a page short of its users
			// restarts the listing, which then completes.
			per: map[string]hostileOutcome{"uis": loadsSame},
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, tg hostileTarget) {
				writeReply(w, s, h, editJSON(b, func(v any) any {
					if _, set := at(v, tg.usersAt); set != nil {
						set(nil)
					}
					return v
				}))
			}},
		{name: "numbers as strings", times: infinite, want: loadsSame,
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
				writeReply(w, s, h, editJSON(b, func(v any) any {
					return walk(v, func(x any) any {
						if n, ok := x.(json.Number); ok {
							return n.String()
						}
						return x
					})
				}))
			}},
		{name: "strings as numbers", times: infinite, want: loadsSame,
			spoil: editUsers(func(u []any) []any {
				return walk(u, func(x any) any {
					if s, ok := x.(string); ok && integerText.MatchString(s) {
						return json.Number(s)
					}
					return x
				}).([]any)
			})},
		{name: "unknown enum values", enum: true, times: infinite, want: loadsEnums,
			spoil: func(w http.ResponseWriter, s int, h http.Header, b []byte, tg hostileTarget) {
				writeReply(w, s, h, editJSON(b, func(v any) any {
					var under any = v
					if len(tg.enumAt) > 0 {
						under, _ = at(v, tg.enumAt)
					}
					setFields(under, tg.enumFields, "galactic_overlord")
					return v
				}))
			}},
	}
}

// slowLoris sends the headers and then a byte every 100 ms, past the client's timeout.
func slowLoris(w http.ResponseWriter, s int, h http.Header, b []byte, _ hostileTarget) {
	w.Header().Set("Content-Type", h.Get("Content-Type"))
	w.WriteHeader(s)
	f := w.(http.Flusher)
	for i := range b {
		if _, err := w.Write(b[i : i+1]); err != nil {
			return
		}
		f.Flush()
		time.Sleep(100 * time.Millisecond)
	}
}

// hostileProxy forwards every request to upstream and spoils the replies of matching
// ones while its budget lasts.
type hostileProxy struct {
	upstream string
	match    func(*http.Request, []byte) bool
	spoil    spoil
	target   hostileTarget
	left     atomic.Int64 // spoils left; negative: endless
	armed    atomic.Bool
	spoiled  atomic.Int64
}

func (p *hostileProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if p.armed.Load() && resp.StatusCode == 200 && p.match(r, body) && p.take() {
		p.spoiled.Add(1)
		p.spoil(w, resp.StatusCode, resp.Header, reply, p.target)
		return
	}
	writeReply(w, resp.StatusCode, resp.Header, reply)
}

func (p *hostileProxy) take() bool {
	for {
		n := p.left.Load()
		if n == 0 {
			return false
		}
		if n < 0 || p.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// currentOf renders the current users of one source, every canonical column but the
// raw `extra` (which keeps the provider's values verbatim, types included) and the
// bookkeeping of versions.
func currentOf(t *testing.T, db *sql.DB, source string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT to_json(x)::VARCHAR FROM (SELECT * EXCLUDE (extra, row_hash, changed_fields, valid_from, valid_to, run_id)
		FROM users_history WHERE is_current AND source = $1) x ORDER BY user_key`, source)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// diffLines reports the first lines where got and want differ.
func diffLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d current users, a clean run has %d", len(got), len(want))
	}
	shown := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] && shown < 3 {
			shown++
			t.Errorf("current user differs from a clean run's:\n got %s\nwant %s", got[i], want[i])
		}
	}
}

func historyOfSource(t *testing.T, db *sql.DB, source string) string {
	t.Helper()
	return fingerprintWhere(t, db, "source = $1", source)
}

const hostileSeed, hostileSize = 23, 36

// hostileWorld is one set of fakes behind proxies and a warehouse of its own.
type hostileWorld struct {
	fakes   *jobs.Fakes
	proxies map[string]*hostileProxy
	dir     string
	cfg     *config.Config
	runs    int
}

func newHostileWorld(t *testing.T, timeout string) *hostileWorld {
	t.Helper()
	fakes, err := jobs.StartFakes(synth.New(synth.Config{Seed: hostileSeed, Size: hostileSize}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fakes.Stop)
	w := &hostileWorld{fakes: fakes, proxies: map[string]*hostileProxy{}, dir: t.TempDir()}
	yaml := fakes.ConfigYAML("", filepath.Join(w.dir, "r.duckdb"), filepath.Join(w.dir, "lake"))
	for _, tg := range hostileTargets() {
		p := &hostileProxy{upstream: fakes.Addrs[tg.provider], target: tg}
		srv := httptest.NewServer(p)
		t.Cleanup(srv.Close)
		w.proxies[tg.provider] = p
		yaml = strings.ReplaceAll(yaml, "http://"+p.upstream+"/", srv.URL+"/")
		// Small budgets so that the failing cases fail quickly.
		yaml = strings.Replace(yaml, "    provider: "+tg.provider+"\n",
			"    provider: "+tg.provider+"\n    timeout: "+timeout+"\n    max_retries: 1\n    max_backoff: 20ms\n", 1)
	}
	w.cfg, err = config.Parse([]byte(yaml), filepath.Join(w.dir, "roster.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// sync runs day d for the named sources (all when none are named).
func (w *hostileWorld) sync(t *testing.T, day int, sources ...string) jobs.SyncResult {
	t.Helper()
	w.fakes.SetDay(day)
	w.runs++
	at := w.fakes.Population.Day(day).Date.Add(2*time.Hour + time.Duration(w.runs)*time.Minute)
	var tick atomic.Int64
	res, err := jobs.Sync(context.Background(), jobs.SyncOptions{Config: w.cfg, Sources: sources, Logger: zerolog.Nop(), BatchSize: 9,
		Now: func() time.Time { return at.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
	if err != nil {
		t.Fatalf("sync day %d: %v", day, err)
	}
	return res
}

func (w *hostileWorld) db(t *testing.T) *sql.DB {
	return (&harness{cfg: w.cfg}).db(t)
}

func TestHostileRepliesEndInACorrectLoadOrACleanFailureOfThatSourceOnly(t *testing.T) {
	t.Parallel()
	// The reference: the same two days with nothing spoiled.
	var (
		refOnce sync.Once
		ref     map[string][]string
	)
	reference := func(t *testing.T) map[string][]string {
		refOnce.Do(func() {
			w := newHostileWorld(t, "1s")
			for d := range 2 {
				if res := w.sync(t, d); res.Failed() {
					t.Fatalf("clean day %d: %+v", d, res.Sources)
				}
			}
			db := w.db(t)
			ref = map[string][]string{}
			for _, tg := range hostileTargets() {
				ref[tg.source] = currentOf(t, db, tg.source)
			}
		})
		if ref == nil {
			t.Fatal("no reference")
		}
		return ref
	}
	targets := hostileTargets()
	for i, tg := range targets {
		// The spoiled source syncs beside one other, which must load whatever happens.
		pair := []string{tg.source, targets[(i+1)%len(targets)].source}
		for _, tc := range hostileCases() {
			t.Run(tg.provider+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				clean := reference(t)
				timeout := tc.timeout
				if timeout == "" {
					timeout = "1s"
				}
				w := newHostileWorld(t, timeout)
				if res := w.sync(t, 0, pair...); res.Failed() {
					t.Fatalf("clean day 0: %+v", res.Sources)
				}
				before := historyOfSource(t, w.db(t), tg.source)
				p := w.proxies[tg.provider]
				p.match, p.spoil = tg.users, tc.spoil
				if tc.enum {
					p.match = tg.enum
				}
				p.left.Store(int64(tc.times))
				p.armed.Store(true)
				res := w.sync(t, 1, pair...)
				p.armed.Store(false)
				if len(res.Sources) != 2 {
					t.Fatalf("%d sources ran, want %v", len(res.Sources), pair)
				}
				if p.spoiled.Load() == 0 {
					t.Fatal("the proxy spoiled no reply: the case tests nothing")
				}
				var got *struct{ status, err string }
				for _, r := range res.Sources {
					if r.Source == tg.source {
						got = &struct{ status, err string }{r.Status, r.Error}
					} else if r.Status != "succeeded" {
						t.Errorf("another source, %s, did not load: %s", r.Source, r.Error)
					}
				}
				if got == nil {
					t.Fatalf("no result for %s: %+v", tg.source, res.Sources)
				}
				db := w.db(t)
				want := tc.want
				if o, ok := tc.per[tg.provider]; ok {
					want = o
				}
				switch want {
				case loadsSame, loadsEnums, loadsReported:
					if got.status != "succeeded" {
						t.Fatalf("want a correct load, got a failure: %s", got.err)
					}
					switch want {
					case loadsSame:
						diffLines(t, currentOf(t, db, tg.source), clean[tg.source])
						return
					case loadsReported:
						if n := queryInt(t, db, `SELECT failing_rows FROM data_quality WHERE run_id = $1 AND source = $2
							AND check_name = 'conflicting_duplicate'`, res.Run.RunID, tg.source); n != 1 {
							t.Errorf("conflicting_duplicate reports %d users, want 1", n)
						}
						return
					}
					if n := queryInt(t, db, `SELECT sum(failing_rows) FROM data_quality WHERE run_id = $1 AND source = $2
						AND check_name IN ('unknown_role', 'unknown_status')`, res.Run.RunID, tg.source); n == 0 {
						t.Error("the unknown values are not reported in data_quality")
					}
					rows, err := db.Query(tg.enumCheck)
					if err != nil {
						t.Fatal(err)
					}
					defer rows.Close()
					var bad []string
					for rows.Next() {
						var id string
						if err := rows.Scan(&id); err != nil {
							t.Fatal(err)
						}
						bad = append(bad, id)
					}
					if len(bad) > 0 {
						var u, st sql.NullString
						db.QueryRow(`SELECT to_json(x)::VARCHAR FROM users_current x WHERE user_id = $1`, bad[0]).Scan(&u)
						db.QueryRow(`SELECT string_agg(to_json(x)::VARCHAR, E'\n') FROM user_status x WHERE user_key = $1`, tg.source+":"+bad[0]).Scan(&st)
						t.Errorf("%d users did not keep the unknown value as unknown, as %s:\n%s\n%s", len(bad), bad[0], u.String, st.String)
					}
				case fails:
					if got.status != "failed" {
						t.Fatalf("want a clean failure, the source %s", got.status)
					}
					if !strings.HasPrefix(got.err, tg.source+": ") || strings.Contains(got.err, "\n") || !tc.why.MatchString(got.err) {
						t.Errorf("error %q: want one line naming %s and matching %q", got.err, tg.source, tc.why)
					}
					if after := historyOfSource(t, db, tg.source); after != before {
						t.Error("the failed source's history changed")
					}
				}
				if t.Failed() {
					t.Logf("source result: %s %s", got.status, got.err)
				}
			})
		}
	}
}
