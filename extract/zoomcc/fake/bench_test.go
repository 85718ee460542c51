package fake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/roster-etl/roster/extract/synth"
)

// recorder is a ResponseWriter that keeps the body only while asked to, so benchmarks
// measure rendering rather than buffering.
type recorder struct {
	header http.Header
	status int
	keep   bool
	body   []byte
	n      int
}

func (d *recorder) Header() http.Header    { return d.header }
func (d *recorder) WriteHeader(status int) { d.status = status }
func (d *recorder) Write(b []byte) (int, error) {
	d.n += len(b)
	if d.keep {
		d.body = append(d.body, b...)
	}
	return len(b), nil
}

func benchServer(b *testing.B, size int) (*Server, string) {
	b.Helper()
	srv := New(synth.New(synth.Config{Seed: 1, Size: size}), Options{})
	return srv, srv.IssueToken()
}

func authed(target, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// BenchmarkUserPages pages through 100,000 users, 300 a page, per iteration.
func BenchmarkUserPages(b *testing.B) {
	srv, token := benchServer(b, 100_000)
	srv.ServeHTTP(&recorder{header: http.Header{}}, authed(UsersPath+"?page_size=1", token)) // build the day
	b.ReportAllocs()
	for b.Loop() {
		next := ""
		for {
			target := UsersPath + "?page_size=300"
			if next != "" {
				target += "&next_page_token=" + url.QueryEscape(next)
			}
			w := &recorder{header: http.Header{}, keep: true}
			srv.ServeHTTP(w, authed(target, token))
			if w.status != http.StatusOK {
				b.Fatalf("status %d: %s", w.status, w.body)
			}
			var p struct {
				Next string `json:"next_page_token"`
			}
			// The token is at the start of the page: decode only that far.
			if err := json.Unmarshal(append(w.body[:indexUsers(w.body)], '}'), &p); err != nil {
				b.Fatal(err)
			}
			if next = p.Next; next == "" {
				break
			}
		}
	}
}

// indexUsers returns the offset of the comma before "total_records" in a page.
func indexUsers(body []byte) int {
	for i := 0; i+16 < len(body); i++ {
		if string(body[i:i+16]) == `,"total_records"` {
			return i
		}
	}
	return len(body)
}

// BenchmarkTeamAgents renders the agents of every team of 100,000 users.
func BenchmarkTeamAgents(b *testing.B) {
	srv, token := benchServer(b, 100_000)
	snap := srv.pop.Day(0)
	teams := map[string]bool{}
	for _, p := range snap.People {
		teams[p.Team] = true
	}
	b.ReportAllocs()
	for b.Loop() {
		for name := range teams {
			w := &recorder{header: http.Header{}}
			srv.ServeHTTP(w, authed("/v2/contact_center/teams/"+srv.TeamID(name)+"/agents?page_size=300", token))
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	}
}
