package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// gatewayRunGoroutines is how many goroutines are in gatewaysim's Run loop.
func gatewayRunGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "gatewaysim.(*Gateway).Run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestGatewayReturnsAfterTheDrain: when `gateway` stops (--duration here, a
// signal alike) it returns only once the HTTP drain is over and the
// simulation's loop has ended. It returned as soon as the listener closed
// (Serve answers ErrServerClosed when Shutdown starts, not when it ends), so
// main exited under a handler still serving a request, and the Run loop was
// never waited for.
func TestGatewayReturnsAfterTheDrain(t *testing.T) {
	addr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	runsBefore := gatewayRunGoroutines()
	returned := make(chan int, 1)
	var stderr teststack.SyncBuffer
	go func() {
		returned <- gatewayCmd([]string{"--function", "a", "--listen", addr, "--duration", "1s"}, io.Discard, &stderr)
	}()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 10*time.Second, t.Context().Done()); err != nil {
		t.Fatal(err)
	}

	// A request whose body is half sent: its handler is reading it when
	// the shutdown starts.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const body = `{"rps":1}`
	if _, err := io.WriteString(conn, "PUT /sim/load/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 9\r\n\r\n"+body[:7]); err != nil {
		t.Fatal(err)
	}

	// The shutdown has started once the listener refuses a new connection.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("after 10 s of --duration 1s the gateway still accepts connections")
		}
		time.Sleep(20 * time.Millisecond) // polling a server; no assertion on the time
	}
	select {
	case code := <-returned:
		t.Fatalf("gateway returned (exit %d) while a handler was still reading its request; stderr %q", code, stderr.String())
	case <-time.After(500 * time.Millisecond): // the old return came within milliseconds of the listener's close
	}

	// The rest of the body: the handler answers, and only then may the
	// command return.
	if _, err := io.WriteString(conn, body[7:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the drained request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("the drained PUT /sim/load/a answered %s, want 204", resp.Status)
	}
	select {
	case code := <-returned:
		if code != 0 {
			t.Errorf("exit %d, want 0; stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not return 10 s after its last request was answered")
	}
	if n := gatewayRunGoroutines(); n > runsBefore {
		t.Errorf("gateway returned with its simulation loop still running (%d Run goroutines, %d before it started)", n, runsBefore)
	}
}
