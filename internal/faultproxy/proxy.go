package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Mode is what the proxy does with traffic.
type Mode int

const (
	// Pass forwards traffic (after Latency, if set).
	Pass Mode = iota
	// Refuse closes every new connection at once and cuts the open ones:
	// the dependency looks down.
	Refuse
	// Blackhole accepts connections and never forwards nor answers: the
	// dependency looks hung, so only the caller's timeouts help.
	Blackhole
)

// Proxy forwards 127.0.0.1:port to an upstream address.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	mode    Mode
	latency time.Duration
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
	closed  bool
}

// New listens on 127.0.0.1:0 and forwards to upstream (host:port).
func New(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Set changes the mode; leaving Pass cuts every open connection, so a
// keep-alive connection cannot outlive the fault.
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	p.mode = m
	var cut []net.Conn
	if m != Pass {
		for c := range p.conns {
			cut = append(cut, c)
		}
	}
	p.mu.Unlock()
	for _, c := range cut {
		_ = c.Close()
	}
}

// SetLatency delays every chunk forwarded in either direction by d.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Set(Refuse)
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.mu.Lock()
		mode := p.mode
		p.mu.Unlock()
		if mode == Refuse || !p.track(c) {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c, mode)
	}
}

func (p *Proxy) serve(c net.Conn, mode Mode) {
	defer p.wg.Done()
	defer p.untrack(c)
	if mode == Blackhole {
		_, _ = io.Copy(io.Discard, c) // until the client gives up or Set cuts it
		return
	}
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(up) {
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	// done says how a direction ended: true when its source ended cleanly
	// and the end was passed on as a half-close (the other direction goes
	// on: a client that sends its request and closes its side still gets
	// the answer, as without the proxy; a review's finding), false when it
	// failed, which ends both.
	done := make(chan bool, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.mu.Lock()
				lat := p.latency
				p.mu.Unlock()
				if lat > 0 {
					time.Sleep(lat)
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
						done <- true
						return
					}
				}
				break
			}
		}
		done <- false
	}
	go pipe(up, c)
	go pipe(c, up)
	if halfClosed := <-done; !halfClosed {
		// A direction failed: close both, which ends the other.
		_ = c.Close()
		_ = up.Close()
	}
	<-done
	_ = c.Close()
	_ = up.Close()
}
