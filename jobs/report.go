package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/roster-etl/roster/load"
)

// This file writes the machine-readable outcome of a run: a JSON summary for
// orchestrators and a Prometheus textfile-collector file for node_exporter. Both are
// replaced atomically (temporary file in the same directory, then rename), so a
// reader never sees a half-written file.

// RunSummary is the JSON document WriteSummaryJSON writes. Field names are stable.
type RunSummary struct {
	RunID           string    `json:"run_id"`
	Status          string    `json:"status"` // succeeded, partial or failed
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	RosterVersion   string    `json:"roster_version"`
	// LakeSeconds is the time spent publishing the lake.
	LakeSeconds float64 `json:"lake_seconds"`
	// PeakRSSBytes is the process's peak resident memory when the summary was made
	// (Linux; absent elsewhere).
	PeakRSSBytes int64           `json:"peak_rss_bytes,omitempty"`
	Sources      []SourceSummary `json:"sources"`
}

// PhaseSeconds is where a source's time went (see Phases).
type PhaseSeconds struct {
	Extract   float64 `json:"extract"`
	Transform float64 `json:"transform"`
	Stage     float64 `json:"stage"`
	Merge     float64 `json:"merge"`
	// Lake is the publishing of the source's own lake files right after its merge.
	Lake float64 `json:"lake"`
}

