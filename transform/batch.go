package transform

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// UserBatch accumulates canonical users into an Arrow record batch with the
// StagedUserColumns schema. It is not safe for concurrent use. The owner calls Release.
type UserBatch struct {
	b *array.RecordBuilder
	n int
	h rowHasher
}

// NewUserBatch returns an empty batch whose buffers come from mem.
func NewUserBatch(mem memory.Allocator) *UserBatch {
	return &UserBatch{b: array.NewRecordBuilder(mem, Schema(StagedUserColumns()))}
}

// Len is the number of rows appended since the last NewRecord.
func (ub *UserBatch) Len() int { return ub.n }

// Append adds one user; seq is its arrival order within the listing.
func (ub *UserBatch) Append(r UserRow, seq int64) {
	f := ub.b.Fields()
	str(f[0], r.UserKey)
	str(f[1], r.Source)
	str(f[2], r.Provider)
	str(f[3], r.AccountID)
	str(f[4], r.UserID)
	str(f[5], r.Email)
	str(f[6], r.EmailNormalized)
	str(f[7], r.FirstName)
	str(f[8], r.LastName)
	str(f[9], r.MiddleName)
	str(f[10], r.DisplayName)
	str(f[11], r.Title)
	str(f[12], r.Role)
	str(f[13], r.RoleRaw)
	f[14].(*array.BooleanBuilder).Append(r.IsActive)
	str(f[15], r.Department)

	groups := f[16].(*array.ListBuilder)
	groups.Append(true)
	gs := groups.ValueBuilder().(*array.StructBuilder)
	for _, g := range r.Groups {
		gs.Append(true)
		str(gs.FieldBuilder(0), g.ID)
		str(gs.FieldBuilder(1), g.Name)
		str(gs.FieldBuilder(2), g.Kind)
	}

	phones := f[17].(*array.ListBuilder)
	phones.Append(true)
	ps := phones.ValueBuilder().(*array.StructBuilder)
	for _, p := range r.Phones {
		ps.Append(true)
		// raw is kept exactly as the provider wrote it, even when blank-padded.
		ps.FieldBuilder(0).(*array.StringBuilder).Append(p.Raw)
		str(ps.FieldBuilder(1), p.E164)
		str(ps.FieldBuilder(2), p.Extension)
		str(ps.FieldBuilder(3), p.Kind)
		ps.FieldBuilder(4).(*array.BooleanBuilder).Append(p.Valid)
	}

	str(f[18], r.Timezone)
	str(f[19], r.Country)
	ts(f[20], r.SourceCreatedAt)
	ts(f[21], r.SourceUpdatedAt)
	str(f[22], r.Extra)
	f[23].(*array.Int64Builder).Append(seq)
	issues := f[24].(*array.ListBuilder)
	if len(r.Issues) == 0 {
		issues.AppendNull()
	} else {
		issues.Append(true)
		for _, is := range r.Issues {
			issues.ValueBuilder().(*array.StringBuilder).Append(is)
		}
	}
	str(f[25], r.Fingerprint)
	f[26].(*array.StringBuilder).Append(ub.h.hash(&r))
	ub.n++
}

// NewRecord returns the rows appended so far as a record batch and resets the batch.
// The caller owns the record and must Release it.
func (ub *UserBatch) NewRecord() arrow.RecordBatch {
	ub.n = 0
	return newRecord(ub.b)
}

// Release frees the builder's buffers.
func (ub *UserBatch) Release() { ub.b.Release() }

// SeenBatch accumulates the rows of a staged listing (SeenColumns). The owner calls
// Release.
type SeenBatch struct {
	b *array.RecordBuilder
	n int
}

// NewSeenBatch returns an empty batch whose buffers come from mem.
func NewSeenBatch(mem memory.Allocator) *SeenBatch {
	return &SeenBatch{b: array.NewRecordBuilder(mem, Schema(SeenColumns()))}
}

