package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheReplayerServesTheRecordedReplyWhole checks the replies the measured syncs get:
// the recorded body byte for byte with its content type and length, a 404 naming a
// request nobody recorded, and a 500 for a reply file without its content type line.
func TestTheReplayerServesTheRecordedReplyWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	replies := filepath.Join(dir, "replies")
	if err := os.MkdirAll(replies, 0o755); err != nil {
		t.Fatal(err)
	}
	page := `{"data": [` + strings.Repeat(`{"id": "user_1", "email": "a@example.com"}, `, 20_000) + `{}]}`
	record := func(path, content string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if err := os.WriteFile(keyFile(replies, requestKey(req, nil)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	record("/api/v1/user/?_skip=0", "application/json\n"+page)
	record("/api/v1/empty/", "text/plain; charset=utf-8\n")
	record("/api/v1/broken/", "no content type line")
	srv := httptest.NewServer(replayer{dir: func() string { return dir }})
	defer srv.Close()

	for _, tc := range []struct {
		name, path  string
		status      int
		contentType string
		body        string // "" with status 404/500: only checked to be named
	}{
		{"a recorded page", "/api/v1/user/?_skip=0", http.StatusOK, "application/json", page},
		{"a recorded empty reply", "/api/v1/empty/", http.StatusOK, "text/plain; charset=utf-8", ""},
		{"a request nobody recorded", "/api/v1/user/?_skip=100", http.StatusNotFound, "application/json", "no recorded reply"},
		{"a reply file without its content type", "/api/v1/broken/", http.StatusInternalServerError, "text/plain; charset=utf-8", "no content type line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.contentType {
				t.Fatalf("status %d, content type %q; want %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.contentType)
			}
			if tc.status != http.StatusOK {
				if !strings.Contains(string(got), tc.body) {
					t.Errorf("body %q does not say %q", got, tc.body)
				}
				return
			}
			if string(got) != tc.body || resp.ContentLength != int64(len(tc.body)) {
				t.Errorf("got %d bytes (Content-Length %d), want the %d recorded", len(got), resp.ContentLength, len(tc.body))
			}
		})
	}
}
