package httpserver

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Listener's contract: at the cap it closes a connection without a request
// in progress "and accepts the new one"; "only when every connection has a
// request in progress does Accept wait". But Accept counted the connection
// it was about to accept as open (n: "open connections plus the one being
// accepted"), and net/http calls Accept again as soon as it returned one:
// with MaxConns-1 requests in progress, the connection just accepted, not
// yet read (StateNew), was the only one "waiting", and the next Accept
// closed it before its request was read. The client, under the cap, got a
// reset or EOF, not an answer (not even the in-flight cap's 503 with
// Retry-After). Found by a review helper.
func TestConnectionUnderTheCapIsServed(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
		_, _ = io.WriteString(w, "done\n")
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	o := Default()
	o.MaxConns = 2
	o.MaxInFlight = 2
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	addr, _, _ := serve(t, mux, o, nil)
	defer close(release)

	// One request in progress: one connection of two.
	c1, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if _, err := io.WriteString(c1, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-entered

	// A second client, within the cap of two.
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 5 {
		resp, err := cl.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz #%d with 1 of %d connections busy: %v; want 200 (a second connection is within the cap)", i, o.MaxConns, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz #%d: %d, want 200", i, resp.StatusCode)
		}
	}
}

// The same at the smallest cap the configuration accepts
// (server.max_connections: 1, max_in_flight ≤ it): every connection is
// closed by the next Accept before its request is read, so the controller
// answers nothing at all, probes and webhook included, while idle.
func TestOneConnectionCapServes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	o := Default()
	o.MaxConns = 1
	o.MaxInFlight = 1
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	addr, ln, _ := serve(t, mux, o, nil)
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz, one client, nothing else open, max connections 1: %v (connections evicted: %d); want 200", err, ln.Evicted())
	}
	resp.Body.Close()
}
