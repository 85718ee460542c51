package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// stagingSink is the extract.Sink of one source: every page is mapped to canonical
// rows, gathered into Arrow batches of at most batchSize rows, and appended to staging
// files (Arrow IPC) on disk, so memory is bounded by the batch size.
type stagingSink struct {
	mapper    transform.Mapper
	batchSize int
	users     *load.StageFile
	seen      *load.StageFile
	statuses  *load.StageFile
	ub        *transform.UserBatch
	lb        *transform.SeenBatch
	sb        *transform.StatusBatch
	seq       int64
	nStatuses int64
	// known holds the fingerprints of the source's current users (by transform.IDHash)
	// as the last run left them: a user listed with the same fingerprint is unchanged,
	// and only its listing row is staged. They are taken from load (then nil) when the
	// first users arrive. fp computes fingerprints; skipped counts the users not mapped
	// again.
	load    *fingerprintLoad
	known   map[uint64]transform.Fingerprint
	fp      transform.Fingerprinter
	skipped int64
	// listed and observed hold the transform.IDHash of every user id listed and every
	// one with a status; repeated says that one was listed twice (or two ids share a
	// hash), observedTwice that one had two statuses. Without repeats the merge need not
	// group the staged rows by user.
	listed, observed        map[uint64]struct{}
	repeated, observedTwice bool
	// received counts users received, for the progress display (read concurrently).
	received atomic.Int64
	// transform and stage are the time spent mapping rows and writing staging files.
	transform, stage time.Duration
	// fields counts the users carrying each provider field name, for schema drift. It
	// holds at most maxFieldNames names, so a provider inventing a field per user cannot
	// grow it without bound; the overflow is counted under overflowField.
	fields map[string]int64
	// runFields are the field names of the last users handed over, runUsers how many
	// in a row carried exactly them, not yet counted in fields: a listing's users mostly
	// carry one set of names, and counting each name of each user as it came was a
	// dozen map updates a user (0.5 s of a 1,000,000-user night's CPU).
	runFields []string
	runUsers  int64
}

const (
	maxFieldNames = 1000
	overflowField = "(more field names)"
)

// newStagingSink stages into dir. load may be nil, and its fingerprints too: every
// user is then mapped and staged.
func newStagingSink(dir string, mapper transform.Mapper, mem memory.Allocator, runID string, observed time.Time, batchSize int, fingerprints *fingerprintLoad) (*stagingSink, error) {
	users, err := load.NewStageFile(filepath.Join(dir, "users.arrow"), transform.Schema(transform.StagedUserColumns()), mem)
	if err != nil {
		return nil, err
	}
	seen, err := load.NewStageFile(filepath.Join(dir, "listing.arrow"), transform.Schema(transform.SeenColumns()), mem)
	if err != nil {
		users.Close()
		return nil, err
	}
	statuses, err := load.NewStageFile(filepath.Join(dir, "user_status.arrow"), transform.Schema(transform.StatusColumns()), mem)
	if err != nil {
		users.Close()
		seen.Close()
		return nil, err
	}
	return &stagingSink{
		mapper:    mapper,
		batchSize: batchSize,
		users:     users,
		seen:      seen,
		statuses:  statuses,
		ub:        transform.NewUserBatch(mem),
		lb:        transform.NewSeenBatch(mem),
		sb:        transform.NewStatusBatch(mem, runID, observed),
		fields:    map[string]int64{},
		load:      fingerprints,
		listed:    map[uint64]struct{}{},
		observed:  map[uint64]struct{}{},
	}, nil
}

// takeFingerprints waits for the fingerprints of the last run, once.
func (s *stagingSink) takeFingerprints(ctx context.Context) error {
	if s.load != nil {
		known, err := s.load.wait(ctx)
		if err != nil {
			return err
		}
		s.known, s.load = known, nil
	}
	return nil
}

// Recognizing implements extract.Recognizer.
func (s *stagingSink) Recognizing(ctx context.Context) (bool, error) {
	if err := s.takeFingerprints(ctx); err != nil {
		return false, err
	}
	return len(s.known) > 0, nil
}

// Recognize implements extract.Recognizer.
func (s *stagingSink) Recognize(ctx context.Context, id string, fp [16]byte) (bool, error) {
	if err := s.takeFingerprints(ctx); err != nil {
		return false, err
	}
	old, ok := s.known[transform.IDHash(id)]
	return ok && old == transform.Fingerprint(fp), nil
}

