package faultproxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestReview51ADPassKeepsTheAnswerAfterTheClientHalfCloses: in Pass the
// proxy "forwards traffic", but serve ends both directions as soon as one
// ends (proxy.go, serve: "one direction ended: close both"). A client that
// sends its request and half-closes (CloseWrite: "that is all I send", as
// netcat, a raw TCP health check or an HTTP/1.0 client may) gets no answer
// through the proxy, where it gets one directly: the proxy turns the
// client's FIN into a reset of the upstream and closes the client's read
// side. Expected: an EOF in one direction is passed on as a half-close
// (CloseWrite on the other side) and the other direction keeps flowing
// until it ends too.
func TestReview51ADPassKeepsTheAnswerAfterTheClientHalfCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, _ := io.ReadAll(c) // the whole request: until the client's half-close
				_, _ = c.Write(append([]byte("got "), req...))
			}()
		}
	}()
	ask := func(addr string) (string, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return "", err
		}
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			return "", err
		}
		b, err := io.ReadAll(c)
		return string(b), err
	}
	if got, err := ask(ln.Addr().String()); got != "got ping" {
		t.Fatalf("control, direct: %q %v", got, err)
	}
	p, err := New(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got, err := ask(p.Addr()); got != "got ping" {
		t.Errorf("through the proxy in Pass: answer %q (err %v); want %q, as the upstream answers directly", got, err, "got ping")
	}
}

// TestReview51ADCloseCutsHeldConnections pins Close's cleanup: a
// black-holed connection and a passing one are cut and Close returns
// promptly, so a fault test leaves no connection or goroutine behind.
func TestReview51ADCloseCutsHeldConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(io.Discard, c) }() // never answers
		}
	}()
	p, err := New(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	passing, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer passing.Close()
	_, _ = passing.Write([]byte("x"))
	time.Sleep(50 * time.Millisecond) // let the proxy dial upstream (real sockets: no virtual time)
	p.Set(Blackhole)
	held, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, _ = held.Write([]byte("y"))
	time.Sleep(50 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5s with a black-holed connection open")
	}
	for name, c := range map[string]net.Conn{"passing": passing, "black-holed": held} {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Errorf("%s connection after Close: read %v; want it cut (EOF or reset)", name, err)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
