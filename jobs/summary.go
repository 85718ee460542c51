package jobs

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// PrintSummary prints the per-source outcome of a run as a table.
func PrintSummary(out io.Writer, res SyncResult) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	if res.DryRun {
		fmt.Fprintf(tw, "dry run %s: %s — what a sync would do; nothing was written\n", res.Run.RunID, res.Run.Status)
	} else {
		fmt.Fprintf(tw, "run %s: %s\n", res.Run.RunID, res.Run.Status)
	}
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tUSERS\tNEW\tCHANGED\tDELETED\tUNCHANGED\tREQUESTS\tRETRIES\tTHROTTLED\tDURATION")
	for _, r := range res.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Source, r.Status, r.Records, r.Inserted, r.Updated,
			r.Deleted, r.Unchanged, r.Requests, r.Retries, time.Duration(r.ThrottledMS)*time.Millisecond,
			r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	tw.Flush()
	for _, r := range res.Sources {
		if r.Error != "" {
			fmt.Fprintf(out, "error: %s\n", r.Error)
		}
	}
	if res.LakeError != "" {
		fmt.Fprintf(out, "error: lake: %s (the warehouse is loaded; the next run publishes what is missing)\n", res.LakeError)
	}
	printQuality(out, res)
}

// printQuality prints the checks of the data-quality report that found something.
func printQuality(out io.Writer, res SyncResult) {
	header := false
	for _, r := range res.Sources {
		for _, q := range r.Quality {
			if q.FailingRows == 0 {
				continue
			}
			if !header {
				fmt.Fprintln(out, "data quality (see the data_quality_latest view):")
				header = true
			}
			name := q.Check
			if q.Detail != "" {
				name += " " + q.Detail
			}
			sample := ""
			if len(q.SampleUserIDs) > 0 {
				sample = ", e.g. " + strings.Join(q.SampleUserIDs[:min(3, len(q.SampleUserIDs))], ", ")
			}
			fmt.Fprintf(out, "  %s: %s: %d users%s\n", r.Source, name, q.FailingRows, sample)
		}
	}
}
