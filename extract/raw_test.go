package extract_test

import (
	"encoding/json"
	"slices"
	"testing"

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

func TestMemberNamesAreSortedDistinctAndTheLastIDWins(t *testing.T) {
	t.Parallel()
	names, id, err := extract.MemberNames([]byte(`{"z":1,"id":"a","b":2,"id":"b"}`), "id")
	if err != nil || !slices.Equal(names, []string{"b", "id", "z"}) || string(id) != `"b"` {
		t.Errorf("got %q, %s, %v", names, id, err)
	}
}

func TestRawFingerprintsDependOnBytesAndEveryContextPart(t *testing.T) {
	t.Parallel()
	var f extract.RawFingerprinter
	base := f.Sum([]byte(`{"id":"a"}`), "org", "role")
	for name, got := range map[string][16]byte{
		"other bytes":          f.Sum([]byte(`{"id":"b"}`), "org", "role"),
		"other context":        f.Sum([]byte(`{"id":"a"}`), "org", "admin"),
		"context parts joined": f.Sum([]byte(`{"id":"a"}`), "orgrole"),
		"context moved":        f.Sum([]byte(`{"id":"a"}`), "", "orgrole"),
		"no context":           f.Sum([]byte(`{"id":"a"}`)),
	} {
		if got == base {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	if again := f.Sum([]byte(`{"id":"a"}`), "org", "role"); again != base {
		t.Error("the same input gave another fingerprint")
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
