package transform_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

// marshalExtra is how extra was written before it was written by hand: the history
// compares its text, so the text must never change.
func marshalExtra(extra map[string]json.RawMessage) string {
	if len(extra) == 0 {
		return "{}"
	}
	clean := make(map[string]json.RawMessage, len(extra))
	for k, v := range extra {
		if !json.Valid(v) {
			v, _ = json.Marshal(string(v))
		}
		clean[k] = v
	}
	b, _ := json.Marshal(clean)
	return string(b)
}

// FuzzExtraIsTheTextEncodingJSONWrites: whatever names and values a provider sends, the
// extra column holds the text encoding/json's Marshal writes of them.
func FuzzExtraIsTheTextEncodingJSONWrites(f *testing.F) {
	for _, s := range [][3]string{
		{"image", `"https://x/y.png"`, `[ ]`},
		{"a<b", `{"x" : "<&>", "y":[1, 2]}`, `"Иван \u2028"`},
		{"né", "\"\xe2\x80\xa8\xe2\x80\xa9\"", `tru`},
		{"Имя", `"Иван"`, `["Петров"]`},
		{"tab\t\"q\"\\", "\"\xff\xfe\"", ``},
		{"", `{"a":{"b":null}}`, "\t 7 \n"},
	} {
		f.Add(s[0], []byte(s[1]), []byte(s[2]))
	}
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	f.Fuzz(func(t *testing.T, name string, v1, v2 []byte) {
		extra := map[string]json.RawMessage{name: v1, name + "2": v2, "z": json.RawMessage(`1`)}
		row := m.User(extract.User{ID: "u", Extra: extra})
		if want := marshalExtra(extra); row.Extra != want {
			t.Fatalf("extra %q = %s, want %s", extra, row.Extra, want)
		}
	})
}
