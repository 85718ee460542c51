package jobs

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/roster-etl/roster/extract"
)

// Progress is a live display of each source's extraction on a terminal: pages, users,
// retries and time spent throttled. Logs written to it appear above the bars, so the
// two never mix. Off a terminal, roster shows no progress, only its logs.
type Progress struct {
	p *mpb.Progress
}

// NewProgress draws on out, which should be a terminal.
func NewProgress(out io.Writer) *Progress {
	return &Progress{p: mpb.New(mpb.WithOutput(out), mpb.WithWidth(24), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())}
}

// Writer prints lines above the running bars (give it to the logger).
func (p *Progress) Writer() io.Writer { return p.p }

// Wait lets the bars draw their final state; call it once, after the run.
func (p *Progress) Wait() { p.p.Wait() }

// sourceProgress is one source's bar.
type sourceProgress struct {
	bar   *mpb.Bar
	users *atomic.Int64
	stats func() extract.Stats
	stop  chan struct{}
	done  chan struct{}
}

// track starts a bar for a source; it polls the extractor's counters until finish.
func (p *Progress) track(name string, users *atomic.Int64, stats func() extract.Stats) *sourceProgress {
	var last atomic.Value
	last.Store(extract.Stats{})
	info := decor.Any(func(decor.Statistics) string {
		st := last.Load().(extract.Stats)
		return fmt.Sprintf("%d users, %d pages, %d requests, %d retries, throttled %s",
			users.Load(), st.Pages, st.Requests, st.Retries, (time.Duration(st.ThrottledMS) * time.Millisecond).Round(100*time.Millisecond))
	})
	bar := p.p.New(0, mpb.SpinnerStyle(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR),
			decor.OnAbort(decor.OnComplete(decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace), "done "), "FAILED ")),
		mpb.AppendDecorators(info),
	)
	sp := &sourceProgress{bar: bar, users: users, stats: stats, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sp.done)
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			last.Store(stats())
			select {
			case <-sp.stop:
				last.Store(stats())
				return
			case <-t.C:
				bar.SetCurrent(users.Load())
			}
		}
	}()
	return sp
}

// finish completes the bar (ok) or marks it failed.
func (sp *sourceProgress) finish(ok bool) {
	if sp == nil {
		return
	}
	close(sp.stop)
	<-sp.done
	if ok {
		n := sp.users.Load()
		sp.bar.SetTotal(n, true)
		return
	}
	sp.bar.Abort(false)
}
