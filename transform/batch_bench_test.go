package transform_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/transform"
)

// BenchmarkUserBatch appends batches of 5,000 mapped users, the sink's batch size.
func BenchmarkUserBatch(b *testing.B) {
	m := transform.Mapper{Source: "crm", Provider: "worksection", Region: "US", Location: time.UTC}
	rows := make([]transform.UserRow, 5000)
	for i := range rows {
		u := fingerprintUser()
		u.ID, u.Email = fmt.Sprint("user_", i), fmt.Sprintf("u%d@acme.example", i)
		rows[i] = m.User(u)
	}
	ub := transform.NewUserBatch(memory.NewGoAllocator())
	defer ub.Release()
	b.ReportAllocs()
	for b.Loop() {
		for i, r := range rows {
			ub.Append(r, int64(i))
		}
		ub.NewRecord().Release()
	}
}
