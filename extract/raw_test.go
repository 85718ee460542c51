package extract_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

func TestMembersListsEachNameWithItsRawValue(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		raw  string
		want []string // name=value pairs, in order
	}{
		"empty object":       {`{}`, nil},
		"spaces everywhere":  {" {\n \"a\" :\t1 , \"b\":\"x\" }\r\n", []string{"a=1", "b=\"x\""}},
		"nested values":      {`{"a":{"b":[1,{"c":"}"}]},"d":[]}`, []string{`a={"b":[1,{"c":"}"}]}`, "d=[]"}},
		"escapes in strings": {`{"a\"b":"x\\\"}","\u0063":null}`, []string{`a"b="x\\\"}"`, "c=null"}},
		"repeated names":     {`{"id":"1","id":"2"}`, []string{`id="1"`, `id="2"`}},
		"literals":           {`{"t":true,"f":false,"n":-1.5e3}`, []string{"t=true", "f=false", "n=-1.5e3"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got []string
			if err := extract.Members([]byte(tc.raw), func(name string, value []byte) { got = append(got, name+"="+string(value)) }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMembersRefusesWhatIsNotOneObject(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{``, `[]`, `"a"`, `null`, `{"a":1`, `{"a":1}x`, `{"a" 1}`, `{"a":1 "b":2}`, `{a:1}`,
		`{"a":}`, `{"a":[1}`, `{"a":"x}`, `{"a":{"b":1]}`, `{"a":1,}`} {
		if err := extract.Members([]byte(raw), func(string, []byte) {}); err == nil {
			t.Errorf("%q: no error", raw)
		}
	}
}

func TestObjectNamesAreSortedDistinctAndTheLastPickWins(t *testing.T) {
	t.Parallel()
	var f extract.RawFingerprinter
	names, picked, _, err := f.Object([]byte(`{"z":1,"id":"a","b":2,"id":"b"}`), []string{"id", "status", "z"}, nil)
	if err != nil || !slices.Equal(names, []string{"b", "id", "z"}) || string(picked[0]) != `"b"` || picked[1] != nil || string(picked[2]) != "1" {
		t.Errorf("got %q, %q, %v", names, picked, err)
	}
	if _, _, _, err := f.Object([]byte(`["id"]`), []string{"id"}, nil); err == nil {
		t.Error("a list was read as an object")
	}
}

func TestFingerprintsDependOnWhatAMapOfTheMembersHoldsAndEveryContextPartButNoVolatileMember(t *testing.T) {
	t.Parallel()
	var f extract.RawFingerprinter
	volatile := []string{"status"}
	sum := func(raw string, related ...string) [16]byte {
		t.Helper()
		_, _, digest, err := f.Object([]byte(raw), nil, volatile)
		if err != nil {
			t.Fatal(err)
		}
		return f.Sum(digest, related...)
	}
	base := sum(`{"id":"a","n":1,"status":"on"}`, "org", "role")
	for name, tc := range map[string]struct {
		got  [16]byte
		same bool
	}{
		"the same object":         {sum(`{"id":"a","n":1,"status":"on"}`, "org", "role"), true},
		"spaces between members":  {sum(` { "id" : "a", "n":1 ,"status":"on"}`, "org", "role"), true},
		"a volatile member":       {sum(`{"id":"a","n":1,"status":"off"}`, "org", "role"), true},
		"a volatile member gone":  {sum(`{"id":"a","n":1}`, "org", "role"), true},
		"another value":           {sum(`{"id":"a","n":2,"status":"on"}`, "org", "role"), false},
		"another value's spacing": {sum(`{"id":"a","n":[1, 2],"status":"on"}`, "org", "role"), false},
		"another name":            {sum(`{"id":"a","m":1,"status":"on"}`, "org", "role"), false},
		"members reordered":       {sum(`{"n":1,"id":"a","status":"on"}`, "org", "role"), true},
		"a member repeated":       {sum(`{"id":"a","n":1,"n":1,"status":"on"}`, "org", "role"), true},
		"a repeat's last value":   {sum(`{"id":"a","n":2,"n":1,"status":"on"}`, "org", "role"), true},
		"a repeat's other value":  {sum(`{"id":"a","n":1,"n":2,"status":"on"}`, "org", "role"), false},
		"another context":         {sum(`{"id":"a","n":1,"status":"on"}`, "org", "admin"), false},
		"context parts joined":    {sum(`{"id":"a","n":1,"status":"on"}`, "orgrole"), false},
		"context moved":           {sum(`{"id":"a","n":1,"status":"on"}`, "", "orgrole"), false},
		"no context":              {sum(`{"id":"a","n":1,"status":"on"}`), false},
	} {
		if (tc.got == base) != tc.same {
			t.Errorf("%s: same fingerprint %v, want %v", name, tc.got == base, tc.same)
		}
	}
}

// FuzzMembers checks Members against encoding/json on every object the latter accepts:
// the same names, and values that decode to the same thing.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"d\"}"}],"e":null}`, `{"\u00e9":"x","a":{"a":{}}}`, ` {"a" : true } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want map[string]json.RawMessage
		if json.Unmarshal(raw, &want) != nil || want == nil {
			return
		}
		got := map[string]json.RawMessage{}
		if err := extract.Members(raw, func(name string, value []byte) { got[name] = value }); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d names, encoding/json %d", raw, len(got), len(want))
		}
		for name, w := range want {
			var a, b any
			if json.Unmarshal(got[name], &a) != nil || json.Unmarshal(w, &b) != nil {
				t.Fatalf("%q: member %q: %s vs %s", raw, name, got[name], w)
			}
			aj, _ := json.Marshal(a)
			bj, _ := json.Marshal(b)
			if string(aj) != string(bj) {
				t.Fatalf("%q: member %q: %s, encoding/json %s", raw, name, got[name], w)
			}
		}
	})
}