// SourceSummary is what a run did to one source.
type SourceSummary struct {
	Source     string `json:"source"`
	Provider   string `json:"provider"`
	Status     string `json:"status"` // succeeded or failed
	Complete   bool   `json:"complete"`
	Records    int64  `json:"records"`
	Duplicates int64  `json:"duplicates"`
	Inserted   int64  `json:"inserted"`
	Updated    int64  `json:"updated"`
	Deleted    int64  `json:"deleted"`
	Unchanged  int64  `json:"unchanged"`
	// Mapped counts the users mapped and staged in full (new or changed since the last
	// run, or every user when roster or its config changed); the others were listed
	// unchanged and cost only their listing.
	Mapped          int64   `json:"mapped"`
	Pages           int64   `json:"pages"`
	Requests        int64   `json:"requests"`
	Retries         int64   `json:"retries"`
	ThrottledMS     int64   `json:"throttled_ms"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Phases splits the source's time into extract, transform, stage and merge.
	Phases PhaseSeconds `json:"phases_seconds"`
	Error  string       `json:"error,omitempty"`
	// DataQuality holds only the checks that found failing rows (never null).
	DataQuality []QualitySummary `json:"data_quality"`
}

// QualitySummary is one data-quality check that found failing rows.
type QualitySummary struct {
	Check       string `json:"check"`
	Detail      string `json:"detail"`
	FailingRows int64  `json:"failing_rows"`
}

// NewRunSummary converts a run result into the document WriteSummaryJSON writes.
func NewRunSummary(res SyncResult) RunSummary {
	s := RunSummary{
		RunID:           res.Run.RunID,
		Status:          res.Run.Status,
		StartedAt:       res.Run.StartedAt.UTC(),
		FinishedAt:      res.Run.FinishedAt.UTC(),
		DurationSeconds: durationSeconds(res.Run.StartedAt, res.Run.FinishedAt),
		RosterVersion:   res.Run.RosterVersion,
		LakeSeconds:     res.Lake.Seconds(),
		PeakRSSBytes:    PeakRSS(),
		Sources:         make([]SourceSummary, 0, len(res.Sources)),
	}
	for i, r := range res.Sources {
		src := SourceSummary{
			Source: r.Source, Provider: r.Provider, Status: r.Status, Complete: r.Complete,
			Records: r.Records, Duplicates: r.Duplicates,
			Inserted: r.Inserted, Updated: r.Updated, Deleted: r.Deleted, Unchanged: r.Unchanged,
			Pages: r.Pages, Requests: r.Requests, Retries: r.Retries, ThrottledMS: r.ThrottledMS,
			DurationSeconds: durationSeconds(r.StartedAt, r.FinishedAt),
			Error:           r.Error,
			DataQuality:     []QualitySummary{},
		}
		if i < len(res.Phases) {
			ph := res.Phases[i]
			src.Phases = PhaseSeconds{Extract: ph.Extract.Seconds(), Transform: ph.Transform.Seconds(), Stage: ph.Stage.Seconds(), Merge: ph.Merge.Seconds(), Lake: ph.Lake.Seconds()}
			src.Mapped = ph.Mapped
		}
		for _, q := range r.Quality {
			if q.FailingRows != 0 {
				src.DataQuality = append(src.DataQuality, QualitySummary{Check: q.Check, Detail: q.Detail, FailingRows: q.FailingRows})
			}
		}
		s.Sources = append(s.Sources, src)
	}
	return s
}

// WriteSummaryJSON writes the run summary for orchestrators to path as one JSON
// document (see RunSummary), replacing the file atomically with mode 0644.
func WriteSummaryJSON(path string, res SyncResult) error {
	b, err := json.MarshalIndent(NewRunSummary(res), "", "  ")
	if err != nil {
		return fmt.Errorf("run summary %s: %w", path, err)
	}
	if err := writeFileAtomic(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("run summary %s: %w", path, err)
	}
	return nil
}

// Metric names of the textfile WriteMetricsFile writes. Every source metric carries
// the labels source and provider.
const (
	MetricSourceLastRun      = "roster_source_last_run_timestamp_seconds"
	MetricSourceLastSuccess  = "roster_source_last_success_timestamp_seconds"
	MetricSourceUp           = "roster_source_up"
	MetricSourceDuration     = "roster_source_duration_seconds"
	MetricSourceUsers        = "roster_source_users"
	MetricSourceVersions     = "roster_source_versions_total" // label change: inserted, updated, deleted
	MetricSourceRequests     = "roster_source_requests"
	MetricSourceRetries      = "roster_source_retries"
	MetricSourceThrottled    = "roster_source_throttled_seconds"
	MetricSourceErrors       = "roster_source_errors"
	MetricSourceQualityRows  = "roster_source_data_quality_failing_rows" // labels check, detail
	MetricRunLastTimestamp   = "roster_run_last_timestamp_seconds"
	MetricRunSuccess         = "roster_run_success"
	MetricRunDurationSeconds = "roster_run_duration_seconds"
)

// WriteMetricsFile writes the outcome of a run to path in the Prometheus text
// exposition format, for node_exporter's textfile collector (name the file *.prom in
// its --collector.textfile.directory). All metrics are gauges describing this run.
//
// The file is rewritten each run, so a source that failed now keeps the
// roster_source_last_success_timestamp_seconds it had in the previous file at path
// (when there is one): alerting on the age of the last success keeps working across
// failures. Sources not part of this run (roster sync --source ...) are not carried
// over.
func WriteMetricsFile(path string, res SyncResult) error {
	prev, err := readLastSuccess(path)
	if err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	reg := prometheus.NewRegistry()
	for _, f := range buildMetrics(res, prev) {
		var names []string
		if len(f.samples) > 0 {
			for _, l := range f.samples[0].labels {
				names = append(names, l.name)
			}
		}
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: f.name, Help: f.help}, names)
		if err := reg.Register(g); err != nil {
			return fmt.Errorf("metrics file %s: %w", path, err)
		}
		for _, smp := range f.samples {
			values := make([]string, len(smp.labels))
			for i, l := range smp.labels {
				values[i] = l.value
			}
			g.WithLabelValues(values...).Set(smp.value)
		}
	}
	// WriteToTextfile writes a temporary file and renames it, as the textfile collector
	// needs.
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	return os.Chmod(path, 0o644)
}

// promFamily is one metric family: all its samples share name, help and type gauge.
type promFamily struct {
	name, help string
	samples    []promSample
}

// promSample is one series of a metric family.
type promSample struct {
	labels []promLabel // in output order
	value  float64
}

// promLabel is one label of a sample.
type promLabel struct{ name, value string }

// buildMetrics returns the families of a run, sorted by name with their samples
// sorted by labels. prev maps a source to its last success in the previous file.
func buildMetrics(res SyncResult, prev map[string]float64) []*promFamily {
	fams := map[string]*promFamily{}
	add := func(name, help string, value float64, labels ...promLabel) {
		f := fams[name]
		if f == nil {
			f = &promFamily{name: name, help: help}
			fams[name] = f
		}
		f.samples = append(f.samples, promSample{labels: labels, value: value})
	}

	runEnd := res.Run.FinishedAt
	if runEnd.IsZero() {
		runEnd = time.Now()
	}
	add(MetricRunLastTimestamp, "Unix time the last roster sync run finished.", unixSeconds(runEnd))
	add(MetricRunSuccess, "Whether the last roster sync run succeeded for every source (1) or not (0, partial or failed).", gaugeBool(res.Run.Status == load.StatusSucceeded))
	add(MetricRunDurationSeconds, "Wall-clock duration of the last roster sync run in seconds.", durationSeconds(res.Run.StartedAt, res.Run.FinishedAt))

	for _, r := range res.Sources {
		id := []promLabel{{"source", r.Source}, {"provider", r.Provider}}
		with := func(extra ...promLabel) []promLabel { return append(append([]promLabel{}, id...), extra...) }
		ok := r.Status == load.StatusSucceeded
		end := r.FinishedAt
		if end.IsZero() {
			end = runEnd
		}
		add(MetricSourceLastRun, "Unix time the last sync of the source finished, successfully or not.", unixSeconds(end), id...)
		const successHelp = "Unix time the last successful sync of the source finished (kept from the previous file while the source fails)."
		if ok {
			add(MetricSourceLastSuccess, successHelp, unixSeconds(end), id...)
		} else if ts, found := prev[r.Source]; found {
			add(MetricSourceLastSuccess, successHelp, ts, id...)
		}
		add(MetricSourceUp, "Whether the last sync of the source succeeded (1) or failed (0).", gaugeBool(ok), id...)
		add(MetricSourceErrors, "Whether the last sync of the source failed (1) or not (0).", gaugeBool(!ok), id...)
		add(MetricSourceDuration, "Duration of the last sync of the source in seconds.", durationSeconds(r.StartedAt, r.FinishedAt), id...)
		add(MetricSourceUsers, "Users (records) the last sync of the source listed.", float64(r.Records), id...)
		const versionsHelp = "User versions the last sync of the source wrote, by change (inserted, updated, deleted); a gauge of that run, not a running total."
		add(MetricSourceVersions, versionsHelp, float64(r.Inserted), with(promLabel{"change", "inserted"})...)
		add(MetricSourceVersions, versionsHelp, float64(r.Updated), with(promLabel{"change", "updated"})...)
		add(MetricSourceVersions, versionsHelp, float64(r.Deleted), with(promLabel{"change", "deleted"})...)
		add(MetricSourceRequests, "HTTP requests the last sync of the source made.", float64(r.Requests), id...)
		add(MetricSourceRetries, "HTTP requests the last sync of the source retried.", float64(r.Retries), id...)
		add(MetricSourceThrottled, "Seconds the last sync of the source waited on provider rate limits.", float64(r.ThrottledMS)/1000, id...)

		// A check may repeat with the same labels only by mistake; the rows are summed
		// so that the file stays valid (duplicate series are rejected by the parser).
		type key struct{ check, detail string }
		rows := map[key]int64{}
		var order []key
		for _, q := range r.Quality {
			k := key{q.Check, q.Detail}
			if _, seen := rows[k]; !seen {
				order = append(order, k)
			}
			rows[k] += q.FailingRows
		}
		for _, k := range order {
			add(MetricSourceQualityRows, "Rows of the source failing a data-quality check in the last sync (detail is the field of schema-drift checks).",
				float64(rows[k]), with(promLabel{"check", k.check}, promLabel{"detail", k.detail})...)
		}
	}

	out := make([]*promFamily, 0, len(fams))
	for _, f := range fams {
		sort.SliceStable(f.samples, func(i, j int) bool { return promLabelKey(f.samples[i].labels) < promLabelKey(f.samples[j].labels) })
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// promLabelKey orders samples by their label values.
func promLabelKey(ls []promLabel) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.value)
		b.WriteByte(0)
	}
	return b.String()
}

// readLastSuccess reads roster_source_last_success_timestamp_seconds per source from a
// previous metrics file; a missing file is no history.
func readLastSuccess(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]float64{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(f)
	if err != nil {
		return nil, fmt.Errorf("reading the previous file: %w", err)
	}
	out := map[string]float64{}
	if fam, ok := fams[MetricSourceLastSuccess]; ok {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" {
					out[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return out, nil
}

// writeFileAtomic replaces path with data: it writes a temporary file in the same
// directory, syncs it and renames it over path.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // persist the rename; best effort
		d.Sync()
		d.Close()
	}
	return nil
}

// durationSeconds is the duration from start to end in seconds (0 when either is unset).
func durationSeconds(start, end time.Time) float64 {
	if start.IsZero() || end.IsZero() {
		return 0
	}
	return end.Sub(start).Seconds()
}

// unixSeconds is t as fractional Unix seconds.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// gaugeBool is 1 for true and 0 for false.
func gaugeBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
