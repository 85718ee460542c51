package transform_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

func TestMapRoleFollowsTheContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, raw, name string
		role, roleRaw       string
	}{
		{"close", "admin", "", "admin", "admin"},
		{"close", "superuser", "", "manager", "superuser"},
		{"close", "user", "", "member", "user"},
		{"close", "restricteduser", "", "guest", "restricteduser"},
		{"close", "role_1a2b", "Account Manager", "unknown", "Account Manager"},
		{"close", "role_1a2b", "", "unknown", "role_1a2b"},
		{"close", "", "", "unknown", ""},
		{"worksection", "owner", "", "owner", "owner"},
		{"worksection", "account admin", "", "admin", "account admin"},
		{"worksection", "Team  Admin", "", "manager", "Team  Admin"},
		{"worksection", "department admin", "", "manager", "department admin"},
		{"worksection", "user", "", "member", "user"},
		{"worksection", "guest", "", "guest", "guest"},
		{"worksection", "reader", "", "readonly", "reader"},
		{"zoom_contact_center", "Admin", "", "admin", "Admin"},
		{"zoom_contact_center", "Supervisor", "", "manager", "Supervisor"},
		{"zoom_contact_center", "Agent", "", "member", "Agent"},
		{"zoom_contact_center", "Quality Reviewer", "", "unknown", "Quality Reviewer"},
		{"uis", "anything", "", "member", ""},
	}
	for _, tt := range tests {
		role, raw := transform.MapRole(tt.provider, tt.raw, tt.name)
		if role != tt.role || raw != tt.roleRaw {
			t.Errorf("MapRole(%q, %q, %q) = %q, %q; want %q, %q", tt.provider, tt.raw, tt.name, role, raw, tt.role, tt.roleRaw)
		}
	}
}

func TestMapStatusFollowsTheContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, raw string
		onCall        bool
		want          string
	}{
		{"close", "online", true, "busy"},
		{"close", "offline", true, "busy"},
		{"close", "online", false, "available"},
		{"close", "offline", false, "offline"},
		{"zoom_contact_center", "Ready", false, "available"},
		{"zoom_contact_center", "Available", false, "available"},
		{"zoom_contact_center", "Occupied", false, "busy"},
		{"zoom_contact_center", "Not Ready", false, "away"},
		{"zoom_contact_center", "Offline", false, "offline"},
		{"zoom_contact_center", "Lunch break", false, "unknown"},
		{"uis", "available", false, "available"},
		{"uis", "break", false, "away"},
		{"uis", "not_at_workplace", false, "away"},
		{"uis", "do_not_disturb", false, "dnd"},
		{"uis", "not_at_work", false, "offline"},
		{"uis", "auto_out_call", false, "busy"},
		{"uis", "unknown", false, "unknown"},
		{"uis", "custom_17", false, "unknown"},
	}
	for _, tt := range tests {
		if got := transform.MapStatus(tt.provider, tt.raw, tt.onCall); got != tt.want {
			t.Errorf("MapStatus(%q, %q, %v) = %q, want %q", tt.provider, tt.raw, tt.onCall, got, tt.want)
		}
	}
}

func TestParseTimeReadsOffsetsAndSourceZone(t *testing.T) {
	t.Parallel()
	moscow, _ := time.LoadLocation("Europe/Moscow")
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		in   string
		loc  *time.Location
		want string
		ok   bool
	}{
		{"2012-08-29T00:33:22.720000+00:00", time.UTC, "2012-08-29T00:33:22.72Z", true},
		{"2024-03-01T10:00:00Z", moscow, "2024-03-01T10:00:00Z", true},
		{"2024-03-01 10:00", moscow, "2024-03-01T07:00:00Z", true},
		{"2024-03-01 10:00:00", moscow, "2024-03-01T07:00:00Z", true},
		{"2024-03-10 02:30:00", ny, "2024-03-10T07:30:00Z", true}, // DST gap: moved forward
		{"2024-11-03 01:30:00", ny, "2024-11-03T05:30:00Z", true}, // DST overlap: earlier instant
		{"yesterday", time.UTC, "", false},
		{"", time.UTC, "", false},
	}
	for _, tt := range tests {
		got, ok := transform.ParseTime(tt.in, tt.loc)
		if ok != tt.ok || (ok && got.Format(time.RFC3339Nano) != tt.want) {
			t.Errorf("ParseTime(%q, %s) = %s, %v; want %s, %v", tt.in, tt.loc, got.Format(time.RFC3339Nano), ok, tt.want, tt.ok)
		}
	}
}

