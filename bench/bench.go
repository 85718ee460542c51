// Package bench is `make bench`: it renders a synthetic directory into the providers'
// JSON pages (recorded from the fakes), replays them on loopback to `roster sync`
// child processes, measures each run (wall, CPU, users/s, peak RSS, phases), runs the
// DuckDB-only reference over the same page files, and prints every figure with the
// issue's targets as PASS or FAIL.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
	"github.com/roster-etl/roster/load"
)

// Options configure a benchmark run.
type Options struct {
	// Users is the directory size across the four providers (a quarter each).
	Users int
	// BaselineUsers is the smaller size whose peak RSS the full size is compared with;
	// 0 skips the comparison.
	BaselineUsers int
	// Seed selects the synthetic population.
	Seed int64
	// Dir is the work directory (recorded pages, warehouses); it is emptied first.
	Dir string
	// Roster is the roster binary the measured syncs run.
	Roster string
	// FlatUsers and FlatNights size the merge-flatness run (0 nights skips it).
	FlatUsers, FlatNights int
	// LimitedUsers is the size of the rate-limited extraction run (0 skips it).
	LimitedUsers int
	// CPUProfile and MemProfile, when set, are written by the first night's sync of the
	// largest size, and by its second night with ".night2" appended.
	CPUProfile, MemProfile string
	// Out receives the report.
	Out io.Writer
}

// Measurement is one measured `roster sync` child process.
type Measurement struct {
	Wall, CPU time.Duration
	PeakRSS   int64 // bytes
	Users     int64
	Summary   jobs.RunSummary
}

// night names the directory of a recorded night.
func night(dir string, d int) string { return filepath.Join(dir, "nights", strconv.Itoa(d)) }

// Record syncs days 0..nights-1 of a directory of users (split by Split) from the
// fakes through recording proxies into a scratch warehouse, storing every reply under
// dir/nights/<day>. It returns the roster.yaml of the fakes (for retarget) and the
// fakes' addresses.
func Record(ctx context.Context, seed int64, users int, dir string, nights int) (yaml string, addrs map[string]string, err error) {
	fakes, fsrv, err := startFakes(seed, users, fakeOptions{})
	if err != nil {
		return "", nil, err
	}
	defer fsrv.close()
	scratch := filepath.Join(dir, "record")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return "", nil, err
	}
	yaml = fakes.ConfigYAML("", filepath.Join(scratch, "r.duckdb"), filepath.Join(scratch, "lake"))
	for d := range nights {
		handlers := map[string]http.Handler{}
		for _, p := range Providers {
			nd := filepath.Join(night(dir, d), p)
			for _, sub := range []string{"replies", "pages"} {
				if err := os.MkdirAll(filepath.Join(nd, sub), 0o755); err != nil {
					return "", nil, err
				}
			}
			handlers[p] = &recorder{provider: p, upstream: fakes.Addrs[p], dir: nd, pages: map[string]int{}}
		}
		srv, err := serve(handlers)
		if err != nil {
			return "", nil, err
		}
		cfg, err := config.Parse([]byte(benchYAML(retarget(yaml, fakes.Addrs, srv.addrs))), "bench.yaml", nil)
		if err != nil {
			srv.close()
			return "", nil, err
		}
		fakes.SetDay(d)
		at := fakes.Population.Day(d).Date.Add(2 * time.Hour)
		res, err := jobs.Sync(ctx, jobs.SyncOptions{Config: cfg, Logger: zerolog.Nop(), Now: func() time.Time { return at }})
		srv.close()
		if err != nil {
			return "", nil, fmt.Errorf("recording night %d: %w", d, err)
		}
		if res.Failed() {
			return "", nil, fmt.Errorf("recording night %d: %s", d, failure(res.Sources))
		}
	}
	return yaml, fakes.Addrs, nil
}

// benchYAML lets single replies be as large as a big directory needs: Worksection's
// get_users, Close's organization (all memberships) and UIS's group members are one
// reply each however large the directory.
func benchYAML(yaml string) string {
	for _, p := range Providers {
		yaml = strings.Replace(yaml, "    provider: "+p+"\n", "    provider: "+p+"\n    max_body_mb: 2048\n", 1)
	}
	return yaml
}

func failure(runs []load.SourceRun) string {
	for _, r := range runs {
		if r.Error != "" {
			return r.Error
		}
	}
	return "failed"
}

// Replay serves the recorded nights; SetNight selects the one served.
type Replay struct {
	srv   *servers
	night atomic.Int64
	dir   string
}

// StartReplay serves the nights recorded under dir.
func StartReplay(dir string) (*Replay, error) {
	r := &Replay{dir: dir}
	handlers := map[string]http.Handler{}
	for _, p := range Providers {
		handlers[p] = replayer{dir: func() string { return filepath.Join(night(dir, int(r.night.Load())), p) }}
	}
	srv, err := serve(handlers)
	if err != nil {
		return nil, err
	}
	r.srv = srv
	return r, nil
}

// SetNight selects the night served.
func (r *Replay) SetNight(d int) { r.night.Store(int64(d)) }

// Close stops the servers.
func (r *Replay) Close() { r.srv.close() }

// Addrs are the replay servers' addresses by provider.
func (r *Replay) Addrs() map[string]string { return r.srv.addrs }

// RunRoster runs `roster sync` as a child process with config and measures it.
func RunRoster(ctx context.Context, roster, config, work string, extra ...string) (Measurement, error) {
	summary := filepath.Join(work, "summary.json")
	os.Remove(summary)
	// Debug logs (sync.log) time every merge statement and lake file.
	args := append([]string{"sync", "--config", config, "--summary-json", summary, "--log-level", "debug"}, extra...)
	cmd := exec.CommandContext(ctx, roster, args...)
	logf, err := os.OpenFile(filepath.Join(work, "sync.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // every night's log, in order
	if err != nil {
		return Measurement{}, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	runErr := cmd.Run()
	m := Measurement{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		m.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.PeakRSS = ru.Maxrss * 1024 // kilobytes on Linux; includes this process's RSS at the fork
		}
	}
	b, err := os.ReadFile(summary)
	if err == nil {
		err = json.Unmarshal(b, &m.Summary)
	}
	if runErr != nil {
		return m, fmt.Errorf("roster sync: %v (log: %s)", runErr, logf.Name())
	}
	if err != nil {
		return m, fmt.Errorf("roster sync summary: %w", err)
	}
	for _, s := range m.Summary.Sources {
		m.Users += s.Records
	}
	// The child's own high-water mark: a vfork'd child's rusage starts from the parent's
	// peak (this process holds the fakes' populations while recording).
	if m.Summary.PeakRSSBytes > 0 {
		m.PeakRSS = m.Summary.PeakRSSBytes
	}
	return m, nil
}
