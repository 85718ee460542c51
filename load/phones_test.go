package load_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

func TestKnownPhonesComeOnlyFromTheSameVersionAndConfig(t *testing.T) {
	t.Parallel()
	w := openWarehouse(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	if err := w.BeginRun(ctx, load.SyncRun{RunID: "r0", StartedAt: at, RosterVersion: "v1", ConfigHash: "h1"}); err != nil {
		t.Fatal(err)
	}
	m := transform.Mapper{Source: "crm", Provider: "worksection", Region: "US", Location: time.UTC}
	u := m.User(extract.User{ID: "a", Email: "a@x.io", Role: "user", Phones: []extract.Phone{
		{Raw: "+1 415-555-0132", Kind: "main"}, {Raw: "n/a", Kind: "home"}, {Raw: "2345", Kind: "office"},
	}})
	st := stage(t, t.TempDir(), []transform.UserRow{u}, nil, "r0", at)
	if _, err := w.Merge(ctx, load.SourceRun{RunID: "r0", Source: "crm", Provider: "worksection", StartedAt: at, Complete: true}, st); err != nil {
		t.Fatal(err)
	}
	collect := func(version, hash string) []string {
		var out []string
		if err := w.KnownPhones(ctx, "crm", version, hash, func(p load.KnownPhone) error {
			out = append(out, p.Raw+"|"+p.Kind+"|"+p.E164+"|"+p.Extension+"|"+map[bool]string{true: "valid", false: "invalid"}[p.Valid])
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"+1 415-555-0132|main|+14155550132||valid", "n/a|home|||invalid"}
	if got := collect("v1", "h1"); !slices.Equal(got, want) {
		t.Errorf("known phones = %q, want %q (extensions left out)", got, want)
	}
	for _, other := range [][2]string{{"v2", "h1"}, {"v1", "h2"}} {
		if got := collect(other[0], other[1]); len(got) != 0 {
			t.Errorf("version %s hash %s: got %q, want nothing", other[0], other[1], got)
		}
	}
}
