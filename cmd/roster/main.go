// Command roster syncs SaaS user directories into a DuckDB warehouse with full history
// and a Parquet lake. It only parses flags and wires the config into jobs/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones resolve the same on minimal machines

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/roster-etl/roster/jobs"
	"github.com/roster-etl/roster/jobs/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // some or all sources failed, or a runtime error
	exitUsage   = 2 // usage or configuration error
	usageHeader = `roster syncs SaaS user directories into a DuckDB warehouse with full history.

Usage:
  roster sync    [--config FILE] [--source NAME]...   sync sources into the warehouse
                 [--dry-run]                           report what would change, write nothing
                 [--wait DURATION]                     wait for another sync holding the warehouse
                 [--summary-json FILE] [--metrics-file FILE]  reports for orchestrators and node_exporter
                 [--cpu-profile FILE] [--mem-profile FILE]    pprof profiles of the run
  roster check   [--config FILE] [--source NAME]...   validate the config, reach and authenticate each source
  roster runs    [--config FILE] [--limit N]          show the run ledger
  roster sql     [--config FILE] [--format F] "SQL"   query the warehouse (table|csv|json)
                 [-f query.sql] [--param name=value]... ($name placeholders)
  roster demo    [--dir DIR]                          fake providers + two simulated days into ./demo
  roster export  [--config FILE] [--lake DIR]         rebuild the Parquet lake from the warehouse
  roster fakes   [--seed N] [--size N] [--day D]      serve all fake providers on loopback, print a config
  roster version                                      print the version

Common flags: --log-level debug|info|warn|error, --log-format auto|json|console
Exit codes: 0 success, 1 some sources failed, 2 usage or configuration error.
`
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usageHeader)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, rest := args[0], args[1:]
	fs := pflag.NewFlagSet("roster "+cmd, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "./roster.yaml", "configuration file")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "auto", "log format: auto (console on a terminal, else JSON), json, console")
	var (
		sources []string
		format  string
		limit   int
		dir     string
		file    string
		params  []string
		wait    time.Duration

		summaryJSON, metricsFile string
		cpuProfile, memProfile   string
		seed                     int64
		dryRun                   bool
		size, day                int
	)
	switch cmd {
	case "sync":
		fs.StringArrayVar(&sources, "source", nil, "sync only this source (repeatable)")
		fs.BoolVar(&dryRun, "dry-run", false, "extract and transform, report what would change, write nothing")
		fs.StringVar(&summaryJSON, "summary-json", "", "write the run summary as JSON to this file (for orchestrators)")
		fs.StringVar(&metricsFile, "metrics-file", "", "write Prometheus metrics to this file (node_exporter textfile collector)")
		fs.DurationVar(&wait, "wait", 0, "wait this long for another roster sync holding the warehouse (default: fail at once)")
		fs.StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the run to this file (go tool pprof)")
		fs.StringVar(&memProfile, "mem-profile", "", "write a heap profile of the run to this file, and one at its largest live heap to FILE.peak (go tool pprof)")
	case "sql":
		fs.StringVar(&format, "format", jobs.FormatTable, "output format: table, csv, json")
		fs.StringVarP(&file, "file", "f", "", "read the statement from this file")
		fs.StringArrayVar(&params, "param", nil, "bind $name to value: --param name=value (repeatable)")
	case "runs":
		fs.StringVar(&format, "format", jobs.FormatTable, "output format: table, csv, json")
		fs.IntVar(&limit, "limit", 10, "number of runs to show")
	case "demo":
		fs.StringVar(&dir, "dir", "./demo", "directory for the demo warehouse and lake")
	case "check":
		fs.StringArrayVar(&sources, "source", nil, "check only this source (repeatable)")
	case "export":
		fs.StringVar(&dir, "lake", "", "lake directory to (re)build (default: warehouse.lake of the config)")
	case "fakes":
		fs.Int64Var(&seed, "seed", 2026, "synthetic population seed")
		fs.IntVar(&size, "size", 300, "people in the synthetic population")
		fs.IntVar(&day, "day", 0, "simulated day to serve")
	case "version":
	default:
		fmt.Fprintf(stderr, "roster: unknown command %q\n\n%s", cmd, usageHeader)
		return exitUsage
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "roster %s: %v\n", cmd, err)
		return exitUsage
	}
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "roster: %v\n", err)
		return exitUsage
	}

	err = func() error {
		switch cmd {
		case "version":
			fmt.Fprintf(stdout, "roster %s\n", jobs.Version)
			return nil
		case "demo":
			return jobs.Demo(ctx, jobs.DemoOptions{Dir: dir, Logger: log, Out: stdout})
		case "fakes":
			return jobs.ServeFakes(ctx, jobs.FakesOptions{Seed: seed, Size: size, Day: day, Out: stdout})
		}
		cfg, err := config.Load(*configPath, env)
		if err != nil {
			return err
		}
		if info, err := os.Stat(*configPath); err == nil && info.Mode().Perm()&0o044 != 0 {
			log.Warn().Str("config", *configPath).Str("mode", info.Mode().Perm().String()).
				Msg("the config file is readable by other users; keep secrets in ${VAR} or *_file, or chmod 600 it")
		}
		switch cmd {
		case "sync":
			if _, err := cfg.Select(sources); err != nil {
				return usageError{err.Error()}
			}
			if _, set := env("GOMEMLIMIT"); !set && cfg.Warehouse.MemoryMB > 0 {
				// The Go heap's share of the budget (DuckDB's is set by Sync).
				debug.SetMemoryLimit(config.GoMemory(cfg.Warehouse.MemoryMB))
			}
			opts := jobs.SyncOptions{Config: cfg, Sources: sources, Logger: log, Wait: wait, DryRun: dryRun}
			if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) && *logFormat != "json" {
				// Live bars on a terminal; the logs print above them.
				progress := jobs.NewProgress(stderr)
				plog, err := newLogger(progress.Writer(), *logLevel, "console")
				if err != nil {
					return err
				}
				opts.Progress, opts.Logger = progress, plog
			}
			stopProfiles, err := startProfiles(cpuProfile, memProfile)
			if err != nil {
				return err
			}
			res, err := jobs.Sync(ctx, opts)
			if perr := stopProfiles(); perr != nil {
				log.Warn().Err(perr).Msg("writing profiles")
			}
			if opts.Progress != nil {
				opts.Progress.Wait()
			}
			if err != nil {
				return err
			}
			jobs.PrintSummary(stdout, res)
			var reportErr error
			if summaryJSON != "" {
				reportErr = errors.Join(reportErr, jobs.WriteSummaryJSON(summaryJSON, res))
			}
			if metricsFile != "" {
				reportErr = errors.Join(reportErr, jobs.WriteMetricsFile(metricsFile, res))
			}
			if reportErr != nil {
				return reportErr
			}
			if res.Failed() {
				return jobs.ErrSourcesFailed
			}
			return nil
		case "check":
			if _, err := cfg.Select(sources); err != nil {
				return usageError{err.Error()}
			}
			return jobs.Check(ctx, jobs.CheckOptions{Config: cfg, Sources: sources, Out: stdout})
		case "export":
			return jobs.Export(ctx, cfg, dir, wait, stdout)
		case "runs":
			return jobs.Query(ctx, cfg.Warehouse.DuckDB, jobs.RunsQuery(limit), format, stdout)
		case "sql":
			query, err := sqlText(file, fs.Args())
			if err != nil {
				return err
			}
			var bound []jobs.Param
			for _, p := range params {
				param, err := jobs.ParseParam(p)
				if err != nil {
					return usageError{err.Error()}
				}
				bound = append(bound, param)
			}
			return jobs.Query(ctx, cfg.Warehouse.DuckDB, query, format, stdout, bound...)
		}
		return nil
	}()
	var cfgErr *config.Error
	var uErr usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, jobs.ErrSourcesFailed):
		return exitFailed
	case errors.As(err, &cfgErr), errors.As(err, &uErr):
		fmt.Fprintf(stderr, "roster %s: %v\n", cmd, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "roster %s: %s\n", cmd, strings.TrimSpace(err.Error()))
		return exitFailed
	}
}

// sqlText is the statement of roster sql: from --file, or the one argument.
func sqlText(file string, args []string) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usageError{"roster sql takes a statement or --file, not both"}
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageError{err.Error()}
		}
		return string(b), nil
	case len(args) == 1:
		return args[0], nil
	default:
		return "", usageError{`roster sql takes one SQL statement, e.g. roster sql "SELECT count(*) FROM users_current", or --file query.sql`}
	}
}

func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), fmt.Errorf("unknown --log-level %q", level)
	}
	f, isFile := w.(*os.File)
	terminal := isFile && isatty.IsTerminal(f.Fd())
	// Sources log from their own goroutines: writes to w are serialized.
	w = zerolog.SyncWriter(w)
	out := w
	switch format {
	case "json":
	case "console":
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	case "auto":
		if terminal {
			out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
		}
	default:
		return zerolog.Nop(), fmt.Errorf("unknown --log-format %q", format)
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}
