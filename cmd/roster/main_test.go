package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-etl/roster/extract/close/fake"
	"github.com/roster-etl/roster/extract/synth"
	wsfake "github.com/roster-etl/roster/extract/worksection/fake"
	"github.com/roster-etl/roster/load"
)

// TestMain doubles as a helper process that holds a warehouse open, for the test of
// one writer at a time.
func TestMain(m *testing.M) {
	if path := os.Getenv("ROSTER_TEST_HOLD_WAREHOUSE"); path != "" {
		w, err := load.Open(context.Background(), path, "")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("held")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
		w.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "roster.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func closeConfig(dir, url, key string) string {
	return fmt.Sprintf(`warehouse:
  duckdb: %s/roster.duckdb
  lake: %s/lake
sources:
  - name: close-main
    provider: close
    base_url: %s/api/v1
    auth: { api_key: "${CLOSE_KEY}" }
    max_retries: 1
    max_backoff: 10ms
`, dir, dir, url)
}

func runRoster(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	return code, out.String(), errOut.String()
}

func TestExitCodesAndOneLineErrors(t *testing.T) {
	t.Parallel()
	pop := synth.New(synth.Config{Seed: 3, Size: 30})
	srv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "right-key"}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		config   string
		env      map[string]string
		args     []string
		code     int
		stderrRE string
	}{
		{"sync succeeds", "CLOSE", map[string]string{"CLOSE_KEY": "right-key"}, []string{"sync"}, 0, ""},
		{"wrong API key fails the source", "CLOSE", map[string]string{"CLOSE_KEY": "wrong-key"}, []string{"sync"}, 1, "close-main"},
		{"unknown config key is a config error with its line", "CLOSE\n    api_kye: x\n", map[string]string{"CLOSE_KEY": "k"}, []string{"sync"}, 2, `roster.yaml:12`},
		{"unset variable is a config error", "CLOSE", nil, []string{"sync"}, 2, "CLOSE_KEY"},
		{"unknown source name", "CLOSE", map[string]string{"CLOSE_KEY": "k"}, []string{"sync", "--source", "nope"}, 2, "nope"},
		{"unknown command", "CLOSE", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"bad flag", "CLOSE", nil, []string{"sync", "--bogus"}, 2, "bogus"},
		{"bad SQL", "CLOSE", map[string]string{"CLOSE_KEY": "k"}, []string{"sql", "SELEC 1"}, 1, "syntax error"},
		{"version", "CLOSE", nil, []string{"version"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			body := strings.Replace(tt.config, "CLOSE", closeConfig(dir, srv.URL, ""), 1)
			path := writeConfig(t, dir, body)
			args := append(append([]string{}, tt.args...), "--config", path, "--log-format", "json")
			if tt.args[0] == "frobnicate" || tt.args[0] == "version" {
				args = tt.args
			}
			code, _, stderr := runRoster(t, tt.env, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.stderrRE != "" && !strings.Contains(stderr, tt.stderrRE) {
				t.Errorf("stderr does not mention %q:\n%s", tt.stderrRE, stderr)
			}
			for _, secret := range []string{"right-key", "wrong-key"} {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr leaks a secret: %s", stderr)
				}
			}
		})
	}
}

func TestSecondSyncOnTheSameWarehouseFailsFast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 30})
	srv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "k"}))
	t.Cleanup(srv.Close)
	path := writeConfig(t, dir, closeConfig(dir, srv.URL, ""))
	env := map[string]string{"CLOSE_KEY": "k"}
	if code, _, stderr := runRoster(t, env, "sync", "--config", path); code != 0 {
		t.Fatalf("first sync: %d %s", code, stderr)
	}

	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), "ROSTER_TEST_HOLD_WAREHOUSE="+filepath.Join(dir, "roster.duckdb"))
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Wait()
	defer stdin.Close()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		t.Fatalf("helper did not hold the warehouse: %q", line)
	}

	code, _, stderr := runRoster(t, env, "sync", "--config", path)
	if code != 1 || !strings.Contains(stderr, "in use by another roster process") {
		t.Errorf("second sync: exit %d, stderr %q; want 1 and a message naming the lock", code, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
		t.Errorf("want one line, got %d lines: %s", n+1, stderr)
	}
}

