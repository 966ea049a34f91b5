package testenv

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MemStatus is what /proc/PID/status says of a process's memory, in KiB:
// the file's "kB" is 1024 bytes. The footprint and history harnesses read
// the controller's resident set from it.
type MemStatus struct {
	RSS uint64 // VmRSS: resident now
	// HWM is VmHWM, the largest RSS since the process started, between
	// samples and before the first too; 0 when the page has none.
	HWM uint64
}

// ReadMemStatus reads pid's MemStatus.
func ReadMemStatus(pid int) (MemStatus, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return MemStatus{}, err
	}
	defer f.Close()
	return ParseMemStatus(f)
}

// ParseMemStatus reads a /proc/PID/status page; a page without VmRSS (a
// zombie's) is an error, never a zero.
func ParseMemStatus(r io.Reader) (MemStatus, error) {
	var m MemStatus
	found := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		field, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || field != "VmRSS" && field != "VmHWM" {
			continue
		}
		kib, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return MemStatus{}, fmt.Errorf("%s: %w", field, err)
		}
		if field == "VmRSS" {
			m.RSS, found = kib, true
		} else {
			m.HWM = kib
		}
	}
	if err := sc.Err(); err != nil {
		return MemStatus{}, err
	}
	if !found {
		return MemStatus{}, fmt.Errorf("no VmRSS in the status page")
	}
	return m, nil
}
