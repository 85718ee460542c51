package jobs

import (
	"context"
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
	if s.skipped != 1 || s.ub.Len() != 1 || s.lb.Len() != 2 || s.fields["email"] != 2 {
		t.Errorf("skipped %d, staged %d, listed %d, email counted %d; want 1, 1, 2, 2", s.skipped, s.ub.Len(), s.lb.Len(), s.fields["email"])
	}
	err = s.Users(ctx, []extract.User{{ID: "b", Fingerprint: known, Unchanged: true}})
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("a user claimed unchanged that the sink does not know: %v", err)
	}
	if _, err := s.Close(nil); err != nil {
		t.Fatal(err)
	}
}