func TestProviderDyingMidListingExitsOneAndKeepsHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 300})
	f := fake.New(pop, fake.Options{APIKey: "k"})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	// Pages of 100, so that the provider can die after the first one.
	path := writeConfig(t, dir, closeConfig(dir, srv.URL, "")+"    page_size: 100\n")
	env := map[string]string{"CLOSE_KEY": "k"}
	if code, _, stderr := runRoster(t, env, "sync", "--config", path); code != 0 {
		t.Fatalf("first sync: %d %s", code, stderr)
	}
	count := func() string {
		_, out, _ := runRoster(t, env, "sql", "--config", path, "--format", "csv", "SELECT count(*) AS versions, count(*) FILTER (WHERE is_deleted) AS tombstones FROM users_history")
		return out
	}
	before := count()
	f.SetDay(1)
	f.Inject(fake.Fault{Path: "/api/v1/user/", After: 1, Times: -1, Kind: fake.Status5xx, Status: 503})
	code, stdout, stderr := runRoster(t, env, "sync", "--config", path, "--log-format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "error: close-main: GET /api/v1/user/") || !strings.Contains(stdout, "HTTP 503") {
		t.Errorf("summary does not name the source and cause:\n%s", stdout)
	}
	if after := count(); after != before {
		t.Errorf("history changed: %q -> %q", before, after)
	}
	_, runs, _ := runRoster(t, env, "runs", "--config", path, "--format", "csv")
	if !strings.Contains(runs, ",failed,") {
		t.Errorf("roster runs does not show the failed run:\n%s", runs)
	}
}

func TestWrongWorksectionKeyFailsOnlyThatSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 40})
	closeSrv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "k"}))
	t.Cleanup(closeSrv.Close)
	wsSrv := httptest.NewServer(wsfake.New(pop, wsfake.Options{APIKey: "right-ws-key"}))
	t.Cleanup(wsSrv.Close)
	path := writeConfig(t, dir, closeConfig(dir, closeSrv.URL, "")+fmt.Sprintf(`  - name: ws
    provider: worksection
    base_url: %s/api/admin/v2/
    auth: { api_key: "${WS_KEY}" }
`, wsSrv.URL))
	env := map[string]string{"CLOSE_KEY": "k", "WS_KEY": "wrong-ws-key"}
	code, stdout, stderr := runRoster(t, env, "sync", "--config", path, "--log-format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "error: ws: GET /api/admin/v2/?action=") || !strings.Contains(stdout, "authentication failed") {
		t.Errorf("summary lacks a clear auth error naming the source:\n%s", stdout)
	}
	for _, secret := range []string{"wrong-ws-key", "right-ws-key"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output leaks a key")
		}
	}
	_, out, _ := runRoster(t, env, "sql", "--config", path, "--format", "csv",
		"SELECT source, status, records > 0 AS loaded FROM source_runs ORDER BY source")
	if out != "source,status,loaded\nclose-main,succeeded,true\nws,failed,false\n" {
		t.Errorf("source_runs:\n%s", out)
	}
}

func TestSQLFromAFileWithNamedParameters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 30})
	srv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "k"}))
	t.Cleanup(srv.Close)
	path := writeConfig(t, dir, closeConfig(dir, srv.URL, ""))
	env := map[string]string{"CLOSE_KEY": "k"}
	if code, _, stderr := runRoster(t, env, "sync", "--config", path); code != 0 {
		t.Fatalf("sync: %s", stderr)
	}
	query := filepath.Join(dir, "q.sql")
	if err := os.WriteFile(query, []byte("SELECT count(*) AS n FROM users_current\nWHERE source = $src AND valid_from <= $at::TIMESTAMPTZ;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRoster(t, env, "sql", "--config", path, "-f", query, "--param", "src=close-main", "--param", "at=2100-01-01T00:00:00Z", "--format", "csv")
	if code != 0 || out != fmt.Sprintf("n\n%d\n", len(pop.Day(0).People)) {
		t.Errorf("exit %d, out %q, stderr %s", code, out, stderr)
	}
	code, out, _ = runRoster(t, env, "sql", "--config", path, "-f", query, "--param", "src=nope", "--param", "at=2100-01-01T00:00:00Z")
	if code != 0 || !strings.Contains(out, "(1 rows)") || !strings.Contains(out, "0") {
		t.Errorf("table output: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"sql", "--config", path, "-f", filepath.Join(dir, "missing.sql")},
		{"sql", "--config", path, "-f", query, "SELECT 1"},
		{"sql", "--config", path, "-f", query, "--param", "novalue"},
	} {
		if code, _, stderr := runRoster(t, env, args...); code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

func TestCheckReachesEverySourceAndNamesWhatFailed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 20})
	closeSrv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "k"}))
	t.Cleanup(closeSrv.Close)
	wsSrv := httptest.NewServer(wsfake.New(pop, wsfake.Options{APIKey: "right-ws-key"}))
	t.Cleanup(wsSrv.Close)
	path := writeConfig(t, dir, closeConfig(dir, closeSrv.URL, "")+fmt.Sprintf(`  - name: ws
    provider: worksection
    base_url: %s/api/admin/v2/
    auth: { api_key: "${WS_KEY}" }
`, wsSrv.URL))
	code, out, _ := runRoster(t, map[string]string{"CLOSE_KEY": "k", "WS_KEY": "right-ws-key"}, "check", "--config", path)
	if code != 0 || !strings.Contains(out, "close-main (close): ok") || !strings.Contains(out, "ws (worksection): ok") {
		t.Errorf("all good: exit %d\n%s", code, out)
	}
	code, out, stderr := runRoster(t, map[string]string{"CLOSE_KEY": "k", "WS_KEY": "wrong-ws-key"}, "check", "--config", path)
	if code != 1 || !strings.Contains(out, "close-main (close): ok") || !strings.Contains(out, "ws (worksection): FAILED: ws: ") ||
		!strings.Contains(out, "check the source's auth in roster.yaml") || strings.Contains(out+stderr, "wrong-ws-key") {
		t.Errorf("a wrong key: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "roster.duckdb")); err == nil {
		t.Error("roster check created the warehouse; it must not touch it")
	}
}

