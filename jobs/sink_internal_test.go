package jobs

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/transform"
)

func TestTheSinkRecognizesTheLastRunsFingerprintsAndRefusesAClaimedUnchangedUserItDoesNotKnow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	known, other := [16]byte{1}, [16]byte{2}
	load := &fingerprintLoad{done: make(chan struct{}), m: map[uint64]transform.Fingerprint{transform.IDHash("a"): known}}
	close(load.done)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := newStagingSink(t.TempDir(), transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}, mem, "r1", time.Now(), 100, load)
	if err != nil {
		t.Fatal(err)
	}
	if some, err := s.Recognizing(ctx); !some || err != nil {
		t.Errorf("Recognizing = %v, %v with the last run's fingerprints", some, err)
	}
	for _, tc := range []struct {
		id   string
		fp   [16]byte
		want bool
	}{{"a", known, true}, {"a", other, false}, {"b", known, false}} {
		if got, err := s.Recognize(ctx, tc.id, tc.fp); err != nil || got != tc.want {
			t.Errorf("Recognize(%s, %x) = %v, %v; want %v", tc.id, tc.fp[:1], got, err, tc.want)
		}
	}
	users := []extract.User{
		{ID: "a", Fields: []string{"email", "id"}, Fingerprint: known, Unchanged: true},
		{ID: "c", Email: "c@x.io", Fields: []string{"email", "id"}, Fingerprint: other},
	}
	if err := s.Users(ctx, users); err != nil {
		t.Fatal(err)
	}
	if s.skipped != 1 || s.ub.Len() != 1 || s.lb.Len() != 2 {
		t.Errorf("skipped %d, staged %d, listed %d; want 1, 1, 2", s.skipped, s.ub.Len(), s.lb.Len())
	}
	err = s.Users(ctx, []extract.User{{ID: "b", Fingerprint: known, Unchanged: true}})
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("a user claimed unchanged that the sink does not know: %v", err)
	}
	st, err := s.Close(nil)
	if err != nil {
		t.Fatal(err)
	}
	emails := int64(-1)
	for _, f := range st.Fields {
		if f.Field == "email" {
			emails = f.Users
		}
	}
	if emails != 2 {
		t.Errorf("email counted in %v; want 2 users", st.Fields)
	}
}

// TestTheSinkCountsEachFieldNameOncePerUser hands over users in runs of the same field
// names and not, across batches, and with more names than are kept: the counts are what
// counting each user's names one by one gives.
func TestTheSinkCountsEachFieldNameOncePerUser(t *testing.T) {
	t.Parallel()
	ab, abc, b := []string{"a", "b"}, []string{"a", "b", "c"}, []string{"b"}
	many := make([]extract.User, 0, maxFieldNames+20)
	for i := range maxFieldNames + 20 {
		many = append(many, extract.User{Fields: []string{"a", fmt.Sprintf("x%04d", i)}})
	}
	reused := []string{"a", "b"} // a provider's buffer, written again for a later batch
	for _, tc := range []struct {
		name    string
		batches [][]extract.User
		before  func(batch int) // runs before the batch is handed over
	}{
		{"no users", nil, nil},
		{"one run", [][]extract.User{{{Fields: ab}, {Fields: ab}, {Fields: ab}}}, nil},
		{"runs across batches", [][]extract.User{{{Fields: ab}, {Fields: ab}}, {{Fields: ab}, {Fields: abc}}, {{Fields: abc}, {Fields: b}, {Fields: ab}}}, nil},
		{"users without fields", [][]extract.User{{{}, {Fields: b}, {}, {}}}, nil},
		{"a slice reused by the provider", [][]extract.User{{{Fields: reused}}, {{Fields: reused}}}, func(batch int) {
			if batch == 1 {
				reused[1] = "c"
			}
		}},
		{"more names than are kept", [][]extract.User{many[:500], many[500:], {{Fields: ab}, {Fields: []string{"late"}}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s, err := newStagingSink(t.TempDir(), transform.Mapper{Source: "crm", Provider: "close", Region: "US", Location: time.UTC}, mem, "r1", time.Now(), 100, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			n := 0
			for bi, batch := range tc.batches {
				if tc.before != nil {
					tc.before(bi)
				}
				for i := range batch {
					batch[i].ID = fmt.Sprintf("u%d", n)
					n++
					for _, f := range batch[i].Fields {
						if _, ok := want[f]; ok || len(want) < maxFieldNames {
							want[f]++
						} else {
							want[overflowField]++
						}
					}
				}
				if err := s.Users(context.Background(), batch); err != nil {
					t.Fatal(err)
				}
			}
			st, err := s.Close(nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, f := range st.Fields {
				got[f.Field] = f.Users
			}
			if !maps.Equal(got, want) {
				t.Errorf("field counts %v, want %v", got, want)
			}
		})
	}
}
