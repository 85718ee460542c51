package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// SizeResult is what one directory size measured.
type SizeResult struct {
	Users            int
	PageFiles        int
	PageBytes        int64
	Full, Incr       Measurement
	Reference        time.Duration
	Recorded, Replay string // directories
}

// sourceNames are the source names of the fakes' roster.yaml, by provider.
var sourceNames = map[string]string{
	"close": "close-demo", "worksection": "worksection-demo", "zoom_contact_center": "zoom-cc-demo", "uis": "uis-demo",
}

// MeasureSize records two nights of a directory of users, then replays them to a
// fresh warehouse (a full night, then an incremental one) and runs the reference over
// the first night's pages.
func MeasureSize(ctx context.Context, o Options, users int, profile bool) (SizeResult, error) {
	r := SizeResult{Users: users}
	dir := filepath.Join(o.Dir, fmt.Sprintf("users-%d", users))
	rec := recording{Format: recordingFormat, Seed: o.Seed, Users: users, Nights: 2}
	if prev, err := readRecording(dir); err == nil && prev.Format == rec.Format && prev.Seed == rec.Seed && prev.Users == rec.Users && prev.Nights == rec.Nights {
		fmt.Fprintf(o.Out, "reusing the replies of %d users recorded under %s\n", users, dir)
		rec = prev
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return r, err
		}
		fmt.Fprintf(o.Out, "recording %d users' replies from the fakes (two nights) ...\n", users)
		if rec.YAML, rec.Addrs, err = Record(ctx, o.Seed, users, dir, rec.Nights); err != nil {
			return r, err
		}
		if err := writeRecording(dir, rec); err != nil {
			return r, err
		}
	}
	yaml, fakeAddrs := rec.YAML, rec.Addrs
	var err error
	r.PageBytes, r.PageFiles, err = dirBytes(filepath.Join(night(dir, 0), "*", "pages", "users-*.json"))
	if err != nil {
		return r, err
	}
	replay, err := StartReplay(dir)
	if err != nil {
		return r, err
	}
	defer replay.Close()
	work := filepath.Join(dir, "run")
	if err := os.RemoveAll(work); err != nil {
		return r, err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return r, err
	}
	scratch := filepath.Join(dir, "record")
	yaml = strings.ReplaceAll(yaml, scratch, work)
	cfgPath := filepath.Join(work, "roster.yaml")
	if err := os.WriteFile(cfgPath, []byte(benchYAML(retarget(yaml, fakeAddrs, replay.Addrs()))), 0o600); err != nil {
		return r, err
	}
	// Profiles of the first night go to the named files, the second night's beside them
	// with ".night2" appended.
	profiles := func(suffix string) []string {
		var extra []string
		if profile && o.CPUProfile != "" {
			extra = append(extra, "--cpu-profile", o.CPUProfile+suffix)
		}
		if profile && o.MemProfile != "" {
			extra = append(extra, "--mem-profile", o.MemProfile+suffix)
		}
		return extra
	}
	replay.SetNight(0)
	if r.Full, err = RunRoster(ctx, o.Roster, cfgPath, work, profiles("")...); err != nil {
		return r, fmt.Errorf("night 1: %w", err)
	}
	replay.SetNight(1)
	if r.Incr, err = RunRoster(ctx, o.Roster, cfgPath, work, profiles(".night2")...); err != nil {
		return r, fmt.Errorf("night 2: %w", err)
	}
	if r.Reference, err = Reference(ctx, night(dir, 0), sourceNames, filepath.Join(dir, "reference")); err != nil {
		return r, err
	}
	return r, nil
}