// Users implements extract.Sink.
func (s *stagingSink) Users(ctx context.Context, users []extract.User) error {
	if err := s.takeFingerprints(ctx); err != nil {
		return err
	}
	start := time.Now()
	defer func() { s.transform += time.Since(start) }()
	for _, u := range users {
		if !slices.Equal(u.Fields, s.runFields) {
			s.countFields()
			s.runFields = append(s.runFields[:0], u.Fields...)
		}
		s.runUsers++
		fp := transform.Fingerprint(u.Fingerprint)
		if fp == (transform.Fingerprint{}) {
			fp = s.fp.Of(u)
		}
		fps := fp.String()
		s.lb.Append(transform.UserKey(s.mapper.Source, u.ID), u.ID, s.seq, fps)
		id := transform.IDHash(u.ID)
		if _, ok := s.listed[id]; ok {
			s.repeated = true
		} else {
			s.listed[id] = struct{}{}
		}
		if old, ok := s.known[id]; ok && old == fp {
			s.skipped++
		} else if u.Unchanged {
			return fmt.Errorf("user %q was handed over as unchanged, but its fingerprint is not the one the last run left", u.ID)
		} else {
			row := s.mapper.User(u)
			row.Fingerprint = fps
			s.ub.Append(row, s.seq)
		}
		s.seq++
		s.received.Add(1)
		if s.ub.Len() >= s.batchSize {
			if err := s.flushUsers(); err != nil {
				return err
			}
		}
		if s.lb.Len() >= s.batchSize {
			if err := s.flushSeen(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// countFields counts the run of users that carried runFields into fields.
func (s *stagingSink) countFields() {
	for _, f := range s.runFields {
		if _, ok := s.fields[f]; ok || len(s.fields) < maxFieldNames {
			s.fields[f] += s.runUsers
		} else {
			s.fields[overflowField] += s.runUsers
		}
	}
	s.runUsers = 0
}

// Statuses implements extract.Sink.
func (s *stagingSink) Statuses(ctx context.Context, statuses []extract.Status) error {
	start := time.Now()
	defer func() { s.transform += time.Since(start) }()
	for _, st := range statuses {
		id := transform.IDHash(st.UserID)
		if _, ok := s.observed[id]; ok {
			s.observedTwice = true
		} else {
			s.observed[id] = struct{}{}
		}
		s.sb.Append(s.mapper.Status(st))
		s.nStatuses++
		if s.sb.Len() >= s.batchSize {
			if err := s.flushStatuses(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// flushUsers and flushStatuses move their time from transform to stage.
func (s *stagingSink) flushUsers() error {
	defer s.timeStage(time.Now())
	rec := s.ub.NewRecord()
	defer rec.Release()
	return s.users.Write(rec)
}

func (s *stagingSink) flushSeen() error {
	defer s.timeStage(time.Now())
	rec := s.lb.NewRecord()
	defer rec.Release()
	return s.seen.Write(rec)
}

func (s *stagingSink) flushStatuses() error {
	defer s.timeStage(time.Now())
	rec := s.sb.NewRecord()
	defer rec.Release()
	return s.statuses.Write(rec)
}

func (s *stagingSink) timeStage(start time.Time) {
	d := time.Since(start)
	s.stage += d
	s.transform -= d
}

// Close flushes what is buffered, finishes the staging files and frees the builders.
// It returns the staged files and the field counts, each field marked known when it is
// in known.
func (s *stagingSink) Close(known []string) (load.Staged, error) {
	defer s.ub.Release()
	defer s.lb.Release()
	defer s.sb.Release()
	start := time.Now()
	defer func() { s.transform += time.Since(start) }() // flushes moved their share to stage
	errU := s.flushUsers()
	errL := s.flushSeen()
	errS := s.flushStatuses()
	closeStart := time.Now()
	errC := firstErr(s.users.Close(), s.seen.Close(), s.statuses.Close())
	s.timeStage(closeStart)
	if err := firstErr(errU, errL, errS, errC); err != nil {
		return load.Staged{}, err
	}
	st := load.Staged{UserFiles: []string{s.users.Path()}, ListingFiles: []string{s.seen.Path()},
		UniqueListing: !s.repeated, UniqueStatuses: !s.observedTwice}
	s.countFields()
	for f, n := range s.fields {
		st.Fields = append(st.Fields, load.FieldCount{Field: f, Known: known == nil || slices.Contains(known, f), Users: n})
	}
	if s.nStatuses > 0 {
		st.StatusFiles = []string{s.statuses.Path()}
	}
	return st, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
