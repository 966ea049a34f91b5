package main

import (
	"bytes"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRunSetsTheSoftMemoryLimitFromTheContainers: in a container limited to
// 256 MiB the runtime's soft limit becomes the ratio of it; GOMEMLIMIT, a
// ratio of 0 and an unreadable file leave it alone. (The runtime's limit is
// process-wide: each case restores it.)
func TestRunSetsTheSoftMemoryLimitFromTheContainers(t *testing.T) {
	limited := fstest.MapFS{
		"proc/self/cgroup":         {Data: []byte("0::/\n")},
		"sys/fs/cgroup/memory.max": {Data: []byte("268435456\n")},
	}
	garbled := fstest.MapFS{
		"proc/self/cgroup":         {Data: []byte("0::/\n")},
		"sys/fs/cgroup/memory.max": {Data: []byte("a lot\n")},
	}
	for _, tc := range []struct {
		name   string
		ratio  float64
		root   fstest.MapFS
		envSet bool
		want   int64
		log    string
	}{
		{"ratio of the container's limit", 0.9, limited, false, 241591910, "0.9 of the container's memory limit"},
		{"GOMEMLIMIT wins", 0.9, limited, true, math.MaxInt64, "GOMEMLIMIT is set"},
		{"off", 0, limited, false, math.MaxInt64, "off"},
		{"unreadable", 0.9, garbled, false, math.MaxInt64, "cannot read the container's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := debug.SetMemoryLimit(math.MaxInt64)
			defer debug.SetMemoryLimit(prev)
			var logs bytes.Buffer
			setMemoryLimit(tc.ratio, tc.root, tc.envSet, slog.New(slog.NewTextHandler(&logs, nil)))
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Errorf("soft memory limit %d, want %d", got, tc.want)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log %q does not say %q", logs.String(), tc.log)
			}
		})
	}
}
