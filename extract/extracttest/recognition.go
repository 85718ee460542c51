// Package extracttest holds test helpers shared by the provider packages' tests.
package extracttest

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/roster-etl/roster/extract"
)

// Recorder is an extract.Sink that keeps copies of what a source emits.
type Recorder struct {
	mu       sync.Mutex
	users    []extract.User
	statuses []extract.Status
}

// Users implements extract.Sink.
func (r *Recorder) Users(_ context.Context, users []extract.User) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, users...)
	return nil
}

// Statuses implements extract.Sink.
func (r *Recorder) Statuses(_ context.Context, statuses []extract.Status) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, statuses...)
	return nil
}

// Recognizing is a Recorder that is also an extract.Recognizer of the fingerprints in
// known (none when nil).
type Recognizing struct {
	Recorder
	known map[string][16]byte
}

// Recognizing implements extract.Recognizer.
func (r *Recognizing) Recognizing(context.Context) (bool, error) { return len(r.known) > 0, nil }

// Recognize implements extract.Recognizer.
func (r *Recognizing) Recognize(_ context.Context, id string, fp [16]byte) (bool, error) {
	old, ok := r.known[id]
	return ok && old == fp, nil
}

// Recognition checks how a source treats a sink that recognizes users. It extracts
// (run) into a plain sink and into a recognizing one that knows nothing: both must get
// the same users and statuses, and every user a fingerprint. Then change alters what
// the provider serves, and it extracts again into a plain sink and into one that knows
// the fingerprints of the first listing: the users it hands over as Unchanged must be
// the first listing's (same field list and fingerprint, nothing else decoded), the
// others and every status as the plain sink got them. It returns the ids of the users
// decoded again, in listing order.
func Recognition(t *testing.T, run func(extract.Sink) error, change func()) []string {
	t.Helper()
	plain, first := &Recorder{}, &Recognizing{}
	if err := run(plain); err != nil {
		t.Fatal(err)
	}
	if err := run(first); err != nil {
		t.Fatal(err)
	}
	known := map[string][16]byte{}
	for i, u := range first.users {
		if u.Unchanged || u.Fingerprint == ([16]byte{}) {
			t.Fatalf("first listing: %s unchanged %v, fingerprint %x", u.ID, u.Unchanged, u.Fingerprint)
		}
		known[u.ID] = u.Fingerprint
		u.Fingerprint = [16]byte{}
		if i >= len(plain.users) || !reflect.DeepEqual(u, plain.users[i]) {
			t.Fatalf("with a recognizer user %d maps to %+v, without to %+v", i, u, plain.users[i])
		}
	}
	if !reflect.DeepEqual(first.statuses, plain.statuses) {
		t.Fatalf("with a recognizer the statuses are %+v, without %+v", first.statuses, plain.statuses)
	}

	change()
	plain, second := &Recorder{}, &Recognizing{known: known}
	if err := run(plain); err != nil {
		t.Fatal(err)
	}
	if err := run(second); err != nil {
		t.Fatal(err)
	}
	if len(second.users) != len(plain.users) {
		t.Fatalf("%d users listed with a recognizer, %d without", len(second.users), len(plain.users))
	}
	var changed []string
	for i, u := range second.users {
		want := plain.users[i]
		if !u.Unchanged {
			changed = append(changed, u.ID)
			u.Fingerprint = [16]byte{}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("decoded again, %s maps to %+v, without a recognizer to %+v", u.ID, u, want)
			}
			continue
		}
		if !reflect.DeepEqual(u, extract.User{ID: want.ID, Fields: u.Fields, Fingerprint: known[want.ID], Unchanged: true}) || !slices.Equal(u.Fields, want.Fields) {
			t.Errorf("unchanged %s: %+v, want only the id, fields %q and fingerprint %x", want.ID, u, want.Fields, known[want.ID])
		}
	}
	if !reflect.DeepEqual(second.statuses, plain.statuses) {
		t.Errorf("with a recognizer the statuses are %+v, without %+v", second.statuses, plain.statuses)
	}
	return changed
}

// Change alters what a provider's test API (of type A) serves; Changed lists the users,
// in listing order, that the change must make the provider decode again.
type Change[A any] struct {
	Name    string
	Change  func(A)
	Changed []string
}

// Recognitions runs Recognition for every change, in parallel subtests, each against
// a fresh API from newAPI and a source aimed at it (source returns its extraction).
func Recognitions[A any](t *testing.T, changes []Change[A], newAPI func() A, source func(t *testing.T, api A) func(extract.Sink) error) {
	t.Helper()
	for _, tc := range changes {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			api := newAPI()
			if changed := Recognition(t, source(t, api), func() { tc.Change(api) }); !slices.Equal(changed, tc.Changed) {
				t.Errorf("decoded again: %q, want %q", changed, tc.Changed)
			}
		})
	}
}
