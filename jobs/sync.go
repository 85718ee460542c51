package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
	"github.com/roster-etl/roster/transform"
)

// SyncOptions configures one `roster sync`.
type SyncOptions struct {
	Config *config.Config
	// Sources limits the run to these source names (all when empty).
	Sources []string
	Logger  zerolog.Logger
	// Now is the clock; nil means time.Now. The demo and tests simulate days with it.
	Now func() time.Time
	// Factory builds extractors; nil means NewSource.
	Factory SourceFactory
	// Transport is the HTTP transport of every source (nil: default).
	Transport http.RoundTripper
	// BatchSize bounds the rows held in memory per source before they are staged to
	// disk; 0 means 5000.
	BatchSize int
	// Parallel is how many sources extract at once; 0 means 4.
	Parallel int
	// Allocator is the Arrow allocator; nil means C malloc (arrow's mallocator), so that
	// the staging batches' buffers, released after each batch, neither count towards
	// the Go heap's collections nor wait for one to be freed. Tests pass a checked one.
	Allocator memory.Allocator
	// DryRun extracts and transforms every source and reports what the merge would do
	// (counts and data quality) without writing to the warehouse or the lake.
	DryRun bool
	// Progress, when set, shows a live bar per source (on a terminal).
	Progress *Progress
	// Wait is how long to wait for another roster process holding the warehouse; 0
	// fails at once.
	Wait time.Duration
	// PhoneCache bounds the phone numbers each source remembers within a run (a number
	// shared by many users is parsed once); 0 means 1<<18. Numbers of users listed
	// unchanged are not looked at at all (see transform.Fingerprint).
	PhoneCache int
}

// SyncResult is what a run did.
type SyncResult struct {
	Run     load.SyncRun
	Sources []load.SourceRun
	// DryRun marks a result that was computed and not written.
	DryRun bool
	// LakeError says why the lake could not be published (the warehouse is loaded; the
	// next run publishes what is missing).
	LakeError string
	// Phases is where each source's time went, in the order of Sources.
	Phases []Phases
	// Lake is the time spent publishing the lake.
	Lake time.Duration
}

// Phases is where one source's time went. Extract is the time in the provider client
// (HTTP and decoding); Transform the mapping and normalizing of rows; Stage the writing
// of staging files; Merge the SCD2 merge (waiting for another source's merge or lake
// file excluded).
// Lake is the publishing of the source's lake files right after its merge. Mapped
// counts the users mapped and staged in full: new and changed ones; a user listed with
// the fingerprint the warehouse holds is neither mapped nor merged again.
type Phases struct {
	Extract, Transform, Stage, Merge, Lake time.Duration
	Mapped                                 int64
}

// Failed reports whether any source failed or the lake could not be published.
func (r SyncResult) Failed() bool { return r.Run.Status != load.StatusSucceeded || r.LakeError != "" }

// Sync runs one sync of the configured sources into the warehouse: each source is
// extracted into on-disk staging and, when its listing is complete, merged in its own
// transaction; a failed source leaves its history untouched and is recorded as failed.
// The returned error is for problems that stop the whole run (config, warehouse);
// source failures are reported in the result. Wherever DuckDB runs out of its
// memory_limit, the message names warehouse.memory_mb instead of DuckDB's settings.
func Sync(ctx context.Context, opts SyncOptions) (SyncResult, error) {
	res, err := runSync(ctx, opts)
	if err != nil && opts.Config != nil {
		err = explainMemoryError(err, opts.Config.Warehouse.MemoryMB)
	}
	return res, err
}

