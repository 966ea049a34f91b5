package teststack

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// A port picked free is released before the server binds it. In this
// session's cold CI run another process took Prometheus's port first:
// Prometheus exited on "bind: address already in use", but the other
// process answered 200 to /-/ready, so the stack took it for Prometheus,
// and the e2e test waited 30 s for a scrape, reading 404s from the wrong
// server. Here the first port picked is held by a server answering 200 to
// everything: the stack must see that Prometheus is not the one listening
// there and start it on another port.
func TestServerOnATakenPortStartsOnAnother(t *testing.T) {
	impostor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer impostor.Close()
	taken := impostor.Listener.Addr().(*net.TCPAddr).Port

	picks := 0
	pickPort = func() (int, error) {
		picks++
		if picks == 1 {
			return taken, nil
		}
		return freePort()
	}
	t.Cleanup(func() { pickPort = freePort })

	p := Prometheus(t, PromOptions{})
	if p.port == taken {
		t.Fatalf("prometheus reported ready on port %d, which another server holds (picks %d)\n%s", taken, picks, p.Logs())
	}
	if picks < 2 {
		t.Errorf("port picked %d times, want a second pick after the clash", picks)
	}
	if _, err := p.API().Buildinfo(t.Context()); err != nil {
		t.Errorf("the stack's Prometheus does not answer its API: %v", err)
	}
}

// A server that lost the port exits at once, and /proc no longer lists
// its descriptors (an exited, not yet reaped process has none to read).
// That was taken for "/proc cannot tell", so /-/ready from the other
// process counted: CI failed TestServerOnATakenPortStartsOnAnother that
// way. A process whose descriptors cannot be read does not hold the port.
func TestListenOwnerOfAGoneProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if _, ok := listeningInodes(port); !ok {
		t.Skip("no /proc/net/tcp here")
	}
	if owned, known := listenOwner(1<<30, port); owned || !known {
		t.Errorf("listenOwner(a pid that does not exist) = owned %v, known %v; want false, true", owned, known)
	}
	if owned, known := listenOwner(os.Getpid(), port); !owned || !known {
		t.Errorf("listenOwner(this process, its own listener) = owned %v, known %v; want true, true", owned, known)
	}
}
