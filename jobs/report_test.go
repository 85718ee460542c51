package jobs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/load"
)

var reportT0 = time.Date(2025, 3, 4, 2, 0, 0, 0, time.UTC)

// reportResult is a hand-built run: source hr succeeds, source chat succeeds or fails.
func reportResult(day int, chatFails bool) jobs.SyncResult {
	start := reportT0.AddDate(0, 0, day)
	hr := load.SourceRun{
		RunID: "run-1", Source: "hr", Provider: "bamboohr", StartedAt: start, FinishedAt: start.Add(90 * time.Second),
		Status: load.StatusSucceeded, Complete: true, Pages: 3, Requests: 5, Retries: 2, ThrottledMS: 1500,
		Records: 120, Duplicates: 1, Inserted: 4, Updated: 6, Deleted: 2, Unchanged: 108,
		Quality: []load.QualityCheck{
			{Check: "invalid_email", FailingRows: 3, SampleUserIDs: []string{"u1", "u2", "u3"}},
			{Check: "missing_name", FailingRows: 0},
			{Check: "schema_drift", Detail: `new "field"`, FailingRows: 7},
		},
	}
	chat := load.SourceRun{
		RunID: "run-1", Source: "chat", Provider: "slack", StartedAt: start, FinishedAt: start.Add(30 * time.Second),
		Status: load.StatusSucceeded, Complete: true, Pages: 1, Requests: 1, Records: 10, Unchanged: 10,
	}
	status := load.StatusSucceeded
	if chatFails {
		chat = load.SourceRun{
			RunID: "run-1", Source: "chat", Provider: "slack", StartedAt: start, FinishedAt: start.Add(12 * time.Second),
			Status: load.StatusFailed, Requests: 4, Retries: 3, ThrottledMS: 250, Error: "chat: 503 Service Unavailable",
		}
		status = load.StatusPartial
	}
	return jobs.SyncResult{
		Run:     load.SyncRun{RunID: "run-1", StartedAt: start, FinishedAt: start.Add(2 * time.Minute), Status: status, RosterVersion: "1.2.3"},
		Sources: []load.SourceRun{hr, chat},
		Phases:  []jobs.Phases{{Extract: 60 * time.Second, Transform: 20 * time.Second, Stage: 5 * time.Second, Merge: 5 * time.Second, Lake: 2 * time.Second, Mapped: 7}, {}},
		Lake:    1500 * time.Millisecond,
	}
}

