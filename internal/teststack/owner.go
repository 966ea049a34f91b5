package teststack

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A server's port is picked free and released before the server binds it
// (pickPort), so another process can take it first. The server then exits
// on "address already in use", but /-/ready on that port may well answer
// 200 from the other process before it does. Readiness therefore also asks
// the kernel who listens there: the server's own process, or someone else.
// The same holds for nats-server's monitor port and its /healthz.

// errNotOwner: when the wait ended, another process still held the port.
var errNotOwner = errors.New("another process listens there")

// waitOwned waits until process pid holds the listener on port, or /proc
// cannot tell (nil); until done closes (ErrExited: ours gave up, typically
// on "address already in use"); or until deadline (errNotOwner).
func waitOwned(pid, port int, done <-chan struct{}, deadline time.Time) error {
	for {
		owned, known := listenOwner(pid, port)
		if owned || !known {
			return nil
		}
		select {
		case <-done:
			return ErrExited
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errNotOwner
		}
	}
}

// listenOwner reports whether process pid holds the listening TCP socket on
// 127.0.0.1:port (or any address with that port). known is false when
// /proc cannot tell (not Linux, or /proc not mounted): callers then take
// /-/ready's answer alone, as before. A pid whose descriptors cannot be
// read holds nothing.
func listenOwner(pid, port int) (owned, known bool) {
	inodes, ok := listeningInodes(port)
	if !ok {
		return false, false
	}
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		// Gone, or exited and not yet reaped (a server that lost the
		// port exits at once): it holds nothing. Taken for "cannot tell",
		// the other process's /-/ready counted for it.
		return false, true
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if err != nil {
			continue // closed since the listing
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(inode, "]")] {
			return true, true
		}
	}
	return false, true
}

// listeningInodes are the socket inodes of the TCP listeners on port, from
// /proc/net/tcp and /proc/net/tcp6 (local address in hex "ADDR:PORT", state
// 0A = LISTEN, inode the tenth field).
func listeningInodes(port int) (map[string]bool, bool) {
	suffix := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	read := false
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		read = true
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !strings.HasSuffix(fields[1], suffix) {
				continue
			}
			inodes[fields[9]] = true
		}
		f.Close()
	}
	return inodes, read
}