// runSync is Sync before a failure of the whole run is explained.
func runSync(ctx context.Context, opts SyncOptions) (SyncResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Factory == nil {
		opts.Factory = NewSource
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.PhoneCache <= 0 {
		opts.PhoneCache = 1 << 18
	}
	if opts.Allocator == nil {
		opts.Allocator = mallocator.NewMallocator()
	}
	sources, err := opts.Config.Select(opts.Sources)
	if err != nil {
		return SyncResult{}, err
	}
	if !opts.DryRun { // a dry run writes nothing, not even the lock file
		lock, err := AcquireLock(ctx, opts.Config.Warehouse.DuckDB, "sync", opts.Wait)
		if err != nil {
			return SyncResult{}, err
		}
		defer lock.Release()
	}
	dbPath, lake := opts.Config.Warehouse.DuckDB, opts.Config.Warehouse.Lake
	if opts.DryRun {
		lake = ""
		if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
			dbPath = "" // nothing synced yet: compare with an empty in-memory warehouse
		}
	}
	w, err := load.Open(ctx, dbPath, lake)
	if err != nil {
		return SyncResult{}, err
	}
	defer w.Close()
	if opts.Logger.GetLevel() <= zerolog.DebugLevel {
		w.OnStep = func(step string, took time.Duration) { opts.Logger.Debug().Dur("took", took).Msg(step) }
	}
	if err := w.DeferCheckpoints(ctx); err != nil {
		return SyncResult{}, err
	}
	// DuckDB leaves a core to the listings and mapping, which run beside the merges and
	// lake files, and once the listings are done a merge or lake file runs beside
	// another: on 2 cores, one DuckDB thread instead of two took a million users' first
	// night from 119-146 s of CPU to 106 s, in no more wall time (two A/B pairs); two
	// threads after the last listing only cost CPU again (131 s).
	if err := w.SetThreads(ctx, runtime.GOMAXPROCS(0)-1); err != nil {
		return SyncResult{}, err
	}
	var merging atomic.Int64
	merging.Store(int64(len(sources)))
	var people sync.WaitGroup
	var peopleTook time.Duration // set before people is done
	// people spans sources: it goes out as soon as the last merge is over, beside that
	// source's own lake files (PublishLake retries it if it failed).
	sourceMerged := func() {
		if merging.Add(-1) == 0 && !opts.DryRun {
			// Every listing is over: what is left (lake files, one at a time, and the
			// checkpoint) is DuckDB's alone, and gets every core. Measured at 1,000,000
			// users, the time from the last merge to the end of a first night went
			// from 19 s to 11 s (night 67 -> 60 s).
			if err := w.SetThreads(ctx, runtime.GOMAXPROCS(0)); err != nil {
				opts.Logger.Debug().Err(err).Msg("giving DuckDB every core after the last merge")
			}
			people.Go(func() {
				start := time.Now()
				defer func() { peopleTook = time.Since(start) }()
				if err := w.PublishPeople(context.WithoutCancel(ctx)); err != nil {
					opts.Logger.Debug().Err(err).Msg("publishing people after the last merge; retried at the end of the run")
				}
			})
		}
	}
	if mb := opts.Config.Warehouse.MemoryMB; mb > 0 {
		if err := w.SetMemoryLimit(ctx, config.DuckDBMemory(mb)); err != nil {
			return SyncResult{}, err
		}
	}

	runID, err := uuid.NewV7()
	if err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{Run: load.SyncRun{
		RunID: runID.String(), StartedAt: opts.Now().UTC(), RosterVersion: Version, ConfigHash: opts.Config.Hash,
	}}
	log := opts.Logger.With().Str("run_id", res.Run.RunID).Logger()
	if !opts.DryRun {
		if err := w.BeginRun(ctx, res.Run); err != nil {
			return res, err
		}
		// Files of earlier committed runs that a crash left unpublished go out first.
		if err := w.PublishLake(ctx, []string{}); err != nil {
			log.Warn().Err(err).Msg("publishing earlier runs to the lake")
		}
	}
	log.Info().Int("sources", len(sources)).Msg("sync started")

	stagingRoot := w.Path() + ".staging"
	if !opts.DryRun {
		// Staging left by a run that was killed: this process holds the lock, so no
		// other run is using it.
		if err := os.RemoveAll(stagingRoot); err != nil {
			log.Warn().Err(err).Msg("removing staging files of an earlier run")
		}
	}
	if opts.DryRun {
		tmp, err := os.MkdirTemp("", "roster-dry-run-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(tmp)
		stagingRoot = tmp
	}
	runs := make([]load.SourceRun, len(sources))
	res.Phases = make([]Phases, len(sources))
	lakeErrs := make([]error, len(sources)) // each source publishes its files when merged
	var mergeLock sync.Mutex                // one source's merge at a time, prepared and applied
	var wg sync.WaitGroup
	slots := make(chan struct{}, opts.Parallel)
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mergeOver := sync.OnceFunc(sourceMerged) // once: after the merge, or on failing before it
			defer mergeOver()
			slots <- struct{}{}
			defer func() { <-slots }()
			runs[i], res.Phases[i], lakeErrs[i] = syncSource(ctx, opts, w, &mergeLock, src, res.Run.RunID, filepath.Join(stagingRoot, res.Run.RunID, src.Name), log, mergeOver)
		}()
	}
	wg.Wait()
	people.Wait()
	os.RemoveAll(filepath.Join(stagingRoot, res.Run.RunID))
	os.Remove(stagingRoot) // only when empty

	res.Sources = runs
	failed := 0
	for _, r := range runs {
		if r.Status != load.StatusSucceeded {
			failed++
		}
	}
	switch {
	case failed == 0:
		res.Run.Status = load.StatusSucceeded
	case failed < len(runs):
		res.Run.Status = load.StatusPartial
	default:
		res.Run.Status = load.StatusFailed
	}
	res.Run.FinishedAt = opts.Now().UTC()
	// The ledger outcome is recorded even when the caller's context was cancelled.
	finishCtx := context.WithoutCancel(ctx)
	if opts.DryRun {
		res.DryRun = true
		log.Info().Str("status", res.Run.Status).Msg("dry run finished; nothing was written")
		return res, nil
	}
	if err := w.FinishRun(finishCtx, res.Run); err != nil {
		return res, err
	}
	lakeStart := time.Now()
	// people, the ledger files, and whatever a failed publish above left missing or stale.
	lakeErrs = append(lakeErrs, w.PublishLake(finishCtx, []string{}))
	if err := errors.Join(lakeErrs...); err != nil {
		res.LakeError = oneLine(explainMemory(err.Error(), opts.Config.Warehouse.MemoryMB))
		log.Error().Str("error", res.LakeError).Msg("publishing to the lake failed; the next run publishes what is missing")
	}
	res.Lake = time.Since(lakeStart) + peopleTook
	for _, ph := range res.Phases {
		res.Lake += ph.Lake
	}
	// Every commit is in the WAL already; this only folds it into the database file.
	if err := w.Checkpoint(finishCtx); err != nil {
		log.Warn().Err(err).Msg("checkpointing the warehouse; the WAL is replayed when it is next opened")
	}
	log.Info().Str("status", res.Run.Status).Dur("duration", res.Run.FinishedAt.Sub(res.Run.StartedAt)).Msg("sync finished")
	return res, nil
}

