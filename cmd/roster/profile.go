package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// peakSuffix names, after the --mem-profile file's name, the heap profile taken at the
// run's largest live heap.
const peakSuffix = ".peak"

// startProfiles starts a CPU profile into cpu (when set) and, when mem is set, a watch
// of the live heap. The returned function stops both and writes into mem a heap profile
// of the whole run (every allocation, and what is live at its end), and into
// mem+peakSuffix the heap profile of the moment the live heap was largest: at the end
// of a run most of its memory is free again, and what held it shows only at its peak.
func startProfiles(cpu, mem string) (stop func() error, err error) {
	var cpuFile *os.File
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	var peak *peakHeap
	if mem != "" {
		peak = watchPeakHeap(peakInterval)
	}
	return func() error {
		var errs []error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpuFile.Close())
		}
		if mem != "" {
			prof, _ := peak.stop()
			if err := os.WriteFile(mem+peakSuffix, prof, 0o644); err != nil {
				errs = append(errs, fmt.Errorf("mem profile: %w", err))
			}
			f, err := os.Create(mem)
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("mem profile: %w", err))...)
			}
			runtime.GC()
			errs = append(errs, pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}

// peakInterval is how often the live heap is looked at. The live heap is measured by
// each garbage collection, which a sync makes several times a second while it lists.
const peakInterval = 100 * time.Millisecond

// peakGrowth is how much larger than the last profile's the live heap must be for
// another profile to be taken (a twentieth: a profile costs a walk of every sampled
// allocation, and a run's heap rises and falls many times).
const peakGrowth = 20

// peakHeap watches the live heap and keeps the heap profile of its largest size.
type peakHeap struct {
	quit chan struct{}
	done chan struct{}
	once sync.Once
	// Set by the watching goroutine, read after done is closed.
	prof []byte
	live uint64
}

// watchPeakHeap starts looking at the live heap every interval. A heap profile holds
// what was live at the last garbage collection, as does the live heap metric, so the
// two agree.
func watchPeakHeap(interval time.Duration) *peakHeap {
	p := &peakHeap{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			p.look()
			select {
			case <-p.quit:
				p.look()
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// look takes a heap profile when the live heap is the largest yet seen by a margin.
func (p *peakHeap) look() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := sample[0].Value.Uint64()
	if p.prof != nil && live <= p.live+p.live/peakGrowth {
		return
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err == nil {
		p.prof, p.live = buf.Bytes(), live
	}
}

// stop ends the watch and returns the profile of the largest live heap seen and that
// heap's size in bytes.
func (p *peakHeap) stop() (prof []byte, live uint64) {
	p.once.Do(func() { close(p.quit) })
	<-p.done
	return p.prof, p.live
}
