// Command roster-bench is `make bench`: it measures roster against a synthetic
// directory replayed on loopback and against DuckDB's own JSON reader, and prints each
// target as PASS or FAIL. See package bench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/roster-etl/roster/bench"
)

func main() {
	o := bench.Options{Out: os.Stdout}
	fs := pflag.NewFlagSet("roster-bench", pflag.ContinueOnError)
	fs.IntVar(&o.Users, "users", 1_000_000, "directory size across the four providers")
	fs.IntVar(&o.BaselineUsers, "baseline-users", 100_000, "smaller size whose peak RSS the full size is compared with (0: skip)")
	fs.Int64Var(&o.Seed, "seed", 2026, "synthetic population seed")
	fs.StringVar(&o.Dir, "dir", filepath.Join(os.TempDir(), "roster-bench"), "work directory (emptied per size)")
	fs.StringVar(&o.Roster, "roster", "./bin/roster", "the roster binary to measure")
	fs.IntVar(&o.FlatUsers, "flat-users", 100_000, "directory size of the merge-trend run")
	fs.IntVar(&o.FlatNights, "flat-nights", 30, "nights of the merge-trend run (0: skip)")
	fs.IntVar(&o.LimitedUsers, "limited-users", 50_000, "directory size of the rate-limited run (0: skip)")
	fs.StringVar(&o.CPUProfile, "cpu-profile", "", "write the first night's CPU profile to this file (the second night's to FILE.night2)")
	fs.StringVar(&o.MemProfile, "mem-profile", "", "write the first night's heap profiles to this file and FILE.peak, at its largest live heap (the second night's to FILE.night2 and FILE.night2.peak)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == pflag.ErrHelp {
			return
		}
		os.Exit(2)
	}
	if _, err := os.Stat(o.Roster); err != nil {
		fmt.Fprintf(os.Stderr, "roster-bench: %v (run make build first)\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "roster-bench: %v\n", err)
		os.Exit(1)
	}
}