// fingerprintLoad is the reading of a source's fingerprints, under way or done.
type fingerprintLoad struct {
	done chan struct{}
	// m maps transform.IDHash of a user id to its fingerprint; nil when they could not
	// be read (every user is then mapped). Set before done is closed.
	m map[uint64]transform.Fingerprint
}

// loadFingerprints starts reading the fingerprints the source's current users had when
// its last run made them.
func loadFingerprints(ctx context.Context, w *load.Warehouse, source, configHash string, log zerolog.Logger) *fingerprintLoad {
	l := &fingerprintLoad{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		start := time.Now()
		m := map[uint64]transform.Fingerprint{}
		err := w.Fingerprints(ctx, source, Version, configHash, func(id, text string) error {
			if fp, ok := transform.ParseFingerprint(text); ok {
				m[transform.IDHash(id)] = fp
			}
			return nil
		})
		if err != nil {
			log.Warn().Err(err).Msg("could not read the users' fingerprints; every user is mapped again")
			return
		}
		l.m = m
		log.Debug().Int("fingerprints", len(m)).Dur("took", time.Since(start)).Msg("fingerprints read")
	}()
	return l
}

// wait waits for the fingerprints and returns them (nil: none could be read).
func (l *fingerprintLoad) wait(ctx context.Context) (map[uint64]transform.Fingerprint, error) {
	select {
	case <-l.done:
		return l.m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// syncSource extracts one source into staging and merges it, and calls mergeOver when the
// merge is over (committed or not). It never returns an error: the outcome, failure
// included, is the source_runs row it recorded.
func syncSource(ctx context.Context, opts SyncOptions, w *load.Warehouse, mergeLock *sync.Mutex, src config.Source, runID, dir string, log zerolog.Logger, mergeOver func()) (load.SourceRun, Phases, error) {
	log = log.With().Str("source", src.Name).Str("provider", src.Provider).Logger()
	run := load.SourceRun{RunID: runID, Source: src.Name, Provider: src.Provider, StartedAt: opts.Now().UTC()}
	var ph Phases
	fail := func(err error) (load.SourceRun, Phases, error) {
		run.Status = load.StatusFailed
		run.FinishedAt = opts.Now().UTC()
		run.Error = oneLine(explainMemory(sourceError(src.Name, err), opts.Config.Warehouse.MemoryMB))
		log.Error().Str("error", run.Error).Msg("source failed; its history is unchanged")
		if opts.DryRun {
			return run, ph, nil
		}
		mergeLock.Lock()
		defer mergeLock.Unlock()
		if err := w.RecordFailure(context.WithoutCancel(ctx), run); err != nil {
			log.Error().Err(err).Msg("recording the failure in source_runs")
		}
		return run, ph, nil
	}
	extractor, err := opts.Factory(src, SourceEnv{Transport: opts.Transport, SpoolDir: dir}) // dir exists once the sink is made
	if err != nil {
		return fail(err)
	}
	loc, err := time.LoadLocation(src.Timezone)
	if err != nil {
		return fail(err)
	}
	mapper := transform.Mapper{Source: src.Name, Provider: src.Provider, Region: src.DefaultRegion, Location: loc,
		Phones: transform.NewPhoneNormalizer(opts.PhoneCache)}
	// Users listed as the last night saw them are not mapped again. Their fingerprints
	// are read while the listing starts: providers read groups and teams before users.
	fingerprints := loadFingerprints(ctx, w, src.Name, opts.Config.Hash, log)
	defer fingerprints.wait(context.WithoutCancel(ctx)) // never leave the query running
	sink, err := newStagingSink(dir, mapper, opts.Allocator, runID, run.StartedAt, opts.BatchSize, fingerprints)
	if err != nil {
		return fail(err)
	}
	log.Info().Msg("extracting")
	var bar *sourceProgress
	if opts.Progress != nil {
		bar = opts.Progress.track(src.Name, &sink.received, extractor.Stats)
	}
	extractStart := time.Now()
	extractErr := extractor.Extract(ctx, sink)
	bar.finish(extractErr == nil)
	extractWall := time.Since(extractStart)
	var known []string // nil: the source has no catalogue, every field counts as known
	if cat, ok := extractor.(extract.FieldCatalog); ok {
		known = cat.KnownFields()
	}
	ph.Extract = extractWall - sink.transform - sink.stage // the sink's share of the listing
	staged, closeErr := sink.Close(known)
	// What the listing decoded and held (a provider's directory of groups and roles, its
	// replies) is garbage now; the heap it grew to is handed back to the system at once
	// rather than kept for the merges, whose memory is DuckDB's.
	debug.FreeOSMemory()
	ph.Transform, ph.Stage = sink.transform, sink.stage
	ph.Mapped = sink.seq - sink.skipped
	st := extractor.Stats()
	run.Pages, run.Requests, run.Retries, run.ThrottledMS = st.Pages, st.Requests, st.Retries, st.ThrottledMS
	if extractErr != nil {
		return fail(extractErr)
	}
	if closeErr != nil {
		return fail(closeErr)
	}
	run.Complete = true
	run.FinishedAt = opts.Now().UTC()
	// One source's merge at a time, prepared (staged, compared, checked) and applied
	// alone; extraction takes no lock, and lake files are kept apart from applies by the
	// warehouse itself. Preparing the next merge beside an apply held two sources' staged
	// tables in DuckDB at once and competed with the listings still running for the
	// second core: at 1,000,000 users one merge at a time took a first night from
	// 61-63 s to 56-58 s (two runs each).
	mergeLock.Lock()
	mergeStart := time.Now()
	pending, err := w.PrepareMerge(ctx, run, staged)
	merged := pending.Run()
	if err == nil && !opts.DryRun {
		merged, err = pending.Apply(ctx)
	}
	ph.Merge = time.Since(mergeStart) - pending.Waited() // a lake file's time is the lake's
	mergeLock.Unlock()
	pending.Close()
	mergeOver()
	if err != nil {
		run.Records, run.Duplicates = merged.Records, merged.Duplicates
		return fail(err)
	}
	hits, misses := mapper.Phones.Stats()
	log.Info().Int64("unchanged_not_mapped", sink.skipped).Int64("phone_cache_hits", hits).Int64("phone_cache_misses", misses).Int64("records", merged.Records).Int64("inserted", merged.Inserted).Int64("updated", merged.Updated).
		Int64("deleted", merged.Deleted).Int64("unchanged", merged.Unchanged).Int64("duplicates", merged.Duplicates).
		Int64("requests", merged.Requests).Int64("retries", merged.Retries).Int64("throttled_ms", merged.ThrottledMS).
		Dur("extract", ph.Extract).Dur("transform", ph.Transform).Dur("stage", ph.Stage).Dur("merge", ph.Merge).
		Msg("source loaded")
	var lakeErr error
	if !opts.DryRun {
		// The source's lake files go out now, while other sources may still be listing.
		lakeStart := time.Now()
		if lakeErr = w.PublishSource(context.WithoutCancel(ctx), src.Name); lakeErr != nil {
			log.Error().Err(lakeErr).Msg("publishing the source to the lake failed; the next run publishes what is missing")
		}
		ph.Lake = time.Since(lakeStart)
	}
	return merged, ph, lakeErr
}

// sourceError makes sure the message of a source failure names the source.
func sourceError(source string, err error) string {
	msg := err.Error()
	if !strings.HasPrefix(msg, source+":") {
		msg = source + ": " + msg
	}
	return msg
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// explainMemory replaces, in the message of a DuckDB query that ran out of memory,
// DuckDB's advice (settings a roster user cannot make) with roster's own: the budget
// to raise, and what it is now. Other messages are returned as they are.
func explainMemory(msg string, memoryMB int) string {
	if !load.OutOfMemory(msg) {
		return msg
	}
	if advice := strings.Index(msg, load.DuckDBAdvice); advice >= 0 {
		msg = strings.TrimSpace(msg[:advice])
	}
	return fmt.Sprintf("%s — raise warehouse.memory_mb (now %d MiB, of which DuckDB's memory_limit is %d MiB)",
		msg, memoryMB, config.DuckDBMemory(memoryMB)>>20)
}

// explainMemoryError is explainMemory for an error; it unwraps to err.
func explainMemoryError(err error, memoryMB int) error {
	if msg := explainMemory(err.Error(), memoryMB); msg != err.Error() {
		return explainedError{msg: msg, err: err}
	}
	return err
}

// explainedError is an error told in other words.
type explainedError struct {
	msg string
	err error
}

func (e explainedError) Error() string { return e.msg }
func (e explainedError) Unwrap() error { return e.err }

// ErrSourcesFailed is returned by callers that turn a partial run into an exit code.
var ErrSourcesFailed = errors.New("some sources failed")