func TestSyncWritesSummaryJSONAndMetrics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pop := synth.New(synth.Config{Seed: 3, Size: 20})
	srv := httptest.NewServer(fake.New(pop, fake.Options{APIKey: "k"}))
	t.Cleanup(srv.Close)
	path := writeConfig(t, dir, closeConfig(dir, srv.URL, ""))
	summary, metrics := filepath.Join(dir, "summary.json"), filepath.Join(dir, "roster.prom")
	code, _, stderr := runRoster(t, map[string]string{"CLOSE_KEY": "k"}, "sync", "--config", path, "--summary-json", summary, "--metrics-file", metrics)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := os.ReadFile(summary)
	if err != nil || !strings.Contains(string(s), `"status":"succeeded"`) && !strings.Contains(string(s), `"status": "succeeded"`) {
		t.Errorf("summary %s (%v)", s, err)
	}
	m, err := os.ReadFile(metrics)
	if err != nil || !strings.Contains(string(m), `roster_source_up{provider="close",source="close-main"} 1`) {
		t.Errorf("metrics:\n%s (%v)", m, err)
	}
	code, _, _ = runRoster(t, map[string]string{"CLOSE_KEY": "wrong"}, "sync", "--config", path, "--metrics-file", metrics)
	m, _ = os.ReadFile(metrics)
	if code != 1 || !strings.Contains(string(m), `roster_source_up{provider="close",source="close-main"} 0`) ||
		!strings.Contains(string(m), `roster_source_last_success_timestamp_seconds{provider="close",source="close-main"}`) {
		t.Errorf("after a failure: exit %d, metrics:\n%s", code, m)
	}
}

func TestFakesServeAConfigThatSyncs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"fakes", "--size", "25"}, pw, io.Discard, func(string) (string, bool) { return "", false })
		pw.Close()
	}()
	// The config ends with the UIS source's time zone line.
	var cfg strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		cfg.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "timezone: Europe/Moscow") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	dir := t.TempDir()
	path := writeConfig(t, dir, cfg.String())
	code, out, stderr := runRoster(t, nil, "sync", "--config", path)
	cancel()
	if code != 0 || strings.Count(out, " succeeded ") != 4 {
		t.Errorf("sync against roster fakes: exit %d\n%s\n%s", code, out, stderr)
	}
	if c := <-done; c != 0 {
		t.Errorf("roster fakes exited %d", c)
	}
}

func TestAConfigReadableByOthersIsWarnedAbout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeConfig(t, dir, closeConfig(dir, "http://127.0.0.1:1", ""))
	for mode, warned := range map[os.FileMode]bool{0o600: false, 0o644: true} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, stderr := runRoster(t, map[string]string{"CLOSE_KEY": "k"}, "runs", "--config", path, "--log-format", "json")
		if got := strings.Contains(stderr, "readable by other users"); got != warned {
			t.Errorf("mode %o: warned %v, want %v: %s", mode, got, warned, stderr)
		}
	}
}