// summaryDoc is the documented JSON shape, independent of the package's types.
type summaryDoc struct {
	RunID           string  `json:"run_id"`
	Status          string  `json:"status"`
	StartedAt       string  `json:"started_at"`
	FinishedAt      string  `json:"finished_at"`
	DurationSeconds float64 `json:"duration_seconds"`
	RosterVersion   string  `json:"roster_version"`
	LakeSeconds     float64 `json:"lake_seconds"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	Sources         []struct {
		Source          string  `json:"source"`
		Provider        string  `json:"provider"`
		Status          string  `json:"status"`
		Complete        bool    `json:"complete"`
		Records         int64   `json:"records"`
		Duplicates      int64   `json:"duplicates"`
		Inserted        int64   `json:"inserted"`
		Updated         int64   `json:"updated"`
		Deleted         int64   `json:"deleted"`
		Unchanged       int64   `json:"unchanged"`
		Mapped          int64   `json:"mapped"`
		Pages           int64   `json:"pages"`
		Requests        int64   `json:"requests"`
		Retries         int64   `json:"retries"`
		ThrottledMS     int64   `json:"throttled_ms"`
		DurationSeconds float64 `json:"duration_seconds"`
		Phases          struct {
			Extract   float64 `json:"extract"`
			Transform float64 `json:"transform"`
			Stage     float64 `json:"stage"`
			Merge     float64 `json:"merge"`
			Lake      float64 `json:"lake"`
		} `json:"phases_seconds"`
		Error       *string `json:"error"`
		DataQuality []struct {
			Check       string `json:"check"`
			Detail      string `json:"detail"`
			FailingRows int64  `json:"failing_rows"`
		} `json:"data_quality"`
	} `json:"sources"`
}

func TestWriteSummaryJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary.json")
	if err := jobs.WriteSummaryJSON(path, reportResult(0, true)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertMode0644(t, path)
	assertNoTempFiles(t, filepath.Dir(path))

	// Exactly the documented keys, no more.
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	if got, want := sortedKeys(raw), "duration_seconds finished_at lake_seconds peak_rss_bytes roster_version run_id sources started_at status"; got != want {
		t.Errorf("top-level keys = %q, want %q", got, want)
	}
	wantSourceKeys := "complete data_quality deleted duplicates duration_seconds inserted mapped pages phases_seconds provider records requests retries source status throttled_ms unchanged updated"
	for i, s := range raw["sources"].([]any) {
		want := wantSourceKeys
		if i == 1 {
			want = "complete data_quality deleted duplicates duration_seconds error inserted mapped pages phases_seconds provider records requests retries source status throttled_ms unchanged updated"
		}
		if got := sortedKeys(s.(map[string]any)); got != want {
			t.Errorf("source %d keys = %q, want %q", i, got, want)
		}
	}

	var doc summaryDoc
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.RunID != "run-1" || doc.Status != "partial" || doc.RosterVersion != "1.2.3" || doc.DurationSeconds != 120 {
		t.Errorf("run = %+v", doc)
	}
	for _, ts := range []string{doc.StartedAt, doc.FinishedAt} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Errorf("timestamp %q is not RFC 3339: %v", ts, err)
		}
	}
	if doc.StartedAt != "2025-03-04T02:00:00Z" || doc.FinishedAt != "2025-03-04T02:02:00Z" {
		t.Errorf("started_at, finished_at = %s, %s", doc.StartedAt, doc.FinishedAt)
	}
	if len(doc.Sources) != 2 {
		t.Fatalf("sources = %d, want 2", len(doc.Sources))
	}
	if ph := doc.Sources[0].Phases; doc.LakeSeconds != 1.5 || ph.Extract != 60 || ph.Transform != 20 || ph.Stage != 5 || ph.Merge != 5 || ph.Lake != 2 {
		t.Errorf("lake %v, phases %+v", doc.LakeSeconds, ph)
	}
	if doc.Sources[0].Mapped != 7 || doc.PeakRSSBytes <= 0 {
		t.Errorf("mapped %d, peak RSS %d", doc.Sources[0].Mapped, doc.PeakRSSBytes)
	}

	tests := []struct {
		name                                     string
		i                                        int
		source, provider, status                 string
		complete                                 bool
		records, duplicates, ins, upd, del, unch int64
		pages, requests, retries, throttledMS    int64
		duration                                 float64
		err                                      string
		quality                                  string
	}{
		{name: "succeeded", i: 0, source: "hr", provider: "bamboohr", status: "succeeded", complete: true,
			records: 120, duplicates: 1, ins: 4, upd: 6, del: 2, unch: 108, pages: 3, requests: 5, retries: 2, throttledMS: 1500,
			duration: 90, quality: `invalid_email//3 schema_drift/new "field"/7`},
		{name: "failed", i: 1, source: "chat", provider: "slack", status: "failed",
			requests: 4, retries: 3, throttledMS: 250, duration: 12, err: "chat: 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := doc.Sources[tt.i]
			if s.Source != tt.source || s.Provider != tt.provider || s.Status != tt.status || s.Complete != tt.complete {
				t.Errorf("identity = %s %s %s %v", s.Source, s.Provider, s.Status, s.Complete)
			}
			got := []int64{s.Records, s.Duplicates, s.Inserted, s.Updated, s.Deleted, s.Unchanged, s.Pages, s.Requests, s.Retries, s.ThrottledMS}
			want := []int64{tt.records, tt.duplicates, tt.ins, tt.upd, tt.del, tt.unch, tt.pages, tt.requests, tt.retries, tt.throttledMS}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("counts = %v, want %v", got, want)
			}
			if s.DurationSeconds != tt.duration {
				t.Errorf("duration_seconds = %v, want %v", s.DurationSeconds, tt.duration)
			}
			switch {
			case tt.err == "" && s.Error != nil:
				t.Errorf("error = %q, want it omitted", *s.Error)
			case tt.err != "" && (s.Error == nil || *s.Error != tt.err):
				t.Errorf("error = %v, want %q", s.Error, tt.err)
			}
			if s.DataQuality == nil {
				t.Fatal("data_quality is null, want a list")
			}
			var q []string
			for _, c := range s.DataQuality {
				q = append(q, fmt.Sprintf("%s/%s/%d", c.Check, c.Detail, c.FailingRows))
			}
			if got := strings.Join(q, " "); got != tt.quality {
				t.Errorf("data_quality = %q, want %q", got, tt.quality)
			}
		})
	}
}

func TestWriteMetricsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roster.prom")
	day1, day2 := reportResult(0, false), reportResult(1, true)
	if err := jobs.WriteMetricsFile(path, day1); err != nil {
		t.Fatal(err)
	}
	first := parsePromFile(t, path)
	if err := jobs.WriteMetricsFile(path, day2); err != nil {
		t.Fatal(err)
	}
	second := parsePromFile(t, path)
	assertMode0644(t, path)
	assertNoTempFiles(t, filepath.Dir(path))

	unix := func(tm time.Time) float64 { return float64(tm.Unix()) }
	d1, d2 := reportT0, reportT0.AddDate(0, 0, 1)
	hr, chat := `provider="bamboohr",source="hr"`, `provider="slack",source="chat"`
	tests := []struct {
		name    string
		samples map[string]float64
		series  string
		want    float64
		absent  bool
	}{
		{"run timestamp", first, "roster_run_last_timestamp_seconds", unix(d1.Add(2 * time.Minute)), false},
		{"run success", first, "roster_run_success", 1, false},
		{"run partial", second, "roster_run_success", 0, false},
		{"run duration", second, "roster_run_duration_seconds", 120, false},
		{"chat success day 1", first, "roster_source_last_success_timestamp_seconds{" + chat + "}", unix(d1.Add(30 * time.Second)), false},
		{"chat success kept after failure", second, "roster_source_last_success_timestamp_seconds{" + chat + "}", unix(d1.Add(30 * time.Second)), false},
		{"chat last run", second, "roster_source_last_run_timestamp_seconds{" + chat + "}", unix(d2.Add(12 * time.Second)), false},
		{"chat down", second, "roster_source_up{" + chat + "}", 0, false},
		{"chat errors", second, "roster_source_errors{" + chat + "}", 1, false},
		{"chat retries", second, "roster_source_retries{" + chat + "}", 3, false},
		{"chat throttled", second, "roster_source_throttled_seconds{" + chat + "}", 0.25, false},
		{"chat users", second, "roster_source_users{" + chat + "}", 0, false},
		{"hr success moves on", second, "roster_source_last_success_timestamp_seconds{" + hr + "}", unix(d2.Add(90 * time.Second)), false},
		{"hr up", second, "roster_source_up{" + hr + "}", 1, false},
		{"hr errors", second, "roster_source_errors{" + hr + "}", 0, false},
		{"hr duration", second, "roster_source_duration_seconds{" + hr + "}", 90, false},
		{"hr users", second, "roster_source_users{" + hr + "}", 120, false},
		{"hr inserted", second, `roster_source_versions_total{change="inserted",` + hr + "}", 4, false},
		{"hr updated", second, `roster_source_versions_total{change="updated",` + hr + "}", 6, false},
		{"hr deleted", second, `roster_source_versions_total{change="deleted",` + hr + "}", 2, false},
		{"hr requests", second, "roster_source_requests{" + hr + "}", 5, false},
		{"hr throttled", second, "roster_source_throttled_seconds{" + hr + "}", 1.5, false},
		{"hr quality", second, `roster_source_data_quality_failing_rows{check="invalid_email",detail="",` + hr + "}", 3, false},
		{"hr quality zero", second, `roster_source_data_quality_failing_rows{check="missing_name",detail="",` + hr + "}", 0, false},
		{"hr quality escaped", second, `roster_source_data_quality_failing_rows{check="schema_drift",detail="new \"field\"",` + hr + "}", 7, false},
		{"never succeeded has no success", lastSuccessWithoutHistory(t), "roster_source_last_success_timestamp_seconds{" + chat + "}", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.samples[tt.series]
			switch {
			case tt.absent && ok:
				t.Errorf("%s = %v, want no sample", tt.series, got)
			case !tt.absent && !ok:
				t.Errorf("%s missing", tt.series)
			case !tt.absent && got != tt.want:
				t.Errorf("%s = %v, want %v", tt.series, got, tt.want)
			}
		})
	}
	// 3 run samples; per source 9 single samples (last_success included), 3 versions and its checks.
	if got, want := len(second), 3+(9+3+3)+(9+3); got != want {
		t.Errorf("second file has %d samples, want %d", got, want)
	}
}

