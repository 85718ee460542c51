package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/roster-etl/roster/extract"
	"github.com/roster-etl/roster/jobs/config"
)

// CheckOptions configures `roster check`.
type CheckOptions struct {
	Config  *config.Config
	Sources []string
	// Timeout bounds each source's check; 0 means 30s.
	Timeout   time.Duration
	Factory   SourceFactory
	Transport http.RoundTripper
	Out       io.Writer
}

// Check reaches and authenticates every selected source with its least costly call and
// prints one line per source: ok, or the cause and what to fix. It returns
// ErrSourcesFailed when any source failed. It never prints a secret: errors of the
// extract layer carry none.
func Check(ctx context.Context, opts CheckOptions) error {
	if opts.Factory == nil {
		opts.Factory = NewSource
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	sources, err := opts.Config.Select(opts.Sources)
	if err != nil {
		return err
	}
	failed := 0
	for _, src := range sources {
		started := time.Now()
		err := checkSource(ctx, opts, src)
		took := time.Since(started).Round(time.Millisecond)
		if err == nil {
			fmt.Fprintf(opts.Out, "%s (%s): ok, authenticated in %s\n", src.Name, src.Provider, took)
			continue
		}
		failed++
		fmt.Fprintf(opts.Out, "%s (%s): FAILED: %s — %s\n", src.Name, src.Provider, oneLine(sourceError(src.Name, err)), fixHint(err))
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d sources failed the check", ErrSourcesFailed, failed, len(sources))
	}
	return nil
}

func checkSource(ctx context.Context, opts CheckOptions, src config.Source) error {
	s, err := opts.Factory(src, SourceEnv{Transport: opts.Transport})
	if err != nil {
		return err
	}
	checker, ok := s.(extract.Checker)
	if !ok {
		return fmt.Errorf("provider %s cannot be checked without a sync", src.Provider)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	return checker.Check(ctx)
}

// fixHint says what a user can do about a failed check.
func fixHint(err error) string {
	var te *extract.TransportError
	switch {
	case errors.Is(err, extract.ErrAuth):
		return "check the source's auth in roster.yaml (and that the key or app is still enabled)"
	case errors.Is(err, extract.ErrRateLimited):
		return "the provider is throttling this account; try again later or lower max_rps"
	case errors.As(err, &te), errors.Is(err, context.DeadlineExceeded), errors.Is(err, extract.ErrTimeout):
		return "check base_url and that this machine can reach the provider"
	case errors.Is(err, extract.ErrMalformed):
		return "check base_url: the reply does not look like this provider's API"
	default:
		return "see the cause above"
	}
}
