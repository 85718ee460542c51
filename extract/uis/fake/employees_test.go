package fake

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"unicode"

	"github.com/roster-etl/roster/extract/synth"
)

func TestPagingBounds(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, Options{MaxLimit: 50})
	clamp := setup(t, 40, Options{MaxLimit: 50, ClampPaging: true})
	tests := []struct {
		name     string
		params   map[string]any
		mnemonic string
		clamped  int // page size under ClampPaging
	}{
		{"limit above max", map[string]any{"limit": 51}, "invalid_parameter_value", -1},
		{"limit zero", map[string]any{"limit": 0}, "invalid_parameter_value", 1},
		{"offset negative", map[string]any{"offset": -1}, "invalid_parameter_value", -1},
		{"offset above max", map[string]any{"offset": MaxOffset + 1}, "invalid_parameter_value", 0},
		{"limit string", map[string]any{"limit": "10"}, "data_type_error", -2},
		{"limit fraction", map[string]any{"limit": 1.5}, "data_type_error", -2},
		{"unknown param", map[string]any{"page": 1}, "unexpected_parameters", -2},
		{"unknown field", map[string]any{"fields": []string{"nope"}}, "unexpected_parameters", -2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if code, mn := rpcErr(e.call("get.employees", tc.params)); code != -32602 || mn != tc.mnemonic {
				t.Fatalf("got %d %s, want -32602 %s", code, mn, tc.mnemonic)
			}
			if tc.clamped == -2 {
				return
			}
			m := clamp.call("get.employees", tc.params)
			if code, _ := rpcErr(m); code != 0 {
				t.Fatalf("clamped: %v", m["error"])
			}
		})
	}
}

func TestPagingWalkAndTotals(t *testing.T) {
	t.Parallel()
	e := setup(t, 60, Options{})
	people := activePeople(e.pop, 0)
	n := len(people)
	for _, limit := range []int{1, 7, n, n + 5} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			t.Parallel()
			var ids []string
			for offset := 0; ; offset += limit {
				page, total := e.employees(map[string]any{"limit": limit, "offset": offset})
				if total != n {
					t.Fatalf("total_items %d, want %d", total, n)
				}
				for _, p := range page {
					ids = append(ids, strconv.FormatInt(int64(p["id"].(float64)), 10))
				}
				if offset+limit >= total {
					break
				}
			}
			if len(ids) != n {
				t.Fatalf("walked %d ids, want %d", len(ids), n)
			}
			for i, p := range people {
				if ids[i] != e.srv.UserID(p.ID) {
					t.Fatalf("row %d id %s, want %s", i, ids[i], e.srv.UserID(p.ID))
				}
				if back, ok := e.srv.PersonID(ids[i]); !ok || back != p.ID {
					t.Fatalf("PersonID(%s) = %d", ids[i], back)
				}
			}
		})
	}
	t.Run("exact multiple and empty page", func(t *testing.T) {
		t.Parallel()
		page, total := e.employees(map[string]any{"limit": n, "offset": n})
		if len(page) != 0 || total != n {
			t.Fatalf("past the end: %d rows, total %d", len(page), total)
		}
		page, _ = e.employees(map[string]any{"limit": n})
		if len(page) != n {
			t.Fatalf("one full page: %d", len(page))
		}
	})
}

func TestDeactivatedPeopleAreOmitted(t *testing.T) {
	t.Parallel()
	e := setup(t, 300, Options{})
	for d := 0; d < 6; d++ {
		snap := e.pop.Day(d)
		inactive := 0
		for _, p := range snap.People {
			if !p.Active {
				inactive++
			}
		}
		if inactive == 0 {
			continue
		}
		e.srv.SetDay(d)
		_, total := e.employees(map[string]any{"limit": 1})
		if total != len(snap.People)-inactive {
			t.Fatalf("day %d: total %d, want %d", d, total, len(snap.People)-inactive)
		}
		return
	}
	t.Skip("no deactivated person in the first days")
}