// FuzzObjectDigestsAsTheDecodedMap checks that reading an object (Object) and decoding
// it into a map as the providers do (Digest over its sorted keys) give the same names,
// picked values and digest, volatile members left out.
func FuzzObjectDigestsAsTheDecodedMap(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"a","n":1,"status":"on"}`, `{"b":1,"a":2,"b":3}`, `{"a\\"b":"\\\\","c":[{"d":"]"}]}`, ` {"\u0069d" : 7 } `} {
		f.Add([]byte(s))
	}
	pick, volatile := []string{"id", "status"}, []string{"status"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var obj map[string]json.RawMessage
		if gojson.Unmarshal(raw, &obj) != nil || obj == nil {
			return
		}
		var fp extract.RawFingerprinter
		names, picked, digest, err := fp.Object(raw, pick, volatile)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		keys := slices.Sorted(maps.Keys(obj))
		if !slices.Equal(names, keys) {
			t.Fatalf("%q: names %q, map keys %q", raw, names, keys)
		}
		for i, name := range pick {
			if string(picked[i]) != string(obj[name]) {
				t.Fatalf("%q: %s is %s, in the map %s", raw, name, picked[i], obj[name])
			}
		}
		if d := fp.Digest(obj, keys, volatile); d != digest {
			t.Fatalf("%q: Object and Digest differ", raw)
		}
	})
}

