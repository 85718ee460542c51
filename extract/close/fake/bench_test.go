package fake

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/roster-etl/roster/extract/synth"
)

// discard is a ResponseWriter that counts and drops the body, so benchmarks measure
// rendering rather than buffering.
type discard struct {
	header http.Header
	n      int
	status int
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

func benchServer(b *testing.B, size int) *Server {
	b.Helper()
	srv := New(synth.New(synth.Config{Seed: 1, Size: size}), Options{APIKey: testKey})
	srv.ServeHTTP(&discard{header: http.Header{}}, authed(usersPath(0, 1))) // build the day and its ordering
	return srv
}

func authed(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Authorization", basicAuth(testKey))
	return r
}

// BenchmarkUserPages pages through 100,000 users, 1,000 a page, per iteration.
func BenchmarkUserPages(b *testing.B) {
	const size = 100_000
	srv := benchServer(b, size)
	b.ReportAllocs()
	for b.Loop() {
		for skip := 0; skip < size; skip += 1000 {
			w := &discard{header: http.Header{}}
			srv.ServeHTTP(w, authed("/api/v1/user/?_limit=1000&_skip="+strconv.Itoa(skip)))
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	}
}

// BenchmarkOrganization renders the memberships of 100,000 users.
func BenchmarkOrganization(b *testing.B) {
	srv := benchServer(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{header: http.Header{}}
		srv.ServeHTTP(w, authed("/api/v1/organization/"+srv.OrgID()+"/"))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkAvailability renders the availability of 100,000 users.
func BenchmarkAvailability(b *testing.B) {
	srv := benchServer(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{header: http.Header{}}
		srv.ServeHTTP(w, authed("/api/v1/user/availability/"))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}