func TestEmployeeFields(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, Options{})
	page, _ := e.employees(map[string]any{"limit": 1000})
	keys := []string{"id", "login", "first_name", "last_name", "patronymic", "full_name", "status", "status_id",
		"calls_available", "allowed_in_call_types", "allowed_out_call_types", "in_external_allowed_call_directions",
		"in_internal_allowed_call_directions", "out_external_allowed_call_directions",
		"out_internal_allowed_call_directions", "email", "call_recording", "schedule_id", "schedule_name", "coach",
		"groups", "phone_numbers", "extension", "operator"}
	var cyrillic, patronymic, dotted, emptyCoach, nullStatus, extObj bool
	for _, emp := range page {
		if len(emp) != len(keys) {
			t.Fatalf("employee has %d keys, want %d: %v", len(emp), len(keys), emp)
		}
		for _, k := range keys {
			if _, ok := emp[k]; !ok {
				t.Fatalf("key %s missing", k)
			}
		}
		pid, _ := e.srv.PersonID(strconv.FormatInt(int64(emp["id"].(float64)), 10))
		p, _ := e.pop.Day(0).Person(pid)
		if ln, _ := emp["last_name"].(string); ln != "" && unicode.Is(unicode.Cyrillic, []rune(ln)[0]) {
			cyrillic = true
			if emp["patronymic"] != nil {
				patronymic = true
				if emp["full_name"] != p.LastName+" "+p.FirstName+" "+p.MiddleName {
					t.Fatalf("full_name %q", emp["full_name"])
				}
			}
		}
		if (p.MiddleName == "") != (emp["patronymic"] == nil) {
			t.Fatalf("patronymic %v for %q", emp["patronymic"], p.MiddleName)
		}
		for _, ph := range emp["phone_numbers"].([]any) {
			num := ph.(map[string]any)["phone_number"].(string)
			if bytes.Contains([]byte(num), []byte("...")) {
				dotted = true
			}
			if num[0] == '+' {
				t.Fatalf("phone with +: %s", num)
			}
		}
		if len(emp["coach"].(map[string]any)) == 0 {
			emptyCoach = true
		}
		if emp["status"] == nil {
			nullStatus = true
		}
		if x := emp["extension"].(map[string]any); len(x) > 0 {
			extObj = true
			if x["extension_phone_number"] != p.Extension {
				t.Fatalf("extension %v, want %s", x, p.Extension)
			}
		} else if p.Extension != "" {
			t.Fatalf("extension {} for %s", p.Extension)
		}
		if len(emp["groups"].([]any)) != len(p.Groups) {
			t.Fatalf("groups %v vs %v", emp["groups"], p.Groups)
		}
	}
	for name, ok := range map[string]bool{"cyrillic": cyrillic, "patronymic": patronymic, "dotted phone": dotted,
		"empty coach": emptyCoach, "custom status": nullStatus, "extension": extObj} {
		if !ok {
			t.Errorf("no employee with %s", name)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, sub string
		want        any
		id          int
	}{
		{"available", "", "available", 1},
		{"away", "Meal", "break", 2},
		{"away", "Break", "break", 2},
		{"away", "Coaching", "not_at_workplace", 4},
		{"away", "", "not_at_workplace", 4},
		{"away", "Training", nil, 101},
		{"away", "Meeting", nil, 102},
		{"dnd", "", "do_not_disturb", 3},
		{"offline", "", "not_at_work", 5},
		{"busy", "", "auto_out_call", 6},
	}
	for _, tc := range tests {
		t.Run(tc.status+":"+tc.sub, func(t *testing.T) {
			t.Parallel()
			got, id := statusOf(&synth.Person{Status: tc.status, SubStatus: tc.sub})
			if got != tc.want || id != tc.id {
				t.Fatalf("got %v %d, want %v %d", got, id, tc.want, tc.id)
			}
		})
	}
}

func TestUISNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, region, want string }{
		{"8 (495) 123-45-67", "RU", "74951234567"},
		{"74955140578", "RU", "74955140578"},
		{"+7 916 123-45-67", "RU", "79161234567"},
		{"89261234567", "RU", "79261234567"},
		{"+1 415-555-0132", "US", "14155550132"},
		{"(415) 555-0199", "US", "14155550199"},
		{"415-555-0123 x123", "US", "14155550123...123"},
		{"+44 20 7946 0958 ext. 12", "GB", "442079460958...12"},
		{"020 7946 0123", "GB", "442079460123"},
		{"+49 (0)89 123456-78", "DE", "498912345678"},
		{"06 12 34 56 78", "FR", "33612345678"},
		{"0491 570 123", "AU", "61491570123"},
		{"12", "US", "12"},
		{"n/a", "US", ""},
		{"call me", "RU", ""},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			t.Parallel()
			if got := uisNumber(tc.raw, tc.region); got != tc.want {
				t.Fatalf("uisNumber(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// rowsByID returns day d's employees as raw JSON by employee id.
func rowsByID(t *testing.T, e *env, d int) map[string]json.RawMessage {
	t.Helper()
	e.srv.SetDay(d)
	r := e.callRaw("get.employees", map[string]any{"access_token": DefaultToken, "limit": 10000})
	var m struct {
		Result struct {
			Data []json.RawMessage `json:"data"`
		} `json:"result"`
	}
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, row := range m.Result.Data {
		var id struct{ ID json.Number }
		_ = json.Unmarshal(row, &id)
		out[id.ID.String()] = row
	}
	return out
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a, b := setup(t, 120, Options{}), setup(t, 120, Options{})
	for _, d := range []int{0, 3} {
		a.srv.SetDay(d)
		b.srv.SetDay(d)
		ra := a.callRaw("get.employees", map[string]any{"access_token": DefaultToken})
		rb := b.callRaw("get.employees", map[string]any{"access_token": DefaultToken})
		// metadata.limits is the same too: both run on identical fake clocks.
		if !bytes.Equal(ra.body, rb.body) {
			t.Fatalf("day %d: replies differ", d)
		}
	}
}

func TestChangesAcrossDays(t *testing.T) {
	t.Parallel()
	e := setup(t, 150, Options{})
	statusKeys := map[string]bool{"status": true, "status_id": true}
	for d := 1; d <= 3; d++ {
		before, after := rowsByID(t, e, d-1), rowsByID(t, e, d)
		changed := map[int]synth.ChangeKind{}
		for _, c := range e.pop.Day(d).Changes {
			changed[c.PersonID] = c.Kind
		}
		for id, row := range after {
			old, ok := before[id]
			if !ok {
				continue
			}
			pid, _ := e.srv.PersonID(id)
			kind, isChanged := changed[pid]
			if !isChanged && !bytes.Equal(old, row) {
				t.Fatalf("day %d: unchanged person %d renders differently\n%s\n%s", d, pid, old, row)
			}
			if kind == synth.StatusOnly {
				var o, n map[string]any
				_ = json.Unmarshal(old, &o)
				_ = json.Unmarshal(row, &n)
				for k := range n {
					if !statusKeys[k] && !reflect.DeepEqual(o[k], n[k]) {
						t.Fatalf("day %d: status-only change of %d touched %s", d, pid, k)
					}
				}
			}
		}
	}
}

func TestFilterSortFields(t *testing.T) {
	t.Parallel()
	e := setup(t, 100, Options{})
	all, total := e.employees(map[string]any{"limit": 1000})
	t.Run("fields projection", func(t *testing.T) {
		t.Parallel()
		page, _ := e.employees(map[string]any{"fields": []string{"id", "full_name"}, "limit": 3})
		if len(page[0]) != 2 || page[0]["full_name"] == nil {
			t.Fatalf("projection %v", page[0])
		}
	})
	t.Run("filter status", func(t *testing.T) {
		t.Parallel()
		want := 0
		for _, x := range all {
			if x["status"] == "available" {
				want++
			}
		}
		_, got := e.employees(map[string]any{"limit": 1, "filter": map[string]any{"field": "status", "operator": "=", "value": "available"}})
		if got != want || want == 0 {
			t.Fatalf("total_items %d, want %d", got, want)
		}
	})
	t.Run("tree or", func(t *testing.T) {
		t.Parallel()
		id0, id1 := all[0]["id"], all[1]["id"]
		page, got := e.employees(map[string]any{"filter": map[string]any{"condition": "or", "filters": []any{
			map[string]any{"field": "id", "operator": "=", "value": id0},
			map[string]any{"field": "id", "operator": "in", "value": []any{id1}},
		}}})
		if got != 2 || page[1]["id"] != id1 {
			t.Fatalf("or: %d", got)
		}
	})
	t.Run("ilike", func(t *testing.T) {
		t.Parallel()
		_, got := e.employees(map[string]any{"filter": map[string]any{"field": "email", "operator": "ilike", "value": "%@%"}})
		if got == 0 || got > total {
			t.Fatalf("ilike: %d", got)
		}
	})
	t.Run("sort desc", func(t *testing.T) {
		t.Parallel()
		page, _ := e.employees(map[string]any{"sort": []any{map[string]any{"field": "last_name", "order": "desc"}}, "limit": 1000})
		for i := 1; i < len(page); i++ {
			if page[i-1]["last_name"].(string) < page[i]["last_name"].(string) {
				t.Fatalf("not descending at %d", i)
			}
		}
	})
	errs := []struct {
		name     string
		params   map[string]any
		mnemonic string
	}{
		{"filter prohibited", map[string]any{"filter": map[string]any{"field": "patronymic", "operator": "=", "value": "x"}}, "filter_prohibited"},
		{"sort prohibited", map[string]any{"sort": []any{map[string]any{"field": "email"}}}, "sort_prohibited"},
		{"unknown filter field", map[string]any{"filter": map[string]any{"field": "nope", "operator": "=", "value": 1}}, "unexpected_parameters"},
		{"wrong value type", map[string]any{"filter": map[string]any{"field": "id", "operator": "=", "value": "x"}}, "data_type_error"},
		{"bad operator", map[string]any{"filter": map[string]any{"field": "id", "operator": "~", "value": 1}}, "invalid_parameter_value"},
		{"bad regexp", map[string]any{"filter": map[string]any{"field": "email", "operator": "regexp", "value": "("}}, "invalid_parameter_value"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if code, mn := rpcErr(e.call("get.employees", tc.params)); code != -32602 || mn != tc.mnemonic {
				t.Fatalf("got %d %s, want %s", code, mn, tc.mnemonic)
			}
		})
	}
}

func TestGroupEmployees(t *testing.T) {
	t.Parallel()
	e := setup(t, 80, Options{})
	res := mustOK(t, e.call("get.group_employees", nil))
	groups := res["data"].([]any)
	if len(groups) != len(synth.GroupNames()) {
		t.Fatalf("%d groups", len(groups))
	}
	want := map[string]int{}
	for _, p := range activePeople(e.pop, 0) {
		for _, g := range p.Groups {
			want[g]++
		}
	}
	emps, _ := e.employees(map[string]any{"limit": 1000})
	byGroup := map[float64]int{}
	for _, emp := range emps {
		for _, g := range emp["groups"].([]any) {
			byGroup[g.(map[string]any)["group_id"].(float64)]++
		}
	}
	for _, x := range groups {
		g := x.(map[string]any)
		n := len(g["members"].([]any))
		if n != want[g["name"].(string)] || n != byGroup[g["id"].(float64)] {
			t.Fatalf("group %v: %d members, want %d", g["name"], n, want[g["name"].(string)])
		}
	}
}