// Len is the number of rows appended since the last NewRecord.
func (sb *SeenBatch) Len() int { return sb.n }

// Append adds one user copy of the listing.
func (sb *SeenBatch) Append(userKey, userID string, seq int64, fp string) {
	f := sb.b.Fields()
	f[0].(*array.StringBuilder).Append(userKey)
	f[1].(*array.StringBuilder).Append(userID)
	f[2].(*array.Int64Builder).Append(seq)
	f[3].(*array.StringBuilder).Append(fp)
	sb.n++
}

// NewRecord returns the rows appended so far and resets the batch. The caller owns the
// record and must Release it.
func (sb *SeenBatch) NewRecord() arrow.RecordBatch {
	sb.n = 0
	return newRecord(sb.b)
}

// Release frees the builder's buffers.
func (sb *SeenBatch) Release() { sb.b.Release() }

// StatusBatch accumulates user_status rows of one run into an Arrow record batch with
// the StatusColumns schema. The owner calls Release.
type StatusBatch struct {
	b          *array.RecordBuilder
	runID      string
	observedAt time.Time
	n          int
}

// NewStatusBatch returns an empty batch for statuses observed at observedAt in runID.
func NewStatusBatch(mem memory.Allocator, runID string, observedAt time.Time) *StatusBatch {
	return &StatusBatch{b: array.NewRecordBuilder(mem, Schema(StatusColumns())), runID: runID, observedAt: observedAt.UTC()}
}

// Len is the number of rows appended since the last NewRecord.
func (sb *StatusBatch) Len() int { return sb.n }

// Append adds one status row.
func (sb *StatusBatch) Append(r StatusRow) {
	f := sb.b.Fields()
	str(f[0], sb.runID)
	ts(f[1], &sb.observedAt)
	str(f[2], r.Source)
	str(f[3], r.Provider)
	str(f[4], r.UserKey)
	str(f[5], r.UserID)
	str(f[6], r.Status)
	str(f[7], r.StatusRaw)
	str(f[8], r.SubStatusRaw)
	if r.OnCall == nil {
		f[9].AppendNull()
	} else {
		f[9].(*array.BooleanBuilder).Append(*r.OnCall)
	}
	str(f[10], r.Channels)
	sb.n++
}

// NewRecord returns the rows appended so far and resets the batch. The caller owns the
// record and must Release it.
func (sb *StatusBatch) NewRecord() arrow.RecordBatch {
	sb.n = 0
	return newRecord(sb.b)
}

// Release frees the builder's buffers.
func (sb *StatusBatch) Release() { sb.b.Release() }

// newRecord builds b's record and sizes b's emptied buffers like the record's, so the
// next batch of a similar size is appended without growing every buffer from nothing
// by doubling (copies that cost as much as the appends themselves).
func newRecord(b *array.RecordBuilder) arrow.RecordBatch {
	rec := b.NewRecordBatch()
	for i, col := range rec.Columns() {
		reserveLike(b.Field(i), col)
	}
	return rec
}

// reserveLike reserves in b the rows and string bytes arr holds, nested ones included.
func reserveLike(b array.Builder, arr arrow.Array) {
	b.Reserve(arr.Len())
	switch b := b.(type) {
	case *array.StringBuilder:
		if s, ok := arr.(*array.String); ok {
			b.ReserveData(len(s.ValueBytes()))
		}
	case *array.ListBuilder:
		if l, ok := arr.(*array.List); ok {
			reserveLike(b.ValueBuilder(), l.ListValues())
		}
	case *array.StructBuilder:
		if st, ok := arr.(*array.Struct); ok {
			for i := 0; i < st.NumField(); i++ {
				reserveLike(b.FieldBuilder(i), st.Field(i))
			}
		}
	}
}

// str appends s, or NULL when s is empty.
func str(b array.Builder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(s)
}

func ts(b array.Builder, t *time.Time) {
	if t == nil {
		b.AppendNull()
		return
	}
	b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UTC().UnixMicro()))
}