// FuzzMapHoldsWhatTheDecoderMakesOfAnObject: an object the providers' decoder (goccy)
// accepts as a map is mapped by Map to the same names and raw values; a value it
// accepts as JSON but not as an object is refused.
func FuzzMapHoldsWhatTheDecoderMakesOfAnObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"a","n":1.5e3,"on":true,"x":null}`, `{"b":1,"a":2,"b":3}`,
		`{"a\"b":"\\","c":[{"d":"]"}]}`, ` {"\u0069d" : 7 } `, `["a"]`, `"{}"`, `7`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var fp extract.RawFingerprinter
		var obj map[string]json.RawMessage
		if gojson.Unmarshal(raw, &obj) != nil || obj == nil {
			var any json.RawMessage
			if gojson.Unmarshal(raw, &any) == nil && !bytes.HasPrefix(bytes.TrimLeft(any, " \t\r\n"), []byte("{")) {
				if got, err := fp.Map(raw); err == nil {
					t.Fatalf("%q is no object, mapped to %q", raw, got)
				}
			}
			return
		}
		got, err := fp.Map(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if !maps.EqualFunc(got, obj, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
			t.Fatalf("%q: mapped to %q, decoded to %q", raw, got, obj)
		}
	})
}

func TestAFingerprinterReadsEachObjectAsAFreshOneDoesWhateverItReadBefore(t *testing.T) {
	t.Parallel()
	objects := []string{
		`{"id":"a","n":1,"status":"on"}`, `{"id":"b","n":2,"status":"off"}`, // the same names
		`{"n":3,"id":"c","status":"on"}`, // reordered
		`{"id":"d","n":4,"n":5}`,         // a repeat, one fewer
		`{"id":"e","n":6,"m":7}`,         // as many names, another one
		`{"id":"f","n":8,"n":9}`, `{"id":"g"}`, `{}`, `{"id":"h","n":1,"status":"on"}`,
	}
	var shared extract.RawFingerprinter
	for _, raw := range objects {
		var fresh extract.RawFingerprinter
		n1, p1, d1, err1 := shared.Object([]byte(raw), []string{"id", "n"}, []string{"status"})
		n2, p2, d2, err2 := fresh.Object([]byte(raw), []string{"id", "n"}, []string{"status"})
		if err1 != nil || err2 != nil || !slices.Equal(n1, n2) || d1 != d2 || string(p1[0]) != string(p2[0]) || string(p1[1]) != string(p2[1]) {
			t.Errorf("%s: read after others %q %q %x, fresh %q %q %x", raw, n1, p1, d1, n2, p2, d2)
		}
	}
}

// benchObject is a user object the size and shape of a Zoom Contact Center user.
var benchObject = []byte(`{"user_id":"IGTRVt3gQ2i-WjoUIjeZxw","display_name":"Jill Chill","user_email":"jill@example.com",` +
	`"role_id":"27302393-4784-11ec-a3cd-122e3e29bb87","role_name":"Admin","client_integration":"Default",` +
	`"status_id":"1","status_name":"Ready","sub_status_id":"","sub_status_name":"","user_access":"active",` +
	`"modified_by":"xy_admin","last_modified_time":"2026-02-10T21:39:50Z","country_iso_code":"US",` +
	`"region_id":"rg_main","region_name":"Main Region","channel_settings":{"multi_channel_engagements":{"enable":true,"max_agent_load":3},"concurrent_message_capacity":2},` +
	`"package_name":"essentials","add_ons_plan":["ai_expert_assist"],"timezone":"America/New_York"}`)

// BenchmarkReadingAUser compares recognizing a user (reading its object and hashing it
// with its context) with decoding it into a map, which mapping it starts with.
func BenchmarkReadingAUser(b *testing.B) {
	pick, volatile := []string{"user_id", "status_id", "status_name"}, []string{"status_id", "status_name"}
	b.Run("recognize", func(b *testing.B) {
		var fp extract.RawFingerprinter
		b.SetBytes(int64(len(benchObject)))
		for b.Loop() {
			_, _, digest, err := fp.Object(benchObject, pick, volatile)
			if err != nil {
				b.Fatal(err)
			}
			fp.Sum(digest, "account", "team")
		}
	})
	b.Run("map", func(b *testing.B) {
		var fp extract.RawFingerprinter
		b.SetBytes(int64(len(benchObject)))
		for b.Loop() {
			if _, err := fp.Map(benchObject); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(benchObject)))
		for b.Loop() {
			var obj map[string]json.RawMessage
			if err := gojson.Unmarshal(benchObject, &obj); err != nil {
				b.Fatal(err)
			}
		}
	})
}
