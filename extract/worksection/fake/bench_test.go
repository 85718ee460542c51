package fake

import (
	"net/http"
	"net/http/httptest"
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

// BenchmarkGetUsers renders get_users for 100,000 people per iteration.
func BenchmarkGetUsers(b *testing.B) {
	srv := New(synth.New(synth.Config{Seed: 1, Size: 100_000}), Options{})
	target := Path + "?" + signed("action=get_users", srv.APIKey())
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{header: http.Header{}}
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		b.SetBytes(int64(w.n))
	}
}