func TestMapperKeepsEveryFieldWithoutAColumnInExtra(t *testing.T) {
	t.Parallel()
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	inactive := false
	row := m.User(extract.User{
		ID: "user_1", AccountID: "orga_1", Email: "  Ann.Lee@Example.COM ", FirstName: " Ann ", LastName: "Lee",
		Role: "role_x", RoleName: "Account Manager", Active: &inactive,
		Groups: []extract.Group{{ID: "group_b", Name: "Sales", Kind: "group"}, {ID: "orga_1", Name: "Acme", Kind: "organization"}, {ID: "group_a", Name: "  Ops ", Kind: "group"}},
		Extra:  map[string]json.RawMessage{"image": json.RawMessage(`"https://x/y.png"`), "organizations": json.RawMessage(`[ ]`)},
	})
	if row.UserKey != "crm:user_1" || row.EmailNormalized != "ann.lee@example.com" || row.DisplayName != "Ann Lee" || row.FirstName != "Ann" {
		t.Errorf("names/keys: %+v", row)
	}
	if row.Role != "unknown" || row.RoleRaw != "Account Manager" || row.IsActive {
		t.Errorf("role/active: %+v", row)
	}
	if len(row.Groups) != 3 || row.Groups[0].ID != "group_a" || row.Groups[0].Name != "Ops" || row.Groups[2].Kind != "organization" {
		t.Errorf("groups not cleaned and ordered: %+v", row.Groups)
	}
	if row.Extra != `{"image":"https://x/y.png","organizations":[]}` {
		t.Errorf("extra = %s", row.Extra)
	}
}

func TestUserBatchBuildsTheDeclaredSchemaWithoutLeaks(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}
	ub := transform.NewUserBatch(mem)
	defer ub.Release()
	ub.Append(m.User(extract.User{ID: "u1", Email: "a@b.co", CreatedAt: "2020-01-02T03:04:05.000006+00:00",
		Phones: []extract.Phone{{Raw: "+1 415-555-0132", Kind: "main"}}}), 0)
	ub.Append(m.User(extract.User{ID: "u2"}), 1)
	rec := ub.NewRecord()
	defer rec.Release()
	if !rec.Schema().Equal(transform.Schema(transform.StagedUserColumns())) {
		t.Fatalf("schema %s", rec.Schema())
	}
	if rec.NumRows() != 2 {
		t.Fatalf("rows = %d", rec.NumRows())
	}
	created := rec.Column(20).(*array.Timestamp)
	if got := created.Value(0).ToTime(arrow.Microsecond).UTC().Format(time.RFC3339Nano); got != "2020-01-02T03:04:05.000006Z" || !created.IsNull(1) {
		t.Errorf("source_created_at = %s", got)
	}
	phones := rec.Column(17).(*array.List)
	if start, end := phones.ValueOffsets(0); end-start != 1 {
		t.Errorf("user 1 has %d phones, want 1", end-start)
	}
	if start, end := phones.ValueOffsets(1); end-start != 0 {
		t.Errorf("user 2 has %d phones, want 0", end-start)
	}
	if rec.Column(6).(*array.String).Value(0) != "a@b.co" || !rec.Column(6).IsNull(1) {
		t.Errorf("email_normalized column wrong")
	}
}
