package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrLocked means another roster process holds the warehouse.
var ErrLocked = errors.New("warehouse is in use")

// Lock is the one-writer lock of a warehouse: an advisory lock on "<duckdb>.lock", which
// the kernel releases when the holder exits, however it exits. The file names the
// holder (pid, host, command, start time) so a second run can say who it waits for.
type Lock struct {
	f *os.File
}

// lockHolder is what the lock file records.
type lockHolder struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Command   string    `json:"command"`
	StartedAt time.Time `json:"started_at"`
}

// AcquireLock takes the warehouse lock for command. When another process holds it, it
// fails at once (wait 0) or polls until wait has passed, then fails with ErrLocked and
// the holder's pid and start time.
func AcquireLock(ctx context.Context, duckdbPath, command string, wait time.Duration) (*Lock, error) {
	path := duckdbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("warehouse lock %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("warehouse lock %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			holder := describeHolder(path)
			f.Close()
			hint := "; use --wait DURATION to wait for it"
			if wait > 0 {
				hint = fmt.Sprintf("; gave up after waiting %s", wait)
			}
			return nil, fmt.Errorf("%w: %s is held by %s%s", ErrLocked, duckdbPath, holder, hint)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(min(250*time.Millisecond, time.Until(deadline)+time.Millisecond)):
		}
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(lockHolder{PID: os.Getpid(), Host: host, Command: command, StartedAt: time.Now().UTC().Truncate(time.Second)})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	return errors.Join(err, l.f.Close())
}

func describeHolder(path string) string {
	b, err := os.ReadFile(path)
	var h lockHolder
	if err != nil || json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h) != nil || h.PID == 0 {
		return "another roster process"
	}
	return fmt.Sprintf("roster %s (pid %d on %s, started %s)", h.Command, h.PID, h.Host, h.StartedAt.Format(time.RFC3339))
}