// FlatMerge syncs nights 0..n-1 of a directory in process against the fakes and
// returns each night's merge time (summed over the sources).
func FlatMerge(ctx context.Context, o Options) ([]time.Duration, error) {
	fakes, fsrv, err := startFakes(o.Seed, o.FlatUsers, fakeOptions{})
	if err != nil {
		return nil, err
	}
	defer fsrv.close()
	dir := filepath.Join(o.Dir, "flat")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg, err := config.Parse([]byte(benchYAML(fakes.ConfigYAML("", filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake")))), "bench.yaml", nil)
	if err != nil {
		return nil, err
	}
	var merges []time.Duration
	for d := range o.FlatNights {
		fakes.SetDay(d)
		at := fakes.Population.Day(d).Date.Add(2 * time.Hour)
		res, err := jobs.Sync(ctx, jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
		if err != nil {
			return nil, err
		}
		if res.Failed() {
			return nil, fmt.Errorf("flat night %d: %s", d, failure(res.Sources))
		}
		var m time.Duration
		for _, ph := range res.Phases {
			m += ph.Merge
		}
		merges = append(merges, m)
	}
	return merges, nil
}

// LimitedSource is one source's extraction under latency and a rate limit.
type LimitedSource struct {
	Source            string
	Requests, Retries int64
	Listing, Bound    time.Duration
}

// Limited syncs LimitedUsers from fakes that answer after latency and admit rps
// requests a second per source, and reports each source's listing time against the
// lower bound the limit imposes (requests / rps).
func Limited(ctx context.Context, o Options, latency time.Duration, rps int) ([]LimitedSource, error) {
	f, srv, err := startFakes(o.Seed, o.LimitedUsers, fakeOptions{rps: rps, latency: latency})
	if err != nil {
		return nil, err
	}
	defer srv.close()
	dir := filepath.Join(o.Dir, "limited")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg, err := config.Parse([]byte(f.ConfigYAML("", filepath.Join(dir, "r.duckdb"), filepath.Join(dir, "lake"))), "bench.yaml", nil)
	if err != nil {
		return nil, err
	}
	res, err := jobs.Sync(ctx, jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop()})
	if err != nil {
		return nil, err
	}
	if res.Failed() {
		return nil, fmt.Errorf("rate-limited run: %s", failure(res.Sources))
	}
	var out []LimitedSource
	for i, r := range res.Sources {
		ph := res.Phases[i]
		out = append(out, LimitedSource{
			Source: r.Source, Requests: r.Requests, Retries: r.Retries,
			Listing: ph.Extract + ph.Transform + ph.Stage,
			Bound:   time.Duration(float64(r.Requests) / float64(rps) * float64(time.Second)),
		})
	}
	return out, nil
}

// Run measures everything and prints the report with each target as PASS or FAIL. It
// returns an error when a measurement could not be made; targets that fail are
// printed, not returned.
func Run(ctx context.Context, o Options) error {
	w := o.Out
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	full, err := MeasureSize(ctx, o, o.Users, true)
	if err != nil {
		return err
	}
	var base *SizeResult
	if o.BaselineUsers > 0 && o.BaselineUsers != o.Users {
		b, err := MeasureSize(ctx, o, o.BaselineUsers, false)
		if err != nil {
			return err
		}
		base = &b
	}
	var merges []time.Duration
	if o.FlatNights > 1 {
		fmt.Fprintf(w, "syncing %d nights of %d users for the merge trend ...\n", o.FlatNights, o.FlatUsers)
		if merges, err = FlatMerge(ctx, o); err != nil {
			return err
		}
	}
	var limited []LimitedSource
	if o.LimitedUsers > 0 {
		fmt.Fprintf(w, "syncing %d users from fakes with 50 ms latency and 20 requests/s per source ...\n", o.LimitedUsers)
		if limited, err = Limited(ctx, o, 50*time.Millisecond, 20); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nroster bench: seed %d, roster %s\n", o.Seed, o.Roster)
	for _, s := range []*SizeResult{&full, base} {
		if s != nil {
			printSize(w, s)
		}
	}
	if len(merges) > 0 {
		fmt.Fprintf(w, "merge per night (%d users, summed over sources):", o.FlatUsers)
		for i, m := range merges {
			fmt.Fprintf(w, " %d:%.2fs", i+1, m.Seconds())
		}
		fmt.Fprintln(w)
	}
	for _, l := range limited {
		fmt.Fprintf(w, "rate-limited %-17s %4d requests, %d retried (429), listing %.2fs, bound %.2fs\n",
			l.Source, l.Requests, l.Retries, l.Listing.Seconds(), l.Bound.Seconds())
	}

	fmt.Fprintln(w)
	ratio := full.Full.Wall.Seconds() / full.Reference.Seconds()
	target(w, ratio <= 1.0, "full sync of %d users <= 1.0x the reference: %.2fx (%.1fs vs %.1fs)", full.Users, ratio, full.Full.Wall.Seconds(), full.Reference.Seconds())
	target(w, full.Full.PeakRSS <= 1<<30, "peak RSS at %d users <= 1 GiB: %s", full.Users, gib(full.Full.PeakRSS))
	if base != nil {
		r := float64(full.Full.PeakRSS) / float64(base.Full.PeakRSS)
		target(w, r <= 1.5, "peak RSS at %d users <= 1.5x the %d-user figure: %.2fx (%s vs %s)", full.Users, base.Users, r, gib(full.Full.PeakRSS), gib(base.Full.PeakRSS))
	}
	ir := full.Incr.Wall.Seconds() / full.Full.Wall.Seconds()
	target(w, ir <= 0.5, "incremental night <= 0.5x the first: %.2fx (%.1fs vs %.1fs)", ir, full.Incr.Wall.Seconds(), full.Full.Wall.Seconds())
	if len(merges) > 1 {
		last := merges[len(merges)-1]
		mr := last.Seconds() / merges[1].Seconds()
		target(w, mr <= 1.2, "merge of night %d <= 1.2x night 2's: %.2fx (%.2fs vs %.2fs)", len(merges), mr, last.Seconds(), merges[1].Seconds())
	}
	if len(limited) > 0 {
		// The sources list in parallel: the run's extraction takes its longest listing, and
		// the limits impose at least the largest requests/rps of a source.
		var listing, bound time.Duration
		var requests, retries int64
		for _, l := range limited {
			listing, bound = max(listing, l.Listing), max(bound, l.Bound)
			requests += l.Requests
			retries += l.Retries
		}
		r := listing.Seconds() / bound.Seconds()
		share := float64(retries) / float64(requests)
		target(w, r <= 1.1 && share < 0.01, "rate-limited extraction <= 1.1x the bound the limits impose, < 1%% answered 429: %.2fx (%.1fs vs %.1fs), %.2f%%",
			r, listing.Seconds(), bound.Seconds(), 100*share)
	}
	return nil
}

func printSize(w io.Writer, s *SizeResult) {
	sizes := Split(s.Users)
	fmt.Fprintf(w, "%d users (close %d, worksection %d, zoom %d, uis %d): %d page files, %.0f MB of users JSON\n",
		s.Users, sizes["close"], sizes["worksection"], sizes["zoom_contact_center"], sizes["uis"], s.PageFiles, float64(s.PageBytes)/1e6)
	for _, n := range []struct {
		name string
		m    Measurement
	}{{"night 1 (full)", s.Full}, {"night 2 (incremental)", s.Incr}} {
		m := n.m
		var ins, upd, del int64
		var ph jobs.PhaseSeconds
		for _, src := range m.Summary.Sources {
			ins, upd, del = ins+src.Inserted, upd+src.Updated, del+src.Deleted
			ph.Extract += src.Phases.Extract
			ph.Transform += src.Phases.Transform
			ph.Stage += src.Phases.Stage
			ph.Merge += src.Phases.Merge
		}
		fmt.Fprintf(w, "  %-22s wall %6.1fs  cpu %6.1fs  %8.0f users/s  peak RSS %s  (+%d new, %d changed, -%d gone)\n",
			n.name, m.Wall.Seconds(), m.CPU.Seconds(), float64(m.Users)/m.Wall.Seconds(), gib(m.PeakRSS), ins, upd, del)
		fmt.Fprintf(w, "  %-22s phases summed over sources: extract %.1fs, transform %.1fs, stage %.1fs, merge %.1fs; lake %.1fs\n",
			"", ph.Extract, ph.Transform, ph.Stage, ph.Merge, m.Summary.LakeSeconds)
	}
	fmt.Fprintf(w, "  %-22s wall %6.1fs  (DuckDB read_json, same pages, canonical columns, zstd Parquet)\n", "reference", s.Reference.Seconds())
}

func target(w io.Writer, ok bool, format string, args ...any) {
	verdict := "FAIL"
	if ok {
		verdict = "PASS"
	}
	fmt.Fprintf(w, "TARGET %s  "+format+"\n", append([]any{verdict}, args...)...)
}

func gib(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

// recording describes the nights recorded under a directory, so that a later run of the
// same size and seed reuses them.
type recording struct {
	// Format changes when the way replies are recorded, or the requests roster makes,
	// do (2: UIS without a point budget; 3: Zoom's member lists read 300 a page; 4:
	// Close's users read 1000 a page), so older recordings are made again.
	Format        int
	Seed          int64
	Users, Nights int
	YAML          string
	Addrs         map[string]string
}

const recordingFormat = 4

func readRecording(dir string) (recording, error) {
	var r recording
	b, err := os.ReadFile(filepath.Join(dir, "recording.json"))
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	return r, err
}

func writeRecording(dir string, r recording) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "recording.json"), b, 0o644)
}
