package transform

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column declares one column of a canonical table: its name, Arrow type, DuckDB type
// and meaning. Every schema roster uses (Arrow batches, DuckDB DDL checks, the lake) is
// derived from these declarations.
type Column struct {
	Name     string
	Type     arrow.DataType
	Nullable bool
	Doc      string
}

// TimestampUTC is the type of every timestamp column: microseconds in UTC.
func TimestampUTC() arrow.DataType {
	return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
}

func groupStruct() *arrow.StructType {
	return arrow.StructOf(
		arrow.Field{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
	)
}

func phoneStruct() *arrow.StructType {
	return arrow.StructOf(
		arrow.Field{Name: "raw", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "e164", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "extension", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "valid", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	)
}

// jsonText marks a column carried as UTF-8 JSON text in Arrow and stored as JSON in DuckDB.
const jsonDoc = " (JSON text)"

// UserColumns declares the canonical user columns that transform produces for every
// extracted user; users_history adds HistoryColumns after them.
func UserColumns() []Column {
	s := arrow.BinaryTypes.String
	return []Column{
		{"user_key", s, false, "source:user_id, unique per user across sources"},
		{"source", s, false, "configured source name"},
		{"provider", s, false, "provider id"},
		{"account_id", s, true, "provider account (organization, tenant)"},
		{"user_id", s, false, "provider user id"},
		{"email", s, true, "email as the provider wrote it"},
		{"email_normalized", s, true, "trimmed, lower-cased email"},
		{"first_name", s, true, "first name, trimmed, NFC"},
		{"last_name", s, true, "last name, trimmed, NFC"},
		{"middle_name", s, true, "middle name or patronymic"},
		{"display_name", s, true, "display name, derived from the names when the provider has none"},
		{"title", s, true, "job title"},
		{"role", s, false, "owner | admin | manager | member | guest | readonly | unknown"},
		{"role_raw", s, true, "the provider's own role value or custom role name"},
		{"is_active", arrow.FixedWidthTypes.Boolean, false, "account is active in the provider"},
		{"department", s, true, "department"},
		{"groups", arrow.ListOf(groupStruct()), true, "groups: id, name, kind (team | department | group | organization | region | queue)"},
		{"phones", arrow.ListOf(phoneStruct()), true, "phones: raw, e164, extension, kind (main | office | mobile | home | extension | sip | other), valid"},
		{"timezone", s, true, "IANA time zone of the user"},
		{"country", s, true, "country"},
		{"source_created_at", TimestampUTC(), true, "provider creation time, UTC"},
		{"source_updated_at", TimestampUTC(), true, "provider last-update time, UTC"},
		{"extra", s, true, "every provider field without a column" + jsonDoc},
	}
}

// HistoryColumns declares the SCD2 columns users_history adds to UserColumns.
func HistoryColumns() []Column {
	s := arrow.BinaryTypes.String
	return []Column{
		{"row_hash", s, false, "hash of the version's user columns (128-bit xxh3, hex); versions are told apart by comparing the columns"},
		{"changed_fields", arrow.ListOf(s), true, "user columns that differ from the previous version"},
		{"valid_from", TimestampUTC(), false, "when this version was first observed"},
		{"valid_to", TimestampUTC(), true, "when the next version replaced it; NULL while current"},
		{"is_current", arrow.FixedWidthTypes.Boolean, false, "latest version of the user"},
		{"is_deleted", arrow.FixedWidthTypes.Boolean, false, "tombstone: absent from a complete listing"},
		{"run_id", s, false, "sync run that opened this version"},
	}
}

// StatusColumns declares the user_status table, one row per user per run.
func StatusColumns() []Column {
	s := arrow.BinaryTypes.String
	return []Column{
		{"run_id", s, false, "sync run"},
		{"observed_at", TimestampUTC(), false, "when the status was read"},
		{"source", s, false, "configured source name"},
		{"provider", s, false, "provider id"},
		{"user_key", s, false, "source:user_id"},
		{"user_id", s, false, "provider user id"},
		{"status", s, false, "available | busy | away | dnd | offline | unknown"},
		{"status_raw", s, true, "the provider's status"},
		{"sub_status_raw", s, true, "the provider's sub-status (e.g. Meal)"},
		{"on_call", arrow.FixedWidthTypes.Boolean, true, "on a call when observed"},
		{"channels", s, true, "per-channel presence as the provider reported it" + jsonDoc},
	}
}

// IsJSON reports whether a column holds JSON text (stored as DuckDB JSON).
func (c Column) IsJSON() bool { return strings.HasSuffix(c.Doc, jsonDoc) }

// Schema derives the Arrow schema of a column list.
func Schema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// StagedUserColumns are the columns of a staged user batch: UserColumns plus "seq", the
// order of arrival within the listing, used to de-duplicate users seen twice,
// "issues", what normalization could not do for the user, for the data-quality report,
// the raw user's "fingerprint" and the row's "row_hash", computed as the row is batched.
func StagedUserColumns() []Column {
	return append(UserColumns(),
		Column{"seq", arrow.PrimitiveTypes.Int64, false, "arrival order within the listing"},
		Column{"issues", arrow.ListOf(arrow.BinaryTypes.String), true, "normalization issues: " + IssueInvalidEmail + ", " + IssueUnparseableTimestamp + ":<column>"},
		Column{"fingerprint", arrow.BinaryTypes.String, true, "the raw user's fingerprint (Fingerprint.String)"},
		Column{"row_hash", arrow.BinaryTypes.String, false, "hash of the user columns (see HistoryColumns)"},
	)
}

// SeenColumns are the columns of a staged listing: one row per user copy the listing
// returned, changed or not, so the merge knows who is still there (deletions), which
// copy of a user listed twice is the last, and whose fingerprint is unchanged.
func SeenColumns() []Column {
	return []Column{
		{"user_key", arrow.BinaryTypes.String, false, "source + \":\" + user_id"},
		{"user_id", arrow.BinaryTypes.String, false, "provider user id"},
		{"seq", arrow.PrimitiveTypes.Int64, false, "arrival order within the listing"},
		{"fingerprint", arrow.BinaryTypes.String, false, "the raw user's fingerprint (Fingerprint.String)"},
	}
}

// Normalization issues recorded per staged user.
const (
	// IssueInvalidEmail marks an email that is present but not a valid address.
	IssueInvalidEmail = "invalid_email"
	// IssueUnparseableTimestamp, followed by ":" and the column, marks a provider
	// timestamp that could not be read.
	IssueUnparseableTimestamp = "unparseable_timestamp"
)

// DuckDBType is the DuckDB type a column is stored as, spelled as DuckDB's DESCRIBE
// prints it.
func (c Column) DuckDBType() string {
	if c.IsJSON() {
		return "JSON"
	}
	return duckType(c.Type)
}

func duckType(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.StringType:
		return "VARCHAR"
	case *arrow.BooleanType:
		return "BOOLEAN"
	case *arrow.Int64Type:
		return "BIGINT"
	case *arrow.TimestampType:
		return "TIMESTAMP WITH TIME ZONE"
	case *arrow.ListType:
		return duckType(t.Elem()) + "[]"
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = fmt.Sprintf("%s %s", f.Name, duckType(f.Type))
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	default:
		return t.String()
	}
}
