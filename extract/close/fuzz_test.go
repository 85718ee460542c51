package close

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// FuzzClassify feeds arbitrary reply bodies and RateLimit headers to the Close reply
// classifier: it must never panic, a 429 is always a rate-limit error with a
// non-negative hint, and a 2xx is never an error.
func FuzzClassify(f *testing.F) {
	f.Add(429, `{"error": {"message": "x", "rate_reset": "0.59", "rate_limit": 40}}`, "limit=100, remaining=0, reset=1")
	f.Add(429, `{"rate_reset": 1e308}`, "")
	f.Add(400, `{"errors": [], "field-errors": {"lead": "This field is required."}}`, "")
	f.Add(401, `{"error": "The server could not verify that you are authorized"}`, "limit=-1, remaining=x")
	f.Add(200, `{"data": [], "has_more": false}`, "")
	f.Add(503, `<html>`, "")
	f.Fuzz(func(t *testing.T, status int, body, rateLimit string) {
		if status < 100 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if rateLimit != "" {
			resp.Header.Set("RateLimit", rateLimit)
		}
		err := classify(resp, []byte(body))
		if status >= 200 && status < 300 && err != nil {
			t.Fatalf("2xx classified as %v", err)
		}
		var rl *extract.RateLimitError
		if status == http.StatusTooManyRequests && (!errors.As(err, &rl) || rl.RetryAfter < 0) {
			t.Fatalf("429 classified as %v", err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("message has a line break: %q", err)
		}
		_ = pace(resp, []byte(body))
	})
}

// FuzzUserObject maps arbitrary JSON user objects: no panic, and every field other than
// the mapped ones lands in Extra, so nothing the API returned is dropped.
func FuzzUserObject(f *testing.F) {
	f.Add(`{"id": "user_1", "email": "a@b.co", "first_name": "A", "organizations": ["orga_1"], "image": "x"}`)
	f.Add(`{"id": 7, "email": ["x"], "date_created": null, "unknown": {"deep": [1, 2]}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		var obj map[string]json.RawMessage
		if gojson.Unmarshal([]byte(body), &obj) != nil {
			return
		}
		d := &directory{org: organization{ID: "orga_1", Name: "Acme"}, members: map[string]member{}, roleNames: map[string]string{}, groups: &extract.Memberships{}}
		u, err := d.user(obj)
		if err != nil {
			return
		}
		if len(u.Fields) != len(obj) {
			t.Fatalf("fields %v of %d", u.Fields, len(obj))
		}
		for name := range obj {
			if _, kept := u.Extra[name]; kept {
				continue
			}
			switch name {
			case fieldID, fieldEmail, fieldFirstName, fieldLastName, fieldDisplayName, fieldTimezone, fieldCreated, fieldUpdated:
			default:
				t.Fatalf("field %q dropped", name)
			}
		}
	})
}
