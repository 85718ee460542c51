package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestThePeakHeapProfileIsTakenAtTheLargestLiveHeap holds 64 MiB live for a while, lets
// it go, and checks the profile kept is the one of the heap that held them, not of the
// smaller heap the watch saw last.
func TestThePeakHeapProfileIsTakenAtTheLargestLiveHeap(t *testing.T) {
	const held = 64 << 20
	p := watchPeakHeap(5 * time.Millisecond)
	block := make([]byte, held)
	for i := range block {
		block[i] = byte(i)
	}
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	runtime.KeepAlive(block)
	block = nil
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	prof, live := p.stop()
	if live < held {
		t.Errorf("the profile kept is of a live heap of %d bytes, less than the %d held", live, held)
	}
	if !bytes.HasPrefix(prof, []byte{0x1f, 0x8b}) {
		t.Errorf("the profile kept is not a gzipped pprof profile (%d bytes)", len(prof))
	}
	if again, _ := p.stop(); !bytes.Equal(again, prof) {
		t.Error("a second stop returned another profile")
	}
}

// TestMemProfileWritesTheRunsAndThePeaksProfiles checks --mem-profile FILE writes FILE
// and FILE.peak, and --cpu-profile its file.
func TestMemProfileWritesTheRunsAndThePeaksProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	stop, err := startProfiles(cpu, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{cpu, mem, mem + peakSuffix} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			t.Errorf("%s is not a gzipped pprof profile (%d bytes)", filepath.Base(f), len(b))
		}
	}
}
