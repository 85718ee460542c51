package fakekit_test

import (
	"slices"
	"testing"

	"github.com/roster-etl/roster/extract/fakekit"
)

func TestFaultsApplyAfterTheirSkipsForTheirTimes(t *testing.T) {
	t.Parallel()
	var q fakekit.Faults[string]
	q.Add("users-twice-after-one", "/user/", 1, 2)
	q.Add("groups-forever", "/group/*", 0, -1)
	q.Add("any-once", "", 0, 0)
	var got [][]string
	for _, key := range []string{"/user/", "/user/", "/group/7/", "/user/", "/user/", "/group/"} {
		got = append(got, q.Take(key))
	}
	want := [][]string{{"any-once"}, {"users-twice-after-one"}, {"groups-forever"}, {"users-twice-after-one"}, nil, {"groups-forever"}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("request %d: %v, want %v", i, got[i], want[i])
		}
	}
	if q.Len() != 1 {
		t.Errorf("%d faults pending, want only the endless one", q.Len())
	}
}
