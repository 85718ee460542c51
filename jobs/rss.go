package jobs

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// PeakRSS is the process's peak resident set size in bytes as the kernel counts it
// (VmHWM in /proc/self/status), or 0 where that is not available. Unlike a parent's
// rusage of the child, it is not inflated by the parent's own memory at the fork.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