// lastSuccessWithoutHistory writes a failed run with no previous file.
func lastSuccessWithoutHistory(t *testing.T) map[string]float64 {
	path := filepath.Join(t.TempDir(), "roster.prom")
	if err := jobs.WriteMetricsFile(path, reportResult(0, true)); err != nil {
		t.Fatal(err)
	}
	return parsePromFile(t, path)
}

func TestSummaryMetricsMissingDirectory(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	tests := []struct {
		name  string
		path  string
		write func(string, jobs.SyncResult) error
	}{
		{"summary", filepath.Join(missing, "summary.json"), jobs.WriteSummaryJSON},
		{"metrics", filepath.Join(missing, "roster.prom"), jobs.WriteMetricsFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.write(tt.path, reportResult(0, false))
			if err == nil {
				t.Fatal("no error writing into a missing directory")
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v is not a not-exist error", err)
			}
		})
	}
}

var (
	promHelpRE   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$`)
	promTypeRE   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$`)
	promSampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$`)
	promLabelRE  = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"`)
)

// parsePromFile checks that the file is valid Prometheus text format (as node_exporter's
// textfile collector reads it: HELP and TYPE before each family's samples, families
// contiguous, no duplicate series) and returns its samples keyed by
// name{labels sorted by name}.
func parsePromFile(t *testing.T, path string) map[string]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("%s does not end in a newline", path)
	}
	out := map[string]float64{}
	done := map[string]bool{}
	current, typed, helped := "", false, false
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(msg string) { t.Fatalf("%s:%d: %s: %q", path, n+1, msg, line) }
		if m := promHelpRE.FindStringSubmatch(line); m != nil {
			if done[m[1]] || m[1] == current {
				fail("family repeated")
			}
			if current != "" {
				done[current] = true
			}
			current, helped, typed = m[1], true, false
			continue
		}
		if m := promTypeRE.FindStringSubmatch(line); m != nil {
			if m[1] != current || !helped || typed {
				fail("TYPE out of place")
			}
			typed = true
			continue
		}
		m := promSampleRE.FindStringSubmatch(line)
		if m == nil {
			fail("not a sample")
		}
		if m[1] != current || !typed {
			fail("sample outside its family")
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			fail("bad value")
		}
		var labels []string
		if m[2] != "" {
			rest := m[2][1 : len(m[2])-1]
			seen := map[string]bool{}
			for rest != "" {
				lm := promLabelRE.FindStringSubmatch(rest)
				if lm == nil || seen[lm[1]] {
					fail("bad labels")
				}
				seen[lm[1]] = true
				labels = append(labels, lm[0])
				rest = strings.TrimPrefix(rest[len(lm[0]):], ",")
			}
		}
		sort.Strings(labels)
		key := m[1]
		if len(labels) > 0 {
			key += "{" + strings.Join(labels, ",") + "}"
		}
		if _, dup := out[key]; dup {
			fail("duplicate series")
		}
		out[key] = v
	}
	return out
}

func sortedKeys(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func assertMode0644(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("%s mode = %v, want 0644", path, fi.Mode().Perm())
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestMetricsFileParsesWithThePrometheusTextParser reads the file back with the parser
// node_exporter's textfile collector uses.
func TestMetricsFileParsesWithThePrometheusTextParser(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roster.prom")
	if err := jobs.WriteMetricsFile(path, reportResult(0, false)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("the Prometheus text parser rejects the file: %v", err)
	}
	for _, name := range []string{jobs.MetricSourceUp, jobs.MetricSourceLastSuccess, jobs.MetricRunSuccess, jobs.MetricSourceQualityRows} {
		fam, ok := fams[name]
		if !ok || fam.GetType() != dto.MetricType_GAUGE || len(fam.GetMetric()) == 0 || fam.GetHelp() == "" {
			t.Errorf("%s: missing, not a gauge, or without HELP: %v", name, fam)
		}
	}
}
